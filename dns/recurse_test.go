package dns_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	pdns "github.com/pylonmesh/pylon/dns"
)

// upstream is a recursor for tests: a miekg server on 127.0.0.1 (UDP and
// TCP, same port) that answers example.com with addr over UDP and with
// 192.0.2.200 over TCP, ext.example.org with 192.0.2.50, any reverse name
// with a PTR to upstream.example., missing.example with NXDOMAIN and
// anything else with REFUSED.
type upstream struct {
	addr    string
	queries atomic.Int64
}

func startUpstream(t *testing.T, addr net.IP) *upstream {
	t.Helper()
	u := &upstream{}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		u.queries.Add(1)
		m := new(dns.Msg)
		m.SetReply(req)
		q := req.Question[0]
		hdr := dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}
		switch {
		case q.Name == "example.com." && q.Qtype == dns.TypeA:
			ip := addr
			if _, tcp := w.RemoteAddr().(*net.TCPAddr); tcp {
				ip = net.IPv4(192, 0, 2, 200)
			}
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: ip})
		case q.Name == "ext.example.org." && q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.IPv4(192, 0, 2, 50)})
		case dns.IsSubDomain("arpa.", q.Name):
			hdr.Rrtype = dns.TypePTR
			m.Answer = append(m.Answer, &dns.PTR{Hdr: hdr, Ptr: "upstream.example."})
		case q.Name == "missing.example.":
			m.Rcode = dns.RcodeNameError
		default:
			m.Rcode = dns.RcodeRefused
		}
		w.WriteMsg(m)
	})
	pc, l := listenPair(t)
	u.addr = pc.LocalAddr().String()
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: l, Handler: handler}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		done := make(chan struct{})
		go func() { defer close(done); srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { srv.Shutdown(); <-done })
	}
	return u
}

// listenPair binds UDP and TCP on one free loopback port, retrying when
// another process holds the TCP side of the port UDP got.
func listenPair(t *testing.T) (net.PacketConn, net.Listener) {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l
		}
		pc.Close()
	}
	t.Fatal("no free port for both UDP and TCP")
	return nil, nil
}

// blackhole returns a UDP address that never answers.
func blackhole(t *testing.T) string {
	addr, _ := blackholeSeen(t)
	return addr
}

// blackholeSeen returns a UDP address that never answers, and a channel
// that receives once a query arrived.
func blackholeSeen(t *testing.T) (string, <-chan struct{}) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 512)
		if _, _, err := pc.ReadFrom(buf); err == nil {
			close(seen)
		}
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr().String(), seen
}

func withRecursors(timeout time.Duration, strategy string, addrs ...string) func(*pdns.Config) {
	return func(c *pdns.Config) {
		c.Recursors, c.RecursorTimeout, c.RecursorStrategy = addrs, timeout, strategy
	}
}

func TestRecursors(t *testing.T) {
	good := startUpstream(t, net.IPv4(192, 0, 2, 1))
	other := startUpstream(t, net.IPv4(192, 0, 2, 2))
	hole := blackhole(t)
	short := 200 * time.Millisecond
	cases := []struct {
		desc    string
		edit    func(*pdns.Config)
		network string
		name    string
		rcode   int
		want    []string
		ra      bool
	}{
		{"no recursors: refused", nil, "udp", "example.com.", dns.RcodeRefused, nil, false},
		{"forwarded", withRecursors(short, "", good.addr), "udp", "example.com.", dns.RcodeSuccess, []string{"192.0.2.1"}, true},
		{"forwarded over tcp for a tcp client", withRecursors(short, "", good.addr), "tcp", "example.com.", dns.RcodeSuccess, []string{"192.0.2.200"}, true},
		{"NXDOMAIN passed through", withRecursors(short, "", good.addr), "udp", "missing.example.", dns.RcodeNameError, nil, true},
		{"a silent recursor is skipped", withRecursors(short, pdns.RecursorSequential, hole, good.addr), "udp", "example.com.", dns.RcodeSuccess, []string{"192.0.2.1"}, true},
		{"a refusing answer is skipped", withRecursors(short, "", good.addr, other.addr), "udp", "refuse.example.", dns.RcodeServerFailure, nil, true},
		{"all fail: SERVFAIL", withRecursors(short, "", hole), "udp", "example.com.", dns.RcodeServerFailure, nil, true},
		{"sequential asks the first", withRecursors(short, pdns.RecursorSequential, other.addr, good.addr), "udp", "example.com.", dns.RcodeSuccess, []string{"192.0.2.2"}, true},
		{"answers in the domain set RA", withRecursors(short, "", good.addr), "udp", "web.service.consul.", dns.RcodeSuccess, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, true},
		{"unknown reverse name: recursors", withRecursors(short, "", good.addr), "udp", "9.9.9.9.in-addr.arpa.", dns.RcodeSuccess, nil, true},
		{"unknown reverse name, no recursors: SERVFAIL", nil, "udp", "9.9.9.9.in-addr.arpa.", dns.RcodeServerFailure, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			s := newServer(t, fixture(), tc.edit)
			qtype := dns.TypeA
			if dns.IsSubDomain("arpa.", tc.name) {
				qtype = dns.TypePTR
			}
			m := ask(t, s, tc.network, tc.name, qtype, nil)
			if m.Rcode != tc.rcode || !slices.Equal(addrs(m), tc.want) || m.RecursionAvailable != tc.ra {
				t.Errorf("rcode %s answers %v RA %v, want %s %v RA %v", rcode(m), addrs(m), m.RecursionAvailable,
					dns.RcodeToString[tc.rcode], tc.want, tc.ra)
			}
			if qtype == dns.TypePTR && tc.rcode == dns.RcodeSuccess {
				must(t, len(m.Answer) == 1 && m.Answer[0].(*dns.PTR).Ptr == "upstream.example.", "PTR answer %v", m.Answer)
			}
		})
	}
}

func TestRandomRecursorStrategy(t *testing.T) {
	a := startUpstream(t, net.IPv4(192, 0, 2, 1))
	b := startUpstream(t, net.IPv4(192, 0, 2, 2))
	s := newServer(t, fixture(), withRecursors(time.Second, pdns.RecursorRandom, a.addr, b.addr))
	for i := 0; i < 200 && (a.queries.Load() == 0 || b.queries.Load() == 0); i++ {
		ask(t, s, "udp", "example.com.", dns.TypeA, nil)
	}
	must(t, a.queries.Load() > 0 && b.queries.Load() > 0, "random strategy asked only one recursor: %d, %d", a.queries.Load(), b.queries.Load())
}

func TestCNAMEFollowedThroughRecursors(t *testing.T) {
	u := startUpstream(t, net.IPv4(192, 0, 2, 1))
	s := newServer(t, fixture(), withRecursors(time.Second, "", u.addr))
	m := ask(t, s, "udp", "ext.service.consul.", dns.TypeA, nil)
	want := []string{"ext.example.org. 60 IN A 192.0.2.50", "ext.service.consul. 0 IN CNAME ext.example.org."}
	must(t, slices.Equal(rrs(m.Answer), want), "answers %q, want %q", rrs(m.Answer), want)
	must(t, m.Answer[0].Header().Rrtype == dns.TypeCNAME, "the CNAME is not first: %v", m.Answer)
}

func TestReverseLookups(t *testing.T) {
	s := newServer(t, fixture(), func(c *pdns.Config) { c.AltDomain = "alt." })
	v6, _ := dns.ReverseAddr("fd00::6")
	cases := []struct {
		name  string
		qtype uint16
		rcode int
		ptr   string
	}{
		{"1.0.0.10.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess, "node1.node.dc1.consul."},
		{"2.0.0.10.IN-ADDR.ARPA.", dns.TypePTR, dns.RcodeSuccess, "node2.node.dc1.consul."},
		{"1.0.0.10.in-addr.arpa.", dns.TypeANY, dns.RcodeSuccess, "node1.node.dc1.consul."},
		{"5.0.1.10.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess, "db.service.dc1.consul."},
		{v6, dns.TypePTR, dns.RcodeSuccess, "node6.node.dc1.consul."},
		{"9.0.0.10.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess, "dotted.node.node.dc1.consul."},
		{"1.0.0.10.in-addr.arpa.", dns.TypeA, dns.RcodeServerFailure, ""},
		{"0.10.in-addr.arpa.", dns.TypePTR, dns.RcodeServerFailure, ""},
		{"1.168.192.in-addr.arpa.", dns.TypePTR, dns.RcodeServerFailure, ""}, // dc2 is not local
		{"256.0.0.10.in-addr.arpa.", dns.TypePTR, dns.RcodeServerFailure, ""},
	}
	for _, tc := range cases {
		m := ask(t, s, "udp", tc.name, tc.qtype, nil)
		if m.Rcode != tc.rcode {
			t.Errorf("%s %s: rcode %s, want %s", tc.name, dns.TypeToString[tc.qtype], rcode(m), dns.RcodeToString[tc.rcode])
			continue
		}
		if tc.ptr == "" {
			must(t, len(m.Answer) == 0, "%s: answers %v", tc.name, m.Answer)
			continue
		}
		if len(m.Answer) != 1 || m.Answer[0].(*dns.PTR).Ptr != tc.ptr || m.Answer[0].Header().Name != tc.name || !m.Authoritative {
			t.Errorf("%s: answer %v AA %v, want one PTR %s", tc.name, m.Answer, m.Authoritative, tc.ptr)
		}
	}
}

// TestShutdownCancelsForwarding checks that Shutdown does not wait out a
// recursor exchange in flight.
func TestShutdownCancelsForwarding(t *testing.T) {
	hole, seen := blackholeSeen(t)
	s := newServer(t, fixture(), withRecursors(time.Minute, "", hole))
	if err := s.Start("127.0.0.1:0", ""); err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	go func() {
		c := &dns.Client{Timeout: 30 * time.Second}
		req := new(dns.Msg)
		req.SetQuestion("example.com.", dns.TypeA)
		resp, _, err := c.Exchange(req, s.Addr().String())
		if err == nil && resp.Rcode != dns.RcodeServerFailure {
			err = fmt.Errorf("rcode %s", dns.RcodeToString[resp.Rcode])
		}
		answered <- err
	}()
	<-seen // the query is with the recursor
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-answered; err != nil {
		t.Errorf("the query in flight: %v, want SERVFAIL", err)
	}
}
