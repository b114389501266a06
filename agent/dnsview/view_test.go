package dnsview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/state"
)

func TestNewRejectsBadConfig(t *testing.T) {
	s := newTestStore(t)
	if _, err := New(s.Store, Config{}); !errors.Is(err, ErrNoDatacenter) {
		t.Fatalf("no datacenter: err = %v", err)
	}
	if _, err := New(nil, DefaultConfig("dc1")); !errors.Is(err, ErrNoStore) {
		t.Fatalf("nil store: err = %v", err)
	}
}

func TestServiceViewFollowsChanges(t *testing.T) {
	s := newTestStore(t)
	for i, n := range []string{"n1", "n2", "n3"} {
		s.register(t, instance(n, fmt.Sprintf("10.0.0.%d", i+1), "web", "web1", state.HealthPassing))
	}
	v := newView(t, s, nil)

	// The first query waits for the snapshot.
	want := map[string]string{"n1/web1": "passing", "n2/web1": "passing", "n3/web1": "passing"}
	if got := v.ServiceInstances("dc1", "web"); !sameStatuses(got, want) {
		t.Fatalf("first query = %v, want %v", statuses(got), want)
	}

	s.register(t, setCheck("n2", "web1", state.HealthCritical))
	want["n2/web1"] = "critical"
	eventually(t, "n2 critical", func() bool { return sameStatuses(v.ServiceInstances("dc1", "web"), want) })

	s.deregister(t, &state.Deregistration{Node: "n1", ServiceID: "web1"})
	delete(want, "n1/web1")
	eventually(t, "n1 gone", func() bool { return sameStatuses(v.ServiceInstances("dc1", "web"), want) })

	s.register(t, instance("n4", "10.0.0.4", "web", "web2", state.HealthWarning))
	want["n4/web2"] = "warning"
	eventually(t, "n4 added", func() bool { return sameStatuses(v.ServiceInstances("dc1", "web"), want) })

	s.deregister(t, &state.Deregistration{Node: "n3"})
	delete(want, "n3/web1")
	eventually(t, "node n3 gone", func() bool { return sameStatuses(v.ServiceInstances("dc1", "web"), want) })
}

func TestInstanceRecordFields(t *testing.T) {
	s := newTestStore(t)
	reg := instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing)
	reg.Node.TaggedAddresses = map[string]string{"wan": "1.2.3.4"}
	reg.Service.Address = "10.1.1.1"
	reg.Service.TaggedAddresses = map[string]state.ServiceAddress{"wan": {Address: "5.6.7.8", Port: 9}}
	reg.Service.Weights = state.Weights{Passing: 5, Warning: 2}
	s.register(t, reg)
	v := newView(t, s, nil)

	got := v.ServiceInstances("dc1", "WEB") // names match case-insensitively
	if len(got) != 1 {
		t.Fatalf("instances = %+v", got)
	}
	in := got[0]
	if in.Node.Name != "n1" || in.Node.Address != "10.0.0.1" || in.Node.Datacenter != "dc1" ||
		in.Node.Meta["rack"] != "a" || in.Node.TaggedAddresses["wan"] != "1.2.3.4" {
		t.Errorf("node = %+v", in.Node)
	}
	if in.ServiceID != "web1" || in.ServiceName != "web" || in.Address != "10.1.1.1" || in.Port != 8080 ||
		len(in.Tags) != 1 || in.Tags[0] != "v1" || in.Weights != (dns.Weights{Passing: 5, Warning: 2}) ||
		in.TaggedAddresses["wan"] != (dns.ServiceAddr{Address: "5.6.7.8", Port: 9}) || in.Status != dns.StatusPassing {
		t.Errorf("instance = %+v", in)
	}
}

func TestOtherDatacenterAndUnknownService(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	v := newView(t, s, nil)
	if got := v.ServiceInstances("dc2", "web"); got != nil {
		t.Errorf("dc2 = %+v", got)
	}
	if got := v.ServiceInstances("dc1", "nope"); len(got) != 0 {
		t.Errorf("unknown service = %+v", got)
	}
	if got := v.ServiceInstances("dc1", ""); got != nil {
		t.Errorf("empty name = %+v", got)
	}
	if _, ok := v.Node("dc2", "n1"); ok {
		t.Error("node in dc2 found")
	}
	if v.viewCount() != 1 {
		t.Errorf("views = %d, want 1 (other dc and empty names make none)", v.viewCount())
	}
	// A service registered after its (empty) view was made appears.
	s.register(t, instance("n1", "10.0.0.1", "nope", "nope1", state.HealthPassing))
	eventually(t, "late service", func() bool { return len(v.ServiceInstances("dc1", "nope")) == 1 })
}

func TestConnectInstances(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	v := newView(t, s, nil)
	if got := v.ConnectInstances("dc1", "web"); len(got) != 0 {
		t.Fatalf("connect before proxy = %+v", got)
	}
	s.register(t, &state.Registration{
		Node: state.Node{Node: "n1", Address: "10.0.0.1"},
		Service: &state.Service{ID: "web1-sidecar-proxy", Name: "web-sidecar-proxy", Kind: state.KindConnectProxy,
			Port: 21000, Proxy: state.Proxy{DestinationServiceName: "web", DestinationServiceID: "web1"}},
	})
	eventually(t, "proxy in connect view", func() bool {
		got := v.ConnectInstances("dc1", "web")
		return len(got) == 1 && got[0].Kind == "connect-proxy" && got[0].Port == 21000
	})
	if got := v.ServiceInstances("dc1", "web"); len(got) != 1 || got[0].ServiceID != "web1" {
		t.Fatalf("service view = %+v", got)
	}
	s.deregister(t, &state.Deregistration{Node: "n1", ServiceID: "web1-sidecar-proxy"})
	eventually(t, "proxy gone", func() bool { return len(v.ConnectInstances("dc1", "web")) == 0 })
}

func TestAggregateStatus(t *testing.T) {
	hc := func(id, status, typ string) *state.HealthCheck {
		return &state.HealthCheck{CheckID: id, Status: status, Type: typ}
	}
	for _, tc := range []struct {
		name   string
		checks []*state.HealthCheck
		want   string
	}{
		{"no checks", nil, dns.StatusPassing},
		{"passing", []*state.HealthCheck{hc("a", "passing", "ttl")}, dns.StatusPassing},
		{"warning", []*state.HealthCheck{hc("a", "passing", ""), hc("b", "warning", "")}, dns.StatusWarning},
		{"critical wins", []*state.HealthCheck{hc("a", "critical", ""), hc("b", "warning", "")}, dns.StatusCritical},
		{"node maintenance", []*state.HealthCheck{hc("a", "passing", ""), hc("_node_maintenance", "critical", "")}, dns.StatusMaintenance},
		{"service maintenance", []*state.HealthCheck{hc("_service_maintenance:web1", "critical", "")}, dns.StatusMaintenance},
		{"maintenance type", []*state.HealthCheck{hc("m", "critical", "maintenance")}, dns.StatusMaintenance},
	} {
		if got := aggregateStatus(tc.checks); got != tc.want {
			t.Errorf("%s: status = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestIdleViewsAreDropped(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	v := newView(t, s, func(c *Config) { c.IdleTimeout = 20 * time.Millisecond })
	if got := v.ServiceInstances("dc1", "web"); len(got) != 1 {
		t.Fatalf("instances = %+v", got)
	}
	eventually(t, "idle view dropped", func() bool { return v.viewCount() == 0 })
	// The next query builds it again.
	s.register(t, instance("n2", "10.0.0.2", "web", "web1", state.HealthPassing))
	if got := v.ServiceInstances("dc1", "web"); len(got) != 2 {
		t.Fatalf("rebuilt view = %+v", got)
	}
}

// gatedSource holds every subscription until open is closed.
type gatedSource struct {
	Source
	open chan struct{}
}

func (g gatedSource) Subscribe(ctx context.Context, req state.SubscribeRequest) (Subscription, error) {
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Source.Subscribe(ctx, req)
}

// A query waiting for a new view's first snapshot keeps the view from
// being dropped as idle, and gets the snapshot once it comes.
func TestQueryWaitingForTheSnapshotKeepsView(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	gate := gatedSource{Source: StoreSource(s.Store), open: make(chan struct{})}
	v := newView(t, s, func(c *Config) { c.Source = gate; c.SnapshotTimeout = time.Minute })

	got := make(chan []dns.Instance, 1)
	go func() { got <- v.ServiceInstances("dc1", "web") }()
	eventually(t, "the query to wait for the snapshot", func() bool {
		sv, ok := v.views.Load(viewKey{name: "web"})
		return ok && sv.(*serviceView).waiters.Waiting() == 1
	})
	v.evictIdle(time.Now().Add(time.Hour).UnixNano()) // every view not waited on is idle
	if n := v.viewCount(); n != 1 {
		t.Fatal("a view with a query waiting for its snapshot was dropped")
	}
	close(gate.open)
	if insts := <-got; !sameStatuses(insts, map[string]string{"n1/web1": state.HealthPassing}) {
		t.Fatalf("query answered %v, want web1 passing", statuses(insts))
	}
}

func TestMaxViewsFallsBackToStoreReads(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	s.register(t, instance("n1", "10.0.0.1", "api", "api1", state.HealthCritical))
	v := newView(t, s, func(c *Config) { c.MaxViews = 1 })
	if got := v.ServiceInstances("dc1", "web"); len(got) != 1 {
		t.Fatalf("web = %+v", got)
	}
	got := v.ServiceInstances("dc1", "api")
	if len(got) != 1 || got[0].Status != dns.StatusCritical {
		t.Fatalf("api past the cap = %+v", got)
	}
	if n := v.viewCount(); n != 1 {
		t.Fatalf("views = %d, want 1", n)
	}
}

func TestCloseStopsViews(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	v, err := New(s.Store, DefaultConfig("dc1"))
	if err != nil {
		t.Fatal(err)
	}
	v.ServiceInstances("dc1", "web")
	v.ConnectInstances("dc1", "web")
	v.Close()
	if got := v.ServiceInstances("dc1", "api"); got != nil {
		t.Fatalf("lookup of a new name after Close = %+v", got)
	}
	v.Close() // idempotent
}

func TestViewSurvivesRestore(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	snap := s.Snapshot()
	var buf bytes.Buffer
	if err := snap.Persist(&buf); err != nil {
		t.Fatalf("persist: %v", err)
	}
	snap.Release()
	s.register(t, instance("n2", "10.0.0.2", "web", "web1", state.HealthPassing))
	v := newView(t, s, nil)
	if got := v.ServiceInstances("dc1", "web"); len(got) != 2 {
		t.Fatalf("before restore = %+v", got)
	}
	if err := s.Restore(&buf); err != nil {
		t.Fatalf("restore: %v", err)
	}
	want := map[string]string{"n1/web1": "passing"}
	eventually(t, "restored state", func() bool { return sameStatuses(v.ServiceInstances("dc1", "web"), want) })
	s.register(t, setCheck("n1", "web1", state.HealthCritical))
	want["n1/web1"] = "critical"
	eventually(t, "change after restore", func() bool { return sameStatuses(v.ServiceInstances("dc1", "web"), want) })
}

// TestConcurrentReadsDuringWrites is for the race detector: readers hold
// and walk returned slices while the view swaps new ones in.
func TestConcurrentReadsDuringWrites(t *testing.T) {
	s := newTestStore(t)
	for _, n := range []string{"n1", "n2", "n3", "n4"} {
		s.register(t, instance(n, "10.0.0.1", "web", "web1", state.HealthPassing))
	}
	v := newView(t, s, nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, in := range v.ServiceInstances("dc1", "web") {
					_ = in.Status + in.Node.Name
				}
			}
		}()
	}
	statusOf := []string{state.HealthPassing, state.HealthCritical, state.HealthWarning}
	for i := range 300 {
		n := []string{"n1", "n2", "n3", "n4"}[i%4]
		s.register(t, setCheck(n, "web1", statusOf[i%3]))
		if i%50 == 0 {
			s.deregister(t, &state.Deregistration{Node: n, ServiceID: "web1"})
			s.register(t, instance(n, "10.0.0.1", "web", "web1", state.HealthPassing))
		}
	}
	close(stop)
	wg.Wait()
	want := make(map[string]string)
	for i := 296; i < 300; i++ { // the last write of each node
		want[[]string{"n1", "n2", "n3", "n4"}[i%4]+"/web1"] = statusOf[i%3]
	}
	eventually(t, "final statuses", func() bool { return sameStatuses(v.ServiceInstances("dc1", "web"), want) })
}
