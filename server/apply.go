package server

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// enqueueTimeout bounds the wait to hand a write to Raft when the context
// has no deadline.
const enqueueTimeout = 30 * time.Second

// Register writes a registration through Raft and returns the index it was
// applied at, or the store's error for it.
func (s *Server) Register(ctx context.Context, reg *state.Registration) (uint64, error) {
	if r, done, err := forward[registerReq, indexResp](s, ctx, "Catalog.Register", &registerReq{*reg}); done {
		return r.index(), err
	}
	return s.apply(ctx, fsm.RegisterRequestType, reg)
}

// Deregister writes a deregistration through Raft and returns the index it
// was applied at, or the store's error for it.
func (s *Server) Deregister(ctx context.Context, d *state.Deregistration) (uint64, error) {
	if r, done, err := forward[deregisterReq, indexResp](s, ctx, "Catalog.Deregister", &deregisterReq{*d}); done {
		return r.index(), err
	}
	return s.apply(ctx, fsm.DeregisterRequestType, d)
}

// apply encodes a request, commits it through Raft and waits until the FSM
// has applied it. The context bounds the wait to queue the write; once
// queued, the write cannot be called back, so apply waits for its outcome
// (Raft always delivers one, if only ErrShutdown).
func (s *Server) apply(ctx context.Context, t fsm.MessageType, msg any) (uint64, error) {
	_, idx, err := s.applyResponse(ctx, t, msg)
	return idx, err
}

// applyResponse is apply that also returns the FSM's response to the
// entry when it is not an error (a KV write's outcome, a transaction's
// results).
func (s *Server) applyResponse(ctx context.Context, t fsm.MessageType, msg any) (any, uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	select {
	case <-s.shutdownCh:
		return nil, 0, ErrShutdown
	default:
	}
	if s.raft.State() != raft.Leader {
		return nil, 0, s.notLeader(nil)
	}
	data, err := fsm.Encode(t, msg)
	if err != nil {
		return nil, 0, err
	}
	timeout := enqueueTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	var f raft.ApplyFuture
	select {
	case f = <-s.commits.enqueue(data, timeout).future: // group_commit.go
	case <-s.shutdownCh:
		return nil, 0, ErrShutdown
	}
	if err := f.Error(); err != nil {
		return nil, 0, s.raftError(err)
	}
	resp := f.Response()
	if err, ok := resp.(error); ok && err != nil {
		return nil, 0, err
	}
	return resp, f.Index(), nil
}

// notLeader returns ErrNotLeader, or ErrNoLeader when no leader is known,
// wrapping Raft's error when there is one.
func (s *Server) notLeader(cause error) error {
	sentinel := ErrNotLeader
	if s.Leader() == "" {
		sentinel = ErrNoLeader
	}
	if cause == nil {
		return sentinel
	}
	return fmt.Errorf("%w: %w", sentinel, cause)
}

// raftError maps Raft's errors to this package's sentinels, keeping Raft's
// error in the chain.
func (s *Server) raftError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader):
		return s.notLeader(err)
	case errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("%w: %w", ErrLeadershipLost, err)
	case errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %w", ErrShutdown, err)
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("raft: %w", err)
}

// bindShutdown makes a Raft future answer ErrRaftShutdown once stopped is
// closed. Raft never answers the future of a write it committed but had
// not applied when it shut down, so a writer would wait forever (seen as a
// hung Shutdown: a leader duty stuck in apply). Raft's futures end such a
// wait only through their ShutdownCh field, which Apply leaves unset; it is
// set here by reflection, before anyone waits. With a Raft version that
// lacks the field nothing changes (TestBindShutdown notices).
func bindShutdown(f raft.Future, stopped chan struct{}) {
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	if field, ok := shutdownField(v.Elem().Type()); ok {
		if fv := v.Elem().FieldByIndex(field); fv.CanSet() {
			fv.Set(reflect.ValueOf(stopped))
		}
	}
}

// shutdownFields caches, per future type, where its settable ShutdownCh
// field is (nil: it has none): looking it up by name took an allocation
// and a search for every write.
var shutdownFields sync.Map // reflect.Type → []int

func shutdownField(t reflect.Type) ([]int, bool) {
	if idx, ok := shutdownFields.Load(t); ok {
		return idx.([]int), idx.([]int) != nil
	}
	var idx []int
	if sf, ok := t.FieldByName("ShutdownCh"); ok && sf.IsExported() && sf.Type == reflect.TypeFor[chan struct{}]() {
		idx = sf.Index
	}
	shutdownFields.Store(t, idx)
	return idx, idx != nil
}
