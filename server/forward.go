package server

import (
	"context"
	"errors"
	"time"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

// Any server accepts a write, from its own agent or from a client agent
// over RPC: a follower forwards it, as one call, to the leader, which runs
// the same method (checks, ID choice and Raft apply) against its own
// state. A forwarded call is never forwarded again: if
// the leader lost its leadership meanwhile it answers ErrNotLeader and the
// first server tries again, within rpcHoldTimeout of the start.

// rpcHoldTimeout is how long a write waits for a leader to exist and
// answer (Consul's rpc_hold_timeout).
const rpcHoldTimeout = 7 * time.Second

type forwardedKey struct{}

// forwarded is the context an RPC handler runs its method with. A call
// another server forwarded (rpc.MarkForwarded) is marked so the method
// runs here and is never forwarded again; an agent's call is not marked,
// so a follower forwards it to the leader like a local write.
func forwarded(ctx context.Context) context.Context {
	if !rpc.IsForwarded(ctx) {
		return ctx
	}
	return context.WithValue(ctx, forwardedKey{}, true)
}

func isForwarded(ctx context.Context) bool {
	v, _ := ctx.Value(forwardedKey{}).(bool)
	return v
}

// forward runs method on the leader when this server is not the leader
// and the call was not forwarded to it. done is false when the caller
// must run the method itself.
func forward[Req, Resp any](s *Server, ctx context.Context, method string, req *Req) (resp *Resp, done bool, err error) {
	if isForwarded(ctx) || s.IsLeader() { // the leader's own writes need no hold timer
		return nil, false, nil
	}
	hold, cancel := context.WithTimeout(ctx, rpcHoldTimeout)
	defer cancel()
	for {
		if s.IsLeader() {
			return nil, false, nil
		}
		changed := s.leaderChanged()
		if leader := s.Leader(); leader != "" {
			if err = s.canForward(); err == nil {
				resp = new(Resp)
				err = s.pool.Call(s.markForwarded(hold), leader, method, req, resp)
				if err == nil || !retryable(err) {
					return resp, true, err
				}
			}
		}
		select {
		case <-changed:
		case <-time.After(leaderPoll):
		case <-hold.Done():
			if err == nil {
				err = s.notLeader(nil)
			}
			return nil, true, err
		case <-s.shutdownCh:
			return nil, true, ErrShutdown
		}
	}
}

// retryable reports a forwarding failure worth another try once the
// leader is known again: the target was not (or no longer) the leader, or
// could not be reached.
func retryable(err error) bool {
	var remote *rpc.RemoteError
	if errors.As(err, &remote) {
		return errors.Is(err, ErrNotLeader) || errors.Is(err, ErrNoLeader) ||
			errors.Is(err, ErrServerSecretNotReady) || errors.Is(err, ErrServerSecretMismatch)
	}
	return true // a transport error: the leader may be gone
}

// Request and response shapes of the forwarded methods.
type (
	registerReq   struct{ Reg state.Registration }
	deregisterReq struct{ Dereg state.Deregistration }
	indexResp     struct{ Index uint64 }
	queryReq      struct {
		Op    state.PreparedQueryOp
		Query state.PreparedQuery
	}
	queryResp struct {
		Index uint64
		ID    string
	}
	kvFwdReq  struct{ Req state.KVRequest }
	kvFwdResp struct {
		OK    bool
		Index uint64
	}
	sessionReq  struct{ Session state.Session }
	sessionResp struct {
		Index   uint64
		Session *state.Session
	}
	sessionIDReq struct{ ID string }
	txnReq       struct{ Ops []state.TxnOp }
	txnResp      struct {
		Results []state.TxnResult
		Errors  []state.TxnError
		Index   uint64
	}
)

// registerForwarded serves the forwarded writes on the leader.
func (s *Server) registerForwarded() {
	rpc.Handle(s.rpc, "Catalog.Register", func(ctx context.Context, r *registerReq) (*indexResp, error) {
		if err := s.authorizeRegister(ctx, &r.Reg); err != nil {
			return nil, err
		}
		idx, err := s.Register(forwarded(ctx), &r.Reg)
		return &indexResp{idx}, err
	})
	rpc.Handle(s.rpc, "Catalog.Deregister", func(ctx context.Context, r *deregisterReq) (*indexResp, error) {
		if err := s.authorizeDeregister(ctx, &r.Dereg); err != nil {
			return nil, err
		}
		idx, err := s.Deregister(forwarded(ctx), &r.Dereg)
		return &indexResp{idx}, err
	})
	handleForwarded(s, "PreparedQuery.Apply", func(ctx context.Context, r *queryReq) (*queryResp, error) {
		idx, err := s.PreparedQueryApply(forwarded(ctx), r.Op, &r.Query)
		return &queryResp{idx, r.Query.ID}, err
	})
	handleForwarded(s, "KV.Apply", func(ctx context.Context, r *kvFwdReq) (*kvFwdResp, error) {
		ok, idx, err := s.KVApply(forwarded(ctx), &r.Req)
		return &kvFwdResp{ok, idx}, err
	})
	handleForwarded(s, "Session.Create", func(ctx context.Context, r *sessionReq) (*sessionResp, error) {
		idx, err := s.SessionCreate(forwarded(ctx), &r.Session)
		return &sessionResp{Index: idx, Session: &r.Session}, err
	})
	handleForwarded(s, "Session.Destroy", func(ctx context.Context, r *sessionIDReq) (*indexResp, error) {
		idx, err := s.SessionDestroy(forwarded(ctx), r.ID)
		return &indexResp{idx}, err
	})
	handleForwarded(s, "Session.Renew", func(ctx context.Context, r *sessionIDReq) (*sessionResp, error) {
		sess, err := s.SessionRenew(forwarded(ctx), r.ID)
		return &sessionResp{Session: sess}, err
	})
	handleForwarded(s, "Txn.Apply", func(ctx context.Context, r *txnReq) (*txnResp, error) {
		results, errs, idx, err := s.Txn(forwarded(ctx), r.Ops)
		return &txnResp{results, errs, idx}, err
	})
	s.registerACLForwarded() // acl_forward.go
	// operator_forward.go
	s.registerOperatorForwarded()
}

// index is the index of a forwarded answer; 0 when there is none.
func (r *indexResp) index() uint64 {
	if r == nil {
		return 0
	}
	return r.Index
}
