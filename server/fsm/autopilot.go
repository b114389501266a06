package fsm

import (
	"fmt"

	"github.com/pylonmesh/pylon/server/state"
)

// applyAutopilot sets the autopilot configuration; the response is
// whether it was written (false: a CAS that did not match).
func applyAutopilot(w state.Writer, idx uint64, body []byte) (any, error) {
	var req state.AutopilotRequest
	if err := decode(body, &req); err != nil {
		return nil, fmt.Errorf("fsm: decode autopilot request: %w", err)
	}
	ok, err := w.AutopilotSetConfig(idx, &req)
	if err != nil {
		return nil, err
	}
	return ok, nil
}
