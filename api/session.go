package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrSessionExpired is returned by RenewPeriodic when the server no longer
// knows the session (it expired or was destroyed).
var ErrSessionExpired = errors.New("session expired")

// Session reaches the /v1/session endpoints. Sessions hold KV locks: keys
// acquired by a session are released (or deleted) when it is invalidated.
type Session struct {
	c *Client
}

// Session returns a handle for the session endpoints.
func (c *Client) Session() *Session { return &Session{c: c} }

// Create makes a session and returns its ID. A nil se takes the server's
// defaults (the agent's node, its serfHealth check, lock delay 15s,
// behavior release, no TTL).
func (s *Session) Create(se *SessionEntry, q *WriteOptions) (string, *WriteMeta, error) {
	var body map[string]any
	if se != nil {
		body = sessionBody(se)
		if len(se.Checks) > 0 {
			body["Checks"] = se.Checks
		}
		if len(se.NodeChecks) > 0 {
			body["NodeChecks"] = se.NodeChecks
		}
		if len(se.ServiceChecks) > 0 {
			body["ServiceChecks"] = se.ServiceChecks
		}
	}
	return s.create(body, q)
}

// CreateNoChecks is Create for a session bound to no health check at all
// (not even the node's serfHealth): only its TTL, if any, ends it.
func (s *Session) CreateNoChecks(se *SessionEntry, q *WriteOptions) (string, *WriteMeta, error) {
	body := map[string]any{}
	if se != nil {
		body = sessionBody(se)
	}
	body["NodeChecks"] = []string{}
	return s.create(body, q)
}

// sessionBody holds the non-empty scalar fields of se, the way Consul's
// client sends them (LockDelay as a millisecond duration string).
func sessionBody(se *SessionEntry) map[string]any {
	body := map[string]any{}
	for k, v := range map[string]string{"Name": se.Name, "Node": se.Node, "Behavior": se.Behavior, "TTL": se.TTL} {
		if v != "" {
			body[k] = v
		}
	}
	if se.LockDelay != 0 {
		body["LockDelay"] = durToMsec(se.LockDelay)
	}
	return body
}

func (s *Session) create(body map[string]any, q *WriteOptions) (string, *WriteMeta, error) {
	r := s.c.newRequest(http.MethodPut, "/v1/session/create")
	r.setWriteOptions(q)
	if body != nil {
		r.body = body
	}
	var out struct{ ID string }
	wm, err := s.c.exec(r, &out)
	if err != nil {
		return "", nil, err
	}
	return out.ID, wm, nil
}

// Destroy invalidates a session, releasing or deleting its keys.
func (s *Session) Destroy(id string, q *WriteOptions) (*WriteMeta, error) {
	r := s.c.newRequest(http.MethodPut, "/v1/session/destroy/"+id)
	r.setWriteOptions(q)
	return s.c.exec(r, nil)
}

// Renew restarts a session's TTL. The entry is nil when the session is
// unknown (expired or destroyed).
func (s *Session) Renew(id string, q *WriteOptions) (*SessionEntry, *WriteMeta, error) {
	r := s.c.newRequest(http.MethodPut, "/v1/session/renew/"+id)
	r.setWriteOptions(q)
	r.accept = []int{http.StatusNotFound}
	resp, rtt, err := s.c.send(r)
	if err != nil {
		return nil, nil, err
	}
	defer closeBody(resp)
	wm := &WriteMeta{RequestTime: rtt}
	if resp.StatusCode == http.StatusNotFound {
		return nil, wm, nil
	}
	var out []*SessionEntry
	if err := decodeJSON(resp, r.path, &out); err != nil {
		return nil, nil, err
	}
	if len(out) == 0 {
		return nil, wm, nil
	}
	return out[0], wm, nil
}

// RenewPeriodic renews a session every half TTL until doneCh is closed,
// then destroys it (best effort) and returns nil. It returns ErrSessionExpired when the
// server no longer knows the session, and the last error when renewals
// kept failing for a whole TTL. A failed renewal is retried after a
// second. initialTTL is the session's TTL as a duration string; the TTL
// the server reports on each renewal replaces it. The context of q, when
// it ends, stops the loop without destroying the session.
func (s *Session) RenewPeriodic(initialTTL string, id string, q *WriteOptions, doneCh <-chan struct{}) error {
	ttl, err := time.ParseDuration(initialTTL)
	if err != nil {
		return fmt.Errorf("parse session TTL %q: %w", initialTTL, err)
	}
	ctx := q.Context()
	wait := ttl / 2
	lastRenew := time.Now()
	var lastErr error
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		if lastErr != nil && time.Since(lastRenew) > ttl {
			return lastErr
		}
		select {
		case <-timer.C:
		case <-doneCh:
			_, _ = s.Destroy(id, q) // best effort, as Consul's client
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
		entry, _, err := s.Renew(id, q)
		switch {
		case err != nil:
			lastErr, wait = err, time.Second
		case entry == nil:
			return ErrSessionExpired
		default:
			lastErr, lastRenew = nil, time.Now()
			if d, err := time.ParseDuration(entry.TTL); err == nil && d > 0 {
				ttl = d
			}
			wait = ttl / 2
		}
		timer.Reset(wait)
	}
}

// Info reads one session; nil when it does not exist.
func (s *Session) Info(id string, q *QueryOptions) (*SessionEntry, *QueryMeta, error) {
	var out []*SessionEntry
	qm, err := getWith(s.c, "/v1/session/info/"+id, q, nil, &out)
	if err != nil || len(out) == 0 {
		return nil, qm, err
	}
	return out[0], qm, nil
}

// Node lists the sessions of a node.
func (s *Session) Node(node string, q *QueryOptions) ([]*SessionEntry, *QueryMeta, error) {
	var out []*SessionEntry
	qm, err := getWith(s.c, "/v1/session/node/"+node, q, nil, &out)
	return out, qm, err
}

// List lists every session of the datacenter.
func (s *Session) List(q *QueryOptions) ([]*SessionEntry, *QueryMeta, error) {
	var out []*SessionEntry
	qm, err := getWith(s.c, "/v1/session/list", q, nil, &out)
	return out, qm, err
}
