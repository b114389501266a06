package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/snapshot"
	"github.com/pylonmesh/pylon/server/state"
)

// SnapshotSave takes a Raft snapshot of the whole state and writes it to
// w as a snapshot archive (server/snapshot). It returns the Raft index the
// snapshot covers. Any server can take one; the caller decides whether a
// follower's possibly stale state will do. The context is checked
// between writes to w; taking the snapshot itself cannot be called back.
func (s *Server) SnapshotSave(ctx context.Context, w io.Writer) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	f := s.raft.Snapshot()
	if err := f.Error(); err != nil {
		return 0, fmt.Errorf("take snapshot: %w", s.raftError(err))
	}
	meta, rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("open snapshot: %w", err)
	}
	defer rc.Close()
	m := *meta // the in-memory store hands out its own copy
	if err := snapshot.Write(ctxWriter{ctx, w}, &m, rc); err != nil {
		return 0, err
	}
	return m.Index, nil
}

// SnapshotRestore replaces the whole state with the snapshot archive read
// from r, through Raft (raft.Restore), on the leader.
//
// Nothing unverified reaches Raft, which takes a snapshot it cannot
// restore as fatal: the archive is first read to its end into a temporary
// file and checked (snapshot.Read), then its state is restored into a
// throwaway store. A refused archive leaves the state as it was and gives
// an error wrapping snapshot.ErrInvalid (or snapshot.ErrTooLarge).
//
// After the restore, blocked readers wake (the store's abandon channel)
// and the leader re-arms the session TTL timers from the restored
// sessions.
func (s *Server) SnapshotRestore(ctx context.Context, r io.Reader) error {
	if !s.IsLeader() {
		return s.notLeader(nil)
	}
	spool, err := os.CreateTemp("", "pylon-restore-*.bin")
	if err != nil {
		return fmt.Errorf("snapshot restore: %w", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	meta, err := snapshot.Read(ctxReader{ctx, r}, spool, snapshot.DefaultMaxStateSize)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr // the caller gave up: not the archive's fault
		}
		return fmt.Errorf("snapshot restore: %w", err)
	}
	if err := checkRestorable(spool); err != nil {
		return fmt.Errorf("snapshot restore: %w", err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("snapshot restore: %w", err)
	}
	timeout := enqueueTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.raft.Restore(meta, spool, timeout); err != nil {
		return fmt.Errorf("snapshot restore: %w", s.raftError(err))
	}
	s.logger.Info("restored snapshot", "index", meta.Index, "id", meta.ID)
	s.rearmSessionTimers()
	s.ensureServerSecret() // a snapshot from before the secret, or from outside, has none
	return nil
}

// checkRestorable restores the state in f into a throwaway store, which
// is what the FSM will do with it.
func checkRestorable(f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	scratch, err := state.New()
	if err != nil {
		return err
	}
	if err := fsm.New(scratch, nil).Restore(io.NopCloser(f)); err != nil {
		return fmt.Errorf("%w: %s does not restore: %v", snapshot.ErrInvalid, snapshot.StateFile, err)
	}
	return nil
}

// rearmSessionTimers gives every TTL session of a just-restored state a
// full TTL timer. Timers of sessions the restore removed find no session
// when they fire and do nothing. Resets are ignored unless this server
// leads.
func (s *Server) rearmSessionTimers() {
	_, sessions, err := s.store.SessionList(nil)
	if err != nil {
		s.logger.Error("list sessions after restore", "error", err)
		return
	}
	for _, sess := range sessions {
		if err := s.resetSessionTimer(sess); err != nil {
			s.logger.Warn("session TTL timer", "session", sess.ID, "error", err)
		}
	}
}

// ctxWriter and ctxReader fail once their context is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
