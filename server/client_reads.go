package server

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

// NodeState is what the catalog holds for one node: what a client agent's
// anti-entropy compares its local state with.
type NodeState struct {
	Node     *state.Node
	Services []*state.Service
	Checks   []*state.HealthCheck
}

type nodeStateReq struct{ Node string }

// NodeState reads the catalog's record of node from this server's store.
func (s *Server) NodeState(node string) (*NodeState, error) {
	store := s.Store()
	_, n, services, err := store.NodeServices(nil, node)
	if err != nil {
		return nil, err
	}
	_, checks, err := store.NodeChecks(nil, node)
	if err != nil {
		return nil, err
	}
	return &NodeState{Node: n, Services: services, Checks: checks}, nil
}

// registerClientReads serves the reads client agents make over RPC.
func (s *Server) registerClientReads() {
	rpc.Handle(s.rpc, "Catalog.NodeState", func(ctx context.Context, r *nodeStateReq) (*NodeState, error) {
		if err := s.authorizeNode(ctx, r.Node, false); err != nil {
			return nil, err
		}
		return s.NodeState(r.Node)
	})
	rpc.Handle(s.rpc, "Catalog.ByAddress", func(ctx context.Context, r *byAddressReq) (*state.AddressMatches, error) {
		addr, err := netip.ParseAddr(r.Addr)
		if err != nil {
			return nil, fmt.Errorf("reverse lookup of %q: %w", r.Addr, err)
		}
		authz, err := s.callAuthorizer(ctx)
		if err != nil {
			return nil, err
		}
		m, err := s.store.MatchAddress(addr)
		if err != nil {
			return nil, err
		}
		return filterAddressMatches(m, authz), nil
	})
}

// byAddressReq asks for the node and instances with an address, for a
// client agent's reverse DNS lookups.
type byAddressReq struct{ Addr string }
