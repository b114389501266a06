package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
)

// ReapTombstones removes, at Raft index idx, every tombstone of a deletion
// at or before index upTo. The leader calls it through Raft for tombstones
// older than the tombstone TTL, by which time no blocked reader still
// holds an index from before them.
func (s *Store) ReapTombstones(idx, upTo uint64) error {
	return s.write(idx, func(tx *writeTxn) error { return reapTombstonesTxn(tx, upTo) })
}

// TombstoneIndex returns the Raft index of the last change to the
// tombstones (a deletion or a reap), 0 if none.
func (s *Store) TombstoneIndex() uint64 {
	return indexTxn(s.db.Load().Txn(false), nil, tableTombstones)
}

func reapTombstonesTxn(tx *writeTxn, upTo uint64) error {
	it, err := tx.Get(tableTombstones, indexID)
	if err != nil {
		return err
	}
	var doomed []*tombstone
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if t := raw.(*tombstone); t.Index <= upTo {
			doomed = append(doomed, t)
		}
	}
	for _, t := range doomed {
		if err := tx.Delete(tableTombstones, t); err != nil {
			return fmt.Errorf("reap tombstone %q: %w", t.Key, err)
		}
		tx.mark(changedTombstones)
	}
	return nil
}

// tombstoneMaxTxn returns the highest deletion index among the tombstones
// under prefix, 0 if none.
func tombstoneMaxTxn(tx *memdb.Txn, prefix string) (uint64, error) {
	it, err := tx.Get(tableTombstones, indexIDPrefix, prefix)
	if err != nil {
		return 0, err
	}
	var idx uint64
	for raw := it.Next(); raw != nil; raw = it.Next() {
		idx = max(idx, raw.(*tombstone).Index)
	}
	return idx, nil
}
