package fsm

import (
	"reflect"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/state"
)

const sessionID = "5b0bd4c6-1b5e-4b5e-8a4c-7e1f6b7e2a10"

// kvFSM has node n1 (from webReg), a session on it at 2 and key "k" at 3.
func kvFSM(t *testing.T) *FSM {
	t.Helper()
	f := newFSM(t)
	for i, l := range []*raft.Log{
		entry(t, 1, RegisterRequestType, webReg("n1")),
		entry(t, 2, SessionRequestType, &state.SessionRequest{Op: state.SessionCreateOp,
			Session: state.Session{ID: sessionID, Node: "n1", TTL: "10s"}}),
		entry(t, 3, KVRequestType, &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "k", Value: []byte("v")}}),
	} {
		if r := f.Apply(l); r != nil && r != true {
			t.Fatalf("setup entry %d: %v", i, r)
		}
	}
	return f
}

func TestApplyKVSessionTxn(t *testing.T) {
	kv := func(op state.KVOp, e state.KVEntry) *state.KVRequest { return &state.KVRequest{Op: op, Entry: e} }
	tests := []struct {
		name string
		t    MessageType
		msg  any
		want any // a value, an error (errors.Is) or errAny
	}{
		{"kv set", KVRequestType, kv(state.KVSet, state.KVEntry{Key: "a", Value: []byte("x")}), true},
		{"kv cas refused", KVRequestType, kv(state.KVCAS, state.KVEntry{Key: "k", ModifyIndex: 1}), false},
		{"kv cas", KVRequestType, kv(state.KVCAS, state.KVEntry{Key: "k", ModifyIndex: 3}), true},
		{"kv lock", KVRequestType, kv(state.KVLock, state.KVEntry{Key: "k", Session: sessionID}), true},
		{"kv lock unknown session", KVRequestType, kv(state.KVLock, state.KVEntry{Key: "k", Session: "x"}), state.ErrSessionNotFound},
		{"kv empty key", KVRequestType, kv(state.KVSet, state.KVEntry{}), state.ErrInvalidKey},
		{"session create", SessionRequestType, &state.SessionRequest{Op: state.SessionCreateOp,
			Session: state.Session{ID: "other", Node: "n1"}}, nil},
		{"session create taken", SessionRequestType, &state.SessionRequest{Op: state.SessionCreateOp,
			Session: state.Session{ID: sessionID, Node: "n1"}}, state.ErrInvalidSession},
		{"session destroy", SessionRequestType, &state.SessionRequest{Op: state.SessionDestroyOp,
			Session: state.Session{ID: sessionID}}, nil},
		{"txn", TxnRequestType, &TxnRequest{Ops: []state.TxnOp{
			{KV: &state.TxnKVOp{Verb: state.KVGetOp, Entry: state.KVEntry{Key: "k"}}},
			{KV: &state.TxnKVOp{Verb: state.KVDelete, Entry: state.KVEntry{Key: "k"}}},
		}}, TxnResponse{Results: []state.TxnResult{{KV: &state.KVEntry{Key: "k", Value: []byte("v"), CreateIndex: 3, ModifyIndex: 3}}}}},
		{"txn rolled back", TxnRequestType, &TxnRequest{Ops: []state.TxnOp{
			{KV: &state.TxnKVOp{Verb: state.KVDelete, Entry: state.KVEntry{Key: "k"}}},
			{KV: &state.TxnKVOp{Verb: state.KVGetOp, Entry: state.KVEntry{Key: "k"}}}, // sees the delete
		}}, TxnResponse{Errors: []state.TxnError{{OpIndex: 1, What: `key "k" doesn't exist`}}}},
		{"reap", TombstoneReapRequestType, &TombstoneReapRequest{UpTo: 3}, nil},
		{"corrupt kv", KVRequestType, rawBody{0xc1}, errAny},
		{"corrupt session", SessionRequestType, rawBody{0xc1}, errAny},
		{"corrupt txn", TxnRequestType, rawBody{0xc1}, errAny},
		{"corrupt reap", TombstoneReapRequestType, rawBody{0xc1}, errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, batched := range []bool{false, true} {
				f := kvFSM(t)
				l := logFor(t, 10, tt.t, tt.msg)
				var resp any
				if batched {
					resp = f.ApplyBatch([]*raft.Log{l})[0]
				} else {
					resp = f.Apply(l)
				}
				switch want := tt.want.(type) {
				case error:
					checkResponse(t, resp, want)
				default:
					if !reflect.DeepEqual(resp, want) {
						t.Fatalf("batched=%v: response = %#v, want %#v", batched, resp, want)
					}
				}
			}
		})
	}
}

// rawBody is an entry body written as is.
type rawBody []byte

func logFor(t *testing.T, idx uint64, mt MessageType, msg any) *raft.Log {
	if raw, ok := msg.(rawBody); ok {
		return &raft.Log{Index: idx, Type: raft.LogCommand, Data: append([]byte{byte(mt)}, raw...)}
	}
	return entry(t, idx, mt, msg)
}

// TestApplyBatchTxnFallsBack batches a transaction that rolls back after
// writing with writes around it: every entry keeps its own outcome.
func TestApplyBatchTxnFallsBack(t *testing.T) {
	logs := []*raft.Log{
		entry(t, 10, KVRequestType, &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: "a"}}),
		entry(t, 11, TxnRequestType, &TxnRequest{Ops: []state.TxnOp{
			{KV: &state.TxnKVOp{Verb: state.KVSet, Entry: state.KVEntry{Key: "b"}}},
			{KV: &state.TxnKVOp{Verb: state.KVGetOp, Entry: state.KVEntry{Key: "nope"}}},
		}}),
		entry(t, 12, KVRequestType, &state.KVRequest{Op: state.KVCAS, Entry: state.KVEntry{Key: "a", ModifyIndex: 10}}),
	}
	one, many := kvFSM(t), kvFSM(t)
	var want []any
	for _, l := range logs {
		want = append(want, one.Apply(l))
	}
	got := many.ApplyBatch(logs)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("batch responses %#v, single %#v", got, want)
	}
	if r, _ := got[1].(TxnResponse); len(r.Errors) != 1 || got[2] != true {
		t.Fatalf("responses = %#v", got)
	}
	for _, f := range []*FSM{one, many} {
		if _, e, _ := f.Store().KVGet(nil, "b"); e != nil {
			t.Error("rolled-back transaction wrote b")
		}
		if _, e, _ := f.Store().KVGet(nil, "a"); e == nil || e.ModifyIndex != 12 {
			t.Errorf("a = %+v", e)
		}
	}
}

func TestMessageTypeNames(t *testing.T) {
	for mt, want := range map[MessageType]string{KVRequestType: "kv", SessionRequestType: "session",
		TxnRequestType: "txn", TombstoneReapRequestType: "tombstone-reap", 99: "type 99"} {
		if got := mt.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", mt, got, want)
		}
	}
}
