package preparedquery

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

func TestExecuteSortsByDistance(t *testing.T) {
	at := func(node string, x float64) *state.Coordinate {
		return &state.Coordinate{Node: node, Coord: &state.Coord{Vec: []float64{x, 0, 0, 0, 0, 0, 0, 0}}}
	}
	// The query keeps n1, n2 and n6 of the fixture.
	tests := []struct {
		name   string
		coords []*state.Coordinate
		opts   Options
		want   []string // nil: only the first is checked
		first  string
	}{
		{"from n2", []*state.Coordinate{at("n1", 0), at("n2", 0.005), at("n6", 0.001)},
			Options{Near: "n2"}, []string{"n2", "n6", "n1"}, ""},
		{"from n1", []*state.Coordinate{at("n1", 0), at("n2", 0.005), at("n6", 0.001)},
			Options{Near: "N1"}, []string{"n1", "n6", "n2"}, ""},
		{"from the agent's node", []*state.Coordinate{at("n1", 0), at("n2", 0.005), at("n6", 0.001)},
			Options{Near: NearAgent, Agent: "n2"}, []string{"n2", "n6", "n1"}, ""},
		{"from the client's address", []*state.Coordinate{at("n1", 0), at("n2", 0.005), at("n6", 0.001)},
			Options{Near: NearIP, Source: netip.MustParseAddr("10.0.0.2")}, []string{"n2", "n6", "n1"}, ""},
		{"nodes without a coordinate last", []*state.Coordinate{at("n1", 0), at("n2", 0.005)},
			Options{Near: "n1"}, []string{"n1", "n2", "n6"}, ""},
		{"near node without a coordinate goes first", []*state.Coordinate{at("n1", 0), at("n2", 0.005)},
			Options{Near: "n6"}, nil, "n6"},
		{"limit after sorting", []*state.Coordinate{at("n1", 0), at("n2", 0.005), at("n6", 0.001)},
			Options{Near: "n2", Limit: 2}, []string{"n2", "n6"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture(t)
			if err := s.CoordinateBatchUpdate(100, tt.coords); err != nil {
				t.Fatal(err)
			}
			q := &state.PreparedQuery{ID: "q", Name: "q", Service: state.ServiceQuery{Service: "web"}}
			for range 10 { // shuffled first: the sort must not depend on it
				res, err := Execute(s, q, tt.opts)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, csn := range res.Nodes {
					got = append(got, csn.Node.Node)
				}
				if tt.want != nil && !slices.Equal(got, tt.want) {
					t.Fatalf("order %v, want %v", got, tt.want)
				}
				if tt.first != "" && got[0] != tt.first {
					t.Fatalf("order %v, want %s first", got, tt.first)
				}
			}
		})
	}
}
