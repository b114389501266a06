package dns_test

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
	pdns "github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/dns/dnstest"
)

// bigCatalog has service "big" with n passing instances, each on its own
// node with a distinct IPv4 address. Node names are padded to nameLen
// characters and carry meta when meta is set.
func bigCatalog(n, nameLen int, meta map[string]string) *dnstest.Catalog {
	c := dnstest.NewCatalog()
	insts := make([]pdns.Instance, 0, n)
	for i := range n {
		name := fmt.Sprintf("n%d", i)
		if len(name) < nameLen {
			name += strings.Repeat("x", nameLen-len(name))
		}
		ip := net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)).String()
		insts = append(insts, pdns.Instance{Node: pdns.Node{Name: name, Address: ip, Datacenter: "dc1", Meta: meta},
			ServiceID: "big", ServiceName: "big", Port: 1000, Status: pdns.StatusPassing})
	}
	c.AddInstance(insts...)
	return c
}

// askRaw is ask that also returns the packed size of the response.
func askRaw(t *testing.T, s *pdns.Server, network, name string, qtype uint16, edit func(*dns.Msg)) (*dns.Msg, int) {
	t.Helper()
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	if edit != nil {
		edit(req)
	}
	rec := dnstest.NewRecorder(network)
	s.ServeDNS(rec, req)
	m := rec.Msg()
	if m == nil {
		t.Fatalf("%s: no response: %v", name, rec.Err())
	}
	return m, len(rec.Raw())
}

func TestResponseSizes(t *testing.T) {
	small := bigCatalog(20, 0, nil)
	big := bigCatalog(5000, 0, nil)
	cases := []struct {
		desc       string
		cat        pdns.Catalog
		edit       func(*pdns.Config)
		network    string
		req        func(*dns.Msg)
		qtype      uint16
		wantN      int // exact answer count, or -1 to check bounds only
		minN, maxN int
		size       int // the response must pack within
		tc         bool
	}{
		{desc: "udp: udp_answer_limit, silently", cat: small, network: "udp", qtype: dns.TypeA, wantN: 3, size: 512},
		{desc: "udp: TC with enable_truncate", cat: small, edit: truncate, network: "udp", qtype: dns.TypeA, wantN: 3, size: 512, tc: true},
		{desc: "udp: a raised limit", cat: small, edit: limit(5), network: "udp", qtype: dns.TypeA, wantN: 5, size: 512},
		{desc: "udp: limit capped at 8", cat: small, edit: limit(20), network: "udp", qtype: dns.TypeA, wantN: 8, size: 512},
		{desc: "udp: limit applies to SRV", cat: small, network: "udp", qtype: dns.TypeSRV, wantN: 3, size: 512},
		{desc: "udp: no TC when all fit", cat: bigCatalog(2, 0, nil), edit: truncate, network: "udp", qtype: dns.TypeA, wantN: 2, size: 512},
		{desc: "edns: all that fit", cat: small, edit: truncate, network: "udp", req: ednsOf(4096), qtype: dns.TypeA, wantN: 20, size: 4096},
		{desc: "edns: trimmed to the client's size", cat: big, edit: truncate, network: "udp", req: ednsOf(1232), qtype: dns.TypeA,
			wantN: -1, minN: 50, maxN: 80, size: 1232, tc: true},
		{desc: "edns: a size under 512 counts as 512", cat: small, network: "udp", req: ednsOf(100), qtype: dns.TypeA, wantN: 20, size: 512},
		{desc: "edns: SRV trimmed with its extras", cat: big, network: "udp", req: ednsOf(4096), qtype: dns.TypeSRV,
			wantN: -1, minN: 50, maxN: 150, size: 4096},
		{desc: "tcp: every record", cat: small, edit: truncate, network: "tcp", qtype: dns.TypeA, wantN: 20, size: 65535},
		{desc: "tcp: trimmed to 64KB, no TC", cat: big, edit: truncate, network: "tcp", qtype: dns.TypeA, wantN: -1, minN: 3000, maxN: 5000, size: 65535},
		{desc: "tcp: SRV trimmed to 64KB", cat: big, network: "tcp", qtype: dns.TypeSRV, wantN: -1, minN: 1000, maxN: 5000, size: 65535},
		{desc: "a_record_limit over tcp", cat: small, edit: aLimit(2), network: "tcp", qtype: dns.TypeA, wantN: 2, size: 65535},
		{desc: "a_record_limit over udp", cat: small, edit: aLimit(2), network: "udp", qtype: dns.TypeA, wantN: 2, size: 512},
		{desc: "a_record_limit leaves SRV alone", cat: small, edit: aLimit(2), network: "tcp", qtype: dns.TypeSRV, wantN: 20, size: 65535},
		{desc: "udp: 512 bytes caps long answers", cat: bigCatalog(20, 63, map[string]string{"k": strings.Repeat("v", 200)}),
			edit: truncate, network: "udp", qtype: dns.TypeSRV, wantN: -1, minN: 1, maxN: 2, size: 512, tc: true},
		{desc: "udp: one big answer keeps what fits of its extras", network: "udp", qtype: dns.TypeSRV, wantN: 1, size: 512,
			cat: bigCatalog(5, 63, map[string]string{"a": strings.Repeat("v", 200), "b": strings.Repeat("v", 200), "c": strings.Repeat("v", 200)})},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			s := newServer(t, tc.cat, tc.edit)
			m, n := askRaw(t, s, tc.network, "big.service.consul.", tc.qtype, tc.req)
			got := len(m.Answer)
			if tc.wantN >= 0 && got != tc.wantN {
				t.Errorf("%d answers, want %d", got, tc.wantN)
			}
			if tc.wantN < 0 && (got < tc.minN || got > tc.maxN) {
				t.Errorf("%d answers, want %d..%d", got, tc.minN, tc.maxN)
			}
			if n > tc.size {
				t.Errorf("response is %d bytes, over %d", n, tc.size)
			}
			if m.Truncated != tc.tc {
				t.Errorf("TC = %v, want %v", m.Truncated, tc.tc)
			}
			if m.Rcode != dns.RcodeSuccess {
				t.Errorf("rcode %s", rcode(m))
			}
			checkGlue(t, m)
		})
	}
}

func truncate(c *pdns.Config) { c.EnableTruncate = true }
func limit(n int) func(*pdns.Config) {
	return func(c *pdns.Config) { c.UDPAnswerLimit = n }
}
func aLimit(n int) func(*pdns.Config) {
	return func(c *pdns.Config) { c.ARecordLimit = n }
}

// checkGlue asserts that every SRV target of m has its address in the
// additional section, and that no additional address is left without its
// SRV record.
func checkGlue(t *testing.T, m *dns.Msg) {
	t.Helper()
	targets := map[string]bool{}
	for _, rr := range m.Answer {
		if srv, ok := rr.(*dns.SRV); ok {
			targets[srv.Target] = false
		}
	}
	if len(targets) == 0 {
		return
	}
	for _, rr := range m.Extra {
		if a, ok := rr.(*dns.A); ok {
			if _, ok := targets[a.Hdr.Name]; !ok {
				t.Errorf("glue %s has no SRV answer", a.Hdr.Name)
			}
			targets[a.Hdr.Name] = true
		}
	}
	for target, glued := range targets {
		if !glued {
			t.Errorf("SRV target %s has no glue", target)
		}
	}
}

func TestEDNSEcho(t *testing.T) {
	s := newServer(t, fixture(), nil)
	m := ask(t, s, "udp", "web.service.consul.", dns.TypeA, nil)
	must(t, m.IsEdns0() == nil, "OPT in the answer to a query without one")

	m = ask(t, s, "udp", "web.service.consul.", dns.TypeA, ednsOf(1400))
	opt := m.IsEdns0()
	must(t, opt != nil && opt.UDPSize() == 1400, "OPT %v, want the client's size 1400", opt)

	ecs := &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: 24, Address: net.IPv4(192, 0, 2, 0).To4()}
	m = ask(t, s, "udp", "web.service.consul.", dns.TypeA, func(req *dns.Msg) {
		req.SetEdns0(1400, false)
		req.IsEdns0().Option = append(req.IsEdns0().Option, ecs)
	})
	opt = m.IsEdns0()
	must(t, opt != nil && len(opt.Option) == 1, "OPT %v, want the subnet option echoed", opt)
	got := opt.Option[0].(*dns.EDNS0_SUBNET)
	must(t, got.SourceNetmask == 24 && got.SourceScope == 0 && got.Address.Equal(ecs.Address), "subnet %v, want scope 0", got)

	m = ask(t, s, "udp", "web.service.consul.", dns.TypeA, func(req *dns.Msg) {
		req.SetEdns0(1400, false)
		req.IsEdns0().SetVersion(1)
	})
	must(t, m.Rcode == dns.RcodeBadVers && m.IsEdns0() != nil && len(m.Answer) == 0, "EDNS version 1: rcode %s %v", rcode(m), m)
}

func TestAnswersAreShuffledAndDeduplicated(t *testing.T) {
	cat := bigCatalog(10, 0, nil)
	n := pdns.Node{Name: "twin", Address: "10.9.9.9", Datacenter: "dc1"}
	cat.AddInstance(pdns.Instance{Node: n, ServiceID: "a", ServiceName: "twin", Port: 1, Status: pdns.StatusPassing})
	cat.AddInstance(pdns.Instance{Node: n, ServiceID: "b", ServiceName: "twin", Port: 2, Status: pdns.StatusPassing})
	cat.AddInstance(pdns.Instance{Node: n, ServiceID: "c", ServiceName: "twin", Port: 2, Status: pdns.StatusPassing})
	s := newServer(t, cat, nil)
	firsts := map[string]bool{}
	for range 50 {
		m := ask(t, s, "udp", "big.service.consul.", dns.TypeA, nil)
		firsts[m.Answer[0].(*dns.A).A.String()] = true
	}
	must(t, len(firsts) > 1, "50 answers all started with %v: not shuffled", firsts)

	m := ask(t, s, "tcp", "twin.service.consul.", dns.TypeA, nil)
	must(t, len(m.Answer) == 1, "duplicate addresses answered: %v", m.Answer)
	m = ask(t, s, "tcp", "twin.service.consul.", dns.TypeSRV, nil)
	must(t, len(m.Answer) == 2 && len(m.Extra) == 1, "SRV for ports 1, 2, 2: answers %v extras %v, want 2 and 1", m.Answer, m.Extra)
}
