package state

import (
	"errors"
	"time"
)

// Writer is the write surface of the store that Raft log entries use. Both
// the Store and the batch handed out by WriteBatch implement it.
type Writer interface {
	EnsureRegistration(idx uint64, reg *Registration) error
	Deregister(idx uint64, d *Deregistration) error
	PreparedQuerySet(idx uint64, q *PreparedQuery) error
	PreparedQueryDelete(idx uint64, id string) error
	KVApply(idx uint64, req *KVRequest) (bool, error)
	SessionApply(idx uint64, req *SessionRequest) error
	TxnApply(idx uint64, ops []TxnOp) ([]TxnResult, []TxnError, error)
	ReapTombstones(idx, upTo uint64) error
	// ACL writes (acl.go; batch and lockedWriter in acl_batch.go).
	ACLPolicyApply(idx uint64, req *ACLPolicyRequest) error
	ACLRoleApply(idx uint64, req *ACLRoleRequest) error
	ACLTokenApply(idx uint64, req *ACLTokenRequest) error
	ACLBootstrap(idx uint64, req *ACLBootstrapRequest) error
	ACLInit(idx uint64, req *ACLInitRequest) error
	// AutopilotSetConfig: autopilot.go.
	AutopilotSetConfig(idx uint64, req *AutopilotRequest) (bool, error)
	// CoordinateBatchUpdate: coordinate.go.
	CoordinateBatchUpdate(idx uint64, updates []*Coordinate) error
	// SetServerSecret: server_secret.go.
	SetServerSecret(idx uint64, req *ServerSecretRequest) error
}

var _ Writer = (*Store)(nil)

// WriteBatch applies ops in order in one transaction: one commit, one
// round of watch wake-ups and one publish for the lot, which is how a
// batch of Raft entries is applied cheaply. Each op makes one write through
// w and gets its own result in the returned slice. A write that fails
// validation writes nothing and leaves the others alone, exactly as if
// each had its own transaction. Records, indexes and events carry the
// index of the write that produced them.
func (s *Store) WriteBatch(ops []func(w Writer) error) []error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	b := &batch{s: s, tx: &writeTxn{Txn: s.db.Load().Txn(true)}}
	errs := make([]error, len(ops))
	for i, op := range ops {
		if errs[i] = op(b); b.broken {
			break
		}
	}
	if b.broken {
		// A write failed after it had written part of its records. That
		// cannot be undone inside the shared transaction, so drop the
		// transaction and apply every op on its own.
		b.tx.Abort()
		for i, op := range ops {
			errs[i] = op(lockedWriter{s})
		}
		return errs
	}
	if !b.dirty {
		b.tx.Abort()
		return errs
	}
	b.tx.Commit()
	s.delays.record(b.delays, time.Now())
	s.pub.publish(b.events)
	return errs
}

// batch is the Writer of WriteBatch: each write runs in the shared
// transaction and is finished (indexes, events) at its own Raft index.
type batch struct {
	s      *Store
	tx     *writeTxn
	events []Event
	delays []keyDelay // lock delays of the writes that succeeded
	dirty  bool       // some write changed something
	broken bool       // a write failed half-way; the transaction must go
}

var errBatchBroken = errors.New("state: batch abandoned")

func (b *batch) apply(idx uint64, fn func(tx *writeTxn) error) error {
	if b.broken {
		return errBatchBroken
	}
	b.tx.idx = idx
	before := b.tx.writes
	err := fn(b.tx)
	if err == nil && b.tx.changed() {
		var events []Event
		events, err = b.s.finishTxn(b.tx)
		b.events = append(b.events, events...)
		b.dirty = true
	}
	if err != nil && b.tx.writes != before {
		b.broken = true
	}
	if err == nil {
		b.delays = append(b.delays, b.tx.delays...)
	}
	b.tx.delays = b.tx.delays[:0]
	b.tx.reset()
	return err
}

func (b *batch) EnsureRegistration(idx uint64, reg *Registration) error {
	return b.apply(idx, func(tx *writeTxn) error { return ensureRegistrationTxn(tx, reg) })
}

func (b *batch) Deregister(idx uint64, d *Deregistration) error {
	return b.apply(idx, func(tx *writeTxn) error { return deregisterTxn(tx, d) })
}

func (b *batch) PreparedQuerySet(idx uint64, q *PreparedQuery) error {
	return b.apply(idx, func(tx *writeTxn) error { return preparedQuerySetTxn(tx, q) })
}

func (b *batch) PreparedQueryDelete(idx uint64, id string) error {
	return b.apply(idx, func(tx *writeTxn) error { return preparedQueryDeleteTxn(tx, id) })
}

func (b *batch) KVApply(idx uint64, req *KVRequest) (ok bool, err error) {
	err = b.apply(idx, func(tx *writeTxn) error {
		ok, _, err = kvWriteTxn(tx, req.Op, &req.Entry)
		return err
	})
	return ok, err
}

func (b *batch) SessionApply(idx uint64, req *SessionRequest) error {
	return b.apply(idx, func(tx *writeTxn) error { return sessionApplyTxn(tx, req) })
}

func (b *batch) TxnApply(idx uint64, ops []TxnOp) ([]TxnResult, []TxnError, error) {
	var results []TxnResult
	var errs []TxnError
	err := b.apply(idx, func(tx *writeTxn) error {
		results, errs = txnWriteTxn(tx, ops)
		return rolledBack(errs)
	})
	return txnOutcome(results, errs, err)
}

func (b *batch) ReapTombstones(idx, upTo uint64) error {
	return b.apply(idx, func(tx *writeTxn) error { return reapTombstonesTxn(tx, upTo) })
}

// lockedWriter writes one transaction per call with writeMu already held.
type lockedWriter struct{ s *Store }

func (w lockedWriter) EnsureRegistration(idx uint64, reg *Registration) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return ensureRegistrationTxn(tx, reg) })
}

func (w lockedWriter) Deregister(idx uint64, d *Deregistration) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return deregisterTxn(tx, d) })
}

func (w lockedWriter) PreparedQuerySet(idx uint64, q *PreparedQuery) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return preparedQuerySetTxn(tx, q) })
}

func (w lockedWriter) PreparedQueryDelete(idx uint64, id string) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return preparedQueryDeleteTxn(tx, id) })
}

func (w lockedWriter) KVApply(idx uint64, req *KVRequest) (ok bool, err error) {
	err = w.s.writeLocked(idx, func(tx *writeTxn) error {
		ok, _, err = kvWriteTxn(tx, req.Op, &req.Entry)
		return err
	})
	return ok, err
}

func (w lockedWriter) SessionApply(idx uint64, req *SessionRequest) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return sessionApplyTxn(tx, req) })
}

func (w lockedWriter) TxnApply(idx uint64, ops []TxnOp) ([]TxnResult, []TxnError, error) {
	var results []TxnResult
	var errs []TxnError
	err := w.s.writeLocked(idx, func(tx *writeTxn) error {
		results, errs = txnWriteTxn(tx, ops)
		return rolledBack(errs)
	})
	return txnOutcome(results, errs, err)
}

func (w lockedWriter) ReapTombstones(idx, upTo uint64) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return reapTombstonesTxn(tx, upTo) })
}
