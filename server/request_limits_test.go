package server

import (
	"errors"
	"testing"
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
