package state

import memdb "github.com/hashicorp/go-memdb"

// Table and index names of sessions.
const (
	tableSessions      = "sessions"
	tableSessionChecks = "session_checks"

	indexNode      = "node"       // sessions: owning node
	indexNodeCheck = "node_check" // session_checks: node + check ID
)

// sessionCheck binds a session to one check of its node (a node check or
// a service check): the session is invalidated when the check goes
// critical or away. The rows are derived from the sessions and rebuilt on
// restore.
type sessionCheck struct {
	Node    string
	CheckID string
	Session string
}

func sessionsTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableSessions, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: fieldIndex[*Session]{
			key: func(s *Session) (string, bool) { return s.ID, true }}},
		indexNode: {Name: indexNode, Indexer: fieldIndex[*Session]{
			key: func(s *Session) (string, bool) { return s.Node, true }}},
	}}
}

func sessionChecksTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableSessionChecks, Indexes: map[string]*memdb.IndexSchema{
		// The check ID and the session together are the second component;
		// neither holds a NUL byte (check IDs are validated, session IDs
		// are UUIDs), so the key is unambiguous.
		indexID: {Name: indexID, Unique: true, Indexer: pairIndex[*sessionCheck]{
			key: func(c *sessionCheck) (string, string) { return c.Node, c.CheckID + "\x00" + c.Session }}},
		indexNodeCheck: {Name: indexNodeCheck, Indexer: pairIndex[*sessionCheck]{
			key: func(c *sessionCheck) (string, string) { return c.Node, c.CheckID }}},
		indexSession: {Name: indexSession, Indexer: fieldIndex[*sessionCheck]{
			key: func(c *sessionCheck) (string, bool) { return c.Session, true }}},
	}}
}
