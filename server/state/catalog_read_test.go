package state

import (
	"maps"
	"slices"
	"testing"
)

// fixture registers, in order: web on n2 and n1 (tags), db on n1, a proxy
// and a native service for web, and a node check on n2.
func fixture(t *testing.T) *Store {
	t.Helper()
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n2", "web-2", "v2", "common"))
	mustRegister(t, s, 2, regWeb("n1", "web-1", "v1", "common"))
	mustRegister(t, s, 3, &Registration{Node: Node{Node: "n1", Address: "10.0.0.1", Meta: map[string]string{"rack": "a"}},
		Service: &Service{ID: "db", Name: "db", Tags: []string{"primary"}}})
	mustRegister(t, s, 4, &Registration{Node: Node{Node: "n3", Address: "10.0.0.3", Meta: map[string]string{"rack": "b"}},
		Service: &Service{ID: "web-proxy", Name: "web-sidecar-proxy", Kind: KindConnectProxy,
			Proxy: Proxy{DestinationServiceName: "web"}}})
	mustRegister(t, s, 5, &Registration{Node: Node{Node: "n3", Address: "10.0.0.3", Meta: map[string]string{"rack": "b"}},
		Service: &Service{ID: "native", Name: "web", Connect: ServiceConnect{Native: true}}})
	mustRegister(t, s, 6, &Registration{Node: Node{Node: "n2", Address: "10.0.0.1", Meta: map[string]string{"rack": "a"}},
		Checks: []*HealthCheck{{CheckID: "serfHealth", Status: HealthPassing}}})
	return s
}

func TestServices(t *testing.T) {
	s := fixture(t)
	tests := []struct {
		meta    map[string]string
		want    map[string][]string
		wantIdx uint64
	}{
		{nil, map[string][]string{"web": {"common", "v1", "v2"}, "db": {"primary"}, "web-sidecar-proxy": {}}, 5},
		{map[string]string{"rack": "a"}, map[string][]string{"web": {"common", "v1", "v2"}, "db": {"primary"}}, 5},
		{map[string]string{"rack": "b"}, map[string][]string{"web": {}, "web-sidecar-proxy": {}}, 5},
		{map[string]string{"rack": "z"}, map[string][]string{}, 5},
	}
	for _, tt := range tests {
		idx, got, err := s.Services(nil, tt.meta)
		if err != nil || idx != tt.wantIdx {
			t.Fatalf("Services(%v) index %d, %v", tt.meta, idx, err)
		}
		if !maps.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("Services(%v) = %v, want %v", tt.meta, got, tt.want)
		}
		for name, tags := range got {
			if tags == nil {
				t.Errorf("Services(%v)[%s] is nil, want empty", tt.meta, name)
			}
		}
	}
}

func TestServiceNodesAndConnect(t *testing.T) {
	s := fixture(t)
	tests := []struct {
		service string
		connect bool
		want    []string // node/service ID
		idx     uint64
	}{
		{"web", false, []string{"n1/web-1", "n2/web-2", "n3/native"}, 6},
		{"web", true, []string{"n3/native", "n3/web-proxy"}, 5},
		{"db", false, []string{"n1/db"}, 3},
		{"web-sidecar-proxy", false, []string{"n3/web-proxy"}, 4},
		{"nope", false, nil, 5},
	}
	for _, tt := range tests {
		idx, sns, err := s.ServiceNodes(nil, tt.service, tt.connect)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sn := range sns {
			if sn.Node == nil || sn.Node.Node != sn.Service.Node {
				t.Errorf("instance %s joined with node %v", sn.Service.ID, sn.Node)
			}
			got = append(got, sn.Service.Node+"/"+sn.Service.ID)
		}
		if !slices.Equal(got, tt.want) || idx != tt.idx {
			t.Errorf("ServiceNodes(%s, %v) = %v @%d, want %v @%d", tt.service, tt.connect, got, idx, tt.want, tt.idx)
		}
		cidx, csns, _ := s.CheckServiceNodes(nil, tt.service, tt.connect)
		if len(csns) != len(sns) || cidx != idx {
			t.Errorf("CheckServiceNodes(%s, %v) = %d @%d, want %d @%d", tt.service, tt.connect, len(csns), cidx, len(sns), idx)
		}
	}
}

func TestCheckServiceNodesChecks(t *testing.T) {
	s := fixture(t)
	_, csns, _ := s.CheckServiceNodes(nil, "web", false)
	want := []string{"n1/check-web-1", "n2/serfHealth,n2/check-web-2", ""}
	for i, c := range csns {
		if got := checkIDs(c.Checks); got != want[i] {
			t.Errorf("instance %s checks = %q, want %q", c.Service.ID, got, want[i])
		}
	}
}

func TestNodeServicesAndGetNode(t *testing.T) {
	s := fixture(t)
	idx, n, svcs, err := s.NodeServices(nil, "N1")
	if err != nil || n == nil || n.Node != "n1" || idx != 5 {
		t.Fatalf("NodeServices = %v @%d, %v", n, idx, err)
	}
	var ids []string
	for _, sv := range svcs {
		ids = append(ids, sv.ID)
	}
	if !slices.Equal(ids, []string{"db", "web-1"}) {
		t.Errorf("services = %v", ids)
	}
	if _, n, svcs, _ := s.NodeServices(nil, "nope"); n != nil || svcs != nil {
		t.Errorf("unknown node = %v, %v", n, svcs)
	}
	if idx, n, _ := s.GetNode(nil, "nope"); n != nil || idx != 4 {
		t.Errorf("GetNode(nope) = %v @%d", n, idx)
	}
	_, nodes, _ := s.Nodes(nil)
	var names []string
	for _, n := range nodes {
		names = append(names, n.Node)
	}
	if !slices.Equal(names, []string{"n1", "n2", "n3"}) {
		t.Errorf("Nodes = %v", names)
	}
}

func TestCheckReads(t *testing.T) {
	s := fixture(t)
	mustRegister(t, s, 7, &Registration{Node: Node{Node: "n1"}, SkipNodeUpdate: true,
		Checks: []*HealthCheck{{CheckID: "maint", Status: HealthCritical}}})
	tests := []struct {
		name string
		read func() (uint64, []*HealthCheck, error)
		want string
		idx  uint64
	}{
		{"node n1", func() (uint64, []*HealthCheck, error) { return s.NodeChecks(nil, "n1") },
			"n1/check-web-1,n1/maint", 7},
		{"service web", func() (uint64, []*HealthCheck, error) { return s.ServiceChecks(nil, "web") },
			"n1/check-web-1,n2/check-web-2", 7},
		{"state any", func() (uint64, []*HealthCheck, error) { return s.ChecksInState(nil, HealthAny) },
			"n1/check-web-1,n1/maint,n2/check-web-2,n2/serfHealth", 7},
		{"state critical", func() (uint64, []*HealthCheck, error) { return s.ChecksInState(nil, HealthCritical) },
			"n1/maint", 7},
		{"state warning", func() (uint64, []*HealthCheck, error) { return s.ChecksInState(nil, HealthWarning) },
			"", 7},
	}
	for _, tt := range tests {
		idx, got, err := tt.read()
		if err != nil || checkIDs(got) != tt.want || idx != tt.idx {
			t.Errorf("%s = %q @%d (%v), want %q @%d", tt.name, checkIDs(got), idx, err, tt.want, tt.idx)
		}
	}
}
