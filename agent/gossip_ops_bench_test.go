package agent

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// startBenchAgent starts an agent with exactly args and TestTimings, stopped
// when the benchmark ends.
func startBenchAgent(b *testing.B, args ...string) *Agent {
	b.Helper()
	rt, _, err := config.Load(args)
	if err != nil {
		b.Fatal(err)
	}
	a, err := New(Options{Config: rt, Logger: slog.New(slog.DiscardHandler), TestTimings: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Shutdown() })
	return a
}

// BenchmarkKeyringList measures one keyring list across an encrypted pool
// of three agents (a serf query and its answers), as
// GET /v1/operator/keyring runs it.
func BenchmarkKeyringList(b *testing.B) {
	const key = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
	flags := func(node string) []string {
		return []string{"-node", node, "-bind", "127.0.0.1", "-client", "127.0.0.1", "-http-port", "-1",
			"-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
			"-data-dir", b.TempDir(), "-encrypt", key}
	}
	first := startBenchAgent(b, flags("bench-1")...)
	for i := 2; i <= 3; i++ {
		startBenchAgent(b, append(flags(fmt.Sprintf("bench-%d", i)), "-join", lanAddr(first))...)
	}
	for first.lan.Load().NumMembers() < 3 {
		time.Sleep(10 * time.Millisecond) // set-up: the joins spread
	}
	b.ResetTimer()
	for b.Loop() {
		resp, err := first.Keyring(context.Background(), "list", "", false, "")
		if err != nil || resp[0].Keys[key] != 3 {
			b.Fatalf("list = %+v, %v", resp, err)
		}
	}
}
