package config

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"time"
)

// sidecarCheckInterval is how often the default sidecar TCP check runs.
const sidecarCheckInterval = 10 * time.Second

// SidecarService expands parent's connect.sidecar_service block into the
// connect-proxy registration it stands for, with Consul's defaults: ID
// and name "<parent>-sidecar-proxy", a port from pickPort, the parent as
// destination and local service (127.0.0.1 and the parent's port), the
// parent's address, tags and meta unless given, and — when the block names
// no checks — a TCP check on the proxy's port and an alias check on the
// parent. It returns nil when parent has no sidecar. parent.ID must be set.
func SidecarService(parent *ServiceDefinition, pickPort func() (int, error)) (*ServiceDefinition, error) {
	if parent.Connect == nil || parent.Connect.SidecarService == nil {
		return nil, nil
	}
	sc := cloneService(parent.Connect.SidecarService)
	sc.Kind = KindConnectProxy
	if sc.ID == "" {
		sc.ID = parent.ID + "-sidecar-proxy"
	}
	if sc.Name == "" {
		sc.Name = parent.Name + "-sidecar-proxy"
	}
	if sc.Address == "" {
		sc.Address = parent.Address
	}
	if sc.Tags == nil {
		sc.Tags = slices.Clone(parent.Tags)
	}
	if sc.Meta == nil {
		sc.Meta = maps.Clone(parent.Meta)
	}
	if sc.Port == 0 && sc.SocketPath == "" {
		p, err := pickPort()
		if err != nil {
			return nil, fmt.Errorf("pick sidecar port: %w", err)
		}
		sc.Port = p
	}
	sc.Proxy = sidecarProxy(parent, sc.Proxy)
	if len(sc.Checks) == 0 && sc.SocketPath == "" {
		sc.Checks = sidecarChecks(parent, sc)
	}
	return sc, nil
}

func sidecarProxy(parent *ServiceDefinition, given *ProxyConfig) *ProxyConfig {
	p := &ProxyConfig{}
	if given != nil {
		*p = *given
		p.Upstreams = slices.Clone(given.Upstreams)
		p.Config = maps.Clone(given.Config)
	}
	if p.DestinationServiceName == "" {
		p.DestinationServiceName = parent.Name
	}
	if p.DestinationServiceID == "" {
		p.DestinationServiceID = parent.ID
	}
	if parent.SocketPath != "" && p.LocalServiceSocketPath == "" {
		p.LocalServiceSocketPath = parent.SocketPath
	}
	if p.LocalServiceSocketPath == "" {
		if p.LocalServiceAddress == "" {
			p.LocalServiceAddress = "127.0.0.1"
		}
		if p.LocalServicePort == 0 {
			p.LocalServicePort = parent.Port
		}
	}
	return p
}

func sidecarChecks(parent, sc *ServiceDefinition) []CheckDefinition {
	addr := sc.Address
	if addr == "" {
		addr = "127.0.0.1"
	}
	tcp := CheckDefinition{
		Name:     "Connect Sidecar Listening",
		TCP:      net.JoinHostPort(addr, strconv.Itoa(sc.Port)),
		Interval: sidecarCheckInterval,
	}
	alias := CheckDefinition{
		Name:         "Connect Sidecar Aliasing " + parent.ID,
		AliasService: parent.ID,
	}
	tcp.setDefaults()
	alias.setDefaults()
	return []CheckDefinition{tcp, alias}
}

// cloneService copies a definition deeply enough that the copy's slices
// and maps can be changed without touching the original.
func cloneService(s *ServiceDefinition) *ServiceDefinition {
	c := *s
	c.Tags = slices.Clone(s.Tags)
	c.Meta = maps.Clone(s.Meta)
	c.TaggedAddresses = maps.Clone(s.TaggedAddresses)
	c.Checks = slices.Clone(s.Checks)
	return &c
}
