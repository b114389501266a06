package server

import (
	"errors"
	"sort"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/gossip"
)

// With -bootstrap-expect=N, no server bootstraps alone: each waits until
// the LAN pool shows N alive servers of its datacenter that all expect N,
// and then every one of them bootstraps the same configuration (those N
// servers as voters). Raft makes the identical bootstraps one cluster,
// and a server that already has state never bootstraps again.

func (s *Server) kickBootstrap() {
	select {
	case s.bootstrapCh <- struct{}{}:
	default:
	}
}

// runBootstrapExpect waits for the expected servers and bootstraps once.
func (s *Server) runBootstrapExpect() {
	defer s.wg.Done()
	for {
		select {
		case <-s.shutdownCh:
			return
		case <-s.bootstrapCh:
		}
		if p := s.lan.Load(); p != nil && s.tryBootstrap(p) {
			return
		}
	}
}

// tryBootstrap bootstraps when the pool holds the expected servers. It
// reports whether waiting is over (bootstrapped, or a cluster exists).
func (s *Server) tryBootstrap(p *gossip.Pool) bool {
	var servers []serverInfo
	for _, m := range p.Members() {
		srv, ok := asServer(m, s.cfg.Datacenter)
		if !ok || srv.status != gossip.StatusAlive {
			continue
		}
		if srv.expect != 0 && srv.expect != s.cfg.BootstrapExpect {
			s.logger.Error("servers disagree on bootstrap-expect; not bootstrapping",
				"server", srv.name, "expect", srv.expect, "ours", s.cfg.BootstrapExpect)
			return false
		}
		servers = append(servers, srv)
	}
	if len(servers) < s.cfg.BootstrapExpect {
		s.logger.Debug("waiting for servers to bootstrap", "have", len(servers), "expect", s.cfg.BootstrapExpect)
		return false
	}
	sort.Slice(servers, func(i, j int) bool { return servers[i].id < servers[j].id })
	var conf raft.Configuration
	for _, srv := range servers {
		addr := srv.addr
		if srv.id == string(s.localID) {
			addr = string(s.trans.LocalAddr())
		}
		conf.Servers = append(conf.Servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(srv.id), Address: raft.ServerAddress(addr)})
	}
	err := s.raft.BootstrapCluster(conf).Error()
	switch {
	case errors.Is(err, raft.ErrCantBootstrap):
		s.logger.Info("raft state exists; not bootstrapping")
	case err != nil:
		s.logger.Error("bootstrap with the expected servers", "error", err)
		return false
	default:
		s.logger.Info("bootstrapped the cluster", "servers", len(conf.Servers))
	}
	return true
}
