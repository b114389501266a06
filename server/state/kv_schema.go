package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
)

// Table and index names of the KV store and its tombstones.
const (
	tableKVs        = "kvs"
	tableTombstones = "tombstones"

	indexSession = "session" // kvs, session_checks: the holding or bound session
)

// tombstone marks a deleted key with the Raft index of its deletion, so
// that the index of a recursive read under its prefix never goes back when
// the key goes. The leader reaps old tombstones (ReapTombstones).
type tombstone struct {
	Key   string
	Index uint64
}

func kvsTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableKVs, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: exactIndex[*KVEntry]{
			key: func(e *KVEntry) string { return e.Key }}},
		indexSession: {Name: indexSession, AllowMissing: true, Indexer: fieldIndex[*KVEntry]{
			key: func(e *KVEntry) (string, bool) { return e.Session, e.Session != "" }}},
	}}
}

func tombstonesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableTombstones, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: exactIndex[*tombstone]{
			key: func(t *tombstone) string { return t.Key }}},
	}}
}

// exactIndex indexes one string of a record of type T as it is: KV keys
// are case-sensitive, unlike catalog names. The key is ended by a NUL byte
// for exact lookups; the "_prefix" form leaves it off, so any string
// prefix matches.
type exactIndex[T any] struct {
	key func(T) string
}

func (ix exactIndex[T]) FromObject(raw any) (bool, []byte, error) {
	r, ok := raw.(T)
	if !ok {
		return false, nil, fmt.Errorf("index: unexpected record %T", raw)
	}
	k := ix.key(r)
	return true, append(append(make([]byte, 0, len(k)+1), k...), 0), nil
}

func (ix exactIndex[T]) FromArgs(args ...any) ([]byte, error) {
	k, err := ix.PrefixFromArgs(args...)
	if err != nil {
		return nil, err
	}
	return append(k, 0), nil
}

func (ix exactIndex[T]) PrefixFromArgs(args ...any) ([]byte, error) {
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	a, err := stringArg(args, 0)
	if err != nil {
		return nil, err
	}
	return append(make([]byte, 0, len(a)+1), a...), nil
}
