package server

import (
	"context"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

func init() {
	// ACL errors a forwarded call may answer with.
	for name, err := range map[string]error{
		"acl-not-found": state.ErrACLNotFound, "invalid-acl": state.ErrInvalidACL,
		"acl-bootstrap-not-allowed": state.ErrACLBootstrapNotAllowed,
	} {
		rpc.RegisterError(name, err)
	}
}

// Request and response shapes of the forwarded ACL methods.
type (
	aclBootstrapReq struct{}
	aclTokenResp    struct {
		Index uint64
		Token *state.ACLToken
	}
	aclTokenSetReq struct {
		Token  state.ACLToken
		Create bool
	}
	aclCloneReq struct {
		AccessorID  string
		Description string
	}
	aclPolicyReq  struct{ Policy state.ACLPolicy }
	aclPolicyResp struct {
		Index  uint64
		Policy *state.ACLPolicy
	}
	aclRoleReq  struct{ Role state.ACLRole }
	aclRoleResp struct {
		Index uint64
		Role  *state.ACLRole
	}
	aclIDReq      struct{ ID string }
	aclResolveReq struct{ Secret string }
)

// registerACLForwarded serves the forwarded ACL writes on the leader, and
// token resolution for client agents on any server.
func (s *Server) registerACLForwarded() {
	handleForwarded(s, "ACL.Bootstrap", func(ctx context.Context, _ *aclBootstrapReq) (*aclTokenResp, error) {
		tok, idx, err := s.ACLBootstrap(forwarded(ctx))
		return &aclTokenResp{idx, tok}, err
	})
	handleForwarded(s, "ACL.TokenSet", func(ctx context.Context, r *aclTokenSetReq) (*aclTokenResp, error) {
		idx, err := s.ACLTokenSet(forwarded(ctx), &r.Token, r.Create)
		return &aclTokenResp{idx, &r.Token}, err
	})
	handleForwarded(s, "ACL.TokenClone", func(ctx context.Context, r *aclCloneReq) (*aclTokenResp, error) {
		tok, idx, err := s.ACLTokenClone(forwarded(ctx), r.AccessorID, r.Description)
		return &aclTokenResp{idx, tok}, err
	})
	handleForwarded(s, "ACL.TokenDelete", func(ctx context.Context, r *aclIDReq) (*indexResp, error) {
		idx, err := s.ACLTokenDelete(forwarded(ctx), r.ID)
		return &indexResp{idx}, err
	})
	handleForwarded(s, "ACL.PolicySet", func(ctx context.Context, r *aclPolicyReq) (*aclPolicyResp, error) {
		idx, err := s.ACLPolicySet(forwarded(ctx), &r.Policy)
		return &aclPolicyResp{idx, &r.Policy}, err
	})
	handleForwarded(s, "ACL.PolicyDelete", func(ctx context.Context, r *aclIDReq) (*indexResp, error) {
		idx, err := s.ACLPolicyDelete(forwarded(ctx), r.ID)
		return &indexResp{idx}, err
	})
	handleForwarded(s, "ACL.RoleSet", func(ctx context.Context, r *aclRoleReq) (*aclRoleResp, error) {
		idx, err := s.ACLRoleSet(forwarded(ctx), &r.Role)
		return &aclRoleResp{idx, &r.Role}, err
	})
	handleForwarded(s, "ACL.RoleDelete", func(ctx context.Context, r *aclIDReq) (*indexResp, error) {
		idx, err := s.ACLRoleDelete(forwarded(ctx), r.ID)
		return &indexResp{idx}, err
	})
	rpc.Handle(s.rpc, "ACL.ResolveToken", func(_ context.Context, r *aclResolveReq) (*state.ACLResolvedToken, error) {
		return s.ResolveToken(r.Secret)
	})
}

func (r *aclTokenResp) token() *state.ACLToken {
	if r == nil {
		return nil
	}
	return r.Token
}

func (r *aclTokenResp) index() uint64 {
	if r == nil {
		return 0
	}
	return r.Index
}
