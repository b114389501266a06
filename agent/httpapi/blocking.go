package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// readFunc runs one read against the store, adding what it looked at to
// ws, and returns the index of its result.
type readFunc func(ws memdb.WatchSet) (uint64, error)

// blockingRead runs read once, or, for a blocking query (?index=N), until
// the result's index passes N or the wait runs out. It sets the query-meta
// headers on w. A result index lower than N (the store was restored) is
// returned at once, so clients reset.
func (s *Server) blockingRead(c *call, q *queryOptions, read readFunc) error {
	if q.Consistent {
		if err := s.catalog.VerifyLeader(c.r.Context()); err != nil {
			return err
		}
	}
	ctx := c.r.Context()
	deadline := time.Now().Add(q.MaxWait)
	if ps := parkStateOf(c.r); ps != nil {
		deadline = ps.p.deadline // a resumed query keeps its first deadline
	}
	if q.MinIndex > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	store := s.catalog.Store()
	for {
		ws := memdb.NewWatchSet()
		ws.Add(store.AbandonCh())
		idx, err := read(ws)
		if err != nil {
			return err
		}
		// Clients see index 0 as 1 (setMeta), so an empty table must
		// block on ?index=1 rather than answer at once in a loop.
		idx = max(idx, 1)
		if q.MinIndex == 0 || idx != q.MinIndex || !time.Now().Before(deadline) {
			c.index = idx
			s.setMeta(c.w, q, idx)
			return nil
		}
		if err := s.tryPark(c, ws, deadline); err != nil {
			return err
		}
		werr := ws.WatchCtx(ctx)
		// The token may have been revoked or changed while the query
		// waited: what it answers is judged by the token as it is now.
		if err := c.resolve(s); err != nil {
			return err
		}
		if werr != nil {
			// Timed out (or the client went away): answer with what we have.
			c.index = idx
			s.setMeta(c.w, q, idx)
			return nil
		}
	}
}

// setMeta writes the headers every query response carries. The index is
// never 0: clients treat 0 as "no blocking".
func (s *Server) setMeta(w http.ResponseWriter, q *queryOptions, idx uint64) {
	if idx == 0 {
		idx = 1
	}
	h := w.Header()
	h.Set("X-Consul-Index", strconv.FormatUint(idx, 10))
	s.setLeaderMeta(w)
	mode := "leader"
	switch {
	case q.Stale:
		mode = "stale"
	case q.Consistent:
		mode = "consistent"
	}
	h.Set("X-Consul-Effective-Consistency", mode)
	h.Set("X-Consul-Default-ACL-Policy", *s.defaultPolicy.Load())
	if q.Cached {
		h.Set("X-Cache", "MISS")
		h.Set("Age", "0")
	}
}

// setLeaderMeta writes X-Consul-KnownLeader and X-Consul-LastContact.
func (s *Server) setLeaderMeta(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Consul-KnownLeader", strconv.FormatBool(s.catalog.Leader() != ""))
	h.Set("X-Consul-LastContact", strconv.FormatInt(int64(s.catalog.LastContact()/time.Millisecond), 10))
}
