package agent

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

// testDNSAgent starts a dev agent with DNS on a free loopback port and
// registers three passing instances of "web" (web1..web3 on ports
// 8081..8083, service addresses 127.0.0.11..13).
func testDNSAgent(t *testing.T) (*Agent, *consulapi.Client) {
	t.Helper()
	a, cl := testAgent(t, "-dns-port", "0")
	if a.DNSAddr() == "" {
		t.Fatal("DNS not started")
	}
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("web%d", i)
		err := cl.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{
			ID: id, Name: "web", Port: 8080 + i, Address: fmt.Sprintf("127.0.0.%d", 10+i),
			Check: &consulapi.AgentServiceCheck{TTL: "30s"},
		})
		if err != nil {
			t.Fatalf("register %s: %v", id, err)
		}
		if err := cl.Agent().PassTTL("service:"+id, ""); err != nil {
			t.Fatalf("pass %s: %v", id, err)
		}
	}
	// Agent registrations reach the catalog through anti-entropy, which
	// runs right after the change but not inside the request.
	eventually(t, "3 passing web instances in the catalog", func() bool {
		svcs, _, err := cl.Health().Service("web", "", true, nil)
		return err == nil && len(svcs) == 3
	})
	return a, cl
}

// exchange sends one question over network ("udp" or "tcp") to addr.
func exchange(t *testing.T, network, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	resp, _, err := c.Exchange(req, addr)
	if err != nil {
		t.Fatalf("%s query %s: %v", network, name, err)
	}
	if resp.Rcode != dns.RcodeSuccess {
		t.Fatalf("%s query %s: rcode %s", network, name, dns.RcodeToString[resp.Rcode])
	}
	return resp
}

// answers summarizes the A and SRV records of a response, sorted: A as
// the address, SRV as the port.
func answers(resp *dns.Msg) []string {
	var out []string
	for _, rr := range resp.Answer {
		switch r := rr.(type) {
		case *dns.A:
			out = append(out, r.A.String())
		case *dns.SRV:
			out = append(out, strconv.Itoa(int(r.Port)))
		case *dns.PTR:
			out = append(out, r.Ptr)
		}
	}
	slices.Sort(out)
	return out
}

// dnsAddrs are the agent's UDP and TCP DNS addresses.
func dnsAddrs(t *testing.T, a *Agent) map[string]string {
	t.Helper()
	tcp := a.dnsServer.TCPAddr()
	if tcp == nil {
		t.Fatal("DNS not served over TCP")
	}
	return map[string]string{"udp": a.DNSAddr(), "tcp": tcp.String()}
}

func TestDNSAnswersFromTheCatalogAndDropsCriticalInstances(t *testing.T) {
	a, cl := testDNSAgent(t)
	addrs := dnsAddrs(t, a)
	_, udpPort, _ := net.SplitHostPort(addrs["udp"])
	_, tcpPort, _ := net.SplitHostPort(addrs["tcp"])
	if udpPort != tcpPort {
		t.Errorf("UDP port %s, TCP port %s: want the same", udpPort, tcpPort)
	}

	wantA := []string{"127.0.0.11", "127.0.0.12", "127.0.0.13"}
	wantSRV := []string{"8081", "8082", "8083"}
	for _, network := range []string{"udp", "tcp"} {
		eventually(t, network+" answers for all instances", func() bool {
			return slices.Equal(answers(exchange(t, network, addrs[network], "web.service.consul.", dns.TypeA)), wantA)
		})
		if got := answers(exchange(t, network, addrs[network], "web.service.consul.", dns.TypeSRV)); !slices.Equal(got, wantSRV) {
			t.Errorf("%s SRV = %v, want %v", network, got, wantSRV)
		}
		if got := answers(exchange(t, network, addrs[network], "node1.node.consul.", dns.TypeA)); !slices.Equal(got, []string{"127.0.0.1"}) {
			t.Errorf("%s node A = %v", network, got)
		}
		// The servers are the consul service, on their server port.
		_, serverPort, _ := net.SplitHostPort(a.server.Addr())
		eventually(t, network+" consul.service.consul", func() bool {
			return slices.Equal(answers(exchange(t, network, addrs[network], "consul.service.consul.", dns.TypeSRV)), []string{serverPort})
		})
	}

	if err := cl.Agent().FailTTL("service:web2", "down"); err != nil {
		t.Fatalf("fail ttl: %v", err)
	}
	wantA = []string{"127.0.0.11", "127.0.0.13"}
	wantSRV = []string{"8081", "8083"}
	for _, network := range []string{"udp", "tcp"} {
		eventually(t, network+" A without the critical instance", func() bool {
			return slices.Equal(answers(exchange(t, network, addrs[network], "web.service.consul.", dns.TypeA)), wantA)
		})
		eventually(t, network+" SRV without the critical instance", func() bool {
			return slices.Equal(answers(exchange(t, network, addrs[network], "web.service.consul.", dns.TypeSRV)), wantSRV)
		})
	}
}

func TestDNSOffByDefaultInTests(t *testing.T) {
	a, _ := testAgent(t)
	if got := a.DNSAddr(); got != "" {
		t.Fatalf("DNSAddr = %q with -dns-port -1", got)
	}
}

// TestDigSRV queries the agent with the dig binary, as users do.
func TestDigSRV(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		if os.Getenv("PYLON_REQUIRE_TOOLS") == "1" {
			t.Fatalf("dig not found and PYLON_REQUIRE_TOOLS=1: %v", err)
		}
		t.Skip("dig not installed")
	}
	a, _ := testDNSAgent(t)
	_, port, err := net.SplitHostPort(a.DNSAddr())
	if err != nil {
		t.Fatalf("DNS address %q: %v", a.DNSAddr(), err)
	}
	var lines []string
	eventually(t, "dig lists three SRV records", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, dig, "@127.0.0.1", "-p", port, "+short", "+tries=1", "+time=2",
			"web.service.consul", "SRV")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("dig: %v: %s", err, stderr.String())
		}
		lines = strings.Split(strings.TrimSpace(string(out)), "\n")
		return len(lines) == 3
	})
	var ports []string
	for _, l := range lines {
		f := strings.Fields(l) // priority weight port target
		if len(f) != 4 || !strings.HasSuffix(f[3], ".consul.") {
			t.Fatalf("dig SRV line %q", l)
		}
		ports = append(ports, f[2])
	}
	slices.Sort(ports)
	if want := []string{"8081", "8082", "8083"}; !slices.Equal(ports, want) {
		t.Fatalf("dig SRV ports = %v, want %v", ports, want)
	}
}

// TestDNSPreparedQuery: a query made through /v1/query answers
// <name>.query.consul with its TTL, and a template answers names it was
// not created with.
func TestDNSPreparedQuery(t *testing.T) {
	a, cl := testDNSAgent(t)
	q := cl.PreparedQuery()
	_, _, err := q.Create(&consulapi.PreparedQueryDefinition{
		Name: "web-q", Service: consulapi.ServiceQuery{Service: "web", OnlyPassing: true},
		DNS: consulapi.QueryDNSOptions{TTL: "7s"},
	}, nil)
	if err != nil {
		t.Fatalf("create query: %v", err)
	}
	_, _, err = q.Create(&consulapi.PreparedQueryDefinition{
		Name: "geo-", Template: consulapi.QueryTemplate{Type: "name_prefix_match", Regexp: "^geo-(.*)$"},
		Service: consulapi.ServiceQuery{Service: "${match(1)}"},
	}, nil)
	if err != nil {
		t.Fatalf("create template: %v", err)
	}
	resp := exchange(t, "udp", a.DNSAddr(), "web-q.query.consul.", dns.TypeSRV)
	if len(resp.Answer) != 3 || resp.Answer[0].Header().Ttl != 7 {
		t.Fatalf("web-q.query: %d answers, ttl %d; want 3 with ttl 7:\n%v", len(resp.Answer), resp.Answer[0].Header().Ttl, resp)
	}
	if resp := exchange(t, "udp", a.DNSAddr(), "geo-web.query.consul.", dns.TypeA); len(resp.Answer) != 3 {
		t.Fatalf("template geo-web.query: %d answers, want 3:\n%v", len(resp.Answer), resp)
	}
	req := new(dns.Msg)
	req.SetQuestion("missing.query.consul.", dns.TypeA)
	r, err := dns.Exchange(req, a.DNSAddr())
	if err != nil || r.Rcode != dns.RcodeNameError {
		t.Fatalf("missing.query: %v rcode %v, want NXDOMAIN", err, r)
	}
}
