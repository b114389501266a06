package kvhistory

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// failingStore fails every operation with err; reads find nothing.
type failingStore struct{ err error }

func (s failingStore) Get(context.Context, string) (string, uint64, error) { return "", 0, nil }
func (s failingStore) Put(context.Context, string, string) error           { return s.err }
func (s failingStore) CAS(context.Context, string, string, uint64) (bool, error) {
	return false, s.err
}
func (s failingStore) Delete(context.Context, string) error { return s.err }

// TestWorkloadRecordsFailedWrites: a write that failed is kept as one of
// unknown outcome, unless the store says it was not applied.
func TestWorkloadRecordsFailedWrites(t *testing.T) {
	w := Workload{Clients: 2, Keys: []string{"k"}, Duration: 50 * time.Millisecond, Seed: 1}
	unknown := w.Run(context.Background(), failingStore{errors.New("connection reset")})
	if unknown.Unknowns() == 0 || unknown.Unknowns() == unknown.Len() {
		t.Fatalf("failed writes: %d unknown of %d operations, want every write unknown and the reads known",
			unknown.Unknowns(), unknown.Len())
	}
	skipped := w.Run(context.Background(), failingStore{fmt.Errorf("%w: dial refused", ErrNotApplied)})
	if skipped.Unknowns() != 0 || skipped.Len() == 0 {
		t.Fatalf("writes not applied: %d unknown of %d operations, want none recorded, the reads only",
			skipped.Unknowns(), skipped.Len())
	}
}
