package command

import (
	"errors"
	"flag"
	"strings"

	"github.com/pylonmesh/pylon/api"
)

const rttHelp = `
Usage: pylon rtt [options] node1 [node2]

  Estimates the round-trip time between two nodes from the network
  coordinates the cluster keeps of them. node2 defaults to the node of the
  agent asked. Names are node names, as "pylon members" lists them.

  The nodes are taken from the local datacenter and their LAN coordinates
  are used. With -wan the servers' WAN coordinates are used instead, and
  each name is a server with its datacenter: "server-1.dc1".
`

func runRTT(u *ui, args []string) int {
	fs := flag.NewFlagSet("rtt", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	wan := fs.Bool("wan", false, "Use WAN coordinates; node names are given as node.datacenter.")
	if done, code := parseFlags(u, fs, args, rttHelp); done {
		return code
	}
	nodes := fs.Args()
	if len(nodes) < 1 || len(nodes) > 2 {
		u.error("One or two node names must be specified")
		u.error("%s", strings.TrimSpace(rttHelp))
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	if len(nodes) == 1 {
		self, err := client.Agent().NodeName()
		if err != nil {
			u.error("Unable to look up agent info: %v", err)
			return 1
		}
		if *wan {
			dc, err := agentDatacenter(client)
			if err != nil {
				u.error("Unable to look up agent info: %v", err)
				return 1
			}
			self += "." + dc
		}
		nodes = append(nodes, self)
	}
	find, kind := lanCoordinates, "LAN"
	if *wan {
		find, kind = wanCoordinates, "WAN"
	}
	coords, err := find(client)
	if err != nil {
		u.error("Error getting coordinates: %v", err)
		return 1
	}
	for _, n := range nodes {
		if coords[n] == nil {
			u.error("Could not find a coordinate for node %q", n)
			return 1
		}
	}
	rtt, ok := coords[nodes[0]].DistanceTo(coords[nodes[1]])
	if !ok {
		u.error("Coordinates of %s and %s are not compatible", nodes[0], nodes[1])
		return 1
	}
	u.output("Estimated %s <-> %s rtt: %.3f ms (using %s coordinates)", nodes[0], nodes[1], rtt.Seconds()*1000, kind)
	return 0
}

// agentDatacenter is the datacenter of the agent asked.
func agentDatacenter(c *api.Client) (string, error) {
	self, err := c.Agent().Self()
	if err != nil {
		return "", err
	}
	dc, _ := self["Config"]["Datacenter"].(string)
	if dc == "" {
		return "", errors.New("agent reports no datacenter")
	}
	return dc, nil
}

// lanCoordinates maps the nodes of the local datacenter to their LAN
// coordinates in the default segment.
func lanCoordinates(c *api.Client) (map[string]*api.Coord, error) {
	entries, _, err := c.Coordinate().Nodes(nil)
	if err != nil {
		return nil, err
	}
	byNode := make(map[string]*api.Coord, len(entries))
	for _, e := range entries {
		if e.Segment == "" {
			byNode[e.Node] = e.Coord
		}
	}
	return byNode, nil
}

// wanCoordinates maps the servers, named node.datacenter, to their WAN
// coordinates.
func wanCoordinates(c *api.Client) (map[string]*api.Coord, error) {
	dcs, err := c.Coordinate().Datacenters()
	if err != nil {
		return nil, err
	}
	byNode := make(map[string]*api.Coord)
	for _, dc := range dcs {
		for _, e := range dc.Coordinates {
			byNode[e.Node+"."+dc.Datacenter] = e.Coord
		}
	}
	return byNode, nil
}
