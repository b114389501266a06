package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/time/rate"
	"google.golang.org/grpc/peer"
)

// A server's limits.request_limits bound the reads and the writes that
// enter the cluster through it each second, as Consul's global rate
// limits: requests from its own HTTP clients and from client agents, not
// those another server forwarded (they were counted where they entered).
// In enforcing mode a request over the rate is refused; in permissive
// mode it is logged (at debug) and served; disabled, the default, counts
// nothing.

// Request limit modes (limits.request_limits.mode).
const (
	RequestLimitsDisabled   = "disabled"
	RequestLimitsPermissive = "permissive"
	RequestLimitsEnforcing  = "enforcing"
)

// Refusals of a request over a server's rate. ErrRetryElsewhere is for a
// request another server may serve (the HTTP API answers 429);
// ErrRetryLater for one only this server, the leader, may serve now (503).
var (
	ErrRetryElsewhere = errors.New("rate limit exceeded, try again later or try another server")
	ErrRetryLater     = errors.New("rate limit exceeded for a request only the leader serves, try again later")
)

// RequestLimits is limits.request_limits: Mode is one of the modes above
// ("" is disabled); ReadRate and WriteRate are requests a second, and a
// rate that is not positive, or +Inf, is no limit.
type RequestLimits struct {
	Mode                string
	ReadRate, WriteRate float64
}

// requestLimiter is the RequestLimits in force; a nil bucket is no limit.
type requestLimiter struct {
	enforce     bool
	read, write *rate.Limiter
}

// SetRequestLimits sets the server's request limits. Safe to call at any
// time (a reload); buckets start full.
func (s *Server) SetRequestLimits(l RequestLimits) {
	if l.Mode == "" || l.Mode == RequestLimitsDisabled {
		s.requestLimits.Store(nil)
		return
	}
	s.requestLimits.Store(&requestLimiter{
		enforce: l.Mode == RequestLimitsEnforcing,
		read:    bucket(l.ReadRate),
		write:   bucket(l.WriteRate),
	})
}

// bucket is a token bucket of perSecond, with as many tokens as a second
// brings (at least one) for bursts; nil for no limit.
func bucket(perSecond float64) *rate.Limiter {
	if !(perSecond > 0) || math.IsInf(perSecond, 1) {
		return nil
	}
	return rate.NewLimiter(rate.Limit(perSecond), max(1, int(math.Ceil(perSecond))))
}

// AllowRequest takes a token for one request entering the cluster here:
// a write, or a read; leaderBound marks a request only the leader serves
// (LeaderBound). Over the rate it returns ErrRetryLater when this server
// is the leader and the request leader-bound, else ErrRetryElsewhere, in
// enforcing mode; in permissive mode it logs and returns nil. what and
// source name the request and its client in the log.
func (s *Server) AllowRequest(write, leaderBound bool, what, source string) error {
	l := s.requestLimits.Load()
	if l == nil {
		return nil
	}
	b, kind := l.read, "global/read"
	if write {
		b, kind = l.write, "global/write"
	}
	if b == nil || b.Allow() {
		return nil
	}
	s.logger.Debug("request exceeded the rate limit", "request", what, "source", source,
		"limit_type", kind, "limit_enforced", l.enforce)
	if !l.enforce {
		return nil
	}
	if leaderBound && s.IsLeader() {
		return ErrRetryLater
	}
	return ErrRetryElsewhere
}

// RateLimitedPath reports whether requests for an HTTP API path count
// against the request limits: all but the agent's own endpoints and
// /v1/status, so probes and operators can still ask.
func RateLimitedPath(path string) bool {
	return strings.HasPrefix(path, "/v1/") && !strings.HasPrefix(path, "/v1/agent/") && !strings.HasPrefix(path, "/v1/status/")
}

type admittedKey struct{}

// admitHTTP applies the request limits to a request a client agent
// forwarded (HTTP.Do, HTTP.Stream, HTTP.Upload). A refusal goes back to
// the client agent as an error, and on ErrRetryElsewhere it tries another
// server, as Consul's do. The context it returns marks the request as
// judged, so the HTTP API does not count it again (RequestCounted). Only
// the servers' secret, not the forwarded mark alone, exempts a call: a
// client that marks its calls still has them counted.
func (s *Server) admitHTTP(ctx context.Context, r *HTTPRequest) (context.Context, error) {
	// Without limits there is nothing to count (nor to parse); another
	// server's request was counted where it entered.
	if s.requestLimits.Load() == nil || s.fromServer(ctx) {
		return ctx, nil
	}
	u, err := url.ParseRequestURI(r.URI)
	if err != nil {
		return ctx, nil // the API refuses it
	}
	if RateLimitedPath(u.Path) {
		write := r.Method != http.MethodGet && r.Method != http.MethodHead
		if err := s.AllowRequest(write, LeaderBound(r.Method, u), r.Method+" "+u.Path, r.RemoteAddr); err != nil {
			return ctx, err
		}
	}
	return context.WithValue(ctx, admittedKey{}, true), nil
}

// RequestCounted reports whether an HTTP API request's context is that of
// a request the limits have judged already (a client agent's, admitted by
// the RPC that carried it) or that another server forwarded (counted where
// it entered); a server's HTTP API counts the rest.
func RequestCounted(ctx context.Context) bool {
	return ForwardedHTTP(ctx) || ctx.Value(admittedKey{}) != nil
}

// agentRPCs are the calls client agents make of their own, not for an
// HTTP request (HTTP.* count by their requests, admitHTTP): writes (true)
// and reads that count against the request limits. Token resolution is
// left out, so an agent over its rate still judges its requests; the
// other methods are the servers' own calls.
var agentRPCs = map[string]bool{
	"Catalog.Register": true, "Catalog.Deregister": true, "Coordinate.Update": true,
	"Catalog.NodeState": false, "Catalog.ByAddress": false, "PreparedQuery.Execute": false, subscribeMethod: false,
}

// admitRPC is the RPC server's admit function (rpc.Server.SetAdmit): it
// applies the request limits to a client agent's own calls. A write over
// the rate is ErrRetryLater on the leader, which alone applies it, and
// ErrRetryElsewhere on a follower.
func (s *Server) admitRPC(ctx context.Context, method string) error {
	write, counted := agentRPCs[method]
	if !counted || s.requestLimits.Load() == nil || s.fromServer(ctx) {
		return nil
	}
	source := ""
	if p, ok := peer.FromContext(ctx); ok {
		source = p.Addr.String()
	}
	return s.AllowRequest(write, write, method, source)
}
