package state

import (
	"bytes"
	"fmt"
)

// KVApply applies one KV write at Raft index idx: set, cas, lock, unlock,
// delete, delete-cas or delete-tree. ok is the outcome of a check-and-set
// or a lock (false when the index did not match or another session holds
// the lock, in which case nothing is written); it is true for the other
// verbs. Locking with a session that does not exist fails with
// ErrSessionNotFound, an empty key (delete-tree aside) with ErrInvalidKey.
// The value is copied; the caller keeps req.
func (s *Store) KVApply(idx uint64, req *KVRequest) (ok bool, err error) {
	err = s.write(idx, func(tx *writeTxn) error {
		ok, _, err = kvWriteTxn(tx, req.Op, &req.Entry)
		return err
	})
	return ok, err
}

// kvWriteTxn applies one KV write verb and returns its outcome and, for
// the verbs that store an entry, the stored entry.
func kvWriteTxn(tx *writeTxn, op KVOp, in *KVEntry) (bool, *KVEntry, error) {
	if in.Key == "" && op != KVDeleteTree {
		return false, nil, fmt.Errorf("kv %s: %w", op, ErrInvalidKey)
	}
	existing, err := getKVTxn(tx.Txn, in.Key)
	if err != nil {
		return false, nil, err
	}
	switch op {
	case KVSet:
		e, err := kvPutTxn(tx, in, existing, false)
		return err == nil, e, err
	case KVCAS:
		if !casMatches(existing, in.ModifyIndex) {
			return false, nil, nil
		}
		e, err := kvPutTxn(tx, in, existing, false)
		return err == nil, e, err
	case KVLock:
		return kvLockTxn(tx, in, existing)
	case KVUnlock:
		if existing == nil || existing.Session == "" || existing.Session != in.Session {
			return false, nil, nil
		}
		released := &KVEntry{Key: in.Key, Flags: in.Flags, Value: in.Value, LockIndex: existing.LockIndex}
		e, err := kvPutTxn(tx, released, existing, true)
		return err == nil, e, err
	case KVDelete:
		if existing == nil {
			return true, nil, nil
		}
		return true, nil, kvDeleteTxn(tx, existing)
	case KVDeleteCAS:
		if existing == nil || existing.ModifyIndex != in.ModifyIndex {
			return false, nil, nil
		}
		return true, nil, kvDeleteTxn(tx, existing)
	case KVDeleteTree:
		return true, nil, kvDeleteTreeTxn(tx, in.Key)
	}
	return false, nil, fmt.Errorf("kv %q: %w", op, ErrUnknownKVOp)
}

// casMatches reports whether a check-and-set at index cas may write over
// existing: 0 creates only, otherwise the ModifyIndex must match.
func casMatches(existing *KVEntry, cas uint64) bool {
	if cas == 0 {
		return existing == nil
	}
	return existing != nil && existing.ModifyIndex == cas
}

// kvLockTxn acquires the key's lock for in.Session: a fresh acquisition
// bumps LockIndex, the holder re-acquiring only updates value and flags,
// and a key held by another session is refused.
func kvLockTxn(tx *writeTxn, in *KVEntry, existing *KVEntry) (bool, *KVEntry, error) {
	if in.Session == "" {
		return false, nil, fmt.Errorf("lock %q: no session: %w", in.Key, ErrSessionNotFound)
	}
	sess, err := getSessionTxn(tx.Txn, in.Session)
	if err != nil {
		return false, nil, err
	}
	if sess == nil {
		return false, nil, fmt.Errorf("lock %q: session %q: %w", in.Key, in.Session, ErrSessionNotFound)
	}
	if existing != nil && existing.Session != "" && existing.Session != sess.ID {
		return false, nil, nil
	}
	e := &KVEntry{Key: in.Key, Flags: in.Flags, Value: in.Value, Session: sess.ID, LockIndex: 1}
	if existing != nil {
		e.LockIndex = existing.LockIndex
		if existing.Session == "" {
			e.LockIndex++
		}
	}
	stored, err := kvPutTxn(tx, e, existing, true)
	return err == nil, stored, err
}

// kvPutTxn stores a copy of in at the transaction's index, keeping the
// existing entry's CreateIndex. With withLock the lock fields (Session,
// LockIndex) come from in; otherwise they are kept from existing.
func kvPutTxn(tx *writeTxn, in *KVEntry, existing *KVEntry, withLock bool) (*KVEntry, error) {
	e := &KVEntry{Key: in.Key, Flags: in.Flags, Value: bytes.Clone(in.Value),
		CreateIndex: tx.idx, ModifyIndex: tx.idx}
	switch {
	case withLock:
		e.Session, e.LockIndex = in.Session, in.LockIndex
	case existing != nil:
		e.Session, e.LockIndex = existing.Session, existing.LockIndex
	}
	if existing != nil {
		e.CreateIndex = existing.CreateIndex
	}
	if err := tx.Insert(tableKVs, e); err != nil {
		return nil, fmt.Errorf("kv set %q: %w", in.Key, err)
	}
	tx.mark(changedKVs)
	return e, nil
}

// kvDeleteTxn removes an entry and leaves a tombstone at the transaction's
// index.
func kvDeleteTxn(tx *writeTxn, e *KVEntry) error {
	if err := tx.Delete(tableKVs, e); err != nil {
		return fmt.Errorf("kv delete %q: %w", e.Key, err)
	}
	tx.mark(changedKVs)
	if err := tx.Insert(tableTombstones, &tombstone{Key: e.Key, Index: tx.idx}); err != nil {
		return fmt.Errorf("kv delete %q: tombstone: %w", e.Key, err)
	}
	tx.mark(changedTombstones)
	return nil
}

// kvDeleteTreeTxn removes every entry under prefix, each with a tombstone.
func kvDeleteTreeTxn(tx *writeTxn, prefix string) error {
	it, err := tx.Get(tableKVs, indexIDPrefix, prefix)
	if err != nil {
		return err
	}
	var doomed []*KVEntry
	for raw := it.Next(); raw != nil; raw = it.Next() {
		doomed = append(doomed, raw.(*KVEntry))
	}
	for _, e := range doomed {
		if err := kvDeleteTxn(tx, e); err != nil {
			return err
		}
	}
	return nil
}
