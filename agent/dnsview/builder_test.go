package dnsview

import (
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

func csn(node, id, status string) state.CheckServiceNode {
	return state.CheckServiceNode{
		Node:    &state.Node{Node: node, Address: "10.0.0.1"},
		Service: &state.Service{Node: node, ID: id, Name: "web"},
		Checks:  []*state.HealthCheck{{CheckID: "c", Status: status}},
	}
}

func ev(idx uint64, p any) state.Event { return state.Event{Index: idx, Payload: p} }

func TestBuilderSnapshotDeltasAndReset(t *testing.T) {
	b := newBuilder("dc1")
	// Nothing is published before the snapshot ends.
	if _, ok := b.apply([]state.Event{ev(5, csn("a", "1", "passing"))}); ok {
		t.Fatal("published inside a snapshot")
	}
	first, ok := b.apply([]state.Event{ev(5, csn("b", "1", "passing")), ev(5, state.EndOfSnapshot{})})
	if !ok || len(first) != 2 {
		t.Fatalf("snapshot = %v %v", first, ok)
	}

	// A delta copies the list: the published one is left alone.
	second, ok := b.apply([]state.Event{ev(6, csn("a", "1", "critical")), ev(7, state.ServiceDeregistered{Node: "B", ServiceID: "1"})})
	if !ok || !sameStatuses(second, map[string]string{"a/1": "critical"}) {
		t.Fatalf("after deltas = %v", statuses(second))
	}
	if !sameStatuses(first, map[string]string{"a/1": "passing", "b/1": "passing"}) {
		t.Fatalf("published list changed: %v", statuses(first))
	}
	if b.index != 7 {
		t.Fatalf("index = %d, want 7", b.index)
	}

	// Removing an unknown instance publishes nothing.
	if _, ok := b.apply([]state.Event{ev(8, state.ServiceDeregistered{Node: "zz", ServiceID: "1"})}); ok {
		t.Fatal("published for an unknown instance")
	}

	// A reset keeps the old list out until the new snapshot is complete.
	if _, ok := b.apply([]state.Event{ev(9, state.NewSnapshotToFollow{}), ev(9, csn("c", "1", "warning"))}); ok {
		t.Fatal("published a partial snapshot")
	}
	third, ok := b.apply([]state.Event{ev(9, state.EndOfSnapshot{})})
	if !ok || !sameStatuses(third, map[string]string{"c/1": "warning"}) {
		t.Fatalf("after reset = %v", statuses(third))
	}
	if !sameStatuses(second, map[string]string{"a/1": "critical"}) {
		t.Fatalf("published list changed by reset: %v", statuses(second))
	}
}

func TestBuilderRemoveKeepsPositions(t *testing.T) {
	b := newBuilder("dc1")
	var evs []state.Event
	for _, n := range []string{"a", "b", "c", "d"} {
		evs = append(evs, ev(1, csn(n, "1", "passing")))
	}
	b.apply(append(evs, ev(1, state.EndOfSnapshot{})))
	b.apply([]state.Event{ev(2, state.ServiceDeregistered{Node: "a", ServiceID: "1"})})
	list, _ := b.apply([]state.Event{ev(3, csn("d", "1", "critical"))}) // d was moved into a's place
	want := map[string]string{"b/1": "passing", "c/1": "passing", "d/1": "critical"}
	if !sameStatuses(list, want) {
		t.Fatalf("list = %v, want %v", statuses(list), want)
	}
	for k, i := range b.pos {
		if got := list[i]; got.Node.Name != k.node || got.ServiceID != k.serviceID {
			t.Errorf("pos[%v] = %d holds %s/%s", k, i, got.Node.Name, got.ServiceID)
		}
	}
}
