package dns_test

import (
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/pylonmesh/pylon/acl"
	pdns "github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/dns/dnstest"
)

// addrs returns the sorted addresses of the A and AAAA answers of m.
func addrs(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		switch rr := rr.(type) {
		case *dns.A:
			out = append(out, rr.A.String())
		case *dns.AAAA:
			out = append(out, rr.AAAA.String())
		}
	}
	slices.Sort(out)
	return out
}

func TestAnswersFollowHealth(t *testing.T) {
	cat := fixture()
	s := newServer(t, cat, nil)
	strict := newServer(t, cat, func(c *pdns.Config) { c.OnlyPassing = true })
	steps := []struct {
		node, id, status string
		want, wantStrict []string // nil: NXDOMAIN
	}{
		// node6's instance is IPv6 only: it never answers A, but while it is
		// passing the name exists (NODATA rather than NXDOMAIN).
		{"node6", "web6", pdns.StatusCritical, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
		{"node2", "web2", pdns.StatusCritical, []string{"10.0.0.1", "10.0.0.3"}, []string{"10.0.0.1", "10.0.0.3"}},
		{"node2", "web2", pdns.StatusWarning, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, []string{"10.0.0.1", "10.0.0.3"}},
		{"node3", "web3", pdns.StatusMaintenance, []string{"10.0.0.1", "10.0.0.2"}, []string{"10.0.0.1"}},
		{"node1", "web1", pdns.StatusCritical, []string{"10.0.0.2"}, nil},
		{"node2", "web2", pdns.StatusCritical, nil, nil},
		{"node2", "web2", pdns.StatusPassing, []string{"10.0.0.2"}, []string{"10.0.0.2"}},
	}
	for i, st := range steps {
		if st.node != "" && !cat.SetStatus(st.node, st.id, st.status) {
			t.Fatalf("step %d: no instance %s/%s", i, st.node, st.id)
		}
		for _, c := range []struct {
			name string
			s    *pdns.Server
			want []string
		}{{"default", s, st.want}, {"only_passing", strict, st.wantStrict}} {
			m := ask(t, c.s, "tcp", "web.service.consul.", dns.TypeA, nil)
			got := addrs(m)
			if c.want == nil {
				if m.Rcode != dns.RcodeNameError {
					t.Errorf("step %d %s: rcode %s answers %v, want NXDOMAIN", i, c.name, rcode(m), got)
				}
				continue
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("step %d (%s %s) %s: answers %v, want %v", i, st.id, st.status, c.name, got, c.want)
			}
		}
	}
}

func TestSRVWeightsFollowHealth(t *testing.T) {
	cat := dnstest.NewCatalog()
	n := pdns.Node{Name: "n1", Address: "10.0.0.1", Datacenter: "dc1"}
	cat.AddInstance(pdns.Instance{Node: n, ServiceID: "api", ServiceName: "api", Port: 80, Status: pdns.StatusPassing, Weights: pdns.Weights{Passing: 10, Warning: 2}})
	s := newServer(t, cat, nil)
	weight := func() uint16 {
		m := ask(t, s, "udp", "api.service.consul.", dns.TypeSRV, nil)
		must(t, len(m.Answer) == 1, "answers %v", m.Answer)
		return m.Answer[0].(*dns.SRV).Weight
	}
	if w := weight(); w != 10 {
		t.Errorf("passing weight %d, want 10", w)
	}
	cat.SetStatus("n1", "api", pdns.StatusWarning)
	if w := weight(); w != 2 {
		t.Errorf("warning weight %d, want 2", w)
	}
}

func TestTTLs(t *testing.T) {
	s := newServer(t, fixture(), func(c *pdns.Config) {
		c.NodeTTL = 10 * time.Second
		c.ServiceTTL = map[string]time.Duration{"*": 5 * time.Second, "db": 30 * time.Second, "d*": 40 * time.Second,
			"w*": 15 * time.Second, "web*": 25 * time.Second}
		c.SOA.MinTTL = 7
	})
	cases := []struct {
		name  string
		qtype uint16
		want  uint32
	}{
		{"web.service.consul.", dns.TypeA, 25},       // longest prefix
		{"web.service.consul.", dns.TypeSRV, 25},     // and its extras
		{"warn.service.consul.", dns.TypeA, 15},      // shorter prefix
		{"db.service.consul.", dns.TypeA, 30},        // exact beats prefix
		{"consul.service.consul.", dns.TypeA, 5},     // "*"
		{"web.connect.consul.", dns.TypeA, 25},       // the service's TTL
		{"node1.node.consul.", dns.TypeA, 10},        // node_ttl, extras too
		{"0a000001.addr.consul.", dns.TypeA, 10},     // node_ttl
		{"consul.", dns.TypeNS, 10},                  // node_ttl
		{"1.0.0.10.in-addr.arpa.", dns.TypePTR, 10},  // node PTR: node_ttl
		{"5.0.1.10.in-addr.arpa.", dns.TypePTR, 30},  // service PTR: service_ttl
		{"nope.service.consul.", dns.TypeA, 7},       // the SOA: its min TTL
		{"web.service.consul.", dns.TypeTXT, 25},     // service TXT
		{"node1.node.consul.", dns.TypeTXT, 10},      // node TXT
		{"alias.service.consul.", dns.TypeA, 5},      // the CNAME, then web's records (checked below)
		{"web.service.consul.", dns.TypeAAAA, 25},    // AAAA
		{"web.service.dc2.consul.", dns.TypeSRV, 25}, // other datacenter
	}
	for _, tc := range cases {
		m := ask(t, s, "tcp", tc.name, tc.qtype, nil)
		var all []dns.RR
		all = append(append(append(all, m.Answer...), m.Ns...), m.Extra...)
		must(t, len(all) > 0, "%s %s: empty response", tc.name, dns.TypeToString[tc.qtype])
		for _, rr := range all {
			want := tc.want
			if tc.name == "alias.service.consul." && rr.Header().Rrtype == dns.TypeA {
				want = 25
			}
			if rr.Header().Ttl != want {
				t.Errorf("%s %s: %s has TTL %d, want %d", tc.name, dns.TypeToString[tc.qtype], collapse(rr.String()), rr.Header().Ttl, want)
			}
		}
	}
}

func TestSOATimers(t *testing.T) {
	s := newServer(t, fixture(), func(c *pdns.Config) {
		c.SOA = pdns.SOAConfig{Refresh: 1, Retry: 2, Expire: 3, MinTTL: 4}
	})
	before := uint32(time.Now().Unix())
	m := ask(t, s, "udp", "consul.", dns.TypeSOA, nil)
	must(t, len(m.Answer) == 1, "answers %v", m.Answer)
	soa := m.Answer[0].(*dns.SOA)
	must(t, soa.Hdr.Ttl == 4 && soa.Refresh == 1 && soa.Retry == 2 && soa.Expire == 3 && soa.Minttl == 4,
		"SOA %s", soa)
	must(t, soa.Serial >= before && soa.Serial <= uint32(time.Now().Unix()), "serial %d is not the unix time", soa.Serial)
	must(t, soa.Ns == "ns.consul." && soa.Mbox == "hostmaster.consul.", "SOA names %s", soa)
}

func TestACLFiltersAnswers(t *testing.T) {
	var deny denyNames
	deny.Authorizer = acl.AllowAll()
	cat := fixture()
	cfg := pdns.DefaultConfig("dc1")
	s, err := pdns.New(cfg, cat, func() acl.Authorizer { return deny }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		services, nodes []string
		name            string
		qtype           uint16
		rcode           int
		want            []string
	}{
		{nil, nil, "web.service.consul.", dns.TypeA, dns.RcodeSuccess, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
		{[]string{"web"}, nil, "web.service.consul.", dns.TypeA, dns.RcodeNameError, nil},
		{[]string{"web"}, nil, "web.connect.consul.", dns.TypeA, dns.RcodeNameError, nil},
		{nil, []string{"node2"}, "web.service.consul.", dns.TypeA, dns.RcodeSuccess, []string{"10.0.0.1", "10.0.0.3"}},
		{nil, []string{"node2"}, "node2.node.consul.", dns.TypeA, dns.RcodeNameError, nil},
		{nil, []string{"node1"}, "1.0.0.10.in-addr.arpa.", dns.TypePTR, dns.RcodeServerFailure, nil},
		{[]string{"db"}, nil, "5.0.1.10.in-addr.arpa.", dns.TypePTR, dns.RcodeServerFailure, nil},
		{[]string{"consul"}, nil, "consul.", dns.TypeNS, dns.RcodeSuccess, nil},
	}
	for _, tc := range cases {
		deny.services, deny.nodes = tc.services, tc.nodes
		m := ask(t, s, "tcp", tc.name, tc.qtype, nil)
		if m.Rcode != tc.rcode || !slices.Equal(addrs(m), tc.want) {
			t.Errorf("deny %v/%v %s: rcode %s answers %v, want %s %v", tc.services, tc.nodes, tc.name, rcode(m), addrs(m), dns.RcodeToString[tc.rcode], tc.want)
		}
		if tc.qtype == dns.TypeNS && len(m.Answer) != 0 {
			t.Errorf("NS with consul denied: %v", m.Answer)
		}
	}
}

func TestStaleViews(t *testing.T) {
	cases := []struct {
		allowStale bool
		maxStale   time.Duration
		lag        time.Duration
		want       int
	}{
		{true, 87600 * time.Hour, time.Hour, dns.RcodeSuccess},
		{true, 5 * time.Second, 4 * time.Second, dns.RcodeSuccess},
		{true, 5 * time.Second, 6 * time.Second, dns.RcodeServerFailure},
		{false, 0, 0, dns.RcodeSuccess},
		{false, time.Hour, time.Millisecond, dns.RcodeServerFailure},
	}
	for _, tc := range cases {
		cat := fixture()
		cat.SetLag(tc.lag)
		s := newServer(t, cat, func(c *pdns.Config) { c.AllowStale, c.MaxStale = tc.allowStale, tc.maxStale })
		m := ask(t, s, "udp", "web.service.consul.", dns.TypeA, nil)
		if m.Rcode != tc.want {
			t.Errorf("allow_stale=%v max_stale=%s lag=%s: rcode %s, want %s", tc.allowStale, tc.maxStale, tc.lag, rcode(m), dns.RcodeToString[tc.want])
		}
	}
}

// queryCatalog adds prepared queries to the fixture: "webq" returns the web
// instances of dc1 in catalog order with a 42s TTL.
type queryCatalog struct {
	*dnstest.Catalog
	got []pdns.PreparedQueryRequest
}

func (q *queryCatalog) PreparedQuery(req pdns.PreparedQueryRequest) (pdns.PreparedQueryResult, bool) {
	q.got = append(q.got, req)
	if req.Name != "webq" {
		return pdns.PreparedQueryResult{}, false
	}
	return pdns.PreparedQueryResult{Instances: q.ServiceInstances("dc1", "web"), Datacenter: "dc1", TTL: 42 * time.Second, HasTTL: true}, true
}

func TestPreparedQueryHook(t *testing.T) {
	t.Run("absent", func(t *testing.T) {
		s := newServer(t, fixture(), nil)
		m := ask(t, s, "udp", "webq.query.consul.", dns.TypeA, nil)
		must(t, m.Rcode == dns.RcodeNameError, "without prepared queries: rcode %s, want NXDOMAIN", rcode(m))
	})
	q := &queryCatalog{Catalog: fixture()}
	s := newServer(t, q, nil)
	m := ask(t, s, "udp", "webq.query.consul.", dns.TypeA, nil)
	// In the query's order (node1, node2, node3; node6 has no A), not shuffled.
	got := []string{}
	for _, rr := range m.Answer {
		got = append(got, rr.(*dns.A).A.String())
		must(t, rr.Header().Ttl == 42, "TTL %d, want the query's 42", rr.Header().Ttl)
	}
	must(t, slices.Equal(got, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}), "answers %v", got)
	m = ask(t, s, "udp", "_webq._tcp.query.dc1.consul.", dns.TypeSRV, nil)
	must(t, len(m.Answer) == 3, "SRV answers %v", m.Answer)
	m = ask(t, s, "udp", "other.query.consul.", dns.TypeA, nil)
	must(t, m.Rcode == dns.RcodeNameError, "unknown query: rcode %s", rcode(m))
	last := q.got[len(q.got)-1]
	must(t, last.Name == "other" && last.Datacenter == "dc1" && last.Agent == "node1" && last.Source.String() == "127.0.0.1",
		"request %+v", last)
}
