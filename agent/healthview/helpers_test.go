package healthview

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/dnsview"
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

func (s *testStore) register(t testing.TB, reg *state.Registration) uint64 {
	t.Helper()
	idx := s.idx.Add(1)
	if err := s.EnsureRegistration(idx, reg); err != nil {
		t.Fatalf("register: %v", err)
	}
	return idx
}

func (s *testStore) deregister(t testing.TB, d *state.Deregistration) uint64 {
	t.Helper()
	idx := s.idx.Add(1)
	if err := s.Deregister(idx, d); err != nil {
		t.Fatalf("deregister: %v", err)
	}
	return idx
}

// instance is a registration of one instance of service on node, with a
// TTL-style check of the given status.
func instance(node, service, id, status string) *state.Registration {
	return &state.Registration{
		Node:    state.Node{Node: node, Address: "10.0.0.1", Meta: map[string]string{"rack": "a"}},
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

func newView(t testing.TB, src dnsview.Source, mod func(*Config)) *View {
	t.Helper()
	cfg := DefaultConfig(src)
	if mod != nil {
		mod(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatalf("healthview.New: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// summary renders a list as "node/id=status" in list order, the status
// being the worst of the instance's checks.
func summary(nodes []state.CheckServiceNode) string {
	out := ""
	for i, csn := range nodes {
		if i > 0 {
			out += " "
		}
		status := state.HealthPassing
		for _, hc := range csn.Checks {
			switch {
			case hc.Status == state.HealthCritical:
				status = hc.Status
			case hc.Status == state.HealthWarning && status == state.HealthPassing:
				status = hc.Status
			}
		}
		out += fmt.Sprintf("%s/%s=%s", csn.Node.Node, csn.Service.ID, status)
	}
	return out
}

func get(t testing.TB, v *View, service string, connect bool) ([]state.CheckServiceNode, uint64) {
	t.Helper()
	nodes, idx, _, err := v.Get(context.Background(), service, connect, 0, 0)
	if err != nil {
		t.Fatalf("Get(%q): %v", service, err)
	}
	return nodes, idx
}

// getResult is what a Get started by getAsync answered.
type getResult struct {
	nodes []state.CheckServiceNode
	index uint64
	err   error
}

// getAsync starts a Get of service (not connect) at index, waiting up to
// wait, and returns where its answer will arrive.
func getAsync(v *View, service string, index uint64, wait time.Duration) <-chan getResult {
	got := make(chan getResult, 1)
	go func() {
		nodes, idx, _, err := v.Get(context.Background(), service, false, index, wait)
		got <- getResult{nodes, idx, err}
	}()
	return got
}

// errCut is what a cut source answers.
var errCut = errors.New("source cut")

// cutSource is a store's Source that can be cut off, as a client agent's
// is when its servers go away: cutting ends the open subscriptions and
// refuses new ones until it is restored.
type cutSource struct {
	src dnsview.Source

	mu   sync.Mutex
	cut  bool
	subs map[*cutSub]struct{}
}

func newCutSource(s *state.Store) *cutSource {
	return &cutSource{src: dnsview.StoreSource(s), subs: map[*cutSub]struct{}{}}
}

func (c *cutSource) Subscribe(ctx context.Context, req state.SubscribeRequest) (dnsview.Subscription, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut {
		return nil, errCut
	}
	sub, err := c.src.Subscribe(ctx, req)
	if err != nil {
		return nil, err
	}
	cs := &cutSub{Subscription: sub, src: c, cut: make(chan struct{})}
	c.subs[cs] = struct{}{}
	return cs, nil
}

func (c *cutSource) setCut(cut bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cut = cut
	if cut {
		for s := range c.subs {
			s.once.Do(func() { close(s.cut) })
			delete(c.subs, s)
		}
	}
}

type cutSub struct {
	dnsview.Subscription
	src  *cutSource
	cut  chan struct{}
	once sync.Once
}

func (s *cutSub) Next(ctx context.Context) ([]state.Event, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.cut:
			cancel()
		case <-ctx.Done():
		}
	}()
	events, err := s.Subscription.Next(ctx)
	select {
	case <-s.cut:
		return nil, errCut
	default:
	}
	return events, err
}

func (s *cutSub) Close() {
	s.src.mu.Lock()
	delete(s.src.subs, s)
	s.src.mu.Unlock()
	s.Subscription.Close()
}
