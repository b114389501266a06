package agent

import (
	"bytes"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/gossip"
)

func wanAddr(a *Agent) string {
	m := a.wan.Load().LocalMember()
	return net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))
}

// wanServerArgs are those of a lone server of datacenter dc with a WAN
// pool on a free port.
func wanServerArgs(t *testing.T, node, dc string, extra ...string) []string {
	return append([]string{"-bootstrap"}, wanArgs(t, node, dc, extra...)...)
}

// wanArgs are those of a server of datacenter dc with a WAN pool on a free
// port, waiting to be added to a cluster.
func wanArgs(t *testing.T, node, dc string, extra ...string) []string {
	return append([]string{"-server", "-node", node, "-datacenter", dc, "-bind", "127.0.0.1",
		"-client", "127.0.0.1", "-data-dir", t.TempDir(), "-http-port", "0", "-server-port", "0",
		"-serf-lan-port", "0", "-serf-wan-port", "0", "-dns-port", "-1", "-grpc-port", "-1"}, extra...)
}

// aliveWAN lists, sorted, the alive WAN members the agent behind cl sees;
// nil when it cannot be asked.
func aliveWAN(cl *consulapi.Client) []string {
	ms, err := cl.Agent().Members(true)
	if err != nil {
		return nil
	}
	var names []string
	for _, m := range ms {
		if m.Status == 1 {
			names = append(names, m.Name)
		}
	}
	slices.Sort(names)
	return names
}

// TestWANPoolJoinsDatacenters: servers of two datacenters join the WAN
// pool, one over the API and one with -retry-join-wan; every server
// lists all of them as "<node>.<dc>" and every datacenter in
// /v1/catalog/datacenters, its own first. A client agent has no WAN pool.
func TestWANPoolJoinsDatacenters(t *testing.T) {
	s1, api1 := startAgent(t, wanServerArgs(t, "s1", "dc1")...)
	s2, api2 := startAgent(t, wanServerArgs(t, "s2", "dc2")...)
	if err := api2.Agent().Join(wanAddr(s1), true); err != nil {
		t.Fatalf("join wan over the API: %v", err)
	}
	_, api3 := startAgent(t, wanServerArgs(t, "s3", "dc3", "-retry-join-wan", wanAddr(s2), "-retry-interval-wan", "100ms")...)
	want := []string{"s1.dc1", "s2.dc2", "s3.dc3"}
	for i, cl := range []*consulapi.Client{api1, api2, api3} {
		eventually(t, "every server in the WAN pool", func() bool { return slices.Equal(aliveWAN(cl), want) })
		dcs, err := cl.Catalog().Datacenters()
		own := "dc" + strconv.Itoa(i+1)
		if err != nil || len(dcs) != 3 || dcs[0] != own || !slices.Contains(dcs, "dc1") || !slices.Contains(dcs, "dc2") || !slices.Contains(dcs, "dc3") {
			t.Errorf("datacenters from %s = %v, %v; want %s first, then the other two", own, dcs, err, own)
		}
	}
	lan, err := api1.Agent().Members(false)
	if err != nil || len(lan) != 1 || lan[0].Name != "s1" {
		t.Errorf("LAN members of s1 = %v, %v; want s1 alone", lan, err)
	}

	client, _ := startClientAgent(t, s1, "c1")
	if ms := client.Members(true); len(ms) != 0 {
		t.Errorf("a client agent lists WAN members %v", ms)
	}
	if err := client.Join(wanAddr(s2), true); err == nil {
		t.Error("a client agent joined the WAN pool")
	}
}

// TestGossipTimingsFromConfig: gossip_lan and gossip_wan replace only the
// timings they set.
func TestGossipTimingsFromConfig(t *testing.T) {
	got := gossip.LANTimings()
	setGossipTimings(&got, config.GossipTimings{ProbeInterval: time.Second, SuspicionMult: 4})
	want := gossip.LANTimings()
	want.ProbeInterval, want.SuspicionMult = time.Second, 4
	if got != want {
		t.Errorf("timings = %+v, want %+v", got, want)
	}
}

// TestRequestsForAnotherDatacenter: a request with ?dc= naming another
// datacenter is answered by that datacenter's servers, found in the WAN
// pool, also through a client agent; an unknown datacenter is 500 "No
// path to datacenter".
func TestRequestsForAnotherDatacenter(t *testing.T) {
	fastWAN := []string{"-hcl", `gossip_wan { probe_interval = "100ms" }`} // coordinates come from probes
	s1, api1 := startAgent(t, wanServerArgs(t, "s1", "dc1", fastWAN...)...)
	s2, api2 := startAgent(t, wanServerArgs(t, "s2", "dc2", fastWAN...)...)
	if err := api1.Agent().Join(wanAddr(s2), true); err != nil {
		t.Fatal(err)
	}
	if _, err := api2.KV().Put(&consulapi.KVPair{Key: "where", Value: []byte("dc2")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := api1.KV().Put(&consulapi.KVPair{Key: "where", Value: []byte("dc1")}, nil); err != nil {
		t.Fatal(err)
	}
	_, cliAPI := startClientAgent(t, s1, "c1")
	eventually(t, "dc2 in the WAN pool of s1", func() bool { return s1.datacenterServer("dc2") != "" })
	for name, cl := range map[string]*consulapi.Client{"server": api1, "client agent": cliAPI} {
		for dc, want := range map[string]string{"dc2": "dc2", "dc1": "dc1", "": "dc1"} {
			p, _, err := cl.KV().Get("where", &consulapi.QueryOptions{Datacenter: dc})
			if err != nil || p == nil || string(p.Value) != want {
				t.Errorf("through the %s, ?dc=%s: %v, %v; want %s", name, dc, p, err, want)
			}
		}
	}
	// A snapshot of another datacenter streams from its servers, also
	// through a client agent: restoring it in dc2 brings dc2's state back.
	for name, cl := range map[string]*consulapi.Client{"server": api1, "client agent": cliAPI} {
		rc, _, err := cl.Snapshot().Save(&consulapi.QueryOptions{Datacenter: "dc2"})
		if err != nil {
			t.Fatalf("snapshot of dc2 through the %s: %v", name, err)
		}
		archive, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api2.KV().Put(&consulapi.KVPair{Key: "where", Value: []byte("changed")}, nil); err != nil {
			t.Fatal(err)
		}
		if err := api2.Snapshot().Restore(nil, bytes.NewReader(archive)); err != nil {
			t.Fatalf("restore of dc2's snapshot taken through the %s: %v", name, err)
		}
		if p, _, err := api2.KV().Get("where", nil); err != nil || p == nil || string(p.Value) != "dc2" {
			t.Errorf("dc2 after restoring its snapshot taken through the %s: %v, %v", name, p, err)
		}
	}
	// A write lands in the datacenter it names.
	if _, err := api1.KV().Put(&consulapi.KVPair{Key: "written", Value: []byte("x")}, &consulapi.WriteOptions{Datacenter: "dc2"}); err != nil {
		t.Fatal(err)
	}
	if p, _, err := api2.KV().Get("written", nil); err != nil || p == nil {
		t.Errorf("a write with ?dc=dc2 did not reach dc2: %v, %v", p, err)
	}
	// So does a ?cached health read: the views are those of its own
	// datacenter.
	if err := api2.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{ID: "far-1", Name: "far", Port: 80}); err != nil {
		t.Fatal(err)
	}
	for name, cl := range map[string]*consulapi.Client{"server": api1, "client agent": cliAPI} {
		eventually(t, "far through the "+name+" with ?cached&dc=dc2", func() bool {
			es, _, err := cl.Health().Service("far", "", false, &consulapi.QueryOptions{Datacenter: "dc2", UseCache: true})
			return err == nil && len(es) == 1 && es[0].Service.ID == "far-1"
		})
	}
	_, _, err := api1.KV().Get("where", &consulapi.QueryOptions{Datacenter: "dc9"})
	if err == nil || !strings.Contains(err.Error(), "No path to datacenter") {
		t.Errorf("unknown datacenter: %v, want 500 No path to datacenter", err)
	}
	// Both datacenters, this one first, each with its server's WAN
	// coordinate; through the client agent too.
	for name, cl := range map[string]*consulapi.Client{"server": api1, "client agent": cliAPI} {
		eventually(t, "WAN coordinates through the "+name, func() bool {
			dcs, err := cl.Coordinate().Datacenters()
			return err == nil && len(dcs) == 2 && dcs[0].Datacenter == "dc1" && dcs[1].Datacenter == "dc2" &&
				dcs[1].AreaID == "wan" && len(dcs[0].Coordinates) == 1 && dcs[0].Coordinates[0].Node == "s1" &&
				len(dcs[1].Coordinates) == 1 && dcs[1].Coordinates[0].Node == "s2" && dcs[1].Coordinates[0].Coord != nil
		})
		if dcs, err := cl.Catalog().Datacenters(); err != nil || !slices.Equal(dcs, []string{"dc1", "dc2"}) {
			t.Errorf("datacenters through the %s = %v, %v; want [dc1 dc2]", name, dcs, err)
		}
	}
}

// TestServersFloodTheirDatacenterIntoTheWAN: servers of one datacenter
// that only joined each other's LAN pool find each other in the WAN pool
// too, and a server of another datacenter that joins one of them sees all.
func TestServersFloodTheirDatacenterIntoTheWAN(t *testing.T) {
	s1, _ := startAgent(t, wanServerArgs(t, "s1", "dc1")...)
	_, api2 := startAgent(t, wanArgs(t, "s2", "dc1", "-retry-join", lanAddr(s1), "-retry-interval", "100ms")...)
	s3, _ := startAgent(t, wanServerArgs(t, "s3", "dc2")...)
	if err := s3.Join(wanAddr(s1), true); err != nil {
		t.Fatal(err)
	}
	want := []string{"s1.dc1", "s2.dc1", "s3.dc2"}
	eventually(t, "s2 to see every server in the WAN pool", func() bool { return slices.Equal(aliveWAN(api2), want) })
}

// TestKeyringCoversEveryDatacenter: a keyring operation through any
// server acts on the WAN pool and on every datacenter's LAN pool, clients
// included, and the list answers one entry for each (WAN first, then the
// server's own datacenter) as Consul's; ?local-only lists this
// datacenter's LAN pool alone. Rotating the key this way never drops a
// member.
func TestKeyringCoversEveryDatacenter(t *testing.T) {
	const oldKey = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
	const newKey = "H3/9gBxcKKRf45CaI2DlRg=="
	_, api1 := startAgent(t, wanServerArgs(t, "s1", "dc1", "-encrypt", oldKey)...)
	s2, api2 := startAgent(t, wanServerArgs(t, "s2", "dc2", "-encrypt", oldKey)...)
	startAgent(t, "-node", "c2", "-datacenter", "dc2", "-bind", "127.0.0.1", "-client", "127.0.0.1", "-encrypt", oldKey,
		"-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1",
		"-grpc-port", "-1", "-data-dir", t.TempDir(), "-retry-join", lanAddr(s2))
	if err := api1.Agent().Join(wanAddr(s2), true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both servers in the WAN pool", func() bool { return len(aliveWAN(api2)) == 2 })
	eventually(t, "the client in dc2's LAN pool", func() bool {
		ms, err := api2.Agent().Members(false)
		return err == nil && len(ms) == 2
	})

	if err := api1.Operator().KeyringInstall(newKey, nil); err != nil {
		t.Fatal(err)
	}
	pools, err := api2.Operator().KeyringList(nil)
	want := []struct {
		wan   bool
		dc    string
		nodes int
	}{{true, "dc2", 2}, {false, "dc2", 2}, {false, "dc1", 1}}
	if err != nil || len(pools) != len(want) {
		t.Fatalf("list on s2: %s, %v; want the WAN pool, then dc2's and dc1's LAN pools", describePools(pools), err)
	}
	for i, w := range want {
		p := pools[i]
		if p.WAN != w.wan || (!w.wan && p.Datacenter != w.dc) || p.NumNodes != w.nodes || p.Keys[newKey] != w.nodes {
			t.Errorf("pool %d: %s; want WAN %v, datacenter %s, the new key on all %d nodes", i, describePools(pools[i:i+1]), w.wan, w.dc, w.nodes)
		}
	}
	local, err := api1.Operator().KeyringList(&consulapi.QueryOptions{LocalOnly: true})
	if err != nil || len(local) != 1 || local[0].WAN || local[0].Datacenter != "dc1" || local[0].Keys[newKey] != 1 {
		t.Errorf("local-only list on s1: %s, %v; want its LAN pool alone, with the key", describePools(local), err)
	}

	// Rotate: use the new key through dc2, drop the old one through dc1.
	if err := api2.Operator().KeyringUse(newKey, nil); err != nil {
		t.Fatal(err)
	}
	if err := api1.Operator().KeyringRemove(oldKey, nil); err != nil {
		t.Fatal(err)
	}
	pools, err = api1.Operator().KeyringList(nil)
	if err != nil || len(pools) != 3 {
		t.Fatalf("list on s1 after the rotation: %s, %v", describePools(pools), err)
	}
	for _, p := range pools {
		if len(p.Keys) != 1 || p.Keys[newKey] != p.NumNodes || p.PrimaryKeys[newKey] != p.NumNodes || p.NumNodes == 0 {
			t.Errorf("pool after the rotation: %s; want the new key alone, primary on every node", describePools([]*consulapi.KeyringResponse{p}))
		}
	}
	if ms, err := api2.Agent().Members(false); err != nil || len(ms) != 2 || ms[0].Status != 1 || ms[1].Status != 1 {
		t.Errorf("dc2's LAN pool after the rotation: %v, %v; want both members alive", ms, err)
	}
}
