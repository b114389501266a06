package server

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/internal/rpc"
)

// TestAllowRequest: the modes, the read and write buckets apart, and the
// refusal that says whether another server could serve the request.
func TestAllowRequest(t *testing.T) {
	s := startServer(t, testConfig(t)) // the leader
	type req struct {
		write, leaderBound bool
		want               error
	}
	tests := []struct {
		name   string
		limits RequestLimits
		reqs   []req
	}{
		{"disabled", RequestLimits{Mode: RequestLimitsDisabled, ReadRate: 1, WriteRate: 1},
			[]req{{false, false, nil}, {false, false, nil}, {true, true, nil}, {true, true, nil}}},
		{"permissive", RequestLimits{Mode: RequestLimitsPermissive, ReadRate: 1, WriteRate: 1},
			[]req{{false, false, nil}, {false, false, nil}, {true, true, nil}, {true, true, nil}}},
		{"enforcing", RequestLimits{Mode: RequestLimitsEnforcing, ReadRate: 1, WriteRate: 1}, []req{
			{false, false, nil},
			{false, false, ErrRetryElsewhere}, // a stale read: any server may serve it
			{false, true, ErrRetryLater},      // a default read: only the leader, this server, serves it
			{true, true, nil},                 // writes have a bucket of their own
			{true, true, ErrRetryLater},       // only the leader, this server, writes
		}},
		{"no limit on writes", RequestLimits{Mode: RequestLimitsEnforcing, ReadRate: 1},
			[]req{{true, true, nil}, {true, true, nil}, {true, true, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetRequestLimits(tt.limits)
			for i, r := range tt.reqs {
				if err := s.AllowRequest(r.write, r.leaderBound, "test", "127.0.0.1:1"); !errors.Is(err, r.want) || (err == nil) != (r.want == nil) {
					t.Fatalf("request %d (write %v, leader-bound %v) = %v, want %v", i, r.write, r.leaderBound, err, r.want)
				}
			}
		})
	}
}

// TestClientRetriesElsewhereOverRequestLimits: a server over its read
// rate refuses a client agent's forwarded read with ErrRetryElsewhere, and
// the client gets its answer from another server, as Consul's agents do.
func TestClientRetriesElsewhereOverRequestLimits(t *testing.T) {
	c := newTestCluster(t, 3)
	cl := newTestClient(t, c)
	for _, s := range c.servers {
		s.SetHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Served-By", s.ID())
		}))
	}
	for _, s := range c.servers {
		s.SetRequestLimits(RequestLimits{Mode: RequestLimitsEnforcing, ReadRate: 0.001}) // one read, then none
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	served := func() string {
		t.Helper()
		resp, err := cl.HTTP(ctx, &HTTPRequest{Method: http.MethodGet, URI: "/v1/catalog/nodes?stale"})
		if err != nil {
			t.Fatalf("stale read through the client: %v", err)
		}
		return resp.Header["X-Served-By"][0]
	}
	first := served()
	if second := served(); second == first {
		t.Fatalf("the read over %s's rate was served by it", first)
	}
	var limited *Server
	for _, s := range c.servers {
		if s.ID() == first {
			limited = s
		}
	}
	// What the client got from the limited server: a remote
	// ErrRetryElsewhere.
	err := limited.pool.Call(ctx, limited.Addr(), "HTTP.Do", &HTTPRequest{Method: http.MethodGet, URI: "/v1/catalog/nodes?stale"}, new(HTTPResponse))
	if !errors.Is(err, ErrRetryElsewhere) {
		t.Fatalf("a forwarded read over the rate = %v, want ErrRetryElsewhere", err)
	}
	// The forwarded mark without the servers' secret exempts nothing.
	read := &HTTPRequest{Method: http.MethodGet, URI: "/v1/catalog/nodes?stale"}
	err = limited.pool.Call(rpc.MarkForwarded(ctx, "forged"), limited.Addr(), "HTTP.Do", read, new(HTTPResponse))
	if !errors.Is(err, ErrRetryElsewhere) {
		t.Fatalf("a read over the rate with a forged mark = %v, want ErrRetryElsewhere", err)
	}
}

// TestAgentRPCsCountAgainstRequestLimits: a client agent's own writes
// (anti-entropy registrations) count against the leader's write_rate and
// are refused over it with ErrRetryLater; its reads without a read_rate,
// and the servers' own writes, are not limited.
func TestAgentRPCsCountAgainstRequestLimits(t *testing.T) {
	c := newTestCluster(t, 1)
	cl := newTestClient(t, c)
	leader := c.leader()
	leader.SetRequestLimits(RequestLimits{Mode: RequestLimitsEnforcing, WriteRate: 0.001}) // one write, then none
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := cl.Register(ctx, reg("agent-1", "web-1")); err != nil {
		t.Fatalf("first registration: %v", err)
	}
	if _, err := cl.Register(ctx, reg("agent-1", "web-2")); !errors.Is(err, ErrRetryLater) {
		t.Fatalf("registration over the write rate = %v, want ErrRetryLater", err)
	}
	for range 3 {
		if _, err := cl.NodeState(ctx, "agent-1"); err != nil {
			t.Fatalf("read without a read rate: %v", err)
		}
	}
	if _, err := leader.Register(ctx, reg("agent-2", "web-3")); err != nil {
		t.Fatalf("the server's own write: %v", err)
	}
}
