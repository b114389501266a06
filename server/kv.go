package server

import (
	"context"
	"fmt"
	"time"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// KVApply applies one KV write through Raft: set, cas, lock, unlock,
// delete, delete-cas or delete-tree. ok is the outcome of a check-and-set
// or a lock (true for set, delete and delete-tree); idx is the index the
// write was applied at.
//
// A lock is refused (false, with no Raft write) while the key's lock delay
// runs. Locking with an unknown session fails with an error wrapping
// state.ErrSessionNotFound; an empty key (delete-tree aside) with
// state.ErrInvalidKey; a read verb with state.ErrUnknownKVOp.
func (s *Server) KVApply(ctx context.Context, req *state.KVRequest) (ok bool, idx uint64, err error) {
	if req == nil {
		return false, 0, fmt.Errorf("kv: no request: %w", state.ErrUnknownKVOp)
	}
	if r, done, err := forward[kvFwdReq, kvFwdResp](s, ctx, "KV.Apply", &kvFwdReq{*req}); done {
		if r == nil {
			return false, 0, err
		}
		return r.OK, r.Index, err
	}
	switch req.Op {
	case state.KVSet, state.KVCAS, state.KVLock, state.KVUnlock,
		state.KVDelete, state.KVDeleteCAS, state.KVDeleteTree:
	default:
		return false, 0, fmt.Errorf("kv %q: %w", req.Op, state.ErrUnknownKVOp)
	}
	if req.Entry.Key == "" && req.Op != state.KVDeleteTree {
		return false, 0, fmt.Errorf("kv %s: %w", req.Op, state.ErrInvalidKey)
	}
	if req.Op == state.KVLock {
		if refused, err := s.lockPrecheck(&req.Entry); refused || err != nil {
			return false, 0, err
		}
	}
	resp, idx, err := s.applyResponse(ctx, fsm.KVRequestType, req)
	if err != nil {
		return false, 0, err
	}
	ok, _ = resp.(bool)
	return ok, idx, nil
}

// lockPrecheck refuses a lock while the key's lock delay runs, and fails
// for an unknown session before anything reaches the log (the store checks
// the session again when it applies).
func (s *Server) lockPrecheck(e *state.KVEntry) (refused bool, err error) {
	if e.Session == "" {
		return false, fmt.Errorf("lock %q: no session: %w", e.Key, state.ErrSessionNotFound)
	}
	_, sess, err := s.store.SessionGet(nil, e.Session)
	if err != nil {
		return false, err
	}
	if sess == nil {
		return false, fmt.Errorf("lock %q: session %q: %w", e.Key, e.Session, state.ErrSessionNotFound)
	}
	if until := s.store.KVLockDelay(e.Key); time.Now().Before(until) {
		s.logger.Debug("lock refused during lock delay", "key", e.Key, "until", until)
		return true, nil
	}
	return false, nil
}
