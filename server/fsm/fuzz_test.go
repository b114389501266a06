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
// on a known service).
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
	return out
}

func checkConsistent(t *testing.T, s *state.Store) {
	t.Helper()
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
