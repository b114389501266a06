package agent

import (
	"context"

	"github.com/pylonmesh/pylon/agent/httpapi"
	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// serverCatalog gives the anti-entropy syncer the embedded server;
// clientCatalog the remote servers of a client agent.
type serverCatalog struct{ srv *server.Server }

var _ local.Catalog = serverCatalog{}

func (c serverCatalog) Register(ctx context.Context, reg *state.Registration) (uint64, error) {
	return c.srv.Register(ctx, reg)
}

func (c serverCatalog) Deregister(ctx context.Context, d *state.Deregistration) (uint64, error) {
	return c.srv.Deregister(ctx, d)
}

func (c serverCatalog) NodeState(_ context.Context, node string) (*state.Node, []*state.Service, []*state.HealthCheck, error) {
	store := c.srv.Store()
	_, n, services, err := store.NodeServices(nil, node)
	if err != nil {
		return nil, nil, nil, err
	}
	_, checks, err := store.NodeChecks(nil, node)
	if err != nil {
		return nil, nil, nil, err
	}
	return n, services, checks, nil
}

// clientCatalog gives the anti-entropy syncer of a client agent the
// servers, over RPC.
type clientCatalog struct{ c *server.Client }

var _ local.Catalog = clientCatalog{}

func (c clientCatalog) Register(ctx context.Context, reg *state.Registration) (uint64, error) {
	return c.c.Register(ctx, reg)
}

func (c clientCatalog) Deregister(ctx context.Context, d *state.Deregistration) (uint64, error) {
	return c.c.Deregister(ctx, d)
}

func (c clientCatalog) NodeState(ctx context.Context, node string) (*state.Node, []*state.Service, []*state.HealthCheck, error) {
	ns, err := c.c.NodeState(ctx, node)
	if err != nil {
		return nil, nil, nil, err
	}
	return ns.Node, ns.Services, ns.Checks, nil
}

// catalogForSync is where anti-entropy writes: the embedded server, or
// the remote servers of a client agent.
func (a *Agent) catalogForSync() local.Catalog {
	if a.server != nil {
		return serverCatalog{a.server}
	}
	return clientCatalog{a.client}
}

// httpCatalog is the HTTP API's catalog: the embedded server, or nil on a
// client agent, whose API forwards what needs one.
func (a *Agent) httpCatalog() httpapi.Catalog {
	if a.server != nil {
		return a.server
	}
	return nil
}
