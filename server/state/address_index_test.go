package state

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
)

// TestMatchAddressFollowsChanges: the cached address index answers what
// the catalog holds after every kind of change: a new node, a node that
// moves, a service address, a deregistration and a restore.
func TestMatchAddressFollowsChanges(t *testing.T) {
	s := newStore(t)
	ip := func(a string) netip.Addr { return netip.MustParseAddr(a) }
	nodeAt := func(addr string) string {
		t.Helper()
		m, err := s.MatchAddress(ip(addr))
		if err != nil {
			t.Fatal(err)
		}
		if m.Node == nil {
			return ""
		}
		return m.Node.Node
	}
	if got := nodeAt("10.0.0.1"); got != "" {
		t.Fatalf("empty store: %q", got)
	}
	mustRegister(t, s, 1, regWeb("n1", "web1"))
	if got := nodeAt("10.0.0.1"); got != "n1" {
		t.Fatalf("after the first registration: %q, want n1", got)
	}
	moved := regWeb("n1", "web1")
	moved.Node.Address = "10.0.0.7"
	mustRegister(t, s, 2, moved)
	if old, now := nodeAt("10.0.0.1"), nodeAt("10.0.0.7"); old != "" || now != "n1" {
		t.Fatalf("after n1 moved: old address %q, new %q", old, now)
	}
	svc := regService("n1", "db")
	svc.Node.Address = "10.0.0.7"
	svc.Service.Address = "10.9.9.9"
	mustRegister(t, s, 3, svc)
	if m, _ := s.MatchAddress(ip("10.9.9.9")); len(m.Services) != 1 || m.Services[0].Service.ID != "db" {
		t.Fatalf("service address: %+v", m)
	}
	var snap bytes.Buffer
	if err := s.Snapshot().Persist(&snap); err != nil {
		t.Fatal(err)
	}
	if err := s.Deregister(4, &Deregistration{Node: "n1", ServiceID: "db"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.MatchAddress(ip("10.9.9.9")); len(m.Services) != 0 {
		t.Fatalf("deregistered service still found: %+v", m.Services)
	}
	if err := s.Restore(&snap); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.MatchAddress(ip("10.9.9.9")); len(m.Services) != 1 {
		t.Fatalf("after restoring a snapshot that has the service: %+v", m)
	}
}

// BenchmarkMatchAddress is one reverse lookup in a catalog of 2,000 nodes
// with two instances each, the catalog unchanged between lookups: a walk
// of the catalog for each, or the cached index.
func BenchmarkMatchAddress(b *testing.B) {
	s := newStore(b)
	for i := range 2000 {
		for j, name := range []string{"web", "db"} {
			reg := regService(fmt.Sprintf("n%04d", i), name)
			reg.Node.Address = fmt.Sprintf("10.%d.%d.1", i/250, i%250)
			reg.Service.Address = fmt.Sprintf("10.%d.%d.%d", i/250, i%250, 2+j)
			mustRegister(b, s, uint64(1+2*i+j), reg)
		}
	}
	addr := netip.MustParseAddr("10.3.17.2")
	b.Run("walk", func(b *testing.B) { // what every lookup cost before the cache
		for b.Loop() {
			x, err := s.AddressIndex(nil)
			if err != nil || len(x.Services[addr]) != 1 {
				b.Fatalf("%+v, %v", x.Services[addr], err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			m, err := s.MatchAddress(addr)
			if err != nil || len(m.Services) != 1 {
				b.Fatalf("%+v, %v", m, err)
			}
		}
	})
}
