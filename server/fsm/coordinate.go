package fsm

import (
	"fmt"

	"github.com/pylonmesh/pylon/server/state"
)

// CoordinateBatchRequest is the body of a coordinate batch update entry:
// the latest network coordinates of several nodes.
type CoordinateBatchRequest struct {
	Updates []*state.Coordinate
}

// applyCoordinateBatch stores a batch of coordinates; updates for nodes
// not in the catalog are skipped by the store.
func applyCoordinateBatch(w state.Writer, idx uint64, body []byte) error {
	var req CoordinateBatchRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode coordinate batch: %w", err)
	}
	return w.CoordinateBatchUpdate(idx, req.Updates)
}
