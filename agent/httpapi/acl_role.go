package httpapi

import (
	"net/http"
	"strings"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// Roles: PUT /v1/acl/role creates; /v1/acl/role/:id reads (GET), updates
// (PUT) and deletes (DELETE); /v1/acl/role/name/:name reads by name;
// /v1/acl/roles lists (?policy). An unknown role reads as a 404 with an
// empty body, as in Consul.

func (s *Server) aclRoleCreate(c *call) error {
	return s.aclRoleWrite(c, "")
}

// aclRole dispatches /v1/acl/role/:id and /v1/acl/role/name/:name.
func (s *Server) aclRole(c *call) error {
	if name, ok := strings.CutPrefix(c.arg, "name/"); ok {
		if c.r.Method != http.MethodGet {
			return methodNotAllowed(c, http.MethodGet)
		}
		return s.aclRoleRead(c, name, true)
	}
	if c.arg == "" {
		return badRequest("Missing role ID")
	}
	switch c.r.Method {
	case http.MethodPut:
		return s.aclRoleWrite(c, c.arg)
	case http.MethodDelete:
		return s.aclRoleDelete(c, c.arg)
	}
	return s.aclRoleRead(c, c.arg, false)
}

func (s *Server) aclRoleRead(c *call, key string, byName bool) error {
	if err := s.aclCheck(c, false); err != nil {
		return err
	}
	if key == "" {
		return badRequest("Missing role name")
	}
	var r *state.ACLRole
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	err = s.blockingRead(c, q, func(ws memdb.WatchSet) (idx uint64, err error) {
		if byName {
			idx, r, err = s.catalog.ACLRoleGetByName(ws, key)
		} else {
			idx, r, err = s.catalog.ACLRoleGet(ws, key)
		}
		return idx, err
	})
	if err != nil {
		return err
	}
	if r == nil {
		return notFoundEmpty(c)
	}
	return s.writeJSON(c, toAPIRole(r))
}

// aclRoleWrite creates (id "") or updates the role with ID id.
func (s *Server) aclRoleWrite(c *call, id string) error {
	if err := s.aclCheck(c, true); err != nil {
		return err
	}
	var in api.ACLRole
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	switch {
	case id == "" && in.ID != "":
		return badRequest("Invalid Role: cannot specify an ID when creating a role")
	case id != "" && in.ID != "" && in.ID != id:
		return badRequest("Role ID in URL and payload do not match")
	case in.Name == "":
		return badRequest("Invalid Role: no Name is set")
	case len(in.TemplatedPolicies) > 0:
		return badRequest("Invalid Role: templated policies are not supported")
	}
	r := fromAPIRole(&in)
	r.ID = id
	if _, err := s.catalog.ACLRoleSet(c.r.Context(), r); err != nil {
		return aclWriteErr(err)
	}
	return s.writeJSON(c, toAPIRole(r))
}

func (s *Server) aclRoleDelete(c *call, id string) error {
	if err := s.aclCheck(c, true); err != nil {
		return err
	}
	if _, err := s.catalog.ACLRoleDelete(c.r.Context(), id); err != nil {
		return aclWriteErr(err)
	}
	return s.writeJSON(c, true)
}

func (s *Server) aclRoleList(c *call) error {
	if err := s.aclCheck(c, false); err != nil {
		return err
	}
	policy := c.r.URL.Query().Get("policy")
	var list []*state.ACLRole
	read := func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.ACLRoleList(ws, policy)
		list = got
		return idx, err
	}
	return s.aclRead(c, read, func() (any, error) {
		out := make([]*api.ACLRole, 0, len(list))
		for _, r := range list {
			out = append(out, toAPIRole(r))
		}
		return applyFilter(c.r.URL.Query().Get("filter"), out)
	})
}
