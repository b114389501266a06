package state

import (
	"slices"

	memdb "github.com/hashicorp/go-memdb"
)

// Nodes returns every node, ordered by name, and the nodes table index.
func (s *Store) Nodes(ws memdb.WatchSet) (uint64, []*Node, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableNodes)
	it, err := tx.Get(tableNodes, indexID)
	if err != nil {
		return 0, nil, err
	}
	var out []*Node
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*Node))
	}
	return idx, out, nil
}

// GetNode returns one node (nil if unknown; names match case-insensitively)
// and the nodes table index.
func (s *Store) GetNode(ws memdb.WatchSet, name string) (uint64, *Node, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableNodes)
	n, err := getNodeTxn(tx, name)
	return idx, n, err
}

// Services returns every service name with the sorted union of its
// instances' tags (never nil), and the services table index. With a
// non-empty nodeMeta only instances on nodes whose meta holds every given
// pair count, and the index also covers nodes.
func (s *Store) Services(ws memdb.WatchSet, nodeMeta map[string]string) (uint64, map[string][]string, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableServices)
	if len(nodeMeta) > 0 {
		idx = max(idx, indexTxn(tx, ws, tableNodes))
	}
	it, err := tx.Get(tableServices, indexService)
	if err != nil {
		return 0, nil, err
	}
	out := make(map[string][]string)
	match := nodeMetaMatcher(tx, nodeMeta)
	for raw := it.Next(); raw != nil; raw = it.Next() {
		svc := raw.(*Service)
		if ok, err := match(svc.Node); err != nil {
			return 0, nil, err
		} else if !ok {
			continue
		}
		tags, seen := out[svc.Name]
		if !seen {
			tags = make([]string, 0, len(svc.Tags))
		}
		out[svc.Name] = append(tags, svc.Tags...)
	}
	for name, tags := range out {
		slices.Sort(tags)
		out[name] = slices.Compact(tags)
	}
	return idx, out, nil
}

// nodeMetaMatcher returns a function reporting whether a node's meta holds
// every pair of want, remembering answers per node.
func nodeMetaMatcher(tx *memdb.Txn, want map[string]string) func(node string) (bool, error) {
	if len(want) == 0 {
		return func(string) (bool, error) { return true, nil }
	}
	seen := make(map[string]bool)
	return func(node string) (bool, error) {
		if ok, hit := seen[node]; hit {
			return ok, nil
		}
		n, err := getNodeTxn(tx, node)
		if err != nil {
			return false, err
		}
		ok := n != nil && MetaMatches(n.Meta, want)
		seen[node] = ok
		return ok, nil
	}
}

// MetaMatches reports whether have holds every key/value pair of want, the
// rule of every node-meta and service-meta filter.
func MetaMatches(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// ServiceNodes returns the instances of a service joined with their nodes,
// ordered by node then service ID, and the service's index. With connect
// set it returns the service's mesh endpoints instead: connect proxies
// whose destination is the service and Connect-native instances of it.
// The returned slice belongs to the caller; the records in it are shared.
func (s *Store) ServiceNodes(ws memdb.WatchSet, service string, connect bool) (uint64, []ServiceNode, error) {
	return cachedList(s, ws, "sn:", service, connect, func(tx *memdb.Txn) ([]ServiceNode, error) {
		return serviceNodesTxn(tx, service, connect)
	})
}

func serviceNodesTxn(tx *memdb.Txn, service string, connect bool) ([]ServiceNode, error) {
	it, err := tx.Get(tableServices, serviceIndexName(connect), service)
	if err != nil {
		return nil, err
	}
	var out []ServiceNode
	var node *Node
	var nodeName string
	for raw := it.Next(); raw != nil; raw = it.Next() {
		svc := raw.(*Service)
		if node == nil || nodeName != svc.Node {
			if node, err = getNodeTxn(tx, svc.Node); err != nil {
				return nil, err
			}
			nodeName = svc.Node
		}
		out = append(out, ServiceNode{Node: node, Service: svc})
	}
	return out, nil
}

// NodeServices returns a node (nil if unknown) and its services ordered by
// ID, with the highest of the nodes and services table indexes.
func (s *Store) NodeServices(ws memdb.WatchSet, node string) (uint64, *Node, []*Service, error) {
	tx := s.readTxn(ws)
	idx := max(indexTxn(tx, ws, tableNodes), indexTxn(tx, ws, tableServices))
	n, err := getNodeTxn(tx, node)
	if err != nil || n == nil {
		return idx, nil, nil, err
	}
	it, err := tx.Get(tableServices, indexIDPrefix, node)
	if err != nil {
		return 0, nil, nil, err
	}
	var out []*Service
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*Service))
	}
	return idx, n, out, nil
}

func serviceIndexName(connect bool) string {
	if connect {
		return indexConnect
	}
	return indexService
}

// serviceIndexTxn returns the index of one service's instances (or of its
// mesh endpoints) and watches it, so a blocked reader wakes only for that
// service. A name never registered falls back to the services table index
// while still watching only its own entry.
func serviceIndexTxn(tx *memdb.Txn, ws memdb.WatchSet, service string, connect bool) uint64 {
	key := serviceIndexKey(service)
	if connect {
		key = connectIndexKey(service)
	}
	if idx := indexTxn(tx, ws, key); idx != 0 {
		return idx
	}
	return indexTxn(tx, nil, tableServices)
}
