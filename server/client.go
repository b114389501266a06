package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/pylonmesh/pylon/internal/portmux"
	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

// ErrNoServers is a client call while no server is known.
var ErrNoServers = errors.New("no known servers")

// Client is a client agent's connection to the servers of its datacenter.
// It sticks to one server, chosen at random so agents spread over the
// servers, and moves to the next when that one cannot be reached. A
// server that has no leader, or loses it mid-call, is retried until
// rpcHoldTimeout, so a leader election is invisible to callers. The
// server list comes from gossip (SetServers). Safe for concurrent use.
type Client struct {
	pool   *rpc.Pool
	logger *slog.Logger

	mu      sync.Mutex
	servers []string // in the order they are tried; servers[0] is current
	leader  string   // the leader as the servers last named it (HTTP)
	token   func() string
	changed chan struct{}

	limiter atomic.Pointer[rate.Limiter] // nil: no limit (client_rate.go)
}

// NewClient returns a client with no servers; logger may be nil.
func NewClient(logger *slog.Logger) *Client {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		pool: rpc.NewPool(func(ctx context.Context, addr string) (net.Conn, error) {
			timeout := raftTimeout
			if dl, ok := ctx.Deadline(); ok {
				timeout = time.Until(dl)
			}
			return portmux.Dial(addr, portmux.GRPC, timeout)
		}),
		logger:  logger,
		changed: make(chan struct{}),
	}
}

// SetServers replaces the list of server addresses (host:port of their
// server port). The current server stays first when it is still listed;
// the others are shuffled.
func (c *Client) SetServers(addrs []string) {
	next := slices.Clone(addrs)
	rand.Shuffle(len(next), func(i, j int) { next[i], next[j] = next[j], next[i] })
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.servers) > 0 {
		if i := slices.Index(next, c.servers[0]); i > 0 {
			next[0], next[i] = next[i], next[0]
		}
	}
	c.servers = next
	close(c.changed)
	c.changed = make(chan struct{})
}

// SetToken sets where the ACL token that the client's calls carry comes
// from (the agent token); nil sends none.
func (c *Client) SetToken(token func() string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = token
}

// withToken adds the agent token to ctx's calls.
func (c *Client) withToken(ctx context.Context) context.Context {
	c.mu.Lock()
	token := c.token
	c.mu.Unlock()
	if token == nil {
		return ctx
	}
	return rpc.WithToken(ctx, token())
}

// Servers returns the known server addresses, the current one first.
func (c *Client) Servers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.servers)
}

// current returns the server to call and a channel closed when the list
// changes.
func (c *Client) current() (string, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.servers) == 0 {
		return "", c.changed
	}
	return c.servers[0], c.changed
}

// demote moves addr to the end of the list after a failed call, so the
// next call tries another server.
func (c *Client) demote(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.servers, addr); i >= 0 && len(c.servers) > 1 {
		c.servers = append(slices.Delete(c.servers, i, i+1), addr)
	}
}

// Call calls method on a server, moving to another server on a transport
// failure and waiting out leader elections, within rpcHoldTimeout (or
// ctx's deadline, whichever comes first). Callers that block on purpose
// (a forwarded blocking query) pass a longer deadline in ctx and are not
// cut short. A call over the client's rate limit fails with
// ErrRPCRateExceeded.
func (c *Client) Call(ctx context.Context, method string, req, resp any) error {
	if err := c.allow(); err != nil {
		return err
	}
	return c.call(ctx, method, req, resp)
}

// call is Call without the rate limit.
func (c *Client) call(ctx context.Context, method string, req, resp any) error {
	ctx = c.withToken(ctx)
	return c.onServers(ctx, method, func(addr string) error { return c.pool.Call(ctx, addr, method, req, resp) })
}

// onServers runs try against the current server, moving to another on a
// transport failure and waiting out leader elections, within
// rpcHoldTimeout or ctx's deadline (Call's rules).
func (c *Client) onServers(ctx context.Context, method string, try func(addr string) error) error {
	hold := time.NewTimer(rpcHoldTimeout)
	defer hold.Stop()
	var last error
	for {
		addr, changed := c.current()
		if addr != "" {
			err := try(addr)
			if err == nil || !clientRetryable(err) || ctx.Err() != nil {
				return err
			}
			last = fmt.Errorf("server %s: %w", addr, err)
			c.logger.Debug("rpc failed, retrying", "method", method, "server", addr, "error", err)
			var remote *rpc.RemoteError
			if !errors.As(err, &remote) {
				c.demote(addr)
				continue // another server may answer at once
			}
			if errors.Is(err, ErrRetryElsewhere) {
				c.demote(addr) // over its request limits: the next try goes to another
			}
		} else if last == nil {
			return ErrNoServers // none known yet: say so at once, as Consul
		}
		select {
		case <-changed:
		case <-time.After(leaderPoll):
		case <-hold.C:
			return last
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// clientRetryable reports a failed call worth making again: the server was
// unreachable, not ready, or between leaders.
func clientRetryable(err error) bool {
	var started *errStreamStarted // http_stream.go: part of the answer is gone
	if errors.As(err, &started) {
		return false
	}
	var remote *rpc.RemoteError
	if errors.As(err, &remote) {
		return errors.Is(err, ErrNotLeader) || errors.Is(err, ErrNoLeader) ||
			errors.Is(err, ErrLeadershipLost) || errors.Is(err, ErrHTTPNotReady) || errors.Is(err, ErrShutdown) ||
			errors.Is(err, ErrACLNotReady) || errors.Is(err, ErrRetryElsewhere)
	}
	return true
}

// Register writes a registration through the servers.
func (c *Client) Register(ctx context.Context, reg *state.Registration) (uint64, error) {
	var resp indexResp
	err := c.Call(ctx, "Catalog.Register", &registerReq{*reg}, &resp)
	return resp.Index, err
}

// Deregister writes a deregistration through the servers.
func (c *Client) Deregister(ctx context.Context, d *state.Deregistration) (uint64, error) {
	var resp indexResp
	err := c.Call(ctx, "Catalog.Deregister", &deregisterReq{*d}, &resp)
	return resp.Index, err
}

// ByAddress asks a server for the node and the service instances with
// addr, as the agent token may read them, for reverse DNS lookups.
func (c *Client) ByAddress(ctx context.Context, addr netip.Addr) (*state.AddressMatches, error) {
	var resp state.AddressMatches
	if err := c.Call(ctx, "Catalog.ByAddress", &byAddressReq{addr.String()}, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// NodeState reads the catalog's record of node from a server.
func (c *Client) NodeState(ctx context.Context, node string) (*NodeState, error) {
	var resp NodeState
	if err := c.Call(ctx, "Catalog.NodeState", &nodeStateReq{node}, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// HTTP forwards an HTTP API request to a server (http_forward.go). A
// request the leader answers (LeaderBound) goes straight to the leader
// the servers last named, saving the hop through a follower; when that
// fails it takes the usual way, and a server that is no longer the leader
// forwards it on itself.
func (c *Client) HTTP(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error) {
	if err := c.allow(); err != nil {
		return nil, err
	}
	var resp HTTPResponse
	done, err := c.viaLeader(ctx, req, func(leader string) error { return callHTTP(ctx, c.pool, leader, req, &resp) })
	if !done {
		resp = HTTPResponse{}
		ctx := c.withToken(ctx)
		err = c.onServers(ctx, "HTTP.Do", func(addr string) error { return callHTTP(ctx, c.pool, addr, req, &resp) })
	}
	if err != nil {
		return nil, err
	}
	c.noteLeader(resp.Leader)
	return &resp, nil
}

// viaLeader sends a request the leader answers (LeaderBound) straight to
// the leader the servers last named with try. done is false when the
// request must take the usual way: it is not leader-bound, no leader is
// known, or that leader failed in a way worth trying elsewhere.
func (c *Client) viaLeader(ctx context.Context, req *HTTPRequest, try func(leader string) error) (done bool, err error) {
	u, err := url.ParseRequestURI(req.URI)
	if err != nil || !LeaderBound(req.Method, u) {
		return false, nil
	}
	leader := c.leaderHint()
	if leader == "" {
		return false, nil
	}
	if err := try(leader); err == nil || !clientRetryable(err) || ctx.Err() != nil {
		return true, err
	}
	c.noteLeader("")
	return false, nil
}

// leaderHint returns the leader the servers last named, if it is still
// one of the known servers.
func (c *Client) leaderHint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.leader != "" && slices.Contains(c.servers, c.leader) {
		return c.leader
	}
	return ""
}

func (c *Client) noteLeader(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.leader = addr
}

// Close closes the connections to the servers.
func (c *Client) Close() error { return c.pool.Close() }
