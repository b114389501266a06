package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/raft"
)

// The operator's view of and hands on the Raft configuration: list the
// servers, remove one, hand leadership over. Removal and transfer act on
// the leader; any server forwards them there like a write.

// raftProtocolVersion is the Raft protocol every server speaks (Consul's
// raft_protocol 3: servers are known by ID).
const raftProtocolVersion = "3"

// ErrPeerNotFound means the ID or address names no server of the Raft
// configuration.
var ErrPeerNotFound = errors.New("not found in the raft configuration")

// RaftServer is one server of the Raft configuration.
type RaftServer struct {
	ID      string
	Node    string // node name from the LAN pool or the catalog; "" if unknown
	Address string
	Leader  bool
	Voter   bool
	// ProtocolVersion is the Raft protocol version, always "3".
	ProtocolVersion string
	// LastIndex is the server's last log index as the leader's latest
	// autopilot round saw it; 0 when unknown (on followers, or before
	// the first round).
	LastIndex uint64
}

// RaftConfiguration is the Raft configuration and a log index it holds
// at.
type RaftConfiguration struct {
	Servers []RaftServer
	Index   uint64
}

// RaftConfiguration returns this server's latest view of the Raft
// configuration.
func (s *Server) RaftConfiguration() (*RaftConfiguration, error) {
	f := s.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, s.raftError(err)
	}
	_, leaderID := s.raft.LeaderWithID()
	servers := f.Configuration().Servers
	ids := make([]raft.ServerID, len(servers))
	for i, rs := range servers {
		ids[i] = rs.ID
	}
	names := s.serverNames(ids)
	lastIndex := s.lastIndexes()
	// This Raft version leaves the configuration's own index unset; the
	// last log index is then the closest index the configuration holds at.
	idx := f.Index()
	if idx == 0 {
		idx = s.raft.LastIndex()
	}
	out := &RaftConfiguration{Index: idx, Servers: []RaftServer{}}
	for _, rs := range servers {
		out.Servers = append(out.Servers, RaftServer{
			ID: string(rs.ID), Node: names[string(rs.ID)], Address: string(rs.Address),
			Leader: rs.ID == leaderID, Voter: rs.Suffrage == raft.Voter, ProtocolVersion: raftProtocolVersion,
			LastIndex: lastIndex[string(rs.ID)],
		})
	}
	return out, nil
}

// lastIndexes are the servers' last log indexes from the latest autopilot
// round, by ID; empty when this server has none.
func (s *Server) lastIndexes() map[string]uint64 {
	s.ap.mu.Lock()
	last := s.ap.last
	s.ap.mu.Unlock()
	out := map[string]uint64{}
	if last != nil {
		for _, sh := range last.Servers {
			out[sh.ID] = sh.LastIndex
		}
	}
	return out
}

// serverNames maps Raft IDs to node names: this server's own, the LAN
// pool's servers and, only while some of ids is still unknown, the
// catalog's nodes (a scan of every node).
func (s *Server) serverNames(ids []raft.ServerID) map[string]string {
	names := map[string]string{string(s.localID): s.cfg.NodeName}
	if p := s.lan.Load(); p != nil {
		for _, m := range p.Members() {
			if srv, ok := asServer(m, s.cfg.Datacenter); ok {
				names[srv.id] = srv.name
			}
		}
	}
	missing := false
	for _, id := range ids {
		missing = missing || names[string(id)] == ""
	}
	if !missing {
		return names
	}
	if _, nodes, err := s.store.Nodes(nil); err == nil {
		for _, n := range nodes {
			if n.ID != "" && names[n.ID] == "" {
				names[n.ID] = n.Node
			}
		}
	}
	return names
}

// RemoveRaftPeer removes a server from the Raft configuration, named by
// its ID or, when id is empty, its address. A server that is not there
// gives ErrPeerNotFound.
func (s *Server) RemoveRaftPeer(ctx context.Context, id, address string) error {
	if id == "" && address == "" {
		return fmt.Errorf("remove raft peer: %w: need an ID or an address", ErrPeerNotFound)
	}
	if _, done, err := forward[removePeerReq, indexResp](s, ctx, "Operator.RaftRemovePeer", &removePeerReq{id, address}); done {
		return err
	}
	rs, err := s.findRaftServer(id, address)
	if err != nil {
		return err
	}
	s.logger.Info("removing raft peer", "id", string(rs.ID), "addr", string(rs.Address))
	return s.RemoveServer(ctx, string(rs.ID))
}

// findRaftServer finds a server of the configuration by ID, or by address
// when id is empty.
func (s *Server) findRaftServer(id, address string) (raft.Server, error) {
	conf, err := s.raftServers()
	if err != nil {
		return raft.Server{}, err
	}
	for _, rs := range conf {
		if (id != "" && string(rs.ID) == id) || (id == "" && strings.EqualFold(string(rs.Address), address)) {
			return rs, nil
		}
	}
	if id != "" {
		return raft.Server{}, fmt.Errorf("id %q %w", id, ErrPeerNotFound)
	}
	return raft.Server{}, fmt.Errorf("address %q %w", address, ErrPeerNotFound)
}

// TransferLeadership makes another server the leader: the one with the
// given ID, or when id is empty the most up-to-date follower Raft picks.
// It returns once the transfer is done.
func (s *Server) TransferLeadership(ctx context.Context, id string) error {
	if _, done, err := forward[transferReq, indexResp](s, ctx, "Operator.TransferLeader", &transferReq{id}); done {
		return err
	}
	var f raft.Future
	if id == "" {
		f = s.raft.LeadershipTransfer()
	} else {
		rs, err := s.findRaftServer(id, "")
		if err != nil {
			return err
		}
		if rs.ID == s.localID {
			return fmt.Errorf("transfer leadership: %s is already the leader", id)
		}
		if rs.Suffrage != raft.Voter {
			return fmt.Errorf("transfer leadership: %s is not a voter", id)
		}
		f = s.raft.LeadershipTransferToServer(rs.ID, rs.Address)
	}
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("transfer leadership: %w", s.raftError(err))
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(raftTimeout):
		return fmt.Errorf("transfer leadership: %w", ErrTimeout)
	}
}
