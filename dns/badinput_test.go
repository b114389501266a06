package dns_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	pdns "github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/dns/dnstest"
)

func TestBadQueries(t *testing.T) {
	s := newServer(t, fixture(), nil)
	long := strings.Repeat("a", 63)
	cases := []struct {
		desc  string
		name  string
		qtype uint16
		edit  func(*dns.Msg)
		rcode int
	}{
		{"no question", "web.service.consul.", dns.TypeA, func(m *dns.Msg) { m.Question = nil }, dns.RcodeFormatError},
		{"two questions", "web.service.consul.", dns.TypeA, func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }, dns.RcodeFormatError},
		{"update opcode", "web.service.consul.", dns.TypeA, func(m *dns.Msg) { m.Opcode = dns.OpcodeUpdate }, dns.RcodeNotImplemented},
		{"status opcode", "web.service.consul.", dns.TypeA, func(m *dns.Msg) { m.Opcode = dns.OpcodeStatus }, dns.RcodeNotImplemented},
		{"chaos class", "version.bind.", dns.TypeTXT, func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }, dns.RcodeRefused},
		{"zone transfer", "consul.", dns.TypeAXFR, nil, dns.RcodeNotImplemented},
		{"incremental transfer", "consul.", dns.TypeIXFR, nil, dns.RcodeNotImplemented},
		{"any class", "web.service.consul.", dns.TypeA, func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassANY }, dns.RcodeSuccess},
		{"unknown qtype", "web.service.consul.", 65280, nil, dns.RcodeSuccess},
		{"qtype 0", "web.service.consul.", 0, nil, dns.RcodeSuccess},
		{"long labels", long + "." + long + "." + long + ".service.consul.", dns.TypeA, nil, dns.RcodeNameError},
		{"escaped dot", `a\.b.service.consul.`, dns.TypeA, nil, dns.RcodeNameError},
		{"escaped byte", `\000.node.consul.`, dns.TypeA, nil, dns.RcodeNameError},
		// Only a hand-built request has an empty label (it cannot be
		// unpacked from the wire), and its question cannot be echoed.
		{"empty label", "web..service.consul.", dns.TypeA, nil, dns.RcodeServerFailure},
		{"only the kind", "node.consul.", dns.TypeA, nil, dns.RcodeNameError},
		{"too many dc labels", "web.service.a.b.c.consul.", dns.TypeA, nil, dns.RcodeNameError},
		{"bare rfc2782, too many labels", "_web._tcp.a.b.c.consul.", dns.TypeSRV, nil, dns.RcodeNameError},
		{"half rfc2782", "_web.tcp.consul.", dns.TypeSRV, nil, dns.RcodeNameError},
		{"connect with a tag", "v1.web.connect.consul.", dns.TypeA, nil, dns.RcodeNameError},
		{"addr with dots", "0a.000001.addr.consul.", dns.TypeA, nil, dns.RcodeNameError},
		{"odd characters", "w*b!.service.consul.", dns.TypeA, nil, dns.RcodeNameError},
		{"root", ".", dns.TypeNS, nil, dns.RcodeRefused},
		{"other zone", "consul.example.", dns.TypeA, nil, dns.RcodeRefused},
		{"domain as a label", "consulx.", dns.TypeA, nil, dns.RcodeRefused},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			for _, network := range []string{"udp", "tcp"} {
				m := ask(t, s, network, tc.name, tc.qtype, tc.edit)
				if m.Rcode != tc.rcode {
					t.Errorf("%s: rcode %s, want %s", network, rcode(m), dns.RcodeToString[tc.rcode])
				}
			}
		})
	}
}

// errorLog is a slog handler that keeps error records: the server logs a
// panic or an unpackable answer at error level.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (e *errorLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (e *errorLog) Handle(_ context.Context, r slog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	e.msgs = append(e.msgs, b.String())
	return nil
}
func (e *errorLog) WithAttrs([]slog.Attr) slog.Handler { return e }
func (e *errorLog) WithGroup(string) slog.Handler      { return e }

func (e *errorLog) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.msgs
	e.msgs = nil
	return out
}

// FuzzServeDNS feeds raw packets through the query path (unpack, ServeDNS,
// a recorder) over UDP and TCP. Every packet that unpacks must get exactly
// one well-formed response with its ID, and the server must log no error
// (a recovered panic or an answer that does not pack).
func FuzzServeDNS(f *testing.F) {
	seeds := []struct {
		name  string
		qtype uint16
		edns  bool
	}{
		{"web.service.consul.", dns.TypeA, false}, {"web.service.consul.", dns.TypeSRV, true},
		{"v1.web.service.consul.", dns.TypeA, false}, {"_web._tcp.service.consul.", dns.TypeSRV, false},
		{"_web._tcp.dc1.consul.", dns.TypeSRV, false}, {"node1.node.consul.", dns.TypeANY, false},
		{"node1.node.dc1.consul.", dns.TypeTXT, true}, {"web.connect.consul.", dns.TypeSRV, false},
		{"0a000001.addr.dc1.consul.", dns.TypeA, false}, {"1.0.0.10.in-addr.arpa.", dns.TypePTR, false},
		{"6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", dns.TypePTR, false},
		{"consul.", dns.TypeSOA, false}, {"consul.", dns.TypeNS, true}, {"alias.service.consul.", dns.TypeA, false},
		{"ext.service.pylon.", dns.TypeSRV, false}, {"webq.query.consul.", dns.TypeA, false},
		{"example.com.", dns.TypeA, false}, {"web.service.dc2.dc.consul.", dns.TypeAAAA, true},
	}
	for _, sd := range seeds {
		m := new(dns.Msg).SetQuestion(sd.name, sd.qtype)
		if sd.edns {
			m.SetEdns0(4096, true)
		}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte("\x00\x01\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00"))

	logs := &errorLog{}
	s, err := pdns.New(func() pdns.Config {
		c := pdns.DefaultConfig("dc1")
		c.AltDomain = "pylon."
		c.EnableTruncate = true
		c.ServiceTTL = map[string]time.Duration{"w*": time.Second}
		return c
	}(), fixture(), nil, slog.New(logs))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, packet []byte) {
		req := new(dns.Msg)
		if err := req.Unpack(packet); err != nil {
			return // the miekg server answers FORMERR before the handler
		}
		for _, network := range []string{"udp", "tcp"} {
			rec := dnstest.NewRecorder(network)
			s.ServeDNS(rec, req)
			if rec.Writes() != 1 {
				t.Fatalf("%s: %d responses", network, rec.Writes())
			}
			m := rec.Msg()
			if m == nil {
				t.Fatalf("%s: response does not unpack: %v", network, rec.Err())
			}
			if m.Id != req.Id || !m.Response {
				t.Fatalf("%s: response id %d (response %v), want %d", network, m.Id, m.Response, req.Id)
			}
			if network == "udp" && len(rec.Raw()) > udpLimit(req) {
				t.Fatalf("udp response of %d bytes, over the client's %d", len(rec.Raw()), udpLimit(req))
			}
		}
		if msgs := logs.take(); len(msgs) > 0 {
			t.Fatalf("server logged errors: %q", msgs)
		}
	})
}

func udpLimit(req *dns.Msg) int {
	if opt := req.IsEdns0(); opt != nil {
		return max(int(opt.UDPSize()), 512)
	}
	return 512
}

// panicCatalog panics on every service lookup.
type panicCatalog struct{ *dnstest.Catalog }

func (panicCatalog) ServiceInstances(dc, service string) []pdns.Instance { panic("boom") }

func TestPanicIsServfail(t *testing.T) {
	logs := &errorLog{}
	s, err := pdns.New(pdns.DefaultConfig("dc1"), panicCatalog{fixture()}, nil, slog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	m := ask(t, s, "udp", "web.service.consul.", dns.TypeA, nil)
	must(t, m.Rcode == dns.RcodeServerFailure, "rcode %s, want SERVFAIL", rcode(m))
	msgs := logs.take()
	must(t, len(msgs) == 1 && strings.Contains(msgs[0], "boom"), "logs %q", msgs)
	m = ask(t, s, "udp", "node1.node.consul.", dns.TypeA, nil)
	must(t, m.Rcode == dns.RcodeSuccess, "the next query: rcode %s", rcode(m))
}
