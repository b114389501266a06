package agent

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/gossip"
)

// As Consul, a server orders the other datacenters by the median estimated
// round trip from its WAN coordinate to their servers', and sends a
// request for a datacenter to the nearest of its servers.

// unknownRTT is the distance of a datacenter none of whose servers has a
// coordinate yet: after every measured one.
const unknownRTT = time.Duration(math.MaxInt64)

// wanServer is an alive server of the WAN pool.
type wanServer struct {
	node  string // the node name, without the WAN pool's ".<dc>"
	addr  string // its server port, host:port
	coord *gossip.Coordinate
	rtt   time.Duration // from this server; unknownRTT without coordinates
}

// wanDatacenter is a datacenter of the WAN pool with its servers, nearest
// first.
type wanDatacenter struct {
	name    string
	rtt     time.Duration // the median of its servers' rtt
	servers []wanServer
}

// wanDatacenters lists the datacenters of the WAN pool's alive servers:
// this agent's first, then the others by distance, then name. Nil without
// a WAN pool.
func (a *Agent) wanDatacenters() []wanDatacenter {
	pool := a.wan.Load()
	if pool == nil {
		return nil
	}
	own, _ := pool.GetCoordinate()
	self := pool.LocalMember().Name
	byDC := map[string][]wanServer{}
	for _, m := range aliveServers(pool) {
		s := wanServer{node: strings.TrimSuffix(m.Name, "."+m.tags.Datacenter), addr: m.serverAddr(), rtt: unknownRTT}
		if m.Name == self {
			s.coord = own
		} else if c, ok := pool.GetCachedCoordinate(m.Name); ok {
			s.coord = c
		}
		if rtt, err := gossip.RTT(own, s.coord); err == nil {
			s.rtt = rtt
		}
		byDC[m.tags.Datacenter] = append(byDC[m.tags.Datacenter], s)
	}
	return sortDatacenters(a.config().Datacenter, byDC)
}

// sortDatacenters orders the datacenters as wanDatacenters says, and each
// one's servers nearest first.
func sortDatacenters(own string, byDC map[string][]wanServer) []wanDatacenter {
	out := make([]wanDatacenter, 0, len(byDC))
	for name, servers := range byDC {
		slices.SortFunc(servers, func(x, y wanServer) int { return cmp.Or(cmp.Compare(x.rtt, y.rtt), cmp.Compare(x.node, y.node)) })
		out = append(out, wanDatacenter{name: name, rtt: medianRTT(servers), servers: servers})
	}
	slices.SortFunc(out, func(x, y wanDatacenter) int {
		if x.name == own || y.name == own {
			return cmp.Compare(boolRank(x.name != own), boolRank(y.name != own))
		}
		return cmp.Or(cmp.Compare(x.rtt, y.rtt), cmp.Compare(x.name, y.name))
	})
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// medianRTT is the median of the known rtts of servers (sorted by rtt).
func medianRTT(servers []wanServer) time.Duration {
	known := 0
	for _, s := range servers {
		if s.rtt != unknownRTT {
			known++
		}
	}
	if known == 0 {
		return unknownRTT
	}
	return servers[(known-1)/2].rtt
}

// Datacenters lists the datacenters the WAN pool knows (those of its
// alive servers), this agent's first and the others by distance; an agent
// without a WAN pool knows only its own.
func (a *Agent) Datacenters() []string {
	dcs := a.wanDatacenters()
	own := a.config().Datacenter
	if len(dcs) == 0 || dcs[0].name != own {
		dcs = append([]wanDatacenter{{name: own}}, dcs...)
	}
	out := make([]string, len(dcs))
	for i, dc := range dcs {
		out[i] = dc.name
	}
	return out
}

// DatacenterCoordinates lists the WAN coordinates of the servers of every
// datacenter, in the order of Datacenters; nil without a WAN pool.
func (a *Agent) DatacenterCoordinates() []api.CoordinateDatacenterMap {
	dcs := a.wanDatacenters()
	if dcs == nil {
		return nil
	}
	out := make([]api.CoordinateDatacenterMap, 0, len(dcs))
	for _, dc := range dcs {
		m := api.CoordinateDatacenterMap{Datacenter: dc.name, AreaID: "wan", Coordinates: []api.CoordinateEntry{}}
		for _, s := range dc.servers {
			if s.coord != nil {
				m.Coordinates = append(m.Coordinates, api.CoordinateEntry{Node: s.node, Coord: apiCoord(s.coord)})
			}
		}
		out = append(out, m)
	}
	return out
}

// datacenterServer returns the server address of the nearest alive server
// of datacenter dc, a random one while none has a coordinate, or "" when
// none is known.
func (a *Agent) datacenterServer(dc string) string {
	for _, d := range a.wanDatacenters() {
		if d.name != dc {
			continue
		}
		var addrs []string
		for _, s := range d.servers {
			if s.addr != "" {
				addrs = append(addrs, s.addr)
			}
		}
		if len(addrs) == 0 {
			return ""
		}
		if d.rtt == unknownRTT {
			return addrs[rand.IntN(len(addrs))]
		}
		return addrs[0]
	}
	return ""
}

// apiCoord copies a gossip coordinate into the API's type.
func apiCoord(c *gossip.Coordinate) *api.Coord {
	return &api.Coord{Vec: slices.Clone(c.Vec), Error: c.Error, Adjustment: c.Adjustment, Height: c.Height}
}
