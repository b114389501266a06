package httpapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// Transactions: PUT /v1/txn with a JSON list of operations, applied all or
// nothing.

// Consul 1.16's limits: 128 operations, and by default 512 KiB of body
// (limits.txn_max_req_len).
const (
	MaxTxnOps           = 128
	DefaultTxnMaxReqLen = 512 << 10
)

// txnOpBody is one operation as clients send it. The official Go client
// has no session operations, so that shape is declared here.
type txnOpBody struct {
	KV      *api.KVTxnOp
	Node    *api.NodeTxnOp
	Service *api.ServiceTxnOp
	Check   *api.CheckTxnOp
	Session *struct {
		Verb    string
		Session struct{ ID, Node string }
	}
}

// txnResponse is the answer: results on success, errors on rollback.
type txnResponse struct {
	Results []*api.TxnResult
	Errors  []*api.TxnError
}

func (s *Server) txn(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	in, err := readTxnBody(c, int64(cmp.Or(s.cfg.TxnMaxReqLen, DefaultTxnMaxReqLen)))
	if err != nil {
		return err
	}
	ops := make([]state.TxnOp, len(in))
	var denied []*api.TxnError
	for i, op := range in {
		converted, err := fromTxnOp(op, s.cfg.NodeName, s.kvMaxValueSize())
		if err != nil {
			return err
		}
		ops[i] = converted
		if !txnOpAllowed(c.authz, converted) {
			denied = append(denied, &api.TxnError{OpIndex: i, What: errPermissionDenied.msg})
		}
	}
	if len(denied) > 0 {
		return s.writeTxn(c, http.StatusConflict, txnResponse{Errors: denied})
	}
	if state.IsReadOnlyTxn(ops) && q.Consistent {
		if err := s.catalog.VerifyLeader(c.r.Context()); err != nil {
			return err
		}
	}
	results, errs, idx, err := s.catalog.Txn(c.r.Context(), ops)
	if err != nil {
		return err
	}
	if state.IsReadOnlyTxn(ops) {
		s.setMeta(c.w, q, idx)
	}
	if len(errs) > 0 {
		out := make([]*api.TxnError, len(errs))
		for i, e := range errs {
			out[i] = &api.TxnError{OpIndex: e.OpIndex, What: e.What}
		}
		return s.writeTxn(c, http.StatusConflict, txnResponse{Errors: out})
	}
	out := make([]*api.TxnResult, len(results))
	for i, r := range results {
		out[i] = s.toAPITxnResult(r)
	}
	return s.writeTxn(c, http.StatusOK, txnResponse{Results: out})
}

// readTxnBody reads and bounds the operation list.
func readTxnBody(c *call, limit int64) ([]txnOpBody, error) {
	if c.r.ContentLength > limit {
		return nil, txnTooLarge(c.r.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(c.r.Body, limit+1))
	if err != nil {
		return nil, badRequest("Failed to read body: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, txnTooLarge(int64(len(b)), limit)
	}
	var in []txnOpBody
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, badRequest("Failed to parse body: %v", err)
	}
	if len(in) > MaxTxnOps {
		return nil, &httpError{http.StatusRequestEntityTooLarge,
			fmt.Sprintf("Transaction contains too many operations (%d > %d)", len(in), MaxTxnOps)}
	}
	return in, nil
}

func txnTooLarge(n, limit int64) error {
	return &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf(
		"Request body(%d bytes) too large, max size: %d bytes. See limits.txn_max_req_len.", n, limit)}
}

// fromTxnOp turns one operation into the store's form. An operation must
// name exactly one kind.
func fromTxnOp(op txnOpBody, node string, maxValue int64) (state.TxnOp, error) {
	kinds := 0
	for _, set := range []bool{op.KV != nil, op.Node != nil, op.Service != nil, op.Check != nil, op.Session != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return state.TxnOp{}, badRequest("Each transaction operation must have exactly one of KV, Node, Service, Check or Session")
	}
	switch {
	case op.KV != nil:
		kv := op.KV
		if int64(len(kv.Value)) > maxValue {
			return state.TxnOp{}, &httpError{http.StatusRequestEntityTooLarge,
				fmt.Sprintf("Value for key %q is too large (%d > %d bytes)", kv.Key, len(kv.Value), maxValue)}
		}
		return state.TxnOp{KV: &state.TxnKVOp{Verb: state.KVOp(kv.Verb), Entry: state.KVEntry{
			Key: kv.Key, Value: kv.Value, Flags: kv.Flags, ModifyIndex: kv.Index, Session: kv.Session,
		}}}, nil
	case op.Node != nil:
		n := op.Node.Node
		return state.TxnOp{Node: &state.TxnNodeOp{Verb: string(op.Node.Verb), Node: state.Node{
			ID: n.ID, Node: n.Node, Address: n.Address, Datacenter: n.Datacenter,
			TaggedAddresses: n.TaggedAddresses, Meta: n.Meta,
			RaftIndex: state.RaftIndex{ModifyIndex: n.ModifyIndex},
		}}}, nil
	case op.Service != nil:
		svc, err := fromAPIService(&op.Service.Service, op.Service.Node)
		if err != nil {
			return state.TxnOp{}, err
		}
		svc.ModifyIndex = op.Service.Service.ModifyIndex
		return state.TxnOp{Service: &state.TxnServiceOp{Verb: string(op.Service.Verb), Node: op.Service.Node, Service: *svc}}, nil
	case op.Check != nil:
		hc := fromAPICheck(&op.Check.Check, op.Check.Check.Node)
		hc.ModifyIndex = op.Check.Check.ModifyIndex
		return state.TxnOp{Check: &state.TxnCheckOp{Verb: string(op.Check.Verb), Check: *hc}}, nil
	}
	sess := op.Session.Session
	return state.TxnOp{Session: &state.TxnSessionOp{Verb: op.Session.Verb,
		Session: state.Session{ID: sess.ID, Node: sess.Node}}}, nil
}

// txnOpAllowed asks the token about one operation before anything runs.
// A proxy registration also needs write on the service it fronts, so a
// transaction cannot register proxies for services the token may not
// write (Consul's CVE-2021-38698).
func txnOpAllowed(a acl.Authorizer, op state.TxnOp) bool {
	switch {
	case op.KV != nil:
		return kvOpAllowed(a, op.KV)
	case op.Node != nil:
		if isTxnRead(op.Node.Verb) {
			return a.NodeRead(op.Node.Node.Node)
		}
		return a.NodeWrite(op.Node.Node.Node)
	case op.Service != nil:
		svc := &op.Service.Service
		if isTxnRead(op.Service.Verb) {
			return a.ServiceRead(svc.Name)
		}
		if svc.Proxy.DestinationServiceName != "" && !a.ServiceWrite(svc.Proxy.DestinationServiceName) {
			return false
		}
		return a.ServiceWrite(svc.Name)
	case op.Check != nil:
		hc := &op.Check.Check
		if isTxnRead(op.Check.Verb) {
			return a.NodeRead(hc.Node) && (hc.ServiceName == "" || a.ServiceRead(hc.ServiceName))
		}
		if hc.ServiceID != "" {
			return a.ServiceWrite(hc.ServiceName)
		}
		return a.NodeWrite(hc.Node)
	case op.Session != nil:
		return a.SessionWrite(op.Session.Session.Node)
	}
	return false
}

func isTxnRead(verb string) bool { return verb == "get" }

func kvOpAllowed(a acl.Authorizer, op *state.TxnKVOp) bool {
	key := op.Entry.Key
	switch op.Verb {
	case state.KVGetOp, state.KVGetOrEmpty, state.KVCheckIndex, state.KVCheckSession, state.KVCheckNotExists:
		return a.KeyRead(key)
	case state.KVGetTree:
		return a.KeyList(key)
	case state.KVDeleteTree:
		return a.KeyWritePrefix(key)
	}
	return a.KeyWrite(key)
}

func (s *Server) toAPITxnResult(r state.TxnResult) *api.TxnResult {
	out := &api.TxnResult{}
	switch {
	case r.KV != nil:
		out.KV = toAPIKV(r.KV)
	case r.Node != nil:
		out.Node = toAPINode(r.Node)
	case r.Service != nil:
		out.Service = toAPIService(r.Service, s.cfg.Datacenter)
	case r.Check != nil:
		out.Check = toAPICheck(r.Check)
	}
	return out
}

func (s *Server) writeTxn(c *call, code int, resp txnResponse) error {
	body, err := s.encode(c, resp)
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(code)
	_, err = c.w.Write(body)
	return err
}
