package dnsview

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/state"
)

// testStore is a state store with a Raft index counter for writes.
type testStore struct {
	*state.Store
	idx atomic.Uint64
}

func newTestStore(t testing.TB) *testStore {
	t.Helper()
	s, err := state.New()
	if err != nil {
		t.Fatalf("state.New: %v", err)
	}
	return &testStore{Store: s}
}

func (s *testStore) register(t testing.TB, reg *state.Registration) {
	t.Helper()
	if err := s.EnsureRegistration(s.idx.Add(1), reg); err != nil {
		t.Fatalf("register: %v", err)
	}
}

func (s *testStore) deregister(t testing.TB, d *state.Deregistration) {
	t.Helper()
	if err := s.Deregister(s.idx.Add(1), d); err != nil {
		t.Fatalf("deregister: %v", err)
	}
}

// instance is a registration of one instance of service on node, with a
// TTL-style check of the given status.
func instance(node, addr, service, id, status string) *state.Registration {
	return &state.Registration{
		Node:    state.Node{Node: node, Address: addr, Meta: map[string]string{"rack": "a"}},
		Service: &state.Service{ID: id, Name: service, Port: 8080, Tags: []string{"v1"}},
		Checks: []*state.HealthCheck{{CheckID: "service:" + id, Name: "ttl", Status: status,
			ServiceID: id, Type: "ttl"}},
	}
}

// setCheck sets the status of an instance's check.
func setCheck(node, id, status string) *state.Registration {
	return &state.Registration{
		Node: state.Node{Node: node}, SkipNodeUpdate: true,
		Checks: []*state.HealthCheck{{CheckID: "service:" + id, Name: "ttl", Status: status,
			ServiceID: id, Type: "ttl"}},
	}
}

func newView(t testing.TB, s *testStore, mod func(*Config)) *View {
	t.Helper()
	cfg := DefaultConfig("dc1")
	if mod != nil {
		mod(&cfg)
	}
	v, err := New(s.Store, cfg)
	if err != nil {
		t.Fatalf("dnsview.New: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// statuses maps each instance's "node/serviceID" to its status.
func statuses(insts []dns.Instance) map[string]string {
	out := make(map[string]string, len(insts))
	for _, in := range insts {
		out[in.Node.Name+"/"+in.ServiceID] = in.Status
	}
	return out
}

func sameStatuses(got []dns.Instance, want map[string]string) bool {
	g := statuses(got)
	return fmt.Sprint(g) == fmt.Sprint(want) // fmt sorts map keys
}
