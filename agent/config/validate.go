package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Service kinds a definition may name.
const (
	KindTypical            = ""
	KindConnectProxy       = "connect-proxy"
	KindMeshGateway        = "mesh-gateway"
	KindTerminatingGateway = "terminating-gateway"
	KindIngressGateway     = "ingress-gateway"
	KindAPIGateway         = "api-gateway"
)

// Meta limits, as Consul enforces them.
const (
	metaMaxPairs    = 64
	metaMaxKeyLen   = 128
	metaMaxValueLen = 512
)

var metaKeyRE = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// Validate reports the first problem of a service definition, or nil.
// Defaults (ID from Name, sidecar ports, check names) are not needed.
func (s *ServiceDefinition) Validate() error {
	switch s.Kind {
	case KindTypical, KindConnectProxy, KindMeshGateway, KindTerminatingGateway, KindIngressGateway, KindAPIGateway:
	default:
		return fmt.Errorf("invalid service kind %q", s.Kind)
	}
	if s.Name == "" {
		return errors.New("missing service name")
	}
	if err := validatePort("port", s.Port); err != nil {
		return err
	}
	if s.Port != 0 && s.SocketPath != "" {
		return errors.New("port and socket_path are mutually exclusive")
	}
	if err := validateMeta(s.Meta); err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	for tag, a := range s.TaggedAddresses {
		if err := validatePort("tagged_addresses."+tag+".port", a.Port); err != nil {
			return err
		}
	}
	if w := s.Weights; w != nil && (w.Passing < 1 || w.Warning < 0) {
		return fmt.Errorf("weights: passing must be at least 1 and warning at least 0, got %d and %d", w.Passing, w.Warning)
	}
	if err := s.validateKind(); err != nil {
		return err
	}
	if err := s.validateConnect(); err != nil {
		return err
	}
	for i := range s.Checks {
		if err := s.Checks[i].Validate(); err != nil {
			return fmt.Errorf("check %d: %w", i+1, err)
		}
	}
	return nil
}

func (s *ServiceDefinition) validateKind() error {
	switch s.Kind {
	case KindConnectProxy:
		if s.Proxy == nil || s.Proxy.DestinationServiceName == "" {
			return errors.New("proxy.destination_service_name must be set for a connect-proxy")
		}
		if s.Port == 0 && s.SocketPath == "" {
			return errors.New("port or socket_path must be set for a connect-proxy")
		}
	case KindMeshGateway, KindTerminatingGateway:
		if s.Port == 0 {
			return fmt.Errorf("port must be set for a %s", s.Kind)
		}
	}
	if s.Proxy == nil {
		return nil
	}
	if s.Kind == KindTypical && s.Proxy.DestinationServiceName != "" {
		return errors.New("proxy is only valid for connect-proxy and gateway kinds")
	}
	for i, u := range s.Proxy.Upstreams {
		if u.DestinationName == "" {
			return fmt.Errorf("proxy.upstreams[%d]: destination_name must be set", i)
		}
		if u.LocalBindPort == 0 && u.LocalBindSocketPath == "" {
			return fmt.Errorf("proxy.upstreams[%d] (%s): local_bind_port must be set", i, u.DestinationName)
		}
		if err := validatePort(fmt.Sprintf("proxy.upstreams[%d].local_bind_port", i), u.LocalBindPort); err != nil {
			return err
		}
	}
	return nil
}

func (s *ServiceDefinition) validateConnect() error {
	c := s.Connect
	if c == nil || c.SidecarService == nil {
		return nil
	}
	if c.Native {
		return errors.New("connect: a native service cannot also have a sidecar_service")
	}
	if s.Kind != KindTypical {
		return fmt.Errorf("connect.sidecar_service is not valid for a %s", s.Kind)
	}
	sc := c.SidecarService
	if sc.Connect != nil && sc.Connect.SidecarService != nil {
		return errors.New("connect.sidecar_service cannot have its own sidecar_service")
	}
	if sc.Kind != KindTypical && sc.Kind != KindConnectProxy {
		return fmt.Errorf("connect.sidecar_service: kind %q is not connect-proxy", sc.Kind)
	}
	return validatePort("connect.sidecar_service.port", sc.Port)
}

// Validate reports the first problem of a check definition, or nil.
func (c *CheckDefinition) Validate() error {
	types := c.types()
	switch {
	case len(types) == 0:
		return errors.New("no check type: set one of args, http, tcp, udp, grpc, h2ping, ttl, alias_service, alias_node, docker_container_id or os_service")
	case len(types) > 1:
		return fmt.Errorf("more than one check type set (%s)", strings.Join(types, ", "))
	}
	switch c.Status {
	case "", "passing", "warning", "critical":
	default:
		return fmt.Errorf("invalid status %q: want passing, warning or critical", c.Status)
	}
	switch t := types[0]; t {
	case "script", "http", "tcp", "udp", "grpc", "h2ping", "docker", "os_service":
		if c.Interval <= 0 {
			return fmt.Errorf("interval must be set for a %s check", t)
		}
	}
	if c.Timeout < 0 || c.DeregisterCriticalServiceAfter < 0 {
		return errors.New("timeout and deregister_critical_service_after must not be negative")
	}
	if c.OutputMaxSize < 0 || c.SuccessBeforePassing < 0 || c.FailuresBeforeWarning < 0 || c.FailuresBeforeCritical < 0 {
		return errors.New("output_max_size and the before-passing/warning/critical counts must not be negative")
	}
	return c.validateTarget()
}

// types lists every check type the definition sets; exactly one is valid.
func (c *CheckDefinition) types() []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	add(len(c.ScriptArgs) > 0, "script")
	add(c.HTTP != "", "http")
	add(c.TCP != "", "tcp")
	add(c.UDP != "", "udp")
	add(c.GRPC != "", "grpc")
	add(c.H2PING != "", "h2ping")
	add(c.TTL > 0, "ttl")
	add(c.AliasNode != "" || c.AliasService != "", "alias")
	add(c.DockerContainerID != "", "docker")
	add(c.OSService != "", "os_service")
	return out
}

func (c *CheckDefinition) validateTarget() error {
	switch {
	case c.HTTP != "":
		u, err := url.Parse(c.HTTP)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("http %q: want an http:// or https:// URL", c.HTTP)
		}
	case c.TCP != "":
		return validateHostPort("tcp", c.TCP)
	case c.UDP != "":
		return validateHostPort("udp", c.UDP)
	case c.H2PING != "":
		return validateHostPort("h2ping", c.H2PING)
	}
	return nil
}

func validateHostPort(key, s string) error {
	if _, _, err := net.SplitHostPort(s); err != nil {
		return fmt.Errorf("%s %q: want host:port", key, s)
	}
	return nil
}

func validatePort(key string, p int) error {
	if p < 0 || p > 65535 {
		return fmt.Errorf("%s %d: not a port", key, p)
	}
	return nil
}

// validateMeta applies Consul's limits to service and node meta.
func validateMeta(meta map[string]string) error {
	if len(meta) > metaMaxPairs {
		return fmt.Errorf("%d pairs, at most %d allowed", len(meta), metaMaxPairs)
	}
	for k, v := range meta {
		switch {
		case k == "":
			return errors.New("empty key")
		case len(k) > metaMaxKeyLen:
			return fmt.Errorf("key %q longer than %d characters", k, metaMaxKeyLen)
		case !metaKeyRE.MatchString(k):
			return fmt.Errorf("key %q: only letters, digits, '_' and '-' are allowed", k)
		case strings.HasPrefix(k, "consul-"):
			return fmt.Errorf("key %q: the consul- prefix is reserved", k)
		case len(v) > metaMaxValueLen:
			return fmt.Errorf("value of %q longer than %d characters", k, metaMaxValueLen)
		}
	}
	return nil
}
