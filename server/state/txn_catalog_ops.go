package state

import (
	"fmt"
	"strings"

	memdb "github.com/hashicorp/go-memdb"
)

// Node, service and check operations of a transaction. They reuse the
// catalog's write helpers, so health events, indexes and session
// invalidation behave exactly as for catalog registrations.

// casFailure explains a failed check-and-set on a catalog record; existing
// is nil when the record is missing.
func casFailure(what string, existing *RaftIndex, want uint64) error {
	if existing == nil {
		return fmt.Errorf("%s: it doesn't exist", what)
	}
	return fmt.Errorf("%s: current modify index %d != %d", what, existing.ModifyIndex, want)
}

// catalogCASMatches is the check-and-set rule of catalog records: index 0
// creates only, otherwise the record's ModifyIndex must match.
func catalogCASMatches(existing *RaftIndex, want uint64) bool {
	if want == 0 {
		return existing == nil
	}
	return existing != nil && existing.ModifyIndex == want
}

func txnNodeWriteTxn(tx *writeTxn, op *TxnNodeOp) ([]TxnResult, error) {
	in := &op.Node
	what := fmt.Sprintf("node %q", in.Node)
	switch op.Verb {
	case TxnVerbSet, TxnVerbCAS:
		if in.Node == "" {
			return nil, fmt.Errorf("set node: %w", ErrMissingNode)
		}
		if err := validName(in.Node); err != nil {
			return nil, fmt.Errorf("set node: %w", err)
		}
		existing, err := getNodeTxn(tx.Txn, in.Node)
		if err != nil {
			return nil, err
		}
		if op.Verb == TxnVerbCAS && !catalogCASMatches(raftIndexOf(existing), in.ModifyIndex) {
			return nil, fmt.Errorf("failed to set %w", casFailure(what, raftIndexOf(existing), in.ModifyIndex))
		}
		n, err := ensureNodeTxn(tx, in, false)
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", what, err)
		}
		return []TxnResult{{Node: n}}, nil
	case TxnVerbDelete, TxnVerbDeleteCAS:
		existing, err := lookupNodeTxn(tx.Txn, in)
		if err != nil {
			return nil, err
		}
		if op.Verb == TxnVerbDeleteCAS && (existing == nil || existing.ModifyIndex != in.ModifyIndex) {
			return nil, fmt.Errorf("failed to delete %w", casFailure(what, raftIndexOf(existing), in.ModifyIndex))
		}
		if existing == nil {
			return nil, nil
		}
		return nil, deleteNodeTxn(tx, existing.Node)
	}
	return nil, fmt.Errorf("%w: unknown node verb %q", ErrInvalidTxnOp, op.Verb)
}

func txnServiceWriteTxn(tx *writeTxn, op *TxnServiceOp) ([]TxnResult, error) {
	in := &op.Service
	id := serviceID(in)
	what := fmt.Sprintf("service %q on node %q", id, op.Node)
	node, err := getNodeTxn(tx.Txn, op.Node)
	if err != nil {
		return nil, err
	}
	var existing *Service
	if node != nil {
		if existing, err = getServiceTxn(tx.Txn, node.Node, id); err != nil {
			return nil, err
		}
	}
	switch op.Verb {
	case TxnVerbSet, TxnVerbCAS:
		if node == nil {
			return nil, fmt.Errorf("set %s: node doesn't exist", what)
		}
		if err := validateService(node.Node, in); err != nil {
			return nil, fmt.Errorf("set %s: %w", what, err)
		}
		if op.Verb == TxnVerbCAS && !catalogCASMatches(raftIndexOf(existing), in.ModifyIndex) {
			return nil, fmt.Errorf("failed to set %w", casFailure(what, raftIndexOf(existing), in.ModifyIndex))
		}
		if err := ensureServiceTxn(tx, node.Node, in); err != nil {
			return nil, fmt.Errorf("set %s: %w", what, err)
		}
		stored, err := getServiceTxn(tx.Txn, node.Node, id)
		if err != nil {
			return nil, err
		}
		return []TxnResult{{Service: stored}}, nil
	case TxnVerbDelete, TxnVerbDeleteCAS:
		if op.Verb == TxnVerbDeleteCAS && (existing == nil || existing.ModifyIndex != in.ModifyIndex) {
			return nil, fmt.Errorf("failed to delete %w", casFailure(what, raftIndexOf(existing), in.ModifyIndex))
		}
		if existing == nil {
			return nil, nil
		}
		return nil, deleteServiceTxn(tx, existing.Node, existing.ID)
	}
	return nil, fmt.Errorf("%w: unknown service verb %q", ErrInvalidTxnOp, op.Verb)
}

func txnCheckWriteTxn(tx *writeTxn, op *TxnCheckOp) ([]TxnResult, error) {
	in := &op.Check
	what := fmt.Sprintf("check %q on node %q", in.CheckID, in.Node)
	node, err := getNodeTxn(tx.Txn, in.Node)
	if err != nil {
		return nil, err
	}
	var existing *HealthCheck
	if node != nil {
		if existing, err = getCheckTxn(tx.Txn, node.Node, in.CheckID); err != nil {
			return nil, err
		}
	}
	switch op.Verb {
	case TxnVerbSet, TxnVerbCAS:
		if node == nil {
			return nil, fmt.Errorf("set %s: node doesn't exist", what)
		}
		if in.CheckID == "" {
			return nil, fmt.Errorf("set check: %w", ErrMissingCheckID)
		}
		if err := validName(in.CheckID); err != nil {
			return nil, fmt.Errorf("set %s: %w", what, err)
		}
		if err := validName(in.ServiceID); err != nil {
			return nil, fmt.Errorf("set %s: %w", what, err)
		}
		if op.Verb == TxnVerbCAS && !catalogCASMatches(raftIndexOf(existing), in.ModifyIndex) {
			return nil, fmt.Errorf("failed to set %w", casFailure(what, raftIndexOf(existing), in.ModifyIndex))
		}
		if err := ensureCheckTxn(tx, node.Node, in); err != nil {
			return nil, fmt.Errorf("set %s: %w", what, err)
		}
		stored, err := getCheckTxn(tx.Txn, node.Node, in.CheckID)
		if err != nil {
			return nil, err
		}
		return []TxnResult{{Check: stored}}, nil
	case TxnVerbDelete, TxnVerbDeleteCAS:
		if op.Verb == TxnVerbDeleteCAS && (existing == nil || existing.ModifyIndex != in.ModifyIndex) {
			return nil, fmt.Errorf("failed to delete %w", casFailure(what, raftIndexOf(existing), in.ModifyIndex))
		}
		if existing == nil {
			return nil, nil
		}
		return nil, deleteCheckTxn(tx, existing.Node, existing.CheckID)
	}
	return nil, fmt.Errorf("%w: unknown check verb %q", ErrInvalidTxnOp, op.Verb)
}

// catalogRecord is a record of the catalog tables.
type catalogRecord interface {
	*Node | *Service | *HealthCheck
}

// raftIndexOf returns the Raft indexes of a record that may be nil.
func raftIndexOf[T catalogRecord](rec T) *RaftIndex {
	switch r := any(rec).(type) {
	case *Node:
		if r != nil {
			return &r.RaftIndex
		}
	case *Service:
		if r != nil {
			return &r.RaftIndex
		}
	case *HealthCheck:
		if r != nil {
			return &r.RaftIndex
		}
	}
	return nil
}

// lookupNodeTxn finds a node by name, or by ID when the name is empty.
func lookupNodeTxn(tx *memdb.Txn, n *Node) (*Node, error) {
	if n.Node != "" || n.ID == "" {
		return getNodeTxn(tx, n.Node)
	}
	it, err := tx.Get(tableNodes, indexID)
	if err != nil {
		return nil, err
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if cand := raw.(*Node); strings.EqualFold(cand.ID, n.ID) {
			return cand, nil
		}
	}
	return nil, nil
}

// findNodeTxn is lookupNodeTxn failing for a missing node.
func findNodeTxn(tx *memdb.Txn, n *Node) (*Node, error) {
	found, err := lookupNodeTxn(tx, n)
	if err == nil && found == nil {
		name := n.Node
		if name == "" {
			name = n.ID
		}
		err = fmt.Errorf("node %q doesn't exist", name)
	}
	return found, err
}

func findServiceTxn(tx *memdb.Txn, node, id string) (*Service, error) {
	svc, err := getServiceTxn(tx, node, id)
	if err == nil && svc == nil {
		err = fmt.Errorf("service %q on node %q doesn't exist", id, node)
	}
	return svc, err
}

func findCheckTxn(tx *memdb.Txn, node, id string) (*HealthCheck, error) {
	hc, err := getCheckTxn(tx, node, id)
	if err == nil && hc == nil {
		err = fmt.Errorf("check %q on node %q doesn't exist", id, node)
	}
	return hc, err
}
