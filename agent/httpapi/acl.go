package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/server/state"
)

// ACL endpoints: /v1/acl/bootstrap, tokens (acl_token.go), policies
// (acl_policy.go), roles (acl_role.go) and the rules translation; the
// agent's own tokens are in acl_agent_token.go. Every one answers 401
// "ACL support disabled" while ACLs are off, reads need acl:read and
// writes acl:write. A SecretID is shown only to a caller with acl:write
// (and to the token's own holder on /v1/acl/token/self).

// ACLStore is the servers' ACL state: Raft writes and reads of this
// server's store. *server.Server implements it.
type ACLStore interface {
	// ACLBootstrap creates the initial management token; after the first
	// time it fails with a *state.ACLBootstrapError.
	ACLBootstrap(ctx context.Context) (*state.ACLToken, uint64, error)
	// ACLTokenSet creates (create true) or updates a token; tok is
	// replaced by the token as stored.
	ACLTokenSet(ctx context.Context, tok *state.ACLToken, create bool) (uint64, error)
	ACLTokenClone(ctx context.Context, accessor, description string) (*state.ACLToken, uint64, error)
	ACLTokenDelete(ctx context.Context, accessor string) (uint64, error)
	ACLTokenGet(ws memdb.WatchSet, accessor string) (uint64, *state.ACLToken, error)
	ACLTokenGetBySecret(ws memdb.WatchSet, secret string) (uint64, *state.ACLToken, error)
	ACLTokenList(ws memdb.WatchSet, f state.ACLTokenFilter) (uint64, []*state.ACLToken, error)
	// ACLPolicySet creates (empty ID) or updates a policy; p is replaced
	// by the policy as stored.
	ACLPolicySet(ctx context.Context, p *state.ACLPolicy) (uint64, error)
	ACLPolicyDelete(ctx context.Context, id string) (uint64, error)
	ACLPolicyGet(ws memdb.WatchSet, id string) (uint64, *state.ACLPolicy, error)
	ACLPolicyGetByName(ws memdb.WatchSet, name string) (uint64, *state.ACLPolicy, error)
	ACLPolicyList(ws memdb.WatchSet) (uint64, []*state.ACLPolicy, error)
	// ACLRoleSet creates (empty ID) or updates a role, as ACLPolicySet.
	ACLRoleSet(ctx context.Context, r *state.ACLRole) (uint64, error)
	ACLRoleDelete(ctx context.Context, id string) (uint64, error)
	ACLRoleGet(ws memdb.WatchSet, id string) (uint64, *state.ACLRole, error)
	ACLRoleGetByName(ws memdb.WatchSet, name string) (uint64, *state.ACLRole, error)
	// ACLRoleList lists every role, or those linking the policy with ID
	// policy.
	ACLRoleList(ws memdb.WatchSet, policy string) (uint64, []*state.ACLRole, error)
}

// hiddenSecret replaces a SecretID the caller may not see (Consul's
// redaction).
const hiddenSecret = "<hidden>"

var (
	errACLDisabled = &httpError{http.StatusUnauthorized, "ACL support disabled"}
	errACLNotFound = &httpError{http.StatusForbidden, "ACL not found"}
)

// aclCheck refuses the request while ACLs are off, and a caller without
// acl:write (write) or acl:read.
func (s *Server) aclCheck(c *call, write bool) error {
	if !s.cfg.ACLsEnabled {
		return errACLDisabled
	}
	if write && !c.authz.ACLWrite() || !write && !c.authz.ACLRead() {
		return errPermissionDenied
	}
	return nil
}

// aclWriteErr maps the errors of an ACL write.
func aclWriteErr(err error) error {
	var be *state.ACLBootstrapError
	var re *acl.RuleError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &be):
		return &httpError{http.StatusForbidden, "Permission denied: " + be.Error()}
	case errors.As(err, &re):
		return badRequest("Invalid Policy: failed to parse rules: %v", re)
	case errors.Is(err, state.ErrInvalidACL), errors.Is(err, state.ErrACLNotFound):
		return badRequest("%v", err)
	}
	return err
}

// aclRead runs one ACL read as a blocking query and writes what render
// makes of its result.
func (s *Server) aclRead(c *call, read readFunc, render func() (any, error)) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	if err := s.blockingRead(c, q, read); err != nil {
		return err
	}
	v, err := render()
	if err != nil {
		return err
	}
	return s.writeJSON(c, v)
}

// aclBootstrap creates the initial management token, once.
func (s *Server) aclBootstrap(c *call) error {
	if !s.cfg.ACLsEnabled {
		return errACLDisabled
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var in struct{ BootstrapSecret string }
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return badRequest("Request decode failed: %v", err)
		}
	}
	if in.BootstrapSecret != "" {
		return badRequest("BootstrapSecret is not supported: bootstrap without it, or set acl.tokens.initial_management")
	}
	tok, _, err := s.catalog.ACLBootstrap(c.r.Context())
	if err != nil {
		return aclWriteErr(err)
	}
	return s.writeJSON(c, toAPIToken(tok, true))
}

// aclRulesTranslate answers the legacy rules translation: rules that
// parse come back as they are (Consul's legacy syntax is gone; the
// current one needs no translation), others are a 400.
func (s *Server) aclRulesTranslate(c *call) error {
	if err := s.aclCheck(c, false); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if _, err := acl.ParseRules(string(body)); err != nil {
		return badRequest("Failed to parse legacy rules: %v", err)
	}
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = c.w.Write(body)
	return err
}
