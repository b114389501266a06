package aclresolve

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/server/state"
)

const (
	mgmtSecret     = "7d8a6a3e-2d1f-4a8b-9c5e-0f1e2d3c4b5a"
	recoverySecret = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

func TestResolveGrants(t *testing.T) {
	s := startServers(t)
	kvRead := s.policy(t, "kv-read", `key_prefix "app/" { policy = "read" }`)
	svcRead := s.policy(t, "svc-read", `service_prefix "" { policy = "read" }`)
	kvTok := s.token(t, state.ACLToken{Policies: []state.ACLLink{{ID: kvRead}}})
	bothTok := s.token(t, state.ACLToken{Policies: []state.ACLLink{{ID: kvRead}, {ID: svcRead}}})
	webTok := s.token(t, state.ACLToken{ServiceIdentities: []state.ACLServiceIdentity{{ServiceName: "web"}}})
	nodeTok := s.token(t, state.ACLToken{NodeIdentities: []state.ACLNodeIdentity{{NodeName: "n7", Datacenter: "dc1"}}})
	defTok := s.token(t, state.ACLToken{Policies: []state.ACLLink{{ID: svcRead}}})

	cases := []struct {
		name   string
		toks   Tokens
		secret string
		check  func(acl.Authorizer) bool
		want   bool
	}{
		{"anonymous denies", Tokens{}, "", func(a acl.Authorizer) bool { return a.ServiceRead("web") }, false},
		{"default token stands for none", Tokens{Default: defTok}, "", func(a acl.Authorizer) bool { return a.ServiceRead("web") }, true},
		{"policy grants", Tokens{}, kvTok, func(a acl.Authorizer) bool { return a.KeyRead("app/x") }, true},
		{"policy bounds", Tokens{}, kvTok, func(a acl.Authorizer) bool { return a.KeyRead("other") || a.KeyWrite("app/x") }, false},
		{"policies combine", Tokens{}, bothTok, func(a acl.Authorizer) bool { return a.KeyRead("app/x") && a.ServiceRead("db") }, true},
		{"service identity writes its service", Tokens{}, webTok, func(a acl.Authorizer) bool {
			return a.ServiceWrite("web") && a.ServiceWrite("web-sidecar-proxy") && a.NodeRead("any")
		}, true},
		{"service identity only its service", Tokens{}, webTok, func(a acl.Authorizer) bool { return a.ServiceWrite("db") }, false},
		{"node identity", Tokens{}, nodeTok, func(a acl.Authorizer) bool { return a.NodeWrite("n7") && !a.NodeWrite("n8") }, true},
		{"initial management", Tokens{InitialManagement: mgmtSecret}, mgmtSecret, func(a acl.Authorizer) bool {
			return a.ACLWrite() && a.KeyWrite("x") && a.OperatorWrite()
		}, true},
		{"agent recovery on this node", Tokens{AgentRecovery: recoverySecret}, recoverySecret, func(a acl.Authorizer) bool {
			return a.AgentWrite("node1") && a.AgentRead("node1")
		}, true},
		{"agent recovery nothing else", Tokens{AgentRecovery: recoverySecret}, recoverySecret, func(a acl.Authorizer) bool {
			return a.AgentWrite("node2") || a.KeyRead("x") || a.ServiceRead("web") || a.ACLRead()
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newResolver(t, s, newClock(), DownExtendCache, c.toks)
			a, err := r.Resolve(context.Background(), c.secret)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if got := c.check(a); got != c.want {
				t.Fatalf("check = %v, want %v", got, c.want)
			}
		})
	}
}

// TestConfiguredTokensNoRoundTrip: the agent's own management and
// recovery tokens resolve without asking the servers, even when they are
// down.
func TestConfiguredTokensNoRoundTrip(t *testing.T) {
	s := startServers(t)
	s.down.Store(true)
	r := newResolver(t, s, newClock(), DownDeny, Tokens{InitialManagement: mgmtSecret, AgentRecovery: recoverySecret})
	for _, secret := range []string{mgmtSecret, recoverySecret} {
		a, err := r.Resolve(context.Background(), secret)
		if err != nil || !a.AgentWrite("node1") {
			t.Fatalf("Resolve(%s) = %v, %v", secret, a, err)
		}
	}
	if n := s.calls.Load(); n != 0 {
		t.Fatalf("%d round trips, want 0", n)
	}
}

func TestUnknownAndExpiredTokens(t *testing.T) {
	s := startServers(t)
	clk := newClock()
	r := newResolver(t, s, clk, DownExtendCache, Tokens{})
	expiring := s.token(t, state.ACLToken{ExpirationTTL: time.Minute, Policies: []state.ACLLink{{Name: "global-management"}}})
	if a, err := r.Resolve(context.Background(), expiring); err != nil || !a.ACLWrite() {
		t.Fatalf("fresh expiring token = %v, %v", a, err)
	}
	clk.Add(2 * time.Minute) // past the token's expiry, and past the TTL
	for _, secret := range []string{"not-a-token", "4b0b3f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", expiring} {
		a, err := r.Resolve(context.Background(), secret)
		if !errors.Is(err, state.ErrACLNotFound) || !errors.Is(err, ErrNotFound) || a != nil {
			t.Fatalf("Resolve(%q) = %v, %v; want ErrACLNotFound", secret, a, err)
		}
	}
	// Not found is cached too: asking again costs no round trip.
	calls := s.calls.Load()
	if _, err := r.Resolve(context.Background(), "not-a-token"); !errors.Is(err, ErrNotFound) || s.calls.Load() != calls {
		t.Fatalf("second unknown lookup = %v, calls %d -> %d", err, calls, s.calls.Load())
	}
	// An expired token is refused even from the cache while servers are
	// down (extend-cache never outlives the token).
	s.down.Store(true)
	if a, err := r.Resolve(context.Background(), expiring); err == nil && a.ACLWrite() {
		t.Fatal("expired token still has management rights while servers are down")
	}
}

func TestCacheTTLAndStats(t *testing.T) {
	s := startServers(t)
	clk := newClock()
	r := newResolver(t, s, clk, DownExtendCache, Tokens{})
	tok := s.token(t, state.ACLToken{Policies: []state.ACLLink{{ID: s.policy(t, "p", `node_prefix "" { policy = "read" }`)}}})
	first, err := r.Resolve(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	for range 99 {
		a, err := r.Resolve(context.Background(), tok)
		if err != nil || a != first {
			t.Fatalf("cached Resolve = %p, %v; want the same authorizer %p", a, err, first)
		}
	}
	if st := s.calls.Load(); st != 1 {
		t.Fatalf("round trips = %d, want 1", st)
	}
	if st := r.Stats(); st.Hits != 99 || st.Misses != 1 || st.HitRate() != 0.99 {
		t.Fatalf("stats = %+v (rate %v)", st, st.HitRate())
	}
	clk.Add(31 * time.Second)
	if a, err := r.Resolve(context.Background(), tok); err != nil || a == first || s.calls.Load() != 2 {
		t.Fatalf("after TTL: %p, %v, calls %d; want a new round trip", a, err, s.calls.Load())
	}
}

// TestPurgeSeesPolicyChange: a policy edit shows after Purge, not before.
func TestPurgeSeesPolicyChange(t *testing.T) {
	s := startServers(t)
	r := newResolver(t, s, newClock(), DownExtendCache, Tokens{})
	p := &state.ACLPolicy{Name: "p", Rules: `key "a" { policy = "read" }`}
	if _, err := s.srv.ACLPolicySet(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	tok := s.token(t, state.ACLToken{Policies: []state.ACLLink{{ID: p.ID}}})
	canRead := func() bool {
		a, err := r.Resolve(context.Background(), tok)
		return err == nil && a.KeyRead("a")
	}
	if !canRead() {
		t.Fatal("token cannot read before the edit")
	}
	p.Rules = `key "a" { policy = "deny" }`
	if _, err := s.srv.ACLPolicySet(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if !canRead() {
		t.Fatal("cache ignored before Purge") // proves the cache is used
	}
	r.Purge()
	if canRead() {
		t.Fatal("policy edit not seen after Purge")
	}
}

// TestPurgeOnStoreChange: watching the server's ACL tables purges the
// cache on every change, so a deleted token stops working at once.
func TestPurgeOnStoreChange(t *testing.T) {
	s := startServers(t)
	r := newResolver(t, s, newClock(), DownExtendCache, Tokens{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.PurgeOnChange(ctx, func() func(context.Context) error {
			ws := memdb.NewWatchSet()
			_, _, _ = s.srv.Store().ACLTokenGet(ws, "")
			return ws.WatchCtx
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	tok := state.ACLToken{Policies: []state.ACLLink{{Name: "global-management"}}}
	if _, err := s.srv.ACLTokenSet(context.Background(), &tok, true); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resolve(context.Background(), tok.SecretID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.srv.ACLTokenDelete(context.Background(), tok.AccessorID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, err := r.Resolve(context.Background(), tok.SecretID)
		return errors.Is(err, ErrNotFound)
	})
}

func TestDownPolicy(t *testing.T) {
	s := startServers(t)
	tok := s.token(t, state.ACLToken{Policies: []state.ACLLink{{ID: s.policy(t, "kv", `key "k" { policy = "write" }`)}}})
	cases := []struct {
		down      string
		cached    bool // resolved once before the servers went down
		wantWrite bool // may write "k" while down
		wantOther bool // may write "other" while down
	}{
		{DownAllow, false, true, true},
		{DownAllow, true, true, true},
		{DownDeny, false, false, false},
		{DownDeny, true, false, false},
		{DownExtendCache, false, false, false},
		{DownExtendCache, true, true, false},
		{DownAsyncCache, false, false, false},
		{DownAsyncCache, true, true, false},
	}
	for _, c := range cases {
		name := c.down
		if c.cached {
			name += "/cached"
		}
		t.Run(name, func(t *testing.T) {
			clk := newClock()
			r := newResolver(t, s, clk, c.down, Tokens{})
			if c.cached {
				if _, err := r.Resolve(context.Background(), tok); err != nil {
					t.Fatal(err)
				}
			}
			s.down.Store(true)
			defer s.down.Store(false)
			clk.Add(time.Hour) // every cached entry is past its TTL
			a, err := r.Resolve(context.Background(), tok)
			if err != nil {
				t.Fatalf("Resolve while down: %v", err)
			}
			if a.KeyWrite("k") != c.wantWrite || a.KeyWrite("other") != c.wantOther {
				t.Fatalf("while down: write k %v, write other %v; want %v, %v",
					a.KeyWrite("k"), a.KeyWrite("other"), c.wantWrite, c.wantOther)
			}
		})
	}
}

// TestAsyncCacheRefreshes: async-cache answers from the expired entry at
// once and refreshes it in the background.
func TestAsyncCacheRefreshes(t *testing.T) {
	s := startServers(t)
	clk := newClock()
	r := newResolver(t, s, clk, DownAsyncCache, Tokens{})
	tok := s.token(t, state.ACLToken{Policies: []state.ACLLink{{Name: "global-management"}}})
	first, err := r.Resolve(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	gate := make(chan struct{})
	s.gate = gate
	s.mu.Unlock()
	clk.Add(time.Minute)
	// The refresh is held at the gate, yet the answer comes.
	if a, err := r.Resolve(context.Background(), tok); err != nil || a != first {
		t.Fatalf("stale answer = %p, %v; want %p", a, err, first)
	}
	s.mu.Lock()
	s.gate = nil
	s.mu.Unlock()
	close(gate)
	waitFor(t, func() bool {
		a, err := r.Resolve(context.Background(), tok)
		return err == nil && a != first
	})
}

// TestConcurrentMissesShareRoundTrip: many requests for one uncached
// secret cost one round trip.
func TestConcurrentMissesShareRoundTrip(t *testing.T) {
	s := startServers(t)
	r := newResolver(t, s, newClock(), DownExtendCache, Tokens{})
	tok := s.token(t, state.ACLToken{Policies: []state.ACLLink{{Name: "global-management"}}})
	s.mu.Lock()
	gate := make(chan struct{})
	s.gate = gate
	s.mu.Unlock()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.Resolve(context.Background(), tok); err != nil {
				errs <- err
			}
		}()
	}
	waitFor(t, func() bool { return r.Stats().Misses == 50 })
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := s.calls.Load(); n != 1 {
		t.Fatalf("round trips = %d, want 1", n)
	}
}

func TestPurgeAfterACLWrites(t *testing.T) {
	s := startServers(t)
	r := newResolver(t, s, newClock(), DownExtendCache, Tokens{})
	h := r.PurgeAfterACLWrites(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	cases := []struct {
		method, path string
		purged       bool
	}{
		{http.MethodGet, "/v1/acl/tokens", false},
		{http.MethodPut, "/v1/kv/x", false},
		{http.MethodPut, "/v1/acl/policy", true},
		{http.MethodDelete, "/v1/acl/token/abc", true},
	}
	for _, c := range cases {
		if _, err := r.Resolve(context.Background(), "anonymous"); err != nil {
			t.Fatal(err)
		}
		before := s.calls.Load()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(c.method, c.path, nil))
		if _, err := r.Resolve(context.Background(), "anonymous"); err != nil {
			t.Fatal(err)
		}
		if purged := s.calls.Load() > before; purged != c.purged {
			t.Errorf("%s %s: purged %v, want %v", c.method, c.path, purged, c.purged)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{DefaultPolicy: "maybe"}, {DownPolicy: "panic"}, {TokenTTL: -time.Second}} {
		if _, err := New(c, func(context.Context, string) (*state.ACLResolvedToken, error) { return nil, nil }, nil); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

func TestDefaultTokenHeader(t *testing.T) {
	s := startServers(t)
	cases := []struct {
		name, def, target string
		header            map[string]string
		want              string
	}{
		{"no token gets the default", "d", "/v1/kv/x", nil, "d"},
		{"no default, nothing", "", "/v1/kv/x", nil, ""},
		{"header kept", "d", "/v1/kv/x", map[string]string{"X-Consul-Token": "h"}, "h"},
		{"query kept", "d", "/v1/kv/x?token=q", nil, ""},
		{"bearer kept", "d", "/v1/kv/x", map[string]string{"Authorization": "Bearer b"}, ""},
		{"empty bearer gets the default", "d", "/v1/kv/x", map[string]string{"Authorization": "Bearer "}, "d"},
	}
	for _, c := range cases {
		r := newResolver(t, s, newClock(), DownExtendCache, Tokens{Default: c.def})
		var got string
		h := r.DefaultTokenHeader(http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) {
			got = req.Header.Get("X-Consul-Token")
		}))
		req := httptest.NewRequest(http.MethodGet, c.target, nil)
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		if got != c.want {
			t.Errorf("%s: X-Consul-Token %q, want %q", c.name, got, c.want)
		}
	}
}

// TestReconfigure: a reload's default and down policies apply at once,
// also to tokens resolved (and cached) under the old ones.
func TestReconfigure(t *testing.T) {
	s := startServers(t)
	tok := s.token(t, state.ACLToken{Policies: []state.ACLLink{{ID: s.policy(t, "kv-re", `key "k" { policy = "write" }`)}}})
	clk := newClock()
	r := newResolver(t, s, clk, DownDeny, Tokens{})
	a, err := r.Resolve(context.Background(), tok)
	if err != nil || a.KeyRead("other") {
		t.Fatalf("under default deny: read other = %v, %v; want false", a != nil && a.KeyRead("other"), err)
	}
	cfg := Config{NodeName: "node1", DefaultPolicy: "allow", DownPolicy: DownAllow,
		TokenTTL: time.Minute, PolicyTTL: time.Minute, RoleTTL: time.Minute, Now: clk.Now}
	if err := r.Reconfigure(cfg); err != nil {
		t.Fatal(err)
	}
	if a, err = r.Resolve(context.Background(), tok); err != nil || !a.KeyRead("other") || !a.KeyWrite("k") {
		t.Fatalf("after reloading default allow: read other %v, write k %v, %v; want true, true",
			a != nil && a.KeyRead("other"), a != nil && a.KeyWrite("k"), err)
	}
	s.down.Store(true)
	defer s.down.Store(false)
	if a, err = r.Resolve(context.Background(), "8d1c2b3a-4e5f-4a6b-9c7d-0e1f2a3b4c5d"); err != nil || !a.KeyWrite("anything") {
		t.Fatalf("unknown token while down after reloading down_policy allow: %v, %v; want allow all", a, err)
	}
	cfg.DownPolicy = "sideways"
	if err := r.Reconfigure(cfg); err == nil {
		t.Fatal("Reconfigure accepted an unknown down_policy")
	}
}
