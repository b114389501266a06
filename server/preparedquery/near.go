package preparedquery

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/pylonmesh/pylon/server/state"
)

// nearNode names the node that near points at: the asking agent's for
// NearAgent, the node among nodes with the client's address for NearIP;
// "" when there is none.
func nearNode(nodes []state.CheckServiceNode, near string, opts Options) string {
	switch near {
	case NearAgent:
		return opts.Agent
	case NearIP:
		if !opts.Source.IsValid() {
			return ""
		}
		for _, csn := range nodes {
			if a, err := netip.ParseAddr(csn.Node.Address); err == nil && a.Unmap() == opts.Source.Unmap() {
				return csn.Node.Node
			}
		}
		return ""
	}
	return near
}

// sortByDistance orders nodes by the estimated round-trip time from the
// node near names, nodes without a coordinate last, keeping the shuffled
// order among equals. It reports false, changing nothing, when that node
// has no coordinate.
func sortByDistance(store *state.Store, nodes []state.CheckServiceNode, near string, opts Options) bool {
	name := nearNode(nodes, near, opts)
	if name == "" || len(nodes) == 0 {
		return false
	}
	_, coords, err := store.Coordinates(nil)
	if err != nil {
		return false
	}
	byNode := make(map[string]*state.Coord, len(coords))
	for _, c := range coords {
		if c.Segment == "" {
			byNode[strings.ToLower(c.Node)] = c.Coord
		}
	}
	origin := byNode[strings.ToLower(name)]
	if origin == nil {
		return false
	}
	dist := func(csn state.CheckServiceNode) (float64, bool) {
		return origin.DistanceTo(byNode[strings.ToLower(csn.Node.Node)])
	}
	slices.SortStableFunc(nodes, func(a, b state.CheckServiceNode) int {
		da, oka := dist(a)
		db, okb := dist(b)
		switch {
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return 0
	})
	return true
}
