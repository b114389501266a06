package agent

import (
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/server"
)

// serverAutopilot is the server's autopilot configuration from the
// agent's autopilot { } block; nil (the server's defaults) when the block
// is all zero, as in a hand-built runtime config.
func serverAutopilot(ap config.Autopilot) *server.AutopilotConfig {
	if ap == (config.Autopilot{}) {
		return nil
	}
	return &server.AutopilotConfig{
		CleanupDeadServers:      ap.CleanupDeadServers,
		LastContactThreshold:    ap.LastContactThreshold,
		MaxTrailingLogs:         uint64(max(ap.MaxTrailingLogs, 0)),
		MinQuorum:               uint(max(ap.MinQuorum, 0)),
		ServerStabilizationTime: ap.ServerStabilizationTime,
	}
}
