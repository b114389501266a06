package api

// KVPair is one entry of the key/value store, as GET /v1/kv/:key returns
// it. Value travels base64-encoded in JSON (null when the entry has no
// value).
type KVPair struct {
	// Key is the entry's full name; it is also the URL path after /v1/kv/.
	Key string

	// CreateIndex is the Raft index that created the entry (read-only).
	CreateIndex uint64

	// ModifyIndex is the Raft index of the last write: the index for a
	// check-and-set, and a WaitIndex for a blocking read of the key.
	ModifyIndex uint64

	// LockIndex counts the acquisitions of the key by a session (read-only).
	LockIndex uint64

	// Flags is an opaque number for the application; Pylon stores it as
	// given. Locks and semaphores mark their keys with LockFlagValue and
	// SemaphoreFlagValue.
	Flags uint64

	// Value is the entry's data.
	Value []byte

	// Session is the ID of the session holding the key, "" when unlocked.
	Session string

	Namespace string `json:",omitempty"` // Enterprise only
	Partition string `json:",omitempty"` // Enterprise only
}

// KVPairs is a list of entries.
type KVPairs []*KVPair

// KVOp is the verb of a KV operation inside a transaction.
type KVOp string

// KV transaction verbs.
const (
	KVSet            KVOp = "set"              // write Value and Flags
	KVDelete         KVOp = "delete"           // delete Key
	KVDeleteCAS      KVOp = "delete-cas"       // delete Key if its ModifyIndex is Index
	KVDeleteTree     KVOp = "delete-tree"      // delete every key under the prefix Key
	KVCAS            KVOp = "cas"              // write if the ModifyIndex is Index (0: only if absent)
	KVLock           KVOp = "lock"             // acquire Key with Session and write
	KVUnlock         KVOp = "unlock"           // release Key held by Session and write
	KVGet            KVOp = "get"              // read Key; fails if absent
	KVGetOrEmpty     KVOp = "get-or-empty"     // read Key; no result if absent
	KVGetTree        KVOp = "get-tree"         // read every key under the prefix Key
	KVCheckSession   KVOp = "check-session"    // fail unless Session holds Key
	KVCheckIndex     KVOp = "check-index"      // fail unless Key's ModifyIndex is Index
	KVCheckNotExists KVOp = "check-not-exists" // fail if Key exists
)

// KVTxnOp is one KV operation of a transaction. Index is the ModifyIndex
// the cas, delete-cas and check-index verbs compare with.
type KVTxnOp struct {
	Verb      KVOp
	Key       string
	Value     []byte
	Flags     uint64
	Index     uint64
	Session   string
	Namespace string `json:",omitempty"` // Enterprise only
	Partition string `json:",omitempty"` // Enterprise only
}

// KVTxnOps is a list of KV operations, for the KV.Txn shorthand.
type KVTxnOps []*KVTxnOp

// KVTxnResponse is the outcome of KV.Txn: the entries the operations
// returned, or the errors that rolled the transaction back.
type KVTxnResponse struct {
	Results []*KVPair
	Errors  TxnErrors
}
