package watch_test

import (
	"slices"
	"testing"

	"github.com/pylonmesh/pylon/api"
)

func kvPut(t *testing.T, c *api.Client, key, value string) {
	t.Helper()
	if _, err := c.KV().Put(&api.KVPair{Key: key, Value: []byte(value)}, nil); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// TestKeyWatch: the handler sees the key at start, again when it changes,
// not when another key changes, and null when it is deleted. The other
// key is written before the watched one: a call for it would arrive first.
func TestKeyWatch(t *testing.T) {
	c := liveAgent(t)
	requireEndpoint(t, c, "/v1/kv/")
	kvPut(t, c, "app/color", "red")
	ch := start(t, c, map[string]any{"type": "key", "key": "app/color"})

	first := ch.next(t)
	if p, ok := first.result.(*api.KVPair); !ok || string(p.Value) != "red" || first.index == 0 {
		t.Fatalf("first call = %d %#v", first.index, first.result)
	}
	kvPut(t, c, "app/size", "large")
	kvPut(t, c, "app/color", "blue")
	second := ch.next(t)
	if p, ok := second.result.(*api.KVPair); !ok || string(p.Value) != "blue" || second.index <= first.index {
		t.Fatalf("after the change = %d %#v", second.index, second.result)
	}
	if _, err := c.KV().Delete("app/color", nil); err != nil {
		t.Fatal(err)
	}
	if third := ch.next(t); third.result != nil {
		t.Fatalf("after delete = %#v, want nil", third.result)
	}
}

func TestKeyPrefixWatch(t *testing.T) {
	c := liveAgent(t)
	requireEndpoint(t, c, "/v1/kv/")
	kvPut(t, c, "app/a", "1")
	ch := start(t, c, map[string]any{"type": "keyprefix", "prefix": "app/"})

	if got := kvKeys(t, ch.next(t)); !slices.Equal(got, []string{"app/a"}) {
		t.Fatalf("first call keys = %v", got)
	}
	kvPut(t, c, "other/x", "outside")
	kvPut(t, c, "app/b", "2")
	if got := kvKeys(t, ch.next(t)); !slices.Equal(got, []string{"app/a", "app/b"}) {
		t.Fatalf("after adding app/b keys = %v", got)
	}
}

func kvKeys(t *testing.T, c call) []string {
	t.Helper()
	pairs, ok := c.result.(api.KVPairs)
	if !ok {
		t.Fatalf("result is %T, want api.KVPairs", c.result)
	}
	var keys []string
	for _, p := range pairs {
		keys = append(keys, p.Key)
	}
	return keys
}

func register(t *testing.T, c *api.Client, reg *api.AgentServiceRegistration) {
	t.Helper()
	if err := c.Agent().ServiceRegister(reg); err != nil {
		t.Fatalf("register %s: %v", reg.Name, err)
	}
}

func TestServicesWatch(t *testing.T) {
	c := liveAgent(t)
	ch := start(t, c, map[string]any{"type": "services"})
	first := ch.next(t).result.(map[string][]string)
	if _, ok := first["web"]; ok {
		t.Fatalf("web before it was registered: %v", first)
	}
	register(t, c, &api.AgentServiceRegistration{Name: "web", Tags: []string{"v1"}, Port: 80})
	ch.until(t, func(c call) bool {
		got := c.result.(map[string][]string)["web"]
		return slices.Equal(got, []string{"v1"})
	})
}

func TestNodesWatch(t *testing.T) {
	c := liveAgent(t)
	ch := start(t, c, map[string]any{"type": "nodes"})
	ch.until(t, func(c call) bool { return slices.Equal(nodeNames(c), []string{"node1"}) })
	_, err := c.Catalog().Register(&api.CatalogRegistration{Node: "ext1", Address: "10.0.0.9"}, nil)
	must(t, err)
	// The leader's own updates to node1 may fire the watch first.
	ch.until(t, func(c call) bool { return slices.Equal(nodeNames(c), []string{"ext1", "node1"}) })
}

func nodeNames(c call) []string {
	var out []string
	for _, n := range c.result.([]*api.Node) {
		out = append(out, n.Node)
	}
	slices.Sort(out)
	return out
}

// TestServiceWatchPassingOnly: with passingonly the instance shows up
// once its check passes; the tag filter keeps other instances out.
func TestServiceWatchPassingOnly(t *testing.T) {
	c := liveAgent(t)
	register(t, c, &api.AgentServiceRegistration{ID: "web1", Name: "web", Tags: []string{"v1"},
		Check: &api.AgentServiceCheck{TTL: "1m"}})
	register(t, c, &api.AgentServiceRegistration{ID: "web2", Name: "web", Tags: []string{"v2"},
		Check: &api.AgentServiceCheck{TTL: "1m"}})
	ch := start(t, c, map[string]any{"type": "service", "service": "web", "tag": []any{"v1"}, "passingonly": true})

	if got := serviceIDs(ch.next(t)); len(got) != 0 {
		t.Fatalf("critical instances handed on: %v", got)
	}
	must(t, c.Agent().PassTTL("service:web2", ""))
	must(t, c.Agent().PassTTL("service:web1", ""))
	if got := serviceIDs(ch.next(t)); !slices.Equal(got, []string{"web1"}) {
		t.Fatalf("after pass = %v, want [web1]", got)
	}
}

func serviceIDs(c call) []string {
	var out []string
	for _, e := range c.result.([]*api.ServiceEntry) {
		out = append(out, e.Service.ID)
	}
	return out
}

func TestChecksWatchByState(t *testing.T) {
	c := liveAgent(t)
	ch := start(t, c, map[string]any{"type": "checks", "state": "critical"})
	if got := checkIDs(ch.next(t)); len(got) != 0 {
		t.Fatalf("critical checks at start: %v", got)
	}
	register(t, c, &api.AgentServiceRegistration{ID: "db1", Name: "db", Check: &api.AgentServiceCheck{TTL: "1m"}})
	if got := checkIDs(ch.next(t)); !slices.Equal(got, []string{"service:db1"}) {
		t.Fatalf("after register = %v", got)
	}
	must(t, c.Agent().PassTTL("service:db1", ""))
	if got := checkIDs(ch.next(t)); len(got) != 0 {
		t.Fatalf("after pass = %v, want none", got)
	}
}

func TestChecksWatchByService(t *testing.T) {
	c := liveAgent(t)
	register(t, c, &api.AgentServiceRegistration{ID: "db1", Name: "db", Check: &api.AgentServiceCheck{TTL: "1m"}})
	ch := start(t, c, map[string]any{"type": "checks", "service": "db"})
	first := ch.next(t).result.(api.HealthChecks)
	if len(first) != 1 || first[0].Status != api.HealthCritical {
		t.Fatalf("first call = %+v", first)
	}
	must(t, c.Agent().PassTTL("service:db1", "ok"))
	second := ch.next(t).result.(api.HealthChecks)
	if len(second) != 1 || second[0].Status != api.HealthPassing {
		t.Fatalf("after pass = %+v", second)
	}
}

func checkIDs(c call) []string {
	var out []string
	for _, chk := range c.result.(api.HealthChecks) {
		out = append(out, chk.CheckID)
	}
	return out
}

// TestEventWatch: the first call has the events already there; later
// calls only the new ones, and only of the watched name.
func TestEventWatch(t *testing.T) {
	c := liveAgent(t)
	fire := func(name, payload string) string {
		t.Helper()
		id, _, err := c.Event().Fire(&api.UserEvent{Name: name, Payload: []byte(payload)}, nil)
		must(t, err)
		return id
	}
	fire("deploy", "v1")
	ch := start(t, c, map[string]any{"type": "event", "name": "deploy"})
	if got := payloads(ch.next(t)); !slices.Equal(got, []string{"v1"}) {
		t.Fatalf("first call = %v", got)
	}
	fire("restart", "other")
	id := fire("deploy", "v2")
	second := ch.next(t)
	if got := payloads(second); !slices.Equal(got, []string{"v2"}) {
		t.Fatalf("second call = %v, want only the new deploy event", got)
	}
	if second.index != c.Event().IDToIndex(id) {
		t.Fatalf("index %d, want the folded ID %d", second.index, c.Event().IDToIndex(id))
	}
	fire("deploy", "v3")
	fire("deploy", "v4")
	got := payloads(ch.next(t))
	for len(got) < 2 && slices.Equal(got, []string{"v3"}) { // the watch may see v3 alone first
		got = append(got, payloads(ch.next(t))...)
	}
	if !slices.Equal(got, []string{"v3", "v4"}) {
		t.Fatalf("third and fourth = %v", got)
	}
}

func payloads(c call) []string {
	var out []string
	for _, e := range c.result.([]*api.UserEvent) {
		out = append(out, string(e.Payload))
	}
	return out
}
