package command

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/api"
)

// kvTestAgent starts a dev agent on random loopback ports, stopped when
// the test ends, and returns its HTTP address and a client for it.
func kvTestAgent(t *testing.T) (string, *api.Client) {
	t.Helper()
	clearEnv(t)
	rt, _, err := config.Load([]string{"-dev", "-node", "node1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-dns-port", "-1", "-grpc-port", "-1"})
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	a, err := agent.New(agent.Options{Config: rt, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("new agent: %v", err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatalf("start agent: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	addr := a.HTTPAddr()
	c, err := api.NewClient(&api.Config{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Config().HttpClient.CloseIdleConnections)
	// Sessions can only be created once anti-entropy has registered the
	// node in the catalog.
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, _, err := c.Catalog().Node("node1", nil)
		if err == nil && n != nil && n.Node != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node never registered: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return addr, c
}

// setStdin makes "-" arguments read s for the rest of the test.
func setStdin(t *testing.T, s string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(s)
	t.Cleanup(func() { stdin = old })
}
