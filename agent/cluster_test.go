package agent

import (
	"fmt"
	"net"
	"testing"

	consulapi "github.com/hashicorp/consul/api"
)

// testServers starts n server agents with -bootstrap-expect n, each with
// its own data dir, joined through the first one's LAN address.
func testServers(t *testing.T, n int) ([]*Agent, []*consulapi.Client) {
	t.Helper()
	var agents []*Agent
	var apis []*consulapi.Client
	for i := range n {
		args := []string{"-server", "-bootstrap-expect", fmt.Sprint(n), "-node", fmt.Sprintf("server-%d", i+1),
			"-bind", "127.0.0.1", "-client", "127.0.0.1", "-data-dir", t.TempDir(),
			"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1",
			"-dns-port", "-1", "-grpc-port", "-1"}
		if i > 0 {
			args = append(args, "-retry-join", lanAddr(agents[0]))
		}
		a, cl := startAgent(t, args...)
		agents, apis = append(agents, a), append(apis, cl)
	}
	// A server learns of the leader from its first heartbeat, which can
	// come before the entries that carry the configuration.
	eventually(t, "a leader and every voter known to every server", func() bool {
		for _, cl := range apis {
			l, err := cl.Status().Leader()
			peers, perr := cl.Status().Peers()
			if err != nil || l == "" || perr != nil || len(peers) != n {
				return false
			}
		}
		return true
	})
	return agents, apis
}

// serfStatus is the status of node's serfHealth check as cl sees it ("" if
// the node or check is absent).
func serfStatus(t *testing.T, cl *consulapi.Client, node string) string {
	t.Helper()
	checks, _, err := cl.Health().Node(node, nil)
	if err != nil {
		return ""
	}
	for _, c := range checks {
		if c.CheckID == "serfHealth" {
			return c.Status
		}
	}
	return ""
}

func TestClusterBootstrapExpectAndMembership(t *testing.T) {
	servers, apis := testServers(t, 3)
	peers, err := apis[0].Status().Peers()
	if err != nil || len(peers) != 3 {
		t.Fatalf("raft peers = %v, %v; want 3", peers, err)
	}

	client, cliAPI := startClientAgent(t, servers[1], "client-1")
	// A write through the client lands on every server.
	if _, err := cliAPI.KV().Put(&consulapi.KVPair{Key: "k", Value: []byte("v")}, nil); err != nil {
		t.Fatalf("put through the client: %v", err)
	}
	for i, cl := range apis {
		eventually(t, fmt.Sprint("the write on server ", i+1), func() bool {
			p, _, err := cl.KV().Get("k", &consulapi.QueryOptions{AllowStale: true})
			return err == nil && p != nil && string(p.Value) == "v"
		})
	}
	// Every member's node has a passing serfHealth check.
	for _, node := range []string{"server-1", "server-2", "server-3", "client-1"} {
		eventually(t, node+" serfHealth passing", func() bool { return serfStatus(t, apis[0], node) == "passing" })
	}
	// Every server is a passing instance of the "consul" service on its
	// server port, as in Consul.
	eventually(t, "the consul service on every server", func() bool {
		entries, _, err := apis[0].Health().Service("consul", "", true, nil)
		if err != nil || len(entries) != 3 {
			return false
		}
		for _, e := range entries {
			var i int
			if _, err := fmt.Sscanf(e.Node.Node, "server-%d", &i); err != nil || i < 1 || i > 3 {
				return false
			}
			_, port, _ := net.SplitHostPort(servers[i-1].server.Addr())
			if e.Service.ID != "consul" || fmt.Sprint(e.Service.Port) != port {
				return false
			}
		}
		return true
	})
	// Default and consistent reads through any server see every write
	// acknowledged before them, wherever it was made: followers hand
	// them to the leader.
	for i := range 20 {
		w, r := apis[i%3], apis[(i+1)%3]
		val := fmt.Sprint("v", i)
		if _, err := w.KV().Put(&consulapi.KVPair{Key: "ryw", Value: []byte(val)}, nil); err != nil {
			t.Fatal(err)
		}
		opts := &consulapi.QueryOptions{RequireConsistent: i%2 == 0}
		p, _, err := r.KV().Get("ryw", opts)
		if err != nil || p == nil || string(p.Value) != val {
			t.Fatalf("read %d after a write through another server = %+v, %v; want %q", i, p, err, val)
		}
	}
	members := servers[0].lan.Load().Members()
	if len(members) != 4 {
		t.Fatalf("LAN pool has %d members, want 4", len(members))
	}

	// A client that stops without leaving is failed: its check goes
	// critical and its services leave the passing health answers.
	if err := client.Shutdown(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "client-1 serfHealth critical", func() bool { return serfStatus(t, apis[0], "client-1") == "critical" })
}

func TestClusterGracefulLeaveDeregisters(t *testing.T) {
	servers, apis := testServers(t, 1)
	client, _ := startClientAgent(t, servers[0], "client-2")
	eventually(t, "client-2 in the catalog", func() bool { return serfStatus(t, apis[0], "client-2") == "passing" })
	if err := leavePool(&client.lan); err != nil {
		t.Fatalf("leave: %v", err)
	}
	eventually(t, "client-2 deregistered", func() bool {
		n, _, err := apis[0].Catalog().Node("client-2", nil)
		return err == nil && n == nil
	})
}
