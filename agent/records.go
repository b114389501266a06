package agent

import (
	"fmt"
	"maps"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/server/state"
)

// This file turns definitions (from files or the agent API) into the
// catalog records the local state holds.

// serviceRecord builds the catalog record of a validated definition.
func serviceRecord(def *config.ServiceDefinition) *state.Service {
	svc := &state.Service{
		ID:                def.ID,
		Name:              def.Name,
		Kind:              def.Kind,
		Tags:              def.Tags,
		Address:           def.Address,
		Port:              def.Port,
		SocketPath:        def.SocketPath,
		Meta:              def.Meta,
		Weights:           state.Weights{Passing: 1, Warning: 1},
		EnableTagOverride: def.EnableTagOverride,
	}
	if def.Weights != nil {
		svc.Weights = state.Weights{Passing: def.Weights.Passing, Warning: def.Weights.Warning}
	}
	if len(def.TaggedAddresses) > 0 {
		svc.TaggedAddresses = make(map[string]state.ServiceAddress, len(def.TaggedAddresses))
		for k, v := range def.TaggedAddresses {
			svc.TaggedAddresses[k] = state.ServiceAddress{Address: v.Address, Port: v.Port}
		}
	}
	if def.Connect != nil {
		svc.Connect.Native = def.Connect.Native
	}
	if def.Proxy != nil {
		svc.Proxy = proxyRecord(def.Proxy)
	}
	return svc
}

func proxyRecord(p *config.ProxyConfig) state.Proxy {
	out := state.Proxy{
		DestinationServiceName: p.DestinationServiceName,
		DestinationServiceID:   p.DestinationServiceID,
		LocalServiceAddress:    p.LocalServiceAddress,
		LocalServicePort:       p.LocalServicePort,
		LocalServiceSocketPath: p.LocalServiceSocketPath,
		Mode:                   p.Mode,
		Config:                 maps.Clone(p.Config),
		MeshGateway:            state.MeshGatewayConfig{Mode: p.MeshGateway.Mode},
		Expose:                 state.ExposeConfig{Checks: p.Expose.Checks},
	}
	for _, u := range p.Upstreams {
		bind := u.LocalBindAddress
		if bind == "" && u.LocalBindSocketPath == "" {
			bind = "127.0.0.1"
		}
		dtype := u.DestinationType
		if dtype == "" {
			dtype = "service"
		}
		out.Upstreams = append(out.Upstreams, state.Upstream{
			DestinationType: dtype, DestinationNamespace: u.DestinationNamespace,
			DestinationPartition: u.DestinationPartition, DestinationPeer: u.DestinationPeer,
			DestinationName: u.DestinationName, Datacenter: u.Datacenter,
			LocalBindAddress: bind, LocalBindPort: u.LocalBindPort,
			LocalBindSocketPath: u.LocalBindSocketPath, LocalBindSocketMode: u.LocalBindSocketMode,
			Config: maps.Clone(u.Config), MeshGateway: state.MeshGatewayConfig{Mode: u.MeshGateway.Mode},
		})
	}
	for _, e := range p.Expose.Paths {
		out.Expose.Paths = append(out.Expose.Paths, state.ExposePath{
			ListenerPort: e.ListenerPort, Path: e.Path, LocalPathPort: e.LocalPathPort, Protocol: e.Protocol,
		})
	}
	return out
}

// checkRecord builds the catalog record of a check with its final ID.
func checkRecord(id string, def *config.CheckDefinition) *state.HealthCheck {
	hc := &state.HealthCheck{
		CheckID:   id,
		Name:      def.Name,
		Status:    def.Status,
		Notes:     def.Notes,
		ServiceID: def.ServiceID,
		Type:      def.Type(),
		Definition: state.CheckDefinition{
			HTTP: def.HTTP, TLSServerName: def.TLSServerName, TLSSkipVerify: def.TLSSkipVerify,
			Header: def.Header, Method: def.Method, Body: def.Body, DisableRedirects: def.DisableRedirects,
			TCP: def.TCP, TCPUseTLS: def.TCPUseTLS, UDP: def.UDP,
			H2PING: def.H2PING, H2PingUseTLS: def.H2PingUseTLS,
			GRPC: def.GRPC, GRPCUseTLS: def.GRPCUseTLS, OSService: def.OSService,
			Interval: def.Interval, Timeout: def.Timeout,
			DeregisterCriticalServiceAfter: def.DeregisterCriticalServiceAfter,
		},
	}
	if hc.Status == "" {
		hc.Status = state.HealthCritical
	}
	if def.Interval > 0 {
		hc.Interval = def.Interval.String()
	}
	if def.Timeout > 0 {
		hc.Timeout = def.Timeout.String()
	}
	return hc
}

// serviceCheckIDs fills the IDs and names of a service's embedded checks
// the way Consul does: "service:<id>" for one, "service:<id>:<n>" (from 1)
// for several.
func serviceCheckIDs(svc *config.ServiceDefinition) []config.CheckDefinition {
	out := make([]config.CheckDefinition, len(svc.Checks))
	for i, c := range svc.Checks {
		c.ServiceID = svc.ID
		if c.ID == "" {
			c.ID = "service:" + svc.ID
			if len(svc.Checks) > 1 {
				c.ID = fmt.Sprintf("service:%s:%d", svc.ID, i+1)
			}
		}
		if c.Name == "" {
			c.Name = fmt.Sprintf("Service '%s' check", svc.Name)
		}
		out[i] = c
	}
	return out
}
