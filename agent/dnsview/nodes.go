package dnsview

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/state"
)

// Node implements dns.Catalog with one in-process store read.
func (v *View) Node(dc, name string) (dns.Node, bool) {
	if name == "" || !v.local(dc) {
		return dns.Node{}, false
	}
	_, n, err := v.store.GetNode(nil, name)
	if err == nil && n == nil && v.cfg.Nodes != nil {
		n, err = v.cfg.Nodes(name)
	}
	if err != nil {
		v.log.Warn("dns view node read failed", "node", name, "error", err)
		return dns.Node{}, false
	}
	if n == nil {
		return dns.Node{}, false
	}
	return nodeOf(n, n.Node, v.dc), true
}

// NodeByAddress implements dns.Catalog from the address index: the first
// node, by name, whose address is addr.
func (v *View) NodeByAddress(dc string, addr netip.Addr) (dns.Node, bool) {
	if !v.local(dc) {
		return dns.Node{}, false
	}
	idx := v.addrIndex()
	if idx == nil {
		return dns.Node{}, false
	}
	n, ok := idx.nodes[addr.Unmap()]
	if !ok {
		return dns.Node{}, false
	}
	return nodeOf(n, n.Node, v.dc), true
}

// ServicesByAddress implements dns.Catalog from the address index, ordered
// by node then service ID. Each match reads its checks from the store for
// its status; reverse lookups are rare and match few instances.
func (v *View) ServicesByAddress(dc string, addr netip.Addr) []dns.Instance {
	if !v.local(dc) {
		return nil
	}
	idx := v.addrIndex()
	if idx == nil {
		return nil
	}
	refs := idx.services[addr.Unmap()]
	if len(refs) == 0 {
		return nil
	}
	out := make([]dns.Instance, 0, len(refs))
	for _, r := range refs {
		_, checks, err := v.store.NodeChecks(nil, r.node.Node)
		if err != nil {
			v.log.Warn("dns view node checks read failed", "node", r.node.Node, "error", err)
			return nil
		}
		csn := state.CheckServiceNode{Node: r.node, Service: r.svc, Checks: checksOf(checks, r.svc.ID)}
		out = append(out, instanceOf(&csn, v.dc))
	}
	return out
}

// checksOf keeps the node's own checks and those of serviceID.
func checksOf(checks []*state.HealthCheck, serviceID string) []*state.HealthCheck {
	out := checks[:0:0]
	for _, c := range checks {
		if c.ServiceID == "" || c.ServiceID == serviceID {
			out = append(out, c)
		}
	}
	return out
}

// addrCache holds the current address index. Lookups load it lock-free;
// the first lookup after the nodes or services tables changed rebuilds it.
type addrCache struct {
	mu  sync.Mutex // serializes rebuilds
	cur atomic.Pointer[addrIndex]
}

// addrIndex maps addresses to nodes and service instances, as of the
// moment the channels in stale were taken.
type addrIndex struct {
	stale    memdb.WatchSet // fires on any change to nodes or services, or a restore
	nodes    map[netip.Addr]*state.Node
	services map[netip.Addr][]serviceRef
}

type serviceRef struct {
	node *state.Node
	svc  *state.Service
}

// isStale reports whether any watched channel has fired, without blocking.
func (x *addrIndex) isStale() bool {
	for ch := range x.stale {
		select {
		case <-ch:
			return true
		default:
		}
	}
	return false
}

// addrIndex returns a current index, rebuilding it if needed; nil when the
// store cannot be read.
func (v *View) addrIndex() *addrIndex {
	if x := v.addrs.cur.Load(); x != nil && !x.isStale() {
		return x
	}
	v.addrs.mu.Lock()
	defer v.addrs.mu.Unlock()
	if x := v.addrs.cur.Load(); x != nil && !x.isStale() {
		return x
	}
	x, err := buildAddrIndex(v.store)
	if err != nil {
		v.log.Warn("dns view address index build failed", "error", err)
		return nil
	}
	v.addrs.cur.Store(x)
	return x
}

// buildAddrIndex walks every node and its services. The watch channels are
// taken before the data is read, so a change made during the walk marks
// the new index stale at once.
func buildAddrIndex(store *state.Store) (*addrIndex, error) {
	ws := memdb.NewWatchSet()
	_, nodes, err := store.Nodes(ws)
	if err != nil {
		return nil, fmt.Errorf("dnsview: list nodes: %w", err)
	}
	x := &addrIndex{stale: ws, nodes: make(map[netip.Addr]*state.Node), services: make(map[netip.Addr][]serviceRef)}
	for _, n := range nodes { // ordered by name: the first node of an address wins
		if ip, err := netip.ParseAddr(n.Address); err == nil {
			if _, dup := x.nodes[ip.Unmap()]; !dup {
				x.nodes[ip.Unmap()] = n
			}
		}
		_, node, svcs, err := store.NodeServices(ws, n.Node)
		if err != nil {
			return nil, fmt.Errorf("dnsview: services of node %q: %w", n.Node, err)
		}
		if node == nil {
			continue // deleted since the walk began; ws has fired
		}
		for _, s := range svcs {
			if ip, err := netip.ParseAddr(s.Address); err == nil {
				x.services[ip.Unmap()] = append(x.services[ip.Unmap()], serviceRef{node: node, svc: s})
			}
		}
	}
	return x, nil
}
