package state

import (
	"slices"
	"strings"

	memdb "github.com/hashicorp/go-memdb"
)

// Bits of writeTxn.tables: which tables a transaction changed.
const (
	changedNodes uint16 = 1 << iota
	changedServices
	changedChecks
	changedQueries
	changedKVs
	changedTombstones
	changedSessions
	changedACLPolicies // acl_schema.go
	changedACLRoles
	changedACLTokens
	changedAutopilot    // autopilot.go
	changedCoordinates  // coordinate.go
	changedServerSecret // server_secret.go
)

// writeTxn is a memdb write transaction at one Raft index that records
// what it changed: the tables, and every service instance whose health
// view (the instance, its node or a check that bears on it) changed. The
// recorded changes decide which index entries move and which events are
// published when the transaction finishes.
type writeTxn struct {
	*memdb.Txn
	idx     uint64
	tables  uint16 // tables changed since the last finishTxn
	writes  int    // records written, ever
	touched []touchedInstance
	byKey   map[string]int // index into touched, once it grows past a few
	delays  []keyDelay     // lock delays to record once the transaction commits
}

// touchedInstance is one service instance changed by the transaction, with
// its record from before the transaction (nil if it did not exist).
type touchedInstance struct {
	node, id string
	old      *Service
}

func (tx *writeTxn) changed() bool { return tx.tables != 0 }

func (tx *writeTxn) mark(tables uint16) {
	tx.tables |= tables
	tx.writes++
}

// reset forgets the changes recorded since the last finishTxn.
func (tx *writeTxn) reset() {
	tx.tables = 0
	tx.touched = tx.touched[:0]
	tx.byKey = nil
}

const touchedLinearMax = 8

// touch records that the instance node/id changed. old is the instance's
// record before this change; only the first record per instance is kept,
// which is the record from before the transaction.
func (tx *writeTxn) touch(node, id string, old *Service) {
	if tx.byKey != nil {
		k := lower(node) + "\x00" + lower(id)
		if _, ok := tx.byKey[k]; !ok {
			tx.byKey[k] = len(tx.touched)
			tx.touched = append(tx.touched, touchedInstance{node, id, old})
		}
		return
	}
	for _, t := range tx.touched {
		if strings.EqualFold(t.node, node) && strings.EqualFold(t.id, id) {
			return
		}
	}
	tx.touched = append(tx.touched, touchedInstance{node, id, old})
	if len(tx.touched) > touchedLinearMax {
		tx.byKey = make(map[string]int, 2*len(tx.touched))
		for i, t := range tx.touched {
			tx.byKey[lower(t.node)+"\x00"+lower(t.id)] = i
		}
	}
}

// touchNodeInstancesTxn records every instance on node as changed, for a
// change to the node itself or to one of its node-level checks.
func touchNodeInstancesTxn(tx *writeTxn, node string) error {
	it, err := tx.Get(tableServices, indexIDPrefix, node)
	if err != nil {
		return err
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		s := raw.(*Service)
		tx.touch(s.Node, s.ID, s)
	}
	return nil
}

// indexKeys is a small set of index table keys.
type indexKeys []string

func (k *indexKeys) add(key string) {
	for _, have := range *k {
		if have == key {
			return
		}
	}
	*k = append(*k, key)
}

// finishTxn moves the index entries of the changed tables and services to
// the transaction's index and returns the events to publish once it
// commits. Events are built only for keys someone subscribes to.
func (s *Store) finishTxn(tx *writeTxn) ([]Event, error) {
	var keys, present indexKeys
	var events []Event
	for _, t := range tx.touched {
		cur, err := getServiceTxn(tx.Txn, t.node, t.id)
		if err != nil {
			return nil, err
		}
		events, err = s.instanceChangeTxn(tx, t, cur, &keys, events)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			present.add(connectIndexKey(cur.Name))
		}
	}
	if err := ensureIndexKeysTxn(tx, present, keys); err != nil {
		return nil, err
	}
	if tx.tables&changedNodes != 0 {
		keys.add(tableNodes)
	}
	if tx.tables&changedServices != 0 {
		keys.add(tableServices)
	}
	if tx.tables&changedChecks != 0 {
		keys.add(tableChecks)
	}
	if tx.tables&changedQueries != 0 {
		keys.add(tablePreparedQueries)
	}
	if tx.tables&changedKVs != 0 {
		keys.add(tableKVs)
	}
	if tx.tables&changedTombstones != 0 {
		keys.add(tableTombstones)
	}
	if tx.tables&changedSessions != 0 {
		keys.add(tableSessions)
	}
	if tx.tables&changedAutopilot != 0 {
		keys.add(tableAutopilot)
	}
	if tx.tables&changedCoordinates != 0 {
		keys.add(tableCoordinates)
	}
	if tx.tables&changedServerSecret != 0 {
		keys.add(tableServerSecret)
	}
	for _, t := range aclTableBits {
		if tx.tables&t.bit != 0 {
			keys.add(t.table)
		}
	}
	for _, k := range keys {
		if err := tx.Insert(tableIndex, &indexEntry{Key: k, Value: tx.idx}); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// instanceChangeTxn handles one changed instance: the index keys of the
// names it was and is listed under, a deregistration event for a name it
// left and an update event for the names it has now.
func (s *Store) instanceChangeTxn(tx *writeTxn, t touchedInstance, cur *Service,
	keys *indexKeys, events []Event) ([]Event, error) {
	gone := func(topic, name string) {
		if s.pub.wants(topic, name) {
			events = append(events, Event{Topic: topic, Key: name, Index: tx.idx,
				Payload: ServiceDeregistered{Node: t.old.Node, ServiceID: t.old.ID, Service: t.old.Name}})
		}
	}
	if old := t.old; old != nil {
		if cur == nil || !strings.EqualFold(old.Name, cur.Name) {
			keys.add(serviceIndexKey(old.Name))
			gone(TopicServiceHealth, old.Name)
		}
		if oc, ok := connectName(old); ok {
			if nc, ok := connectOf(cur); !ok || !strings.EqualFold(oc, nc) {
				keys.add(connectIndexKey(oc))
				gone(TopicServiceHealthConnect, oc)
			}
		}
	}
	if cur == nil {
		return events, nil
	}
	var csn *CheckServiceNode
	update := func(topic, name string) error {
		if !s.pub.wants(topic, name) {
			return nil
		}
		if csn == nil {
			v, err := checkServiceNodeTxn(tx.Txn, cur, nil)
			if err != nil {
				return err
			}
			csn = &v
		}
		events = append(events, Event{Topic: topic, Key: name, Index: tx.idx, Payload: *csn})
		return nil
	}
	keys.add(serviceIndexKey(cur.Name))
	if err := update(TopicServiceHealth, cur.Name); err != nil {
		return nil, err
	}
	if nc, ok := connectName(cur); ok {
		keys.add(connectIndexKey(nc))
		if err := update(TopicServiceHealthConnect, nc); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// connectOf is connectName for a record that may be nil.
func connectOf(s *Service) (string, bool) {
	if s == nil {
		return "", false
	}
	return connectName(s)
}

// ensureIndexKeysTxn creates the connect index entry of every service name
// that has instances, unless it exists or is about to be set. A blocking
// read of the mesh endpoints of a service without any then watches its own
// entry, and does not wake for every other service's proxies.
func ensureIndexKeysTxn(tx *writeTxn, want, set indexKeys) error {
	for _, k := range want {
		if slices.Contains(set, k) {
			continue
		}
		raw, err := tx.First(tableIndex, indexID, k)
		if err != nil {
			return err
		}
		if raw == nil {
			if err := tx.Insert(tableIndex, &indexEntry{Key: k, Value: tx.idx}); err != nil {
				return err
			}
		}
	}
	return nil
}
