package agent

import (
	"strings"
	"testing"
	"time"
)

// TestMonitorThroughConsulsClient: the official client's Monitor streams
// the agent's log lines at the level it asks for, finer than the agent's
// own, until it stops; an unknown level is refused.
func TestMonitorThroughConsulsClient(t *testing.T) {
	a, cl := testAgent(t)
	stop := make(chan struct{})
	defer close(stop)
	lines, err := cl.Agent().Monitor("debug", stop, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for i, seen := 0, false; !seen; i++ {
		a.logger.Debug("monitor probe", "n", i)
		select {
		case line := <-lines:
			seen = strings.Contains(line, "monitor probe") && strings.Contains(line, "DEBUG")
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("no debug line reached the monitor")
		}
	}
	if _, err := cl.Agent().Monitor("loud", nil, nil); err == nil || !strings.Contains(err.Error(), "Unknown log level") {
		t.Fatalf("unknown level = %v, want 400 Unknown log level", err)
	}
}
