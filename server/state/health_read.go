package state

import memdb "github.com/hashicorp/go-memdb"

// CheckServiceNodes returns the instances of a service, each with its node
// and the checks that bear on its health (the node's checks, then its own),
// ordered by node then service ID, and the service's index. With connect
// set it returns the service's mesh endpoints instead (see ServiceNodes).
//
// The returned slice belongs to the caller; the records and Checks slices
// in it are shared and must not be modified.
func (s *Store) CheckServiceNodes(ws memdb.WatchSet, service string, connect bool) (uint64, []CheckServiceNode, error) {
	return cachedList(s, ws, "csn:", service, connect, func(tx *memdb.Txn) ([]CheckServiceNode, error) {
		return checkServiceNodesTxn(tx, service, connect)
	})
}

func checkServiceNodesTxn(tx *memdb.Txn, service string, connect bool) ([]CheckServiceNode, error) {
	it, err := tx.Get(tableServices, serviceIndexName(connect), service)
	if err != nil {
		return nil, err
	}
	var out []CheckServiceNode
	var cache nodeCache
	for raw := it.Next(); raw != nil; raw = it.Next() {
		csn, err := checkServiceNodeTxn(tx, raw.(*Service), &cache)
		if err != nil {
			return nil, err
		}
		out = append(out, csn)
	}
	return out, nil
}

// NodeChecks returns the checks of a node and of its services, ordered by
// check ID, and the checks table index.
func (s *Store) NodeChecks(ws memdb.WatchSet, node string) (uint64, []*HealthCheck, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableChecks)
	out, err := collectChecks(tx.Get(tableChecks, indexIDPrefix, node))
	return idx, out, err
}

// ServiceChecks returns the checks of every instance of a service, ordered
// by node then check ID, and the service's index.
func (s *Store) ServiceChecks(ws memdb.WatchSet, service string) (uint64, []*HealthCheck, error) {
	tx := s.readTxn(ws)
	idx := serviceIndexTxn(tx, ws, service, false)
	out, err := collectChecks(tx.Get(tableChecks, indexService, service))
	return idx, out, err
}

// ChecksInState returns the checks with the given status ("any" for all),
// ordered by node then check ID, and the checks table index.
func (s *Store) ChecksInState(ws memdb.WatchSet, state string) (uint64, []*HealthCheck, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableChecks)
	if state == HealthAny {
		out, err := collectChecks(tx.Get(tableChecks, indexID))
		return idx, out, err
	}
	out, err := collectChecks(tx.Get(tableChecks, indexStatus, state))
	return idx, out, err
}

func collectChecks(it memdb.ResultIterator, err error) ([]*HealthCheck, error) {
	if err != nil {
		return nil, err
	}
	var out []*HealthCheck
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*HealthCheck))
	}
	return out, nil
}
