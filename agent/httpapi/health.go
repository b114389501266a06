package httpapi

import (
	memdb "github.com/hashicorp/go-memdb"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// checkRead is one of the store's check-list reads.
type checkRead func(ws memdb.WatchSet) (uint64, []*state.HealthCheck, error)

// writeChecks runs a blocking check-list read and writes what the token
// may see, filtered by node meta and ?filter.
func (s *Server) writeChecks(c *call, q *queryOptions, read checkRead) error {
	var checks []*state.HealthCheck
	var nodeMeta map[string]map[string]string
	err := s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, cs, err := read(ws)
		checks = cs
		if err != nil || len(q.NodeMeta) == 0 {
			return idx, err
		}
		nidx, nodes, err := s.catalog.Store().Nodes(ws)
		nodeMeta = make(map[string]map[string]string, len(nodes))
		for _, n := range nodes {
			nodeMeta[n.Node] = n.Meta
		}
		return max(idx, nidx), err
	})
	if err != nil {
		return err
	}
	return s.writeIndexed(c, func() (any, error) {
		out := make(api.HealthChecks, 0, len(checks))
		for _, hc := range checks {
			if nodeMeta != nil && !state.MetaMatches(nodeMeta[hc.Node], q.NodeMeta) {
				continue
			}
			if !c.visible(c.authz.NodeRead(hc.Node) && (hc.ServiceID == "" || c.authz.ServiceRead(hc.ServiceName))) {
				continue
			}
			out = append(out, toAPICheck(hc))
		}
		return applyFilter(q.Filter, out)
	})
}

func (s *Server) healthNode(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	if c.arg == "" {
		return badRequest("Missing node name")
	}
	return s.writeChecks(c, q, func(ws memdb.WatchSet) (uint64, []*state.HealthCheck, error) {
		return s.catalog.Store().NodeChecks(ws, c.arg)
	})
}

func (s *Server) healthChecks(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	if c.arg == "" {
		return badRequest("Missing service name")
	}
	return s.writeChecks(c, q, func(ws memdb.WatchSet) (uint64, []*state.HealthCheck, error) {
		return s.catalog.Store().ServiceChecks(ws, c.arg)
	})
}

func (s *Server) healthState(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	switch c.arg {
	case state.HealthAny, state.HealthPassing, state.HealthWarning, state.HealthCritical:
	default:
		return badRequest("Invalid check state %q", c.arg)
	}
	return s.writeChecks(c, q, func(ws memdb.WatchSet) (uint64, []*state.HealthCheck, error) {
		return s.catalog.Store().ChecksInState(ws, c.arg)
	})
}

func (s *Server) healthService(c *call) error { return s.healthServiceNodes(c, false) }
func (s *Server) healthConnect(c *call) error { return s.healthServiceNodes(c, true) }

func (s *Server) healthServiceNodes(c *call, connect bool) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	if c.arg == "" {
		return badRequest("Missing service name")
	}
	if q.Cached && s.healthViews != nil { // health_cached.go
		if done, err := s.healthFromView(c, q, connect); done {
			return err
		}
	}
	var nodes []state.CheckServiceNode
	var coords []*state.Coordinate // for ?near (coordinate_near.go)
	err = s.blockingRead(c, q, s.nearRead(q, &coords, func(ws memdb.WatchSet) (uint64, error) {
		idx, csns, err := s.catalog.Store().CheckServiceNodes(ws, c.arg, connect)
		nodes = csns
		return idx, err
	}))
	if err != nil {
		return err
	}
	return s.writeIndexed(c, func() (any, error) {
		out := s.serviceEntries(c, q, nodes) // health_cached.go
		sortNear(s, q.Near, coords, out, func(e *api.ServiceEntry) string { return e.Node.Node })
		return applyFilter(q.Filter, out)
	})
}

func allPassing(checks []*state.HealthCheck) bool {
	for _, hc := range checks {
		if hc.Status != state.HealthPassing {
			return false
		}
	}
	return true
}
