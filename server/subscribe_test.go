package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

// webInstance registers instance id of service "web" on node with one
// check of the given status.
func webInstance(node, id, status string) *state.Registration {
	return &state.Registration{
		Node:    state.Node{Node: node, Address: "10.0.0.1", Meta: map[string]string{"rack": "a"}},
		Service: &state.Service{ID: id, Name: "web", Port: 8080, Tags: []string{"v1"}},
		Checks: []*state.HealthCheck{{CheckID: "service:" + id, Name: "ttl", Status: status,
			ServiceID: id, Type: "ttl"}},
	}
}

// mustSubscribe subscribes cl to webHealth, closing the subscription when
// the test ends.
func mustSubscribe(t testing.TB, ctx context.Context, cl *Client) *Subscription {
	t.Helper()
	sub, err := cl.Subscribe(ctx, webHealth)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	t.Cleanup(sub.Close)
	return sub
}

// webCheck sets the status of an instance's check.
func webCheck(node, id, status string) *state.Registration {
	return &state.Registration{
		Node: state.Node{Node: node}, SkipNodeUpdate: true,
		Checks: []*state.HealthCheck{{CheckID: "service:" + id, Name: "ttl", Status: status,
			ServiceID: id, Type: "ttl"}},
	}
}

// registrar writes registrations: a *Server, or a *Client, which rides
// out leader elections.
type registrar interface {
	Register(ctx context.Context, reg *state.Registration) (uint64, error)
}

func mustRegister(t testing.TB, w registrar, reg *state.Registration) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	idx, err := w.Register(ctx, reg)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return idx
}

var webHealth = state.SubscribeRequest{Topic: state.TopicServiceHealth, Key: "web"}

// describe renders events as "index:kind[:node/id/status]" for comparison.
func describe(events []state.Event) []string {
	var out []string
	for _, e := range events {
		switch p := e.Payload.(type) {
		case state.CheckServiceNode:
			st := ""
			if len(p.Checks) > 0 {
				st = p.Checks[0].Status
			}
			out = append(out, fmt.Sprintf("%d:instance:%s/%s/%s", e.Index, p.Node.Node, p.Service.ID, st))
		case state.ServiceDeregistered:
			out = append(out, fmt.Sprintf("%d:deregistered:%s/%s", e.Index, p.Node, p.ServiceID))
		case state.EndOfSnapshot:
			out = append(out, fmt.Sprintf("%d:end-of-snapshot", e.Index))
		case state.NewSnapshotToFollow:
			out = append(out, fmt.Sprintf("%d:new-snapshot", e.Index))
		}
	}
	return out
}

// nextUntil reads batches until one holds an event at index idx or later,
// and returns every event read.
func nextUntil(t *testing.T, ctx context.Context, sub *Subscription, idx uint64) []state.Event {
	t.Helper()
	var all []state.Event
	for {
		events, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("Next waiting for index %d: %v", idx, err)
		}
		all = append(all, events...)
		if events[len(events)-1].Index >= idx {
			return all
		}
	}
}

// TestSubscribeAcrossTheCluster follows one subscription's life: a
// follower serves the snapshot and a change written on the leader; a
// second subscription resumes from an index; the follower's shutdown ends
// the stream and the client's next subscription goes to another server.
func TestSubscribeAcrossTheCluster(t *testing.T) {
	c := newTestCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := c.followers()[0]
	w := newTestClient(t, c) // writes ride out elections
	reg := mustRegister(t, w, webInstance("n1", "web1", state.HealthPassing))
	waitFor(t, func() bool { _, csns, _ := f.Store().CheckServiceNodes(nil, "web", false); return len(csns) == 1 })

	cl := newTestClient(t, c)
	cl.SetServers([]string{f.Addr()})
	sub := mustSubscribe(t, ctx, cl)
	if sub.Addr() != f.Addr() {
		t.Fatalf("served by %s, want the follower %s", sub.Addr(), f.Addr())
	}
	events, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	want := []string{fmt.Sprintf("%d:instance:n1/web1/passing", reg), fmt.Sprintf("%d:end-of-snapshot", reg)}
	if got := describe(events); !reflect.DeepEqual(got, want) {
		t.Fatalf("snapshot = %v, want %v", got, want)
	}
	if csn := events[0].Payload.(state.CheckServiceNode); csn.Node.Meta["rack"] != "a" || csn.Service.Port != 8080 ||
		csn.Service.Tags[0] != "v1" || csn.Checks[0].ServiceID != "web1" {
		t.Fatalf("snapshot instance lost fields on the wire: %+v %+v %+v", csn.Node, csn.Service, csn.Checks[0])
	}

	crit := mustRegister(t, w, webCheck("n1", "web1", state.HealthCritical))
	if got := describe(nextUntil(t, ctx, sub, crit)); !reflect.DeepEqual(got, []string{fmt.Sprintf("%d:instance:n1/web1/critical", crit)}) {
		t.Fatalf("change = %v", got)
	}

	// A subscription resuming from crit gets only what came after it.
	warn := mustRegister(t, w, webCheck("n1", "web1", state.HealthWarning))
	resumed, err := cl.Subscribe(ctx, state.SubscribeRequest{Topic: state.TopicServiceHealth, Key: "web", Index: crit})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	defer resumed.Close()
	if got := describe(nextUntil(t, ctx, resumed, warn)); !reflect.DeepEqual(got, []string{fmt.Sprintf("%d:instance:n1/web1/warning", warn)}) {
		t.Fatalf("resumed from %d = %v", crit, got)
	}

	// The follower stops: its streams end with ErrStopping and the client
	// moves on to the other servers.
	var all []string
	for _, s := range c.servers {
		all = append(all, s.Addr())
	}
	cl.SetServers(all) // the follower stays current
	if err := f.Shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for _, s := range []*Subscription{sub, resumed} {
		for {
			_, err := s.Next(ctx)
			if err == nil {
				continue // the warning change, on sub
			}
			if !errors.Is(err, rpc.ErrStopping) {
				t.Fatalf("stream of a stopped server ended with %v, want rpc.ErrStopping", err)
			}
			break
		}
	}
	if cur := cl.Servers()[0]; cur == f.Addr() {
		t.Fatal("the stopped server is still the client's current one")
	}
	again, err := cl.Subscribe(ctx, state.SubscribeRequest{Topic: state.TopicServiceHealth, Key: "web", Index: warn})
	if err != nil {
		t.Fatalf("resubscribe: %v", err)
	}
	defer again.Close()
	if again.Addr() == f.Addr() {
		t.Fatal("resubscribed to the stopped server")
	}
	pass := mustRegister(t, w, webCheck("n1", "web1", state.HealthPassing))
	// The other server either resumes (the change alone) or, when its
	// buffer no longer reaches warn, starts over with a new snapshot; both
	// end with the instance passing at pass.
	got := describe(nextUntil(t, ctx, again, pass))
	last := got[len(got)-1]
	if last == fmt.Sprintf("%d:end-of-snapshot", pass) && len(got) >= 2 {
		last = got[len(got)-2]
	}
	if last != fmt.Sprintf("%d:instance:n1/web1/passing", pass) {
		t.Fatalf("after resubscribing = %v", got)
	}
}

// TestSubscribeErrorsCrossTheWire: answers of the server keep their
// identity and leave it the client's current server.
func TestSubscribeErrorsCrossTheWire(t *testing.T) {
	s := startServer(t, testConfig(t))
	cl := NewClient(nil)
	t.Cleanup(func() { cl.Close() })
	cl.SetServers([]string{s.Addr()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	sub, err := cl.Subscribe(ctx, state.SubscribeRequest{Topic: "Nope", Key: "web"})
	if err == nil {
		defer sub.Close()
		_, err = sub.Next(ctx)
	}
	if !errors.Is(err, state.ErrUnknownTopic) {
		t.Fatalf("unknown topic = %v, want ErrUnknownTopic", err)
	}

	// A restore resets every subscription.
	mustRegister(t, s, webInstance("n1", "web1", state.HealthPassing))
	var snap bytes.Buffer
	if _, err := s.SnapshotSave(ctx, &snap); err != nil {
		t.Fatalf("snapshot save: %v", err)
	}
	sub, err = cl.Subscribe(ctx, webHealth)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if _, err := sub.Next(ctx); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if err := s.SnapshotRestore(ctx, &snap); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if _, err := sub.Next(ctx); !errors.Is(err, state.ErrSubscriptionReset) {
		t.Fatalf("after restore = %v, want ErrSubscriptionReset", err)
	}
	if cur := cl.Servers(); len(cur) != 1 || cur[0] != s.Addr() {
		t.Fatalf("servers = %v", cur)
	}
}

func TestSubscribeWithoutServers(t *testing.T) {
	cl := NewClient(nil)
	t.Cleanup(func() { cl.Close() })
	if _, err := cl.Subscribe(context.Background(), webHealth); !errors.Is(err, ErrNoServers) {
		t.Fatalf("no servers = %v, want ErrNoServers", err)
	}
}

func TestWireEventsRoundTrip(t *testing.T) {
	csn := state.CheckServiceNode{Node: &state.Node{Node: "n1"}, Service: &state.Service{ID: "web1", Name: "web"}}
	events := []state.Event{
		{Topic: state.TopicServiceHealth, Key: "web", Index: 1, Payload: state.NewSnapshotToFollow{}},
		{Topic: state.TopicServiceHealth, Key: "web", Index: 1, Payload: csn},
		{Topic: state.TopicServiceHealth, Key: "web", Index: 1, Payload: state.EndOfSnapshot{}},
		{Topic: state.TopicServiceHealthConnect, Key: "web", Index: 2, Payload: state.ServiceDeregistered{Node: "n1", ServiceID: "p1", Service: "web-proxy"}},
	}
	wire, err := toWire(events)
	if err != nil {
		t.Fatal(err)
	}
	back, err := fromWire(wire)
	if err != nil || !reflect.DeepEqual(back, events) {
		t.Fatalf("round trip = %+v, %v; want %+v", back, err, events)
	}
	if _, err := toWire([]state.Event{{Payload: "text"}}); !errors.Is(err, errBadEvent) {
		t.Fatalf("unknown payload = %v", err)
	}
	for _, bad := range []wireEvent{
		{Index: 3},
		{Index: 3, EndOfSnapshot: true, NewSnapshotToFollow: true},
		{Index: 3, Instance: &csn, Deregistered: &state.ServiceDeregistered{}},
	} {
		if _, err := fromWire([]wireEvent{bad}); !errors.Is(err, errBadEvent) {
			t.Errorf("%+v = %v, want errBadEvent", bad, err)
		}
	}
}

// TestEventEncoderSharesEncodings: events that refer to the same records
// are encoded once; the oldest encodings are dropped past the size.
func TestEventEncoderSharesEncodings(t *testing.T) {
	enc := newEventEncoder(2)
	csn := state.CheckServiceNode{Node: &state.Node{Node: "n1"}, Service: &state.Service{ID: "web1", Name: "web"},
		Checks: []*state.HealthCheck{{CheckID: "c"}}}
	ev := func(idx uint64, p any) state.Event {
		return state.Event{Topic: state.TopicServiceHealth, Key: "web", Index: idx, Payload: p}
	}
	a, err := enc.encode(ev(1, csn))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := enc.encode(ev(1, csn)) // the same event, as another subscriber reads it
	if &a[0] != &b[0] {
		t.Fatal("the same event was encoded twice")
	}
	changed := csn
	changed.Checks = []*state.HealthCheck{{CheckID: "c", Status: state.HealthCritical}}
	c, _ := enc.encode(ev(1, changed))
	if &c[0] == &a[0] || bytes.Equal(a, c) {
		t.Fatal("an event with other records shares an encoding")
	}
	enc.encode(ev(2, state.EndOfSnapshot{})) // drops the first
	if d, _ := enc.encode(ev(1, csn)); &d[0] == &a[0] || !bytes.Equal(d, a) {
		t.Fatal("a dropped encoding was kept, or re-encoding differs")
	}
	if len(enc.m) != 2 || len(enc.ring) != 2 {
		t.Fatalf("encoder holds %d entries, ring %d; want 2", len(enc.m), len(enc.ring))
	}
	if _, err := enc.encode(ev(3, "text")); !errors.Is(err, errBadEvent) {
		t.Fatalf("unknown payload = %v", err)
	}
}

// fastHeartbeats makes quiet streams send a heartbeat every 50ms until
// the test ends. Call it before the test starts its servers: they read
// the interval, and the old one is put back after they have stopped.
func fastHeartbeats(t *testing.T) {
	old := subscribeHeartbeat
	subscribeHeartbeat = 50 * time.Millisecond
	t.Cleanup(func() { subscribeHeartbeat = old })
}

// TestSubscriptionSaysHowFarBehind: a quiet stream still carries
// heartbeats with its server's last contact with the leader, so a
// subscriber to a follower cut off from the rest sees it fall behind.
func TestSubscriptionSaysHowFarBehind(t *testing.T) {
	fastHeartbeats(t)
	c := newTestCluster(t, 3)
	leader, followers := c.leader(), c.followers()
	mustRegister(t, leader, webInstance("n1", "web1", state.HealthPassing))
	cl := NewClient(nil)
	t.Cleanup(func() { cl.Close() })
	cl.SetServers([]string{followers[0].Addr()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub := mustSubscribe(t, ctx, cl)
	go func() {
		for {
			if _, err := sub.Next(ctx); err != nil {
				return
			}
		}
	}()
	waitFor(t, func() bool { return sub.heard.Load() != 0 })
	if b := sub.Behind(); b > time.Second {
		t.Fatalf("a follower in touch with its leader is %v behind", b)
	}
	// The follower is left alone: no leader, and nobody to elect one with.
	for _, s := range []*Server{leader, followers[1]} {
		if err := s.Shutdown(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return sub.Behind() > time.Second })
}
