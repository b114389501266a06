package server

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// Token lifetimes accepted at creation (Consul's defaults of
// acl.token_min_expiration_ttl and token_max_expiration_ttl).
const (
	aclTokenMinExpirationTTL = time.Minute
	aclTokenMaxExpirationTTL = 24 * time.Hour
)

// ACLTokenSet creates (create true) or updates a token through Raft and
// returns the index it was applied at; tok is replaced by the token as
// stored (links named).
//
// Creating: an empty AccessorID or SecretID is generated, a given one
// must be a UUID not in use (state.ErrInvalidACL). CreateTime is set
// here. ExpirationTTL, if set, must lie within [1m, 24h] and sets
// ExpirationTime; an ExpirationTime given instead must lie as far ahead;
// both at once are refused.
//
// Updating: the token (AccessorID) must exist and not be expired
// (state.ErrACLNotFound). The lists and Description are replaced;
// SecretID, Local and ExpirationTime cannot change (an empty SecretID
// keeps it), CreateTime is kept.
//
// Links may give a Name instead of an ID; a link to an unknown policy or
// role fails with state.ErrInvalidACL.
func (s *Server) ACLTokenSet(ctx context.Context, tok *state.ACLToken, create bool) (uint64, error) {
	if tok == nil {
		return 0, fmt.Errorf("%w: no token", state.ErrInvalidACL)
	}
	if r, done, err := forward[aclTokenSetReq, aclTokenResp](s, ctx, "ACL.TokenSet", &aclTokenSetReq{*tok, create}); done {
		if err == nil && r.token() != nil {
			*tok = *r.Token
		}
		return r.index(), err
	}
	t := *tok
	var err error
	if create {
		err = s.prepareNewToken(&t, true)
	} else {
		err = s.checkTokenUpdate(&t)
	}
	if err != nil {
		return 0, err
	}
	return s.writeToken(ctx, &t, tok)
}

// writeToken applies a token set and copies the stored token into out.
func (s *Server) writeToken(ctx context.Context, t, out *state.ACLToken) (uint64, error) {
	idx, err := s.apply(ctx, fsm.ACLTokenRequestType, &state.ACLTokenRequest{Op: state.ACLSet, Token: *t})
	if err != nil {
		return 0, err
	}
	_, stored, err := s.store.ACLTokenGet(nil, t.AccessorID)
	if err == nil && stored != nil {
		*out = *stored
	}
	return idx, err
}

// prepareNewToken fills in a new token's IDs and times and checks them.
// bounded applies the TTL limits to a given ExpirationTime (a clone
// keeps its source's, however close).
func (s *Server) prepareNewToken(t *state.ACLToken, bounded bool) error {
	if t.AccessorID != "" && t.AccessorID == t.SecretID {
		return fmt.Errorf("%w: AccessorID and SecretID must differ", state.ErrInvalidACL)
	}
	for _, id := range []*string{&t.AccessorID, &t.SecretID} {
		if *id == "" {
			continue
		}
		if !state.ValidACLID(*id) {
			return fmt.Errorf("%w: token ID %q is not a UUID or is reserved", state.ErrInvalidACL, *id)
		}
		if used, err := s.tokenIDUsed(*id); err != nil {
			return err
		} else if used {
			return fmt.Errorf("%w: token ID %q is already in use", state.ErrInvalidACL, *id)
		}
	}
	accessor, secret, err := s.newTokenIDs()
	if err != nil {
		return err
	}
	t.AccessorID, t.SecretID = cmp.Or(t.AccessorID, accessor), cmp.Or(t.SecretID, secret)
	t.CreateTime = aclNow()
	return setExpiration(t, bounded)
}

// setExpiration turns a new token's ExpirationTTL into its ExpirationTime
// and checks the limits.
func setExpiration(t *state.ACLToken, bounded bool) error {
	switch {
	case t.ExpirationTTL < 0:
		return fmt.Errorf("%w: negative expiration TTL", state.ErrInvalidACL)
	case t.ExpirationTTL != 0 && t.ExpirationTime != nil:
		return fmt.Errorf("%w: expiration TTL and expiration time cannot both be set", state.ErrInvalidACL)
	case t.ExpirationTTL != 0:
		if t.ExpirationTTL < aclTokenMinExpirationTTL || t.ExpirationTTL > aclTokenMaxExpirationTTL {
			return fmt.Errorf("%w: expiration TTL %v is outside [%v, %v]", state.ErrInvalidACL,
				t.ExpirationTTL, aclTokenMinExpirationTTL, aclTokenMaxExpirationTTL)
		}
		exp := t.CreateTime.Add(t.ExpirationTTL)
		t.ExpirationTime = &exp
	case t.ExpirationTime != nil:
		exp := t.ExpirationTime.UTC().Round(0)
		t.ExpirationTime = &exp
		ahead := exp.Sub(t.CreateTime)
		if ahead <= 0 || bounded && (ahead < aclTokenMinExpirationTTL || ahead > aclTokenMaxExpirationTTL) {
			return fmt.Errorf("%w: expiration time %v must lie between %v and %v from now", state.ErrInvalidACL,
				exp, aclTokenMinExpirationTTL, aclTokenMaxExpirationTTL)
		}
	}
	return nil
}

// checkTokenUpdate checks that the token to update exists and lives.
func (s *Server) checkTokenUpdate(t *state.ACLToken) error {
	_, old, err := s.store.ACLTokenGet(nil, t.AccessorID)
	if err != nil {
		return err
	}
	if old == nil || old.Expired(time.Now()) {
		return fmt.Errorf("cannot find token %q: %w", t.AccessorID, state.ErrACLNotFound)
	}
	return nil
}

// tokenIDUsed reports whether id is any token's AccessorID or SecretID.
func (s *Server) tokenIDUsed(id string) (bool, error) {
	_, a, err := s.store.ACLTokenGet(nil, id)
	if err != nil || a != nil {
		return a != nil, err
	}
	_, b, err := s.store.ACLTokenGetBySecret(nil, id)
	return b != nil, err
}

// newTokenIDs returns a random AccessorID and SecretID no token uses.
func (s *Server) newTokenIDs() (accessor, secret string, err error) {
	for _, out := range []*string{&accessor, &secret} {
		for i := 0; *out == ""; i++ {
			if i == 10 {
				return "", "", fmt.Errorf("acl: no free token ID found")
			}
			id := newUUID()
			used, err := s.tokenIDUsed(id)
			if err != nil {
				return "", "", err
			}
			if !used && id != accessor {
				*out = id
			}
		}
	}
	return accessor, secret, nil
}

// ACLTokenClone creates a token with new IDs and the links, identities,
// Local flag and expiration time of the live token with AccessorID
// accessor (state.ErrACLNotFound when there is none). An empty
// description keeps the source's. It returns the new token as stored.
func (s *Server) ACLTokenClone(ctx context.Context, accessor, description string) (*state.ACLToken, uint64, error) {
	if r, done, err := forward[aclCloneReq, aclTokenResp](s, ctx, "ACL.TokenClone", &aclCloneReq{accessor, description}); done {
		return r.token(), r.index(), err
	}
	_, src, err := s.store.ACLTokenGet(nil, accessor)
	if err != nil {
		return nil, 0, err
	}
	if src == nil || src.Expired(time.Now()) {
		return nil, 0, fmt.Errorf("cannot find token %q: %w", accessor, state.ErrACLNotFound)
	}
	t := state.ACLToken{Description: cmp.Or(description, src.Description), Policies: src.Policies, Roles: src.Roles,
		ServiceIdentities: src.ServiceIdentities, NodeIdentities: src.NodeIdentities, Local: src.Local,
		ExpirationTime: src.ExpirationTime}
	if err := s.prepareNewToken(&t, false); err != nil {
		return nil, 0, err
	}
	t.ExpirationTTL = src.ExpirationTTL
	var out state.ACLToken
	idx, err := s.writeToken(ctx, &t, &out)
	if err != nil {
		return nil, 0, err
	}
	return &out, idx, nil
}

// ACLTokenDelete deletes a token through Raft and returns the index it
// was applied at. The anonymous token cannot be deleted
// (state.ErrInvalidACL); deleting an unknown token changes nothing.
func (s *Server) ACLTokenDelete(ctx context.Context, accessor string) (uint64, error) {
	if r, done, err := forward[aclIDReq, indexResp](s, ctx, "ACL.TokenDelete", &aclIDReq{accessor}); done {
		return r.index(), err
	}
	return s.apply(ctx, fsm.ACLTokenRequestType,
		&state.ACLTokenRequest{Op: state.ACLDelete, Token: state.ACLToken{AccessorID: accessor}})
}

// ACLTokenGet reads a token by AccessorID from this server's store, with
// the index of the token, role and policy tables; nil when unknown or
// expired.
func (s *Server) ACLTokenGet(ws memdb.WatchSet, accessor string) (uint64, *state.ACLToken, error) {
	return liveToken(s.store.ACLTokenGet(ws, accessor))
}

// ACLTokenGetBySecret reads a token by SecretID, as ACLTokenGet (for
// /v1/acl/token/self).
func (s *Server) ACLTokenGetBySecret(ws memdb.WatchSet, secret string) (uint64, *state.ACLToken, error) {
	return liveToken(s.store.ACLTokenGetBySecret(ws, secret))
}

func liveToken(idx uint64, t *state.ACLToken, err error) (uint64, *state.ACLToken, error) {
	if t != nil && t.Expired(time.Now()) {
		t = nil
	}
	return idx, t, err
}

// ACLTokenList reads the live tokens that match f, ordered by
// AccessorID, with the index of the token, role and policy tables. The
// tokens carry their SecretIDs; the HTTP layer hides them.
func (s *Server) ACLTokenList(ws memdb.WatchSet, f state.ACLTokenFilter) (uint64, []*state.ACLToken, error) {
	idx, list, err := s.store.ACLTokenList(ws, f)
	now := time.Now()
	return idx, slices.DeleteFunc(list, func(t *state.ACLToken) bool { return t.Expired(now) }), err
}

// ResolveToken returns what the token with SecretID secret grants in this
// server's datacenter: the token, its policies and its roles' policies
// (each once; policies scoped to other datacenters left out) and the
// service and node identities that apply here. It reads this server's
// store. It fails with state.ErrACLNotFound for an unknown or expired
// secret, the empty one included: callers map "no token" to the default
// token or to "anonymous" (state.ACLAnonymousTokenSecret) first.
func (s *Server) ResolveToken(secret string) (*state.ACLResolvedToken, error) {
	res, err := s.store.ACLTokenResolve(nil, secret)
	if err != nil {
		return nil, err
	}
	if res == nil || res.Token.Expired(time.Now()) {
		return nil, state.ErrACLNotFound
	}
	dc := s.cfg.Datacenter
	res.Policies = slices.DeleteFunc(res.Policies, func(p *state.ACLPolicy) bool {
		return len(p.Datacenters) != 0 && !slices.Contains(p.Datacenters, dc)
	})
	res.ServiceIdentities = slices.DeleteFunc(res.ServiceIdentities, func(si state.ACLServiceIdentity) bool {
		return len(si.Datacenters) != 0 && !slices.Contains(si.Datacenters, dc)
	})
	res.NodeIdentities = slices.DeleteFunc(res.NodeIdentities, func(ni state.ACLNodeIdentity) bool {
		return ni.Datacenter != dc
	})
	return res, nil
}
