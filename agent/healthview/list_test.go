package healthview

import (
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

func csn(node, id, status string) state.CheckServiceNode {
	return state.CheckServiceNode{
		Node:    &state.Node{Node: node},
		Service: &state.Service{Node: node, ID: id, Name: "web"},
		Checks:  []*state.HealthCheck{{Node: node, CheckID: "c", ServiceID: id, Status: status}},
	}
}

func ev(idx uint64, payload any) state.Event {
	return state.Event{Topic: state.TopicServiceHealth, Key: "web", Index: idx, Payload: payload}
}

func TestListApply(t *testing.T) {
	snapshot := []state.Event{
		ev(5, csn("n2", "web", "passing")), ev(5, csn("N1", "web", "passing")), ev(5, csn("n1", "Alt", "passing")),
		ev(5, state.EndOfSnapshot{}),
	}
	cases := []struct {
		name      string
		batches   [][]state.Event
		want      string // summary of the last list published
		wantIndex uint64
		published int // how many batches published a list
	}{
		{"snapshot in store order", [][]state.Event{snapshot},
			"n1/Alt=passing N1/web=passing n2/web=passing", 5, 1},
		{"empty snapshot is an answer", [][]state.Event{{ev(3, state.EndOfSnapshot{})}}, "", 3, 1},
		{"nothing before the end of the snapshot", [][]state.Event{snapshot[:2]}, "", 5, 0},
		{"update replaces by node and ID, case-insensitively", [][]state.Event{snapshot, {ev(6, csn("n1", "WEB", "critical"))}},
			"n1/Alt=passing n1/WEB=critical n2/web=passing", 6, 2},
		{"deregistration removes", [][]state.Event{snapshot, {ev(7, state.ServiceDeregistered{Node: "n2", ServiceID: "web"})}},
			"n1/Alt=passing N1/web=passing", 7, 2},
		{"deregistration of an unknown instance", [][]state.Event{snapshot, {ev(7, state.ServiceDeregistered{Node: "n9", ServiceID: "web"})}},
			"n1/Alt=passing N1/web=passing n2/web=passing", 7, 2},
		{"instance without service is ignored", [][]state.Event{snapshot, {ev(8, state.CheckServiceNode{Node: &state.Node{Node: "n3"}})}},
			"n1/Alt=passing N1/web=passing n2/web=passing", 8, 2},
		{"new snapshot replaces everything", [][]state.Event{snapshot, {
			ev(4, state.NewSnapshotToFollow{}), ev(4, csn("n3", "web", "warning")), ev(4, state.EndOfSnapshot{})}},
			"n3/web=warning", 4, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newList()
			var last []state.CheckServiceNode
			published := 0
			for _, b := range tc.batches {
				if nodes, ok := l.apply(b); ok {
					last, published = nodes, published+1
				}
			}
			if got := summary(last); got != tc.want || l.index != tc.wantIndex || published != tc.published {
				t.Errorf("list %q index %d published %d; want %q index %d published %d",
					got, l.index, published, tc.want, tc.wantIndex, tc.published)
			}
		})
	}
}

// A published list is never changed by later events.
func TestListPublishedIsImmutable(t *testing.T) {
	l := newList()
	first, _ := l.apply([]state.Event{ev(1, csn("n1", "web", "passing")), ev(1, state.EndOfSnapshot{})})
	before := summary(first)
	l.apply([]state.Event{ev(2, csn("n1", "web", "critical")), ev(2, csn("n0", "web", "passing"))})
	l.apply([]state.Event{ev(3, state.ServiceDeregistered{Node: "n1", ServiceID: "web"})})
	if got := summary(first); got != before {
		t.Fatalf("published list changed to %q, was %q", got, before)
	}
}
