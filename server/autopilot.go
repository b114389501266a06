package server

import (
	"cmp"
	"context"
	"sync"
	"time"

	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// Autopilot is a leader duty. Every AutopilotInterval, and when a server
// joins, the leader asks each server of the Raft configuration for its
// Raft progress and judges its health (autopilot_health.go), then
// promotes the non-voters that have been healthy for
// ServerStabilizationTime and, with CleanupDeadServers, removes the
// servers the LAN pool reports failed or left while enough voters remain
// (autopilot_cleanup.go). A server that joins through the LAN pool enters
// as a non-voter (membership.go); a cluster formed by bootstrap-expect
// starts with every server a voter.
//
// The configuration is stored through Raft once an operator sets it;
// until then every server uses the one of its agent (Config.Autopilot).

const (
	defaultAutopilotInterval = 2 * time.Second
	// statsTimeout bounds one server's answer to the leader's stats call.
	statsTimeout = time.Second
)

// AutopilotConfig is the autopilot configuration (stored in the state
// store once an operator sets it).
type AutopilotConfig = state.AutopilotConfig

// DefaultAutopilotConfig is Consul's default autopilot configuration.
func DefaultAutopilotConfig() state.AutopilotConfig {
	return state.AutopilotConfig{CleanupDeadServers: true, LastContactThreshold: 200 * time.Millisecond,
		MaxTrailingLogs: 250, ServerStabilizationTime: 10 * time.Second}
}

// autopilot is the leader's autopilot state. Its zero value is ready.
type autopilot struct {
	mu     sync.Mutex
	kick   chan struct{}
	last   *AutopilotHealth                      // latest health; nil before the first round
	stable map[string]stableMark                 // per server ID: health and since when
	status func(id string) (gossip.Status, bool) // tests: replaces the LAN pool's view
}

// stableMark is how long a server has held its current health.
type stableMark struct {
	healthy bool
	since   time.Time
}

// kickCh returns the channel that wakes the autopilot loop.
func (a *autopilot) kickCh() chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.kick == nil {
		a.kick = make(chan struct{}, 1)
	}
	return a.kick
}

// kickAutopilot runs an autopilot round soon, e.g. when a server joined.
func (s *Server) kickAutopilot() {
	select {
	case s.ap.kickCh() <- struct{}{}:
	default:
	}
}

// AutopilotConfiguration returns the configuration in force: the one
// stored through Raft, else this server's own, with the index of the
// stored one (0 when none is).
func (s *Server) AutopilotConfiguration() (state.AutopilotConfig, uint64, error) {
	idx, c, err := s.store.AutopilotConfig(nil)
	if err != nil {
		return state.AutopilotConfig{}, 0, err
	}
	if c != nil {
		return *c, idx, nil
	}
	if s.cfg.Autopilot != nil {
		return *s.cfg.Autopilot, 0, nil
	}
	return DefaultAutopilotConfig(), 0, nil
}

// AutopilotSetConfiguration stores the configuration through Raft. With
// req.CAS it only applies when req.Config.ModifyIndex matches; ok reports
// whether it applied.
func (s *Server) AutopilotSetConfiguration(ctx context.Context, req *state.AutopilotRequest) (bool, error) {
	if r, done, err := forward[autopilotReq, autopilotResp](s, ctx, "Operator.AutopilotSetConfig", &autopilotReq{*req}); done {
		return r != nil && r.OK, err
	}
	resp, _, err := s.applyResponse(ctx, fsm.AutopilotRequestType, req)
	if err != nil {
		return false, err
	}
	ok, _ := resp.(bool)
	s.kickAutopilot()
	return ok, nil
}

// startAutopilot starts the autopilot loop as a leader duty.
func (s *Server) startAutopilot(ctx context.Context) {
	s.dutiesWG.Add(1)
	go func() {
		defer s.dutiesWG.Done()
		s.runAutopilot(ctx)
	}()
}

// runAutopilot runs a round every AutopilotInterval and when kicked,
// until ctx ends (leadership lost). The first round waits an interval,
// leaving a new leader's first moments to Raft.
func (s *Server) runAutopilot(ctx context.Context) {
	s.ap.mu.Lock()
	s.ap.last, s.ap.stable = nil, map[string]stableMark{}
	s.ap.mu.Unlock()
	defer func() {
		s.ap.mu.Lock()
		s.ap.last = nil
		s.ap.mu.Unlock()
	}()
	tick := time.NewTicker(cmp.Or(s.cfg.AutopilotInterval, defaultAutopilotInterval))
	defer tick.Stop()
	kick := s.ap.kickCh()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-kick:
		}
		s.autopilotRound(ctx)
	}
}

// autopilotRound judges health, then promotes and prunes.
func (s *Server) autopilotRound(ctx context.Context) {
	conf, _, err := s.AutopilotConfiguration()
	if err != nil {
		s.logger.Warn("autopilot: read configuration", "error", err)
		return
	}
	h, err := s.updateHealth(ctx, conf)
	if err != nil {
		if ctx.Err() == nil {
			s.logger.Warn("autopilot: server health", "error", err)
		}
		return
	}
	s.promoteStable(ctx, conf, h)
	if conf.CleanupDeadServers {
		s.pruneDeadServers(ctx, conf, h)
	}
}
