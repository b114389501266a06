package server

import (
	"context"
	"reflect"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

func kvTxn(verb state.KVOp, key string, e state.KVEntry) state.TxnOp {
	e.Key = key
	return state.TxnOp{KV: &state.TxnKVOp{Verb: verb, Entry: e}}
}

// TestTxnAllOrNothing fails the third op of a transaction: the first two
// are not applied, and the same two alone then are.
func TestTxnAllOrNothing(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	_, idx := mustKVApply(t, s, kvReq(state.KVSet, "c", state.KVEntry{Value: []byte("c")}))
	ops := []state.TxnOp{
		kvTxn(state.KVSet, "a", state.KVEntry{Value: []byte("1")}),
		{Node: &state.TxnNodeOp{Verb: state.TxnVerbSet, Node: state.Node{Node: "n9", Address: "10.0.0.9"}}},
		kvTxn(state.KVCAS, "c", state.KVEntry{Value: []byte("x"), ModifyIndex: idx + 100}),
	}
	results, errs, txnIdx, err := s.Txn(ctx, ops)
	if err != nil || results != nil || len(errs) != 1 || errs[0].OpIndex != 2 || txnIdx == 0 {
		t.Fatalf("Txn = %v, %+v, %d, %v", results, errs, txnIdx, err)
	}
	if _, e, _ := s.Store().KVGet(nil, "a"); e != nil {
		t.Error("op 1 of a rolled-back transaction was applied")
	}
	if _, n, _ := s.Store().GetNode(nil, "n9"); n != nil {
		t.Error("op 2 of a rolled-back transaction was applied")
	}
	results, errs, txnIdx, err = s.Txn(ctx, ops[:2])
	if err != nil || errs != nil || len(results) != 2 {
		t.Fatalf("Txn = %v, %+v, %v", results, errs, err)
	}
	if results[0].KV == nil || results[0].KV.Value != nil || results[0].KV.ModifyIndex != txnIdx ||
		results[1].Node == nil || results[1].Node.Node != "n9" {
		t.Errorf("results = %+v %+v", results[0].KV, results[1].Node)
	}
}

// TestTxnReadOnlySkipsRaft serves a read-only transaction from the store:
// the Raft log does not grow.
func TestTxnReadOnlySkipsRaft(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx := context.Background()
	mustKVApply(t, s, kvReq(state.KVSet, "a/1", state.KVEntry{Value: []byte("1")}))
	_, idx := mustKVApply(t, s, kvReq(state.KVSet, "a/2", state.KVEntry{Value: []byte("2")}))
	before := s.raft.LastIndex()
	results, errs, got, err := s.Txn(ctx, []state.TxnOp{
		kvTxn(state.KVGetTree, "a/", state.KVEntry{}),
		kvTxn(state.KVCheckIndex, "a/2", state.KVEntry{ModifyIndex: idx}),
	})
	if err != nil || errs != nil || got != idx || len(results) != 3 {
		t.Fatalf("Txn = %d results, %+v, @%d, %v", len(results), errs, got, err)
	}
	if keys := []string{results[0].KV.Key, results[1].KV.Key}; !reflect.DeepEqual(keys, []string{"a/1", "a/2"}) ||
		string(results[1].KV.Value) != "2" || results[2].KV.Value != nil {
		t.Errorf("results = %+v", results)
	}
	_, errs, _, err = s.Txn(ctx, []state.TxnOp{kvTxn(state.KVGetOp, "nope", state.KVEntry{})})
	if err != nil || len(errs) != 1 || errs[0].What != `key "nope" doesn't exist` {
		t.Errorf("failed read = %+v, %v", errs, err)
	}
	if s.raft.LastIndex() != before {
		t.Errorf("a read-only transaction reached the log (%d -> %d)", before, s.raft.LastIndex())
	}
}

func TestTxnSessionDeleteStopsTimer(t *testing.T) {
	s := startServer(t, testConfig(t))
	id := mustCreateSession(t, s, state.Session{TTL: "1h"})
	_, errs, _, err := s.Txn(context.Background(), []state.TxnOp{
		{Session: &state.TxnSessionOp{Verb: state.TxnVerbDelete, Session: state.Session{ID: id}}}})
	if err != nil || errs != nil {
		t.Fatal(errs, err)
	}
	if _, sess, _ := s.Store().SessionGet(nil, id); sess != nil || s.timers.has(id) {
		t.Errorf("session %v, timer %v after txn delete", sess, s.timers.has(id))
	}
}
