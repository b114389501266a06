package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

// TestClusterFollowerCatchesUpFromASnapshot: a follower that was down while
// the leader snapshotted and truncated its log past the follower's last
// entry comes back from its own disk, installs the leader's snapshot and
// catches up with every write (lessons.md: the snapshot install loop).
func TestClusterFollowerCatchesUpFromASnapshot(t *testing.T) {
	c := newTestClusterWith(t, 3, func(cfg *Config) {
		cfg.DataDir = t.TempDir()
		cfg.RaftSnapshotThreshold, cfg.RaftSnapshotInterval, cfg.RaftTrailingLogs = 32, 20*time.Millisecond, 8
	})
	leader := c.leader()
	mustKVApply(t, leader, kvReq(state.KVSet, "before", state.KVEntry{Value: []byte("v")}))
	f := c.followers()[0]
	waitFor(t, func() bool { return f.raft.AppliedIndex() >= leader.raft.LastIndex() })
	cfg, addr, last := f.cfg, f.Addr(), f.raft.LastIndex()
	if err := f.Shutdown(); err != nil {
		t.Fatal(err)
	}

	for i := range 300 {
		mustKVApply(t, leader, kvReq(state.KVSet, fmt.Sprintf("while-down/%03d", i), state.KVEntry{Value: fmt.Appendf(nil, "v%d", i)}))
	}
	waitFor(t, func() bool {
		first, err := leader.stores.logs.FirstIndex()
		return err == nil && first > last+1 // the entries the follower lacks are gone from the log
	})

	cfg.RaftAddr = addr // the address the others know it by
	back, err := New(cfg)
	if err != nil {
		t.Fatalf("restart the follower from its data dir: %v", err)
	}
	t.Cleanup(func() { back.Shutdown() })
	want := dumpState(t, leader.Store())
	waitFor(t, func() bool { return dumpState(t, back.Store()) == want })
	snaps, err := back.stores.snaps.List()
	if err != nil || len(snaps) == 0 || snaps[0].Index <= last {
		t.Fatalf("the follower's snapshots = %+v, %v; want one installed from the leader, past index %d", snaps, err, last)
	}
}
