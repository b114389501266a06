package server

import (
	"errors"
	"math"

	"golang.org/x/time/rate"
)

// ErrRPCRateExceeded is a client agent's call to the servers beyond its
// limits.rpc_rate; the HTTP API answers it with 429, as Consul's.
var ErrRPCRateExceeded = errors.New("RPC rate limit exceeded")

// SetRateLimit bounds the client's calls to the servers to perSecond on
// average, in bursts of up to burst (Consul's limits.rpc_rate and
// rpc_max_burst); a call over it fails at once with ErrRPCRateExceeded.
// perSecond <= 0 or +Inf lifts the bound. Safe to call at any time (a
// reload).
func (c *Client) SetRateLimit(perSecond float64, burst int) {
	if perSecond <= 0 || math.IsInf(perSecond, 1) {
		c.limiter.Store(nil)
		return
	}
	c.limiter.Store(rate.NewLimiter(rate.Limit(perSecond), max(burst, 1)))
}

// allow takes a token for one call.
func (c *Client) allow() error {
	if l := c.limiter.Load(); l != nil && !l.Allow() {
		return ErrRPCRateExceeded
	}
	return nil
}
