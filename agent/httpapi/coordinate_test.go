package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

func TestSortNear(t *testing.T) {
	s := &Server{cfg: Config{NodeName: "me"}}
	at := func(node string, x float64) *state.Coordinate {
		return &state.Coordinate{Node: node, Coord: &state.Coord{Vec: []float64{x, 0}}}
	}
	coords := []*state.Coordinate{at("me", 0), at("a", 0.5), at("b", 0.1), at("c", 0.1), at("Far", 9),
		{Node: "seg", Segment: "alpha", Coord: &state.Coord{Vec: []float64{0, 0}}},
		{Node: "odd", Coord: &state.Coord{Vec: []float64{0}}}}
	tests := []struct {
		name  string
		near  string
		items []string
		want  []string
	}{
		{"no near", "", []string{"a", "me", "b"}, []string{"a", "me", "b"}},
		{"near without a coordinate", "x", []string{"a", "me", "b"}, []string{"a", "me", "b"}},
		{"by distance, ties stable", "me", []string{"a", "c", "far", "b", "me"}, []string{"me", "c", "b", "a", "far"}},
		{"unknown and incompatible last, in order", "me", []string{"x", "a", "odd", "seg", "me"}, []string{"me", "a", "x", "odd", "seg"}},
		{"_agent is this node", "_agent", []string{"far", "b", "me"}, []string{"me", "b", "far"}},
		{"names ignore case", "FAR", []string{"me", "a", "far"}, []string{"far", "a", "me"}},
	}
	for _, tt := range tests {
		items := slices.Clone(tt.items)
		sortNear(s, tt.near, coords, items, func(n string) string { return n })
		if !slices.Equal(items, tt.want) {
			t.Errorf("%s: = %v, want %v", tt.name, items, tt.want)
		}
	}
}

func TestResolveNearAgent(t *testing.T) {
	tests := []struct{ query, want string }{
		{"", ""},
		{"near=_agent", "near=me"},
		{"near=_agent&tag=a&tag=b", "near=me&tag=a&tag=b"},
		{"near=other", "near=other"},
		{"filter=_agent", "filter=_agent"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/v1/catalog/nodes?"+tt.query, nil)
		resolveNearAgent(r, "me")
		if r.URL.RawQuery != tt.want {
			t.Errorf("%q: = %q, want %q", tt.query, r.URL.RawQuery, tt.want)
		}
	}
}

// coordAPI starts a dev server that writes coordinates every few
// milliseconds, with nodes node-0..node-3 running "web", and an API
// whose agent is node-2.
func coordAPI(t testing.TB) http.Handler {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.NodeName, cfg.RaftAddr, cfg.Dev = "coord", "127.0.0.1:0", true
	cfg.CoordinateUpdatePeriod = 5 * time.Millisecond
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitForLeader(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		node := fmt.Sprintf("node-%d", i)
		if _, err := srv.Register(ctx, &state.Registration{Node: state.Node{Node: node, Address: "10.0.0.1"},
			Service: &state.Service{ID: "web", Name: "web", Port: 80}}); err != nil {
			t.Fatal(err)
		}
	}
	return New(Config{Datacenter: "dc1", NodeName: "node-2"}, srv, nil, nil, slog.New(slog.DiscardHandler)).Handler()
}

func TestCoordinateEndpoints(t *testing.T) {
	h := coordAPI(t)
	for _, bad := range []string{`{`, `{"Coord":{"Vec":[0]}}`, `{"Node":"node-0"}`, `{"Node":"node-0","Coord":{"Vec":[]}}`} {
		if code, body := doAs(h, "", http.MethodPut, "/v1/coordinate/update", bad); code != http.StatusBadRequest {
			t.Errorf("update %s = %d %s, want 400", bad, code, body)
		}
	}
	for node, x := range map[string]float64{"node-0": 0, "node-1": 0.010, "node-2": 0.002} {
		body := fmt.Sprintf(`{"Node":%q,"Segment":"","Coord":{"Vec":[%v,0,0,0,0,0,0,0],"Error":1.5,"Adjustment":0,"Height":0.0001}}`, node, x)
		mustDo(t, h, http.MethodPut, "/v1/coordinate/update", body, nil)
	}
	// The batch lands within a few periods: block on the index until it does.
	var entries []api.CoordinateEntry
	index := "0"
	deadline := time.Now().Add(10 * time.Second)
	for len(entries) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("coordinates = %+v", entries)
		}
		req := httptest.NewRequest(http.MethodGet, "/v1/coordinate/nodes?wait=2s&index="+index, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("nodes = %d %s", w.Code, w.Body)
		}
		index = w.Header().Get("X-Consul-Index")
		if err := json.Unmarshal(w.Body.Bytes(), &entries); err != nil {
			t.Fatal(err)
		}
	}
	if entries[1].Node != "node-1" || entries[1].Coord.Vec[0] != 0.010 || entries[1].Coord.Height != 0.0001 {
		t.Fatalf("entries = %+v", entries)
	}
	var one []api.CoordinateEntry
	mustDo(t, h, http.MethodGet, "/v1/coordinate/node/node-2", "", &one)
	if len(one) != 1 || one[0].Node != "node-2" {
		t.Fatalf("node-2 = %+v", one)
	}
	if code, body := doAs(h, "", http.MethodGet, "/v1/coordinate/node/node-3", ""); code != http.StatusNotFound || body != "" {
		t.Fatalf("node without a coordinate = %d %q, want 404 without a body", code, body)
	}
	var dcs []api.CoordinateDatacenterMap
	mustDo(t, h, http.MethodGet, "/v1/coordinate/datacenters", "", &dcs)
	if len(dcs) != 1 || dcs[0].Datacenter != "dc1" || dcs[0].AreaID != "wan" || dcs[0].Coordinates == nil {
		t.Fatalf("datacenters = %+v", dcs)
	}

	tests := []struct {
		path string
		want []string
	}{
		{"/v1/catalog/nodes?near=node-0", []string{"node-0", "node-2", "node-1", "node-3"}},
		{"/v1/catalog/nodes?near=node-1", []string{"node-1", "node-2", "node-0", "node-3"}},
		{"/v1/catalog/nodes?near=nobody", []string{"node-0", "node-1", "node-2", "node-3"}},
		{"/v1/catalog/nodes?near=_agent", []string{"node-2", "node-0", "node-1", "node-3"}},
		{"/v1/catalog/service/web?near=node-1", []string{"node-1", "node-2", "node-0", "node-3"}},
		{"/v1/health/service/web?near=_agent", []string{"node-2", "node-0", "node-1", "node-3"}},
		{"/v1/health/service/web?near=node-0&filter=" + url.QueryEscape(`Node.Node != "node-2"`), []string{"node-0", "node-1", "node-3"}},
	}
	for _, tt := range tests {
		code, body := doAs(h, "", http.MethodGet, tt.path, "")
		if code != http.StatusOK {
			t.Fatalf("%s = %d %s", tt.path, code, body)
		}
		var got []string
		for _, chunk := range strings.Split(body, `"Node":"`)[1:] {
			name, _, _ := strings.Cut(chunk, `"`)
			if len(got) == 0 || got[len(got)-1] != name {
				got = append(got, name)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: nodes %v, want %v", tt.path, got, tt.want)
		}
	}
}

// FuzzCoordinateUpdate feeds arbitrary bodies to PUT /v1/coordinate/update:
// a malformed body is the client's error, never a 5xx.
func FuzzCoordinateUpdate(f *testing.F) {
	f.Add(`{"Node":"node-0","Segment":"","Coord":{"Vec":[0,0,0,0,0,0,0,0],"Error":1.5,"Adjustment":0,"Height":0.0001}}`)
	f.Add(`{"Node":"ghost","Coord":{"Vec":[1e308,1e308],"Height":1e308}}`)
	f.Add(`{"Node":"node-0","Coord":{"Vec":[0],"Error":-1,"Adjustment":-5}}`)
	f.Add(`{"Node":"node-0","Coord":null}`)
	f.Add(`[]`)
	h := coordAPI(f)
	f.Fuzz(func(t *testing.T, body string) {
		code, out := doAs(h, "", http.MethodPut, "/v1/coordinate/update", body)
		if code >= 500 {
			t.Fatalf("%q: %d %s", body, code, out)
		}
	})
}

// BenchmarkSortNear is the cost ?near adds to a list of 1000 instances,
// every node with a coordinate.
func BenchmarkSortNear(b *testing.B) {
	const n = 1000
	s := &Server{cfg: Config{NodeName: "node-0"}}
	coords := make([]*state.Coordinate, n)
	items := make([]*api.ServiceEntry, n)
	for i := range n {
		name := fmt.Sprintf("node-%d", i)
		vec := make([]float64, 8)
		vec[i%8] = float64(i%97) / 1000
		coords[i] = &state.Coordinate{Node: name, Coord: &state.Coord{Vec: vec, Height: 1e-5}}
		items[i] = &api.ServiceEntry{Node: &api.Node{Node: name}}
	}
	work := make([]*api.ServiceEntry, n)
	b.ReportAllocs()
	for b.Loop() {
		copy(work, items)
		sortNear(s, "node-0", coords, work, func(e *api.ServiceEntry) string { return e.Node.Node })
	}
}
