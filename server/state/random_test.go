package state

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestRandomWritesKeepReadsConsistent applies random writes over small
// name pools (with case variants) and after each one checks that cached
// reads equal reads built fresh from the same transaction, that the store's
// invariants hold, and that unchanged data kept its index.
func TestRandomWritesKeepReadsConsistent(t *testing.T) {
	s := newStore(t)
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"web", "Web", "db", "api"}
	nodes := []string{"n1", "N1", "n2", "n3"}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	for idx := uint64(1); idx <= 3000; idx++ {
		var err error
		switch op := rng.IntN(10); {
		case op < 6:
			err = s.EnsureRegistration(idx, randomRegistration(rng, pick(nodes), pick(names), pick(names)))
		case op < 7:
			err = s.DeleteNode(idx, pick(nodes))
		case op < 8:
			err = s.DeleteService(idx, pick(nodes), fmt.Sprintf("%s-%d", pick(names), rng.IntN(2)))
		default:
			err = s.DeleteCheck(idx, pick(nodes), fmt.Sprintf("c%d", rng.IntN(4)))
		}
		if err != nil && !isValidationError(err) {
			t.Fatalf("write %d: %v", idx, err)
		}
		checkInvariants(t, s)
		for _, name := range names {
			for _, connect := range []bool{false, true} {
				compareCached(t, s, idx, name, connect)
			}
		}
	}
}

func isValidationError(err error) bool {
	for _, e := range []error{ErrUnknownService, ErrMissingService, ErrNodeMismatch} {
		if errorsIs(err, e) {
			return true
		}
	}
	return false
}

func randomRegistration(rng *rand.Rand, node, name, dest string) *Registration {
	reg := &Registration{Node: Node{Node: node, Address: fmt.Sprintf("10.0.0.%d", rng.IntN(2))},
		SkipNodeUpdate: rng.IntN(2) == 0}
	id := fmt.Sprintf("%s-%d", name, rng.IntN(2))
	if rng.IntN(4) > 0 {
		svc := &Service{ID: id, Name: name, Tags: []string{fmt.Sprint(rng.IntN(2))}, Port: rng.IntN(2)}
		switch rng.IntN(3) {
		case 0:
			svc.Kind, svc.Proxy.DestinationServiceName = KindConnectProxy, dest
		case 1:
			svc.Connect.Native = true
		}
		reg.Service = svc
	}
	for i := rng.IntN(3); i > 0; i-- {
		c := &HealthCheck{CheckID: fmt.Sprintf("c%d", rng.IntN(4)),
			Status: []string{HealthPassing, HealthCritical}[rng.IntN(2)]}
		if rng.IntN(2) == 0 {
			c.ServiceID = id
		}
		reg.Checks = append(reg.Checks, c)
	}
	return reg
}

func compareCached(t *testing.T, s *Store, idx uint64, name string, connect bool) {
	t.Helper()
	_, got, err := s.CheckServiceNodes(nil, name, connect)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := checkServiceNodesTxn(s.db.Load().Txn(false), name, connect)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after write %d: CheckServiceNodes(%s, %v) is stale:\n got %v\nwant %v", idx, name, connect, got, want)
	}
	_, gotSN, _ := s.ServiceNodes(nil, name, connect)
	wantSN, _ := serviceNodesTxn(s.db.Load().Txn(false), name, connect)
	if !reflect.DeepEqual(gotSN, wantSN) {
		t.Fatalf("after write %d: ServiceNodes(%s, %v) is stale", idx, name, connect)
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
