package fsm

import (
	"fmt"

	"github.com/pylonmesh/pylon/server/state"
)

// MessageType is the first byte of every log entry. Values are part of the
// on-disk format: never renumber them.
type MessageType uint8

// Message types.
const (
	RegisterRequestType      MessageType = 0  // body: state.Registration
	DeregisterRequestType    MessageType = 1  // body: state.Deregistration
	PreparedQueryRequestType MessageType = 2  // body: state.PreparedQueryRequest
	KVRequestType            MessageType = 3  // body: state.KVRequest; response: bool
	SessionRequestType       MessageType = 4  // body: state.SessionRequest
	TxnRequestType           MessageType = 5  // body: TxnRequest; response: TxnResponse
	TombstoneReapRequestType MessageType = 6  // body: TombstoneReapRequest
	ACLPolicyRequestType     MessageType = 7  // body: state.ACLPolicyRequest
	ACLRoleRequestType       MessageType = 8  // body: state.ACLRoleRequest
	ACLTokenRequestType      MessageType = 9  // body: state.ACLTokenRequest
	ACLBootstrapRequestType  MessageType = 10 // body: state.ACLBootstrapRequest
	ACLInitRequestType       MessageType = 11 // body: state.ACLInitRequest
	AutopilotRequestType     MessageType = 12 // body: state.AutopilotRequest; response: bool (autopilot.go)
	CoordinateBatchType      MessageType = 13 // body: CoordinateBatchRequest (coordinate.go)
	// body: state.ServerSecretRequest; servers that predate it skip it.
	ServerSecretRequestType = IgnoreUnknownTypeFlag | 14

	// IgnoreUnknownTypeFlag, set on a type, lets servers that do not know
	// the type skip the entry instead of failing it. New types that older
	// servers may safely ignore carry it.
	IgnoreUnknownTypeFlag MessageType = 128
)

func (t MessageType) String() string {
	switch t {
	case RegisterRequestType:
		return "register"
	case DeregisterRequestType:
		return "deregister"
	case PreparedQueryRequestType:
		return "prepared-query"
	case KVRequestType:
		return "kv"
	case SessionRequestType:
		return "session"
	case TxnRequestType:
		return "txn"
	case TombstoneReapRequestType:
		return "tombstone-reap"
	case AutopilotRequestType:
		return "autopilot"
	case CoordinateBatchType:
		return "coordinate-batch-update"
	case ServerSecretRequestType:
		return "server-secret"
	case ACLPolicyRequestType, ACLRoleRequestType, ACLTokenRequestType, ACLBootstrapRequestType, ACLInitRequestType:
		return aclTypeName(t)
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// TxnRequest is the body of a transaction entry.
type TxnRequest struct {
	Ops []state.TxnOp
}

// TxnResponse is the response of a transaction entry: the results when it
// applied, or the errors of the operations that failed when it rolled back.
type TxnResponse struct {
	Results []state.TxnResult
	Errors  []state.TxnError
}

// TombstoneReapRequest is the body of a tombstone reap entry: reap the
// tombstones of deletions at or before index UpTo.
type TombstoneReapRequest struct {
	UpTo uint64
}

// applyFunc decodes one request body and makes one store call at index
// idx. The value is the entry's response when there is no error (nil for
// most types).
type applyFunc func(w state.Writer, idx uint64, body []byte) (any, error)

// commands is the dispatch table.
var commands = [256]applyFunc{
	RegisterRequestType:      noValue(applyRegister),
	DeregisterRequestType:    noValue(applyDeregister),
	PreparedQueryRequestType: noValue(applyPreparedQuery),
	KVRequestType:            applyKV,
	SessionRequestType:       noValue(applySession),
	TxnRequestType:           applyTxn,
	TombstoneReapRequestType: noValue(applyTombstoneReap),
	ACLPolicyRequestType:     noValue(applyACLPolicy), // acl.go
	ACLRoleRequestType:       noValue(applyACLRole),
	ACLTokenRequestType:      noValue(applyACLToken),
	ACLBootstrapRequestType:  noValue(applyACLBootstrap),
	ACLInitRequestType:       noValue(applyACLInit),
	AutopilotRequestType:     applyAutopilot,                // autopilot.go
	CoordinateBatchType:      noValue(applyCoordinateBatch), // coordinate.go
	ServerSecretRequestType:  noValue(applyServerSecret),
}

// noValue adapts an apply function whose only result is an error.
func noValue(fn func(w state.Writer, idx uint64, body []byte) error) applyFunc {
	return func(w state.Writer, idx uint64, body []byte) (any, error) { return nil, fn(w, idx, body) }
}

func applyServerSecret(w state.Writer, idx uint64, body []byte) error {
	var req state.ServerSecretRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode server secret request: %w", err)
	}
	return w.SetServerSecret(idx, &req)
}

func applyRegister(w state.Writer, idx uint64, body []byte) error {
	var req state.Registration
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode register request: %w", err)
	}
	return w.EnsureRegistration(idx, &req)
}

func applyDeregister(w state.Writer, idx uint64, body []byte) error {
	var req state.Deregistration
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode deregister request: %w", err)
	}
	return w.Deregister(idx, &req)
}

func applyPreparedQuery(w state.Writer, idx uint64, body []byte) error {
	var req state.PreparedQueryRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode prepared query request: %w", err)
	}
	switch req.Op {
	case state.QueryOpCreate, state.QueryOpUpdate:
		return w.PreparedQuerySet(idx, &req.Query)
	case state.QueryOpDelete:
		return w.PreparedQueryDelete(idx, req.Query.ID)
	}
	return fmt.Errorf("%w %q", ErrUnknownQueryOp, req.Op)
}

func applyKV(w state.Writer, idx uint64, body []byte) (any, error) {
	var req state.KVRequest
	if err := decodeKV(body, &req); err != nil {
		return nil, fmt.Errorf("fsm: decode kv request: %w", err)
	}
	ok, err := w.KVApply(idx, &req)
	if err != nil {
		return nil, err
	}
	return ok, nil
}

func applySession(w state.Writer, idx uint64, body []byte) error {
	var req state.SessionRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode session request: %w", err)
	}
	return w.SessionApply(idx, &req)
}

func applyTxn(w state.Writer, idx uint64, body []byte) (any, error) {
	var req TxnRequest
	if err := decode(body, &req); err != nil {
		return nil, fmt.Errorf("fsm: decode txn request: %w", err)
	}
	results, errs, err := w.TxnApply(idx, req.Ops)
	if err != nil {
		return nil, err
	}
	return TxnResponse{Results: results, Errors: errs}, nil
}

func applyTombstoneReap(w state.Writer, idx uint64, body []byte) error {
	var req TombstoneReapRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode tombstone reap request: %w", err)
	}
	return w.ReapTombstones(idx, req.UpTo)
}
