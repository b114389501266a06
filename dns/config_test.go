package dns_test

import (
	"errors"
	"testing"
	"time"

	pdns "github.com/pylonmesh/pylon/dns"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		desc string
		edit func(*pdns.Config)
		ok   bool
	}{
		{"defaults", func(*pdns.Config) {}, true},
		{"no trailing dot", func(c *pdns.Config) { c.Domain = "Consul" }, true},
		{"empty domain", func(c *pdns.Config) { c.Domain = "" }, false},
		{"root domain", func(c *pdns.Config) { c.Domain = "." }, false},
		{"bad domain", func(c *pdns.Config) { c.Domain = "a..b" }, false},
		{"alt domain", func(c *pdns.Config) { c.AltDomain = "pylon." }, true},
		{"alt equals domain", func(c *pdns.Config) { c.AltDomain = "CONSUL" }, false},
		{"no datacenter", func(c *pdns.Config) { c.Datacenter = "" }, false},
		{"dotted datacenter", func(c *pdns.Config) { c.Datacenter = "dc.1" }, false},
		{"udp limit 0", func(c *pdns.Config) { c.UDPAnswerLimit = 0 }, false},
		{"negative a limit", func(c *pdns.Config) { c.ARecordLimit = -1 }, false},
		{"negative max stale", func(c *pdns.Config) { c.MaxStale = -time.Second }, false},
		{"negative node ttl", func(c *pdns.Config) { c.NodeTTL = -time.Second }, false},
		{"huge node ttl", func(c *pdns.Config) { c.NodeTTL = 1 << 62 }, false},
		{"service ttl keys", func(c *pdns.Config) {
			c.ServiceTTL = map[string]time.Duration{"*": time.Second, "web": 0, "db*": time.Minute}
		}, true},
		{"star inside a key", func(c *pdns.Config) { c.ServiceTTL = map[string]time.Duration{"w*b": time.Second} }, false},
		{"empty key", func(c *pdns.Config) { c.ServiceTTL = map[string]time.Duration{"": time.Second} }, false},
		{"recursors", func(c *pdns.Config) { c.Recursors = []string{"8.8.8.8", "127.0.0.1:5353", "::1", "[::1]:53"} }, true},
		{"hostname recursor", func(c *pdns.Config) { c.Recursors = []string{"dns.google"} }, false},
		{"recursor without timeout", func(c *pdns.Config) { c.Recursors, c.RecursorTimeout = []string{"8.8.8.8"}, 0 }, false},
		{"random strategy", func(c *pdns.Config) { c.RecursorStrategy = pdns.RecursorRandom }, true},
		{"empty strategy", func(c *pdns.Config) { c.RecursorStrategy = "" }, true},
		{"bad strategy", func(c *pdns.Config) { c.RecursorStrategy = "fastest" }, false},
	}
	for _, tc := range cases {
		cfg := pdns.DefaultConfig("dc1")
		tc.edit(&cfg)
		err := cfg.Validate()
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.desc, err)
		}
		if !tc.ok && !errors.Is(err, pdns.ErrInvalidConfig) {
			t.Errorf("%s: err %v, want ErrInvalidConfig", tc.desc, err)
		}
	}
}

func TestDefaultConfig(t *testing.T) {
	c := pdns.DefaultConfig("dc1")
	if c.Domain != "consul." || c.UDPAnswerLimit != 3 || !c.AllowStale || c.MaxStale != 87600*time.Hour ||
		c.RecursorTimeout != 2*time.Second || c.RecursorStrategy != pdns.RecursorSequential || !c.EnableAdditionalNodeMetaTXT ||
		c.SOA != (pdns.SOAConfig{Refresh: 3600, Retry: 600, Expire: 86400, MinTTL: 0}) || c.ARecordLimit != 0 || c.EnableTruncate || c.OnlyPassing {
		t.Errorf("DefaultConfig differs from Consul's defaults: %+v", c)
	}
}
