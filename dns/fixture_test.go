package dns_test

import (
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/miekg/dns"
	"github.com/pylonmesh/pylon/acl"
	pdns "github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/dns/dnstest"
)

// fixture builds the catalog most tests answer from:
//
//	dc1: node1 10.0.0.1 (meta), node2 10.0.0.2, node3 10.0.0.3, node6 fd00::6,
//	     nodeh (address host.example.org.), and "dotted.node" 10.0.0.9
//	  web   on node1 (v1, primary), node2 (v2), node3 (v2) port 8080; node6 port 8080
//	  db    on node1 with its own address 10.1.0.5 port 5432
//	  ext   on node2 with a hostname address, port 80
//	  alias on node3 with address web.service.consul
//	  sick  on node1, critical; warn on node2, warning
//	  consul on node1, node2, node3 port 8300 (the servers)
//	  web's connect proxy "web-sidecar-proxy" on node1 port 21000
//	dc2: nodex 192.168.0.1 with web port 9090
func fixture() *dnstest.Catalog {
	c := dnstest.NewCatalog()
	node1 := pdns.Node{Name: "node1", Address: "10.0.0.1", Datacenter: "dc1", Meta: map[string]string{"rack": "r1", "rfc1035-zone": "z1"},
		TaggedAddresses: map[string]string{"wan": "198.51.100.1"}}
	node2 := pdns.Node{Name: "node2", Address: "10.0.0.2", Datacenter: "dc1"}
	node3 := pdns.Node{Name: "node3", Address: "10.0.0.3", Datacenter: "dc1"}
	node6 := pdns.Node{Name: "node6", Address: "fd00::6", Datacenter: "dc1"}
	nodeh := pdns.Node{Name: "nodeh", Address: "host.example.org.", Datacenter: "dc1"}
	dotted := pdns.Node{Name: "dotted.node", Address: "10.0.0.9", Datacenter: "dc1"}
	nodex := pdns.Node{Name: "nodex", Address: "192.168.0.1", Datacenter: "dc2",
		TaggedAddresses: map[string]string{"wan": "203.0.113.1"}}
	for _, n := range []pdns.Node{nodeh, dotted} {
		c.AddNode(n)
	}
	add := func(n pdns.Node, id, name, addr string, port int, status string, tags ...string) {
		c.AddInstance(pdns.Instance{Node: n, ServiceID: id, ServiceName: name, Address: addr, Port: port, Status: status, Tags: tags})
	}
	add(node1, "web1", "web", "", 8080, pdns.StatusPassing, "v1", "primary")
	add(node2, "web2", "web", "", 8080, pdns.StatusPassing, "v2")
	add(node3, "web3", "web", "", 8080, pdns.StatusPassing, "v2")
	add(node6, "web6", "web", "", 8080, pdns.StatusPassing)
	add(node1, "db", "db", "10.1.0.5", 5432, pdns.StatusPassing)
	add(node2, "ext", "ext", "ext.example.org", 80, pdns.StatusPassing)
	add(node3, "alias", "alias", "web.service.consul", 80, pdns.StatusPassing)
	add(node1, "sick", "sick", "", 1, pdns.StatusCritical)
	add(node2, "warn", "warn", "", 2, pdns.StatusWarning)
	for _, n := range []pdns.Node{node1, node2, node3} {
		add(n, "consul", "consul", "", 8300, pdns.StatusPassing)
	}
	add(nodex, "webx", "web", "", 9090, pdns.StatusPassing)
	c.AddConnectInstance("web", pdns.Instance{Node: node1, ServiceID: "web-sidecar-proxy", ServiceName: "web-sidecar-proxy",
		Kind: "connect-proxy", Port: 21000, Status: pdns.StatusPassing})
	return c
}

// newServer returns a server for dc1 over cat with the default config
// changed by edit.
func newServer(t testing.TB, cat pdns.Catalog, edit func(*pdns.Config)) *pdns.Server {
	t.Helper()
	cfg := pdns.DefaultConfig("dc1")
	cfg.NodeName = "node1"
	if edit != nil {
		edit(&cfg)
	}
	s, err := pdns.New(cfg, cat, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// ask sends name/qtype through s.ServeDNS over network ("udp" or "tcp"),
// after edit changes the request, and returns the response.
func ask(t testing.TB, s *pdns.Server, network, name string, qtype uint16, edit func(*dns.Msg)) *dns.Msg {
	t.Helper()
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	if edit != nil {
		edit(req)
	}
	rec := dnstest.NewRecorder(network)
	s.ServeDNS(rec, req)
	if rec.Writes() != 1 {
		t.Fatalf("%s %s: %d writes, want 1", name, dns.TypeToString[qtype], rec.Writes())
	}
	m := rec.Msg()
	if m == nil {
		t.Fatalf("%s %s: response does not unpack: %v", name, dns.TypeToString[qtype], rec.Err())
	}
	if m.Id != req.Id || !m.Response {
		t.Fatalf("%s: response id %d response=%v, want id %d", name, m.Id, m.Response, req.Id)
	}
	return m
}

// rrs renders records as sorted presentation lines ("name ttl IN A addr",
// tabs replaced by spaces), to compare ignoring order.
func rrs(records []dns.RR) []string {
	out := make([]string, 0, len(records))
	for _, rr := range records {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		if soa, ok := rr.(*dns.SOA); ok { // the serial is the clock
			c := *soa
			c.Serial = 0
			rr = &c
		}
		out = append(out, collapse(rr.String()))
	}
	slices.Sort(out)
	return out
}

func collapse(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '\t' {
			b[i] = ' '
		}
	}
	return string(b)
}

func ednsOf(size uint16) func(*dns.Msg) {
	return func(m *dns.Msg) { m.SetEdns0(size, false) }
}

// denyAll is an Authorizer denying reads of the named services and nodes.
type denyNames struct {
	acl.Authorizer
	services, nodes []string
}

func (d denyNames) ServiceRead(name string) bool { return !slices.Contains(d.services, name) }
func (d denyNames) NodeRead(name string) bool    { return !slices.Contains(d.nodes, name) }

func must(t testing.TB, cond bool, format string, args ...any) {
	t.Helper()
	if !cond {
		t.Fatalf(format, args...)
	}
}

func rcode(m *dns.Msg) string { return dns.RcodeToString[m.Rcode] }

// soaLine is the SOA of the default config, serial zeroed, as rrs renders it.
const soaLine = "consul. 0 IN SOA ns.consul. hostmaster.consul. 0 3600 600 86400 0"
