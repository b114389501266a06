package server

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/internal/rpc"
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
	switch exists, err := s.clusterExists(servers); {
	case err != nil:
		s.logger.Warn("cannot ask the other servers whether a cluster exists; retrying", "error", err)
		time.AfterFunc(time.Second, s.kickBootstrap)
		return false
	case exists:
		// A server joining a running cluster (a replacement) must not
		// bootstrap a second one: the leader adds it.
		s.logger.Info("a cluster exists already; waiting to be added to it")
		return true
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

type raftPeersReq struct{}
type raftPeersResp struct{ Peers int }

// clusterExists asks every other server for its Raft configuration: any
// with peers means a cluster runs already.
func (s *Server) clusterExists(servers []serverInfo) (bool, error) {
	for _, srv := range servers {
		if srv.id == string(s.localID) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var resp raftPeersResp
		err := s.pool.Call(ctx, srv.addr, "Status.RaftPeers", &raftPeersReq{}, &resp)
		cancel()
		if err != nil {
			return false, fmt.Errorf("server %s: %w", srv.name, err)
		}
		if resp.Peers > 0 {
			return true, nil
		}
	}
	return false, nil
}

// registerBootstrapStatus answers other servers' clusterExists.
func (s *Server) registerBootstrapStatus() {
	rpc.Handle(s.rpc, "Status.RaftPeers", func(context.Context, *raftPeersReq) (*raftPeersResp, error) {
		servers, err := s.raftServers()
		if err != nil {
			return nil, err
		}
		return &raftPeersResp{Peers: len(servers)}, nil
	})
}
