package httpapi

import (
	"net/http"
	"slices"
	"strings"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/server/state"
)

// nearAgent is the ?near value that names the agent serving the request.
const nearAgent = "_agent"

// resolveNearAgent replaces ?near=_agent with this agent's node name, so
// that a request a client agent forwards to a server still sorts from the
// client's node.
func resolveNearAgent(r *http.Request, node string) {
	if r.URL.RawQuery == "" || !strings.Contains(r.URL.RawQuery, nearAgent) {
		return
	}
	v := r.URL.Query()
	if v.Get("near") != nearAgent {
		return
	}
	v.Set("near", node)
	r.URL.RawQuery = v.Encode()
}

// nearRead wraps a read for ?near: it also reads the coordinates, into
// *coords, and returns the higher of both indexes, so that a cached answer
// is never sorted by coordinates older than the index says.
func (s *Server) nearRead(q *queryOptions, coords *[]*state.Coordinate, read readFunc) readFunc {
	if q.Near == "" {
		return read
	}
	return func(ws memdb.WatchSet) (uint64, error) {
		idx, err := read(ws)
		if err != nil {
			return 0, err
		}
		cidx, cs, err := s.catalog.Store().Coordinates(ws)
		*coords = cs
		return max(idx, cidx), err
	}
}

// sortNear orders items by the estimated round-trip time from the node
// near names ("_agent": this agent's) to each item's node. Items whose node
// has no coordinate go last; ties keep their order. Without a coordinate
// of the near node nothing moves, as in Consul.
func sortNear[T any](s *Server, near string, coords []*state.Coordinate, items []T, node func(T) string) {
	if near == "" || len(items) < 2 {
		return
	}
	if near == nearAgent {
		near = s.cfg.NodeName
	}
	byNode := make(map[string]*state.Coord, len(coords))
	for _, c := range coords {
		if c.Segment == "" {
			byNode[strings.ToLower(c.Node)] = c.Coord
		}
	}
	origin := byNode[strings.ToLower(near)]
	if origin == nil {
		return
	}
	type ranked struct {
		dist  float64
		known bool
		item  T
	}
	rs := make([]ranked, len(items))
	for i, it := range items {
		d, ok := origin.DistanceTo(byNode[strings.ToLower(node(it))])
		rs[i] = ranked{d, ok, it}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		switch {
		case a.known != b.known:
			if a.known {
				return -1
			}
			return 1
		case a.dist < b.dist:
			return -1
		case a.dist > b.dist:
			return 1
		}
		return 0
	})
	for i := range rs {
		items[i] = rs[i].item
	}
}
