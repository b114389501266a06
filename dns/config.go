package dns

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Recursor strategies: the order in which Config.Recursors are tried.
const (
	RecursorSequential = "sequential" // in the configured order
	RecursorRandom     = "random"     // in a random order per query
)

// maxUDPAnswers caps UDPAnswerLimit for UDP clients without EDNS, as Consul
// does.
const maxUDPAnswers = 8

// Config tunes the DNS server. Start from DefaultConfig; the field comments
// give each knob's Consul configuration key and default. The server keeps a
// copy, so changing a Config after New has no effect.
type Config struct {
	// Domain is the zone the server is authoritative for (domain, default
	// "consul."). Names are matched case-insensitively.
	Domain string
	// AltDomain is a second zone answered like Domain (alt_domain, default
	// none). Answers to a query under AltDomain name targets under AltDomain.
	AltDomain string
	// Datacenter is the local datacenter, used when a query names none.
	// Required.
	Datacenter string
	// NodeName is the node this server runs on, handed to prepared queries.
	NodeName string

	// NodeTTL is the TTL of node, addr, NS and node PTR records
	// (dns_config.node_ttl, default 0).
	NodeTTL time.Duration
	// ServiceTTL maps service names to the TTL of their records
	// (dns_config.service_ttl): an exact name wins, then the longest
	// "prefix*" key, then "*"; otherwise 0.
	ServiceTTL map[string]time.Duration

	// AllowStale lets answers come from a view that is behind the servers by
	// up to MaxStale (dns_config.allow_stale, default true; max_stale,
	// default 87600h). It matters only for a Catalog that is a LagReporter.
	AllowStale bool
	MaxStale   time.Duration

	// ARecordLimit caps the A/AAAA answers of a lookup, over any transport
	// (dns_config.a_record_limit, default 0 = no cap).
	ARecordLimit int
	// UDPAnswerLimit caps the answers sent to a UDP client without EDNS
	// (dns_config.udp_answer_limit, default 3; at most 8 take effect).
	UDPAnswerLimit int
	// EnableTruncate sets the TC bit when a UDP answer was trimmed to fit
	// (dns_config.enable_truncate, default false: trim silently).
	EnableTruncate bool
	// OnlyPassing drops instances in warning state too
	// (dns_config.only_passing, default false: only critical ones go).
	OnlyPassing bool
	// DisableCompression turns off name compression in answers
	// (dns_config.disable_compression, default false).
	DisableCompression bool
	// EnableAdditionalNodeMetaTXT adds a node's meta as TXT records to the
	// additional section of SRV and node answers
	// (dns_config.enable_additional_node_meta_txt, default true).
	EnableAdditionalNodeMetaTXT bool
	// TranslateWANAddrs answers the "wan" tagged addresses for instances in
	// other datacenters (translate_wan_addrs, default false).
	TranslateWANAddrs bool

	// Recursors are the "ip" or "ip:port" (default port 53) servers that
	// names outside the domain are forwarded to (recursors, default none:
	// such names are REFUSED).
	Recursors []string
	// RecursorTimeout bounds one exchange with a recursor
	// (dns_config.recursor_timeout, default 2s).
	RecursorTimeout time.Duration
	// RecursorStrategy is RecursorSequential or RecursorRandom
	// (dns_config.recursor_strategy, default sequential; "" means sequential).
	RecursorStrategy string

	// SOA holds the timers of the zone's SOA record (dns_config.soa).
	SOA SOAConfig
}

// SOAConfig holds the SOA timers, in seconds.
type SOAConfig struct {
	Refresh uint32 // default 3600
	Retry   uint32 // default 600
	Expire  uint32 // default 86400
	MinTTL  uint32 // default 0; also the TTL of the SOA record itself
}

// DefaultConfig returns Consul's defaults for datacenter dc.
func DefaultConfig(dc string) Config {
	return Config{
		Domain:                      "consul.",
		Datacenter:                  dc,
		AllowStale:                  true,
		MaxStale:                    87600 * time.Hour,
		UDPAnswerLimit:              3,
		EnableAdditionalNodeMetaTXT: true,
		RecursorTimeout:             2 * time.Second,
		RecursorStrategy:            RecursorSequential,
		SOA:                         SOAConfig{Refresh: 3600, Retry: 600, Expire: 86400},
	}
}

// Validate reports the first invalid knob, wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	checks := []func() error{c.validateDomains, c.validateLimits, c.validateTTLs, c.validateRecursors}
	for _, check := range checks {
		if err := check(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

func (c Config) validateDomains() error {
	if !validZone(c.Domain) {
		return fmt.Errorf("domain %q is not a valid domain name", c.Domain)
	}
	if c.AltDomain != "" {
		if !validZone(c.AltDomain) {
			return fmt.Errorf("alt_domain %q is not a valid domain name", c.AltDomain)
		}
		if fqdnLower(c.AltDomain) == fqdnLower(c.Domain) {
			return fmt.Errorf("alt_domain %q equals domain", c.AltDomain)
		}
	}
	if c.Datacenter == "" || strings.ContainsAny(c.Datacenter, ". \\") {
		return fmt.Errorf("datacenter %q must be one non-empty DNS label", c.Datacenter)
	}
	return nil
}

func validZone(s string) bool {
	if s == "" || s == "." {
		return false
	}
	_, ok := dns.IsDomainName(s)
	return ok
}

func (c Config) validateLimits() error {
	switch {
	case c.UDPAnswerLimit < 1:
		return fmt.Errorf("udp_answer_limit %d must be at least 1", c.UDPAnswerLimit)
	case c.ARecordLimit < 0:
		return fmt.Errorf("a_record_limit %d must not be negative", c.ARecordLimit)
	case c.MaxStale < 0:
		return fmt.Errorf("max_stale %s must not be negative", c.MaxStale)
	}
	return nil
}

func (c Config) validateTTLs() error {
	if err := checkTTL("node_ttl", c.NodeTTL); err != nil {
		return err
	}
	for name, ttl := range c.ServiceTTL {
		if i := strings.IndexByte(name, '*'); name == "" || (i >= 0 && i != len(name)-1) {
			return fmt.Errorf("service_ttl key %q: '*' may only end a key", name)
		}
		if err := checkTTL("service_ttl["+name+"]", ttl); err != nil {
			return err
		}
	}
	return nil
}

func checkTTL(key string, d time.Duration) error {
	if d < 0 || d/time.Second > math.MaxUint32 {
		return fmt.Errorf("%s %s out of range", key, d)
	}
	return nil
}

func (c Config) validateRecursors() error {
	switch c.RecursorStrategy {
	case "", RecursorSequential, RecursorRandom:
	default:
		return fmt.Errorf("recursor_strategy %q must be %q or %q", c.RecursorStrategy, RecursorSequential, RecursorRandom)
	}
	if len(c.Recursors) > 0 && c.RecursorTimeout <= 0 {
		return fmt.Errorf("recursor_timeout %s must be positive", c.RecursorTimeout)
	}
	for _, r := range c.Recursors {
		if _, err := recursorAddr(r); err != nil {
			return err
		}
	}
	return nil
}

// recursorAddr turns "ip" or "ip:port" into "ip:port".
func recursorAddr(s string) (string, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.String(), nil
	}
	ip, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return "", fmt.Errorf("recursor %q is not an ip or ip:port", s)
	}
	return net.JoinHostPort(ip.String(), "53"), nil
}

func fqdnLower(s string) string { return strings.ToLower(dns.Fqdn(s)) }

// ttlSeconds converts a validated TTL to the wire's seconds.
func ttlSeconds(d time.Duration) uint32 { return uint32(d / time.Second) }

// ttlTable answers the service_ttl lookup rules.
type ttlTable struct {
	exact    map[string]uint32
	prefixes []prefixTTL // longest prefix first
	fallback uint32      // the "*" entry, or 0
}

type prefixTTL struct {
	prefix string
	ttl    uint32
}

func newTTLTable(m map[string]time.Duration) ttlTable {
	t := ttlTable{exact: make(map[string]uint32, len(m))}
	for name, d := range m {
		name = strings.ToLower(name)
		switch {
		case name == "*":
			t.fallback = ttlSeconds(d)
		case strings.HasSuffix(name, "*"):
			t.prefixes = append(t.prefixes, prefixTTL{strings.TrimSuffix(name, "*"), ttlSeconds(d)})
		default:
			t.exact[name] = ttlSeconds(d)
		}
	}
	sort.Slice(t.prefixes, func(i, j int) bool { return len(t.prefixes[i].prefix) > len(t.prefixes[j].prefix) })
	return t
}

// lookup returns the TTL for service (lower case).
func (t *ttlTable) lookup(service string) uint32 {
	if ttl, ok := t.exact[service]; ok {
		return ttl
	}
	for _, p := range t.prefixes {
		if strings.HasPrefix(service, p.prefix) {
			return p.ttl
		}
	}
	return t.fallback
}
