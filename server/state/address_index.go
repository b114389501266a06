package state

import (
	"fmt"
	"net/netip"

	memdb "github.com/hashicorp/go-memdb"
)

// AddressIndex maps IP addresses to the nodes and service instances that
// have them, for reverse (PTR) DNS lookups. Addresses are unmapped: an
// IPv4-mapped IPv6 address is stored as IPv4.
type AddressIndex struct {
	// Nodes holds, per address, the first node by name with it.
	Nodes map[netip.Addr]*Node
	// Services holds, per address, the instances whose own service
	// address (not their node's) is it, by node then service ID.
	Services map[netip.Addr][]ServiceAt
}

// ServiceAt is a service instance with its node.
type ServiceAt struct {
	Node    *Node
	Service *Service
}

// AddressIndex walks every node and its services. ws is filled before the
// data is read, so a change made during the walk fires it.
func (s *Store) AddressIndex(ws memdb.WatchSet) (*AddressIndex, error) {
	_, nodes, err := s.Nodes(ws)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	x := &AddressIndex{Nodes: make(map[netip.Addr]*Node), Services: make(map[netip.Addr][]ServiceAt)}
	for _, n := range nodes { // ordered by name: the first node of an address wins
		if ip, err := netip.ParseAddr(n.Address); err == nil {
			if _, dup := x.Nodes[ip.Unmap()]; !dup {
				x.Nodes[ip.Unmap()] = n
			}
		}
		_, node, svcs, err := s.NodeServices(ws, n.Node)
		if err != nil {
			return nil, fmt.Errorf("services of node %q: %w", n.Node, err)
		}
		if node == nil {
			continue // deleted since the walk began; ws has fired
		}
		for _, sv := range svcs {
			if ip, err := netip.ParseAddr(sv.Address); err == nil {
				x.Services[ip.Unmap()] = append(x.Services[ip.Unmap()], ServiceAt{Node: node, Service: sv})
			}
		}
	}
	return x, nil
}

// InstanceAt joins a service instance with the checks that decide its
// health: its node's and its own.
func (s *Store) InstanceAt(ws memdb.WatchSet, at ServiceAt) (*CheckServiceNode, error) {
	_, checks, err := s.NodeChecks(ws, at.Node.Node)
	if err != nil {
		return nil, fmt.Errorf("checks of node %q: %w", at.Node.Node, err)
	}
	mine := checks[:0:0]
	for _, c := range checks {
		if c.ServiceID == "" || c.ServiceID == at.Service.ID {
			mine = append(mine, c)
		}
	}
	return &CheckServiceNode{Node: at.Node, Service: at.Service, Checks: mine}, nil
}

// AddressMatches is what a reverse lookup of one address finds.
type AddressMatches struct {
	Node     *Node               // the first node by name with the address; nil if none
	Services []*CheckServiceNode // the instances whose service address it is, with their checks
}

// MatchAddress looks addr up in the store's address index, which is built
// again only once the nodes or services have changed: client agents send
// every reverse lookup here, and a walk of a large catalog for each would
// cost milliseconds.
func (s *Store) MatchAddress(addr netip.Addr) (*AddressMatches, error) {
	idx, err := s.cachedAddressIndex()
	if err != nil {
		return nil, err
	}
	m := &AddressMatches{Node: idx.Nodes[addr.Unmap()]}
	for _, at := range idx.Services[addr.Unmap()] {
		csn, err := s.InstanceAt(nil, at)
		if err != nil {
			return nil, err
		}
		m.Services = append(m.Services, csn)
	}
	return m, nil
}

// addressCacheKey is the read cache's key of the address index.
const addressCacheKey = "address-index"

// addressCacheEntry is the address index with the index entries of the
// nodes and services tables it was built under: a write that changes
// either table replaces its entry (finishTxn), and Restore clears the
// cache, so the index is valid while both are the very same objects.
type addressCacheEntry struct {
	nodes, services any
	index           *AddressIndex
}

func (s *Store) cachedAddressIndex() (*AddressIndex, error) {
	tx := s.db.Load().Txn(false)
	nodes, err := tx.First(tableIndex, indexID, tableNodes)
	if err != nil {
		return nil, err
	}
	services, err := tx.First(tableIndex, indexID, tableServices)
	if err != nil {
		return nil, err
	}
	if e, ok := s.cache.m.Load(addressCacheKey); ok {
		if c := e.(*addressCacheEntry); c.nodes == nodes && c.services == services {
			return c.index, nil
		}
	}
	// Built after the stamps were read: at worst it is newer than they
	// say, and the next lookup builds it once more.
	x, err := s.AddressIndex(nil)
	if err != nil {
		return nil, err
	}
	s.cache.m.Store(addressCacheKey, &addressCacheEntry{nodes: nodes, services: services, index: x})
	return x, nil
}
