package state

import "errors"

// Errors of the KV store, sessions and transactions. Callers test them with
// errors.Is. A failed check-and-set or a lock held by another session is
// not an error: the write reports false.
var (
	// ErrInvalidKey means a KV write or read named no key (only
	// delete-tree and get-tree take an empty key, meaning every key).
	ErrInvalidKey = errors.New("missing key name")
	// ErrSessionNotFound means a lock, unlock or check named a session that
	// does not exist (or no session at all).
	ErrSessionNotFound = errors.New("invalid session")
	// ErrInvalidSession means a session was refused at creation; the error
	// that wraps it says why.
	ErrInvalidSession = errors.New("invalid session definition")
	// ErrUnknownKVOp means a KV request or transaction op had a verb the
	// store does not know, or a read verb outside a transaction.
	ErrUnknownKVOp = errors.New("unknown KV operation")
	// ErrInvalidTxnOp means a transaction op was malformed: not exactly one
	// of KV, Node, Service, Check or Session, or an unknown verb.
	ErrInvalidTxnOp = errors.New("invalid transaction operation")
)
