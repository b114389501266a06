package dnsview

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// testServers is a Raft cluster of n servers on loopback with fast
// timings, stopped when the test ends, and a client that writes to it
// (riding out leader elections).
type testServers struct {
	servers []*server.Server
	writer  *server.Client
}

func startServers(t testing.TB, n int) *testServers {
	t.Helper()
	var c []*server.Server
	for i := range n {
		cfg := server.DefaultConfig()
		cfg.NodeName = fmt.Sprintf("server-%d", i+1)
		cfg.RaftAddr = "127.0.0.1:0"
		cfg.FastRaft = true
		cfg.NoBootstrap = i > 0
		s, err := server.New(cfg)
		if err != nil {
			t.Fatalf("start %s: %v", cfg.NodeName, err)
		}
		t.Cleanup(func() { s.Shutdown() })
		c = append(c, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c[0].WaitForLeader(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "first server leads", c[0].IsLeader)
	for _, s := range c[1:] {
		if err := c[0].AddVoter(ctx, s.ID(), s.Addr()); err != nil {
			t.Fatalf("add %s: %v", s.ID(), err)
		}
	}
	var addrs []string
	for _, s := range c {
		if err := s.WaitForLeader(ctx); err != nil {
			t.Fatalf("%s: %v", s.ID(), err)
		}
		addrs = append(addrs, s.Addr())
	}
	w := server.NewClient(nil)
	t.Cleanup(func() { w.Close() })
	w.SetServers(addrs)
	return &testServers{servers: c, writer: w}
}

func (c *testServers) leader(t testing.TB) *server.Server {
	t.Helper()
	var l *server.Server
	eventually(t, "a leader", func() bool {
		for _, s := range c.servers {
			if s.IsLeader() {
				l = s
				return true
			}
		}
		return false
	})
	return l
}

func (c *testServers) register(t testing.TB, reg *state.Registration) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	idx, err := c.writer.Register(ctx, reg)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return idx
}

func (c *testServers) deregister(t testing.TB, d *state.Deregistration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.writer.Deregister(ctx, d); err != nil {
		t.Fatalf("deregister: %v", err)
	}
}

// newClientView is a view whose service views stream from the servers at
// addrs through a server.Client. Its own store stays empty, as a client
// agent's: every instance it answers came over the wire.
func newClientView(t testing.TB, addrs ...string) (*View, *server.Client) {
	t.Helper()
	cl := server.NewClient(nil)
	t.Cleanup(func() { cl.Close() })
	cl.SetServers(addrs)
	empty, err := state.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig("dc1")
	cfg.Source = ClientSource(cl)
	cfg.SnapshotTimeout = 5 * time.Second
	v, err := New(empty, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v, cl
}

// sorted orders instances by node and service ID.
func sorted(insts []dns.Instance) []dns.Instance {
	out := slices.Clone(insts)
	slices.SortFunc(out, func(a, b dns.Instance) int {
		return cmp.Or(cmp.Compare(a.Node.Name, b.Node.Name), cmp.Compare(a.ServiceID, b.ServiceID))
	})
	return out
}

// answers is a view's service and connect answers for name, sorted.
func answers(v *View, name string) [2][]dns.Instance {
	return [2][]dns.Instance{sorted(v.ServiceInstances("dc1", name)), sorted(v.ConnectInstances("dc1", name))}
}

// sameAnswers reports whether both views answer the same instances, field
// by field, for name's service and connect lookups.
func sameAnswers(a, b *View, name string) bool {
	return reflect.DeepEqual(answers(a, name), answers(b, name))
}

// TestClientSourceAnswersAsTheStore runs the changes of
// TestServiceViewFollowsChanges and TestConnectInstances through Raft and
// compares a view over a follower's store with one streaming from that
// follower.
func TestClientSourceAnswersAsTheStore(t *testing.T) {
	c := startServers(t, 3)
	l := c.leader(t)
	var f *server.Server
	for _, s := range c.servers {
		if s != l {
			f = s
			break
		}
	}
	for i, n := range []string{"n1", "n2", "n3"} {
		reg := instance(n, fmt.Sprintf("10.0.0.%d", i+1), "web", "web1", state.HealthPassing)
		reg.Node.TaggedAddresses = map[string]string{"wan": "1.2.3.4"}
		reg.Service.TaggedAddresses = map[string]state.ServiceAddress{"wan": {Address: "5.6.7.8", Port: 9}}
		reg.Service.Weights = state.Weights{Passing: 5, Warning: 2}
		c.register(t, reg)
	}
	eventually(t, "follower has the instances", func() bool {
		_, csns, _ := f.Store().CheckServiceNodes(nil, "web", false)
		return len(csns) == 3
	})
	local, err := New(f.Store(), DefaultConfig("dc1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(local.Close)
	remote, _ := newClientView(t, f.Addr())

	if got := remote.ServiceInstances("dc1", "web"); len(got) != 3 {
		t.Fatalf("remote first query = %+v", got)
	}
	eventually(t, "same snapshot", func() bool { return sameAnswers(local, remote, "web") })
	got := remote.ServiceInstances("dc1", "web")[0]
	if got.Node.TaggedAddresses["wan"] != "1.2.3.4" || got.Node.Meta["rack"] != "a" || got.Weights.Passing != 5 ||
		got.TaggedAddresses["wan"].Port != 9 || got.Tags[0] != "v1" {
		t.Fatalf("remote instance lost fields: %+v", got)
	}

	steps := []struct {
		name  string
		write func()
	}{
		{"n2 critical", func() { c.register(t, setCheck("n2", "web1", state.HealthCritical)) }},
		{"n1 deregistered", func() { c.deregister(t, &state.Deregistration{Node: "n1", ServiceID: "web1"}) }},
		{"n4 added", func() { c.register(t, instance("n4", "10.0.0.4", "web", "web2", state.HealthWarning)) }},
		{"node n3 gone", func() { c.deregister(t, &state.Deregistration{Node: "n3"}) }},
		{"proxy added", func() {
			c.register(t, &state.Registration{
				Node: state.Node{Node: "n2", Address: "10.0.0.2"},
				Service: &state.Service{ID: "web1-sidecar-proxy", Name: "web-sidecar-proxy", Kind: state.KindConnectProxy,
					Port: 21000, Proxy: state.Proxy{DestinationServiceName: "web", DestinationServiceID: "web1"}},
			})
		}},
		{"proxy gone", func() { c.deregister(t, &state.Deregistration{Node: "n2", ServiceID: "web1-sidecar-proxy"}) }},
	}
	for _, st := range steps {
		before := answers(local, "web")
		st.write()
		// Every step changes the answers: wait for the view over the
		// follower's store to move, then for the remote view to match it.
		eventually(t, st.name+": local view moves", func() bool {
			return !reflect.DeepEqual(answers(local, "web"), before)
		})
		eventually(t, st.name+": same answers", func() bool { return sameAnswers(local, remote, "web") })
	}
	want := map[string]string{"n2/web1": "critical", "n4/web2": "warning"}
	if got := remote.ServiceInstances("dc1", "web"); !sameStatuses(got, want) {
		t.Fatalf("remote final = %v, want %v", statuses(got), want)
	}
}

// TestClientSourceMovesToAnotherServer: the server a view streams from
// stops; the view subscribes to another from its last index and keeps
// following the changes.
func TestClientSourceMovesToAnotherServer(t *testing.T) {
	c := startServers(t, 3)
	l := c.leader(t)
	var f *server.Server
	var addrs []string
	for _, s := range c.servers {
		if s != l && f == nil {
			f = s
		}
		addrs = append(addrs, s.Addr())
	}
	c.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	eventually(t, "follower has the instance", func() bool {
		_, csns, _ := f.Store().CheckServiceNodes(nil, "web", false)
		return len(csns) == 1
	})
	v, cl := newClientView(t, f.Addr())
	if got := v.ServiceInstances("dc1", "web"); len(got) != 1 {
		t.Fatalf("first query = %+v", got)
	}
	cl.SetServers(addrs) // the follower stays the current server
	if cur := cl.Servers()[0]; cur != f.Addr() {
		t.Fatalf("current server = %s, want %s", cur, f.Addr())
	}

	if err := f.Shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	c.register(t, setCheck("n1", "web1", state.HealthCritical))
	c.register(t, instance("n2", "10.0.0.2", "web", "web1", state.HealthPassing))
	want := map[string]string{"n1/web1": "critical", "n2/web1": "passing"}
	eventually(t, "view follows through another server", func() bool {
		return sameStatuses(v.ServiceInstances("dc1", "web"), want)
	})
	if cur := cl.Servers()[0]; cur == f.Addr() {
		t.Fatal("the stopped server is still current")
	}
}
