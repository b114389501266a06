package server

import (
	"context"
	"fmt"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// Txn runs a transaction. A read-only one (state.IsReadOnlyTxn) is served
// by the store without Raft, and idx is the store's last index; any other
// is one Raft entry, applied all or nothing, and idx is its index. When an
// operation fails nothing is written, results is nil and errs lists each
// failed operation; err is for failures to apply at all (not the leader,
// shut down, ...). Bounding the number of operations is the caller's job.
func (s *Server) Txn(ctx context.Context, ops []state.TxnOp) (results []state.TxnResult, errs []state.TxnError, idx uint64, err error) {
	if state.IsReadOnlyTxn(ops) {
		if err := ctx.Err(); err != nil {
			return nil, nil, 0, err
		}
		idx = s.store.LastIndex()
		results, errs = s.store.TxnRead(ops)
		return results, errs, idx, nil
	}
	if r, done, err := forward[txnReq, txnResp](s, ctx, "Txn.Apply", &txnReq{ops}); done {
		if r == nil {
			return nil, nil, 0, err
		}
		return r.Results, r.Errors, r.Index, err
	}
	resp, idx, err := s.applyResponse(ctx, fsm.TxnRequestType, &fsm.TxnRequest{Ops: ops})
	if err != nil {
		return nil, nil, 0, err
	}
	r, ok := resp.(fsm.TxnResponse)
	if !ok {
		return nil, nil, 0, fmt.Errorf("txn: unexpected response %T", resp)
	}
	if len(r.Errors) == 0 {
		for _, op := range ops { // destroyed sessions need no timer
			if op.Session != nil && op.Session.Verb == state.TxnVerbDelete {
				s.timers.stop(op.Session.Session.ID)
			}
		}
	}
	return r.Results, r.Errors, idx, nil
}
