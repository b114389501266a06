package server

import (
	"context"
	"maps"
	"strconv"
	"strings"

	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/server/state"
)

// Every server of a datacenter is an instance of the "consul" service on
// its server port, as in Consul: clients find the servers with
// consul.service.consul or /v1/catalog/service/consul, and DNS names them
// as the domain's nameservers. The leader registers it with the server's
// serfHealth check (reconcile), so a failed server drops out of healthy
// answers, and a server that leaves takes it with its node. The agent's
// anti-entropy leaves it alone (agent/local): it is the leader's record.

// ConsulServiceID is the ID and name of the servers' own service.
const ConsulServiceID = "consul"

// ensureConsulService registers the "consul" service of a server member
// unless the catalog has it as it should be already.
func (s *Server) ensureConsulService(ctx context.Context, m gossip.Member, t gossip.Tags) error {
	want := consulService(m, t)
	_, _, services, err := s.store.NodeServices(nil, m.Name)
	if err != nil {
		return err
	}
	for _, svc := range services {
		if svc.ID == ConsulServiceID && svc.Name == want.Name && svc.Port == want.Port &&
			svc.Weights == want.Weights && maps.Equal(svc.Meta, want.Meta) {
			return nil
		}
	}
	_, err = s.Register(ctx, &state.Registration{
		Node:           state.Node{ID: t.ID, Node: m.Name, Address: m.Addr.String(), Datacenter: s.cfg.Datacenter},
		SkipNodeUpdate: true,
		Service:        want,
	})
	return err
}

// consulService is the service record of a server member, with Consul's
// meta keys.
func consulService(m gossip.Member, t gossip.Tags) *state.Service {
	version, _, _ := strings.Cut(t.Build, ":")
	return &state.Service{
		Node: m.Name, ID: ConsulServiceID, Name: ConsulServiceID, Port: t.ServerPort,
		Weights: state.Weights{Passing: 1, Warning: 1},
		Meta: map[string]string{
			"raft_version":          strconv.Itoa(t.RaftVsn),
			"serf_protocol_current": strconv.Itoa(int(m.ProtocolCur)),
			"serf_protocol_min":     strconv.Itoa(int(m.ProtocolMin)),
			"serf_protocol_max":     strconv.Itoa(int(m.ProtocolMax)),
			"version":               version,
			"non_voter":             "false",
			"read_replica":          "false",
		},
	}
}
