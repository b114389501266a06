package dnstest

import (
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pdns "github.com/pylonmesh/pylon/dns"
)

// Catalog is an in-memory dns.Catalog. Writers (AddNode, AddInstance,
// SetStatus, ...) build a new immutable snapshot and swap it in, the way the
// agent's views do, so readers never lock and may hold a returned slice
// while the catalog changes.
type Catalog struct {
	mu      sync.Mutex // serializes writers; guards entries, index, nodes
	entries []entry
	index   map[entryKey]int // position in entries
	nodes   map[key]pdns.Node
	snap    atomic.Pointer[snapshot]
	lag     atomic.Int64
}

var (
	_ pdns.Catalog     = (*Catalog)(nil)
	_ pdns.LagReporter = (*Catalog)(nil)
)

// entry is one instance and, for a mesh endpoint, the service it fronts.
type entry struct {
	inst       pdns.Instance
	connectFor string
}

type key struct{ dc, name string }

type entryKey struct{ node, serviceID string }

type snapshot struct {
	services map[key][]pdns.Instance
	connect  map[key][]pdns.Instance
	nodes    map[key]pdns.Node
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	c := &Catalog{index: make(map[entryKey]int), nodes: make(map[key]pdns.Node)}
	c.snap.Store(&snapshot{})
	return c
}

// AddNode adds or replaces a node (by datacenter and name) and updates the
// node fields of its instances.
func (c *Catalog) AddNode(n pdns.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nodes[keyOf(n.Datacenter, n.Name)] = n
	for i := range c.entries {
		if sameNode(c.entries[i].inst.Node, n) {
			c.entries[i].inst.Node = n
		}
	}
	c.publish()
}

// AddInstance adds or replaces instances (by node and service ID), and
// their nodes, in one change.
func (c *Catalog) AddInstance(insts ...pdns.Instance) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, inst := range insts {
		c.put(inst, "")
	}
	c.publish()
}

// AddConnectInstance adds a mesh endpoint of service: a connect proxy for it
// or a connect-native instance of it.
func (c *Catalog) AddConnectInstance(service string, inst pdns.Instance) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.put(inst, service)
	c.publish()
}

func (c *Catalog) put(inst pdns.Instance, connectFor string) {
	c.nodes[keyOf(inst.Node.Datacenter, inst.Node.Name)] = inst.Node
	e := entry{inst: inst, connectFor: connectFor}
	k := entryKey{inst.Node.Name, inst.ServiceID}
	if i, ok := c.index[k]; ok {
		c.entries[i] = e
		return
	}
	c.index[k] = len(c.entries)
	c.entries = append(c.entries, e)
}

// RemoveInstance removes the instance serviceID of node.
func (c *Catalog) RemoveInstance(node, serviceID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeEntry(node, serviceID)
	c.publish()
}

// SetStatus sets the aggregated health of the instance serviceID of node and
// reports whether it exists.
func (c *Catalog) SetStatus(node, serviceID, status string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, ok := c.index[entryKey{node, serviceID}]
	if ok {
		c.entries[i].inst.Status = status
		c.publish()
	}
	return ok
}

// SetLag sets what Lag reports.
func (c *Catalog) SetLag(d time.Duration) { c.lag.Store(int64(d)) }

// Lag implements dns.LagReporter.
func (c *Catalog) Lag() time.Duration { return time.Duration(c.lag.Load()) }

func (c *Catalog) removeEntry(node, serviceID string) {
	k := entryKey{node, serviceID}
	i, ok := c.index[k]
	if !ok {
		return
	}
	delete(c.index, k)
	c.entries = append(c.entries[:i], c.entries[i+1:]...)
	for j := i; j < len(c.entries); j++ {
		c.index[entryKey{c.entries[j].inst.Node.Name, c.entries[j].inst.ServiceID}] = j
	}
}

func sameNode(a, b pdns.Node) bool {
	return strings.EqualFold(a.Name, b.Name) && strings.EqualFold(a.Datacenter, b.Datacenter)
}

// publish builds a fresh snapshot from the entries; the old one stays valid
// for readers that hold it.
func (c *Catalog) publish() {
	s := &snapshot{
		services: make(map[key][]pdns.Instance),
		connect:  make(map[key][]pdns.Instance),
		nodes:    make(map[key]pdns.Node),
	}
	for k, n := range c.nodes {
		s.nodes[k] = n
	}
	for _, e := range c.entries {
		if e.connectFor != "" {
			k := keyOf(e.inst.Node.Datacenter, e.connectFor)
			s.connect[k] = append(s.connect[k], e.inst)
			continue
		}
		k := keyOf(e.inst.Node.Datacenter, e.inst.ServiceName)
		s.services[k] = append(s.services[k], e.inst)
	}
	c.snap.Store(s)
}

func keyOf(dc, name string) key { return key{strings.ToLower(dc), strings.ToLower(name)} }

// ServiceInstances implements dns.Catalog.
func (c *Catalog) ServiceInstances(dc, service string) []pdns.Instance {
	return c.snap.Load().services[key{dc, service}]
}

// ConnectInstances implements dns.Catalog.
func (c *Catalog) ConnectInstances(dc, service string) []pdns.Instance {
	return c.snap.Load().connect[key{dc, service}]
}

// Node implements dns.Catalog.
func (c *Catalog) Node(dc, name string) (pdns.Node, bool) {
	n, ok := c.snap.Load().nodes[key{dc, name}]
	return n, ok
}

// NodeByAddress implements dns.Catalog.
func (c *Catalog) NodeByAddress(dc string, addr netip.Addr) (pdns.Node, bool) {
	for k, n := range c.snap.Load().nodes {
		if ip, err := netip.ParseAddr(n.Address); err == nil && k.dc == dc && ip.Unmap() == addr {
			return n, true
		}
	}
	return pdns.Node{}, false
}

// ServicesByAddress implements dns.Catalog.
func (c *Catalog) ServicesByAddress(dc string, addr netip.Addr) []pdns.Instance {
	var out []pdns.Instance
	for k, insts := range c.snap.Load().services {
		if k.dc != dc {
			continue
		}
		for _, inst := range insts {
			if ip, err := netip.ParseAddr(inst.Address); err == nil && ip.Unmap() == addr {
				out = append(out, inst)
			}
		}
	}
	return out
}
