package dns_test

import (
	"slices"
	"testing"

	"github.com/miekg/dns"
	pdns "github.com/pylonmesh/pylon/dns"
)

// lookupCase is one query and the whole response expected for it: the
// records of each section, sorted (see rrs), and the rcode.
type lookupCase struct {
	name   string
	qtype  uint16
	rcode  int
	answer []string
	ns     []string
	extra  []string
}

func runLookups(t *testing.T, s *pdns.Server, cases []lookupCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name+"/"+dns.TypeToString[tc.qtype], func(t *testing.T) {
			// TCP: nothing is trimmed, so every record is compared.
			m := ask(t, s, "tcp", tc.name, tc.qtype, nil)
			if m.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", rcode(m), dns.RcodeToString[tc.rcode])
			}
			if !m.Authoritative {
				t.Errorf("AA not set on an answer for the domain")
			}
			sections := []struct {
				name      string
				got, want []string
			}{{"answer", rrs(m.Answer), tc.answer}, {"authority", rrs(m.Ns), tc.ns}, {"additional", rrs(m.Extra), tc.extra}}
			for _, sec := range sections {
				want := slices.Clone(sec.want)
				slices.Sort(want)
				if !slices.Equal(sec.got, want) {
					t.Errorf("%s section:\n got  %q\n want %q", sec.name, sec.got, want)
				}
			}
		})
	}
}

const node1TXT = "node1.node.dc1.consul. 0 IN TXT \"rack=r1\""
const node1Zone = "node1.node.dc1.consul. 0 IN TXT \"z1\""

func TestServiceLookups(t *testing.T) {
	s := newServer(t, fixture(), nil)
	webA := []string{"web.service.consul. 0 IN A 10.0.0.1", "web.service.consul. 0 IN A 10.0.0.2", "web.service.consul. 0 IN A 10.0.0.3"}
	srvAll := func(owner string) []string {
		return []string{
			owner + " 0 IN SRV 1 1 8080 node1.node.dc1.consul.", owner + " 0 IN SRV 1 1 8080 node2.node.dc1.consul.",
			owner + " 0 IN SRV 1 1 8080 node3.node.dc1.consul.", owner + " 0 IN SRV 1 1 8080 node6.node.dc1.consul.",
		}
	}
	srvExtra := []string{
		"node1.node.dc1.consul. 0 IN A 10.0.0.1", "node2.node.dc1.consul. 0 IN A 10.0.0.2", "node3.node.dc1.consul. 0 IN A 10.0.0.3",
		"node6.node.dc1.consul. 0 IN AAAA fd00::6", node1TXT, node1Zone,
	}
	runLookups(t, s, []lookupCase{
		{name: "web.service.consul.", qtype: dns.TypeA, answer: webA},
		{name: "web.service.consul.", qtype: dns.TypeAAAA, answer: []string{"web.service.consul. 0 IN AAAA fd00::6"}},
		{name: "web.service.consul.", qtype: dns.TypeANY, answer: append(slices.Clone(webA), "web.service.consul. 0 IN AAAA fd00::6")},
		{name: "web.service.consul.", qtype: dns.TypeSRV, answer: srvAll("web.service.consul."), extra: srvExtra},
		{name: "web.service.consul.", qtype: dns.TypeTXT, answer: []string{"web.service.consul. 0 IN TXT \"rack=r1\"", "web.service.consul. 0 IN TXT \"z1\""}},
		{name: "web.service.consul.", qtype: dns.TypeMX, ns: []string{soaLine}},
		{name: "WEB.Service.CONSUL.", qtype: dns.TypeA, answer: []string{"WEB.Service.CONSUL. 0 IN A 10.0.0.1", "WEB.Service.CONSUL. 0 IN A 10.0.0.2", "WEB.Service.CONSUL. 0 IN A 10.0.0.3"}},
		{name: "v1.web.service.consul.", qtype: dns.TypeA, answer: []string{"v1.web.service.consul. 0 IN A 10.0.0.1"}},
		{name: "V2.web.service.consul.", qtype: dns.TypeA, answer: []string{"V2.web.service.consul. 0 IN A 10.0.0.2", "V2.web.service.consul. 0 IN A 10.0.0.3"}},
		{name: "v9.web.service.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "_web._v2.service.consul.", qtype: dns.TypeSRV,
			answer: []string{"_web._v2.service.consul. 0 IN SRV 1 1 8080 node2.node.dc1.consul.", "_web._v2.service.consul. 0 IN SRV 1 1 8080 node3.node.dc1.consul."},
			extra:  []string{"node2.node.dc1.consul. 0 IN A 10.0.0.2", "node3.node.dc1.consul. 0 IN A 10.0.0.3"}},
		{name: "_web._tcp.service.consul.", qtype: dns.TypeSRV, answer: srvAll("_web._tcp.service.consul."), extra: srvExtra},
		{name: "_web._udp.service.dc1.consul.", qtype: dns.TypeSRV, answer: srvAll("_web._udp.service.dc1.consul."), extra: srvExtra},
		{name: "_web._tcp.consul.", qtype: dns.TypeSRV, answer: srvAll("_web._tcp.consul."), extra: srvExtra},
		{name: "_web._tcp.dc2.consul.", qtype: dns.TypeSRV, answer: []string{"_web._tcp.dc2.consul. 0 IN SRV 1 1 9090 nodex.node.dc2.consul."},
			extra: []string{"nodex.node.dc2.consul. 0 IN A 192.168.0.1"}},
		{name: "web.service.dc2.consul.", qtype: dns.TypeA, answer: []string{"web.service.dc2.consul. 0 IN A 192.168.0.1"}},
		{name: "web.service.dc2.dc.consul.", qtype: dns.TypeA, answer: []string{"web.service.dc2.dc.consul. 0 IN A 192.168.0.1"}},
		{name: "web.service.dc3.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "web.service.dc2.peer.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "db.service.consul.", qtype: dns.TypeSRV, answer: []string{"db.service.consul. 0 IN SRV 1 1 5432 0a010005.addr.dc1.consul."},
			extra: []string{"0a010005.addr.dc1.consul. 0 IN A 10.1.0.5", node1TXT, node1Zone}},
		{name: "db.service.consul.", qtype: dns.TypeA, answer: []string{"db.service.consul. 0 IN A 10.1.0.5"}},
		{name: "sick.service.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "warn.service.consul.", qtype: dns.TypeA, answer: []string{"warn.service.consul. 0 IN A 10.0.0.2"}},
		{name: "nope.service.consul.", qtype: dns.TypeSRV, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "ext.service.consul.", qtype: dns.TypeA, answer: []string{"ext.service.consul. 0 IN CNAME ext.example.org."}},
		{name: "ext.service.consul.", qtype: dns.TypeSRV, answer: []string{"ext.service.consul. 0 IN SRV 1 1 80 ext.example.org."}},
		{name: "alias.service.consul.", qtype: dns.TypeA, answer: append([]string{"alias.service.consul. 0 IN CNAME web.service.consul."}, webA...)},
		{name: "web.connect.consul.", qtype: dns.TypeSRV, answer: []string{"web.connect.consul. 0 IN SRV 1 1 21000 node1.node.dc1.consul."},
			extra: []string{"node1.node.dc1.consul. 0 IN A 10.0.0.1", node1TXT, node1Zone}},
		{name: "web.connect.consul.", qtype: dns.TypeA, answer: []string{"web.connect.consul. 0 IN A 10.0.0.1"}},
		{name: "db.connect.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "service.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "web.ingress.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "anything.query.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
	})
}

func TestNodeAndAddrLookups(t *testing.T) {
	s := newServer(t, fixture(), nil)
	runLookups(t, s, []lookupCase{
		{name: "node1.node.consul.", qtype: dns.TypeA, answer: []string{"node1.node.consul. 0 IN A 10.0.0.1"},
			extra: []string{"node1.node.consul. 0 IN TXT \"rack=r1\"", "node1.node.consul. 0 IN TXT \"z1\""}},
		{name: "node1.node.dc1.consul.", qtype: dns.TypeTXT, answer: []string{"node1.node.dc1.consul. 0 IN TXT \"rack=r1\"", "node1.node.dc1.consul. 0 IN TXT \"z1\""}},
		{name: "node1.node.consul.", qtype: dns.TypeANY, answer: []string{"node1.node.consul. 0 IN A 10.0.0.1",
			"node1.node.consul. 0 IN TXT \"rack=r1\"", "node1.node.consul. 0 IN TXT \"z1\""}},
		{name: "node2.node.consul.", qtype: dns.TypeTXT, ns: []string{soaLine}},
		{name: "node6.node.consul.", qtype: dns.TypeAAAA, answer: []string{"node6.node.consul. 0 IN AAAA fd00::6"}},
		{name: "node6.node.consul.", qtype: dns.TypeA, ns: []string{soaLine}},
		{name: "dotted.node.node.consul.", qtype: dns.TypeA, answer: []string{"dotted.node.node.consul. 0 IN A 10.0.0.9"}},
		{name: "nodeh.node.consul.", qtype: dns.TypeA, answer: []string{"nodeh.node.consul. 0 IN CNAME host.example.org."}},
		{name: "NODE2.node.consul.", qtype: dns.TypeA, answer: []string{"NODE2.node.consul. 0 IN A 10.0.0.2"}},
		{name: "missing.node.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "nodex.node.dc2.consul.", qtype: dns.TypeA, answer: []string{"nodex.node.dc2.consul. 0 IN A 192.168.0.1"}},
		{name: "0a000001.addr.dc1.consul.", qtype: dns.TypeA, answer: []string{"0a000001.addr.dc1.consul. 0 IN A 10.0.0.1"}},
		{name: "0A000001.addr.consul.", qtype: dns.TypeA, answer: []string{"0A000001.addr.consul. 0 IN A 10.0.0.1"}},
		{name: "0a000001.addr.dc1.consul.", qtype: dns.TypeAAAA, ns: []string{soaLine}},
		{name: "fd000000000000000000000000000006.addr.dc1.consul.", qtype: dns.TypeAAAA,
			answer: []string{"fd000000000000000000000000000006.addr.dc1.consul. 0 IN AAAA fd00::6"}},
		{name: "zz.addr.dc1.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
		{name: "0a00000g.addr.dc1.consul.", qtype: dns.TypeA, rcode: dns.RcodeNameError, ns: []string{soaLine}},
	})
}

func TestZoneApex(t *testing.T) {
	s := newServer(t, fixture(), nil)
	ns := []string{"consul. 0 IN NS node1.node.dc1.consul.", "consul. 0 IN NS node2.node.dc1.consul.", "consul. 0 IN NS node3.node.dc1.consul."}
	glue := []string{"node1.node.dc1.consul. 0 IN A 10.0.0.1", "node2.node.dc1.consul. 0 IN A 10.0.0.2", "node3.node.dc1.consul. 0 IN A 10.0.0.3"}
	runLookups(t, s, []lookupCase{
		{name: "consul.", qtype: dns.TypeSOA, answer: []string{soaLine}, ns: ns, extra: glue},
		{name: "consul.", qtype: dns.TypeNS, answer: ns, extra: glue},
		{name: "CONSUL.", qtype: dns.TypeNS, answer: ns, extra: glue},
		{name: "consul.", qtype: dns.TypeA, ns: []string{soaLine}},
	})
}

func TestAltDomain(t *testing.T) {
	s := newServer(t, fixture(), func(c *pdns.Config) { c.AltDomain = "pylon.internal" })
	runLookups(t, s, []lookupCase{
		{name: "db.service.pylon.internal.", qtype: dns.TypeSRV, answer: []string{"db.service.pylon.internal. 0 IN SRV 1 1 5432 0a010005.addr.dc1.pylon.internal."},
			extra: []string{"0a010005.addr.dc1.pylon.internal. 0 IN A 10.1.0.5", "node1.node.dc1.pylon.internal. 0 IN TXT \"rack=r1\"", "node1.node.dc1.pylon.internal. 0 IN TXT \"z1\""}},
		{name: "node2.node.pylon.internal.", qtype: dns.TypeA, answer: []string{"node2.node.pylon.internal. 0 IN A 10.0.0.2"}},
		{name: "web.service.consul.", qtype: dns.TypeAAAA, answer: []string{"web.service.consul. 0 IN AAAA fd00::6"}},
		{name: "nope.service.pylon.internal.", qtype: dns.TypeA, rcode: dns.RcodeNameError,
			ns: []string{"pylon.internal. 0 IN SOA ns.pylon.internal. hostmaster.pylon.internal. 0 3600 600 86400 0"}},
	})
}
