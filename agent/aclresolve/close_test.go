package aclresolve

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestCloseWhileResolving: Close may run while server-side calls are
// still resolving tokens (an agent shutting down under load). Run with
// -race: the background round trips' WaitGroup must never see an Add
// race with Close's Wait, and every caller gets an answer.
func TestCloseWhileResolving(t *testing.T) {
	r := newResolver(t, startServers(t), newClock(), DownExtendCache, Tokens{})
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = r.Resolve(context.Background(), fmt.Sprintf("00000000-0000-0000-0000-%012d", i))
		}()
	}
	r.Close()
	wg.Wait()
	// After Close a lookup still answers (by down_policy once the servers'
	// round trip is cut), rather than hanging.
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = r.Resolve(context.Background(), "00000000-0000-0000-0000-999999999999")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a lookup after Close hung")
	}
}
