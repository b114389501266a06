package server

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// leaderPoll is how often WaitForLeader looks again in case a leader
// change notification was dropped.
const leaderPoll = 100 * time.Millisecond

// IsLeader reports whether this server is the Raft leader.
func (s *Server) IsLeader() bool { return s.raft.State() == raft.Leader }

// Leader returns the leader's Raft address ("ip:port"), or "" when no
// leader is known.
func (s *Server) Leader() string {
	addr, _ := s.raft.LeaderWithID()
	return string(addr)
}

// WaitForLeader blocks until the cluster has a leader, the context ends or
// the server shuts down. When this server is the leader it also waits until
// its FSM has applied every committed entry, so reads right after a restart
// see the log replayed and not just the snapshot.
func (s *Server) WaitForLeader(ctx context.Context) error {
	t := time.NewTicker(leaderPoll)
	defer t.Stop()
	for {
		ch := s.leaderChanged()
		if s.Leader() != "" && (!s.IsLeader() || s.leaderReady.Load()) {
			return nil
		}
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.shutdownCh:
			return ErrShutdown
		}
	}
}

// Peers returns the Raft addresses of the voters.
func (s *Server) Peers() ([]string, error) {
	f := s.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, s.raftError(err)
	}
	var out []string
	for _, srv := range f.Configuration().Servers {
		if srv.Suffrage == raft.Voter {
			out = append(out, string(srv.Address))
		}
	}
	return out, nil
}

// LastContact is the time since this server last heard from the leader: 0
// on the leader, and a very large value on a server that never has.
func (s *Server) LastContact() time.Duration {
	if s.IsLeader() {
		return 0
	}
	return time.Since(s.raft.LastContact())
}

// VerifyLeader confirms with a quorum that this server is still the leader,
// for consistent reads. It fails with ErrNotLeader or ErrNoLeader when it
// is not, or with the context's error.
func (s *Server) VerifyLeader(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.waitLeaderReady(ctx); err != nil {
		return err
	}
	f := s.raft.VerifyLeader()
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		if err != nil {
			return s.raftError(err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitLeaderReady waits, within rpcHoldTimeout, until this server is a
// leader that has applied the entries of earlier terms (its barrier runs
// in establishLeadership, a moment after the election); before that its
// store may miss acknowledged writes. A read right after an election
// then waits those milliseconds instead of failing.
func (s *Server) waitLeaderReady(ctx context.Context) error {
	hold := time.NewTimer(rpcHoldTimeout)
	defer hold.Stop()
	for {
		ch := s.leaderChanged()
		if !s.IsLeader() {
			return s.notLeader(nil)
		}
		if s.leaderReady.Load() {
			return nil
		}
		select {
		case <-ch:
		case <-hold.C:
			return fmt.Errorf("%w: not ready to serve consistent reads", ErrNoLeader)
		case <-ctx.Done():
			return ctx.Err()
		case <-s.shutdownCh:
			return ErrShutdown
		}
	}
}

// leaderChanged returns a channel closed at the next leader change.
func (s *Server) leaderChanged() <-chan struct{} {
	s.leaderMu.Lock()
	defer s.leaderMu.Unlock()
	return s.leaderCh
}

// monitorLeadership follows leader changes: it wakes WaitForLeader and,
// on becoming leader, brings this server's own entry in the Raft
// configuration up to date.
func (s *Server) monitorLeadership() {
	defer s.wg.Done()
	for {
		select {
		case o := <-s.obsCh:
			lo := o.Data.(raft.LeaderObservation)
			s.leaderReady.Store(false)
			s.notifyLeaderChange()
			s.logger.Info("raft leader changed", "leader", string(lo.LeaderAddr), "id", string(lo.LeaderID))
			if lo.LeaderID == s.localID {
				s.establishLeadership()
			} else {
				s.stopLeaderDuties()
			}
		case <-s.shutdownCh:
			return
		}
	}
}

func (s *Server) notifyLeaderChange() {
	s.leaderMu.Lock()
	close(s.leaderCh)
	s.leaderCh = make(chan struct{})
	s.leaderMu.Unlock()
}

// establishLeadership runs when this server becomes leader: a barrier makes
// the FSM apply everything committed by earlier terms, then the server's
// own Raft address is brought up to date and the leader duties start.
func (s *Server) establishLeadership() {
	barrier := s.raft.Barrier(raftTimeout)
	bindShutdown(barrier, s.raftStopped)
	if err := barrier.Error(); err != nil {
		s.logger.Warn("leader barrier", "error", err)
		return
	}
	s.ensureServerSecret() // server_secret.go
	s.reconcileSelf()
	s.startLeaderDuties()
	// Ready only now, so that a caller of WaitForLeader finds the leader
	// duties (session TTL timers) running.
	s.leaderReady.Store(true)
	s.notifyLeaderChange()
}

// startLeaderDuties starts what only the leader does: a TTL timer for
// every TTL session, and tombstone reaping. It and stopLeaderDuties run on
// the monitorLeadership goroutine, and in Shutdown once that has ended.
func (s *Server) startLeaderDuties() {
	s.stopLeaderDuties()
	s.initializeSessionTimers()
	ctx, cancel := context.WithCancel(context.Background())
	s.dutiesCancel = cancel
	s.startACLDuties(ctx)       // acl_leader.go
	s.startCoordinateFlush(ctx) // coordinate.go
	s.startAutopilot(ctx)       // autopilot.go
	s.dutiesWG.Add(3)
	go func() {
		defer s.dutiesWG.Done()
		s.runTombstoneGC(ctx)
	}()
	go func() {
		defer s.dutiesWG.Done()
		s.runCommitNudge(ctx) // commit_nudge.go
	}()
	go func() {
		defer s.dutiesWG.Done()
		s.runReconcile(ctx)
	}()
}

// stopLeaderDuties stops the session timers and tombstone reaping and
// waits for them, on losing leadership and at shutdown.
func (s *Server) stopLeaderDuties() {
	s.timers.deactivate()
	if s.dutiesCancel != nil {
		s.dutiesCancel()
		s.dutiesCancel = nil
	}
	s.dutiesWG.Wait()
}

// reconcileSelf updates this server's address in the Raft configuration
// when it changed since the configuration was written (a restart on
// another port).
func (s *Server) reconcileSelf() {
	f := s.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		s.logger.Warn("read raft configuration", "error", err)
		return
	}
	want := s.trans.LocalAddr()
	for _, srv := range f.Configuration().Servers {
		if srv.ID == s.localID && srv.Address != want {
			s.logger.Info("updating own raft address", "from", string(srv.Address), "to", string(want))
			if err := s.raft.AddVoter(s.localID, want, 0, 0).Error(); err != nil {
				s.logger.Warn("update own raft address", "error", err)
			}
		}
	}
}
