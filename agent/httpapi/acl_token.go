package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// Tokens: PUT /v1/acl/token creates; /v1/acl/token/:accessor reads (GET),
// updates (PUT) and deletes (DELETE); /v1/acl/token/:accessor/clone
// copies (PUT); /v1/acl/token/self reads the caller's own token;
// /v1/acl/tokens lists (?policy, ?role, ?servicename, ?authmethod,
// ?filter).

func (s *Server) aclTokenCreate(c *call) error {
	if err := s.aclCheck(c, true); err != nil {
		return err
	}
	in, err := decodeTokenIn(c)
	if err != nil {
		return err
	}
	tok := fromTokenIn(in)
	if _, err := s.catalog.ACLTokenSet(c.r.Context(), tok, true); err != nil {
		return aclWriteErr(err)
	}
	return s.writeJSON(c, toAPIToken(tok, true))
}

// aclToken dispatches /v1/acl/token/:accessor[/clone] and /token/self.
func (s *Server) aclToken(c *call) error {
	accessor, action, hasAction := strings.Cut(c.arg, "/")
	method := c.r.Method
	switch {
	case hasAction && action == "clone" && accessor != "":
		if method != http.MethodPut {
			return methodNotAllowed(c, http.MethodPut)
		}
		return s.aclTokenClone(c, accessor)
	case hasAction:
		return notFound("Invalid URL path: not a recognized HTTP API endpoint")
	case accessor == "self":
		if method != http.MethodGet {
			return methodNotAllowed(c, http.MethodGet)
		}
		return s.aclTokenSelf(c)
	case accessor == "":
		return badRequest("Missing token ID")
	}
	switch method {
	case http.MethodPut:
		return s.aclTokenUpdate(c, accessor)
	case http.MethodDelete:
		return s.aclTokenDelete(c, accessor)
	}
	return s.aclTokenRead(c, accessor)
}

func methodNotAllowed(c *call, allow ...string) error {
	c.w.Header().Set("Allow", strings.Join(append(allow, http.MethodOptions), ","))
	return &httpError{http.StatusMethodNotAllowed, "method " + c.r.Method + " not allowed"}
}

func (s *Server) aclTokenRead(c *call, accessor string) error {
	if err := s.aclCheck(c, false); err != nil {
		return err
	}
	var tok *state.ACLToken
	read := func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.ACLTokenGet(ws, accessor)
		tok = got
		return idx, err
	}
	return s.aclRead(c, read, func() (any, error) {
		if tok == nil {
			return nil, errACLNotFound
		}
		return toAPIToken(tok, c.authz.ACLWrite()), nil
	})
}

// aclTokenSelf reads the token the request carries: its own secret, or
// the agent's default token, or the anonymous token. No acl rule is
// needed: the caller holds the secret already.
func (s *Server) aclTokenSelf(c *call) error {
	if !s.cfg.ACLsEnabled {
		return errACLDisabled
	}
	secret := c.token
	if secret == "" && s.agent != nil {
		secret = s.agent.ACLToken(AgentTokenDefault)
	}
	if secret == "" {
		secret = state.ACLAnonymousTokenSecret
	}
	var tok *state.ACLToken
	read := func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.ACLTokenGetBySecret(ws, secret)
		tok = got
		return idx, err
	}
	return s.aclRead(c, read, func() (any, error) {
		if tok == nil {
			return nil, errACLNotFound
		}
		return toAPIToken(tok, true), nil
	})
}

func (s *Server) aclTokenUpdate(c *call, accessor string) error {
	if err := s.aclCheck(c, true); err != nil {
		return err
	}
	in, err := decodeTokenIn(c)
	if err != nil {
		return err
	}
	if in.AccessorID != "" && in.AccessorID != accessor {
		return badRequest("Token Accessor ID in URL and payload do not match")
	}
	tok := fromTokenIn(in)
	tok.AccessorID = accessor
	if _, err := s.catalog.ACLTokenSet(c.r.Context(), tok, false); err != nil {
		return aclWriteErr(err)
	}
	return s.writeJSON(c, toAPIToken(tok, true))
}

func (s *Server) aclTokenDelete(c *call, accessor string) error {
	if err := s.aclCheck(c, true); err != nil {
		return err
	}
	if _, err := s.catalog.ACLTokenDelete(c.r.Context(), accessor); err != nil {
		return aclWriteErr(err)
	}
	return s.writeJSON(c, true)
}

func (s *Server) aclTokenClone(c *call, accessor string) error {
	if err := s.aclCheck(c, true); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var in struct{ Description string }
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return badRequest("Request decode failed: %v", err)
		}
	}
	tok, _, err := s.catalog.ACLTokenClone(c.r.Context(), accessor, in.Description)
	if err != nil {
		return aclWriteErr(err)
	}
	return s.writeJSON(c, toAPIToken(tok, true))
}

func (s *Server) aclTokenList(c *call) error {
	if err := s.aclCheck(c, false); err != nil {
		return err
	}
	v := c.r.URL.Query()
	f := state.ACLTokenFilter{Policy: v.Get("policy"), Role: v.Get("role"), ServiceName: v.Get("servicename")}
	var toks []*state.ACLToken
	read := func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.ACLTokenList(ws, f)
		toks = got
		return idx, err
	}
	return s.aclRead(c, read, func() (any, error) {
		out := make([]*api.ACLTokenListEntry, 0, len(toks))
		if v.Get("authmethod") != "" {
			return out, nil // no token comes from an auth method
		}
		show := c.authz.ACLWrite()
		for _, t := range toks {
			out = append(out, toAPITokenListEntry(t, show))
		}
		return applyFilter(v.Get("filter"), out)
	})
}

// decodeTokenIn reads a token body. Templated policies and auth methods
// are refused rather than ignored: Pylon does not have them yet.
func decodeTokenIn(c *call) (*tokenIn, error) {
	var in tokenIn
	if err := decodeBody(c, &in); err != nil {
		return nil, err
	}
	if len(in.TemplatedPolicies) > 0 {
		return nil, badRequest("Invalid Token: templated policies are not supported")
	}
	if in.AuthMethod != "" {
		return nil, badRequest("Invalid Token: auth methods are not supported")
	}
	return &in, nil
}
