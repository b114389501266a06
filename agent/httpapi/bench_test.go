package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// testAPI is the API over a dev server holding n passing instances of web
// (on nodes node-0, node-1 ...), and the server.
func testAPI(b testing.TB, n int) (*Server, *server.Server) {
	b.Helper()
	cfg := server.DefaultConfig()
	cfg.NodeName, cfg.RaftAddr, cfg.Dev = "bench", "127.0.0.1:0", true
	srv, err := server.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Shutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitForLeader(ctx); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		node := fmt.Sprintf("node-%d", i)
		_, err := srv.Register(ctx, &state.Registration{
			Node:    state.Node{Node: node, Address: fmt.Sprintf("10.0.0.%d", i+1)},
			Service: &state.Service{ID: "web", Name: "web", Port: 8080, Tags: []string{"v1"}},
			Checks: []*state.HealthCheck{{Node: node, CheckID: "service:web", Name: "web check",
				Status: state.HealthPassing, ServiceID: "web", ServiceName: "web"}},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return New(Config{Datacenter: "dc1", NodeName: "bench"}, srv, nil, nil, slog.New(slog.DiscardHandler)), srv
}

// BenchmarkHealthServicePassing is the handler cost of the hottest read,
// GET /v1/health/service/web?passing with 10 instances, without the
// network: go test ./agent/httpapi -bench HealthService -benchmem
func BenchmarkHealthServicePassing(b *testing.B) {
	api, _ := testAPI(b, 10)
	h := api.Handler()
	req := httptest.NewRequest(http.MethodGet, "/v1/health/service/web?passing", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkCatalogRegister is PUT /v1/catalog/register through Raft and
// the FSM, 32 clients at once as in bench/http.sh, without the network.
func BenchmarkCatalogRegister(b *testing.B) {
	api, _ := testAPI(b, 0)
	h := api.Handler()
	body := `{"Node":"ext1","Address":"10.0.0.1","Service":{"ID":"ext-web","Service":"ext-web","Port":80}}`
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/v1/catalog/register", strings.NewReader(body)))
			if w.Code != http.StatusOK {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
}

// BenchmarkKVGet is GET /v1/kv/:key for a 100-byte value, without the
// network: go test ./agent/httpapi -bench KV -benchmem
func BenchmarkKVGet(b *testing.B) {
	api, _ := testAPI(b, 0)
	h := api.Handler()
	put := httptest.NewRecorder()
	h.ServeHTTP(put, httptest.NewRequest(http.MethodPut, "/v1/kv/bench/key", strings.NewReader(strings.Repeat("x", 100))))
	if put.Code != http.StatusOK {
		b.Fatalf("put: %d %s", put.Code, put.Body)
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/kv/bench/key", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkKVPut is PUT /v1/kv/:key through Raft and the FSM, 32 clients
// at once as in bench/kv.sh, without the network.
func BenchmarkKVPut(b *testing.B) {
	api, _ := testAPI(b, 0)
	h := api.Handler()
	value := strings.Repeat("x", 100)
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/v1/kv/bench/key", strings.NewReader(value)))
			if w.Code != http.StatusOK {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
}
