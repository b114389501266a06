package state

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// Store is the catalog state: nodes, services, checks and prepared queries
// in go-memdb.
// All methods are safe for concurrent use. Writes are serialized; reads
// never wait for writes.
type Store struct {
	// writeMu serializes write transactions with the event publishing that
	// follows their commit, with subscription setup and with Restore, so
	// events are published in index order and a new subscription sees every
	// event after its snapshot.
	writeMu sync.Mutex

	db      atomic.Pointer[memdb.MemDB]
	abandon atomic.Pointer[chan struct{}] // closed by Restore, then replaced

	pub    *publisher // its buffer map is guarded by writeMu
	cache  readCache
	delays lockDelays // KV lock delays, in memory only (kv_lockdelay.go)
}

// New returns an empty store.
func New() (*Store, error) {
	db, err := memdb.NewMemDB(schema())
	if err != nil {
		return nil, fmt.Errorf("state: build schema: %w", err)
	}
	s := &Store{pub: newPublisher(defaultEventBufferSize)}
	s.db.Store(db)
	ch := make(chan struct{})
	s.abandon.Store(&ch)
	return s, nil
}

// AbandonCh returns a channel that is closed when the store's contents are
// replaced by Restore. Every read adds it to the caller's WatchSet, so
// blocked readers wake and read again from the restored state.
func (s *Store) AbandonCh() <-chan struct{} { return *s.abandon.Load() }

// readTxn opens a read transaction and, when ws is not nil, adds the
// abandon channel to it. The abandon channel is loaded before the database
// so a Restore between the two always wakes the reader.
func (s *Store) readTxn(ws memdb.WatchSet) *memdb.Txn {
	if ws != nil {
		ws.Add(s.AbandonCh())
	}
	return s.db.Load().Txn(false)
}

// write runs fn in one write transaction at Raft index idx. If fn fails
// nothing is written. If fn changed nothing the transaction is dropped, so
// no index moves and no watch fires. Otherwise the changed tables' and
// services' indexes are set to idx, the transaction commits and the
// resulting events are published.
func (s *Store) write(idx uint64, fn func(tx *writeTxn) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.writeLocked(idx, fn)
}

// writeLocked is write with writeMu held.
func (s *Store) writeLocked(idx uint64, fn func(tx *writeTxn) error) error {
	tx := &writeTxn{Txn: s.db.Load().Txn(true), idx: idx}
	if err := fn(tx); err != nil {
		tx.Abort()
		return err
	}
	if !tx.changed() {
		tx.Abort()
		return nil
	}
	events, err := s.finishTxn(tx)
	if err != nil {
		tx.Abort()
		return err
	}
	tx.Commit()
	s.delays.record(tx.delays, time.Now())
	s.pub.publish(events)
	return nil
}

// LastIndex returns the highest Raft index applied to the store's tables.
func (s *Store) LastIndex() uint64 {
	return maxIndexTxn(s.db.Load().Txn(false), nil, indexedTables...)
}

// indexedTables are the tables whose last change the index table records.
var indexedTables = []string{tableNodes, tableServices, tableChecks, tablePreparedQueries,
	tableKVs, tableTombstones, tableSessions, tableACLPolicies, tableACLRoles, tableACLTokens,
	tableAutopilot, tableCoordinates, tableServerSecret}

// indexTxn returns the value of one index table entry (0 if absent) and
// adds its watch channel to ws.
func indexTxn(tx *memdb.Txn, ws memdb.WatchSet, key string) uint64 {
	ch, raw, err := tx.FirstWatch(tableIndex, indexID, key)
	if err != nil {
		return 0 // only a malformed key; keys are built by this package
	}
	ws.Add(ch)
	if raw == nil {
		return 0
	}
	return raw.(*indexEntry).Value
}

// maxIndexTxn returns the highest of several index table entries, watching
// each.
func maxIndexTxn(tx *memdb.Txn, ws memdb.WatchSet, keys ...string) uint64 {
	var max uint64
	for _, k := range keys {
		if v := indexTxn(tx, ws, k); v > max {
			max = v
		}
	}
	return max
}
