package preparedquery

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/server/state"
)

// instance describes one registered instance of "web" for the fixture.
type instance struct {
	node       string
	tags       []string
	nodeMeta   map[string]string
	meta       map[string]string
	nodeCheck  string // status of the node's serfHealth check, "" for none
	checks     map[string]string
	kind, dest string
}

// fixture registers: web on n1..n6 with assorted health, tags and meta, and
// a connect proxy for web on n7.
func fixture(t testing.TB) *state.Store {
	t.Helper()
	s, err := state.New()
	if err != nil {
		t.Fatal(err)
	}
	insts := []instance{
		{node: "n1", tags: []string{"v1", "primary"}, nodeMeta: map[string]string{"rack": "a"}, meta: map[string]string{"ver": "1"},
			checks: map[string]string{"c": state.HealthPassing}},
		{node: "n2", tags: []string{"V1"}, nodeMeta: map[string]string{"rack": "b"}, meta: map[string]string{"ver": "1"},
			checks: map[string]string{"c": state.HealthWarning}},
		{node: "n3", tags: []string{"v2"}, nodeMeta: map[string]string{"rack": "a"},
			checks: map[string]string{"c": state.HealthCritical}},
		{node: "n4", tags: []string{"v2", "canary"}, nodeMeta: map[string]string{"rack": "a"},
			nodeCheck: state.HealthCritical, checks: map[string]string{"c": state.HealthPassing}},
		{node: "n5", tags: []string{"v1"}, checks: map[string]string{"c": state.HealthPassing, "flaky": state.HealthCritical}},
		{node: "n6", tags: nil},
		{node: "n7", kind: state.KindConnectProxy, dest: "web", checks: map[string]string{"c": state.HealthPassing}},
	}
	for i, in := range insts {
		name := "web"
		if in.kind != "" {
			name = "web-proxy"
		}
		reg := &state.Registration{
			Node:    state.Node{Node: in.node, Address: fmt.Sprintf("10.0.0.%d", i+1), Meta: in.nodeMeta},
			Service: &state.Service{ID: name, Name: name, Tags: in.tags, Meta: in.meta, Port: 80, Kind: in.kind},
		}
		reg.Service.Proxy.DestinationServiceName = in.dest
		if in.nodeCheck != "" {
			reg.Checks = append(reg.Checks, &state.HealthCheck{CheckID: "serfHealth", Status: in.nodeCheck})
		}
		for _, id := range []string{"c", "flaky"} {
			if st, ok := in.checks[id]; ok {
				reg.Checks = append(reg.Checks, &state.HealthCheck{CheckID: id, ServiceID: name, Status: st})
			}
		}
		if err := s.EnsureRegistration(uint64(i+1), reg); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func nodeNames(csns []state.CheckServiceNode) []string {
	out := make([]string, 0, len(csns))
	for _, c := range csns {
		out = append(out, c.Node.Node)
	}
	slices.Sort(out)
	return out
}

func TestExecuteFilters(t *testing.T) {
	s := fixture(t)
	tests := []struct {
		name string
		svc  state.ServiceQuery
		opts Options
		want []string
	}{
		{"critical always dropped", state.ServiceQuery{}, Options{}, []string{"n1", "n2", "n6"}},
		{"only passing", state.ServiceQuery{OnlyPassing: true}, Options{}, []string{"n1", "n6"}},
		{"ignored check", state.ServiceQuery{IgnoreCheckIDs: []string{"flaky"}}, Options{}, []string{"n1", "n2", "n5", "n6"}},
		{"ignored node check", state.ServiceQuery{IgnoreCheckIDs: []string{"serfHealth", "flaky"}}, Options{},
			[]string{"n1", "n2", "n4", "n5", "n6"}},
		{"tag, any case", state.ServiceQuery{Tags: []string{"v1"}}, Options{}, []string{"n1", "n2"}},
		{"two tags", state.ServiceQuery{Tags: []string{"V1", "primary"}}, Options{}, []string{"n1"}},
		{"negated tag", state.ServiceQuery{Tags: []string{"!primary"}}, Options{}, []string{"n2", "n6"}},
		{"negated tag, any case", state.ServiceQuery{Tags: []string{"!V1"}}, Options{}, []string{"n6"}},
		{"node meta", state.ServiceQuery{NodeMeta: map[string]string{"rack": "a"}}, Options{}, []string{"n1"}},
		{"service meta", state.ServiceQuery{ServiceMeta: map[string]string{"ver": "1"}}, Options{}, []string{"n1", "n2"}},
		{"meta mismatch", state.ServiceQuery{ServiceMeta: map[string]string{"ver": "2"}}, Options{}, []string{}},
		{"connect query", state.ServiceQuery{Connect: true}, Options{}, []string{"n7"}},
		{"connect option", state.ServiceQuery{}, Options{Connect: true}, []string{"n7"}},
		{"authz", state.ServiceQuery{}, Options{Authz: denyNode{acl.AllowAll(), "n2"}}, []string{"n1", "n6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.svc.Service = "web"
			q := &state.PreparedQuery{ID: "q", Name: "q", Service: tt.svc, DNS: state.QueryDNSOptions{TTL: "7s"}}
			tt.opts.Datacenter = "dc1"
			res, err := Execute(s, q, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := nodeNames(res.Nodes); !slices.Equal(got, tt.want) {
				t.Errorf("nodes = %v, want %v", got, tt.want)
			}
			if res.Service != "web" || res.DNS.TTL != "7s" || res.Datacenter != "dc1" || res.Failovers != 0 || res.Index == 0 {
				t.Errorf("result = %+v", res)
			}
		})
	}
}

// denyNode is an Authorizer that may not read one node.
type denyNode struct {
	acl.Authorizer
	node string
}

func (d denyNode) NodeRead(n string) bool { return n != d.node }

var _ acl.Authorizer = denyNode{}

func TestExecuteLimitAndNear(t *testing.T) {
	s := fixture(t)
	q := &state.PreparedQuery{ID: "q", Name: "q", Service: state.ServiceQuery{Service: "web", Near: "n6"}}
	tests := []struct {
		name  string
		opts  Options
		first string // "" when any
		count int
	}{
		{"query near", Options{}, "n6", 3},
		{"limit keeps the near node", Options{Limit: 1}, "n6", 1},
		{"caller near overrides", Options{Near: "N2"}, "n2", 3},
		{"agent", Options{Near: NearAgent, Agent: "n1"}, "n1", 3},
		{"agent unknown", Options{Near: NearAgent}, "", 3},
		{"ip", Options{Near: NearIP, Source: netip.MustParseAddr("::ffff:10.0.0.2")}, "n2", 3},
		{"ip not a result", Options{Near: NearIP, Source: netip.MustParseAddr("10.9.9.9"), Limit: 2}, "", 2},
		{"unknown node", Options{Near: "nope", Limit: 10}, "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 20 { // the order is random; the near node must always lead
				res, err := Execute(s, q, tt.opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Nodes) != tt.count {
					t.Fatalf("%d nodes, want %d", len(res.Nodes), tt.count)
				}
				if tt.first != "" && res.Nodes[0].Node.Node != tt.first {
					t.Fatalf("first node = %s, want %s", res.Nodes[0].Node.Node, tt.first)
				}
			}
		})
	}
}

func TestExecuteShuffles(t *testing.T) {
	s := fixture(t)
	q := &state.PreparedQuery{ID: "q", Name: "q", Service: state.ServiceQuery{Service: "web"}}
	firsts := map[string]bool{}
	for i := 0; i < 200 && len(firsts) < 3; i++ {
		res, err := Execute(s, q, Options{})
		if err != nil {
			t.Fatal(err)
		}
		firsts[res.Nodes[0].Node.Node] = true
	}
	if len(firsts) < 3 { // (1/3)^199 odds of a false failure
		t.Errorf("after 200 runs only %v came first", firsts)
	}
	// Shuffling works on a copy: the store's cached list keeps its order.
	_, csns, _ := s.CheckServiceNodes(nil, "web", false)
	if !slices.IsSortedFunc(csns, func(a, b state.CheckServiceNode) int { return cmp.Compare(a.Node.Node, b.Node.Node) }) {
		t.Errorf("store list reordered: %v", csns)
	}
}

func TestLookup(t *testing.T) {
	s := fixture(t)
	tmpl := &state.PreparedQuery{ID: "bbbbbbbb-0000-0000-0000-000000000000", Name: "svc-",
		Service:  state.ServiceQuery{Service: "${name.suffix}", OnlyPassing: true},
		Template: state.QueryTemplate{Type: state.QueryTemplateNamePrefixMatch}}
	if err := s.PreparedQuerySet(10, tmpl); err != nil {
		t.Fatal(err)
	}
	res, err := Lookup(s, "svc-web", Options{})
	if err != nil || res.Service != "web" || !slices.Equal(nodeNames(res.Nodes), []string{"n1", "n6"}) {
		t.Fatalf("Lookup(svc-web) = %+v, %v", res, err)
	}
	if _, err := Lookup(s, "nothing", Options{}); !errors.Is(err, state.ErrQueryNotFound) {
		t.Errorf("Lookup(nothing) = %v, want ErrQueryNotFound", err)
	}
	if _, err := Lookup(s, tmpl.ID, Options{}); !errors.Is(err, state.ErrTemplateByID) {
		t.Errorf("Lookup(template ID) = %v, want ErrTemplateByID", err)
	}
	res, err = Lookup(s, "svc-unknown", Options{})
	if err != nil || res.Service != "unknown" || len(res.Nodes) != 0 {
		t.Errorf("Lookup(svc-unknown) = %+v, %v", res, err)
	}
}
