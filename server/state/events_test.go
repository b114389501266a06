package state

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func subscribe(t *testing.T, s *Store, topic, key string, index uint64) *Subscription {
	t.Helper()
	sub, err := s.Subscribe(SubscribeRequest{Topic: topic, Key: key, Index: index})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(sub.Close)
	return sub
}

// next returns the next batch of events, failing the test after a deadline.
func next(t *testing.T, sub *Subscription) []Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	evs, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return evs
}

// describe renders events as "index:kind:node/id" for comparison.
func describe(evs []Event) string {
	var out []string
	for _, e := range evs {
		switch p := e.Payload.(type) {
		case CheckServiceNode:
			out = append(out, fmt.Sprintf("%d:up:%s/%s", e.Index, p.Service.Node, p.Service.ID))
		case ServiceDeregistered:
			out = append(out, fmt.Sprintf("%d:down:%s/%s", e.Index, p.Node, p.ServiceID))
		case EndOfSnapshot:
			out = append(out, fmt.Sprintf("%d:end", e.Index))
		case NewSnapshotToFollow:
			out = append(out, fmt.Sprintf("%d:reset", e.Index))
		default:
			out = append(out, fmt.Sprintf("%d:%T", e.Index, p))
		}
	}
	return strings.Join(out, " ")
}

func expect(t *testing.T, sub *Subscription, want string) {
	t.Helper()
	if got := describe(next(t, sub)); got != want {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestSubscribeSnapshotThenDeltas(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	mustRegister(t, s, 2, regWeb("n2", "web-2"))
	mustRegister(t, s, 3, regService("n3", "db"))
	sub := subscribe(t, s, TopicServiceHealth, "Web", 0)
	expect(t, sub, "2:up:n1/web-1 2:up:n2/web-2 2:end")

	mustRegister(t, s, 4, regService("n3", "db2")) // another service: no event
	mustRegister(t, s, 5, regWeb("n2", "web-2"))   // unchanged: no event
	r := regWeb("n1", "web-1")
	r.Checks[0].Status = HealthCritical
	mustRegister(t, s, 6, r)
	expect(t, sub, "6:up:n1/web-1")

	s.DeleteService(7, "n2", "web-2")
	expect(t, sub, "7:down:n2/web-2")

	// A node check reaches every instance on its node.
	mustRegister(t, s, 8, regWeb("n1", "web-1b"))
	expect(t, sub, "8:up:n1/web-1b")
	mustRegister(t, s, 9, &Registration{Node: Node{Node: "n1"}, SkipNodeUpdate: true,
		Checks: []*HealthCheck{{CheckID: "maint"}}})
	evs := next(t, sub)
	if describe(evs) != "9:up:n1/web-1 9:up:n1/web-1b" {
		t.Fatalf("node check events = %q", describe(evs))
	}
	if c := evs[0].Payload.(CheckServiceNode); len(c.Checks) != 2 || c.Checks[0].CheckID != "maint" {
		t.Errorf("payload checks = %s, want the node check first", checkIDs(c.Checks))
	}

	// Renaming an instance leaves the old name.
	mustRegister(t, s, 10, &Registration{Node: Node{Node: "n1"}, SkipNodeUpdate: true,
		Service: &Service{ID: "web-1b", Name: "api"}})
	expect(t, sub, "10:down:n1/web-1b")
	s.DeleteNode(11, "n1")
	expect(t, sub, "11:down:n1/web-1")
}

func TestSubscribeConnectTopic(t *testing.T) {
	s := newStore(t)
	proxy := func(dest string) *Registration {
		return &Registration{Node: Node{Node: "n1"}, Service: &Service{ID: "p", Name: "p",
			Kind: KindConnectProxy, Proxy: Proxy{DestinationServiceName: dest}}}
	}
	mustRegister(t, s, 1, proxy("web"))
	sub := subscribe(t, s, TopicServiceHealthConnect, "web", 0)
	expect(t, sub, "1:up:n1/p 1:end")
	mustRegister(t, s, 2, regWeb("n2", "web-2")) // a plain instance: not a mesh endpoint
	mustRegister(t, s, 3, &Registration{Node: Node{Node: "n3"},
		Service: &Service{ID: "w", Name: "web", Connect: ServiceConnect{Native: true}}})
	expect(t, sub, "3:up:n3/w")
	mustRegister(t, s, 4, proxy("db"))
	expect(t, sub, "4:down:n1/p")
}

func TestSubscribeResume(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	sub := subscribe(t, s, TopicServiceHealth, "web", 0)
	expect(t, sub, "1:up:n1/web-1 1:end")
	mustRegister(t, s, 2, regWeb("n2", "web-2"))
	mustRegister(t, s, 3, regWeb("n3", "web-3"))
	expect(t, sub, "2:up:n2/web-2 3:up:n3/web-3")

	tests := []struct {
		index uint64
		want  string
	}{
		{1, "2:up:n2/web-2 3:up:n3/web-3"},                              // buffered: deltas
		{2, "3:up:n3/web-3"},                                            // buffered: deltas
		{99, "3:reset 3:up:n1/web-1 3:up:n2/web-2 3:up:n3/web-3 3:end"}, // from the future
	}
	for _, tt := range tests {
		sub := subscribe(t, s, TopicServiceHealth, "web", tt.index)
		expect(t, sub, tt.want)
	}
	// Up to date: nothing until the next change.
	up := subscribe(t, s, TopicServiceHealth, "web", 3)
	mustRegister(t, s, 4, regWeb("n4", "web-4"))
	expect(t, up, "4:up:n4/web-4")
}

func TestSubscribeResumeTooOld(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	mustRegister(t, s, 2, regWeb("n2", "web-2"))
	// Nobody followed "web" at index 1, so its events were not kept.
	sub := subscribe(t, s, TopicServiceHealth, "web", 1)
	expect(t, sub, "2:reset 2:up:n1/web-1 2:up:n2/web-2 2:end")
}

func TestSlowSubscriberLagsWithoutBlockingWriters(t *testing.T) {
	s := newStore(t)
	s.pub.size = 4
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	sub := subscribe(t, s, TopicServiceHealth, "web", 0)
	expect(t, sub, "1:up:n1/web-1 1:end")
	for i := uint64(2); i < 200; i++ {
		r := regWeb("n1", "web-1")
		r.Service.Port = int(i)
		mustRegister(t, s, i, r) // would hang if publishing waited on sub
	}
	if _, err := sub.Next(context.Background()); err != ErrSubscriptionLagged {
		t.Fatalf("Next = %v, want ErrSubscriptionLagged", err)
	}
	// Resuming from an index the buffer dropped gives a snapshot.
	again := subscribe(t, s, TopicServiceHealth, "web", 100)
	expect(t, again, "199:reset 199:up:n1/web-1 199:end")
	// Resuming inside the buffer gives deltas.
	again = subscribe(t, s, TopicServiceHealth, "web", 197)
	expect(t, again, "198:up:n1/web-1 199:up:n1/web-1")
}

func TestSubscriptionEnds(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n1", "web-1"))

	t.Run("restore", func(t *testing.T) {
		sub := subscribe(t, s, TopicServiceHealth, "web", 0)
		next(t, sub)
		var buf bytes.Buffer
		if err := s.Snapshot().Persist(&buf); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := sub.Next(context.Background()); done <- err }()
		if err := s.Restore(&buf); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != ErrSubscriptionReset {
			t.Errorf("Next after restore = %v, want ErrSubscriptionReset", err)
		}
	})
	t.Run("close", func(t *testing.T) {
		sub := subscribe(t, s, TopicServiceHealth, "web", 0)
		next(t, sub)
		done := make(chan error, 1)
		go func() { _, err := sub.Next(context.Background()); done <- err }()
		sub.Close()
		if err := <-done; err != ErrSubscriptionClosed {
			t.Errorf("Next after Close = %v, want ErrSubscriptionClosed", err)
		}
		if s.pub.wants(TopicServiceHealth, "web") {
			t.Error("buffer kept after its last subscriber closed")
		}
	})
	t.Run("context", func(t *testing.T) {
		sub := subscribe(t, s, TopicServiceHealth, "web", 0)
		next(t, sub)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := sub.Next(ctx); err != context.Canceled {
			t.Errorf("Next with cancelled context = %v", err)
		}
	})
}

func TestSubscribeRejects(t *testing.T) {
	s := newStore(t)
	if _, err := s.Subscribe(SubscribeRequest{Topic: "nope", Key: "web"}); err == nil {
		t.Error("unknown topic accepted")
	}
	if _, err := s.Subscribe(SubscribeRequest{Topic: TopicServiceHealth}); err == nil {
		t.Error("empty key accepted")
	}
}
