package server

import (
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

func TestTombstoneGCDecisions(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	g := &tombstoneGC{ttl: 10 * time.Second}
	steps := []struct {
		now   int    // seconds after t0
		index uint64 // the tombstones' index seen
		want  uint64 // reap up to
		reap  bool   // the reap is applied
	}{
		{0, 0, 0, false},   // no tombstones yet
		{5, 7, 0, false},   // first deletion seen
		{10, 9, 0, false},  // another
		{14, 9, 0, false},  // nothing new, 7 is 9s old
		{15, 9, 7, true},   // 7 is 10s old
		{20, 9, 9, false},  // 9 is old too; the reap fails
		{21, 12, 9, true},  // retried
		{25, 15, 0, false}, // the reap moved the index to 15: seen once more
		{35, 15, 15, true}, // one spare reap that removes nothing
		{40, 15, 0, false}, // settled
		{50, 15, 0, false},
	}
	for i, st := range steps {
		got := g.tick(at(st.now), st.index)
		if got != st.want {
			t.Fatalf("step %d: reap up to %d, want %d (hints %v)", i, got, st.want, g.hints)
		}
		if st.reap {
			g.reaped(got)
		}
	}
}

// TestTombstoneReaping runs the leader's reaper with a short TTL: a
// deleted key's tombstone goes, through Raft.
func TestTombstoneReaping(t *testing.T) {
	cfg := testConfig(t)
	cfg.TombstoneTTL = 20 * time.Millisecond
	cfg.TombstoneTTLGranularity = 5 * time.Millisecond
	s := startServer(t, cfg)
	mustKVApply(t, s, kvReq(state.KVSet, "p/a", state.KVEntry{}))
	_, del := mustKVApply(t, s, kvReq(state.KVDelete, "p/a", state.KVEntry{}))
	if idx, _, _ := s.Store().KVList(nil, "p/"); idx != del {
		t.Fatalf("prefix index = %d, want the delete's %d", idx, del)
	}
	waitFor(t, func() bool { return s.Store().TombstoneIndex() > del })
	// Reaped: the prefix now reports the tables' index, never less.
	if idx, _, _ := s.Store().KVList(nil, "p/"); idx <= del {
		t.Errorf("prefix index after reaping = %d, want > %d", idx, del)
	}
}
