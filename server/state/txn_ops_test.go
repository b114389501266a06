package state

import (
	"reflect"
	"strings"
	"testing"
)

func kvOp(verb KVOp, e KVEntry) TxnOp { return TxnOp{KV: &TxnKVOp{Verb: verb, Entry: e}} }

func TestTxnAllOrNothing(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	mustKV(t, s, 2, KVSet, KVEntry{Key: "c", Value: []byte("c")})
	before := dumpRecords(t, s)
	ops := []TxnOp{
		kvOp(KVSet, KVEntry{Key: "a", Value: []byte("1")}),
		{Node: &TxnNodeOp{Verb: TxnVerbSet, Node: Node{Node: "n9", Address: "10.9.9.9"}}},
		kvOp(KVCAS, KVEntry{Key: "c", Value: []byte("x"), ModifyIndex: 1}),
		{Check: &TxnCheckOp{Verb: TxnVerbDelete, Check: HealthCheck{Node: "n1", CheckID: "check-web-1"}}},
		kvOp(KVCheckIndex, KVEntry{Key: "c", ModifyIndex: 7}),
	}
	results, errs, err := s.TxnApply(3, ops)
	if err != nil || results != nil {
		t.Fatalf("TxnApply = %v, %v", results, err)
	}
	want := []TxnError{
		{OpIndex: 2, What: `failed to set key "c", index is stale`},
		{OpIndex: 4, What: "current modify index 2 != 7"},
	}
	if !reflect.DeepEqual(errs, want) {
		t.Fatalf("errors = %+v\nwant %+v", errs, want)
	}
	if !reflect.DeepEqual(dumpRecords(t, s), before) {
		t.Fatal("a rolled-back transaction changed the store")
	}
	if s.LastIndex() != 2 {
		t.Errorf("index moved to %d", s.LastIndex())
	}
	// The same ops without the failing ones apply together.
	results, errs, err = s.TxnApply(4, []TxnOp{ops[0], ops[1], ops[3]})
	if err != nil || errs != nil || len(results) != 2 {
		t.Fatalf("TxnApply = %v, %v, %v", results, errs, err)
	}
	if e := mustGet(t, s, "a"); e == nil || e.ModifyIndex != 4 {
		t.Errorf("a = %+v", e)
	}
	if _, n, _ := s.GetNode(nil, "n9"); n == nil || n.CreateIndex != 4 {
		t.Errorf("n9 = %+v", n)
	}
}

func TestTxnResults(t *testing.T) {
	setup := func(t *testing.T) *Store {
		s := newStore(t)
		mustRegister(t, s, 1, regWeb("n1", "web-1"))
		mustKV(t, s, 2, KVSet, KVEntry{Key: "k", Value: []byte("v"), Flags: 3})
		mustKV(t, s, 2, KVSet, KVEntry{Key: "k2", Value: []byte("w")})
		mustSession(t, s, 3, Session{ID: sid1})
		mustSession(t, s, 3, Session{ID: sid2})
		mustKV(t, s, 4, KVLock, KVEntry{Key: "held", Value: []byte("h"), Session: sid1})
		return s
	}
	k := &KVEntry{Key: "k", Value: []byte("v"), Flags: 3, CreateIndex: 2, ModifyIndex: 2}
	k2 := &KVEntry{Key: "k2", Value: []byte("w"), CreateIndex: 2, ModifyIndex: 2}
	tests := []struct {
		name string
		op   TxnOp
		want []TxnResult // nil: no result
		what string      // non-empty: the op fails with this message
	}{
		{"kv set", kvOp(KVSet, KVEntry{Key: "n", Value: []byte("x")}),
			[]TxnResult{{KV: &KVEntry{Key: "n", CreateIndex: 9, ModifyIndex: 9}}}, ""},
		{"kv cas", kvOp(KVCAS, KVEntry{Key: "k", Value: []byte("x"), ModifyIndex: 2}),
			[]TxnResult{{KV: &KVEntry{Key: "k", CreateIndex: 2, ModifyIndex: 9}}}, ""},
		{"kv lock", kvOp(KVLock, KVEntry{Key: "k", Session: sid1}),
			[]TxnResult{{KV: &KVEntry{Key: "k", Session: sid1, LockIndex: 1, CreateIndex: 2, ModifyIndex: 9}}}, ""},
		{"kv lock unknown session", kvOp(KVLock, KVEntry{Key: "held", Session: "other"}), nil, "invalid session"},
		{"kv lock held", kvOp(KVLock, KVEntry{Key: "held", Session: sid2}), nil,
			`failed to lock key "held", lock is already held`},
		{"kv unlock", kvOp(KVUnlock, KVEntry{Key: "held", Session: sid1}),
			[]TxnResult{{KV: &KVEntry{Key: "held", LockIndex: 1, CreateIndex: 4, ModifyIndex: 9}}}, ""},
		{"kv unlock not held", kvOp(KVUnlock, KVEntry{Key: "k", Session: sid1}), nil,
			`failed to unlock key "k", lock isn't held, or is held by another session`},
		{"kv get", kvOp(KVGetOp, KVEntry{Key: "k"}), []TxnResult{{KV: k}}, ""},
		{"kv get missing", kvOp(KVGetOp, KVEntry{Key: "nope"}), nil, `key "nope" doesn't exist`},
		{"kv get empty key", kvOp(KVGetOp, KVEntry{}), nil, "missing key name"},
		{"kv get-or-empty", kvOp(KVGetOrEmpty, KVEntry{Key: "k"}), []TxnResult{{KV: k}}, ""},
		{"kv get-or-empty missing", kvOp(KVGetOrEmpty, KVEntry{Key: "nope"}), []TxnResult{{KV: &KVEntry{Key: "nope"}}}, ""},
		{"kv get-tree", kvOp(KVGetTree, KVEntry{Key: "k"}), []TxnResult{{KV: k}, {KV: k2}}, ""},
		{"kv get-tree none", kvOp(KVGetTree, KVEntry{Key: "zz"}), nil, ""},
		{"kv check-index", kvOp(KVCheckIndex, KVEntry{Key: "k", ModifyIndex: 2}),
			[]TxnResult{{KV: &KVEntry{Key: "k", Flags: 3, CreateIndex: 2, ModifyIndex: 2}}}, ""},
		{"kv check-session", kvOp(KVCheckSession, KVEntry{Key: "held", Session: sid1}),
			[]TxnResult{{KV: &KVEntry{Key: "held", Session: sid1, LockIndex: 1, CreateIndex: 4, ModifyIndex: 4}}}, ""},
		{"kv check-session wrong", kvOp(KVCheckSession, KVEntry{Key: "k", Session: sid1}), nil,
			`current session "" != "` + sid1 + `"`},
		{"kv check-not-exists", kvOp(KVCheckNotExists, KVEntry{Key: "nope"}), nil, ""},
		{"kv check-not-exists exists", kvOp(KVCheckNotExists, KVEntry{Key: "k"}), nil, `key "k" exists`},
		{"kv delete", kvOp(KVDelete, KVEntry{Key: "k"}), nil, ""},
		{"kv delete-cas stale", kvOp(KVDeleteCAS, KVEntry{Key: "k", ModifyIndex: 1}), nil,
			`failed to delete key "k", index is stale`},
		{"kv delete-tree", kvOp(KVDeleteTree, KVEntry{Key: "k"}), nil, ""},
		{"kv bad verb", kvOp("frob", KVEntry{Key: "k"}), nil, "unknown KV operation"},
		{"node set", TxnOp{Node: &TxnNodeOp{Verb: TxnVerbSet, Node: Node{Node: "n2", Address: "2.2.2.2"}}},
			[]TxnResult{{Node: &Node{Node: "n2", Address: "2.2.2.2", RaftIndex: RaftIndex{9, 9}}}}, ""},
		{"node set no name", TxnOp{Node: &TxnNodeOp{Verb: TxnVerbSet}}, nil, "missing node name"},
		{"node cas stale", TxnOp{Node: &TxnNodeOp{Verb: TxnVerbCAS, Node: Node{Node: "n1", RaftIndex: RaftIndex{ModifyIndex: 7}}}}, nil,
			`failed to set node "n1": current modify index 1 != 7`},
		{"node cas create", TxnOp{Node: &TxnNodeOp{Verb: TxnVerbCAS, Node: Node{Node: "n2"}}},
			[]TxnResult{{Node: &Node{Node: "n2", RaftIndex: RaftIndex{9, 9}}}}, ""},
		{"node get", TxnOp{Node: &TxnNodeOp{Verb: TxnVerbGet, Node: Node{Node: "N1"}}},
			[]TxnResult{{Node: &Node{Node: "n1", Address: "10.0.0.1", Meta: map[string]string{"rack": "a"}, RaftIndex: RaftIndex{1, 1}}}}, ""},
		{"node get missing", TxnOp{Node: &TxnNodeOp{Verb: TxnVerbGet, Node: Node{Node: "zz"}}}, nil, `node "zz" doesn't exist`},
		{"node delete-cas missing", TxnOp{Node: &TxnNodeOp{Verb: TxnVerbDeleteCAS, Node: Node{Node: "zz", RaftIndex: RaftIndex{ModifyIndex: 1}}}}, nil,
			`failed to delete node "zz": it doesn't exist`},
		{"node delete-cas", TxnOp{Node: &TxnNodeOp{Verb: TxnVerbDeleteCAS, Node: Node{Node: "n1", RaftIndex: RaftIndex{ModifyIndex: 1}}}}, nil, ""},
		{"node bad verb", TxnOp{Node: &TxnNodeOp{Verb: "frob", Node: Node{Node: "n1"}}}, nil, `unknown node verb "frob"`},
		{"service set", TxnOp{Service: &TxnServiceOp{Verb: TxnVerbSet, Node: "n1", Service: Service{Name: "db", Port: 5}}},
			[]TxnResult{{Service: &Service{Node: "n1", ID: "db", Name: "db", Port: 5, RaftIndex: RaftIndex{9, 9}}}}, ""},
		{"service set unknown node", TxnOp{Service: &TxnServiceOp{Verb: TxnVerbSet, Node: "zz", Service: Service{Name: "db"}}}, nil,
			`set service "db" on node "zz": node doesn't exist`},
		{"service get missing", TxnOp{Service: &TxnServiceOp{Verb: TxnVerbGet, Node: "n1", Service: Service{ID: "x"}}}, nil,
			`service "x" on node "n1" doesn't exist`},
		{"service delete-cas stale", TxnOp{Service: &TxnServiceOp{Verb: TxnVerbDeleteCAS, Node: "n1",
			Service: Service{ID: "web-1", RaftIndex: RaftIndex{ModifyIndex: 2}}}}, nil,
			`failed to delete service "web-1" on node "n1": current modify index 1 != 2`},
		{"check set", TxnOp{Check: &TxnCheckOp{Verb: TxnVerbSet, Check: HealthCheck{Node: "n1", CheckID: "c2", Status: HealthPassing}}},
			[]TxnResult{{Check: &HealthCheck{Node: "n1", CheckID: "c2", Status: HealthPassing, RaftIndex: RaftIndex{9, 9}}}}, ""},
		{"check set unknown service", TxnOp{Check: &TxnCheckOp{Verb: TxnVerbSet,
			Check: HealthCheck{Node: "n1", CheckID: "c2", ServiceID: "nope"}}}, nil, "check refers to a service not on the node"},
		{"check delete", TxnOp{Check: &TxnCheckOp{Verb: TxnVerbDelete, Check: HealthCheck{Node: "n1", CheckID: "check-web-1"}}}, nil, ""},
		{"session delete", TxnOp{Session: &TxnSessionOp{Verb: TxnVerbDelete, Session: Session{ID: sid1}}}, nil, ""},
		{"session bad verb", TxnOp{Session: &TxnSessionOp{Verb: "renew"}}, nil, `unknown session verb "renew"`},
		{"no op", TxnOp{}, nil, "exactly one of"},
		{"two ops", TxnOp{KV: &TxnKVOp{}, Node: &TxnNodeOp{}}, nil, "exactly one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t)
			results, errs, err := s.TxnApply(9, []TxnOp{tt.op})
			if err != nil {
				t.Fatal(err)
			}
			if tt.what != "" {
				if len(errs) != 1 || errs[0].OpIndex != 0 || !strings.Contains(errs[0].What, tt.what) {
					t.Fatalf("errors = %+v, want one containing %q", errs, tt.what)
				}
				return
			}
			if errs != nil {
				t.Fatalf("errors = %+v", errs)
			}
			if !reflect.DeepEqual(results, tt.want) {
				t.Fatalf("results = %s\nwant %s", showResults(results), showResults(tt.want))
			}
			if IsReadOnlyTxn([]TxnOp{tt.op}) {
				got, errs := s.TxnRead([]TxnOp{tt.op})
				if errs != nil || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("TxnRead = %s, %+v", showResults(got), errs)
				}
			}
		})
	}
}

func showResults(rs []TxnResult) string {
	var b strings.Builder
	for _, r := range rs {
		switch {
		case r.KV != nil:
			b.WriteString(strings.ReplaceAll(strings.TrimSpace(strings.Join([]string{"KV", r.KV.Key, string(r.KV.Value)}, " ")), "\n", ""))
		case r.Node != nil:
			b.WriteString("Node " + r.Node.Node)
		case r.Service != nil:
			b.WriteString("Service " + r.Service.ID)
		case r.Check != nil:
			b.WriteString("Check " + r.Check.CheckID)
		}
		b.WriteString("; ")
	}
	return b.String()
}

func TestTxnRead(t *testing.T) {
	s := newStore(t)
	mustKV(t, s, 1, KVSet, KVEntry{Key: "a", Value: []byte("1")})
	read := []TxnOp{kvOp(KVGetOp, KVEntry{Key: "a"}), kvOp(KVCheckNotExists, KVEntry{Key: "b"})}
	if !IsReadOnlyTxn(read) || !IsReadOnlyTxn(nil) {
		t.Fatal("read ops not read-only")
	}
	results, errs := s.TxnRead(read)
	if errs != nil || len(results) != 1 || string(results[0].KV.Value) != "1" {
		t.Fatalf("TxnRead = %v, %v", results, errs)
	}
	for _, ops := range [][]TxnOp{
		{kvOp(KVGetOp, KVEntry{Key: "a"}), kvOp(KVSet, KVEntry{Key: "a"})},
		{{Session: &TxnSessionOp{Verb: TxnVerbDelete}}},
		{{}},
	} {
		if IsReadOnlyTxn(ops) {
			t.Errorf("IsReadOnlyTxn(%+v) = true", ops)
		}
	}
	results, errs = s.TxnRead([]TxnOp{kvOp(KVGetOp, KVEntry{Key: "a"}), kvOp(KVSet, KVEntry{Key: "a"}),
		kvOp(KVGetOp, KVEntry{Key: "b"})})
	if results != nil || len(errs) != 2 || errs[0].OpIndex != 1 || errs[1].OpIndex != 2 {
		t.Errorf("TxnRead with a write = %v, %+v", results, errs)
	}
	if e := mustGet(t, s, "a"); e.ModifyIndex != 1 {
		t.Error("TxnRead wrote")
	}
}
