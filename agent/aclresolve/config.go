package aclresolve

import (
	"fmt"
	"time"

	"github.com/pylonmesh/pylon/acl"
)

// Down policies: what a Resolver answers when the servers cannot be
// reached (Consul's acl.down_policy values).
const (
	DownAllow       = "allow"
	DownDeny        = "deny"
	DownExtendCache = "extend-cache"
	DownAsyncCache  = "async-cache"
)

// Config is what a Resolver needs from the agent's acl { } block.
type Config struct {
	// NodeName is this agent's node, the one the agent_recovery token may
	// act on.
	NodeName string
	// DefaultPolicy is "allow" or "deny": what rules that match nothing
	// decide. Empty means "allow", as Consul.
	DefaultPolicy string
	// DownPolicy is one of the Down* constants; empty means extend-cache.
	DownPolicy string
	// TokenTTL, PolicyTTL and RoleTTL bound how long a resolved token is
	// used without asking the servers again; the shortest applies, since
	// the servers answer with all three at once. Zero disables caching
	// (every request asks; down_policy can still fall back on the last
	// answer).
	TokenTTL, PolicyTTL, RoleTTL time.Duration
	// Tokens are the agent's configured tokens; SetTokens replaces them.
	Tokens Tokens
	// Now is the clock; nil means time.Now. Tests set it to step TTLs.
	Now func() time.Time
}

// Tokens are the agent's own tokens (acl.tokens { }). Empty means unset.
type Tokens struct {
	// InitialManagement resolves to management rights on this agent
	// without asking the servers.
	InitialManagement string
	// AgentRecovery resolves to agent write on this node only, without
	// asking the servers: a way in when they are unreachable.
	AgentRecovery string
	// Default stands for requests that present no token; without it they
	// are anonymous.
	Default string
	// Agent is what the agent uses for its own operations.
	Agent string
	// DNS is what DNS lookups are authorized with; without it, Default.
	DNS string
}

// Validate checks the policies.
func (c Config) Validate() error {
	switch c.DefaultPolicy {
	case "", "allow", "deny":
	default:
		return fmt.Errorf("aclresolve: default policy %q: want allow or deny", c.DefaultPolicy)
	}
	switch c.DownPolicy {
	case "", DownAllow, DownDeny, DownExtendCache, DownAsyncCache:
	default:
		return fmt.Errorf("aclresolve: down policy %q: want allow, deny, extend-cache or async-cache", c.DownPolicy)
	}
	if c.TokenTTL < 0 || c.PolicyTTL < 0 || c.RoleTTL < 0 {
		return fmt.Errorf("aclresolve: negative TTL")
	}
	return nil
}

// defaultDecision is DefaultPolicy as an acl.Decision.
func (c Config) defaultDecision() acl.Decision {
	if c.DefaultPolicy == "deny" {
		return acl.Deny
	}
	return acl.Allow
}

// ttl is the shortest TTL: a resolution holds the token, its roles and
// its policies at once.
func (c Config) ttl() time.Duration { return min(c.TokenTTL, c.PolicyTTL, c.RoleTTL) }
