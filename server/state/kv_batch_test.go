package state

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestWriteBatchKVMatchesSingleWrites applies random KV, session,
// transaction and catalog writes one by one to one store and in batches to
// another: every write must get the same outcome, and the stores must end
// equal. Failing transactions that wrote before failing make batches fall
// back to single writes, which this covers too.
func TestWriteBatchKVMatchesSingleWrites(t *testing.T) {
	single, batched := newStore(t), newStore(t)
	rng := rand.New(rand.NewPCG(5, 6))
	keys := []string{"a", "a/b", "a/c", "b"}
	sessions := []string{sid1, sid2}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	idx := uint64(0)
	locks, rollbacks := 0, 0
	randomKV := func() KVRequest {
		ops := []KVOp{KVSet, KVCAS, KVLock, KVUnlock, KVDelete, KVDeleteCAS, KVDeleteTree}
		return KVRequest{Op: ops[rng.IntN(len(ops))], Entry: KVEntry{Key: pick(keys), Value: []byte{byte(rng.IntN(9))},
			Session: pick(sessions), ModifyIndex: idx - uint64(rng.IntN(4))}}
	}
	type outcome struct {
		ok      bool
		results []TxnResult
		errs    []TxnError
		err     string
	}
	for round := 0; round < 300; round++ {
		var ops []func(Writer) error
		var want, got []outcome
		for n := rng.IntN(8); n >= 0; n-- {
			idx++
			i, slot := idx, len(ops)
			got = append(got, outcome{})
			record := func(o *outcome, err error) error {
				if err != nil {
					o.err = err.Error()
				}
				return err
			}
			var op func(w Writer, o *outcome) error
			switch r := rng.IntN(10); {
			case r < 5:
				req := randomKV()
				op = func(w Writer, o *outcome) error {
					ok, err := w.KVApply(i, &req)
					o.ok = ok
					if ok && req.Op == KVLock && w == Writer(single) {
						locks++
					}
					return record(o, err)
				}
			case r < 7:
				var tops []TxnOp
				for m := rng.IntN(4); m >= 0; m-- {
					req := randomKV()
					tops = append(tops, kvOp(req.Op, req.Entry))
				}
				if rng.IntN(3) == 0 {
					tops = append(tops, kvOp(KVGetOp, KVEntry{Key: "missing"}))
				}
				op = func(w Writer, o *outcome) error {
					res, errs, err := w.TxnApply(i, tops)
					o.results, o.errs = res, errs
					if errs != nil && w == Writer(single) {
						rollbacks++
					}
					return record(o, err)
				}
			case r < 8:
				req := SessionRequest{Op: SessionCreateOp, Session: Session{ID: pick(sessions), Node: "n1",
					NodeChecks: []string{"c"}, Behavior: []SessionBehavior{SessionRelease, SessionDelete}[rng.IntN(2)]}}
				if rng.IntN(2) == 0 {
					req.Op = SessionDestroyOp
				}
				op = func(w Writer, o *outcome) error { return record(o, w.SessionApply(i, &req)) }
			default:
				status := []string{HealthPassing, HealthCritical}[rng.IntN(2)]
				reg := &Registration{Node: Node{Node: "n1"}, Checks: []*HealthCheck{{CheckID: "c", Status: status}}}
				op = func(w Writer, o *outcome) error { return record(o, w.EnsureRegistration(i, reg)) }
			}
			var o outcome
			op(single, &o)
			want = append(want, o)
			ops = append(ops, func(w Writer) error {
				got[slot] = outcome{}
				return op(w, &got[slot])
			})
		}
		batched.WriteBatch(ops)
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("round %d op %d: batch %+v, single %+v", round, i, got[i], want[i])
			}
		}
		if !reflect.DeepEqual(dumpKV(t, batched), dumpKV(t, single)) {
			t.Fatalf("round %d: batched store differs", round)
		}
		for _, k := range keys {
			if a, b := single.KVLockDelay(k), batched.KVLockDelay(k); a.IsZero() != b.IsZero() {
				t.Fatalf("round %d: lock delay of %q: single %v, batched %v", round, k, a, b)
			}
		}
	}
	if _, es, _ := single.KVList(nil, ""); len(es) == 0 {
		t.Error("the random writes left no keys; the test covers little")
	}
	if locks == 0 || rollbacks == 0 {
		t.Errorf("%d locks, %d rolled-back transactions: the test covers little", locks, rollbacks)
	}
}
