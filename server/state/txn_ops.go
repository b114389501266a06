package state

import (
	"errors"
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
)

// TxnOp is one operation of a transaction: exactly one of its fields is
// set.
type TxnOp struct {
	KV      *TxnKVOp
	Node    *TxnNodeOp
	Service *TxnServiceOp
	Check   *TxnCheckOp
	Session *TxnSessionOp
}

// TxnKVOp is a KV operation of a transaction. Entry.ModifyIndex is the
// index of cas, delete-cas and check-index; Entry.Session the session of
// lock, unlock and check-session; Entry.Key the prefix of get-tree and
// delete-tree.
type TxnKVOp struct {
	Verb  KVOp
	Entry KVEntry
}

// Verbs of node, service and check operations (TxnVerbDelete is also the
// one session verb).
const (
	TxnVerbSet       = "set"
	TxnVerbCAS       = "cas" // on ModifyIndex; 0 creates only
	TxnVerbGet       = "get"
	TxnVerbDelete    = "delete"
	TxnVerbDeleteCAS = "delete-cas"
)

// TxnNodeOp is a node operation of a transaction. The node is found by
// name, or by ID when the name is empty.
type TxnNodeOp struct {
	Verb string
	Node Node
}

// TxnServiceOp is a service operation on the named node; the service is
// found by its ID (its name when the ID is empty).
type TxnServiceOp struct {
	Verb    string
	Node    string
	Service Service
}

// TxnCheckOp is a check operation; the check is found by Check.Node and
// Check.CheckID.
type TxnCheckOp struct {
	Verb  string
	Check HealthCheck
}

// TxnSessionOp is a session operation; the only verb is delete, by
// Session.ID.
type TxnSessionOp struct {
	Verb    string
	Session Session
}

// TxnResult is the result of one operation that returns data: KV gets,
// checks and writes (the entry; without its Value except for get,
// get-or-empty and get-tree, whose every entry is a result of its own),
// and node, service and check gets and writes (the stored record). Delete
// verbs and check-not-exists return none.
type TxnResult struct {
	KV      *KVEntry
	Node    *Node
	Service *Service
	Check   *HealthCheck
}

// TxnError says why one operation failed; OpIndex is its position in the
// transaction.
type TxnError struct {
	OpIndex int
	What    string
}

// errTxnRolledBack aborts the memdb transaction of a transaction in which
// some operation failed.
var errTxnRolledBack = errors.New("state: transaction rolled back")

// TxnApply applies the operations of a transaction in order, in one memdb
// transaction at Raft index idx. If any operation fails nothing is
// written: the results are nil and the errors list every failed operation
// (later operations still run against the rolled-back state, so all their
// errors are reported). The error is for failures of the store itself.
func (s *Store) TxnApply(idx uint64, ops []TxnOp) ([]TxnResult, []TxnError, error) {
	var results []TxnResult
	var errs []TxnError
	err := s.write(idx, func(tx *writeTxn) error {
		results, errs = txnWriteTxn(tx, ops)
		return rolledBack(errs)
	})
	return txnOutcome(results, errs, err)
}

// TxnRead runs a transaction of read operations only (IsReadOnlyTxn)
// against one consistent view, without Raft. The results are nil when any
// operation failed.
func (s *Store) TxnRead(ops []TxnOp) ([]TxnResult, []TxnError) {
	tx := s.readTxn(nil)
	var results []TxnResult
	var errs []TxnError
	for i := range ops {
		op := &ops[i]
		var res []TxnResult
		err := checkTxnOp(op)
		if err == nil && !isReadOp(op) {
			err = fmt.Errorf("%w: a write in a read-only transaction", ErrInvalidTxnOp)
		}
		if err == nil {
			res, err = txnReadOpTxn(tx, op)
		}
		if err != nil {
			errs = append(errs, TxnError{OpIndex: i, What: err.Error()})
			continue
		}
		results = append(results, res...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return results, nil
}

// IsReadOnlyTxn reports whether every operation of ops is a well-formed
// read (KV get, get-or-empty, get-tree and the checks; node, service and
// check get), so the transaction can be served without Raft.
func IsReadOnlyTxn(ops []TxnOp) bool {
	for i := range ops {
		if checkTxnOp(&ops[i]) != nil || !isReadOp(&ops[i]) {
			return false
		}
	}
	return true
}

func rolledBack(errs []TxnError) error {
	if len(errs) > 0 {
		return errTxnRolledBack
	}
	return nil
}

// txnOutcome turns the result of a transaction's write into TxnApply's.
func txnOutcome(results []TxnResult, errs []TxnError, err error) ([]TxnResult, []TxnError, error) {
	switch {
	case errors.Is(err, errTxnRolledBack):
		return nil, errs, nil
	case err != nil:
		return nil, nil, err
	}
	return results, nil, nil
}

// txnWriteTxn runs every operation and collects the results and errors.
func txnWriteTxn(tx *writeTxn, ops []TxnOp) ([]TxnResult, []TxnError) {
	var results []TxnResult
	var errs []TxnError
	for i := range ops {
		res, err := txnOpTxn(tx, &ops[i])
		if err != nil {
			errs = append(errs, TxnError{OpIndex: i, What: err.Error()})
			continue
		}
		results = append(results, res...)
	}
	return results, errs
}

// checkTxnOp makes sure exactly one kind of operation is set.
func checkTxnOp(op *TxnOp) error {
	n := 0
	for _, set := range []bool{op.KV != nil, op.Node != nil, op.Service != nil, op.Check != nil, op.Session != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%w: need exactly one of KV, Node, Service, Check or Session, got %d", ErrInvalidTxnOp, n)
	}
	return nil
}

// isReadOp reports whether a well-formed op only reads.
func isReadOp(op *TxnOp) bool {
	switch {
	case op.KV != nil:
		switch op.KV.Verb {
		case KVGetOp, KVGetOrEmpty, KVGetTree, KVCheckIndex, KVCheckSession, KVCheckNotExists:
			return true
		}
	case op.Node != nil:
		return op.Node.Verb == TxnVerbGet
	case op.Service != nil:
		return op.Service.Verb == TxnVerbGet
	case op.Check != nil:
		return op.Check.Verb == TxnVerbGet
	}
	return false
}

// txnOpTxn runs one operation of a write transaction.
func txnOpTxn(tx *writeTxn, op *TxnOp) ([]TxnResult, error) {
	if err := checkTxnOp(op); err != nil {
		return nil, err
	}
	if isReadOp(op) {
		return txnReadOpTxn(tx.Txn, op)
	}
	switch {
	case op.KV != nil:
		return txnKVWriteTxn(tx, op.KV)
	case op.Node != nil:
		return txnNodeWriteTxn(tx, op.Node)
	case op.Service != nil:
		return txnServiceWriteTxn(tx, op.Service)
	case op.Check != nil:
		return txnCheckWriteTxn(tx, op.Check)
	}
	if op.Session.Verb != TxnVerbDelete {
		return nil, fmt.Errorf("%w: unknown session verb %q", ErrInvalidTxnOp, op.Session.Verb)
	}
	return nil, sessionDestroyTxn(tx, op.Session.Session.ID)
}

// txnReadOpTxn runs one read operation against tx.
func txnReadOpTxn(tx *memdb.Txn, op *TxnOp) ([]TxnResult, error) {
	switch {
	case op.KV != nil:
		return txnKVReadTxn(tx, op.KV)
	case op.Node != nil:
		n, err := findNodeTxn(tx, &op.Node.Node)
		if err != nil {
			return nil, err
		}
		return []TxnResult{{Node: n}}, nil
	case op.Service != nil:
		svc, err := findServiceTxn(tx, op.Service.Node, serviceID(&op.Service.Service))
		if err != nil {
			return nil, err
		}
		return []TxnResult{{Service: svc}}, nil
	}
	hc, err := findCheckTxn(tx, op.Check.Check.Node, op.Check.Check.CheckID)
	if err != nil {
		return nil, err
	}
	return []TxnResult{{Check: hc}}, nil
}

// txnKVWriteTxn runs a KV write verb; a failed check-and-set or lock
// fails the operation.
func txnKVWriteTxn(tx *writeTxn, op *TxnKVOp) ([]TxnResult, error) {
	ok, stored, err := kvWriteTxn(tx, op.Verb, &op.Entry)
	if err != nil {
		return nil, err
	}
	key := op.Entry.Key
	if !ok {
		switch op.Verb {
		case KVCAS:
			return nil, fmt.Errorf("failed to set key %q, index is stale", key)
		case KVLock:
			return nil, fmt.Errorf("failed to lock key %q, lock is already held", key)
		case KVUnlock:
			return nil, fmt.Errorf("failed to unlock key %q, lock isn't held, or is held by another session", key)
		}
		return nil, fmt.Errorf("failed to delete key %q, index is stale", key)
	}
	if stored == nil {
		return nil, nil
	}
	return []TxnResult{{KV: withoutValue(stored)}}, nil
}

// txnKVReadTxn runs a KV read or check verb.
func txnKVReadTxn(tx *memdb.Txn, op *TxnKVOp) ([]TxnResult, error) {
	key := op.Entry.Key
	if op.Verb == KVGetTree {
		var out []TxnResult
		_, err := kvPrefixTxn(tx, nil, key, func(e *KVEntry) { out = append(out, TxnResult{KV: e}) })
		return out, err
	}
	if key == "" {
		return nil, fmt.Errorf("kv %s: %w", op.Verb, ErrInvalidKey)
	}
	e, err := getKVTxn(tx, key)
	if err != nil {
		return nil, err
	}
	switch op.Verb {
	case KVGetOrEmpty:
		if e == nil {
			e = &KVEntry{Key: key}
		}
		return []TxnResult{{KV: e}}, nil
	case KVCheckNotExists:
		if e != nil {
			return nil, fmt.Errorf("key %q exists", key)
		}
		return nil, nil
	}
	if e == nil {
		return nil, fmt.Errorf("key %q doesn't exist", key)
	}
	switch op.Verb {
	case KVCheckIndex:
		if e.ModifyIndex != op.Entry.ModifyIndex {
			return nil, fmt.Errorf("current modify index %d != %d", e.ModifyIndex, op.Entry.ModifyIndex)
		}
		return []TxnResult{{KV: withoutValue(e)}}, nil
	case KVCheckSession:
		if e.Session != op.Entry.Session {
			return nil, fmt.Errorf("current session %q != %q", e.Session, op.Entry.Session)
		}
		return []TxnResult{{KV: withoutValue(e)}}, nil
	}
	return []TxnResult{{KV: e}}, nil // get
}

// withoutValue returns a copy of e without its value.
func withoutValue(e *KVEntry) *KVEntry {
	c := *e
	c.Value = nil
	return &c
}
