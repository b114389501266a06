package server

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/preparedquery"
	"github.com/pylonmesh/pylon/server/state"
)

// PreparedQueryApply creates, updates or deletes a prepared query through
// Raft and returns the index it was applied at.
//
// Create needs an empty q.ID: the server picks a random UUID here, before
// the Raft apply (the FSM must stay deterministic), and sets q.ID to it on
// success. Update and delete need the ID of an existing query and fail
// with state.ErrQueryNotFound otherwise; delete uses only q.ID. A query the
// store would refuse fails with state.ErrInvalidQuery before it reaches the
// log.
func (s *Server) PreparedQueryApply(ctx context.Context, op state.PreparedQueryOp, q *state.PreparedQuery) (uint64, error) {
	if q == nil {
		return 0, fmt.Errorf("%w: no query", state.ErrInvalidQuery)
	}
	if r, done, err := forward[queryReq, queryResp](s, ctx, "PreparedQuery.Apply", &queryReq{op, *q}); done {
		if r == nil {
			return 0, err
		}
		if err == nil {
			q.ID = r.ID
		}
		return r.Index, err
	}
	req := &state.PreparedQueryRequest{Op: op, Query: *q}
	switch op {
	case state.QueryOpCreate:
		if q.ID != "" {
			return 0, fmt.Errorf("%w: ID must be empty when creating a new prepared query", state.ErrInvalidQuery)
		}
		id, err := s.newQueryID()
		if err != nil {
			return 0, err
		}
		req.Query.ID = id
	case state.QueryOpUpdate, state.QueryOpDelete:
		_, existing, err := s.store.PreparedQueryGet(nil, q.ID)
		if err != nil {
			return 0, err
		}
		if existing == nil {
			return 0, fmt.Errorf("cannot modify non-existent prepared query %q: %w", q.ID, state.ErrQueryNotFound)
		}
		if op == state.QueryOpDelete {
			req.Query = state.PreparedQuery{ID: existing.ID}
		}
	default:
		return 0, fmt.Errorf("%w: unknown operation %q", state.ErrInvalidQuery, op)
	}
	if op != state.QueryOpDelete {
		if err := s.store.CheckPreparedQuery(&req.Query); err != nil {
			return 0, err
		}
	}
	idx, err := s.apply(ctx, fsm.PreparedQueryRequestType, req)
	if err == nil {
		q.ID = req.Query.ID
	}
	return idx, err
}

// newQueryID returns a random UUID no query has. A collision is all but
// impossible, and the check runs outside the Raft apply, as in Consul.
func (s *Server) newQueryID() (string, error) {
	for range 10 {
		id := newUUID()
		_, q, err := s.store.PreparedQueryGet(nil, id)
		if err != nil {
			return "", err
		}
		if q == nil {
			return id, nil
		}
	}
	return "", fmt.Errorf("prepared query: no free ID found")
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics instead)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// PreparedQuery resolves nameOrID (a query's ID or name, or a name a
// template answers) and executes the query against this server's store.
// opts.Datacenter defaults to the server's. It fails with
// state.ErrQueryNotFound when no query answers the name. DNS <name>.query
// lookups and the HTTP execute endpoint call it.
func (s *Server) PreparedQuery(nameOrID string, opts preparedquery.Options) (preparedquery.Result, error) {
	if opts.Datacenter == "" {
		opts.Datacenter = s.cfg.Datacenter
	}
	return preparedquery.Lookup(s.store, nameOrID, opts)
}
