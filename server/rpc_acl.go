package server

import (
	"context"
	"errors"
	"maps"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

// The RPC methods client agents call themselves, rather than through a
// forwarded HTTP request (whose X-Consul-Token the HTTP API judges), are
// judged here by the token the call carries (rpc.WithToken): anti-entropy
// (Catalog.Register, Catalog.Deregister, Catalog.NodeState), coordinate
// updates and the Subscribe stream that feeds an agent's views. A call
// another server forwarded was judged on the server it entered.

// ErrPermissionDenied is an RPC whose token does not grant it.
var ErrPermissionDenied = errors.New("Permission denied")

// ErrACLNotReady is an agent's call to a server whose ACL resolver is not
// set yet (it is starting); the caller retries.
var ErrACLNotReady = errors.New("server ACL resolver not ready")

func init() {
	rpc.RegisterError("permission-denied", ErrPermissionDenied)
	rpc.RegisterError("acl-not-ready", ErrACLNotReady)
}

// Authorize resolves an ACL token's secret to what it grants.
type Authorize func(secret string) (acl.Authorizer, error)

// SetRPCAuthorizer turns on ACL enforcement of agents' calls (the server
// agent's resolver, once it has one). Config.ACLsEnabled without it
// refuses those calls with ErrACLNotReady.
func (s *Server) SetRPCAuthorizer(f Authorize) { s.rpcAuthz.Store(&f) }

// callAuthorizer is what the token of an agent's call grants: nil (allow
// all) with ACLs off and for calls a server forwarded with the servers'
// secret.
func (s *Server) callAuthorizer(ctx context.Context) (acl.Authorizer, error) {
	if !s.cfg.ACLsEnabled || s.fromServer(ctx) { // server_secret.go
		return nil, nil
	}
	if rpc.IsForwarded(ctx) { // a server with a stale secret, or a forger
		return nil, ErrServerSecretMismatch
	}
	f := s.rpcAuthz.Load()
	if f == nil {
		return nil, ErrACLNotReady
	}
	return (*f)(rpc.Token(ctx))
}

// authorizeRegister asks for service:write on the registration's service
// and on the services of its checks, node:write for node checks and when
// the node is new or changes, as Consul's catalog endpoint.
func (s *Server) authorizeRegister(ctx context.Context, reg *state.Registration) error {
	authz, err := s.callAuthorizer(ctx)
	if err != nil {
		return err
	}
	if authz == nil {
		return nil
	}
	if !reg.SkipNodeUpdate && s.nodeChanges(&reg.Node) && !authz.NodeWrite(reg.Node.Node) {
		return ErrPermissionDenied
	}
	if reg.Service != nil && !authz.ServiceWrite(reg.Service.Name) {
		return ErrPermissionDenied
	}
	for _, c := range reg.Checks {
		if c.ServiceID == "" && !authz.NodeWrite(reg.Node.Node) {
			return ErrPermissionDenied
		}
		if c.ServiceID != "" && !authz.ServiceWrite(s.serviceName(reg, c)) {
			return ErrPermissionDenied
		}
	}
	return nil
}

// nodeChanges reports whether registering n creates or changes the stored
// node.
func (s *Server) nodeChanges(n *state.Node) bool {
	_, cur, err := s.store.GetNode(nil, n.Node)
	if err != nil || cur == nil {
		return true
	}
	return cur.Address != n.Address || (n.ID != "" && cur.ID != n.ID) ||
		!maps.Equal(cur.TaggedAddresses, n.TaggedAddresses) || !maps.Equal(cur.Meta, n.Meta)
}

// serviceName is the name of the service a check of reg belongs to: the
// registration's own, or the stored instance's.
func (s *Server) serviceName(reg *state.Registration, c *state.HealthCheck) string {
	if reg.Service != nil && reg.Service.ID == c.ServiceID {
		return reg.Service.Name
	}
	if _, _, svcs, err := s.store.NodeServices(nil, reg.Node.Node); err == nil {
		for _, sv := range svcs {
			if sv.ID == c.ServiceID {
				return sv.Name
			}
		}
	}
	return c.ServiceName
}

// authorizeDeregister asks for node:write to remove a node or a node
// check, and service:write (or node:write) for a service or its check.
func (s *Server) authorizeDeregister(ctx context.Context, d *state.Deregistration) error {
	authz, err := s.callAuthorizer(ctx)
	if err != nil {
		return err
	}
	if authz == nil || authz.NodeWrite(d.Node) {
		return nil
	}
	serviceID := d.ServiceID
	if serviceID == "" && d.CheckID != "" {
		_, checks, err := s.store.NodeChecks(nil, d.Node)
		if err != nil {
			return err
		}
		for _, c := range checks {
			if c.CheckID == d.CheckID {
				serviceID = c.ServiceID
			}
		}
	}
	if serviceID == "" {
		return ErrPermissionDenied
	}
	_, _, svcs, err := s.store.NodeServices(nil, d.Node)
	if err != nil {
		return err
	}
	for _, sv := range svcs {
		if sv.ID == serviceID && authz.ServiceWrite(sv.Name) {
			return nil
		}
	}
	return ErrPermissionDenied
}

// filterAddressMatches keeps what authz may read of a reverse lookup: the
// node with node:read, an instance with service:read and node:read on its
// node. A nil authz keeps everything.
func filterAddressMatches(m *state.AddressMatches, authz acl.Authorizer) *state.AddressMatches {
	if authz == nil {
		return m
	}
	out := &state.AddressMatches{}
	if m.Node != nil && authz.NodeRead(m.Node.Node) {
		out.Node = m.Node
	}
	for _, csn := range m.Services {
		if authz.ServiceRead(csn.Service.Name) && authz.NodeRead(csn.Node.Node) {
			out.Services = append(out.Services, csn)
		}
	}
	return out
}

// authorizeNode asks for node:read or node:write on a node.
func (s *Server) authorizeNode(ctx context.Context, node string, write bool) error {
	authz, err := s.callAuthorizer(ctx)
	if err != nil || authz == nil {
		return err
	}
	if write && !authz.NodeWrite(node) || !write && !authz.NodeRead(node) {
		return ErrPermissionDenied
	}
	return nil
}
