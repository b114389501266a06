package dns_test

import (
	"fmt"
	"net"
	"testing"

	"github.com/miekg/dns"
	pdns "github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/dns/dnstest"
)

// benchCatalog has a 10-instance "web" service, instances 0-4 tagged v1.
func benchCatalog() *dnstest.Catalog {
	c := dnstest.NewCatalog()
	for i := range 10 {
		n := pdns.Node{Name: fmt.Sprintf("node%d", i), Address: fmt.Sprintf("10.0.0.%d", i+1), Datacenter: "dc1"}
		tag := "v2"
		if i < 5 {
			tag = "v1"
		}
		c.AddInstance(pdns.Instance{Node: n, ServiceID: "web", ServiceName: "web", Port: 8080, Tags: []string{tag}, Status: pdns.StatusPassing})
	}
	return c
}

// discardWriter is a ResponseWriter that only counts bytes, so the
// benchmark measures the server rather than a recorder.
type discardWriter struct {
	n int
}

var benchAddr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53000}

func (w *discardWriter) LocalAddr() net.Addr         { return benchAddr }
func (w *discardWriter) RemoteAddr() net.Addr        { return benchAddr }
func (w *discardWriter) WriteMsg(m *dns.Msg) error   { _, err := m.Pack(); return err }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }
func (w *discardWriter) Close() error                { return nil }
func (w *discardWriter) TsigStatus() error           { return nil }
func (w *discardWriter) TsigTimersOnly(bool)         {}
func (w *discardWriter) Hijack()                     {}

// BenchmarkServeDNS measures the query path (name parsing, lookup, record
// building, trimming, packing) for the three queries of the dnsperf run,
// over UDP without EDNS, as dnsperf sends them.
func BenchmarkServeDNS(b *testing.B) {
	s := newServer(b, benchCatalog(), nil)
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{"web.service.consul.", dns.TypeA},
		{"web.service.consul.", dns.TypeSRV},
		{"v1.web.service.consul.", dns.TypeA},
	} {
		b.Run(q.name+dns.TypeToString[q.qtype], func(b *testing.B) {
			req := new(dns.Msg)
			req.SetQuestion(q.name, q.qtype)
			w := &discardWriter{}
			b.ReportAllocs()
			for b.Loop() {
				s.ServeDNS(w, req)
			}
			if w.n == 0 {
				b.Fatal("nothing written")
			}
		})
	}
}
