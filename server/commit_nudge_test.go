package server

import (
	"context"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

// TestFollowersApplyTheLastWriteOfABurst: with Raft's empty AppendEntries
// an hour apart, followers still apply a write right after the leader
// does, because the leader announces the commit (commit_nudge.go). Without
// the nudge each follower would learn it only with the next write. A
// barrier appended alongside each write (as a new leader's or a
// snapshot's) must not hide the commit: barriers never reach the FSM.
func TestFollowersApplyTheLastWriteOfABurst(t *testing.T) {
	c := newTestClusterWith(t, 3, func(cfg *Config) { cfg.RaftCommitTimeout = time.Hour })
	ctx := context.Background()
	l := c.leader()
	for i, key := range []string{"a", "b", "c", "d", "e", "f"} {
		go l.raft.Barrier(time.Second)
		ok, idx, err := l.KVApply(ctx, &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: key, Value: []byte("v")}})
		if err != nil || !ok {
			t.Fatalf("write %d: %v, %v", i, ok, err)
		}
		for _, f := range c.followers() {
			deadline := time.Now().Add(3 * time.Second)
			for f.Store().LastIndex() < idx {
				if time.Now().After(deadline) {
					t.Fatalf("write %d (index %d): %s has applied only to %d after 3s", i, idx, f.ID(), f.Store().LastIndex())
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
}
