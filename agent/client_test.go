package agent

import (
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"
	"github.com/miekg/dns"
)

var errWrongValue = errors.New("wrong value")

// startClientAgent starts a client agent (no -server) that joins the LAN
// pool of srv and so finds its server.
func startClientAgent(t *testing.T, srv *Agent, node string) (*Agent, *consulapi.Client) {
	t.Helper()
	a, cl := startAgent(t, "-node", node, "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1",
		"-data-dir", t.TempDir(), "-retry-join", lanAddr(srv))
	if a.server != nil {
		t.Fatal("a client agent started a server")
	}
	eventually(t, "the client to find a server", func() bool { return len(a.client.Servers()) > 0 })
	return a, cl
}

// lanAddr is the address a's LAN pool is joined at.
func lanAddr(a *Agent) string {
	m := a.lan.Load().LocalMember()
	return net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))
}

func TestClientAgentServesThroughTheServer(t *testing.T) {
	srv, srvAPI := testAgent(t)
	_, cliAPI := startClientAgent(t, srv, "client1")

	// The client's node and its API registrations reach the catalog by
	// anti-entropy over RPC.
	if err := cliAPI.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{
		ID: "web-1", Name: "web", Port: 8080,
		Check: &consulapi.AgentServiceCheck{TTL: "30s", Status: consulapi.HealthPassing},
	}); err != nil {
		t.Fatalf("register on the client: %v", err)
	}
	eventually(t, "the client's service in the server's catalog", func() bool {
		entries, _, err := srvAPI.Health().Service("web", "", true, nil)
		return err == nil && len(entries) == 1 && entries[0].Node.Node == "client1"
	})

	// Catalog, health and KV requests to the client are answered by the
	// server, writes included.
	if _, err := cliAPI.KV().Put(&consulapi.KVPair{Key: "from/client", Value: []byte("1")}, nil); err != nil {
		t.Fatalf("KV put through the client: %v", err)
	}
	pair, _, err := srvAPI.KV().Get("from/client", nil)
	if err != nil || pair == nil || string(pair.Value) != "1" {
		t.Fatalf("the server has %+v, %v", pair, err)
	}
	nodes, meta, err := cliAPI.Catalog().Nodes(nil)
	if err != nil || len(nodes) != 2 || meta.LastIndex == 0 {
		t.Fatalf("catalog nodes through the client = %d nodes, index %d, %v; want both nodes", len(nodes), meta.LastIndex, err)
	}

	// A blocking query on the client wakes on a write made on the server.
	_, meta, err = cliAPI.KV().Get("watched", nil)
	if err != nil {
		t.Fatal(err)
	}
	woke := make(chan error, 1)
	go func() {
		pair, _, err := cliAPI.KV().Get("watched", &consulapi.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 10 * time.Second})
		if err == nil && (pair == nil || string(pair.Value) != "now") {
			err = errWrongValue
		}
		woke <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the query block first; a late start only makes it return at once
	if _, err := srvAPI.KV().Put(&consulapi.KVPair{Key: "watched", Value: []byte("now")}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-woke:
		if err != nil {
			t.Fatalf("blocking read through the client: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the blocking read through the client did not wake on the server's write")
	}

	// The agent endpoints stay the client's own.
	self, err := cliAPI.Agent().Self()
	if err != nil || self["Config"]["NodeName"] != "client1" {
		t.Fatalf("agent/self on the client = %v, %v", self["Config"], err)
	}
}

func TestClientAgentWithoutServersSaysSo(t *testing.T) {
	_, cliAPI := startAgent(t, "-node", "lonely", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1", "-data-dir", t.TempDir())
	_, _, err := cliAPI.Catalog().Nodes(nil)
	if err == nil {
		t.Fatal("catalog read on a client with no servers succeeded")
	}
	if !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "No known Consul servers") {
		t.Fatalf("error = %v, want a 500 saying no servers are known", err)
	}
}

// TestClientAgentDNS: a client agent answers service lookups from views
// streamed from the servers, and a client that dies takes its services
// out of DNS everywhere (its serfHealth check goes critical).
func TestClientAgentDNS(t *testing.T) {
	srv, _ := testAgent(t, "-dns-port", "0")
	cli, cliAPI := startAgent(t, "-node", "client-dns", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "0",
		"-grpc-port", "-1", "-data-dir", t.TempDir(), "-retry-join", lanAddr(srv))
	if err := cliAPI.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{
		ID: "api-1", Name: "api", Port: 9090, Address: "127.0.0.21",
		Check: &consulapi.AgentServiceCheck{TTL: "30s", Status: consulapi.HealthPassing},
	}); err != nil {
		t.Fatal(err)
	}
	lookupType := func(a *Agent, name string, qtype uint16) []string {
		req := new(dns.Msg)
		req.SetQuestion(name, qtype)
		resp, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(req, a.DNSAddr())
		if err != nil {
			return []string{"error: " + err.Error()}
		}
		return answers(resp)
	}
	lookupName := func(a *Agent, name string) []string { return lookupType(a, name, dns.TypeA) }
	lookup := func(a *Agent) []string { return lookupName(a, "api.service.consul.") }
	for _, a := range []*Agent{cli, srv} {
		eventually(t, "api in DNS", func() bool { return slices.Equal(lookup(a), []string{"127.0.0.21"}) })
	}
	// Node lookups on the client are answered by the servers.
	if got := lookupName(cli, "node1.node.consul."); !slices.Equal(got, []string{"127.0.0.1"}) {
		t.Errorf("node1.node.consul on the client = %v, want [127.0.0.1]", got)
	}
	if got := lookupName(cli, "nobody.node.consul."); len(got) != 0 {
		t.Errorf("nobody.node.consul on the client = %v, want nothing", got)
	}
	// So are prepared queries.
	if _, _, err := cliAPI.PreparedQuery().Create(&consulapi.PreparedQueryDefinition{
		Name: "api-q", Service: consulapi.ServiceQuery{Service: "api", OnlyPassing: true},
	}, nil); err != nil {
		t.Fatal(err)
	}
	if got := lookupName(cli, "api-q.query.consul."); !slices.Equal(got, []string{"127.0.0.21"}) {
		t.Errorf("api-q.query.consul on the client = %v, want [127.0.0.21]", got)
	}
	if got := lookupName(cli, "missing.query.consul."); len(got) != 0 {
		t.Errorf("missing.query.consul on the client = %v, want nothing", got)
	}
	// And reverse lookups, of a node's address and of a service's own: the
	// client answers what the server does.
	for _, name := range []string{"1.0.0.127.in-addr.arpa.", "21.0.0.127.in-addr.arpa."} {
		want := lookupType(srv, name, dns.TypePTR)
		if len(want) == 0 {
			t.Fatalf("PTR %s on the server answers nothing", name)
		}
		if got := lookupType(cli, name, dns.TypePTR); !slices.Equal(got, want) {
			t.Errorf("PTR %s on the client = %v, want %v as on the server", name, got, want)
		}
	}
	if err := cli.Shutdown(); err != nil { // a crash to the others: no leave
		t.Fatal(err)
	}
	eventually(t, "api out of the server's DNS", func() bool { return len(lookup(srv)) == 0 })
}
