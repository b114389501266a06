package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// aclBootstrapResetFile, in the data directory, holds a reset index that
// allows one more ACL bootstrap.
const aclBootstrapResetFile = "acl-bootstrap-reset"

// ACLBootstrap creates the initial management token (random AccessorID
// and SecretID, linked to global-management) and returns it as stored,
// with the index it was applied at. The built-in policies and the
// anonymous token are created with it when missing.
//
// It works once. Later calls fail with a *state.ACLBootstrapError (which
// errors.Is state.ErrACLBootstrapNotAllowed) carrying the reset index,
// unless the leader's <DataDir>/acl-bootstrap-reset file holds that
// index: then one more bootstrap is allowed and the file is removed.
func (s *Server) ACLBootstrap(ctx context.Context) (*state.ACLToken, uint64, error) {
	if r, done, err := forward[aclBootstrapReq, aclTokenResp](s, ctx, "ACL.Bootstrap", &aclBootstrapReq{}); done {
		return r.token(), r.index(), bootstrapError(err)
	}
	reset := s.aclResetIndex()
	if cur := s.store.ACLBootstrapIndex(); cur != 0 && cur != reset {
		return nil, 0, &state.ACLBootstrapError{ResetIndex: cur}
	}
	accessor, secret, err := s.newTokenIDs()
	if err != nil {
		return nil, 0, err
	}
	req := &state.ACLBootstrapRequest{ResetIndex: reset, Token: state.ACLToken{AccessorID: accessor, SecretID: secret,
		Description: "Bootstrap Token (Global Management)", CreateTime: aclNow()}}
	idx, err := s.apply(ctx, fsm.ACLBootstrapRequestType, req)
	if err != nil {
		return nil, 0, err
	}
	if reset != 0 {
		if err := os.Remove(filepath.Join(s.cfg.DataDir, aclBootstrapResetFile)); err != nil {
			s.logger.Warn("remove ACL bootstrap reset file", "error", err)
		}
	}
	_, tok, err := s.store.ACLTokenGet(nil, accessor)
	return tok, idx, err
}

// aclResetIndex reads the reset index from the data directory's reset
// file; 0 when there is none (or no data directory).
func (s *Server) aclResetIndex() uint64 {
	if s.cfg.DataDir == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(s.cfg.DataDir, aclBootstrapResetFile))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.logger.Warn("read ACL bootstrap reset file", "error", err)
		}
		return 0
	}
	idx, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		s.logger.Warn("ACL bootstrap reset file does not hold an index", "error", err)
		return 0
	}
	return idx
}

// bootstrapError gives a refused bootstrap that came back from the leader
// its reset index again.
func bootstrapError(err error) error {
	var be *state.ACLBootstrapError
	if errors.Is(err, state.ErrACLBootstrapNotAllowed) && !errors.As(err, &be) {
		if be, ok := state.ParseACLBootstrapError(err.Error()); ok {
			return be
		}
	}
	return err
}

// aclNow is the time the leader stamps on new tokens, without monotonic
// reading or zone so it reads back the same from the log and snapshots.
func aclNow() time.Time { return time.Now().UTC().Round(0) }

// ACLPolicySet creates or updates a policy through Raft and returns the
// index it was applied at; p is replaced by the policy as stored. An
// empty ID creates a policy with a new random ID; otherwise the policy
// must exist (state.ErrACLNotFound). Names, IDs and the built-ins are
// checked by the store (state.ErrInvalidACL); the rules are stored as
// text and not parsed here.
func (s *Server) ACLPolicySet(ctx context.Context, p *state.ACLPolicy) (uint64, error) {
	if p == nil {
		return 0, fmt.Errorf("%w: no policy", state.ErrInvalidACL)
	}
	if r, done, err := forward[aclPolicyReq, aclPolicyResp](s, ctx, "ACL.PolicySet", &aclPolicyReq{*p}); done {
		if r == nil {
			return 0, err
		}
		if err == nil && r.Policy != nil {
			*p = *r.Policy
		}
		return r.Index, err
	}
	req := &state.ACLPolicyRequest{Op: state.ACLSet, Policy: *p}
	id, err := s.aclRecordID(p.ID, "policy", func(id string) (bool, error) {
		_, got, err := s.store.ACLPolicyGet(nil, id)
		return got != nil, err
	})
	if err != nil {
		return 0, err
	}
	req.Policy.ID = id
	idx, err := s.apply(ctx, fsm.ACLPolicyRequestType, req)
	if err != nil {
		return 0, err
	}
	_, stored, err := s.store.ACLPolicyGet(nil, id)
	if err == nil && stored != nil {
		*p = *stored
	}
	return idx, err
}

// aclRecordID returns the ID of a policy or role to write: a new random
// one when id is empty, else id, which must exist.
func (s *Server) aclRecordID(id, kind string, exists func(string) (bool, error)) (string, error) {
	if id != "" {
		ok, err := exists(id)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", fmt.Errorf("cannot find %s %q: %w", kind, id, state.ErrACLNotFound)
		}
		return id, nil
	}
	for range 10 {
		id := newUUID()
		ok, err := exists(id)
		if err != nil {
			return "", err
		}
		if !ok {
			return id, nil
		}
	}
	return "", fmt.Errorf("acl: no free %s ID found", kind)
}

// ACLPolicyDelete deletes a policy through Raft and returns the index it
// was applied at. The built-in policies cannot be deleted
// (state.ErrInvalidACL); deleting an unknown policy changes nothing.
// Tokens and roles that linked the policy stop listing it.
func (s *Server) ACLPolicyDelete(ctx context.Context, id string) (uint64, error) {
	if r, done, err := forward[aclIDReq, indexResp](s, ctx, "ACL.PolicyDelete", &aclIDReq{id}); done {
		return r.index(), err
	}
	return s.apply(ctx, fsm.ACLPolicyRequestType,
		&state.ACLPolicyRequest{Op: state.ACLDelete, Policy: state.ACLPolicy{ID: id}})
}

// ACLPolicyGet reads a policy by ID from this server's store: the
// policies table index and the policy, nil when unknown.
func (s *Server) ACLPolicyGet(ws memdb.WatchSet, id string) (uint64, *state.ACLPolicy, error) {
	return s.store.ACLPolicyGet(ws, id)
}

// ACLPolicyGetByName reads a policy by name, as ACLPolicyGet.
func (s *Server) ACLPolicyGetByName(ws memdb.WatchSet, name string) (uint64, *state.ACLPolicy, error) {
	return s.store.ACLPolicyGetByName(ws, name)
}

// ACLPolicyList reads every policy, ordered by ID, with the policies
// table index.
func (s *Server) ACLPolicyList(ws memdb.WatchSet) (uint64, []*state.ACLPolicy, error) {
	return s.store.ACLPolicyList(ws)
}

// ACLRoleSet creates or updates a role through Raft, as ACLPolicySet: an
// empty ID creates, otherwise the role must exist; r is replaced by the
// role as stored (policy links named). Policy links may give a Name
// instead of an ID; a link to an unknown policy fails with
// state.ErrInvalidACL.
func (s *Server) ACLRoleSet(ctx context.Context, r *state.ACLRole) (uint64, error) {
	if r == nil {
		return 0, fmt.Errorf("%w: no role", state.ErrInvalidACL)
	}
	if resp, done, err := forward[aclRoleReq, aclRoleResp](s, ctx, "ACL.RoleSet", &aclRoleReq{*r}); done {
		if resp == nil {
			return 0, err
		}
		if err == nil && resp.Role != nil {
			*r = *resp.Role
		}
		return resp.Index, err
	}
	req := &state.ACLRoleRequest{Op: state.ACLSet, Role: *r}
	id, err := s.aclRecordID(r.ID, "role", func(id string) (bool, error) {
		_, got, err := s.store.ACLRoleGet(nil, id)
		return got != nil, err
	})
	if err != nil {
		return 0, err
	}
	req.Role.ID = id
	idx, err := s.apply(ctx, fsm.ACLRoleRequestType, req)
	if err != nil {
		return 0, err
	}
	_, stored, err := s.store.ACLRoleGet(nil, id)
	if err == nil && stored != nil {
		*r = *stored
	}
	return idx, err
}

// ACLRoleDelete deletes a role through Raft and returns the index it was
// applied at; deleting an unknown role changes nothing. Tokens that
// linked the role stop listing it and lose what it granted.
func (s *Server) ACLRoleDelete(ctx context.Context, id string) (uint64, error) {
	if r, done, err := forward[aclIDReq, indexResp](s, ctx, "ACL.RoleDelete", &aclIDReq{id}); done {
		return r.index(), err
	}
	return s.apply(ctx, fsm.ACLRoleRequestType, &state.ACLRoleRequest{Op: state.ACLDelete, Role: state.ACLRole{ID: id}})
}

// ACLRoleGet reads a role by ID from this server's store (nil when
// unknown), with the index of the roles and policies tables.
func (s *Server) ACLRoleGet(ws memdb.WatchSet, id string) (uint64, *state.ACLRole, error) {
	return s.store.ACLRoleGet(ws, id)
}

// ACLRoleGetByName reads a role by name, as ACLRoleGet.
func (s *Server) ACLRoleGetByName(ws memdb.WatchSet, name string) (uint64, *state.ACLRole, error) {
	return s.store.ACLRoleGetByName(ws, name)
}

// ACLRoleList reads every role, ordered by ID, or those linking the policy
// with ID policy when it is not empty.
func (s *Server) ACLRoleList(ws memdb.WatchSet, policy string) (uint64, []*state.ACLRole, error) {
	return s.store.ACLRoleList(ws, policy)
}
