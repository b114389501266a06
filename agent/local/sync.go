package local

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

// Catalog is what the syncer needs from the servers.
type Catalog interface {
	Register(ctx context.Context, reg *state.Registration) (uint64, error)
	Deregister(ctx context.Context, d *state.Deregistration) (uint64, error)
	// NodeState returns what the catalog holds for a node (nil node if none).
	NodeState(ctx context.Context, node string) (*state.Node, []*state.Service, []*state.HealthCheck, error)
}

// Syncer pushes local changes to the catalog as they happen and runs a
// periodic full pass that repairs drift.
type Syncer struct {
	State   *State
	Catalog Catalog
	Logger  *slog.Logger

	// FullInterval is the period of the full anti-entropy pass (Consul: 1m
	// for small clusters), staggered by up to an eighth of itself.
	FullInterval time.Duration
	// RetryInterval is how soon a failed sync is retried (Consul: 15s).
	RetryInterval time.Duration
	// CheckUpdateInterval bounds how long an output-only check change may
	// wait before the catalog hears about it (Consul: 5m).
	CheckUpdateInterval time.Duration

	// mu serializes syncs: the loop's and those of API writes. Two syncs
	// at once could land an older version of a record after a newer one.
	mu sync.Mutex

	resyncOnce sync.Once
	resync     chan struct{} // Resync's request for a full pass
	// passed records a full pass that succeeded, such as the agent's own
	// at start-up: Run then waits an interval before its first.
	passed atomic.Bool
}

// Resync asks the running loop for a full pass now, e.g. when a client
// agent has found its first server. It never blocks.
func (s *Syncer) Resync() {
	select {
	case s.resyncCh() <- struct{}{}:
	default: // one is pending already
	}
}

func (s *Syncer) resyncCh() chan struct{} {
	s.resyncOnce.Do(func() { s.resync = make(chan struct{}, 1) })
	return s.resync
}

// Run syncs until ctx is done: a full pass at once (an interval later when
// one has already succeeded), then changes as they happen and full passes
// every FullInterval.
func (s *Syncer) Run(ctx context.Context) {
	first := time.Duration(0)
	if s.passed.Load() {
		first = s.FullInterval
	}
	full := time.NewTimer(first)
	defer full.Stop()
	deferred := time.NewTicker(s.CheckUpdateInterval)
	defer deferred.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-full.C:
			if err := s.SyncFull(ctx); err != nil {
				s.failed(ctx, "full sync", err, retry)
			}
			full.Reset(s.FullInterval + rand.N(s.FullInterval/8+1))
		case <-s.State.syncNow:
			if err := s.SyncChanges(ctx); err != nil {
				s.failed(ctx, "sync changes", err, retry)
			}
		case <-retry.C:
			if err := s.SyncFull(ctx); err != nil {
				s.failed(ctx, "retry sync", err, retry)
			}
		case <-s.resyncCh():
			if err := s.SyncFull(ctx); err != nil {
				s.failed(ctx, "resync", err, retry)
			}
		case <-deferred.C:
			if s.State.releaseDeferred() {
				if err := s.SyncChanges(ctx); err != nil {
					s.failed(ctx, "sync deferred checks", err, retry)
				}
			}
		}
	}
}

func (s *Syncer) failed(ctx context.Context, what string, err error, retry *time.Timer) {
	if ctx.Err() != nil {
		return
	}
	s.Logger.Warn("anti-entropy failed", "op", what, "error", err)
	retry.Reset(s.RetryInterval + rand.N(s.RetryInterval/4+1))
}

// SyncFull compares the catalog's view of this node with local state, marks
// every difference for sync, and syncs.
func (s *Syncer) SyncFull(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.resyncCh(): // asked before this pass began: this pass answers it
	default:
	}
	name := s.State.NodeInfo().Name
	node, services, checks, err := s.Catalog.NodeState(ctx, name)
	if err != nil {
		return fmt.Errorf("read catalog for node %q: %w", name, err)
	}
	s.State.markDrift(node, services, checks)
	if err := s.syncChanges(ctx); err != nil {
		return err
	}
	s.passed.Store(true)
	return nil
}

// SyncChanges sends everything that is out of sync.
func (s *Syncer) SyncChanges(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.syncChanges(ctx)
}

func (s *Syncer) syncChanges(ctx context.Context) error {
	plan := s.State.planSync()
	for _, op := range plan.deregs {
		if _, err := s.Catalog.Deregister(ctx, op.dereg); err != nil {
			return fmt.Errorf("deregister %+v: %w", *op.dereg, err)
		}
		s.State.confirm(op)
	}
	for _, op := range plan.regs {
		if _, err := s.Catalog.Register(ctx, op.reg); err != nil {
			return fmt.Errorf("register on node %q: %w", op.reg.Node.Node, err)
		}
		s.State.confirm(op)
	}
	return nil
}
