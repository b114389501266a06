package api

import (
	"errors"
	"io"
	"net/http"
	"net/url"
)

// ACL is the handle for /v1/acl: bootstrap, tokens, policies and roles.
type ACL struct {
	c *Client
}

// ACL returns the handle for the /v1/acl endpoints.
func (c *Client) ACL() *ACL { return &ACL{c: c} }

// errLegacyRules is what the legacy rule translation calls return: the
// legacy syntax is gone, as in Consul's client.
var errLegacyRules = errors.New("legacy ACL rules were deprecated in Consul 1.4")

// Bootstrap creates the first management token, once per cluster
// (PUT /v1/acl/bootstrap). Later calls fail with a 403 StatusError
// carrying the reset index.
func (a *ACL) Bootstrap() (*ACLToken, *WriteMeta, error) {
	return a.BootstrapWithToken("")
}

// BootstrapWithToken is Bootstrap with the SecretID to give the token
// ("" lets the server choose).
func (a *ACL) BootstrapWithToken(btoken string) (*ACLToken, *WriteMeta, error) {
	r := a.c.newRequest(http.MethodPut, "/v1/acl/bootstrap")
	if btoken != "" {
		r.body = &BootstrapRequest{BootstrapSecret: btoken}
	}
	return aclWrite[ACLToken](a.c, r)
}

// TokenCreate creates a token (PUT /v1/acl/token); empty AccessorID and
// SecretID are generated.
func (a *ACL) TokenCreate(token *ACLToken, q *WriteOptions) (*ACLToken, *WriteMeta, error) {
	r := a.c.newRequest(http.MethodPut, "/v1/acl/token")
	r.setWriteOptions(q)
	r.body = token
	return aclWrite[ACLToken](a.c, r)
}

// TokenUpdate replaces the description, links and identities of the
// token with token.AccessorID (PUT /v1/acl/token/:accessor).
func (a *ACL) TokenUpdate(token *ACLToken, q *WriteOptions) (*ACLToken, *WriteMeta, error) {
	if token.AccessorID == "" {
		return nil, nil, errors.New("must specify an AccessorID for Token Updating")
	}
	r := a.c.newRequest(http.MethodPut, "/v1/acl/token/"+token.AccessorID)
	r.setWriteOptions(q)
	r.body = token
	return aclWrite[ACLToken](a.c, r)
}

// TokenClone creates a token with the links of an existing one and new
// IDs (PUT /v1/acl/token/:accessor/clone); an empty description keeps
// the source's.
func (a *ACL) TokenClone(accessorID string, description string, q *WriteOptions) (*ACLToken, *WriteMeta, error) {
	if accessorID == "" {
		return nil, nil, errors.New("must specify a token AccessorID for Token Cloning")
	}
	r := a.c.newRequest(http.MethodPut, "/v1/acl/token/"+accessorID+"/clone")
	r.setWriteOptions(q)
	r.body = struct{ Description string }{description}
	return aclWrite[ACLToken](a.c, r)
}

// TokenDelete deletes a token (DELETE /v1/acl/token/:accessor).
func (a *ACL) TokenDelete(accessorID string, q *WriteOptions) (*WriteMeta, error) {
	return a.delete("/v1/acl/token/"+accessorID, q)
}

// TokenRead reads a token by AccessorID (GET /v1/acl/token/:accessor).
// An unknown token is a 403 "ACL not found", as in Consul.
func (a *ACL) TokenRead(accessorID string, q *QueryOptions) (*ACLToken, *QueryMeta, error) {
	var out ACLToken
	m, err := a.read("/v1/acl/token/"+accessorID, q, &out, false)
	if err != nil {
		return nil, nil, err
	}
	return &out, m.QueryMeta, nil
}

// TokenReadSelf reads the token the request carries
// (GET /v1/acl/token/self).
func (a *ACL) TokenReadSelf(q *QueryOptions) (*ACLToken, *QueryMeta, error) {
	return a.TokenRead("self", q)
}

// TokenList lists every token (GET /v1/acl/tokens).
func (a *ACL) TokenList(q *QueryOptions) ([]*ACLTokenListEntry, *QueryMeta, error) {
	return a.TokenListFiltered(ACLTokenFilterOptions{}, q)
}

// TokenListFiltered lists the tokens that match f.
func (a *ACL) TokenListFiltered(f ACLTokenFilterOptions, q *QueryOptions) ([]*ACLTokenListEntry, *QueryMeta, error) {
	params := url.Values{}
	for k, v := range map[string]string{"authmethod": f.AuthMethod, "policy": f.Policy, "role": f.Role, "servicename": f.ServiceName} {
		if v != "" {
			params.Set(k, v)
		}
	}
	var out []*ACLTokenListEntry
	qm, err := a.list("/v1/acl/tokens", params, q, &out)
	return out, qm, err
}

// PolicyCreate creates a policy (PUT /v1/acl/policy); its ID must be
// empty.
func (a *ACL) PolicyCreate(policy *ACLPolicy, q *WriteOptions) (*ACLPolicy, *WriteMeta, error) {
	if policy.ID != "" {
		return nil, nil, errors.New("cannot specify an ID in Policy Creation")
	}
	r := a.c.newRequest(http.MethodPut, "/v1/acl/policy")
	r.setWriteOptions(q)
	r.body = policy
	return aclWrite[ACLPolicy](a.c, r)
}

// PolicyUpdate replaces the policy with policy.ID
// (PUT /v1/acl/policy/:id).
func (a *ACL) PolicyUpdate(policy *ACLPolicy, q *WriteOptions) (*ACLPolicy, *WriteMeta, error) {
	if policy.ID == "" {
		return nil, nil, errors.New("must specify an ID in Policy Update")
	}
	r := a.c.newRequest(http.MethodPut, "/v1/acl/policy/"+policy.ID)
	r.setWriteOptions(q)
	r.body = policy
	return aclWrite[ACLPolicy](a.c, r)
}

// PolicyDelete deletes a policy (DELETE /v1/acl/policy/:id).
func (a *ACL) PolicyDelete(policyID string, q *WriteOptions) (*WriteMeta, error) {
	return a.delete("/v1/acl/policy/"+policyID, q)
}

// PolicyRead reads a policy by ID (GET /v1/acl/policy/:id).
func (a *ACL) PolicyRead(policyID string, q *QueryOptions) (*ACLPolicy, *QueryMeta, error) {
	return aclReadOrNil[ACLPolicy](a, "/v1/acl/policy/"+policyID, q)
}

// PolicyReadByName reads a policy by name (GET /v1/acl/policy/name/:name);
// nil when there is none.
func (a *ACL) PolicyReadByName(policyName string, q *QueryOptions) (*ACLPolicy, *QueryMeta, error) {
	return aclReadOrNil[ACLPolicy](a, "/v1/acl/policy/name/"+url.QueryEscape(policyName), q)
}

// PolicyList lists the policies, without their rules
// (GET /v1/acl/policies).
func (a *ACL) PolicyList(q *QueryOptions) ([]*ACLPolicyListEntry, *QueryMeta, error) {
	var out []*ACLPolicyListEntry
	qm, err := a.list("/v1/acl/policies", nil, q, &out)
	return out, qm, err
}

// RulesTranslate always fails, as in Consul's client: the legacy rules
// syntax is gone.
func (a *ACL) RulesTranslate(rules io.Reader) (string, error) { return "", errLegacyRules }

// RulesTranslateToken always fails, as RulesTranslate.
func (a *ACL) RulesTranslateToken(tokenID string) (string, error) { return "", errLegacyRules }

// RoleCreate creates a role (PUT /v1/acl/role); its ID must be empty.
func (a *ACL) RoleCreate(role *ACLRole, q *WriteOptions) (*ACLRole, *WriteMeta, error) {
	if role.ID != "" {
		return nil, nil, errors.New("cannot specify an ID in Role Creation")
	}
	r := a.c.newRequest(http.MethodPut, "/v1/acl/role")
	r.setWriteOptions(q)
	r.body = role
	return aclWrite[ACLRole](a.c, r)
}

// RoleUpdate replaces the role with role.ID (PUT /v1/acl/role/:id).
func (a *ACL) RoleUpdate(role *ACLRole, q *WriteOptions) (*ACLRole, *WriteMeta, error) {
	if role.ID == "" {
		return nil, nil, errors.New("must specify an ID in Role Update")
	}
	r := a.c.newRequest(http.MethodPut, "/v1/acl/role/"+role.ID)
	r.setWriteOptions(q)
	r.body = role
	return aclWrite[ACLRole](a.c, r)
}

// RoleDelete deletes a role (DELETE /v1/acl/role/:id).
func (a *ACL) RoleDelete(roleID string, q *WriteOptions) (*WriteMeta, error) {
	return a.delete("/v1/acl/role/"+roleID, q)
}

// RoleRead reads a role by ID (GET /v1/acl/role/:id); nil when there is
// none.
func (a *ACL) RoleRead(roleID string, q *QueryOptions) (*ACLRole, *QueryMeta, error) {
	return aclReadOrNil[ACLRole](a, "/v1/acl/role/"+roleID, q)
}

// RoleReadByName reads a role by name (GET /v1/acl/role/name/:name); nil
// when there is none.
func (a *ACL) RoleReadByName(roleName string, q *QueryOptions) (*ACLRole, *QueryMeta, error) {
	return aclReadOrNil[ACLRole](a, "/v1/acl/role/name/"+url.QueryEscape(roleName), q)
}

// RoleList lists the roles (GET /v1/acl/roles).
func (a *ACL) RoleList(q *QueryOptions) ([]*ACLRole, *QueryMeta, error) {
	var out []*ACLRole
	qm, err := a.list("/v1/acl/roles", nil, q, &out)
	return out, qm, err
}

// aclWrite sends a write and decodes the record it answers.
func aclWrite[T any](c *Client, r *request) (*T, *WriteMeta, error) {
	var out T
	wm, err := c.exec(r, &out)
	if err != nil {
		return nil, nil, err
	}
	return &out, wm, nil
}

// aclReadOrNil reads one record; a 404 gives nil and no error.
func aclReadOrNil[T any](a *ACL, path string, q *QueryOptions) (*T, *QueryMeta, error) {
	var out T
	m, err := a.read(path, q, &out, true)
	if err != nil {
		return nil, nil, err
	}
	if m.notFound {
		return nil, m.QueryMeta, nil
	}
	return &out, m.QueryMeta, nil
}

// aclQueryMeta is a read's metadata and whether it was a 404.
type aclQueryMeta struct {
	*QueryMeta
	notFound bool
}

func (a *ACL) read(path string, q *QueryOptions, out any, allow404 bool) (*aclQueryMeta, error) {
	r := a.c.newRequest(http.MethodGet, path)
	r.setQueryOptions(q)
	if allow404 {
		r.accept = []int{http.StatusNotFound}
	}
	resp, rtt, err := a.c.send(r)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	qm := &QueryMeta{RequestTime: rtt}
	if err := parseQueryMeta(resp.Header, qm); err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return &aclQueryMeta{qm, true}, nil
	}
	if err := decodeJSON(resp, path, out); err != nil {
		return nil, err
	}
	return &aclQueryMeta{QueryMeta: qm}, nil
}

func (a *ACL) list(path string, params url.Values, q *QueryOptions, out any) (*QueryMeta, error) {
	r := a.c.newRequest(http.MethodGet, path)
	r.setQueryOptions(q)
	for k, vs := range params {
		r.params[k] = vs
	}
	return a.c.fetch(r, out)
}

func (a *ACL) delete(path string, q *WriteOptions) (*WriteMeta, error) {
	r := a.c.newRequest(http.MethodDelete, path)
	r.setWriteOptions(q)
	return a.c.exec(r, nil)
}
