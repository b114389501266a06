package server

import (
	"log/slog"
	"testing"

	"github.com/hashicorp/raft"
)

// TestRaftLogReopensAfterTailTruncation: a follower whose last entries
// conflict with a new leader's truncates its log's tail; its log must
// still open and read after a restart. raft-wal before v0.4.1 marked the
// truncated tail segment sealed without writing its index, and the next
// start panicked in raft.NewRaft ("sealed segment has no index block");
// the netns fault test hit it after a kill -9.
func TestRaftLogReopensAfterTailTruncation(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	open := func() *raftStores {
		t.Helper()
		rs, err := openRaftStores(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	rs := open()
	var logs []*raft.Log
	for i := uint64(1); i <= 20; i++ {
		logs = append(logs, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: []byte("x")})
	}
	if err := rs.logs.StoreLogs(logs); err != nil {
		t.Fatal(err)
	}
	if err := rs.logs.DeleteRange(18, 20); err != nil { // the conflicting suffix
		t.Fatal(err)
	}
	if err := rs.logs.StoreLogs([]*raft.Log{{Index: 18, Term: 2, Type: raft.LogCommand, Data: []byte("y")}}); err != nil {
		t.Fatal(err)
	}
	if err := rs.close(); err != nil {
		t.Fatal(err)
	}

	rs = open()
	defer rs.close()
	for _, idx := range []uint64{1, 17, 18} {
		var l raft.Log
		if err := rs.logs.GetLog(idx, &l); err != nil {
			t.Fatalf("entry %d after a restart: %v", idx, err)
		}
	}
	if last, _ := rs.logs.LastIndex(); last != 18 {
		t.Fatalf("last index after a restart = %d, want 18", last)
	}
}
