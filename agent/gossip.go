package agent

import (
	"context"
	"net"
	"strconv"
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

// startGossip joins the LAN pool, unless the serf_lan port is -1. Joining
// the configured addresses goes on in the background (retry_join).
func (a *Agent) startGossip(ctx context.Context, cfg *config.Runtime, nodeID string) error {
	if cfg.Ports.SerfLAN < 0 {
		return nil
	}
	gc := gossip.DefaultLANConfig()
	gc.NodeName = cfg.NodeName
	gc.BindAddr = cfg.BindAddr
	gc.BindPort = cfg.Ports.SerfLAN
	gc.AdvertiseAddr = cfg.AdvertiseAddr
	gc.Tags = a.lanTags(cfg, nodeID)
	if !cfg.DevMode {
		gc.DataDir = cfg.DataDir
	}
	if a.fast {
		gc.Timings = gossip.FastTimings()
	}
	gc.EventHandler = a.onLANEvent
	gc.Logger = a.logger.With("subsystem", "gossip")
	pool, err := gossip.New(gc)
	if err != nil {
		return err
	}
	a.lan.Store(pool)
	if a.server != nil {
		a.server.SetLAN(pool)
	}
	a.refreshServers()
	if len(cfg.RetryJoin) > 0 {
		a.goLoop(func() {
			n, err := pool.RetryJoin(ctx, cfg.RetryJoin, defaultRetryInterval, 0)
			if err != nil && ctx.Err() == nil {
				a.logger.Error("retry join failed", "error", err)
				return
			}
			a.logger.Info("joined the LAN pool", "contacted", n)
		})
	}
	return nil
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
	}
	a.refreshServers()
}

// refreshServers gives a client agent the alive servers of its datacenter.
func (a *Agent) refreshServers() {
	pool := a.lan.Load()
	if a.client == nil || pool == nil {
		return
	}
	dc := a.config().Datacenter
	var addrs []string
	for _, m := range pool.Members() {
		t, err := m.ParsedTags()
		if err != nil || m.Status != gossip.StatusAlive || t.Role != gossip.RoleServer || t.Datacenter != dc || t.ServerPort == 0 {
			continue
		}
		addrs = append(addrs, net.JoinHostPort(m.Addr.String(), strconv.Itoa(t.ServerPort)))
	}
	had := len(a.client.Servers()) > 0
	a.client.SetServers(addrs)
	if !had && len(addrs) > 0 && a.syncer != nil {
		a.syncer.Resync() // the first server: the start-up sync could not reach any
	}
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

// leaveLAN leaves the pool gracefully: the others see this node as left
// (not failed), and the leader deregisters it.
func (a *Agent) leaveLAN() error {
	if pool := a.lan.Load(); pool != nil {
		return pool.Leave()
	}
	return nil
}

// stopLAN closes the pool without a leave: to the others this looks like
// a crash until the node comes back.
func (a *Agent) stopLAN() error {
	if pool := a.lan.Load(); pool != nil {
		return pool.Shutdown()
	}
	return nil
}
