package httpapi

import (
	"context"
	"net/http"
	"slices"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server/state"
)

// CoordinateStore is the server side of the network coordinate endpoints.
type CoordinateStore interface {
	// CoordinateUpdate hands a node's coordinate to the leader, which
	// writes it with its next batch.
	CoordinateUpdate(ctx context.Context, u *state.Coordinate) error
	// ServerCoordinates lists the coordinates of this datacenter's
	// servers.
	ServerCoordinates() ([]*state.Coordinate, error)
}

// wanAreaID is the AreaID Consul gives the WAN pool's coordinates.
const wanAreaID = "wan"

// coordinateDatacenters answers the servers' WAN coordinates of each known
// datacenter; it needs no ACL, as in Consul. Without a WAN pool the list
// holds this datacenter, with its servers' LAN coordinates.
func (s *Server) coordinateDatacenters(c *call) error {
	if s.agent != nil {
		if dcs := s.agent.DatacenterCoordinates(); dcs != nil {
			s.setLeaderMeta(c.w)
			return s.writeJSON(c, dcs)
		}
	}
	cs, err := s.catalog.ServerCoordinates()
	if err != nil {
		return err
	}
	entries := make([]api.CoordinateEntry, 0, len(cs))
	for _, co := range cs {
		entries = append(entries, api.CoordinateEntry{Node: co.Node, Segment: co.Segment, Coord: toAPICoord(co.Coord)})
	}
	s.setLeaderMeta(c.w)
	return s.writeJSON(c, []api.CoordinateDatacenterMap{{
		Datacenter: s.cfg.Datacenter, AreaID: wanAreaID, Coordinates: entries,
	}})
}

// coordinateNodes answers the LAN coordinates of every node the token may
// read. ?segment is accepted and ignored: there are no network segments.
func (s *Server) coordinateNodes(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	var cs []*state.Coordinate
	err = s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.Store().Coordinates(ws)
		cs = got
		return idx, err
	})
	if err != nil {
		return err
	}
	return s.writeIndexed(c, func() (any, error) {
		return applyFilter(q.Filter, toCoordinateEntries(c, cs))
	})
}

// coordinateNode answers one node's coordinates; 404 when it has none (or
// the token may not read the node).
func (s *Server) coordinateNode(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	var cs []*state.Coordinate
	err = s.blockingRead(c, q, func(ws memdb.WatchSet) (uint64, error) {
		idx, got, err := s.catalog.Store().NodeCoordinates(ws, c.arg)
		cs = got
		return idx, err
	})
	if err != nil {
		return err
	}
	out := toCoordinateEntries(c, cs)
	if len(out) == 0 {
		c.w.WriteHeader(http.StatusNotFound)
		return nil
	}
	return s.writeJSON(c, out)
}

// coordinateUpdate takes {Node, Segment, Coord} for the servers' next
// batch; it needs node:write on the node.
func (s *Server) coordinateUpdate(c *call) error {
	var in api.CoordinateEntry
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if in.Node == "" {
		return badRequest("Missing node name")
	}
	if !c.authz.NodeWrite(in.Node) {
		return errPermissionDenied
	}
	u := &state.Coordinate{Node: in.Node, Segment: in.Segment, Coord: fromAPICoord(in.Coord)}
	if !u.Coord.Valid() {
		return badRequest("invalid coordinate")
	}
	return s.catalog.CoordinateUpdate(c.r.Context(), u)
}

// toCoordinateEntries converts the coordinates of the nodes the token may
// read; never nil.
func toCoordinateEntries(c *call, cs []*state.Coordinate) []api.CoordinateEntry {
	out := make([]api.CoordinateEntry, 0, len(cs))
	for _, co := range cs {
		if c.visible(c.authz.NodeRead(co.Node)) {
			out = append(out, api.CoordinateEntry{Node: co.Node, Segment: co.Segment, Coord: toAPICoord(co.Coord)})
		}
	}
	return out
}

func toAPICoord(co *state.Coord) *api.Coord {
	if co == nil {
		return nil
	}
	return &api.Coord{Vec: slices.Clone(co.Vec), Error: co.Error, Adjustment: co.Adjustment, Height: co.Height}
}

func fromAPICoord(co *api.Coord) *state.Coord {
	if co == nil {
		return nil
	}
	return &state.Coord{Vec: slices.Clone(co.Vec), Error: co.Error, Adjustment: co.Adjustment, Height: co.Height}
}
