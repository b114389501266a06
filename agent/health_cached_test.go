package agent

import (
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"
)

// webRegistration registers web on node ext1 with one check of status.
func webRegistration(status string) *consulapi.CatalogRegistration {
	return &consulapi.CatalogRegistration{
		Node: "ext1", Address: "10.0.0.1", SkipNodeUpdate: status != consulapi.HealthPassing,
		Service: &consulapi.AgentService{ID: "web-1", Service: "web", Port: 80, Tags: []string{"v1"}},
		Check: &consulapi.AgentCheck{Node: "ext1", CheckID: "web-check", Name: "web check",
			Status: status, ServiceID: "web-1"},
	}
}

// cachedWeb reads web's health through cl with the official client's
// UseCache option, which sets ?cached.
func cachedWeb(t *testing.T, cl *consulapi.Client, opts consulapi.QueryOptions) ([]*consulapi.ServiceEntry, *consulapi.QueryMeta) {
	t.Helper()
	opts.UseCache = true
	entries, meta, err := cl.Health().Service("web", "", false, &opts)
	if err != nil {
		t.Fatalf("cached health read: %v", err)
	}
	return entries, meta
}

func webStatus(entries []*consulapi.ServiceEntry) string {
	if len(entries) != 1 || len(entries[0].Checks) != 1 {
		return ""
	}
	return entries[0].Checks[0].Status
}

// TestClientAgentCachedHealth: a client agent answers ?cached health reads
// from its view of the servers' stream: X-Cache HIT, a change made on the
// server shows up (and wakes a blocking read), and with the server gone it
// keeps answering its last list, saying how stale it is.
func TestClientAgentCachedHealth(t *testing.T) {
	srv, srvAPI := testAgent(t)
	_, cliAPI := startClientAgent(t, srv, "client1")
	if _, err := srvAPI.Catalog().Register(webRegistration(consulapi.HealthPassing), nil); err != nil {
		t.Fatal(err)
	}

	entries, meta := cachedWeb(t, cliAPI, consulapi.QueryOptions{})
	if !meta.CacheHit || meta.CacheAge != 0 || meta.LastContact != 0 || !meta.KnownLeader || meta.LastIndex == 0 ||
		webStatus(entries) != consulapi.HealthPassing {
		t.Fatalf("cached read = %q, meta %+v; want a hit, current, passing", webStatus(entries), meta)
	}
	// An uncached read is forwarded and says nothing about a cache.
	_, umeta, err := cliAPI.Health().Service("web", "", false, nil)
	if err != nil || umeta.CacheHit || umeta.LastIndex != meta.LastIndex {
		t.Fatalf("uncached read: meta %+v, %v; want index %d, no cache", umeta, err, meta.LastIndex)
	}

	// A blocking cached read wakes on a health flip made on the server.
	woke := make(chan []*consulapi.ServiceEntry, 1)
	go func() {
		entries, _, err := cliAPI.Health().Service("web", "", false,
			&consulapi.QueryOptions{UseCache: true, WaitIndex: meta.LastIndex, WaitTime: time.Minute})
		if err != nil {
			t.Errorf("blocking cached read: %v", err)
		}
		woke <- entries
	}()
	if _, err := srvAPI.Catalog().Register(webRegistration(consulapi.HealthCritical), nil); err != nil {
		t.Fatal(err)
	}
	if got := webStatus(<-woke); got != consulapi.HealthCritical {
		t.Fatalf("blocking cached read woke with %q, want critical", got)
	}
	entries, meta = cachedWeb(t, cliAPI, consulapi.QueryOptions{})
	if !meta.CacheHit || webStatus(entries) != consulapi.HealthCritical {
		t.Fatalf("after the flip: %q, meta %+v", webStatus(entries), meta)
	}
	flipIndex := meta.LastIndex

	// With the server gone the client keeps answering from its view, and
	// says how long ago it heard from a server.
	if err := srv.Shutdown(); err != nil {
		t.Fatalf("stop the server: %v", err)
	}
	var stale *consulapi.QueryMeta
	eventually(t, "the cached answer to age", func() bool {
		entries, stale = cachedWeb(t, cliAPI, consulapi.QueryOptions{})
		return stale.CacheAge >= time.Second
	})
	if !stale.CacheHit || stale.KnownLeader || stale.LastContact < time.Second || stale.LastIndex != flipIndex ||
		webStatus(entries) != consulapi.HealthCritical {
		t.Fatalf("stale read = %q, meta %+v; want the last list at %d, a hit, no leader, a second behind",
			webStatus(entries), stale, flipIndex)
	}
	older := stale
	eventually(t, "the cached answer to age further", func() bool {
		_, older = cachedWeb(t, cliAPI, consulapi.QueryOptions{})
		return older.LastContact > stale.LastContact
	})
}
