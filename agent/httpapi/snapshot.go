package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/pylonmesh/pylon/server/snapshot"
)

// Snapshotter saves and restores the servers' whole state as a snapshot
// archive (server/snapshot).
type Snapshotter interface {
	// SnapshotSave writes an archive to w and returns its Raft index.
	SnapshotSave(ctx context.Context, w io.Writer) (uint64, error)
	// SnapshotRestore replaces the state with the archive read from r. A
	// refused archive gives an error wrapping snapshot.ErrInvalid or
	// snapshot.ErrTooLarge, and changes nothing.
	SnapshotRestore(ctx context.Context, r io.Reader) error
}

// snapshot serves GET /v1/snapshot (save) and PUT /v1/snapshot (restore).
// Both need a management token: ACLWrite is that question.
func (s *Server) snapshot(c *call) error {
	if !c.authz.ACLWrite() {
		return errPermissionDenied
	}
	if c.r.Method == http.MethodPut {
		return s.snapshotRestore(c)
	}
	return s.snapshotSave(c)
}

// snapshotSave answers the archive with X-Consul-Index set to its Raft
// index and Content-Type application/x-gzip, as Consul. The archive is
// spooled to a temporary file first, so the index header can precede it
// and a failure mid-way is an error status, not a truncated body.
func (s *Server) snapshotSave(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	if !q.Stale && !s.catalog.IsLeader() {
		// TODO(cluster issue): forward to the leader, as Consul does.
		if s.catalog.Leader() == "" {
			return &httpError{http.StatusInternalServerError, "No cluster leader"}
		}
		return &httpError{http.StatusInternalServerError, "Not the leader: use ?stale to take the snapshot on this server"}
	}
	if q.Consistent {
		if err := s.catalog.VerifyLeader(c.r.Context()); err != nil {
			return err
		}
	}
	spool, err := os.CreateTemp("", "pylon-snapshot-*.tgz")
	if err != nil {
		return err
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	idx, err := s.catalog.SnapshotSave(c.r.Context(), spool)
	if err != nil {
		return err
	}
	size, err := spool.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	s.setMeta(c.w, q, idx)
	h := c.w.Header()
	h.Set("Content-Type", "application/x-gzip")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	c.w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(c.w, spool); err != nil {
		s.logger.Warn("send snapshot", "error", err) // the status is out: nothing else to tell the client
	}
	return nil
}

// snapshotRestore restores the archive in the body. A refused archive is
// a 400 with the reason (Consul answers 500 for those; a broken upload is
// the client's fault), one over the size limit a 413.
func (s *Server) snapshotRestore(c *call) error {
	if dc := RequestDatacenter(c.r); dc != "" && dc != s.cfg.Datacenter {
		return &httpError{http.StatusInternalServerError, "No path to datacenter"}
	}
	err := s.catalog.SnapshotRestore(c.r.Context(), c.r.Body)
	switch {
	case errors.Is(err, snapshot.ErrTooLarge):
		return &httpError{http.StatusRequestEntityTooLarge, err.Error()}
	case errors.Is(err, snapshot.ErrInvalid):
		return badRequest("%v", err)
	case err != nil:
		return err
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}
