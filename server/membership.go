package server

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// AddVoter adds a server, by its Raft ID and address, to the cluster as a
// voter. Only the leader can; others answer ErrNotLeader. Adding a server
// that is already a voter at that address does nothing.
//
// Until gossip discovers servers (the cluster issue), this is how a
// cluster is formed: by hand, or by tests.
func (s *Server) AddVoter(ctx context.Context, id, addr string) error {
	if !s.IsLeader() {
		return s.notLeader(nil)
	}
	timeout := raftTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	f := s.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeout)
	if err := f.Error(); err != nil {
		return fmt.Errorf("add voter %s at %s: %w", id, addr, s.raftError(err))
	}
	return nil
}

// AddNonvoter adds a server to the cluster as a non-voter: it receives
// the log but does not vote. Autopilot promotes it once it has been
// healthy for the stabilization time. Only the leader can.
func (s *Server) AddNonvoter(ctx context.Context, id, addr string) error {
	if !s.IsLeader() {
		return s.notLeader(nil)
	}
	timeout := raftTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	f := s.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeout)
	if err := f.Error(); err != nil {
		return fmt.Errorf("add non-voter %s at %s: %w", id, addr, s.raftError(err))
	}
	return nil
}

// RemoveServer removes a server from the cluster by its Raft ID. Only the
// leader can.
func (s *Server) RemoveServer(ctx context.Context, id string) error {
	if !s.IsLeader() {
		return s.notLeader(nil)
	}
	timeout := raftTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if err := s.raft.RemoveServer(raft.ServerID(id), 0, timeout).Error(); err != nil {
		return fmt.Errorf("remove server %s: %w", id, s.raftError(err))
	}
	return nil
}

// ID is this server's Raft ID; Addr its advertised Raft address.
func (s *Server) ID() string { return string(s.localID) }

// Addr is the address other servers reach this one at.
func (s *Server) Addr() string { return string(s.trans.LocalAddr()) }

// ensureVoter adds a server the pool reports alive to the Raft
// configuration, unless it is there already at that address. A new
// server enters as a non-voter, which autopilot promotes once stable; a
// known one that moved keeps its vote.
func (s *Server) ensureVoter(ctx context.Context, srv serverInfo) error {
	conf, err := s.raftServers()
	if err != nil {
		return err
	}
	for _, rs := range conf {
		if string(rs.ID) != srv.id {
			continue
		}
		if string(rs.Address) == srv.addr {
			return nil
		}
		if rs.Suffrage == raft.Voter {
			s.logger.Info("updating server address in the raft configuration", "server", srv.name, "id", srv.id, "addr", srv.addr)
			return s.AddVoter(ctx, srv.id, srv.addr)
		}
	}
	s.logger.Info("adding server to the raft configuration as a non-voter", "server", srv.name, "id", srv.id, "addr", srv.addr)
	defer s.kickAutopilot() // a join is also when dead servers are cleaned up
	return s.AddNonvoter(ctx, srv.id, srv.addr)
}

// removeIfVoter removes a server that left the pool from the Raft
// configuration.
func (s *Server) removeIfVoter(ctx context.Context, id string) error {
	conf, err := s.raftServers()
	if err != nil {
		return err
	}
	for _, rs := range conf {
		if string(rs.ID) == id {
			s.logger.Info("removing server that left from the raft configuration", "id", id)
			return s.RemoveServer(ctx, id)
		}
	}
	return nil
}

// raftServers is the latest Raft configuration.
func (s *Server) raftServers() ([]raft.Server, error) {
	f := s.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("read raft configuration: %w", err)
	}
	return f.Configuration().Servers, nil
}
