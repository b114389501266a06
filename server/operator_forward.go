package server

import (
	"context"
	"strconv"
	"time"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

func init() {
	rpc.RegisterError("peer-not-found", ErrPeerNotFound)
}

// Request and response shapes of the operator's RPC methods.
type (
	removePeerReq struct{ ID, Address string }
	transferReq   struct{ ID string }
	autopilotReq  struct{ Req state.AutopilotRequest }
	autopilotResp struct{ OK bool }
	raftStatsReq  struct{}
	// raftStats is what a server reports of its own Raft log for the
	// leader's health checks.
	raftStats struct {
		LastContact time.Duration // since the leader was last heard; -1: never
		LastTerm    uint64
		LastIndex   uint64
	}
)

// registerOperatorForwarded serves the operator's forwarded writes on the
// leader, and every server's Raft stats.
func (s *Server) registerOperatorForwarded() {
	handleForwarded(s, "Operator.RaftRemovePeer", func(ctx context.Context, r *removePeerReq) (*indexResp, error) {
		return &indexResp{}, s.RemoveRaftPeer(forwarded(ctx), r.ID, r.Address)
	})
	handleForwarded(s, "Operator.TransferLeader", func(ctx context.Context, r *transferReq) (*indexResp, error) {
		return &indexResp{}, s.TransferLeadership(forwarded(ctx), r.ID)
	})
	handleForwarded(s, "Operator.AutopilotSetConfig", func(ctx context.Context, r *autopilotReq) (*autopilotResp, error) {
		ok, err := s.AutopilotSetConfiguration(forwarded(ctx), &r.Req)
		return &autopilotResp{ok}, err
	})
	handleForwarded(s, "Operator.AutopilotHealth", func(ctx context.Context, r *raftStatsReq) (*AutopilotHealth, error) {
		return s.AutopilotServerHealth(forwarded(ctx))
	})
	rpc.Handle(s.rpc, "Operator.RaftStats", func(context.Context, *raftStatsReq) (*raftStats, error) {
		st := s.localRaftStats()
		return &st, nil
	})
}

// localRaftStats reads this server's Raft progress.
func (s *Server) localRaftStats() raftStats {
	stats := s.raft.Stats()
	term, _ := strconv.ParseUint(stats["last_log_term"], 10, 64)
	st := raftStats{LastContact: -1, LastTerm: term, LastIndex: s.raft.LastIndex()}
	switch {
	case s.IsLeader():
		st.LastContact = 0
	case !s.raft.LastContact().IsZero():
		st.LastContact = time.Since(s.raft.LastContact())
	}
	return st
}
