package httpapi

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/preparedquery"
	"github.com/pylonmesh/pylon/server/state"
)

// Prepared queries: /v1/query (POST create, GET list) and
// /v1/query/:id (GET, PUT, DELETE), /v1/query/:id-or-name/execute and
// /v1/query/:id-or-name/explain.
//
// ACLs follow Consul: a query is governed by query rules on its name (a
// template's name is its prefix); a query without a name or template is
// governed by its ID alone. Executing needs no query rule: the instances are
// filtered by service and node read of the query's own token, or of the
// caller's when the query has none.
//
// TODO(issue 6): Consul shows a query's Token only to tokens with acl:write
// and "<hidden>" to others. The Authorizer has no ACL-management question
// yet and allows everything while ACLs are off, so tokens are shown as
// stored.

// errQueryNotFound is Consul's answer for an unknown query ID or name.
var errQueryNotFound = &httpError{http.StatusNotFound, "Query not found"}

// preparedQueries serves /v1/query.
func (s *Server) preparedQueries(c *call) error {
	if c.r.Method == http.MethodPost {
		return s.queryCreate(c)
	}
	return s.queryList(c)
}

// preparedQuery serves /v1/query/ and dispatches on the path's suffix and
// the method, as Consul does: an argument ending in /execute or /explain
// names a query by ID or name; any other is a query ID.
func (s *Server) preparedQuery(c *call) error {
	for _, sub := range []struct {
		suffix string
		handle func(s *Server, c *call, nameOrID string) error
	}{{"/execute", (*Server).queryExecute}, {"/explain", (*Server).queryExplain}} {
		if nameOrID, ok := strings.CutSuffix(c.arg, sub.suffix); ok {
			if c.r.Method != http.MethodGet {
				c.w.Header().Set("Allow", "GET,OPTIONS")
				return &httpError{http.StatusMethodNotAllowed, "method " + c.r.Method + " not allowed"}
			}
			return sub.handle(s, c, nameOrID)
		}
	}
	if c.arg == "" || strings.Contains(c.arg, "/") {
		return badRequest("Missing or invalid query ID %q", c.arg)
	}
	switch c.r.Method {
	case http.MethodPut:
		return s.queryUpdate(c)
	case http.MethodDelete:
		return s.queryDelete(c)
	}
	return s.queryGet(c)
}

func (s *Server) queryCreate(c *call) error {
	var in api.PreparedQueryDefinition
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	q, err := fromAPIQuery(&in)
	if err != nil {
		return err
	}
	if !mayWriteQuery(c.authz, q) {
		return errPermissionDenied
	}
	if _, err := s.catalog.PreparedQueryApply(c.r.Context(), state.QueryOpCreate, q); err != nil {
		return queryError(err)
	}
	return s.writeJSON(c, struct{ ID string }{q.ID})
}

func (s *Server) queryUpdate(c *call) error {
	var in api.PreparedQueryDefinition
	if c.r.ContentLength != 0 {
		if err := decodeBody(c, &in); err != nil {
			return err
		}
	}
	q, err := fromAPIQuery(&in)
	if err != nil {
		return err
	}
	q.ID = c.arg // the URL's ID wins over the body's
	if err := s.mayChangeQuery(c, q.ID); err != nil {
		return err
	}
	if !mayWriteQuery(c.authz, q) {
		return errPermissionDenied
	}
	_, err = s.catalog.PreparedQueryApply(c.r.Context(), state.QueryOpUpdate, q)
	return queryError(err)
}

func (s *Server) queryDelete(c *call) error {
	if err := s.mayChangeQuery(c, c.arg); err != nil {
		return err
	}
	_, err := s.catalog.PreparedQueryApply(c.r.Context(), state.QueryOpDelete, &state.PreparedQuery{ID: c.arg})
	return queryError(err)
}

// mayChangeQuery checks that the token may write the stored query id. An
// unknown ID passes here; the apply reports it.
func (s *Server) mayChangeQuery(c *call, id string) error {
	_, existing, err := s.catalog.Store().PreparedQueryGet(nil, id)
	if err != nil {
		return err
	}
	if existing != nil && !mayWriteQuery(c.authz, existing) {
		return errPermissionDenied
	}
	return nil
}

func (s *Server) queryList(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	var queries []*state.PreparedQuery
	err = s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, qs, err := s.catalog.Store().PreparedQueryList(ws)
		queries = qs
		return max(idx, 1), err // 0 (never written) would answer ?index=1 at once, forever
	})
	if err != nil {
		return err
	}
	return s.writeIndexed(c, func() (any, error) {
		out := make([]api.PreparedQueryDefinition, 0, len(queries))
		for _, pq := range queries {
			// A query without a name is for whoever knows its ID; Consul
			// lists it to management tokens only, and Pylon cannot store
			// one yet (it needs a session).
			if name, ok := queryACLName(pq); c.visible(ok && c.authz.QueryRead(name)) {
				out = append(out, toAPIQuery(pq))
			}
		}
		return out, nil
	})
}

func (s *Server) queryGet(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	var pq *state.PreparedQuery
	err = s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.Store().PreparedQueryGet(ws, c.arg)
		pq = got
		return max(idx, 1), err
	})
	if err != nil {
		return err
	}
	if pq == nil {
		return errQueryNotFound
	}
	if !mayReadQuery(c.authz, pq) {
		return errPermissionDenied
	}
	return s.writeIndexed(c, func() (any, error) {
		return []api.PreparedQueryDefinition{toAPIQuery(pq)}, nil
	})
}

func (s *Server) queryExplain(c *call, nameOrID string) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	var pq *state.PreparedQuery
	q.MinIndex = 0 // explain answers at once, as in Consul
	err = s.blockingRead(c, q, func(memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.Store().PreparedQueryResolve(nil, nameOrID)
		pq = got
		return max(idx, 1), err
	})
	if err != nil {
		return queryError(err)
	}
	if pq == nil {
		return errQueryNotFound
	}
	if !mayReadQuery(c.authz, pq) {
		return errPermissionDenied
	}
	return s.writeJSON(c, api.PreparedQueryExplainResponse{Query: toAPIQuery(pq)})
}

func (s *Server) queryExecute(c *call, nameOrID string) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	opts, err := s.executeOptions(c, q)
	if err != nil {
		return err
	}
	store := s.catalog.Store()
	var res preparedquery.Result
	q.MinIndex = 0 // execute answers at once, as in Consul
	err = s.blockingRead(c, q, func(memdb.WatchSet) (uint64, error) {
		_, pq, err := store.PreparedQueryResolve(nil, nameOrID)
		if err != nil || pq == nil {
			return 0, errOr(err, errQueryNotFound)
		}
		if opts.Authz, err = s.executeAuthz(c, pq); err != nil {
			return 0, err
		}
		res, err = preparedquery.Execute(store, pq, opts)
		return max(res.Index, 1), err
	})
	if err != nil {
		return queryError(err)
	}
	out := api.PreparedQueryExecuteResponse{Service: res.Service, DNS: api.QueryDNSOptions{TTL: res.DNS.TTL},
		Datacenter: res.Datacenter, Failovers: res.Failovers, Nodes: make([]api.ServiceEntry, 0, len(res.Nodes))}
	for _, csn := range res.Nodes {
		out.Nodes = append(out.Nodes, *toServiceEntry(csn, res.Datacenter))
	}
	return s.writeJSON(c, out) // never cached: every execution is shuffled anew
}

// executeOptions reads ?limit, ?connect and ?near, and the client address
// for near=_ip.
func (s *Server) executeOptions(c *call, q *queryOptions) (preparedquery.Options, error) {
	opts := preparedquery.Options{Datacenter: s.cfg.Datacenter, Near: q.Near, Agent: s.cfg.NodeName,
		Connect: boolParam(c.r, "connect")}
	if raw := c.r.URL.Query().Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return opts, badRequest("Bad limit: %q", raw)
		}
		opts.Limit = n
	}
	if host, _, err := net.SplitHostPort(c.r.RemoteAddr); err == nil {
		if addr, err := netip.ParseAddr(host); err == nil {
			opts.Source = addr.Unmap()
		}
	}
	return opts, nil
}

// executeAuthz is the Authorizer instances are filtered with: the query's
// own token's when it has one, else the caller's.
func (s *Server) executeAuthz(c *call, pq *state.PreparedQuery) (acl.Authorizer, error) {
	if pq.Token == "" {
		return c.authz, nil
	}
	return s.authz(pq.Token)
}

// queryError maps the store's prepared query errors to HTTP errors.
func queryError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, state.ErrInvalidQuery), errors.Is(err, state.ErrTemplateByID):
		return badRequest("%v", err)
	case errors.Is(err, state.ErrQueryNotFound):
		return notFound("%v", err)
	}
	return err
}

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// queryACLName is the name query rules match q by; ok is false for a query
// with neither a name nor a template, which only its ID guards.
func queryACLName(q *state.PreparedQuery) (name string, ok bool) {
	return q.Name, q.Name != "" || q.Template.Type != ""
}

func mayReadQuery(authz acl.Authorizer, q *state.PreparedQuery) bool {
	name, ok := queryACLName(q)
	return !ok || authz.QueryRead(name)
}

func mayWriteQuery(authz acl.Authorizer, q *state.PreparedQuery) bool {
	name, ok := queryACLName(q)
	return !ok || authz.QueryWrite(name)
}

// toAPIQuery converts a stored query to the wire type.
func toAPIQuery(q *state.PreparedQuery) api.PreparedQueryDefinition {
	svc := &q.Service
	out := api.PreparedQueryDefinition{
		ID: q.ID, Name: q.Name, Session: q.Session, Token: q.Token,
		Service: api.ServiceQuery{
			Service: svc.Service, Near: svc.Near, IgnoreCheckIDs: svc.IgnoreCheckIDs,
			OnlyPassing: svc.OnlyPassing, Tags: svc.Tags, NodeMeta: svc.NodeMeta,
			ServiceMeta: svc.ServiceMeta, Connect: svc.Connect,
			Failover: api.QueryFailoverOptions{NearestN: svc.Failover.NearestN, Datacenters: svc.Failover.Datacenters},
		},
		DNS:         api.QueryDNSOptions{TTL: q.DNS.TTL},
		Template:    api.QueryTemplate{Type: q.Template.Type, Regexp: q.Template.Regexp, RemoveEmptyTags: q.Template.RemoveEmptyTags},
		CreateIndex: q.CreateIndex,
		ModifyIndex: q.ModifyIndex,
	}
	for _, t := range svc.Failover.Targets {
		out.Service.Failover.Targets = append(out.Service.Failover.Targets,
			api.QueryFailoverTarget{Peer: t.Peer, Datacenter: t.Datacenter})
	}
	return out
}

// fromAPIQuery converts a create or update body, refusing what Consul CE or
// Pylon does not support. Validation of the rest is the store's.
func fromAPIQuery(in *api.PreparedQueryDefinition) (*state.PreparedQuery, error) {
	svc := &in.Service
	for _, ent := range []struct{ name, value string }{
		{"Service.Namespace", svc.Namespace}, {"Service.Partition", svc.Partition},
		{"Service.SamenessGroup", svc.SamenessGroup},
	} {
		if ent.value != "" {
			return nil, badRequest("%q is a Consul Enterprise feature", ent.name)
		}
	}
	out := &state.PreparedQuery{
		ID: in.ID, Name: in.Name, Session: in.Session, Token: in.Token,
		Service: state.ServiceQuery{
			Service: svc.Service, Near: svc.Near, IgnoreCheckIDs: svc.IgnoreCheckIDs,
			OnlyPassing: svc.OnlyPassing, Tags: svc.Tags, NodeMeta: svc.NodeMeta,
			ServiceMeta: svc.ServiceMeta, Connect: svc.Connect,
			Failover: state.QueryFailoverOptions{NearestN: svc.Failover.NearestN, Datacenters: svc.Failover.Datacenters},
		},
		DNS:      state.QueryDNSOptions{TTL: in.DNS.TTL},
		Template: state.QueryTemplate{Type: in.Template.Type, Regexp: in.Template.Regexp, RemoveEmptyTags: in.Template.RemoveEmptyTags},
	}
	for _, t := range svc.Failover.Targets {
		if t.Namespace != "" || t.Partition != "" {
			return nil, badRequest("%q is a Consul Enterprise feature", "Failover.Targets namespace and partition")
		}
		out.Service.Failover.Targets = append(out.Service.Failover.Targets,
			state.QueryFailoverTarget{Peer: t.Peer, Datacenter: t.Datacenter})
	}
	return out, nil
}
