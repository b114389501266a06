package local

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

// storeCatalog is a Catalog over a real state store, without Raft: each
// write takes the next index.
type storeCatalog struct {
	store  *state.Store
	index  atomic.Uint64
	writes atomic.Int64
	reads  atomic.Int64 // NodeState calls: one a full pass
}

func newStoreCatalog(t *testing.T) *storeCatalog {
	t.Helper()
	s, err := state.New()
	if err != nil {
		t.Fatal(err)
	}
	return &storeCatalog{store: s}
}

func (c *storeCatalog) Register(_ context.Context, reg *state.Registration) (uint64, error) {
	c.writes.Add(1)
	idx := c.index.Add(1)
	return idx, c.store.EnsureRegistration(idx, reg)
}

func (c *storeCatalog) Deregister(_ context.Context, d *state.Deregistration) (uint64, error) {
	c.writes.Add(1)
	idx := c.index.Add(1)
	return idx, c.store.Deregister(idx, d)
}

func (c *storeCatalog) NodeState(_ context.Context, node string) (*state.Node, []*state.Service, []*state.HealthCheck, error) {
	c.reads.Add(1)
	_, n, svcs, err := c.store.NodeServices(nil, node)
	if err != nil {
		return nil, nil, nil, err
	}
	_, checks, err := c.store.NodeChecks(nil, node)
	return n, svcs, checks, err
}

func newSynced(t *testing.T) (*State, *Syncer, *storeCatalog) {
	t.Helper()
	l := NewState(Node{ID: "id1", Name: "n1", Address: "127.0.0.1", Datacenter: "dc1"})
	cat := newStoreCatalog(t)
	return l, &Syncer{State: l, Catalog: cat}, cat
}

func svc(id string) *state.Service {
	return &state.Service{ID: id, Name: id, Port: 80, Weights: state.Weights{Passing: 1, Warning: 1}}
}

func check(id, serviceID, status string) *state.HealthCheck {
	return &state.HealthCheck{CheckID: id, Name: id, ServiceID: serviceID, Status: status, Type: "ttl"}
}

func catalogChecks(t *testing.T, cat *storeCatalog) map[string]*state.HealthCheck {
	t.Helper()
	_, cs, err := cat.store.NodeChecks(nil, "n1")
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]*state.HealthCheck)
	for _, c := range cs {
		out[c.CheckID] = c
	}
	return out
}

func TestSyncChangesRegistersAndDeregisters(t *testing.T) {
	l, s, cat := newSynced(t)
	ctx := context.Background()
	if err := l.AddService(svc("web"), []*state.HealthCheck{check("c1", "web", state.HealthPassing)}, "", false); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	_, n, svcs, _ := cat.store.NodeServices(nil, "n1")
	if n == nil || len(svcs) != 1 || svcs[0].ID != "web" {
		t.Fatalf("catalog after sync: node %v services %v", n, svcs)
	}
	if c := catalogChecks(t, cat)["c1"]; c == nil || c.Status != state.HealthPassing || c.ServiceName != "web" {
		t.Fatalf("check in catalog = %+v", c)
	}

	// Nothing changed: a second sync writes nothing.
	before := cat.writes.Load()
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if got := cat.writes.Load() - before; got != 0 {
		t.Fatalf("idle sync wrote %d times", got)
	}

	l.UpdateCheck("c1", state.HealthCritical, "down")
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if c := catalogChecks(t, cat)["c1"]; c.Status != state.HealthCritical || c.Output != "down" {
		t.Fatalf("status change not synced: %+v", c)
	}

	if err := l.RemoveService("web"); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, svcs, _ := cat.store.NodeServices(nil, "n1"); len(svcs) != 0 {
		t.Fatalf("service still in catalog: %v", svcs)
	}
	if len(catalogChecks(t, cat)) != 0 {
		t.Fatal("checks of a removed service still in catalog")
	}
	if l.Service("web") != nil || l.Check("c1") != nil {
		t.Fatal("removed entries still visible locally")
	}
}

func TestOutputOnlyChangeIsDeferred(t *testing.T) {
	l, s, cat := newSynced(t)
	ctx := context.Background()
	_ = l.AddService(svc("web"), []*state.HealthCheck{check("c1", "web", state.HealthPassing)}, "", false)
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	l.UpdateCheck("c1", state.HealthPassing, "new output")
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if c := catalogChecks(t, cat)["c1"]; c.Output == "new output" {
		t.Fatal("output-only change synced at once; want deferred")
	}
	if !l.releaseDeferred() {
		t.Fatal("no deferred change to release")
	}
	if err := s.SyncChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if c := catalogChecks(t, cat)["c1"]; c.Output != "new output" {
		t.Fatalf("deferred output not synced: %q", c.Output)
	}
}

func TestSyncFullRepairsDrift(t *testing.T) {
	l, s, cat := newSynced(t)
	ctx := context.Background()
	_ = l.AddService(svc("web"), nil, "", false)
	if err := s.SyncFull(ctx); err != nil {
		t.Fatal(err)
	}
	node := state.Node{Node: "n1", Address: "127.0.0.1", Datacenter: "dc1"}
	// Someone writes to the catalog behind the agent's back.
	changed := svc("web")
	changed.Port = 9999
	for _, reg := range []*state.Registration{
		{Node: node, SkipNodeUpdate: true, Service: changed},
		{Node: node, SkipNodeUpdate: true, Service: svc("stray"), Checks: []*state.HealthCheck{check("sc", "stray", state.HealthPassing)}},
		{Node: node, SkipNodeUpdate: true, Checks: []*state.HealthCheck{{CheckID: serfHealthID, Name: "Serf Health Status", Status: state.HealthPassing}}},
		{Node: node, SkipNodeUpdate: true, Service: &state.Service{Node: "n1", ID: consulServiceID, Name: consulServiceID, Port: 8300}},
	} {
		if _, err := cat.Register(ctx, reg); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SyncFull(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, svcs, _ := cat.store.NodeServices(nil, "n1")
	ids := map[string]int{}
	for _, sv := range svcs {
		ids[sv.ID] = sv.Port
	}
	if len(svcs) != 2 || ids["web"] != 80 || ids[consulServiceID] != 8300 {
		t.Fatalf("after full sync services = %v; want web on 80 and the servers' consul service, which the leader owns", ids)
	}
	checks := catalogChecks(t, cat)
	if checks["sc"] != nil {
		t.Fatal("stray check survived")
	}
	if checks[serfHealthID] == nil {
		t.Fatal("anti-entropy deleted serfHealth, which the servers own")
	}
}

func TestEnableTagOverrideKeepsCatalogTags(t *testing.T) {
	l, s, cat := newSynced(t)
	ctx := context.Background()
	web := svc("web")
	web.EnableTagOverride = true
	web.Tags = []string{"local"}
	_ = l.AddService(web, nil, "", false)
	if err := s.SyncFull(ctx); err != nil {
		t.Fatal(err)
	}
	edited := *web
	edited.Tags = []string{"edited"}
	node := state.Node{Node: "n1", Address: "127.0.0.1", Datacenter: "dc1"}
	if _, err := cat.Register(ctx, &state.Registration{Node: node, SkipNodeUpdate: true, Service: &edited}); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncFull(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, svcs, _ := cat.store.NodeServices(nil, "n1")
	if len(svcs) != 1 || len(svcs[0].Tags) != 1 || svcs[0].Tags[0] != "edited" {
		t.Fatalf("tags = %+v, want the catalog's edit kept", svcs)
	}
}

func TestAliasStatus(t *testing.T) {
	l := NewState(Node{Name: "n1"})
	_ = l.AddService(svc("web"), []*state.HealthCheck{check("w1", "web", state.HealthPassing)}, "", false)
	_ = l.AddService(svc("empty"), nil, "", false)
	cases := []struct {
		name, node, service string
		setup               func()
		want                string
		found               bool
	}{
		{"passing service", "", "web", nil, state.HealthPassing, true},
		{"no checks is passing", "", "empty", nil, state.HealthPassing, true},
		{"unknown service", "", "nope", nil, "", false},
		{"other node", "n2", "web", nil, "", false},
		{"service check warning", "", "web", func() { l.UpdateCheck("w1", state.HealthWarning, "") }, state.HealthWarning, true},
		{"node check critical", "", "web", func() { _ = l.AddCheck(check("node", "", state.HealthCritical), "") }, state.HealthCritical, true},
		{"node alias ignores itself", "n1", "", func() {
			_ = l.RemoveCheck("node")
			a := check("alias", "", state.HealthCritical)
			a.Type = "alias"
			_ = l.AddCheck(a, "")
		}, state.HealthPassing, true},
	}
	for _, c := range cases {
		if c.setup != nil {
			c.setup()
		}
		got, found := l.AliasStatus(c.node, c.service)
		if got != c.want || found != c.found {
			t.Errorf("%s: AliasStatus = %q, %v; want %q, %v", c.name, got, found, c.want, c.found)
		}
	}
}

// TestRunDoesNotRepeatTheStartUpPass: an agent's start-up pass answers a
// resync asked before it (the first server found by the join), and Run
// then waits an interval before its own first pass; without one, Run
// passes at once. Either way a later resync is served.
func TestRunDoesNotRepeatTheStartUpPass(t *testing.T) {
	waitReads := func(cat *storeCatalog, n int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for cat.reads.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d full passes, want %d", cat.reads.Load(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	run := func(s *Syncer) {
		s.FullInterval, s.RetryInterval, s.CheckUpdateInterval = time.Hour, time.Hour, time.Hour
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
	}

	_, s, cat := newSynced(t)
	s.Resync()
	if err := s.SyncFull(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(s)
	time.Sleep(300 * time.Millisecond)
	if n := cat.reads.Load(); n != 1 {
		t.Fatalf("%d full passes after the start-up one and Run, want 1", n)
	}
	s.Resync()
	waitReads(cat, 2)

	_, fresh, freshCat := newSynced(t)
	run(fresh)
	waitReads(freshCat, 1)
}
