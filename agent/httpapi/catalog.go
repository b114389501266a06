package httpapi

import (
	"cmp"
	"slices"
	"strings"

	memdb "github.com/hashicorp/go-memdb"
	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

func (s *Server) catalogDatacenters(c *call) error {
	if s.agent == nil {
		return s.writeJSON(c, []string{s.cfg.Datacenter})
	}
	return s.writeJSON(c, s.agent.Datacenters())
}

func (s *Server) catalogNodes(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	var nodes []*state.Node
	var coords []*state.Coordinate // for ?near (coordinate_near.go)
	err = s.blockingRead(c, q, s.nearRead(q, &coords, func(ws memdb.WatchSet) (uint64, error) {
		idx, ns, err := s.catalog.Store().Nodes(ws)
		nodes = ns
		return idx, err
	}))
	if err != nil {
		return err
	}
	return s.writeIndexed(c, func() (any, error) {
		out := make([]*api.Node, 0, len(nodes))
		for _, n := range nodes {
			if state.MetaMatches(n.Meta, q.NodeMeta) && c.visible(c.authz.NodeRead(n.Node)) {
				out = append(out, toAPINode(n))
			}
		}
		sortNear(s, q.Near, coords, out, func(n *api.Node) string { return n.Node })
		return applyFilter(q.Filter, out)
	})
}

func (s *Server) catalogServices(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	var services map[string][]string
	err = s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, svcs, err := s.catalog.Store().Services(ws, q.NodeMeta)
		services = svcs
		return idx, err
	})
	if err != nil {
		return err
	}
	return s.writeIndexed(c, func() (any, error) {
		out := make(map[string][]string, len(services))
		for name, tags := range services {
			if c.visible(c.authz.ServiceRead(name)) {
				out[name] = orEmpty(tags)
			}
		}
		return out, nil
	})
}

func (s *Server) catalogService(c *call) error { return s.catalogServiceNodes(c, false) }
func (s *Server) catalogConnect(c *call) error { return s.catalogServiceNodes(c, true) }

func (s *Server) catalogServiceNodes(c *call, connect bool) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	if c.arg == "" {
		return badRequest("Missing service name")
	}
	var nodes []state.ServiceNode
	var coords []*state.Coordinate // for ?near (coordinate_near.go)
	err = s.blockingRead(c, q, s.nearRead(q, &coords, func(ws memdb.WatchSet) (uint64, error) {
		idx, sns, err := s.catalog.Store().ServiceNodes(ws, c.arg, connect)
		nodes = sns
		return idx, err
	}))
	if err != nil {
		return err
	}
	return s.writeIndexed(c, func() (any, error) {
		out := make([]*api.CatalogService, 0, len(nodes))
		for _, sn := range nodes {
			if !matchTags(sn.Service.Tags, q.Tags) || !state.MetaMatches(sn.Node.Meta, q.NodeMeta) {
				continue
			}
			if c.visible(c.authz.ServiceRead(sn.Service.Name) && c.authz.NodeRead(sn.Node.Node)) {
				out = append(out, toCatalogService(sn))
			}
		}
		sortNear(s, q.Near, coords, out, func(cs *api.CatalogService) string { return cs.Node })
		return applyFilter(q.Filter, out)
	})
}

func (s *Server) catalogNode(c *call) error {
	node, services, q, err := s.readNodeServices(c)
	if err != nil || node == nil {
		if err == nil {
			err = s.writeJSON(c, nil)
		}
		return err
	}
	m := make(map[string]*api.AgentService, len(services))
	for _, svc := range services {
		m[svc.ID] = svc
	}
	if m, err = applyFilter(q.Filter, m); err != nil {
		return err
	}
	return s.writeJSON(c, &api.CatalogNode{Node: node, Services: m})
}

func (s *Server) catalogNodeServices(c *call) error {
	node, services, q, err := s.readNodeServices(c)
	if err != nil || node == nil {
		if err == nil {
			err = s.writeJSON(c, nil)
		}
		return err
	}
	if services, err = applyFilter(q.Filter, services); err != nil {
		return err
	}
	return s.writeJSON(c, &api.CatalogNodeServiceList{Node: node, Services: services})
}

// readNodeServices is the shared read of /catalog/node and
// /catalog/node-services. A missing or unreadable node gives a nil node.
func (s *Server) readNodeServices(c *call) (*api.Node, []*api.AgentService, *queryOptions, error) {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return nil, nil, nil, err
	}
	if c.arg == "" {
		return nil, nil, nil, badRequest("Missing node name")
	}
	var node *state.Node
	var services []*state.Service
	err = s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, n, svcs, err := s.catalog.Store().NodeServices(ws, c.arg)
		node, services = n, svcs
		return idx, err
	})
	if err != nil || node == nil || !c.visible(c.authz.NodeRead(node.Node)) {
		return nil, nil, q, err
	}
	out := make([]*api.AgentService, 0, len(services))
	for _, svc := range services {
		if c.visible(c.authz.ServiceRead(svc.Name)) {
			out = append(out, toAPIService(svc, s.cfg.Datacenter))
		}
	}
	return toAPINode(node), out, q, nil
}

func (s *Server) catalogRegister(c *call) error {
	var in api.CatalogRegistration
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	reg, err := fromCatalogRegistration(&in, s.cfg.Datacenter)
	if err != nil {
		return err
	}
	if !c.authz.NodeWrite(reg.Node.Node) ||
		(reg.Service != nil && !mayWriteService(c.authz, reg.Service.Name, reg.Service.Proxy.DestinationServiceName)) {
		return errPermissionDenied
	}
	if _, err := s.catalog.Register(c.r.Context(), reg); err != nil {
		return err
	}
	return writeBody(c, trueBody)
}

func (s *Server) catalogDeregister(c *call) error {
	var in api.CatalogDeregistration
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if in.Node == "" {
		return badRequest("Missing node name")
	}
	if !c.authz.NodeWrite(in.Node) {
		return errPermissionDenied
	}
	d := &state.Deregistration{Node: in.Node, ServiceID: in.ServiceID, CheckID: in.CheckID}
	if _, err := s.catalog.Deregister(c.r.Context(), d); err != nil {
		return err
	}
	return s.writeJSON(c, true)
}

// mayWriteService reports whether the token may register the service
// name, a proxy for dest when dest is not empty: that needs write on both,
// so that no token registers a proxy for a service it may not write
// (Consul's CVE-2021-38698).
func mayWriteService(a acl.Authorizer, name, dest string) bool {
	return a.ServiceWrite(name) && (dest == "" || a.ServiceWrite(dest))
}

// mayRegisterDef is mayWriteService for an agent service definition and
// the sidecar it asks for.
func mayRegisterDef(a acl.Authorizer, def *config.ServiceDefinition) bool {
	dest := ""
	if def.Proxy != nil {
		dest = def.Proxy.DestinationServiceName
	}
	if !mayWriteService(a, def.Name, dest) {
		return false
	}
	if def.Connect == nil || def.Connect.SidecarService == nil {
		return true
	}
	sc := def.Connect.SidecarService
	name, dest := cmp.Or(sc.Name, def.Name+"-sidecar-proxy"), def.Name
	if sc.Proxy != nil {
		dest = cmp.Or(sc.Proxy.DestinationServiceName, dest)
	}
	return mayWriteService(a, name, dest)
}

// matchTags reports whether have holds every tag of want (case-insensitive,
// as Consul matches tags).
func matchTags(have, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, w) }) {
			return false
		}
	}
	return true
}
