package preparedquery

import (
	"fmt"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

// BenchmarkExecute runs a query with a tag filter over a service of 10
// passing instances, each with a node check and a service check, as a DNS
// <name>.query lookup would:
// go test ./server/preparedquery -bench Execute -benchmem
func BenchmarkExecute(b *testing.B) {
	s, err := state.New()
	if err != nil {
		b.Fatal(err)
	}
	for i := range 10 {
		node := fmt.Sprintf("node-%d", i)
		err := s.EnsureRegistration(uint64(i+1), &state.Registration{
			Node:    state.Node{Node: node, Address: fmt.Sprintf("10.0.0.%d", i+1), Meta: map[string]string{"rack": "a"}},
			Service: &state.Service{ID: "web", Name: "web", Port: 8080, Tags: []string{"v1", "http"}},
			Checks: []*state.HealthCheck{
				{CheckID: "serfHealth", Status: state.HealthPassing},
				{CheckID: "service:web", ServiceID: "web", Status: state.HealthPassing},
			},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	q := &state.PreparedQuery{ID: "q", Name: "web", Service: state.ServiceQuery{Service: "web", Tags: []string{"v1", "!canary"},
		NodeMeta: map[string]string{"rack": "a"}, OnlyPassing: true}}
	opts := Options{Datacenter: "dc1", Limit: 3}
	b.ReportAllocs()
	for b.Loop() {
		res, err := Execute(s, q, opts)
		if err != nil || len(res.Nodes) != 3 {
			b.Fatalf("Execute = %d nodes, %v", len(res.Nodes), err)
		}
	}
}
