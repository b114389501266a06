package fsm

import (
	"fmt"

	"github.com/pylonmesh/pylon/server/state"
)

func aclTypeName(t MessageType) string {
	switch t {
	case ACLPolicyRequestType:
		return "acl-policy"
	case ACLRoleRequestType:
		return "acl-role"
	case ACLTokenRequestType:
		return "acl-token"
	case ACLBootstrapRequestType:
		return "acl-bootstrap"
	}
	return "acl-init"
}

func applyACLPolicy(w state.Writer, idx uint64, body []byte) error {
	var req state.ACLPolicyRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode acl policy request: %w", err)
	}
	return w.ACLPolicyApply(idx, &req)
}

func applyACLRole(w state.Writer, idx uint64, body []byte) error {
	var req state.ACLRoleRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode acl role request: %w", err)
	}
	return w.ACLRoleApply(idx, &req)
}

func applyACLToken(w state.Writer, idx uint64, body []byte) error {
	var req state.ACLTokenRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode acl token request: %w", err)
	}
	return w.ACLTokenApply(idx, &req)
}

func applyACLBootstrap(w state.Writer, idx uint64, body []byte) error {
	var req state.ACLBootstrapRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode acl bootstrap request: %w", err)
	}
	return w.ACLBootstrap(idx, &req)
}

func applyACLInit(w state.Writer, idx uint64, body []byte) error {
	var req state.ACLInitRequest
	if err := decode(body, &req); err != nil {
		return fmt.Errorf("fsm: decode acl init request: %w", err)
	}
	return w.ACLInit(idx, &req)
}
