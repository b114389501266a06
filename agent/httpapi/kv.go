package httpapi

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// KV store: /v1/kv/:key, GET (one key, ?recurse, ?keys, ?raw), PUT (a raw
// value; ?flags, ?cas, ?acquire, ?release) and DELETE (?recurse, ?cas).

// DefaultKVMaxValueSize is Consul's default limits.kv_max_value_size:
// 512 KiB.
const DefaultKVMaxValueSize = 512 << 10

var errMissingKey = badRequest("Missing key name")

func (s *Server) kv(c *call) error {
	switch c.r.Method {
	case http.MethodPut:
		return s.kvPut(c)
	case http.MethodDelete:
		return s.kvDelete(c)
	}
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	switch {
	case c.r.URL.Query().Has("keys"):
		return s.kvKeys(c, q)
	case boolParam(c.r, "recurse"):
		return s.kvList(c, q)
	case c.arg == "":
		return errMissingKey
	}
	return s.kvGet(c, q)
}

// kvGet answers one key: the entry as a one-element list, or its raw
// value, or 404 (still with X-Consul-Index, so clients can block on a key
// that does not exist yet).
func (s *Server) kvGet(c *call, q *queryOptions) error {
	if !c.authz.KeyRead(c.arg) {
		return errPermissionDenied
	}
	var e *state.KVEntry
	err := s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.Store().KVGet(ws, c.arg)
		e = got
		return idx, err
	})
	if err != nil {
		return err
	}
	if e == nil {
		return notFoundEmpty(c)
	}
	if boolParam(c.r, "raw") {
		return writeRaw(c, e.Value)
	}
	return s.writeIndexed(c, func() (any, error) { return []*api.KVPair{toAPIKV(e)}, nil })
}

// writeRaw writes a stored value as it is. The value is whatever a client
// stored, so browsers must neither guess its type nor run it (Consul's
// CVE-2020-25864 and CVE-2024-10086).
func writeRaw(c *call, value []byte) error {
	h := c.w.Header()
	h.Set("Content-Type", "text/plain")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	_, err := c.w.Write(value)
	return err
}

// notFoundEmpty answers 404 with an empty body, as Consul does for a
// missing key.
func notFoundEmpty(c *call) error {
	c.w.WriteHeader(http.StatusNotFound)
	return nil
}

func (s *Server) kvList(c *call, q *queryOptions) error {
	if !c.authz.KeyList(c.arg) {
		return errPermissionDenied
	}
	var entries []*state.KVEntry
	err := s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.Store().KVList(ws, c.arg)
		entries = got
		return idx, err
	})
	if err != nil {
		return err
	}
	out := make([]*api.KVPair, 0, len(entries))
	for _, e := range entries {
		if c.visible(c.authz.KeyRead(e.Key)) {
			out = append(out, toAPIKV(e))
		}
	}
	if len(out) == 0 {
		return notFoundEmpty(c)
	}
	return s.writeIndexed(c, func() (any, error) { return out, nil })
}

func (s *Server) kvKeys(c *call, q *queryOptions) error {
	if !c.authz.KeyList(c.arg) {
		return errPermissionDenied
	}
	sep := c.r.URL.Query().Get("separator")
	var keys []string
	err := s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.Store().KVKeys(ws, c.arg, sep)
		keys = got
		return idx, err
	})
	if err != nil {
		return err
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if c.visible(c.authz.KeyRead(k)) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return notFoundEmpty(c)
	}
	return s.writeJSON(c, out)
}

// kvPut stores a value, or takes or releases a lock on the key, and
// answers true or false.
func (s *Server) kvPut(c *call) error {
	if c.arg == "" {
		return errMissingKey
	}
	if !c.authz.KeyWrite(c.arg) {
		return errPermissionDenied
	}
	req, err := kvPutRequest(c)
	if err != nil {
		return err
	}
	limit := s.kvMaxValueSize()
	if c.r.ContentLength > limit {
		return valueTooLarge(c.r.ContentLength, limit)
	}
	value, err := io.ReadAll(io.LimitReader(c.r.Body, limit+1))
	if err != nil {
		return badRequest("Failed to read body: %v", err)
	}
	if int64(len(value)) > limit {
		return valueTooLarge(int64(len(value)), limit)
	}
	req.Entry.Value = value
	return s.kvApply(c, req)
}

// kvPutRequest reads ?flags, ?cas, ?acquire and ?release; at most one of
// the last three may be given.
func kvPutRequest(c *call) (*state.KVRequest, error) {
	v := c.r.URL.Query()
	req := &state.KVRequest{Op: state.KVSet, Entry: state.KVEntry{Key: c.arg}}
	if f := v.Get("flags"); f != "" {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, badRequest("Invalid flags: %v", err)
		}
		req.Entry.Flags = n
	}
	modes := 0
	if v.Has("cas") {
		n, err := strconv.ParseUint(v.Get("cas"), 10, 64)
		if err != nil {
			return nil, badRequest("Invalid cas index: %v", err)
		}
		req.Op, req.Entry.ModifyIndex = state.KVCAS, n
		modes++
	}
	if v.Has("acquire") {
		req.Op, req.Entry.Session = state.KVLock, v.Get("acquire")
		modes++
	}
	if v.Has("release") {
		req.Op, req.Entry.Session = state.KVUnlock, v.Get("release")
		modes++
	}
	if modes > 1 {
		return nil, badRequest("Conflicting flags: only one of cas, acquire and release may be given")
	}
	return req, nil
}

func valueTooLarge(n, limit int64) error {
	return &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf(
		"Request body(%d bytes) too large, max size: %d bytes. See limits.kv_max_value_size.",
		n, limit)}
}

// kvMaxValueSize is limits.kv_max_value_size.
func (s *Server) kvMaxValueSize() int64 {
	return int64(cmp.Or(s.cfg.KVMaxValueSize, DefaultKVMaxValueSize))
}

func (s *Server) kvDelete(c *call) error {
	recurse := boolParam(c.r, "recurse")
	req := &state.KVRequest{Op: state.KVDelete, Entry: state.KVEntry{Key: c.arg}}
	switch {
	case recurse:
		if !c.authz.KeyWritePrefix(c.arg) {
			return errPermissionDenied
		}
		req.Op = state.KVDeleteTree
	case c.arg == "":
		return errMissingKey
	case !c.authz.KeyWrite(c.arg):
		return errPermissionDenied
	}
	if v := c.r.URL.Query(); v.Has("cas") && !recurse {
		n, err := strconv.ParseUint(v.Get("cas"), 10, 64)
		if err != nil {
			return badRequest("Invalid cas index: %v", err)
		}
		req.Op, req.Entry.ModifyIndex = state.KVDeleteCAS, n
	}
	return s.kvApply(c, req)
}

// kvApply writes through Raft and answers the outcome as JSON true/false.
func (s *Server) kvApply(c *call, req *state.KVRequest) error {
	ok, _, err := s.catalog.KVApply(c.r.Context(), req)
	switch {
	case errors.Is(err, state.ErrInvalidKey):
		return badRequest("%v", err)
	case errors.Is(err, state.ErrSessionNotFound):
		return &httpError{http.StatusInternalServerError, "invalid session \"" + req.Entry.Session + "\""}
	case err != nil:
		return err
	}
	return s.writeJSON(c, ok)
}

func toAPIKV(e *state.KVEntry) *api.KVPair {
	return &api.KVPair{
		Key:         e.Key,
		CreateIndex: e.CreateIndex,
		ModifyIndex: e.ModifyIndex,
		LockIndex:   e.LockIndex,
		Flags:       e.Flags,
		Value:       e.Value,
		Session:     e.Session,
	}
}
