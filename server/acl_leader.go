package server

import (
	"context"
	"time"

	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// Leader duties of ACLs, when Config.ACLsEnabled: create the built-in
// policies and the anonymous token once, then delete expired tokens
// every aclReapInterval.

const (
	aclReapInterval = 30 * time.Second
	aclInitRetry    = time.Second
)

// startACLDuties starts the ACL leader loop under the leader duties'
// context and wait group (leader.go).
func (s *Server) startACLDuties(ctx context.Context) {
	if !s.cfg.ACLsEnabled {
		return
	}
	s.dutiesWG.Add(1)
	go func() {
		defer s.dutiesWG.Done()
		s.runACLDuties(ctx)
	}()
}

func (s *Server) runACLDuties(ctx context.Context) {
	for {
		err := s.initACL(ctx)
		if err == nil {
			err = s.initManagementToken(ctx)
		}
		if err == nil {
			break
		}
		s.logger.Warn("create built-in ACLs", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(aclInitRetry):
		}
	}
	t := time.NewTicker(aclReapInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if _, err := s.reapExpiredTokens(ctx, now); err != nil {
				s.logger.Warn("delete expired ACL tokens", "error", err)
			}
		}
	}
}

// initACL applies an ACL init entry when a built-in is missing.
func (s *Server) initACL(ctx context.Context) error {
	_, gm, err := s.store.ACLPolicyGet(nil, state.ACLGlobalManagementPolicyID)
	if err != nil {
		return err
	}
	_, ro, err := s.store.ACLPolicyGet(nil, state.ACLGlobalReadOnlyPolicyID)
	if err != nil {
		return err
	}
	_, anon, err := s.store.ACLTokenGet(nil, state.ACLAnonymousTokenID)
	if err != nil {
		return err
	}
	if gm != nil && ro != nil && anon != nil {
		return nil
	}
	_, err = s.apply(ctx, fsm.ACLInitRequestType, &state.ACLInitRequest{CreateTime: aclNow()})
	if err == nil {
		s.logger.Info("created built-in ACL policies and anonymous token")
	}
	return err
}

// initManagementToken stores the initial_management token when it is
// configured and no token has its secret. While ACLs are not bootstrapped
// it is the bootstrap token, so /v1/acl/bootstrap then refuses as
// Consul's; otherwise it is a new management token.
func (s *Server) initManagementToken(ctx context.Context) error {
	secret := s.cfg.ACLInitialManagement
	if secret == "" {
		return nil
	}
	if !state.ValidACLID(secret) {
		s.logger.Warn("acl.tokens.initial_management is not a UUID; it is not stored as a token")
		return nil
	}
	_, tok, err := s.store.ACLTokenGetBySecret(nil, secret)
	if err != nil || tok != nil {
		return err
	}
	accessor, _, err := s.newTokenIDs()
	if err != nil {
		return err
	}
	t := state.ACLToken{AccessorID: accessor, SecretID: secret, Description: "Initial Management Token",
		Policies: []state.ACLLink{{ID: state.ACLGlobalManagementPolicyID}}, CreateTime: aclNow()}
	if s.store.ACLBootstrapIndex() == 0 {
		_, err = s.apply(ctx, fsm.ACLBootstrapRequestType, &state.ACLBootstrapRequest{Token: t})
	} else {
		_, err = s.apply(ctx, fsm.ACLTokenRequestType, &state.ACLTokenRequest{Op: state.ACLSet, Token: t})
	}
	if err == nil {
		s.logger.Info("created the initial management token", "accessor", accessor)
	}
	return err
}

// reapExpiredTokens deletes, one Raft entry each, the tokens expired at
// now, and returns how many it deleted.
func (s *Server) reapExpiredTokens(ctx context.Context, now time.Time) (int, error) {
	_, tokens, err := s.store.ACLTokenList(nil, state.ACLTokenFilter{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tokens {
		if !t.Expired(now) {
			continue
		}
		if _, err := s.apply(ctx, fsm.ACLTokenRequestType,
			&state.ACLTokenRequest{Op: state.ACLDelete, Token: state.ACLToken{AccessorID: t.AccessorID}}); err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		s.logger.Debug("deleted expired ACL tokens", "count", n)
	}
	return n, nil
}
