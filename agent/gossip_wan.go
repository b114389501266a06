package agent

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/gossip"
)

// Servers are also members of the WAN pool, which joins the servers of
// every datacenter under the names "<node>.<dc>" with the LAN tags, the
// same encryption key and memberlist's WAN timings. It tells a server
// which datacenters exist (/v1/catalog/datacenters); client agents have
// none.

// startWAN starts a server's WAN pool, unless the serf_wan port is -1.
func (a *Agent) startWAN(cfg *config.Runtime, nodeID string) error {
	if a.server == nil || cfg.Ports.SerfWAN < 0 {
		return nil
	}
	gc := gossip.DefaultWANConfig()
	gc.NodeName = cfg.NodeName + "." + cfg.Datacenter
	gc.BindAddr = cmp.Or(cfg.SerfBindAddrWAN, cfg.BindAddr)
	gc.BindPort = cfg.Ports.SerfWAN
	gc.AdvertiseAddr = cmp.Or(cfg.AdvertiseAddrWAN, cfg.AdvertiseAddr)
	gc.Tags = a.lanTags(cfg, nodeID)
	gc.EncryptKey = cfg.EncryptKey
	gc.AcceptPlaintext, gc.SendPlaintext = !cfg.EncryptVerifyIncoming, !cfg.EncryptVerifyOutgoing
	gc.ReconnectTimeout = cfg.ReconnectTimeoutWAN
	if !cfg.DevMode {
		gc.DataDir = cfg.DataDir
		gc.RejoinAfterLeave = cfg.RejoinAfterLeave && gc.DataDir != ""
	}
	if a.fast {
		gc.Timings = gossip.FastTimings()
	}
	setGossipTimings(&gc.Timings, cfg.GossipWAN)
	gc.Logger = a.logger.With("subsystem", "gossip")
	pool, err := gossip.New(gc)
	if err != nil {
		return fmt.Errorf("start wan pool: %w", err)
	}
	a.wan.Store(pool)
	return nil
}

// floodInterval is how often a server also checks, without a LAN event,
// that the servers of its datacenter are in its WAN pool.
const floodInterval = 30 * time.Second

// floodWAN keeps every server of this datacenter in the WAN pool, as
// Consul's servers do: a server seen in the LAN (wan_join_port tag) that
// the WAN pool lacks is joined there. It runs at every LAN event
// (a.floodCh) and every floodInterval until ctx ends.
func (a *Agent) floodWAN(ctx context.Context) {
	t := time.NewTicker(floodInterval)
	defer t.Stop()
	for {
		a.floodJoinOnce()
		select {
		case <-ctx.Done():
			return
		case <-a.floodCh:
		case <-t.C:
		}
	}
}

func (a *Agent) floodJoinOnce() {
	lan, wan := a.lan.Load(), a.wan.Load()
	if lan == nil || wan == nil {
		return
	}
	dc := a.config().Datacenter
	inWAN := map[string]bool{}
	for _, s := range aliveServers(wan) {
		inWAN[s.Name] = true
	}
	for _, s := range aliveServers(lan) {
		if s.tags.Datacenter != dc || s.tags.WANJoinPort == 0 || inWAN[s.Name+"."+dc] {
			continue
		}
		addr := net.JoinHostPort(s.Addr.String(), strconv.Itoa(s.tags.WANJoinPort))
		if _, err := wan.Join([]string{addr}); err != nil {
			a.logger.Debug("flood join of a LAN server into the WAN pool failed", "server", s.Name, "addr", addr, "error", err)
		}
	}
}

// joinWAN joins start_join_wan before it returns (failing the start when
// none answers and retry_join_wan is not set) and retry_join_wan in the
// background; giving up after retry_max_wan attempts shuts the agent down,
// as on the LAN.
func (a *Agent) joinWAN(ctx context.Context, cfg *config.Runtime) error {
	pool := a.wan.Load()
	if pool == nil {
		return nil
	}
	a.goLoop(func() { a.floodWAN(ctx) })
	if len(cfg.StartJoinWAN) > 0 {
		n, err := pool.Join(cfg.StartJoinWAN)
		switch {
		case err != nil && len(cfg.RetryJoinWAN) == 0:
			return fmt.Errorf("join wan %v: no address answered (set retry_join_wan to keep trying): %w", cfg.StartJoinWAN, err)
		case err != nil:
			a.logger.Warn("start join wan failed; retry join wan goes on", "addrs", cfg.StartJoinWAN, "error", err)
		default:
			a.logger.Info("joined the WAN pool", "contacted", n)
		}
	}
	if len(cfg.RetryJoinWAN) == 0 {
		return nil
	}
	a.goLoop(func() { a.retryJoin(ctx, pool, "WAN", cfg.RetryJoinWAN, cfg.RetryIntervalWAN, cfg.RetryMaxWAN) })
	return nil
}
