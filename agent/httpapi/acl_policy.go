package httpapi

import (
	"net/http"
	"strings"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// Policies: PUT /v1/acl/policy creates; /v1/acl/policy/:id reads (GET),
// updates (PUT) and deletes (DELETE); /v1/acl/policy/name/:name reads by
// name; /v1/acl/policies lists without rules. The rules are parsed before
// anything is stored: a rule that does not parse is a 400 naming its line
// and resource.

func (s *Server) aclPolicyCreate(c *call) error {
	return s.aclPolicyWrite(c, "")
}

// aclPolicy dispatches /v1/acl/policy/:id and /v1/acl/policy/name/:name.
func (s *Server) aclPolicy(c *call) error {
	if name, ok := strings.CutPrefix(c.arg, "name/"); ok {
		if c.r.Method != http.MethodGet {
			return methodNotAllowed(c, http.MethodGet)
		}
		return s.aclPolicyRead(c, name, true)
	}
	if c.arg == "" {
		return badRequest("Missing policy ID")
	}
	switch c.r.Method {
	case http.MethodPut:
		return s.aclPolicyWrite(c, c.arg)
	case http.MethodDelete:
		return s.aclPolicyDelete(c, c.arg)
	}
	return s.aclPolicyRead(c, c.arg, false)
}

func (s *Server) aclPolicyRead(c *call, key string, byName bool) error {
	if err := s.aclCheck(c, false); err != nil {
		return err
	}
	if key == "" {
		return badRequest("Missing policy name")
	}
	var p *state.ACLPolicy
	read := func(ws memdb.WatchSet) (idx uint64, err error) {
		if byName {
			idx, p, err = s.catalog.ACLPolicyGetByName(ws, key)
		} else {
			idx, p, err = s.catalog.ACLPolicyGet(ws, key)
		}
		return idx, err
	}
	return s.aclRead(c, read, func() (any, error) {
		if p == nil {
			return nil, errACLNotFound
		}
		return toAPIPolicy(p), nil
	})
}

// aclPolicyWrite creates (id "") or updates the policy with ID id.
func (s *Server) aclPolicyWrite(c *call, id string) error {
	if err := s.aclCheck(c, true); err != nil {
		return err
	}
	var in api.ACLPolicy
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	switch {
	case id == "" && in.ID != "":
		return badRequest("Invalid Policy: cannot specify an ID when creating a policy")
	case id != "" && in.ID != "" && in.ID != id:
		return badRequest("Policy ID in URL and payload do not match")
	case in.Name == "":
		return badRequest("Invalid Policy: no Name is set")
	}
	if _, err := acl.ParseRules(in.Rules); err != nil {
		return aclWriteErr(err)
	}
	p := fromAPIPolicy(&in)
	p.ID = id
	if _, err := s.catalog.ACLPolicySet(c.r.Context(), p); err != nil {
		return aclWriteErr(err)
	}
	return s.writeJSON(c, toAPIPolicy(p))
}

func (s *Server) aclPolicyDelete(c *call, id string) error {
	if err := s.aclCheck(c, true); err != nil {
		return err
	}
	if _, err := s.catalog.ACLPolicyDelete(c.r.Context(), id); err != nil {
		return aclWriteErr(err)
	}
	return s.writeJSON(c, true)
}

func (s *Server) aclPolicyList(c *call) error {
	if err := s.aclCheck(c, false); err != nil {
		return err
	}
	var list []*state.ACLPolicy
	read := func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.ACLPolicyList(ws)
		list = got
		return idx, err
	}
	return s.aclRead(c, read, func() (any, error) {
		out := make([]*api.ACLPolicyListEntry, 0, len(list))
		for _, p := range list {
			out = append(out, toAPIPolicyListEntry(p))
		}
		return applyFilter(c.r.URL.Query().Get("filter"), out)
	})
}
