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
	RegisterRequestType      MessageType = 0 // body: state.Registration
	DeregisterRequestType    MessageType = 1 // body: state.Deregistration
	PreparedQueryRequestType MessageType = 2 // body: state.PreparedQueryRequest

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
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// applyFunc decodes one request body and makes one store call at index idx.
type applyFunc func(w state.Writer, idx uint64, body []byte) error

// commands is the dispatch table.
var commands = [256]applyFunc{
	RegisterRequestType:      applyRegister,
	DeregisterRequestType:    applyDeregister,
	PreparedQueryRequestType: applyPreparedQuery,
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
