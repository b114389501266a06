package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// Server is a running Raft member with its FSM and state store. All
// methods are safe for concurrent use.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	store   *state.Store
	raft    *raft.Raft
	stores  *raftStores
	trans   *raft.NetworkTransport
	localID raft.ServerID

	// rpc answers other servers' (and later agents') calls on the server
	// port; pool makes this server's calls, e.g. forwarding a write to
	// the leader (forward.go).
	rpc       *rpc.Server
	pool      *rpc.Pool
	rpcServed chan struct{} // closed when rpc.Serve returns

	observer *raft.Observer
	obsCh    chan raft.Observation
	leaderMu sync.Mutex
	leaderCh chan struct{} // closed and replaced on every leader change
	// leaderReady is set once this server, as leader, has applied every
	// entry committed before its term.
	leaderReady atomic.Bool
	// appliedSignal is the FSM's signal to the commit nudge after each
	// apply (commit_nudge.go).
	appliedSignal chan struct{}
	// commits queues writes for Raft in groups (group_commit.go).
	commits *groupCommit

	httpHandler   atomic.Pointer[http.Handler]   // forwarded HTTP requests (http_forward.go)
	requestLimits atomic.Pointer[requestLimiter] // limits.request_limits (request_limits.go)
	rpcAuthz      atomic.Pointer[Authorize]      // agents' RPC tokens (rpc_acl.go)

	lan         atomic.Pointer[gossip.Pool] // the agent's LAN pool (lan.go)
	reconcileCh chan struct{}               // wakes the leader's member reconcile
	bootstrapCh chan struct{}               // wakes the bootstrap-expect wait
	// waitsForExpected: no Raft state at start and BootstrapExpect set.
	waitsForExpected bool

	// timers are the leader's session TTL timers (session_timers.go).
	timers *sessionTimers
	coords coordinateQueue // the leader's pending coordinate updates (coordinate.go)
	ap     autopilot       // the leader's autopilot state (autopilot.go)
	// dutiesCancel ends the leader's loops (tombstone reaping), which
	// dutiesWG waits for; owned by monitorLeadership (leader.go).
	dutiesCancel context.CancelFunc
	dutiesWG     sync.WaitGroup

	shutdownOnce sync.Once
	shutdownErr  error
	shutdownCh   chan struct{}
	raftStopped  chan struct{} // closed once Raft has shut down (apply.go)
	wg           sync.WaitGroup
}

// New starts a server: it opens the Raft stores (DataDir) or in-memory
// ones (dev), binds the Raft transport, bootstraps a single-voter cluster
// made of this server when there is no earlier state, and starts Raft,
// which restores the latest snapshot and replays the log. Use
// WaitForLeader before writing.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.NodeID == "" {
		cfg.NodeID = cfg.NodeName
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	store, err := state.New()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, logger: logger.With("subsystem", "server"), store: store,
		localID: raft.ServerID(cfg.NodeID), leaderCh: make(chan struct{}), shutdownCh: make(chan struct{}),
		raftStopped: make(chan struct{}), commits: newGroupCommit()}
	s.timers = newSessionTimers(s.expireSession)
	s.reconcileCh, s.bootstrapCh = make(chan struct{}, 1), make(chan struct{}, 1)
	if err := s.startRaft(logger); err != nil {
		return nil, err
	}
	s.wg.Add(2)
	go s.monitorLeadership()
	go s.runGroupCommit()
	if s.waitsForExpected {
		s.wg.Add(1)
		go s.runBootstrapExpect()
	}
	return s, nil
}

// startRaft opens stores and transport and starts Raft, undoing what it
// did on failure.
func (s *Server) startRaft(logger *slog.Logger) (err error) {
	rc := raftConfig(s.cfg, newHCLog(logger, "raft"))
	if s.stores, err = openRaftStores(s.cfg, logger); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			s.closeTransportAndStores()
		}
	}()
	layer, err := newTCPLayer(s.cfg)
	if err != nil {
		return err
	}
	s.trans = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: layer, MaxPool: 3, Timeout: raftTimeout, Logger: newHCLog(logger, "raft-net")})
	s.startRPC(layer)
	if err := s.recoverPeers(rc, logger); err != nil {
		return err
	}
	if err := s.bootstrap(rc); err != nil {
		return err
	}
	s.appliedSignal = make(chan struct{}, 1)
	f := nudgingFSM{FSM: fsm.New(s.store, logger.With("subsystem", "fsm")), signal: s.appliedSignal}
	s.raft, err = raft.NewRaft(rc, f, s.stores.logs, s.stores.stable, s.stores.snaps, s.trans)
	if err != nil {
		return fmt.Errorf("start raft: %w", err)
	}
	s.obsCh = make(chan raft.Observation, 16)
	s.observer = raft.NewObserver(s.obsCh, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	s.raft.RegisterObserver(s.observer)
	return nil
}

// bootstrap makes this server the only voter of a new cluster, unless the
// stores already hold state.
func (s *Server) bootstrap(rc *raft.Config) error {
	has, err := raft.HasExistingState(s.stores.logs, s.stores.stable, s.stores.snaps)
	if err != nil {
		return fmt.Errorf("check raft state: %w", err)
	}
	s.waitsForExpected = !has && s.cfg.BootstrapExpect > 0
	if has || s.cfg.NoBootstrap || s.cfg.BootstrapExpect > 0 {
		return nil
	}
	conf := raft.Configuration{Servers: []raft.Server{{
		Suffrage: raft.Voter, ID: rc.LocalID, Address: s.trans.LocalAddr()}}}
	if err := raft.BootstrapCluster(rc, s.stores.logs, s.stores.stable, s.stores.snaps, s.trans, conf); err != nil {
		return fmt.Errorf("bootstrap raft: %w", err)
	}
	return nil
}

// Store returns the state store. Reads go straight to it; writes must go
// through Register, Deregister, PreparedQueryApply, KVApply, the Session
// methods and Txn.
func (s *Server) Store() *state.Store { return s.store }

// Shutdown stops Raft, the transport and the stores. It is idempotent and
// returns the first call's result.
func (s *Server) Shutdown() error {
	s.shutdownOnce.Do(func() {
		close(s.shutdownCh)
		s.raft.DeregisterObserver(s.observer)
		var errs []error
		if err := s.raft.Shutdown().Error(); err != nil {
			errs = append(errs, fmt.Errorf("raft shutdown: %w", err))
		}
		close(s.raftStopped)
		s.wg.Wait()
		s.stopLeaderDuties()
		if err := s.closeTransportAndStores(); err != nil {
			errs = append(errs, err)
		}
		s.shutdownErr = errors.Join(errs...)
	})
	return s.shutdownErr
}

func (s *Server) closeTransportAndStores() error {
	var errs []error
	s.stopRPC()
	if s.trans != nil {
		if err := s.trans.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close raft transport: %w", err))
		}
	}
	if err := s.stores.close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
