package command

import (
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/agent/agenttest"
	"github.com/pylonmesh/pylon/api"
)

// kvTestAgent starts a dev agent on random loopback ports, stopped when
// the test ends, and returns its HTTP address and a client for it. The
// environment's HTTP settings are cleared for the test.
func kvTestAgent(t *testing.T) (string, *api.Client) {
	t.Helper()
	clearEnv(t)
	addr := agenttest.Start(t).HTTPAddr()
	c, err := api.NewClient(&api.Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Config().HttpClient.CloseIdleConnections)
	return addr, c
}

// setStdin makes "-" arguments read s for the rest of the test.
func setStdin(t *testing.T, s string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(s)
	t.Cleanup(func() { stdin = old })
}
