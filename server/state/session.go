package state

import (
	"fmt"
	"slices"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// SessionBehavior says what happens to the keys a session holds when the
// session ends.
type SessionBehavior string

// Session behaviors.
const (
	SessionRelease SessionBehavior = "release" // the locks are released, the keys stay
	SessionDelete  SessionBehavior = "delete"  // the keys are deleted
)

// ServiceCheck names a service check a session is bound to.
type ServiceCheck struct {
	ID        string
	Namespace string // Enterprise only; kept as given
}

// Session is a lease on a node that KV locks are held under. It ends when
// it is destroyed, when its TTL runs out (on the leader), when one of the
// checks it is bound to goes critical or is removed, or when its node is
// deregistered; the keys it holds are then released or deleted
// (Behavior), and each gets a lock delay of LockDelay.
type Session struct {
	ID            string // a UUID chosen by the server
	Name          string
	Node          string
	NodeChecks    []string // check IDs of the node's own checks
	ServiceChecks []ServiceCheck
	LockDelay     time.Duration
	Behavior      SessionBehavior // "" is read as release
	TTL           string          // a Go duration, or "" for none
	CreateIndex   uint64
	ModifyIndex   uint64
}

// SessionOp is the operation of a session log entry.
type SessionOp string

// Session operations.
const (
	SessionCreateOp  SessionOp = "create"
	SessionDestroyOp SessionOp = "destroy" // uses Session.ID only
)

// SessionRequest creates or destroys a session, the body of a session log
// entry.
type SessionRequest struct {
	Op      SessionOp
	Session Session
}

// SessionApply creates or destroys a session at Raft index idx. Creating
// fails with ErrInvalidSession, writing nothing, when the ID is empty or
// taken, the behavior unknown, the node not registered, or a bound check
// missing or critical. Destroying an unknown session changes nothing.
func (s *Store) SessionApply(idx uint64, req *SessionRequest) error {
	return s.write(idx, func(tx *writeTxn) error { return sessionApplyTxn(tx, req) })
}

func sessionApplyTxn(tx *writeTxn, req *SessionRequest) error {
	switch req.Op {
	case SessionCreateOp:
		return sessionCreateTxn(tx, &req.Session)
	case SessionDestroyOp:
		return sessionDestroyTxn(tx, req.Session.ID)
	}
	return fmt.Errorf("%w: unknown session operation %q", ErrInvalidSession, req.Op)
}

// CheckSession runs the checks of a session creation against the current
// state without writing, so a server can refuse a bad session before it
// reaches the Raft log. SessionApply checks again when it applies.
func (s *Store) CheckSession(sess *Session) error {
	return validateSessionTxn(s.readTxn(nil), sess)
}

// validateSessionTxn checks a new session against the state.
func validateSessionTxn(tx *memdb.Txn, sess *Session) error {
	if sess.ID == "" || validName(sess.ID) != nil {
		return fmt.Errorf("%w: bad session ID %q", ErrInvalidSession, sess.ID)
	}
	switch sess.Behavior {
	case "", SessionRelease, SessionDelete:
	default:
		return fmt.Errorf("%w: unknown behavior %q", ErrInvalidSession, sess.Behavior)
	}
	if sess.LockDelay < 0 {
		return fmt.Errorf("%w: negative lock delay %v", ErrInvalidSession, sess.LockDelay)
	}
	if sess.Node == "" {
		return fmt.Errorf("%w: %w", ErrInvalidSession, ErrMissingNode)
	}
	if existing, err := getSessionTxn(tx, sess.ID); err != nil {
		return err
	} else if existing != nil {
		return fmt.Errorf("%w: session ID %q already exists", ErrInvalidSession, sess.ID)
	}
	if n, err := getNodeTxn(tx, sess.Node); err != nil {
		return err
	} else if n == nil {
		return fmt.Errorf("%w: missing node registration %q", ErrInvalidSession, sess.Node)
	}
	for _, id := range sessionCheckIDs(sess) {
		hc, err := getCheckTxn(tx, sess.Node, id)
		if err != nil {
			return err
		}
		if hc == nil {
			return fmt.Errorf("%w: missing check %q registration", ErrInvalidSession, id)
		}
		if hc.Status == HealthCritical {
			return fmt.Errorf("%w: check %q is in critical state", ErrInvalidSession, id)
		}
	}
	return nil
}

// sessionCheckIDs lists the IDs of every check a session is bound to.
func sessionCheckIDs(sess *Session) []string {
	ids := slices.Clone(sess.NodeChecks)
	for _, sc := range sess.ServiceChecks {
		ids = append(ids, sc.ID)
	}
	return ids
}

func sessionCreateTxn(tx *writeTxn, in *Session) error {
	if err := validateSessionTxn(tx.Txn, in); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	node, err := getNodeTxn(tx.Txn, in.Node)
	if err != nil {
		return err
	}
	sess := *in
	sess.Node = node.Node
	sess.NodeChecks, sess.ServiceChecks = slices.Clone(in.NodeChecks), slices.Clone(in.ServiceChecks)
	if sess.Behavior == "" {
		sess.Behavior = SessionRelease
	}
	sess.CreateIndex, sess.ModifyIndex = tx.idx, tx.idx
	tx.mark(changedSessions) // before the writes: a failure half-way must count as a write
	if err := insertSessionTxn(tx.Txn, &sess); err != nil {
		return fmt.Errorf("create session %q: %w", sess.ID, err)
	}
	return nil
}

// insertSessionTxn stores a session with its check bindings.
func insertSessionTxn(tx *memdb.Txn, sess *Session) error {
	if err := tx.Insert(tableSessions, sess); err != nil {
		return err
	}
	for _, id := range sessionCheckIDs(sess) {
		if err := tx.Insert(tableSessionChecks, &sessionCheck{Node: sess.Node, CheckID: id, Session: sess.ID}); err != nil {
			return err
		}
	}
	return nil
}

// sessionDestroyTxn ends a session: its check bindings go, and the keys it
// holds are released or deleted, each with a lock delay recorded for when
// the transaction commits. An unknown session is a no-op.
func sessionDestroyTxn(tx *writeTxn, id string) error {
	sess, err := getSessionTxn(tx.Txn, id)
	if err != nil || sess == nil {
		return err
	}
	tx.mark(changedSessions) // before the writes: a failure half-way must count as a write
	if _, err := tx.DeleteAll(tableSessionChecks, indexSession, sess.ID); err != nil {
		return fmt.Errorf("destroy session %q: checks: %w", id, err)
	}
	if err := tx.Delete(tableSessions, sess); err != nil {
		return fmt.Errorf("destroy session %q: %w", id, err)
	}
	it, err := tx.Get(tableKVs, indexSession, sess.ID)
	if err != nil {
		return err
	}
	var held []*KVEntry
	for raw := it.Next(); raw != nil; raw = it.Next() {
		held = append(held, raw.(*KVEntry))
	}
	for _, e := range held {
		if sess.LockDelay > 0 {
			tx.delays = append(tx.delays, keyDelay{key: e.Key, delay: sess.LockDelay})
		}
		if sess.Behavior == SessionDelete {
			if err := kvDeleteTxn(tx, e); err != nil {
				return err
			}
			continue
		}
		released := *e
		released.Session, released.ModifyIndex = "", tx.idx
		if err := tx.Insert(tableKVs, &released); err != nil {
			return fmt.Errorf("destroy session %q: release %q: %w", id, e.Key, err)
		}
		tx.mark(changedKVs)
	}
	return nil
}

// invalidateCheckSessionsTxn destroys the sessions bound to one check, for
// a check that went critical or away.
func invalidateCheckSessionsTxn(tx *writeTxn, node, checkID string) error {
	it, err := tx.Get(tableSessionChecks, indexNodeCheck, node, checkID)
	if err != nil {
		return err
	}
	return destroySessionsTxn(tx, it, func(raw any) string { return raw.(*sessionCheck).Session })
}

// invalidateNodeSessionsTxn destroys every session of a node that goes.
func invalidateNodeSessionsTxn(tx *writeTxn, node string) error {
	it, err := tx.Get(tableSessions, indexNode, node)
	if err != nil {
		return err
	}
	return destroySessionsTxn(tx, it, func(raw any) string { return raw.(*Session).ID })
}

// destroySessionsTxn destroys the sessions an iterator names; the IDs are
// read first, as destroying changes the tables being iterated.
func destroySessionsTxn(tx *writeTxn, it memdb.ResultIterator, id func(any) string) error {
	var ids []string
	for raw := it.Next(); raw != nil; raw = it.Next() {
		ids = append(ids, id(raw))
	}
	for _, sid := range ids {
		if err := sessionDestroyTxn(tx, sid); err != nil {
			return err
		}
	}
	return nil
}

func getSessionTxn(tx *memdb.Txn, id string) (*Session, error) {
	raw, err := tx.First(tableSessions, indexID, id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*Session), nil
}

// SessionGet returns the session with ID id (nil if unknown) and the
// sessions table index; ws wakes when this session changes.
func (s *Store) SessionGet(ws memdb.WatchSet, id string) (uint64, *Session, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, nil, tableSessions)
	ch, raw, err := tx.FirstWatch(tableSessions, indexID, id)
	if err != nil {
		return 0, nil, err
	}
	ws.Add(ch)
	if raw == nil {
		return idx, nil, nil
	}
	return idx, raw.(*Session), nil
}

// SessionList returns every session, ordered by ID, and the sessions
// table index.
func (s *Store) SessionList(ws memdb.WatchSet) (uint64, []*Session, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableSessions)
	it, err := tx.Get(tableSessions, indexID)
	if err != nil {
		return 0, nil, err
	}
	return idx, collectSessions(it), nil
}

// NodeSessions returns the sessions of one node, ordered by ID, and the
// sessions table index.
func (s *Store) NodeSessions(ws memdb.WatchSet, node string) (uint64, []*Session, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableSessions)
	it, err := tx.Get(tableSessions, indexNode, node)
	if err != nil {
		return 0, nil, err
	}
	return idx, collectSessions(it), nil
}

func collectSessions(it memdb.ResultIterator) []*Session {
	var out []*Session
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*Session))
	}
	return out
}
