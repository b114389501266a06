package healthview

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/dnsview"
	"github.com/pylonmesh/pylon/server/state"
)

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{}); !errors.Is(err, ErrNoSource) {
		t.Fatalf("no source: err = %v", err)
	}
}

func TestViewFollowsChanges(t *testing.T) {
	s := newTestStore(t)
	for _, n := range []string{"n3", "n1", "n2"} {
		s.register(t, instance(n, "web", "web1", state.HealthPassing))
	}
	s.register(t, instance("n1", "db", "db1", state.HealthPassing)) // another key
	v := newView(t, dnsview.StoreSource(s.Store), nil)

	steps := []struct {
		name   string
		change func() uint64
		want   string
	}{
		{"snapshot", func() uint64 { return 3 },
			"n1/web1=passing n2/web1=passing n3/web1=passing"},
		{"check flips", func() uint64 { return s.register(t, setCheck("n2", "web1", state.HealthCritical)) },
			"n1/web1=passing n2/web1=critical n3/web1=passing"},
		{"instance deregistered", func() uint64 { return s.deregister(t, &state.Deregistration{Node: "n1", ServiceID: "web1"}) },
			"n2/web1=critical n3/web1=passing"},
		{"instance added", func() uint64 { return s.register(t, instance("n0", "web", "web2", state.HealthWarning)) },
			"n0/web2=warning n2/web1=critical n3/web1=passing"},
		{"node deregistered", func() uint64 { return s.deregister(t, &state.Deregistration{Node: "n3"}) },
			"n0/web2=warning n2/web1=critical"},
	}
	for _, st := range steps {
		idx := st.change()
		var got string
		var gotIdx uint64
		eventually(t, st.name, func() bool {
			nodes, i := get(t, v, "WEB", false) // names match case-insensitively
			got, gotIdx = summary(nodes), i
			return got == st.want
		})
		if gotIdx != idx {
			t.Errorf("%s: index %d, want %d", st.name, gotIdx, idx)
		}
	}
}

// The view lists what the store lists, in the same order.
func TestViewMatchesStore(t *testing.T) {
	s := newTestStore(t)
	for _, n := range []string{"b", "A", "c", "a2", "B1"} {
		s.register(t, instance(n, "web", "x", state.HealthPassing))
		s.register(t, instance(n, "web", "X2", state.HealthWarning))
	}
	s.deregister(t, &state.Deregistration{Node: "c", ServiceID: "x"})
	v := newView(t, dnsview.StoreSource(s.Store), nil)
	idx, want, err := s.CheckServiceNodes(nil, "web", false)
	if err != nil {
		t.Fatal(err)
	}
	nodes, gotIdx := get(t, v, "web", false)
	if summary(nodes) != summary(want) || gotIdx != idx {
		t.Fatalf("view %q at %d, store %q at %d", summary(nodes), gotIdx, summary(want), idx)
	}
}

func TestViewConnect(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "web", "web1", state.HealthPassing))
	proxy := instance("n1", "web-sidecar-proxy", "web1-proxy", state.HealthPassing)
	proxy.Service.Kind = state.KindConnectProxy
	proxy.Service.Proxy.DestinationServiceName = "web"
	s.register(t, proxy)
	v := newView(t, dnsview.StoreSource(s.Store), nil)

	if nodes, _ := get(t, v, "web", true); summary(nodes) != "n1/web1-proxy=passing" {
		t.Fatalf("connect view = %q", summary(nodes))
	}
	if nodes, _ := get(t, v, "web", false); summary(nodes) != "n1/web1=passing" {
		t.Fatalf("service view = %q", summary(nodes))
	}
	if nodes, _ := get(t, v, "nothing", false); nodes == nil || len(nodes) != 0 {
		t.Fatalf("unknown service = %#v, want an empty list", nodes)
	}
}

func TestBlockingGetWakesOnChange(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "web", "web1", state.HealthPassing))
	v := newView(t, dnsview.StoreSource(s.Store), nil)
	_, idx := get(t, v, "web", false)

	woke := getAsync(v, "web", idx, time.Minute)
	// Writes to another service do not wake it.
	s.register(t, instance("n1", "db", "db1", state.HealthPassing))
	flip := s.register(t, setCheck("n1", "web1", state.HealthCritical))
	a := <-woke
	if a.err != nil || a.index != flip || summary(a.nodes) != "n1/web1=critical" {
		t.Fatalf("blocking Get = %q at %d, %v; want the flip at %d", summary(a.nodes), a.index, a.err, flip)
	}

	// A blocking Get whose wait runs out answers what the view has.
	nodes, i, _, err := v.Get(context.Background(), "web", false, flip, time.Millisecond)
	if err != nil || i != flip || summary(nodes) != "n1/web1=critical" {
		t.Fatalf("timed-out Get = %q at %d, %v", summary(nodes), i, err)
	}
	// So does one whose context ends.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, i, _, err := v.Get(ctx, "web", false, flip, time.Minute); err != nil || i != flip {
		t.Fatalf("cancelled Get = %d, %v", i, err)
	}
	// An index the view is not at (a client that saw another history)
	// answers at once.
	if _, i, _, err := v.Get(context.Background(), "web", false, flip+100, time.Minute); err != nil || i != flip {
		t.Fatalf("Get past the index = %d, %v", i, err)
	}
}

// Close wakes blocked Gets and refuses later ones.
func TestCloseEndsGets(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "web", "web1", state.HealthPassing))
	v, err := New(DefaultConfig(dnsview.StoreSource(s.Store)))
	if err != nil {
		t.Fatal(err)
	}
	_, idx, _, err := v.Get(context.Background(), "web", false, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := getAsync(v, "web", idx, time.Hour)
	v.Close()
	if err := (<-done).err; err != nil {
		t.Fatalf("blocked Get at Close: %v", err)
	}
	if _, _, _, err := v.Get(context.Background(), "db", false, 0, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get of a new key after Close: %v", err)
	}
}

func TestGetErrors(t *testing.T) {
	s := newTestStore(t)
	cut := newCutSource(s.Store)
	cut.setCut(true)
	v := newView(t, cut, func(c *Config) { c.MaxViews = 1; c.SnapshotTimeout = 20 * time.Millisecond })

	if _, _, _, err := v.Get(context.Background(), "", false, 0, 0); !errors.Is(err, ErrNoService) {
		t.Errorf("no name: %v", err)
	}
	// No server answers: the first Get gives up after SnapshotTimeout.
	if _, _, _, err := v.Get(context.Background(), "web", false, 0, 0); !errors.Is(err, ErrNotReady) {
		t.Errorf("no snapshot: %v", err)
	}
	if _, _, _, err := v.Get(context.Background(), "db", false, 0, 0); !errors.Is(err, ErrTooManyViews) {
		t.Errorf("past MaxViews: %v", err)
	}
	// Once a server answers, the view that kept trying has its snapshot.
	s.register(t, instance("n1", "web", "web1", state.HealthPassing))
	cut.setCut(false)
	eventually(t, "the snapshot", func() bool {
		nodes, _, _, err := v.Get(context.Background(), "web", false, 0, 0)
		return err == nil && summary(nodes) == "n1/web1=passing"
	})
}

// A view whose stream is lost keeps answering, older and older, and
// catches up once a server answers again.
func TestAgeWhileCutOff(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "web", "web1", state.HealthPassing))
	cut := newCutSource(s.Store)
	v := newView(t, cut, nil)
	if _, _, age, err := v.Get(context.Background(), "web", false, 0, 0); err != nil || age != 0 {
		t.Fatalf("connected view: age %v, %v", age, err)
	}

	cut.setCut(true)
	flip := s.register(t, setCheck("n1", "web1", state.HealthCritical)) // missed while cut off
	var age1 time.Duration
	eventually(t, "the view to notice", func() bool {
		_, _, age1, _ = v.Get(context.Background(), "web", false, 0, 0)
		return age1 > 0
	})
	nodes, idx, age2, err := v.Get(context.Background(), "web", false, 0, 0)
	if err != nil || summary(nodes) != "n1/web1=passing" || idx >= flip || age2 < age1 {
		t.Fatalf("cut-off view = %q at %d, age %v after %v, %v; want the old list, growing older",
			summary(nodes), idx, age2, age1, err)
	}

	cut.setCut(false)
	eventually(t, "the view to catch up", func() bool {
		nodes, idx, age, err := v.Get(context.Background(), "web", false, 0, 0)
		return err == nil && age == 0 && idx == flip && summary(nodes) == "n1/web1=critical"
	})
}

func TestIdleViewsAreDropped(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "web", "web1", state.HealthPassing))
	v := newView(t, dnsview.StoreSource(s.Store), func(c *Config) { c.IdleTimeout = 20 * time.Millisecond })
	get(t, v, "web", false)
	get(t, v, "web", true)
	if n := v.Len(); n != 2 {
		t.Fatalf("views = %d, want 2", n)
	}
	eventually(t, "idle views dropped", func() bool { return v.Len() == 0 })

	// The next Get starts over, and sees what changed meanwhile.
	flip := s.register(t, setCheck("n1", "web1", state.HealthWarning))
	if nodes, idx := get(t, v, "web", false); summary(nodes) != "n1/web1=warning" || idx != flip {
		t.Fatalf("rebuilt view = %q at %d", summary(nodes), idx)
	}
}

// A Get waiting for a new view's first snapshot keeps the view from being
// dropped as idle, and gets the snapshot once it comes. (It once got
// ErrNotReady when the janitor dropped the view under it.)
func TestGetWaitingForTheSnapshotKeepsView(t *testing.T) {
	s := newTestStore(t)
	flip := s.register(t, instance("n1", "web", "web1", state.HealthPassing))
	cut := newCutSource(s.Store)
	cut.setCut(true)
	v := newView(t, cut, func(c *Config) { c.SnapshotTimeout = time.Minute })

	got := getAsync(v, "web", 0, 0)
	eventually(t, "the Get to wait for the snapshot", func() bool {
		kv, ok := v.views.Load(key{name: "web"})
		return ok && kv.(*keyView).waiters.Waiting() == 1
	})
	v.evictIdle(time.Now().Add(time.Hour).UnixNano()) // every view not waited on is idle
	if v.Len() != 1 {
		t.Fatal("a view with a Get waiting for its snapshot was dropped")
	}
	cut.setCut(false)
	if a := <-got; a.err != nil || a.index != flip || summary(a.nodes) != "n1/web1=passing" {
		t.Fatalf("Get = %q at %d, %v; want the snapshot at %d", summary(a.nodes), a.index, a.err, flip)
	}
}

// A Get blocked on a view keeps it from being dropped as idle.
func TestBlockedGetKeepsView(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "web", "web1", state.HealthPassing))
	v := newView(t, dnsview.StoreSource(s.Store), func(c *Config) { c.IdleTimeout = time.Millisecond })
	_, idx := get(t, v, "web", false)
	got, _ := v.views.Load(key{name: "web"})
	kv := got.(*keyView)

	woke := getAsync(v, "web", idx, time.Minute)
	eventually(t, "the Get to block", func() bool { return kv.waiters.Waiting() == 1 })
	// Evictions with a cutoff after the last use leave the view alone.
	v.evictIdle(time.Now().Add(time.Hour).UnixNano())
	if v.Len() != 1 {
		t.Fatal("a view with a blocked Get was dropped")
	}
	flip := s.register(t, setCheck("n1", "web1", state.HealthCritical))
	if a := <-woke; a.err != nil || a.index != flip {
		t.Fatalf("blocked Get woke at %d, %v; want %d", a.index, a.err, flip)
	}
}

// behindSource wraps a source so that its subscriptions report how far
// behind they are, as the servers' streams do.
type behindSource struct {
	dnsview.Source
	behind time.Duration
}

type behindSub struct {
	dnsview.Subscription
	behind time.Duration
}

func (b behindSub) Behind() time.Duration { return b.behind }

func (b behindSource) Subscribe(ctx context.Context, req state.SubscribeRequest) (dnsview.Subscription, error) {
	sub, err := b.Source.Subscribe(ctx, req)
	if err != nil {
		return nil, err
	}
	return behindSub{sub, b.behind}, nil
}

// TestAgeOfALiveStreamBehind: a view whose live stream reports it trails
// the leader gives that as its age.
func TestAgeOfALiveStreamBehind(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "web", "web1", state.HealthPassing))
	v := newView(t, behindSource{dnsview.StoreSource(s.Store), 3 * time.Second}, nil)
	if _, _, age, err := v.Get(context.Background(), "web", false, 0, 0); err != nil || age != 3*time.Second {
		t.Fatalf("age of a live view 3s behind = %v, %v", age, err)
	}
}
