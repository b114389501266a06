package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/agent/dnsview"
	"github.com/pylonmesh/pylon/agent/healthview"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// cachedAPI is testAPI's API and server with health views over the
// server's store, as a server agent has them.
func cachedAPI(t testing.TB, n int, mod func(*healthview.Config)) (*Server, *server.Server) {
	t.Helper()
	s, srv := testAPI(t, n)
	cfg := healthview.DefaultConfig(dnsview.StoreSource(srv.Store()))
	if mod != nil {
		mod(&cfg)
	}
	hv, err := healthview.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hv.Close)
	s.ServeCachedHealthFrom(hv)
	return s, srv
}

// getEntries sends a GET and decodes the service entries it answers.
func getEntries(t *testing.T, h http.Handler, token, url string) (*httptest.ResponseRecorder, []api.ServiceEntry) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out []api.ServiceEntry
	if w.Code == http.StatusOK && !strings.HasPrefix(url, "/v1/health/checks/") {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: %v: %s", url, err, w.Body)
		}
	}
	return w, out
}

func entryNodes(es []api.ServiceEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Node.Node
	}
	return out
}

func setWebCheck(t testing.TB, srv *server.Server, node, status string) uint64 {
	t.Helper()
	idx, err := srv.Register(context.Background(), &state.Registration{
		Node: state.Node{Node: node}, SkipNodeUpdate: true,
		Checks: []*state.HealthCheck{{Node: node, CheckID: "service:web", Name: "web check",
			Status: status, ServiceID: "web", ServiceName: "web"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// Cached reads answer from the view with the store path's filters, in the
// store path's order and encoding.
func TestCachedHealthFromView(t *testing.T) {
	s, srv := cachedAPI(t, 3, nil)
	h := s.Handler()
	flip := setWebCheck(t, srv, "node-1", state.HealthCritical)
	// The view follows the write; a blocking read on the view waits for it.
	getEntries(t, h, "", "/v1/health/service/web?cached&index="+strconv.FormatUint(flip-1, 10)+"&wait=10s")

	cases := []struct {
		url   string
		code  int
		cache string   // X-Cache
		nodes []string // nil: not checked
	}{
		{"/v1/health/service/web?cached", 200, "HIT", []string{"node-0", "node-1", "node-2"}},
		{"/v1/health/service/WEB?cached", 200, "HIT", []string{"node-0", "node-1", "node-2"}},
		{"/v1/health/service/web?cached&passing", 200, "HIT", []string{"node-0", "node-2"}},
		{"/v1/health/service/web?cached&passing=false", 200, "HIT", []string{"node-0", "node-1", "node-2"}},
		{"/v1/health/service/web?cached&tag=v1", 200, "HIT", []string{"node-0", "node-1", "node-2"}},
		{"/v1/health/service/web?cached&tag=v2", 200, "HIT", []string{}},
		{"/v1/health/service/web?cached&node-meta=rack:a", 200, "HIT", []string{}},
		{"/v1/health/service/web?cached&filter=Node.Node%3D%3D%22node-2%22", 200, "HIT", []string{"node-2"}},
		{"/v1/health/service/web?cached&filter=%3D%3D", 400, "", nil},
		{"/v1/health/service/web?cached&stale", 200, "HIT", []string{"node-0", "node-1", "node-2"}},
		{"/v1/health/service/web?cached&consistent", 400, "", nil},
		{"/v1/health/connect/web?cached", 200, "HIT", []string{}},
		{"/v1/health/service/nothing?cached", 200, "HIT", []string{}},
		{"/v1/health/service/web", 200, "", []string{"node-0", "node-1", "node-2"}},
		{"/v1/health/checks/web?cached", 200, "MISS", nil},              // not served from a view
		{"/v1/health/service/web?cached&near=node-0", 200, "MISS", nil}, // the store has the coordinates
	}
	for _, tc := range cases {
		w, es := getEntries(t, h, "", tc.url)
		if w.Code != tc.code || w.Header().Get("X-Cache") != tc.cache {
			t.Errorf("%s = %d X-Cache %q, want %d %q: %s", tc.url, w.Code, w.Header().Get("X-Cache"), tc.code, tc.cache, w.Body)
			continue
		}
		if tc.nodes != nil && !equalStrings(entryNodes(es), tc.nodes) {
			t.Errorf("%s nodes = %v, want %v", tc.url, entryNodes(es), tc.nodes)
		}
		if tc.cache != "HIT" {
			continue
		}
		if w.Header().Get("Age") != "0" || w.Header().Get("X-Consul-LastContact") != "0" {
			t.Errorf("%s: Age %q LastContact %q, want 0", tc.url, w.Header().Get("Age"), w.Header().Get("X-Consul-LastContact"))
		}
		// The store path answers the same body at the same index.
		uncached := strings.NewReplacer("?cached&", "?", "?cached", "").Replace(tc.url)
		u, _ := getEntries(t, h, "", uncached)
		if u.Body.String() != w.Body.String() || u.Header().Get("X-Consul-Index") != w.Header().Get("X-Consul-Index") {
			t.Errorf("%s differs from %s:\n%s at %s\n%s at %s", tc.url, uncached, w.Body, w.Header().Get("X-Consul-Index"),
				u.Body, u.Header().Get("X-Consul-Index"))
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A cached blocking read parks on the view and wakes on a change.
func TestCachedHealthBlocks(t *testing.T) {
	s, srv := cachedAPI(t, 2, nil)
	h := s.Handler()
	// This body is kept (cache.go); the change must not be answered with it.
	w, es := getEntries(t, h, "", "/v1/health/service/web?cached&passing")
	if len(es) != 2 {
		t.Fatalf("before the change: %v", entryNodes(es))
	}
	idx := w.Header().Get("X-Consul-Index")

	type answer struct {
		w  *httptest.ResponseRecorder
		es []api.ServiceEntry
	}
	woke := make(chan answer, 1)
	go func() {
		w, es := getEntries(t, h, "", "/v1/health/service/web?cached&passing&index="+idx+"&wait=1m")
		woke <- answer{w, es}
	}()
	flip := setWebCheck(t, srv, "node-0", state.HealthCritical)
	a := <-woke
	if a.w.Header().Get("X-Cache") != "HIT" || a.w.Header().Get("X-Consul-Index") != strconv.FormatUint(flip, 10) ||
		!equalStrings(entryNodes(a.es), []string{"node-1"}) {
		t.Fatalf("blocking cached read = %s at %s (%s), want node-1 at %d", entryNodes(a.es),
			a.w.Header().Get("X-Consul-Index"), a.w.Header().Get("X-Cache"), flip)
	}
}

// The view's list is filtered by what the token may read, as the store
// path's is.
func TestCachedHealthACLs(t *testing.T) {
	_, srv := testAPI(t, 3)
	rules, err := acl.ParseRules(`service "web" { policy = "read" }
node "node-2" { policy = "read" }`)
	if err != nil {
		t.Fatal(err)
	}
	limited := acl.Compile(acl.Deny, rules)
	authz := func(token string) (acl.Authorizer, error) {
		if token == "limited" {
			return limited, nil
		}
		return acl.AllowAll(), nil
	}
	s := New(Config{Datacenter: "dc1", NodeName: "acl", ACLsEnabled: true}, srv, nil, authz, slog.New(slog.DiscardHandler))
	hv, err := healthview.New(healthview.DefaultConfig(dnsview.StoreSource(srv.Store())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hv.Close)
	s.ServeCachedHealthFrom(hv)

	w, es := getEntries(t, s.Handler(), "limited", "/v1/health/service/web?cached")
	if w.Header().Get("X-Cache") != "HIT" || !equalStrings(entryNodes(es), []string{"node-2"}) ||
		w.Header().Get(filteredHeader) != "true" {
		t.Fatalf("limited token: %s X-Cache %q filtered %q", entryNodes(es), w.Header().Get("X-Cache"), w.Header().Get(filteredHeader))
	}
}

// A read the views cannot answer is served by the store path.
func TestCachedHealthViewMiss(t *testing.T) {
	s, _ := cachedAPI(t, 2, func(c *healthview.Config) { c.MaxViews = 1 })
	h := s.Handler()
	if w, _ := getEntries(t, h, "", "/v1/health/service/web?cached"); w.Header().Get("X-Cache") != "HIT" {
		t.Fatalf("first view: X-Cache %q", w.Header().Get("X-Cache"))
	}
	w, es := getEntries(t, h, "", "/v1/health/service/web?cached&tag=v1")
	if w.Header().Get("X-Cache") != "HIT" || len(es) != 2 {
		t.Fatalf("same view: X-Cache %q, %d entries", w.Header().Get("X-Cache"), len(es))
	}
	w, _ = getEntries(t, h, "", "/v1/health/connect/web?cached") // a second view: past MaxViews
	if w.Code != http.StatusOK || w.Header().Get("X-Cache") != "MISS" {
		t.Fatalf("past MaxViews: %d X-Cache %q", w.Code, w.Header().Get("X-Cache"))
	}
}

// servesCachedHealth picks the requests a client agent answers itself.
func TestServesCachedHealth(t *testing.T) {
	var s Server
	req := func(method, url string) *http.Request { return httptest.NewRequest(method, url, nil) }
	if s.servesCachedHealth(req(http.MethodGet, "/v1/health/service/web?cached")) {
		t.Error("served without views")
	}
	s.healthViews = (*healthview.View)(nil)
	cases := map[*http.Request]bool{
		req(http.MethodGet, "/v1/health/service/web?cached"):          true,
		req(http.MethodGet, "/v1/health/connect/web?cached=&index=3"): true,
		req(http.MethodGet, "/v1/health/service/web"):                 false,
		req(http.MethodGet, "/v1/health/service/web?notcached=1"):     false,
		req(http.MethodGet, "/v1/health/checks/web?cached"):           false,
		req(http.MethodGet, "/v1/catalog/service/web?cached"):         false,
		req(http.MethodPut, "/v1/health/service/web?cached"):          false,
	}
	for r, want := range cases {
		if got := s.servesCachedHealth(r); got != want {
			t.Errorf("%s %s = %v, want %v", r.Method, r.URL, got, want)
		}
	}
}

// BenchmarkHealthServiceCached is the handler cost of a ?cached health
// read (10 instances) answered from the view, beside the same read from
// the store, without the network:
//
//	go test ./agent/httpapi -run '^$' -bench HealthServiceCached -benchmem
func BenchmarkHealthServiceCached(b *testing.B) {
	s, _ := cachedAPI(b, 10, nil)
	h := s.Handler()
	for _, mode := range []struct{ name, url, cache string }{
		{"view", "/v1/health/service/web?cached&passing", "HIT"},
		{"store", "/v1/health/service/web?passing", ""},
	} {
		b.Run(mode.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, mode.url, nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK || w.Header().Get("X-Cache") != mode.cache {
					b.Fatalf("status %d X-Cache %q: %s", w.Code, w.Header().Get("X-Cache"), w.Body)
				}
			}
		})
	}
}
