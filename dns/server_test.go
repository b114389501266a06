package dns_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	pdns "github.com/pylonmesh/pylon/dns"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startServer starts s on loopback UDP and TCP (port 0) and stops it when
// the test ends.
func startServer(t *testing.T, s *pdns.Server) {
	t.Helper()
	if err := s.Start("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
}

func exchange(t *testing.T, network, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	resp, _, err := c.Exchange(req, addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], network, err)
	}
	return resp
}

func TestServeUDPAndTCP(t *testing.T) {
	s := newServer(t, bigCatalog(20, 0, nil), nil)
	startServer(t, s)
	udp, tcp := s.Addr().String(), s.TCPAddr().String()
	must(t, strings.HasPrefix(udp, "127.0.0.1:") && !strings.HasSuffix(udp, ":0"), "Addr %s", udp)
	must(t, udp == tcp, "UDP %s and TCP %s: one port 0 for both picks one port", udp, tcp)
	m := exchange(t, "udp", udp, "big.service.consul.", dns.TypeA)
	must(t, len(m.Answer) == 3, "UDP answers %d, want 3", len(m.Answer))
	m = exchange(t, "tcp", tcp, "big.service.consul.", dns.TypeA)
	must(t, len(m.Answer) == 20, "TCP answers %d, want 20", len(m.Answer))

	must(t, errors.Is(s.Start("127.0.0.1:0", ""), pdns.ErrStarted), "second Start did not fail with ErrStarted")
}

func TestServerLifecycleErrors(t *testing.T) {
	if _, err := pdns.New(pdns.Config{}, fixture(), nil, nil); !errors.Is(err, pdns.ErrInvalidConfig) {
		t.Errorf("New with a zero config: %v, want ErrInvalidConfig", err)
	}
	if _, err := pdns.New(pdns.DefaultConfig("dc1"), nil, nil, nil); !errors.Is(err, pdns.ErrInvalidConfig) {
		t.Errorf("New without a catalog: %v, want ErrInvalidConfig", err)
	}
	s := newServer(t, fixture(), nil)
	must(t, errors.Is(s.Start("", ""), pdns.ErrNoListener), "Start without addresses")
	must(t, errors.Is(s.Shutdown(context.Background()), pdns.ErrNotStarted), "Shutdown before Start")

	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	must(t, s.Start(busy.LocalAddr().String(), "") != nil, "Start on a busy port did not fail")
	must(t, s.Addr() == nil, "Addr after a failed Start: %v", s.Addr())

	startServer(t, s) // a failed Start leaves the server startable

	other := newServer(t, fixture(), nil)
	if err := other.Start("127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	must(t, other.Shutdown(context.Background()) == nil, "Shutdown failed")
	must(t, errors.Is(other.Shutdown(context.Background()), pdns.ErrNotStarted), "second Shutdown")
	must(t, errors.Is(other.Start("127.0.0.1:0", ""), pdns.ErrShutdown), "Start after Shutdown")
}

// TestConcurrentQueriesWhileHealthFlips runs queries from several goroutines
// against a running server while instances flip between passing and
// critical: every answer must be well-formed and hold only instances that
// were passing at some point (under -race this also checks that pooled
// replies are not shared).
func TestConcurrentQueriesWhileHealthFlips(t *testing.T) {
	cat := bigCatalog(10, 0, nil)
	s := newServer(t, cat, nil)
	startServer(t, s)
	stop := make(chan struct{})
	flipped := make(chan struct{})
	go func() {
		defer close(flipped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			status := pdns.StatusCritical
			if i%2 == 1 {
				status = pdns.StatusPassing
			}
			cat.SetStatus(fmt.Sprintf("n%d", i%10), "big", status)
		}
	}()
	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			network := []string{"udp", "tcp"}[w%2]
			addr := s.Addr().String()
			c := &dns.Client{Net: network, Timeout: 5 * time.Second}
			for i := range 200 {
				qtype := []uint16{dns.TypeA, dns.TypeSRV}[i%2]
				req := new(dns.Msg).SetQuestion("big.service.consul.", qtype)
				m, _, err := c.Exchange(req, addr)
				if err != nil {
					errs <- err
					return
				}
				if m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError {
					errs <- fmt.Errorf("rcode %s", dns.RcodeToString[m.Rcode])
					return
				}
				for _, rr := range m.Answer {
					if !strings.HasPrefix(rr.Header().Name, "big.service.consul.") {
						errs <- fmt.Errorf("answer %s for another name", rr)
						return
					}
				}
				checkGlue(t, m)
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(stop)
	<-flipped
}

// TestMalformedPacketsOverTheWire sends garbage to a running server and
// checks that it keeps answering.
func TestMalformedPacketsOverTheWire(t *testing.T) {
	s := newServer(t, fixture(), nil)
	startServer(t, s)
	udp, err := net.Dial("udp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	valid := new(dns.Msg).SetQuestion("web.service.consul.", dns.TypeA)
	packed, _ := valid.Pack()
	junk := [][]byte{
		{}, {0}, []byte("hello, world"), packed[:len(packed)-3], append(slices.Clone(packed[:12]), 0xff, 0xff),
		func() []byte { b := slices.Clone(packed); b[5] = 9; return b }(),     // qdcount 9
		func() []byte { b := slices.Clone(packed); b[2] |= 0x80; return b }(), // a response
	}
	for _, b := range junk {
		if _, err := udp.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	tcp, err := net.Dial("tcp", s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	tcp.Write([]byte{0xff, 0xff, 1, 2, 3}) // promises 64KB, sends 3 bytes
	tcp.Close()
	tcp, err = net.Dial("tcp", s.TCPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	tcp.Write([]byte{0, 5, 1, 2, 3, 4, 5}) // a 5-byte message
	tcp.Close()

	for _, network := range []string{"udp", "tcp"} {
		addr := s.Addr().String()
		if network == "tcp" {
			addr = s.TCPAddr().String()
		}
		m := exchange(t, network, addr, "web.service.consul.", dns.TypeA)
		must(t, m.Rcode == dns.RcodeSuccess && len(m.Answer) == 3, "after junk, %s answer: %v", network, m)
	}
}

// TestDig queries a running server with the real dig binary.
func TestDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig is not installed (apt-get install dnsutils); skipping the dig test")
	}
	s := newServer(t, fixture(), func(c *pdns.Config) { c.EnableTruncate = true })
	startServer(t, s)
	_, port, _ := net.SplitHostPort(s.Addr().String())
	run := func(args ...string) []string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		base := []string{"@127.0.0.1", "-p", port, "+time=5", "+tries=1"}
		out, err := exec.CommandContext(ctx, dig, append(base, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("dig %v: %v\n%s", args, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		slices.Sort(lines)
		return lines
	}
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"+short", "web.service.consul", "A"}, []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
		{[]string{"+short", "WEB.service.dc1.consul", "AAAA"}, []string{"fd00::6"}},
		{[]string{"+short", "v1.web.service.consul"}, []string{"10.0.0.1"}},
		{[]string{"+short", "+tcp", "_web._tcp.service.consul", "SRV"}, []string{
			"1 1 8080 node1.node.dc1.consul.", "1 1 8080 node2.node.dc1.consul.", "1 1 8080 node3.node.dc1.consul.", "1 1 8080 node6.node.dc1.consul."}},
		{[]string{"+short", "node1.node.consul", "TXT"}, []string{`"rack=r1"`, `"z1"`}},
		{[]string{"+short", "-x", "10.0.0.1"}, []string{"node1.node.dc1.consul."}},
		{[]string{"+short", "0a010005.addr.dc1.consul"}, []string{"10.1.0.5"}},
		{[]string{"+short", "consul", "NS"}, []string{"node1.node.dc1.consul.", "node2.node.dc1.consul.", "node3.node.dc1.consul."}},
	}
	for _, tc := range cases {
		if got := run(tc.args...); !slices.Equal(got, tc.want) {
			t.Errorf("dig %v:\n got  %q\n want %q", tc.args, got, tc.want)
		}
	}
	// Status lines: NXDOMAIN with the SOA, and the TC bit over UDP.
	out := strings.Join(run("nope.service.consul"), "\n")
	must(t, strings.Contains(out, "status: NXDOMAIN") && strings.Contains(out, "IN\tSOA\tns.consul. hostmaster.consul."),
		"dig nope.service.consul:\n%s", out)
	out = strings.Join(run("+noedns", "+ignore", "web.service.consul", "SRV"), "\n")
	must(t, strings.Contains(out, " tc ") || strings.Contains(out, " tc;"), "dig +noedns SRV of 4 instances: no TC flag:\n%s", out)
	out = strings.Join(run("+tcp", "web.service.consul", "SRV"), "\n")
	must(t, strings.Contains(out, "ANSWER: 4"), "dig +tcp SRV: not all 4 answers:\n%s", out)
}
