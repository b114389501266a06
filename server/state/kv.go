package state

import (
	"slices"
	"strings"

	memdb "github.com/hashicorp/go-memdb"
)

// KVEntry is one key of the KV store. Value holds the raw bytes; Session
// is the ID of the session holding the key's lock, if any, and LockIndex
// counts how many times the lock has been acquired.
type KVEntry struct {
	Key         string
	Flags       uint64
	Value       []byte
	Session     string
	LockIndex   uint64
	CreateIndex uint64
	ModifyIndex uint64
}

// KVOp is the verb of a KV write, or of a KV operation in a transaction.
type KVOp string

// KV verbs. The write verbs are valid in KVApply and in transactions; the
// read and check verbs only in transactions.
const (
	KVSet        KVOp = "set"
	KVCAS        KVOp = "cas"         // Entry.ModifyIndex is the cas index; 0 = create only if absent
	KVLock       KVOp = "lock"        // Entry.Session acquires; LockIndex++ unless the same session holds it
	KVUnlock     KVOp = "unlock"      // Entry.Session releases (only if it holds it)
	KVDelete     KVOp = "delete"      // no-op for a missing key
	KVDeleteCAS  KVOp = "delete-cas"  // Entry.ModifyIndex is the cas index; 0 never deletes
	KVDeleteTree KVOp = "delete-tree" // Entry.Key is the prefix ("" = every key)

	KVGetOp          KVOp = "get"              // fails when the key is missing
	KVGetOrEmpty     KVOp = "get-or-empty"     // an entry with only the key when missing
	KVGetTree        KVOp = "get-tree"         // every entry under the prefix Entry.Key
	KVCheckIndex     KVOp = "check-index"      // fails unless ModifyIndex == Entry.ModifyIndex
	KVCheckSession   KVOp = "check-session"    // fails unless Entry.Session holds the key
	KVCheckNotExists KVOp = "check-not-exists" // fails when the key exists
)

// KVRequest is one KV write, the body of a KV log entry.
type KVRequest struct {
	Op    KVOp
	Entry KVEntry
}

// KVGet returns the entry of key (nil if absent) and the highest index of
// the KV and tombstone tables, as Consul does; ws wakes only when this key
// changes (or, for a missing key, when a key next to it is written).
func (s *Store) KVGet(ws memdb.WatchSet, key string) (uint64, *KVEntry, error) {
	tx := s.readTxn(ws)
	idx := maxIndexTxn(tx, nil, tableKVs, tableTombstones)
	ch, raw, err := tx.FirstWatch(tableKVs, indexID, key)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(ch)
	if raw == nil {
		return idx, nil, nil
	}
	return idx, raw.(*KVEntry), nil
}

// KVList returns every entry whose key starts with prefix, in key order.
// The index is the highest ModifyIndex among those entries and the
// tombstones under the prefix, so it moves when a key under the prefix is
// deleted and never goes back; with neither it is the tables' highest
// index. ws wakes when anything under the prefix changes.
func (s *Store) KVList(ws memdb.WatchSet, prefix string) (uint64, []*KVEntry, error) {
	tx := s.readTxn(ws)
	var out []*KVEntry
	idx, err := kvPrefixTxn(tx, ws, prefix, func(e *KVEntry) { out = append(out, e) })
	return idx, out, err
}

// KVKeys returns the keys under prefix, sorted. With a separator, each key
// is cut after the first separator that follows the prefix and duplicates
// are dropped, so "a/" stands once for "a/b" and "a/c" (prefix "",
// separator "/"). The index and the watch are those of KVList.
func (s *Store) KVKeys(ws memdb.WatchSet, prefix, separator string) (uint64, []string, error) {
	tx := s.readTxn(ws)
	var out []string
	idx, err := kvPrefixTxn(tx, ws, prefix, func(e *KVEntry) {
		k := e.Key
		if separator != "" {
			if i := strings.Index(k[len(prefix):], separator); i >= 0 {
				k = k[:len(prefix)+i+len(separator)]
			}
		}
		if n := len(out); n == 0 || out[n-1] != k {
			out = append(out, k)
		}
	})
	slices.Sort(out)
	return idx, slices.Compact(out), err
}

// kvPrefixTxn calls fn for every entry under prefix, in key order, and
// returns the index of KVList.
func kvPrefixTxn(tx *memdb.Txn, ws memdb.WatchSet, prefix string, fn func(*KVEntry)) (uint64, error) {
	it, err := tx.Get(tableKVs, indexIDPrefix, prefix)
	if err != nil {
		return 0, err
	}
	ws.Add(it.WatchCh())
	var idx uint64
	for raw := it.Next(); raw != nil; raw = it.Next() {
		e := raw.(*KVEntry)
		idx = max(idx, e.ModifyIndex)
		fn(e)
	}
	tomb, err := tombstoneMaxTxn(tx, prefix)
	if err != nil {
		return 0, err
	}
	if idx = max(idx, tomb); idx == 0 {
		idx = maxIndexTxn(tx, nil, tableKVs, tableTombstones)
	}
	return idx, nil
}

func getKVTxn(tx *memdb.Txn, key string) (*KVEntry, error) {
	raw, err := tx.First(tableKVs, indexID, key)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*KVEntry), nil
}
