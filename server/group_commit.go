package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// Raft's leader writes, and fsyncs, whatever writes are waiting for it each
// time it takes one, and every follower does the same for each append it
// receives. Writers arriving one by one therefore cost an fsync on every
// server nearly each, and on a small machine those fsyncs were the largest
// cost of a write.
//
// Group commit holds the writes that arrive while a group is in Raft and
// hands them over together once it has been applied, so Raft takes them
// in one append. A write that finds Raft idle goes at once: batching only
// happens under load, when the wait would be spent queueing anyway. Each
// write keeps its own log entry and index.

// groupLinger is how long group commit waits at most, after a group of
// several writes, for as many writes to queue before taking the next.
// Writers that run in parallel are mostly those of the last group, whose
// answers are still on their way back, so the wait makes the next group
// larger: fewer appends and fsyncs on every server, which on a small
// machine gave more writes per second than the wait costs (bench/
// clustertime -compare). A lone writer, whose groups have one write,
// never waits.
const groupLinger = time.Millisecond

// groupCommit queues writes for runGroupCommit.
type groupCommit struct {
	mu    sync.Mutex
	queue []*pendingWrite
	wake  chan struct{} // capacity 1: the queue is not empty
	// groups counts the groups handed to Raft (for tests and debugging).
	groups atomic.Uint64
}

// pendingWrite is a write waiting for its group; future receives its Raft
// future. runGroupCommit waits on the last future of a group itself, and
// a future's Error is not safe for two goroutines at once, so that one is
// handed over only once answered.
type pendingWrite struct {
	data    []byte
	timeout time.Duration
	future  chan raft.ApplyFuture
}

func newGroupCommit() *groupCommit {
	return &groupCommit{wake: make(chan struct{}, 1)}
}

// enqueue adds a write to the next group.
func (g *groupCommit) enqueue(data []byte, timeout time.Duration) *pendingWrite {
	w := &pendingWrite{data: data, timeout: timeout, future: make(chan raft.ApplyFuture, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
	return w
}

// await waits until n writes are queued, at most for max.
func (g *groupCommit) await(n int, max time.Duration) {
	timer := time.NewTimer(max)
	defer timer.Stop()
	for g.queued() < n {
		select {
		case <-g.wake:
		case <-timer.C:
			return
		}
	}
}

func (g *groupCommit) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// take returns the queued writes and empties the queue.
func (g *groupCommit) take() []*pendingWrite {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.queue
	g.queue = nil
	return q
}

// runGroupCommit hands each group to Raft, and waits until its last write
// has been applied before handing over the next group. Raft's apply
// channel is buffered (BatchApplyCh), so a group lands there at once and
// the leader takes it in one append.
func (s *Server) runGroupCommit() {
	defer s.wg.Done()
	for {
		select {
		case <-s.commits.wake:
		case <-s.shutdownCh:
			return
		}
		for group := s.commits.take(); len(group) > 0; group = s.commits.take() {
			s.commitGroup(group)
			if len(group) > 1 {
				// Writers come in parallel: give those this group
				// answered a moment to write again, for a larger group.
				s.commits.await(len(group), groupLinger)
			}
		}
	}
}

// commitGroup hands a group to Raft and waits until it is applied.
func (s *Server) commitGroup(group []*pendingWrite) {
	s.commits.groups.Add(1)
	var last raft.ApplyFuture
	for i, w := range group {
		f := s.raft.Apply(w.data, w.timeout)
		bindShutdown(f, s.raftStopped)
		if i < len(group)-1 {
			w.future <- f // its writer waits on it
		}
		last = f
	}
	_ = last.Error() // the whole group is applied: its writer reads the outcome
	group[len(group)-1].future <- last
}
