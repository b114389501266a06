package fsm

import "errors"

// Errors returned as log entry responses or by Restore.
var (
	// ErrEmptyEntry means a log entry had no message type byte.
	ErrEmptyEntry = errors.New("fsm: empty log entry")
	// ErrUnknownMessageType means a log entry's type has no apply function
	// and was not marked IgnoreUnknownTypeFlag.
	ErrUnknownMessageType = errors.New("fsm: unknown message type")
	// ErrUnknownQueryOp means a prepared query entry had an operation other
	// than create, update or delete.
	ErrUnknownQueryOp = errors.New("fsm: unknown prepared query operation")
	// ErrBadSnapshot means a snapshot's header is missing, malformed or of
	// an unsupported version.
	ErrBadSnapshot = errors.New("fsm: bad snapshot header")
)
