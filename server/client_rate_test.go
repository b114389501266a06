package server

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// TestClientRateLimit: a client over its rate fails at once with
// ErrRPCRateExceeded, forwarded HTTP requests included, until tokens come
// back; lifting the limit lets every call through.
func TestClientRateLimit(t *testing.T) {
	c := newTestCluster(t, 1)
	cl := newTestClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl.SetRateLimit(1e-3, 2) // two calls, then one token every 1000 s
	for i := range 2 {
		if _, err := cl.NodeState(ctx, "n1"); err != nil {
			t.Fatalf("call %d within the burst: %v", i, err)
		}
	}
	if _, err := cl.NodeState(ctx, "n1"); !errors.Is(err, ErrRPCRateExceeded) {
		t.Fatalf("call over the burst = %v, want ErrRPCRateExceeded", err)
	}
	if _, err := cl.HTTP(ctx, &HTTPRequest{Method: "GET", URI: "/v1/status/leader"}); !errors.Is(err, ErrRPCRateExceeded) {
		t.Fatalf("forwarded HTTP over the burst = %v, want ErrRPCRateExceeded", err)
	}
	cl.SetRateLimit(math.Inf(1), 0)
	for range 10 {
		if _, err := cl.NodeState(ctx, "n1"); err != nil {
			t.Fatalf("call without a limit: %v", err)
		}
	}
}
