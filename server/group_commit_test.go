package server

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

// TestGroupCommit: writers arriving together share Raft appends, yet each
// write keeps its own index and every one is stored.
func TestGroupCommit(t *testing.T) {
	c := newTestCluster(t, 3)
	l := c.leader()
	const writers = 64
	before := l.commits.groups.Load()
	indexes := make([]uint64, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, indexes[i], errs[i] = l.KVApply(context.Background(), &state.KVRequest{Op: state.KVSet,
				Entry: state.KVEntry{Key: fmt.Sprintf("k%d", i), Value: []byte("v")}})
		}()
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for i := range writers {
		if errs[i] != nil || indexes[i] == 0 || seen[indexes[i]] {
			t.Fatalf("write %d: index %d, %v (indexes must be distinct)", i, indexes[i], errs[i])
		}
		seen[indexes[i]] = true
		if _, e, err := l.Store().KVGet(nil, fmt.Sprintf("k%d", i)); err != nil || e == nil || e.ModifyIndex != indexes[i] {
			t.Fatalf("k%d stored as %+v, %v; want it at index %d", i, e, err, indexes[i])
		}
	}
	if groups := l.commits.groups.Load() - before; groups > writers/2 {
		t.Errorf("%d writers went to Raft in %d groups, want at most %d", writers, groups, writers/2)
	} else {
		t.Logf("%d writers in %d groups", writers, groups)
	}
}
