package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/userevent"
	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/version"
)

// Every agent is a member of its datacenter's LAN pool. Its tags say what
// it is (a server, with the port of its server RPC, or a client); member
// events tell the local server (leader reconcile, bootstrap-expect) and
// tell a client agent where the servers are; user events travel in it.

// defaultRetryInterval is Consul's retry_interval.
const defaultRetryInterval = 30 * time.Second

// startGossip starts this agent's LAN pool (and a server's WAN pool
// first, whose port the LAN tags announce), alone until joinLAN, unless
// the serf_lan port is -1. When retry_max attempts of retry_join are spent
// the agent shuts itself down with the error (Failure reports it), as
// Consul does.
func (a *Agent) startGossip(_ context.Context, cfg *config.Runtime, nodeID string) error {
	if cfg.Ports.SerfLAN < 0 {
		return nil
	}
	if err := a.startWAN(cfg, nodeID); err != nil {
		return err
	}
	pool, err := gossip.New(a.lanConfig(cfg, nodeID))
	if err != nil {
		return errors.Join(err, stopPool(&a.wan))
	}
	a.lan.Store(pool)
	if a.server != nil {
		a.server.SetLAN(pool)
	}
	a.refreshServers()
	return nil
}

// joinLAN joins the configured members, once the syncer exists (a member
// event may ask it to resync). The start_join addresses are joined before
// it returns: when none answers the start fails, unless retry_join is set
// too. Joining the retry_join addresses goes on in the background.
func (a *Agent) joinLAN(ctx context.Context, cfg *config.Runtime) error {
	a.gossipOps.started.Store(true) // a.syncer is set: refreshServers may use it
	pool := a.lan.Load()
	if pool == nil {
		return nil
	}
	if len(cfg.StartJoin) > 0 {
		n, err := pool.Join(cfg.StartJoin)
		switch {
		case err != nil && len(cfg.RetryJoin) == 0:
			return fmt.Errorf("join %v: no address answered (set retry_join to keep trying): %w", cfg.StartJoin, err)
		case err != nil:
			a.logger.Warn("start join failed; retry join goes on", "addrs", cfg.StartJoin, "error", err)
		default:
			a.logger.Info("joined the LAN pool", "contacted", n)
			// The join's push/pull has listed the members: take the
			// servers now, not at the member events that follow, so the
			// start-up sync can reach one.
			a.refreshServers()
		}
	}
	if len(cfg.RetryJoin) > 0 {
		a.goLoop(func() { a.retryJoinLAN(ctx, pool, cfg) })
	}
	return a.joinWAN(ctx, cfg)
}

// lanConfig is the LAN pool's configuration from the agent's.
func (a *Agent) lanConfig(cfg *config.Runtime, nodeID string) gossip.Config {
	gc := gossip.DefaultLANConfig()
	gc.NodeName = cfg.NodeName
	gc.BindAddr = cfg.SerfBindAddrLAN
	if gc.BindAddr == "" {
		gc.BindAddr = cfg.BindAddr
	}
	gc.BindPort = cfg.Ports.SerfLAN
	gc.AdvertiseAddr = cfg.AdvertiseAddr
	gc.Tags = a.lanTags(cfg, nodeID)
	if wan := a.wan.Load(); wan != nil {
		// The other servers of the datacenter join it there (floodWAN).
		gc.Tags.WANJoinPort = int(wan.LocalMember().Port)
	}
	gc.EncryptKey = cfg.EncryptKey
	gc.AcceptPlaintext, gc.SendPlaintext = !cfg.EncryptVerifyIncoming, !cfg.EncryptVerifyOutgoing
	gc.ReconnectTimeout = cfg.ReconnectTimeoutLAN
	if !cfg.DevMode {
		gc.DataDir = cfg.DataDir // the keyring file and the member snapshot
		gc.RejoinAfterLeave = cfg.RejoinAfterLeave && gc.DataDir != ""
	}
	if a.fast {
		gc.Timings = gossip.FastTimings()
	}
	setGossipTimings(&gc.Timings, cfg.GossipLAN)
	gc.EventHandler = a.onLANEvent
	gc.Logger = a.logger.With("subsystem", "gossip")
	return gc
}

// setGossipTimings puts the timings a gossip_lan or gossip_wan block sets
// over a pool's defaults.
func setGossipTimings(t *gossip.Timings, c config.GossipTimings) {
	for _, d := range []struct{ in, out *time.Duration }{
		{&c.GossipInterval, &t.GossipInterval}, {&c.ProbeInterval, &t.ProbeInterval}, {&c.ProbeTimeout, &t.ProbeTimeout},
	} {
		if *d.in > 0 {
			*d.out = *d.in
		}
	}
	for _, n := range []struct{ in, out *int }{
		{&c.GossipNodes, &t.GossipNodes}, {&c.SuspicionMult, &t.SuspicionMult}, {&c.RetransmitMult, &t.RetransmitMult},
	} {
		if *n.in > 0 {
			*n.out = *n.in
		}
	}
}

// retryJoinLAN joins the retry_join addresses every retry_interval until
// one answers (retryJoin).
func (a *Agent) retryJoinLAN(ctx context.Context, pool *gossip.Pool, cfg *config.Runtime) {
	a.retryJoin(ctx, pool, "LAN", cfg.RetryJoin, cfg.RetryInterval, cfg.RetryMax)
}

// retryJoin joins addrs to the pool named name every interval (default
// 30s) until one answers. Giving up after max attempts is fatal: the
// agent records the error and shuts down, so that a node that cannot
// reach its cluster does not run on alone unnoticed.
func (a *Agent) retryJoin(ctx context.Context, pool *gossip.Pool, name string, addrs []string, interval time.Duration, max int) {
	if interval <= 0 {
		interval = defaultRetryInterval
	}
	n, err := pool.RetryJoin(ctx, addrs, interval, max)
	switch {
	case err == nil:
		a.logger.Info("joined the "+name+" pool", "contacted", n)
	case ctx.Err() != nil || errors.Is(err, gossip.ErrShutdown):
		// The agent is stopping.
	default:
		err = fmt.Errorf("retry join %s: %w", name, err)
		a.logger.Error("retry join failed; shutting down", "pool", name, "addrs", addrs, "attempts", max, "error", err)
		a.gossipOps.fail(err)
		go func() { _ = a.Shutdown() }() // Shutdown waits for this loop
	}
}

// lanTags are this agent's tags in the LAN pool.
func (a *Agent) lanTags(cfg *config.Runtime, nodeID string) gossip.Tags {
	t := gossip.Tags{Role: gossip.RoleClient, Datacenter: cfg.Datacenter, ID: nodeID,
		Build: version.Version + ":" + version.Revision(), Vsn: 2, VsnMin: 2, VsnMax: 3}
	if a.server != nil {
		t.Role = gossip.RoleServer
		t.RaftVsn = 3
		t.Expect = cfg.BootstrapExpect
		t.Bootstrap = cfg.Bootstrap
		if _, port, err := net.SplitHostPort(a.server.Addr()); err == nil {
			t.ServerPort, _ = strconv.Atoi(port)
		}
	}
	return t
}

// onLANEvent handles a LAN pool event. It runs on the pool's event
// goroutine and must return quickly.
func (a *Agent) onLANEvent(e gossip.Event) {
	if e.Type == gossip.EventUser {
		a.receiveGossipEvent(e)
		return
	}
	if a.server != nil {
		a.server.HandleLANEvent(e)
		select {
		case a.floodCh <- struct{}{}: // floodWAN
		default:
		}
	}
	a.refreshServers()
}

// refreshServers gives a client agent the alive servers of its datacenter.
func (a *Agent) refreshServers() {
	pool := a.lan.Load()
	if a.client == nil || pool == nil {
		return
	}
	addrs := serverAddrs(pool, a.config().Datacenter)
	had := len(a.client.Servers()) > 0
	a.client.SetServers(addrs)
	if !had && len(addrs) > 0 && a.gossipOps.started.Load() {
		a.syncer.Resync() // the first server: the start-up sync could not reach any
	}
}

// serverMember is an alive server a pool knows, with its tags.
type serverMember struct {
	gossip.Member
	tags gossip.Tags
}

// aliveServers lists the alive servers pool knows; members whose tags do
// not parse are left out.
func aliveServers(pool *gossip.Pool) []serverMember {
	var out []serverMember
	for _, m := range pool.Members() {
		t, err := m.ParsedTags()
		if err == nil && m.Status == gossip.StatusAlive && t.Role == gossip.RoleServer {
			out = append(out, serverMember{m, t})
		}
	}
	return out
}

// serverAddrs lists the server addresses of the alive servers of
// datacenter dc that pool knows.
func serverAddrs(pool *gossip.Pool, dc string) []string {
	var addrs []string
	for _, s := range aliveServers(pool) {
		if addr := s.serverAddr(); s.tags.Datacenter == dc && addr != "" {
			addrs = append(addrs, addr)
		}
	}
	return addrs
}

// serverAddr is the member's server address (host:port of its server
// port), or "" when its tags name none.
func (s serverMember) serverAddr() string {
	if s.tags.ServerPort == 0 {
		return ""
	}
	return net.JoinHostPort(s.Addr.String(), strconv.Itoa(s.tags.ServerPort))
}

// receiveGossipEvent keeps a user event that came through the pool.
func (a *Agent) receiveGossipEvent(ge gossip.Event) {
	e, ok, err := userevent.Decode(ge.Name, ge.Payload, ge.LTime)
	if !ok {
		return
	}
	if err != nil {
		a.logger.Warn("bad user event from gossip", "name", ge.Name, "error", err)
		return
	}
	if a.events.Has(e.ID) {
		return // fired here: FireEvent kept it already
	}
	a.receiveEvent(e)
}

// leavePool leaves the pool p holds gracefully, if any: the others see
// this node as left (not failed), and the leader deregisters it.
func leavePool(p *atomic.Pointer[gossip.Pool]) error {
	if pool := p.Load(); pool != nil {
		return pool.Leave()
	}
	return nil
}

// stopPool closes the pool p holds, if any, without a leave: to the
// others this looks like a crash until the node comes back.
func stopPool(p *atomic.Pointer[gossip.Pool]) error {
	if pool := p.Load(); pool != nil {
		return pool.Shutdown()
	}
	return nil
}
