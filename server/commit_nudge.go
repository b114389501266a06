package server

import (
	"context"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/fsm"
)

// Raft tells a follower the leader's commit index only in the leader's
// next AppendEntries: the one carrying the next entry, or an empty one
// the replication loop sends every CommitTimeout. An idle leader paid for
// those empty sends more than for anything else (a quarter of its CPU at
// a 50 ms CommitTimeout), yet a follower's FSM, and so the views streamed
// from it, waited up to two CommitTimeouts for the last write before a
// pause.
//
// So CommitTimeout is long, and the leader announces commits itself: when
// its FSM has applied the last entry of the log and nothing follows it
// for a few milliseconds, it appends a barrier. Replicating the barrier
// carries the new commit index to every follower. Under load later
// entries carry it instead, so the barrier is only written after the last
// write of a burst.

// nudgingFSM is the FSM Raft drives: the state store's FSM, which also
// signals the commit nudge after each apply.
type nudgingFSM struct {
	*fsm.FSM
	signal chan struct{} // capacity 1
}

func (f nudgingFSM) Apply(l *raft.Log) any {
	defer f.applied()
	return f.FSM.Apply(l)
}

func (f nudgingFSM) ApplyBatch(logs []*raft.Log) []any {
	defer f.applied()
	return f.FSM.ApplyBatch(logs)
}

func (f nudgingFSM) applied() {
	select {
	case f.signal <- struct{}{}:
	default: // a signal is pending already
	}
}

// nudgeSettle is how long after an apply the commit nudge looks whether
// a later entry has been appended since. Under load one nearly always has:
// the writers whose answers that apply sent write again within a
// millisecond or two.
const nudgeSettle = 5 * time.Millisecond

// runCommitNudge is a leader duty. Once nudgeSettle has passed since an
// FSM apply without an entry appended to the log after it, it appends a
// barrier (see above). Any later entry will do, not only a command whose
// own apply signals again: it leaves after the commit. The barrier is not
// waited for: Raft answers it, or fails it when leadership ends.
func (s *Server) runCommitNudge(ctx context.Context) {
	settle := time.NewTimer(nudgeSettle)
	settle.Stop()
	defer settle.Stop()
	var mark uint64 // the log's last index just after the newest apply
	pending := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.appliedSignal:
			mark = s.raft.LastIndex()
			if !pending {
				pending = true
				settle.Reset(nudgeSettle)
			}
		case <-settle.C:
			pending = false
			if s.raft.LastIndex() == mark && s.hasPeers() {
				s.raft.Barrier(raftTimeout)
			}
		}
	}
}

// hasPeers reports whether the Raft configuration names a server besides
// this one: a lone server has nobody to tell of its commits.
func (s *Server) hasPeers() bool {
	f := s.raft.GetConfiguration()
	return f.Error() == nil && len(f.Configuration().Servers) > 1
}
