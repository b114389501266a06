package config

import (
	"fmt"
	"strings"

	"github.com/pylonmesh/pylon/dns"
)

// dns fills the DNS server's settings from domain, alt_domain, recursors
// and dns_config, over Consul's defaults.
func (fc *fileConfig) dns(rt *Runtime, _ buildOptions) error {
	c := dns.DefaultConfig(rt.Datacenter)
	c.NodeName = rt.NodeName
	c.Domain = fqdn(or(fc.Domain, "consul"))
	if fc.AltDomain != nil {
		c.AltDomain = fqdn(*fc.AltDomain)
	}
	c.Recursors = fc.Recursors
	f := fc.DNSConfig
	c.AllowStale = or(f.AllowStale, c.AllowStale)
	c.MaxStale = or(f.MaxStale, c.MaxStale)
	c.NodeTTL = or(f.NodeTTL, c.NodeTTL)
	c.ServiceTTL = f.ServiceTTL
	c.EnableTruncate = or(f.EnableTruncate, c.EnableTruncate)
	c.OnlyPassing = or(f.OnlyPassing, c.OnlyPassing)
	c.UDPAnswerLimit = or(f.UDPAnswerLimit, c.UDPAnswerLimit)
	c.ARecordLimit = or(f.ARecordLimit, c.ARecordLimit)
	c.DisableCompression = or(f.DisableCompression, c.DisableCompression)
	c.RecursorTimeout = or(f.RecursorTimeout, c.RecursorTimeout)
	c.RecursorStrategy = or(f.RecursorStrategy, c.RecursorStrategy)
	c.EnableAdditionalNodeMetaTXT = or(f.EnableAdditionalNodeMetaTXT, c.EnableAdditionalNodeMetaTXT)
	c.SOA.Refresh = or(f.SOA.Refresh, c.SOA.Refresh)
	c.SOA.Retry = or(f.SOA.Retry, c.SOA.Retry)
	c.SOA.Expire = or(f.SOA.Expire, c.SOA.Expire)
	c.SOA.MinTTL = or(f.SOA.MinTTL, c.SOA.MinTTL)
	if err := c.Validate(); err != nil {
		return fmt.Errorf("dns_config: %w", err)
	}
	rt.DNS = c
	return nil
}

func fqdn(s string) string {
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}
