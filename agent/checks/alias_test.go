package checks

import (
	"slices"
	"sync"
	"testing"

	"github.com/pylonmesh/pylon/agent/config"
)

// fakeLocal is a hand-written AliasSource: a map from service ID to the
// worst status of its checks, plus change listeners.
type fakeLocal struct {
	mu        sync.Mutex
	node      string
	services  map[string]string
	nodeState string
	listeners map[chan<- struct{}]struct{}
}

func newFakeLocal() *fakeLocal {
	return &fakeLocal{node: "n1", services: map[string]string{}, nodeState: passing, listeners: map[chan<- struct{}]struct{}{}}
}

func (f *fakeLocal) AliasStatus(node, serviceID string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if node != "" && node != f.node {
		return "", false
	}
	if serviceID == "" {
		return f.nodeState, true
	}
	s, ok := f.services[serviceID]
	if !ok {
		return "", false
	}
	return worseOf(s, f.nodeState), true
}

func worseOf(a, b string) string {
	rank := map[string]int{passing: 0, warning: 1, critical: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func (f *fakeLocal) Notify(ch chan<- struct{}) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listeners[ch] = struct{}{}
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.listeners, ch)
	}
}

func (f *fakeLocal) listening() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.listeners)
}

// change applies fn under the lock and signals every listener.
func (f *fakeLocal) change(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
	for ch := range f.listeners {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func TestAliasFollowsService(t *testing.T) {
	src := newFakeLocal()
	src.services["web"] = passing
	rec, r := startCheck(t, &config.CheckDefinition{AliasService: "web"}, Options{Alias: src})
	waitStatus(t, rec, passing)
	waitFor(t, "the alias to listen", func() bool { return src.listening() == 1 })

	src.change(func() {}) // nothing changed: no update
	src.change(func() { src.services["web"] = warning })
	waitStatus(t, rec, warning)
	src.change(func() { src.nodeState = critical }) // a node check counts too
	waitStatus(t, rec, critical)
	src.change(func() { src.nodeState = passing })
	waitStatus(t, rec, warning)
	src.change(func() { delete(src.services, "web") })
	u := waitStatus(t, rec, critical)
	if u.output != "Service not found" {
		t.Fatalf("output %q", u.output)
	}
	want := []string{passing, warning, critical, warning, critical}
	var got []string
	for _, u := range rec.all() {
		got = append(got, u.status)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	r.Stop()
	if n := src.listening(); n != 0 {
		t.Fatalf("%d listeners after Stop", n)
	}
}

func TestAliasTargets(t *testing.T) {
	cases := []struct {
		name   string
		def    config.CheckDefinition
		status string
		output string
	}{
		{"missing service", config.CheckDefinition{AliasService: "nope"}, critical, "Service not found"},
		{"this node", config.CheckDefinition{AliasNode: "n1"}, passing, "All checks passing"},
		{"service on this node", config.CheckDefinition{AliasNode: "n1", AliasService: "db"}, warning, "At least one aliased check is warning"},
		{"other node", config.CheckDefinition{AliasNode: "n2"}, critical, "Node not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := newFakeLocal()
			src.services["db"] = warning
			rec, _ := startCheck(t, &tc.def, Options{Alias: src})
			u := waitStatus(t, rec, tc.status)
			if u.output != tc.output {
				t.Fatalf("output %q, want %q", u.output, tc.output)
			}
		})
	}
}
