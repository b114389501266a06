package server

import (
	"context"
	"testing"
)

// BenchmarkAutopilotHealthRound is the leader's cost of one autopilot
// health round on three servers: a Raft stats call to each follower over
// the server port, and the judging. The loop runs one every 2s.
func BenchmarkAutopilotHealthRound(b *testing.B) {
	c := newTestCluster(b, 3)
	l := c.leader()
	conf := DefaultAutopilotConfig()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h, err := l.updateHealth(ctx, conf)
		if err != nil || len(h.Servers) != 3 {
			b.Fatalf("health = %+v, %v", h, err)
		}
	}
}
