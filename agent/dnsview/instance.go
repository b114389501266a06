package dnsview

import (
	"strings"

	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/state"
)

// The agent's maintenance checks (agent/maintenance.go). They are critical
// checks; naming them lets an instance report StatusMaintenance, as
// Consul's aggregated status does.
const (
	nodeMaintID        = "_node_maintenance"
	serviceMaintPrefix = "_service_maintenance:"
	maintType          = "maintenance"
)

// instanceOf converts one store instance into the record DNS answers from.
// Strings and the node's maps are shared with the store record, which the
// store never changes in place, so the conversion copies no text.
func instanceOf(csn *state.CheckServiceNode, dc string) dns.Instance {
	s := csn.Service
	return dns.Instance{
		Node:            nodeOf(csn.Node, s.Node, dc),
		ServiceID:       s.ID,
		ServiceName:     s.Name,
		Kind:            s.Kind,
		Tags:            s.Tags,
		Address:         s.Address,
		Port:            s.Port,
		TaggedAddresses: taggedOf(s.TaggedAddresses),
		Weights:         dns.Weights{Passing: s.Weights.Passing, Warning: s.Weights.Warning},
		Status:          aggregateStatus(csn.Checks),
	}
}

// nodeOf converts a store node. n may be nil for an instance whose node
// record is missing; the instance is then answered by its node name only.
func nodeOf(n *state.Node, name, dc string) dns.Node {
	if n == nil {
		return dns.Node{Name: name, Datacenter: dc}
	}
	if n.Datacenter != "" {
		dc = n.Datacenter
	}
	return dns.Node{
		Name:            n.Node,
		Address:         n.Address,
		Datacenter:      dc,
		TaggedAddresses: n.TaggedAddresses,
		Meta:            n.Meta,
	}
}

// taggedOf converts a service's tagged addresses; the two packages spell
// the record differently, so this is the one copy a conversion makes.
func taggedOf(in map[string]state.ServiceAddress) map[string]dns.ServiceAddr {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]dns.ServiceAddr, len(in))
	for k, a := range in {
		out[k] = dns.ServiceAddr{Address: a.Address, Port: a.Port}
	}
	return out
}

// aggregateStatus is the health of an instance given its node's and its own
// checks: maintenance if a maintenance check exists, else the worst status.
// No checks means passing.
func aggregateStatus(checks []*state.HealthCheck) string {
	status := dns.StatusPassing
	for _, c := range checks {
		if isMaintenance(c) {
			return dns.StatusMaintenance
		}
		switch c.Status {
		case state.HealthCritical:
			status = dns.StatusCritical
		case state.HealthWarning:
			if status == dns.StatusPassing {
				status = dns.StatusWarning
			}
		}
	}
	return status
}

func isMaintenance(c *state.HealthCheck) bool {
	return c.Type == maintType || c.CheckID == nodeMaintID || strings.HasPrefix(c.CheckID, serviceMaintPrefix)
}
