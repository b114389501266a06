package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/aclresolve"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// aclAPI is testAPI's server (n instances of web) behind an API that
// resolves tokens with an aclresolve.Resolver under default deny, and
// tokens secrets whose policy reads every service and node (issue 6's
// `service_prefix "" { policy = "read" }`, plus node reads so that the
// answer is the same as with ACLs off).
func aclAPI(b testing.TB, srv *server.Server, tokens int) (*Server, *aclresolve.Resolver, []string) {
	b.Helper()
	ctx := context.Background()
	p := &state.ACLPolicy{Name: fmt.Sprintf("read-all-%d", time.Now().UnixNano()),
		Rules: `service_prefix "" { policy = "read" } node_prefix "" { policy = "read" }`}
	if _, err := srv.ACLPolicySet(ctx, p); err != nil {
		b.Fatal(err)
	}
	secrets := make([]string, tokens)
	for i := range secrets {
		tok := state.ACLToken{Policies: []state.ACLLink{{ID: p.ID}}}
		if _, err := srv.ACLTokenSet(ctx, &tok, true); err != nil {
			b.Fatal(err)
		}
		secrets[i] = tok.SecretID
	}
	r, err := aclresolve.New(aclresolve.Config{
		NodeName: "bench", DefaultPolicy: "deny",
		TokenTTL: 30 * time.Second, PolicyTTL: 30 * time.Second, RoleTTL: 30 * time.Second,
	}, func(_ context.Context, secret string) (*state.ACLResolvedToken, error) {
		return srv.ResolveToken(secret)
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	api := New(Config{Datacenter: "dc1", NodeName: "bench"}, srv, nil, r.Authorizer, slog.New(slog.DiscardHandler))
	return api, r, secrets
}

// BenchmarkHealthServiceACL is GET /v1/health/service/web?passing (10
// instances) with ACLs off and on, side by side, through the handler and
// in parallel; "on" uses 100 tokens in turn, and reports the resolver's
// cache hit rate and misses since it was made (cold misses included). go test ./agent/httpapi -run '^$' -bench HealthServiceACL -benchmem
func BenchmarkHealthServiceACL(b *testing.B) {
	off, srv := testAPI(b, 10)
	on, resolver, secrets := aclAPI(b, srv, 100)
	for _, c := range []struct {
		name    string
		api     *Server
		secrets []string
	}{{"acl=off", off, []string{""}}, {"acl=on", on, secrets}} {
		b.Run(c.name, func(b *testing.B) {
			h := c.api.Handler()
			var next atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodGet, "/v1/health/service/web?passing", nil)
					if s := c.secrets[next.Add(1)%uint64(len(c.secrets))]; s != "" {
						req.Header.Set("X-Consul-Token", s)
					}
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK || w.Body.Len() < 1000 {
						b.Errorf("status %d: %s", w.Code, w.Body)
						return
					}
				}
			})
			b.StopTimer()
			if c.api == on {
				// Since the resolver was made: the first request of each
				// token misses, every later one should hit.
				st := resolver.Stats()
				b.ReportMetric(100*st.HitRate(), "hit%")
				b.ReportMetric(float64(st.Misses), "misses")
			}
		})
	}
}
