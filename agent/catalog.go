package agent

import (
	"context"

	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// serverCatalog gives the anti-entropy syncer the embedded server. When
// client agents exist, an RPC-backed twin will take its place.
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
