package state

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestWriteBatchMatchesSingleWrites applies the same random writes one by
// one to one store and in batches to another: the stores must end equal,
// indexes included, with the same result for every write.
func TestWriteBatchMatchesSingleWrites(t *testing.T) {
	single, batched := newStore(t), newStore(t)
	rng := rand.New(rand.NewPCG(3, 4))
	names := []string{"web", "db"}
	nodes := []string{"n1", "n2", "N2"}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	idx := uint64(0)
	for round := 0; round < 200; round++ {
		var ops []func(Writer) error
		var want []error
		for n := rng.IntN(8); n >= 0; n-- {
			idx++
			i := idx
			var op func(Writer) error
			if rng.IntN(5) == 0 {
				d := &Deregistration{Node: pick(nodes)}
				if rng.IntN(2) == 0 {
					d.ServiceID = fmt.Sprintf("%s-%d", pick(names), rng.IntN(2))
				}
				op = func(w Writer) error { return w.Deregister(i, d) }
			} else {
				reg := randomRegistration(rng, pick(nodes), pick(names), pick(names))
				op = func(w Writer) error { return w.EnsureRegistration(i, reg) }
			}
			ops = append(ops, op)
			want = append(want, op(single))
		}
		got := batched.WriteBatch(ops)
		for i := range got {
			if (got[i] == nil) != (want[i] == nil) {
				t.Fatalf("round %d op %d: batch error %v, single error %v", round, i, got[i], want[i])
			}
		}
		if !reflect.DeepEqual(dumpRecords(t, batched), dumpRecords(t, single)) {
			t.Fatalf("round %d: batched store differs from single-write store", round)
		}
	}
}

// dumpRecords copies every record and index entry out of the store.
func dumpRecords(t *testing.T, s *Store) map[string]any {
	t.Helper()
	tx := s.db.Load().Txn(false)
	out := map[string]any{}
	for _, table := range []string{tableNodes, tableServices, tableChecks, tableIndex} {
		it, err := tx.Get(table, indexID)
		if err != nil {
			t.Fatal(err)
		}
		var recs []any
		for raw := it.Next(); raw != nil; raw = it.Next() {
			recs = append(recs, raw)
		}
		out[table] = recs
	}
	return out
}

func TestWriteBatchEventsCarryTheirIndex(t *testing.T) {
	s := newStore(t)
	mustRegister(t, s, 1, regWeb("n1", "web-1"))
	sub := subscribe(t, s, TopicServiceHealth, "web", 0)
	next(t, sub)
	errs := s.WriteBatch([]func(Writer) error{
		func(w Writer) error { return w.EnsureRegistration(2, regWeb("n2", "web-2")) },
		func(w Writer) error {
			return w.EnsureRegistration(3, &Registration{Node: Node{Node: "x"}, Checks: []*HealthCheck{{}}})
		},
		func(w Writer) error { return w.Deregister(4, &Deregistration{Node: "n1"}) },
	})
	if errs[0] != nil || !errors.Is(errs[1], ErrMissingCheckID) || errs[2] != nil {
		t.Fatalf("errors = %v", errs)
	}
	expect(t, sub, "2:up:n2/web-2 4:down:n1/web-1")
	if _, n, _ := s.GetNode(nil, "x"); n != nil {
		t.Error("the failed registration wrote its node")
	}
	if got := mustIndex(t, s, tableNodes); got != 4 {
		t.Errorf("nodes index = %d, want 4", got)
	}
}

func TestWriteBatchFallsBackWhenAWriteBreaksHalfway(t *testing.T) {
	s := newStore(t)
	boom := errors.New("boom")
	errs := s.WriteBatch([]func(Writer) error{
		func(w Writer) error { return w.EnsureRegistration(1, regWeb("n1", "web-1")) },
		func(w Writer) error {
			b, ok := w.(*batch)
			if !ok { // replayed on its own: fail cleanly
				return boom
			}
			return b.apply(2, func(tx *writeTxn) error {
				tx.Insert(tableNodes, &Node{Node: "half"})
				tx.mark(changedNodes)
				return boom
			})
		},
		func(w Writer) error { return w.EnsureRegistration(3, regWeb("n3", "web-3")) },
	})
	if errs[0] != nil || !errors.Is(errs[1], boom) || errs[2] != nil {
		t.Fatalf("errors = %v", errs)
	}
	_, nodes, _ := s.Nodes(nil)
	if len(nodes) != 2 || nodes[0].Node != "n1" || nodes[1].Node != "n3" {
		t.Errorf("nodes = %v, want n1 and n3 only", nodes)
	}
}
