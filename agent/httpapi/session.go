package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// Sessions: PUT /v1/session/create, destroy/:id, renew/:id; GET
// info/:id, node/:node, list.

// sessionCreateBody is the create request. LockDelay is raw because
// clients send "15s", "15000ms" or a bare number (seconds below 1000,
// nanoseconds otherwise, as Consul reads it).
type sessionCreateBody struct {
	Name          string
	Node          string
	LockDelay     json.RawMessage
	Checks        []string
	NodeChecks    []string
	ServiceChecks []api.ServiceCheck
	Behavior      string
	TTL           string
}

func (s *Server) sessionCreate(c *call) error {
	var in sessionCreateBody
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 { // python-consul sends no body for a bare session
		if err := json.Unmarshal(body, &in); err != nil {
			return badRequest("Request decode failed: %v", err)
		}
	}
	sess, err := fromSessionBody(&in, s.cfg.NodeName)
	if err != nil {
		return err
	}
	if !c.authz.SessionWrite(sess.Node) {
		return errPermissionDenied
	}
	if _, err := s.catalog.SessionCreate(c.r.Context(), sess); err != nil {
		return sessionError(err)
	}
	return s.writeJSON(c, map[string]string{"ID": sess.ID})
}

func fromSessionBody(in *sessionCreateBody, node string) (*state.Session, error) {
	sess := &state.Session{
		Name: in.Name, Node: in.Node, NodeChecks: in.NodeChecks,
		Behavior: state.SessionBehavior(in.Behavior), TTL: in.TTL, LockDelay: defaultLockDelay,
	}
	if sess.Node == "" {
		sess.Node = node
	}
	// Checks is the older name of NodeChecks.
	if sess.NodeChecks == nil && in.Checks != nil {
		sess.NodeChecks = in.Checks
	}
	for _, sc := range in.ServiceChecks {
		sess.ServiceChecks = append(sess.ServiceChecks, state.ServiceCheck{ID: sc.ID, Namespace: sc.Namespace})
	}
	if len(in.LockDelay) > 0 && string(in.LockDelay) != "null" {
		d, err := parseLockDelay(in.LockDelay)
		if err != nil {
			return nil, badRequest("Request decode failed: LockDelay: %v", err)
		}
		if d == 0 {
			d = -1 // the server reads 0 as "use the default"; the client asked for none
		}
		sess.LockDelay = d
	}
	return sess, nil
}

// defaultLockDelay applies when the body has no LockDelay; an explicit 0
// means none.
const defaultLockDelay = 15 * time.Second

// lockDelaySecondsBelow: a bare LockDelay under this is seconds.
const lockDelaySecondsBelow = 1000

func parseLockDelay(raw json.RawMessage) (time.Duration, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, err
	}
	switch v := v.(type) {
	case float64:
		if v < lockDelaySecondsBelow {
			return time.Duration(v * float64(time.Second)), nil
		}
		return time.Duration(v), nil
	case string:
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return parseLockDelay(json.RawMessage(strconv.FormatFloat(n, 'f', -1, 64)))
		}
		return time.ParseDuration(v)
	}
	return 0, fmt.Errorf("want a duration, got %s", raw)
}

// sessionError maps the server's session errors to Consul's answers.
func sessionError(err error) error {
	switch {
	case errors.Is(err, state.ErrInvalidSession):
		return badRequest("%v", err)
	case errors.Is(err, state.ErrSessionNotFound):
		return notFound("%v", err)
	}
	return err
}

func (s *Server) sessionDestroy(c *call) error {
	if c.arg == "" {
		return badRequest("Missing session")
	}
	if err := s.authorizeSession(c, c.arg, true); err != nil {
		return err
	}
	if _, err := s.catalog.SessionDestroy(c.r.Context(), c.arg); err != nil {
		return sessionError(err)
	}
	return s.writeJSON(c, true)
}

func (s *Server) sessionRenew(c *call) error {
	if c.arg == "" {
		return badRequest("Missing session")
	}
	if err := s.authorizeSession(c, c.arg, true); err != nil {
		return err
	}
	sess, err := s.catalog.SessionRenew(c.r.Context(), c.arg)
	if err != nil {
		return sessionError(err)
	}
	if sess == nil {
		return notFound("Session id '%s' not found", c.arg)
	}
	return s.writeJSON(c, []*api.SessionEntry{toAPISession(sess)})
}

// authorizeSession checks the token against the node of an existing
// session; an unknown session passes (the operation then finds nothing).
func (s *Server) authorizeSession(c *call, id string, write bool) error {
	_, sess, err := s.catalog.Store().SessionGet(nil, id)
	if err != nil || sess == nil {
		return err
	}
	ok := c.authz.SessionRead(sess.Node)
	if write {
		ok = c.authz.SessionWrite(sess.Node)
	}
	if !ok {
		return errPermissionDenied
	}
	return nil
}

func (s *Server) sessionInfo(c *call) error {
	if c.arg == "" {
		return badRequest("Missing session")
	}
	return s.writeSessions(c, func(ws memdb.WatchSet) (uint64, []*state.Session, error) {
		idx, sess, err := s.catalog.Store().SessionGet(ws, c.arg)
		if sess == nil {
			return idx, nil, err
		}
		return idx, []*state.Session{sess}, err
	})
}

func (s *Server) sessionNode(c *call) error {
	if c.arg == "" {
		return badRequest("Missing node name")
	}
	return s.writeSessions(c, func(ws memdb.WatchSet) (uint64, []*state.Session, error) {
		return s.catalog.Store().NodeSessions(ws, c.arg)
	})
}

func (s *Server) sessionList(c *call) error {
	return s.writeSessions(c, s.catalog.Store().SessionList)
}

// writeSessions runs a blocking session read and writes the sessions the
// token may read (always a list, [] when empty).
func (s *Server) writeSessions(c *call, read func(memdb.WatchSet) (uint64, []*state.Session, error)) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	var sessions []*state.Session
	err = s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := read(ws)
		sessions = got
		return idx, err
	})
	if err != nil {
		return err
	}
	return s.writeIndexed(c, func() (any, error) {
		out := make([]*api.SessionEntry, 0, len(sessions))
		for _, sess := range sessions {
			if c.visible(c.authz.SessionRead(sess.Node)) {
				out = append(out, toAPISession(sess))
			}
		}
		return applyFilter(q.Filter, out)
	})
}

func toAPISession(s *state.Session) *api.SessionEntry {
	out := &api.SessionEntry{
		ID: s.ID, Name: s.Name, Node: s.Node, LockDelay: s.LockDelay, Behavior: string(s.Behavior),
		TTL: s.TTL, NodeChecks: s.NodeChecks, CreateIndex: s.CreateIndex, ModifyIndex: s.ModifyIndex,
		Checks: s.NodeChecks,
	}
	for _, sc := range s.ServiceChecks {
		out.ServiceChecks = append(out.ServiceChecks, api.ServiceCheck{ID: sc.ID, Namespace: sc.Namespace})
		out.Checks = append(out.Checks, sc.ID)
	}
	return out
}
