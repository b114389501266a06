// Package agenttest starts real in-process dev agents for the tests of
// other packages (the Go client, the CLI, watches): one place that knows
// the flags of a quiet loopback agent, so those tests drive the real thing
// rather than a fake.
package agenttest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/pylonmesh/pylon/agent"
	"github.com/pylonmesh/pylon/agent/config"
)

// NodeName is the node name of the agents Start starts.
const NodeName = "node1"

// Start starts a dev agent on random 127.0.0.1 ports with DNS and gRPC
// off, plus extra flags, and shuts it down when the test ends. When Start
// returns, the agent answers HTTP and its node is in the catalog. It logs
// only with -v.
func Start(t testing.TB, extra ...string) *agent.Agent {
	t.Helper()
	args := append([]string{
		"-dev", "-node", NodeName, "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
	}, extra...)
	rt, _, err := config.Load(args)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a, err := agent.New(agent.Options{Config: rt, Logger: logger, Reload: func() (*config.Runtime, []string, error) {
		return config.Load(args)
	}})
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
	return a
}
