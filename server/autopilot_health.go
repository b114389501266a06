package server

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/server/state"
)

// ServerHealth is the leader's view of one server (Consul's autopilot
// server health).
type ServerHealth struct {
	ID      string
	Name    string // node name; "" if unknown
	Address string
	// SerfStatus is the server's LAN pool status ("alive", "failed",
	// "left"), or "none" when the pool does not know it.
	SerfStatus  string
	Version     string
	Leader      bool
	Voter       bool
	LastContact time.Duration // since it last heard from the leader; -1 if never or unreachable
	LastTerm    uint64
	LastIndex   uint64
	Healthy     bool
	StableSince time.Time // when Healthy last changed
}

// AutopilotHealth is the health of the whole cluster.
type AutopilotHealth struct {
	// Healthy is true when every server is.
	Healthy bool
	// FailureTolerance is how many voters may fail with a quorum left:
	// healthy voters minus the quorum, at least 0.
	FailureTolerance int
	Servers          []ServerHealth
}

// AutopilotServerHealth returns the leader's latest health report,
// forwarded to the leader from other servers.
func (s *Server) AutopilotServerHealth(ctx context.Context) (*AutopilotHealth, error) {
	if r, done, err := forward[raftStatsReq, AutopilotHealth](s, ctx, "Operator.AutopilotHealth", &raftStatsReq{}); done {
		return r, err
	}
	s.ap.mu.Lock()
	last := s.ap.last
	s.ap.mu.Unlock()
	if last != nil {
		return last, nil
	}
	conf, _, err := s.AutopilotConfiguration()
	if err != nil {
		return nil, err
	}
	return s.updateHealth(ctx, conf)
}

// updateHealth asks every server of the configuration for its Raft
// progress, judges it and records the result as the latest.
func (s *Server) updateHealth(ctx context.Context, conf state.AutopilotConfig) (*AutopilotHealth, error) {
	servers, err := s.raftServers()
	if err != nil {
		return nil, err
	}
	leader := s.localRaftStats()
	stats := s.collectStats(ctx, servers)
	ids := make([]raft.ServerID, len(servers))
	for i, rs := range servers {
		ids[i] = rs.ID
	}
	names := s.serverNames(ids)
	statuses := make([]gossip.Status, len(servers))
	known := make([]bool, len(servers))
	for i, rs := range servers {
		statuses[i], known[i] = s.memberStatus(string(rs.ID))
	}
	now := time.Now()
	h := &AutopilotHealth{Healthy: true}
	s.ap.mu.Lock()
	defer s.ap.mu.Unlock()
	if s.ap.stable == nil {
		s.ap.stable = map[string]stableMark{}
	}
	for i, rs := range servers {
		sh := ServerHealth{ID: string(rs.ID), Name: names[string(rs.ID)], Address: string(rs.Address),
			Leader: rs.ID == s.localID, Voter: rs.Suffrage == raft.Voter, LastContact: -1}
		sh.SerfStatus = "none"
		if known[i] {
			sh.SerfStatus = statuses[i].String()
		}
		if st := stats[i]; st != nil {
			sh.LastContact, sh.LastTerm, sh.LastIndex = st.LastContact, st.LastTerm, st.LastIndex
			sh.Healthy = healthy(conf, s.heartbeatGap(), leader, *st) && (!known[i] || statuses[i] == gossip.StatusAlive)
		}
		mark, ok := s.ap.stable[sh.ID]
		if !ok || mark.healthy != sh.Healthy {
			mark = stableMark{healthy: sh.Healthy, since: now}
			s.ap.stable[sh.ID] = mark
		}
		sh.StableSince = mark.since
		h.Healthy = h.Healthy && sh.Healthy
		h.Servers = append(h.Servers, sh)
	}
	h.FailureTolerance = failureTolerance(h.Servers)
	if s.IsLeader() {
		s.ap.last = h
	}
	return h, nil
}

// collectStats asks every server for its Raft stats at once; a server
// that does not answer in time gets nil.
func (s *Server) collectStats(ctx context.Context, servers []raft.Server) []*raftStats {
	out := make([]*raftStats, len(servers))
	var wg sync.WaitGroup
	for i, rs := range servers {
		if rs.ID == s.localID {
			st := s.localRaftStats()
			out[i] = &st
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, statsTimeout)
			defer cancel()
			var st raftStats
			if err := s.pool.Call(cctx, string(rs.Address), "Operator.RaftStats", &raftStatsReq{}, &st); err == nil {
				out[i] = &st
			}
		}()
	}
	wg.Wait()
	return out
}

// healthy applies Consul's rules: the server heard from the leader within
// the threshold (never less than two heartbeat gaps, which a slow
// multiplier makes long), is on the leader's term, and is at most
// MaxTrailingLogs entries behind.
func healthy(conf state.AutopilotConfig, heartbeatGap time.Duration, leader, st raftStats) bool {
	threshold := max(conf.LastContactThreshold, 2*heartbeatGap)
	if st.LastContact < 0 || st.LastContact > threshold {
		return false
	}
	if st.LastTerm != leader.LastTerm {
		return false
	}
	return leader.LastIndex <= st.LastIndex || leader.LastIndex-st.LastIndex <= conf.MaxTrailingLogs
}

// heartbeatGap is the longest gap between the leader's heartbeats: Raft
// sends one every HeartbeatTimeout/10 to /5.
func (s *Server) heartbeatGap() time.Duration {
	return s.raft.ReloadableConfig().HeartbeatTimeout / 5
}

// failureTolerance is the healthy voters beyond a quorum of the voters.
func failureTolerance(servers []ServerHealth) int {
	voters, healthyVoters := 0, 0
	for _, sh := range servers {
		if sh.Voter {
			voters++
			if sh.Healthy {
				healthyVoters++
			}
		}
	}
	return max(healthyVoters-(voters/2+1), 0)
}

// memberStatus is a server's LAN pool status; known is false without a
// pool or when the pool does not hold the server.
func (s *Server) memberStatus(id string) (gossip.Status, bool) {
	s.ap.mu.Lock()
	fn := s.ap.status
	s.ap.mu.Unlock()
	if fn != nil {
		return fn(id)
	}
	p := s.lan.Load()
	if p == nil {
		return gossip.StatusNone, false
	}
	members := p.Members()
	i := slices.IndexFunc(members, func(m gossip.Member) bool {
		srv, ok := asServer(m, s.cfg.Datacenter)
		return ok && srv.id == id
	})
	if i < 0 {
		return gossip.StatusNone, false
	}
	return members[i].Status, true
}
