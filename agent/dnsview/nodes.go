package dnsview

import (
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
// node, by name, whose address is addr. Where the store does not have it,
// a client agent asks the servers (Config.Reverse).
func (v *View) NodeByAddress(dc string, addr netip.Addr) (dns.Node, bool) {
	if !v.local(dc) {
		return dns.Node{}, false
	}
	var n *state.Node
	if idx := v.addrIndex(); idx != nil {
		n = idx.Nodes[addr.Unmap()]
	}
	if n == nil && v.cfg.Reverse != nil {
		m, err := v.cfg.Reverse(addr.Unmap())
		if err != nil {
			v.log.Warn("dns view reverse lookup failed", "addr", addr.String(), "error", err)
			return dns.Node{}, false
		}
		n = m.Node
	}
	if n == nil {
		return dns.Node{}, false
	}
	return nodeOf(n, n.Node, v.dc), true
}

// ServicesByAddress implements dns.Catalog from the address index, ordered
// by node then service ID. Each match reads its checks from the store for
// its status; reverse lookups are rare and match few instances. Where the
// store has none, a client agent asks the servers (Config.Reverse).
func (v *View) ServicesByAddress(dc string, addr netip.Addr) []dns.Instance {
	if !v.local(dc) {
		return nil
	}
	idx := v.addrIndex()
	if idx == nil {
		return nil
	}
	refs := idx.Services[addr.Unmap()]
	if len(refs) == 0 && v.cfg.Reverse != nil {
		return v.remoteServicesAt(addr.Unmap())
	}
	out := make([]dns.Instance, 0, len(refs))
	for _, r := range refs {
		csn, err := v.store.InstanceAt(nil, r)
		if err != nil {
			v.log.Warn("dns view instance read failed", "node", r.Node.Node, "error", err)
			return nil
		}
		out = append(out, instanceOf(csn, v.dc))
	}
	return out
}

// remoteServicesAt answers ServicesByAddress from the servers.
func (v *View) remoteServicesAt(addr netip.Addr) []dns.Instance {
	m, err := v.cfg.Reverse(addr)
	if err != nil {
		v.log.Warn("dns view reverse lookup failed", "addr", addr.String(), "error", err)
		return nil
	}
	out := make([]dns.Instance, 0, len(m.Services))
	for _, csn := range m.Services {
		out = append(out, instanceOf(csn, v.dc))
	}
	return out
}

// addrCache holds the current address index. Lookups load it lock-free;
// the first lookup after the nodes or services tables changed rebuilds it.
type addrCache struct {
	mu  sync.Mutex // serializes rebuilds
	cur atomic.Pointer[addrIndex]
}

// addrIndex is the store's address index as of the moment the channels in
// stale were taken.
type addrIndex struct {
	*state.AddressIndex
	stale memdb.WatchSet // fires on any change to nodes or services, or a restore
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
	ws := memdb.NewWatchSet()
	idx, err := v.store.AddressIndex(ws)
	if err != nil {
		v.log.Warn("dns view address index build failed", "error", err)
		return nil
	}
	x := &addrIndex{AddressIndex: idx, stale: ws}
	v.addrs.cur.Store(x)
	return x
}
