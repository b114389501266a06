package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHealthService measures one /v1/health/service read of 100
// instances through the client: request, headers and decoding.
func BenchmarkHealthService(b *testing.B) {
	entries := make([]*ServiceEntry, 100)
	for i := range entries {
		entries[i] = &ServiceEntry{
			Node:    &Node{Node: fmt.Sprintf("node-%d", i), Address: "10.0.0.1", Datacenter: "dc1", TaggedAddresses: map[string]string{"lan": "10.0.0.1"}},
			Service: &AgentService{ID: fmt.Sprintf("web-%d", i), Service: "web", Tags: []string{"v1"}, Port: 8080, Weights: AgentWeights{Passing: 1, Warning: 1}},
			Checks:  HealthChecks{{Node: "n", CheckID: "serfHealth", Status: HealthPassing}, {Node: "n", CheckID: "service:web", Status: HealthPassing}},
		}
	}
	body, err := json.Marshal(entries)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Consul-Index", "10")
		w.Header().Set("X-Consul-LastContact", "0")
		w.Header().Set("X-Consul-KnownLeader", "true")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := NewClient(&Config{Address: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer c.http.CloseIdleConnections()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		out, _, err := c.Health().Service("web", "", true, nil)
		if err != nil || len(out) != 100 {
			b.Fatalf("%d entries, %v", len(out), err)
		}
	}
}
