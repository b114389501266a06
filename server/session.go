package server

import (
	"context"
	"fmt"
	"time"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// Session limits and defaults (Consul's).
const (
	defaultLockDelay = 15 * time.Second
	maxLockDelay     = 60 * time.Second
	sessionTTLMax    = 24 * time.Hour
	// serfHealthCheck is the node check a session binds to by default.
	serfHealthCheck = "serfHealth"
)

// SessionCreate creates a session through Raft and returns the index it
// was applied at; sess.ID is set to the new session's ID, a random UUID
// picked here before the Raft apply (any ID the caller set is replaced).
//
// Defaults: Behavior release; LockDelay 15s when zero (a negative
// LockDelay asks for none, for callers that must tell an explicit "0s"
// from an absent value); NodeChecks ["serfHealth"] when nil and the node
// has that check. Consul's agents always have a serfHealth check from
// gossip; ours have none until gossip lands, so a node without one gets no
// default check rather than a session that cannot be created.
//
// It fails with an error wrapping state.ErrInvalidSession when the TTL is
// not a duration or not 0 or within [SessionTTLMin, 24h], the lock delay
// is over 60s, the node is unknown, or a bound check is missing or
// critical. A TTL session gets a timer on the leader (twice its TTL).
func (s *Server) SessionCreate(ctx context.Context, sess *state.Session) (uint64, error) {
	if sess == nil {
		return 0, fmt.Errorf("%w: no session", state.ErrInvalidSession)
	}
	if r, done, err := forward[sessionReq, sessionResp](s, ctx, "Session.Create", &sessionReq{*sess}); done {
		if r == nil {
			return 0, err
		}
		if err == nil && r.Session != nil {
			sess.ID = r.Session.ID
		}
		return r.Index, err
	}
	req := &state.SessionRequest{Op: state.SessionCreateOp, Session: *sess}
	ttl, err := s.prepareSession(&req.Session)
	if err != nil {
		return 0, err
	}
	if req.Session.ID, err = s.newSessionID(); err != nil {
		return 0, err
	}
	if err := s.store.CheckSession(&req.Session); err != nil {
		return 0, err
	}
	idx, err := s.apply(ctx, fsm.SessionRequestType, req)
	if err != nil {
		return 0, err
	}
	sess.ID = req.Session.ID
	if ttl > 0 {
		s.timers.reset(sess.ID, sessionTTLMultiplier*ttl)
	}
	return idx, nil
}

// prepareSession fills in a new session's defaults and checks its TTL
// and lock delay, returning the TTL.
func (s *Server) prepareSession(sess *state.Session) (time.Duration, error) {
	if sess.Behavior == "" {
		sess.Behavior = state.SessionRelease
	}
	switch {
	case sess.LockDelay == 0:
		sess.LockDelay = defaultLockDelay
	case sess.LockDelay < 0:
		sess.LockDelay = 0
	case sess.LockDelay > maxLockDelay:
		return 0, fmt.Errorf("%w: lock delay %v is over the maximum of %v", state.ErrInvalidSession, sess.LockDelay, maxLockDelay)
	}
	if sess.NodeChecks == nil {
		_, checks, err := s.store.NodeChecks(nil, sess.Node)
		if err != nil {
			return 0, err
		}
		for _, c := range checks {
			if c.CheckID == serfHealthCheck {
				sess.NodeChecks = []string{serfHealthCheck}
			}
		}
	}
	return s.sessionTTL(sess.TTL)
}

// sessionTTL parses a session TTL: "" or a zero duration is none,
// anything else must lie within [SessionTTLMin, 24h].
func (s *Server) sessionTTL(ttl string) (time.Duration, error) {
	if ttl == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(ttl)
	if err != nil {
		return 0, fmt.Errorf("%w: session TTL %q: %v", state.ErrInvalidSession, ttl, err)
	}
	minTTL := orDefault(s.cfg.SessionTTLMin, defaultSessionTTLMin)
	if d != 0 && (d < minTTL || d > sessionTTLMax) {
		return 0, fmt.Errorf("%w: session TTL %q must be between %v and %v", state.ErrInvalidSession, ttl, minTTL, sessionTTLMax)
	}
	return d, nil
}

// newSessionID returns a random UUID no session has.
func (s *Server) newSessionID() (string, error) {
	for range 10 {
		id := newUUID()
		_, sess, err := s.store.SessionGet(nil, id)
		if err != nil {
			return "", err
		}
		if sess == nil {
			return id, nil
		}
	}
	return "", fmt.Errorf("session: no free ID found")
}

// SessionDestroy destroys a session through Raft, releasing or deleting
// the keys it holds, and returns the index it was applied at. Destroying
// an unknown session changes nothing.
func (s *Server) SessionDestroy(ctx context.Context, id string) (uint64, error) {
	if r, done, err := forward[sessionIDReq, indexResp](s, ctx, "Session.Destroy", &sessionIDReq{id}); done {
		return r.index(), err
	}
	idx, err := s.apply(ctx, fsm.SessionRequestType,
		&state.SessionRequest{Op: state.SessionDestroyOp, Session: state.Session{ID: id}})
	if err != nil {
		return 0, err
	}
	s.timers.stop(id)
	return idx, nil
}

// SessionRenew restarts the TTL timer of a session on the leader and
// returns the session; nil, nil when it does not exist (any more). Renewal
// writes nothing to Raft. It fails with ErrNotLeader or ErrNoLeader on a
// follower.
func (s *Server) SessionRenew(ctx context.Context, id string) (*state.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r, done, err := forward[sessionIDReq, sessionResp](s, ctx, "Session.Renew", &sessionIDReq{id}); done {
		if r == nil {
			return nil, err
		}
		return r.Session, err
	}
	if !s.IsLeader() {
		return nil, s.notLeader(nil)
	}
	_, sess, err := s.store.SessionGet(nil, id)
	if err != nil || sess == nil {
		return nil, err
	}
	if err := s.resetSessionTimer(sess); err != nil {
		return nil, err
	}
	return sess, nil
}

// resetSessionTimer (re)starts the timer of a TTL session.
func (s *Server) resetSessionTimer(sess *state.Session) error {
	if sess.TTL == "" {
		return nil
	}
	ttl, err := time.ParseDuration(sess.TTL)
	if err != nil {
		return fmt.Errorf("session %q: stored TTL %q: %w", sess.ID, sess.TTL, err)
	}
	if ttl > 0 {
		s.timers.reset(sess.ID, sessionTTLMultiplier*ttl)
	}
	return nil
}

// initializeSessionTimers starts a timer for every TTL session in the
// store, on gaining leadership. Each gets its full grace period: the new
// leader does not know when the session was last renewed.
func (s *Server) initializeSessionTimers() {
	s.timers.activate()
	_, sessions, err := s.store.SessionList(nil)
	if err != nil {
		s.logger.Error("list sessions for TTL timers", "error", err)
		return
	}
	for _, sess := range sessions {
		if err := s.resetSessionTimer(sess); err != nil {
			s.logger.Warn("session TTL timer", "session", sess.ID, "error", err)
		}
	}
}

// expireSession destroys a TTL session whose timer ran out. When the
// destruction cannot be applied while this server still leads, the timer
// is set again to retry.
func (s *Server) expireSession(id string) {
	_, sess, err := s.store.SessionGet(nil, id)
	if err == nil && sess == nil {
		return // already gone: destroyed or invalidated
	}
	ctx, cancel := context.WithTimeout(context.Background(), raftTimeout)
	defer cancel()
	if _, err := s.apply(ctx, fsm.SessionRequestType,
		&state.SessionRequest{Op: state.SessionDestroyOp, Session: state.Session{ID: id}}); err != nil {
		s.logger.Warn("expire session", "session", id, "error", err)
		if s.IsLeader() {
			s.timers.reset(id, expiryRetry)
		}
		return
	}
	s.logger.Debug("session expired", "session", id)
}
