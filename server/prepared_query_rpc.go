package server

import (
	"context"
	"net/netip"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/preparedquery"
)

// A client agent has no store to run <name>.query DNS lookups on: it asks
// a server to execute the query (PreparedQuery.Execute), as its agent
// token allows.

// queryExecReq is a prepared query execution a client agent asks for.
type queryExecReq struct {
	NameOrID string
	Agent    string // the asking node, for Near "_agent"
	Source   string // the DNS client's address, for Near "_ip"; "" when unknown
}

func (s *Server) registerPreparedQueryExecute() {
	rpc.Handle(s.rpc, "PreparedQuery.Execute", func(ctx context.Context, r *queryExecReq) (*preparedquery.Result, error) {
		authz, err := s.callAuthorizer(ctx)
		if err != nil {
			return nil, err
		}
		opts := preparedquery.Options{Agent: r.Agent, Authz: authz}
		if r.Source != "" {
			opts.Source, _ = netip.ParseAddr(r.Source)
		}
		res, err := s.PreparedQuery(r.NameOrID, opts)
		if err != nil {
			return nil, err
		}
		return &res, nil
	})
}

// PreparedQuery executes a prepared query on a server, for a client
// agent's DNS. Only the asking node and source address of opts cross the
// wire; the server filters by the client's agent token.
func (c *Client) PreparedQuery(ctx context.Context, nameOrID string, opts preparedquery.Options) (preparedquery.Result, error) {
	req := &queryExecReq{NameOrID: nameOrID, Agent: opts.Agent}
	if opts.Source.IsValid() {
		req.Source = opts.Source.String()
	}
	var res preparedquery.Result
	err := c.Call(ctx, "PreparedQuery.Execute", req, &res)
	return res, err
}
