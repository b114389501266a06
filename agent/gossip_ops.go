package agent

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/gossip"
)

// The gossip operations of the agent API: members, join, leave,
// force-leave and the keyring. They act on the LAN pool, or with ?wan on a
// server's WAN pool (gossip_wan.go); a client agent has no WAN pool and
// answers the WAN variants with an error, as Consul's.

// errNoWAN answers the WAN variants of join and force-leave.
var errNoWAN = errors.New("agent: the WAN gossip pool is not available on this agent")

// errNoLAN answers gossip operations when the LAN pool is off
// (serf_lan port -1).
var errNoLAN = errors.New("agent: gossip is disabled (serf_lan port is -1)")

// gossipOps is the agent's state for the gossip operations.
type gossipOps struct {
	// keyMu serializes keyring operations: memberlist's keyring races
	// when changes overlap.
	keyMu sync.Mutex
	// started is set once the agent's syncer exists, before any join:
	// member events read a.syncer only after it.
	started atomic.Bool

	mu      sync.Mutex
	failure error // why the agent shut itself down (retry join gave up)
}

// fail records why the agent is shutting itself down; the first reason
// wins.
func (g *gossipOps) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failure == nil {
		g.failure = err
	}
}

// Failure is the error that made the agent shut itself down (retry_join
// giving up after retry_max attempts), or nil after a requested shutdown.
// Read it once ShutdownCh is closed.
func (a *Agent) Failure() error {
	a.gossipOps.mu.Lock()
	defer a.gossipOps.mu.Unlock()
	return a.gossipOps.failure
}

// Members lists the LAN gossip pool as this agent sees it, in every state
// (alive, leaving, left, failed), or with wan the WAN pool of servers. A
// client agent lists nobody in the WAN; a server with the WAN pool off
// lists itself as "<node>.<dc>". Without gossip the agent lists itself.
func (a *Agent) Members(wan bool) []api.AgentMember {
	pool := a.lan.Load()
	if wan {
		pool = a.wan.Load()
	}
	switch {
	case wan && a.server == nil:
		return []api.AgentMember{}
	case wan && pool == nil:
		m := a.selfMember()
		m.Name += "." + a.config().Datacenter
		return []api.AgentMember{m}
	case pool == nil:
		return []api.AgentMember{a.selfMember()}
	}
	members := pool.Members()
	out := make([]api.AgentMember, len(members))
	for i, m := range members {
		out[i] = toAPIMember(m)
	}
	return out
}

// toAPIMember converts a pool member to the JSON of /v1/agent/members.
func toAPIMember(m gossip.Member) api.AgentMember {
	addr := ""
	if m.Addr != nil {
		addr = m.Addr.String()
	}
	return api.AgentMember{
		Name: m.Name, Addr: addr, Port: m.Port, Tags: m.Tags, Status: int(m.Status),
		ProtocolMin: m.ProtocolMin, ProtocolMax: m.ProtocolMax, ProtocolCur: m.ProtocolCur,
		DelegateMin: m.DelegateMin, DelegateMax: m.DelegateMax, DelegateCur: m.DelegateCur,
	}
}

// Join joins the LAN pool (or with wan the WAN pool) through addr ("host"
// or "host:port"), as PUT /v1/agent/join does.
func (a *Agent) Join(addr string, wan bool) error {
	pool, err := a.poolFor(wan)
	if err != nil {
		return err
	}
	if _, err := pool.Join([]string{addr}); err != nil {
		return fmt.Errorf("agent: join %s: %w", addr, err)
	}
	return nil
}

// ForceLeave moves a failed member of the LAN pool to left, and with prune
// forgets it at once. An unknown node is an error, as Consul.
func (a *Agent) ForceLeave(node string, prune, wan bool) error {
	pool, err := a.poolFor(wan)
	if err != nil {
		return err
	}
	known := false
	for _, m := range pool.Members() {
		known = known || m.Name == node
	}
	if !known {
		return fmt.Errorf("agent: No node found with name '%s'", node)
	}
	return pool.ForceLeave(node, prune)
}

// poolFor is the LAN pool, or with wan the WAN pool.
func (a *Agent) poolFor(wan bool) (*gossip.Pool, error) {
	if wan {
		if pool := a.wan.Load(); pool != nil {
			return pool, nil
		}
		return nil, errNoWAN
	}
	if pool := a.lan.Load(); pool != nil {
		return pool, nil
	}
	return nil, errNoLAN
}

// Leave leaves the LAN pool gracefully (the others see this node left,
// and the leader deregisters it), then shuts the agent down in the
// background, so that the caller (an HTTP request) can still answer.
// ShutdownCh is closed when the shutdown is done; call Shutdown to wait for
// it. A failed leave is logged and the agent shuts down all the same.
func (a *Agent) Leave() error {
	err := errors.Join(leavePool(&a.lan), leavePool(&a.wan))
	if err != nil {
		a.logger.Error("graceful leave failed; shutting down anyway", "error", err)
	} else {
		a.logger.Info("left the LAN pool gracefully")
	}
	go func() {
		if err := a.Shutdown(); err != nil {
			a.logger.Error("shutdown after leave", "error", err)
		}
	}()
	return err
}
