package dnsview

import (
	"net/netip"
	"testing"

	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/state"
)

func TestNodeLookup(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("Node1", "10.0.0.1", "web", "web1", state.HealthPassing))
	v := newView(t, s, nil)
	n, ok := v.Node("dc1", "node1")
	if !ok || n.Name != "Node1" || n.Address != "10.0.0.1" || n.Datacenter != "dc1" || n.Meta["rack"] != "a" {
		t.Fatalf("Node = %+v, %v", n, ok)
	}
	if _, ok := v.Node("dc1", "nope"); ok {
		t.Fatal("unknown node found")
	}
}

func TestReverseLookups(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n2", "10.0.0.1", "web", "web1", state.HealthPassing))
	s.register(t, instance("n1", "10.0.0.1", "db", "db1", state.HealthPassing)) // same address, first by name
	reg := instance("n3", "10.0.0.3", "api", "api1", state.HealthCritical)
	reg.Service.Address = "10.9.9.9"
	s.register(t, reg)
	v := newView(t, s, nil)

	if n, ok := v.NodeByAddress("dc1", netip.MustParseAddr("10.0.0.1")); !ok || n.Name != "n1" {
		t.Fatalf("NodeByAddress = %+v, %v", n, ok)
	}
	// An IPv4-mapped address in the catalog matches the unmapped query.
	s.register(t, &state.Registration{Node: state.Node{Node: "n6", Address: "::ffff:10.0.0.6"}})
	if n, ok := v.NodeByAddress("dc1", netip.MustParseAddr("10.0.0.6")); !ok || n.Name != "n6" {
		t.Fatalf("mapped NodeByAddress = %+v, %v", n, ok)
	}
	if _, ok := v.NodeByAddress("dc2", netip.MustParseAddr("10.0.0.1")); ok {
		t.Fatal("found a node in dc2")
	}
	got := v.ServicesByAddress("dc1", netip.MustParseAddr("10.9.9.9"))
	if len(got) != 1 || got[0].ServiceName != "api" || got[0].Node.Name != "n3" || got[0].Status != dns.StatusCritical {
		t.Fatalf("ServicesByAddress = %+v", got)
	}
	if got := v.ServicesByAddress("dc1", netip.MustParseAddr("10.0.0.1")); len(got) != 0 {
		t.Fatalf("a node address matched services: %+v", got)
	}

	// Changes after the index was built are seen.
	s.register(t, &state.Registration{Node: state.Node{Node: "n4", Address: "10.0.0.4"}})
	reg = instance("n4", "10.0.0.4", "cache", "cache1", state.HealthPassing)
	reg.Service.Address = "10.9.9.9"
	s.register(t, reg)
	if n, ok := v.NodeByAddress("dc1", netip.MustParseAddr("10.0.0.4")); !ok || n.Name != "n4" {
		t.Fatalf("new node: %+v, %v", n, ok)
	}
	if got := v.ServicesByAddress("dc1", netip.MustParseAddr("10.9.9.9")); len(got) != 2 {
		t.Fatalf("after adding a service: %+v", got)
	}
	s.deregister(t, &state.Deregistration{Node: "n3"})
	if got := v.ServicesByAddress("dc1", netip.MustParseAddr("10.9.9.9")); len(got) != 1 || got[0].ServiceName != "cache" {
		t.Fatalf("after deleting n3: %+v", got)
	}
}

func TestAddressIndexIsReusedUntilAChange(t *testing.T) {
	s := newTestStore(t)
	s.register(t, instance("n1", "10.0.0.1", "web", "web1", state.HealthPassing))
	v := newView(t, s, nil)
	first := v.addrIndex()
	if again := v.addrIndex(); again != first {
		t.Fatal("index rebuilt without a change")
	}
	s.register(t, setCheck("n1", "web1", state.HealthCritical)) // checks only: the index stays
	if again := v.addrIndex(); again != first {
		t.Fatal("index rebuilt after a check change")
	}
	s.register(t, instance("n2", "10.0.0.2", "web", "web1", state.HealthPassing))
	if again := v.addrIndex(); again == first {
		t.Fatal("index not rebuilt after a new node")
	}
}
