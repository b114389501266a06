package fsm

import (
	"reflect"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/state"
)

// FuzzApply feeds raw log entries to the FSM, one by one and as a batch:
// it must never panic, both ways must agree, and the store must stay
// consistent (every service and check on a known node, every service check
// on a known service, every locked key's session known). The seeds cover
// every message type, KV, session, transaction and ACL entries included.
func FuzzApply(f *testing.F) {
	for _, seed := range []struct {
		t   MessageType
		msg any
	}{
		{RegisterRequestType, webReg("n1")},
		{RegisterRequestType, &state.Registration{Node: state.Node{Node: "n2"},
			Checks: []*state.HealthCheck{{CheckID: "serfHealth"}}}},
		{DeregisterRequestType, &state.Deregistration{Node: "n1", ServiceID: "web-1"}},
		{DeregisterRequestType, &state.Deregistration{Node: "n1"}},
		{PreparedQueryRequestType, &state.PreparedQueryRequest{Op: state.QueryOpCreate, Query: *webQuery(queryID)}},
		{PreparedQueryRequestType, &state.PreparedQueryRequest{Op: state.QueryOpDelete, Query: state.PreparedQuery{ID: queryID}}},
		{KVRequestType, &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "a/b", Value: []byte("v"), Flags: 3}}},
		{KVRequestType, &state.KVRequest{Op: state.KVLock, Entry: state.KVEntry{Key: "a", Session: sessionID}}},
		{KVRequestType, &state.KVRequest{Op: state.KVDeleteTree, Entry: state.KVEntry{Key: "a"}}},
		{SessionRequestType, &state.SessionRequest{Op: state.SessionCreateOp, Session: state.Session{ID: "s2",
			Node: "n1", ServiceChecks: []state.ServiceCheck{{ID: "c1"}}, Behavior: state.SessionDelete, TTL: "15s"}}},
		{SessionRequestType, &state.SessionRequest{Op: state.SessionDestroyOp, Session: state.Session{ID: sessionID}}},
		{TxnRequestType, &TxnRequest{Ops: []state.TxnOp{
			{KV: &state.TxnKVOp{Verb: state.KVCAS, Entry: state.KVEntry{Key: "x", Value: []byte("1")}}},
			{Node: &state.TxnNodeOp{Verb: state.TxnVerbSet, Node: state.Node{Node: "n2"}}},
			{Service: &state.TxnServiceOp{Verb: state.TxnVerbSet, Node: "n2", Service: state.Service{Name: "s"}}},
			{Check: &state.TxnCheckOp{Verb: state.TxnVerbSet, Check: state.HealthCheck{Node: "n1", CheckID: "c1",
				ServiceID: "web-1", Status: state.HealthCritical}}},
			{Session: &state.TxnSessionOp{Verb: state.TxnVerbDelete, Session: state.Session{ID: sessionID}}},
		}}},
		{TombstoneReapRequestType, &TombstoneReapRequest{UpTo: 2}},
		{ACLInitRequestType, &state.ACLInitRequest{}},
		{ACLPolicyRequestType, &state.ACLPolicyRequest{Op: state.ACLSet, Policy: state.ACLPolicy{ID: aclPolicyID, Name: "p"}}},
		{ACLPolicyRequestType, &state.ACLPolicyRequest{Op: state.ACLDelete, Policy: state.ACLPolicy{ID: state.ACLGlobalManagementPolicyID}}},
		{ACLRoleRequestType, &state.ACLRoleRequest{Op: state.ACLSet, Role: state.ACLRole{ID: aclRoleID, Name: "r",
			Policies: []state.ACLLink{{Name: "global-management"}}}}},
		{ACLTokenRequestType, &state.ACLTokenRequest{Op: state.ACLSet, Token: state.ACLToken{AccessorID: aclTokenID,
			SecretID: aclSecret, Roles: []state.ACLLink{{ID: aclRoleID}}, NodeIdentities: []state.ACLNodeIdentity{{NodeName: "n", Datacenter: "d"}}}}},
		{ACLTokenRequestType, &state.ACLTokenRequest{Op: state.ACLDelete, Token: state.ACLToken{AccessorID: aclTokenID}}},
		{ACLBootstrapRequestType, &state.ACLBootstrapRequest{Token: state.ACLToken{AccessorID: aclBootID, SecretID: aclBootSc}}},
	} {
		data, err := Encode(seed.t, seed.msg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0x80})
	f.Add([]byte{0xff, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		one, many := newFSM(t), newFSM(t)
		for _, fsm := range []*FSM{one, many} {
			if err := fsm.store.EnsureRegistration(1, webReg("n1")); err != nil {
				t.Fatal(err)
			}
			if err := fsm.store.SessionApply(1, &state.SessionRequest{Op: state.SessionCreateOp,
				Session: state.Session{ID: sessionID, Node: "n1", NodeChecks: []string{"c1"}}}); err != nil {
				t.Fatal(err)
			}
		}
		l := &raft.Log{Index: 2, Type: raft.LogCommand, Data: data}
		r1 := one.Apply(l)
		r2 := many.ApplyBatch([]*raft.Log{l, l})[0]
		if (r1 == nil) != (r2 == nil) {
			t.Fatalf("Apply = %v, ApplyBatch = %v", r1, r2)
		}
		a, b := readAll(t, one.Store()), readAll(t, many.Store())
		if !reflect.DeepEqual(a, b) {
			t.Fatal("Apply and ApplyBatch left different states")
		}
		checkConsistent(t, one.Store())
	})
}

// readAll renders everything a client can read.
func readAll(t *testing.T, s *state.Store) map[string]any {
	t.Helper()
	out := map[string]any{}
	_, nodes, _ := s.Nodes(nil)
	out["nodes"] = nodes
	_, svcs, _ := s.Services(nil, nil)
	out["services"] = svcs
	for name := range svcs {
		_, csns, _ := s.CheckServiceNodes(nil, name, false)
		out["csn:"+name] = csns
	}
	_, checks, _ := s.ChecksInState(nil, state.HealthAny)
	out["checks"] = checks
	_, queries, _ := s.PreparedQueryList(nil)
	out["queries"] = queries
	idx, kvs, _ := s.KVList(nil, "")
	out["kvs"], out["kvs.idx"] = kvs, idx
	idx, sessions, _ := s.SessionList(nil)
	out["sessions"], out["sessions.idx"] = sessions, idx
	idx, policies, _ := s.ACLPolicyList(nil)
	out["acl-policies"], out["acl-policies.idx"] = policies, idx
	idx, roles, _ := s.ACLRoleList(nil, "")
	out["acl-roles"], out["acl-roles.idx"] = roles, idx
	idx, tokens, _ := s.ACLTokenList(nil, state.ACLTokenFilter{})
	out["acl-tokens"], out["acl-tokens.idx"] = tokens, idx
	out["acl-bootstrap"] = s.ACLBootstrapIndex()
	return out
}

func checkConsistent(t *testing.T, s *state.Store) {
	t.Helper()
	_, kvs, _ := s.KVList(nil, "")
	for _, e := range kvs {
		if e.Session == "" {
			continue
		}
		if _, sess, _ := s.SessionGet(nil, e.Session); sess == nil {
			t.Fatalf("key %q held by unknown session %q", e.Key, e.Session)
		}
	}
	_, nodes, _ := s.Nodes(nil)
	services := map[string]bool{}
	for _, n := range nodes {
		_, _, svcs, _ := s.NodeServices(nil, n.Node)
		for _, sv := range svcs {
			services[n.Node+"\x00"+sv.ID] = true
		}
	}
	_, checks, _ := s.ChecksInState(nil, state.HealthAny)
	for _, c := range checks {
		if _, n, _ := s.GetNode(nil, c.Node); n == nil {
			t.Fatalf("check %q on unknown node %q", c.CheckID, c.Node)
		}
		if c.ServiceID != "" && !services[c.Node+"\x00"+c.ServiceID] {
			t.Fatalf("check %q of unknown service %q", c.CheckID, c.ServiceID)
		}
	}
	_, svcs, _ := s.Services(nil, nil)
	for name := range svcs {
		_, sns, _ := s.ServiceNodes(nil, name, false)
		for _, sn := range sns {
			if sn.Node == nil {
				t.Fatalf("service %q on unknown node %q", sn.Service.ID, sn.Service.Node)
			}
		}
	}
}
