package aclresolve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/server/state"
)

// ResolveFunc asks the servers what a secret grants: Server.ResolveToken
// on a server agent, Client.ResolveToken on a client agent. An unknown or
// expired secret must fail with an error wrapping state.ErrACLNotFound;
// any other error means the servers could not answer.
type ResolveFunc func(ctx context.Context, secret string) (*state.ACLResolvedToken, error)

// ErrNotFound is what an unknown or expired secret resolves to; it wraps
// state.ErrACLNotFound.
var ErrNotFound = fmt.Errorf("aclresolve: %w", state.ErrACLNotFound)

// resolveTimeout bounds one round trip to the servers. A round trip is
// shared by every request waiting for the same secret, so it does not
// follow any one request's context.
const resolveTimeout = 10 * time.Second

// maxEntries bounds the per-secret cache against clients presenting many
// distinct secrets; past it, expired entries and then arbitrary ones go.
const maxEntries = 1 << 16

// Resolver turns secrets into authorizers, caching the results. It is
// safe for concurrent use.
type Resolver struct {
	set     atomic.Pointer[settings] // replaced by Reconfigure
	resolve ResolveFunc
	logger  *slog.Logger
	now     func() time.Time

	tokens     atomic.Pointer[Tokens]
	management acl.Authorizer // the initial_management token's
	recovery   acl.Authorizer // the agent_recovery token's
	allowAll   acl.Authorizer // down_policy allow
	denyAll    acl.Authorizer // down_policy deny, and failed DNS resolution

	mu      sync.RWMutex
	entries map[string]*entry  // by secret; guarded by mu
	flights map[string]*flight // round trips under way, by secret; guarded by mu
	gen     uint64             // bumped by Purge; guarded by mu
	closed  bool               // Close ran: no more background work; guarded by mu

	policies policyCache

	hits, misses atomic.Uint64

	stop   context.Context // cancelled by Close: ends background refreshes
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// settings are the reloadable parts of the configuration.
type settings struct {
	downPolicy string
	ttl        time.Duration
	def        acl.Decision
}

func settingsOf(cfg Config) *settings {
	return &settings{downPolicy: cmp.Or(cfg.DownPolicy, DownExtendCache), ttl: cfg.ttl(), def: cfg.defaultDecision()}
}

func (r *Resolver) settings() *settings { return r.set.Load() }

// Reconfigure applies a reloaded configuration's default and down
// policies and TTLs, and drops every cached resolution (they were
// compiled under the old default). Tokens and the node name are not
// taken from cfg (SetTokens).
func (r *Resolver) Reconfigure(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	r.set.Store(settingsOf(cfg))
	r.Purge()
	return nil
}

// entry is one cached resolution. Entries are replaced, never changed,
// except for refreshing (guarded by Resolver.mu).
type entry struct {
	authz       acl.Authorizer // nil when err is set
	err         error          // ErrNotFound, or nil
	fresh       time.Time      // used without asking until then
	tokenExpiry time.Time      // the token's ExpirationTime; zero if none
	refreshing  bool           // an async-cache refresh is under way
}

func (e *entry) isFresh(now time.Time) bool { return now.Before(e.fresh) && e.alive(now) }

// alive reports whether the token itself has not expired.
func (e *entry) alive(now time.Time) bool { return e.tokenExpiry.IsZero() || now.Before(e.tokenExpiry) }

// flight is one round trip to the servers that several requests wait for.
type flight struct {
	done  chan struct{}
	authz acl.Authorizer
	err   error
}

// New returns a Resolver over resolve.
func New(cfg Config, resolve ResolveFunc, logger *slog.Logger) (*Resolver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if resolve == nil {
		return nil, errors.New("aclresolve: nil resolve function")
	}
	if logger == nil {
		logger = slog.Default()
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	r := &Resolver{
		resolve: resolve, logger: logger, now: now,
		management: acl.Compile(acl.Deny, acl.GlobalManagement()),
		recovery:   acl.Compile(acl.Deny, recoveryRules(cfg.NodeName)),
		allowAll:   acl.AllowAll(),
		denyAll:    acl.Compile(acl.Deny),
		entries:    map[string]*entry{},
		flights:    map[string]*flight{},
		policies:   policyCache{logger: logger},
	}
	r.set.Store(settingsOf(cfg))
	toks := cfg.Tokens
	r.tokens.Store(&toks)
	r.stop, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

// recoveryRules are the agent_recovery token's rights: agent write on this
// node, and read on nodes so that the agent endpoints can answer.
func recoveryRules(node string) *acl.RuleSet {
	return &acl.RuleSet{Rules: []acl.Rule{
		{Resource: acl.ResourceAgent, Segment: node, Access: acl.AccessWrite},
		{Resource: acl.ResourceNode, Prefix: true, Access: acl.AccessRead},
	}}
}

// Close ends background refreshes and waits for them.
func (r *Resolver) Close() {
	r.mu.Lock()
	r.closed = true // no wg.Add may race with the Wait below
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// SetTokens replaces the agent's tokens (acl set-agent-token, reload).
func (r *Resolver) SetTokens(t Tokens) { r.tokens.Store(&t) }

// Tokens returns the agent's tokens.
func (r *Resolver) Tokens() Tokens { return *r.tokens.Load() }

// AgentToken is the token the agent acts with: tokens.agent, else
// tokens.default (empty: anonymous).
func (r *Resolver) AgentToken() string {
	t := r.tokens.Load()
	return cmp.Or(t.Agent, t.Default)
}

// Authorizer resolves secret; it has the shape httpapi.New takes.
func (r *Resolver) Authorizer(secret string) (acl.Authorizer, error) {
	return r.Resolve(context.Background(), secret)
}

// DNSAuthorizer resolves the DNS token (tokens.dns, else tokens.default,
// else anonymous). A token that does not resolve may read nothing.
func (r *Resolver) DNSAuthorizer() acl.Authorizer {
	authz, err := r.Resolve(context.Background(), r.tokens.Load().DNS)
	if err != nil {
		return r.denyAll
	}
	return authz
}

// Resolve returns what secret may do. An empty secret is the agent's
// default token, else the anonymous token. An unknown or expired secret
// fails with ErrNotFound (errors.Is state.ErrACLNotFound); with the
// servers out of reach, down_policy decides and no error is returned.
func (r *Resolver) Resolve(ctx context.Context, secret string) (acl.Authorizer, error) {
	toks := r.tokens.Load()
	if secret == "" {
		secret = cmp.Or(toks.Default, state.ACLAnonymousTokenSecret)
	}
	switch {
	case sameSecret(secret, toks.InitialManagement):
		return r.management, nil
	case sameSecret(secret, toks.AgentRecovery):
		return r.recovery, nil
	}
	now := r.now()
	r.mu.RLock()
	e := r.entries[secret]
	r.mu.RUnlock()
	if e != nil && e.isFresh(now) {
		r.hits.Add(1)
		return e.authz, e.err
	}
	if set := r.settings(); e != nil && set.ttl > 0 && set.downPolicy == DownAsyncCache && e.alive(now) {
		r.hits.Add(1)
		r.refreshAsync(secret, e)
		return e.authz, e.err
	}
	r.misses.Add(1)
	return r.fetch(ctx, secret)
}

// sameSecret compares a presented secret with a configured one (empty
// configured: never) in time that does not depend on where they differ.
func sameSecret(presented, configured string) bool {
	if configured == "" || len(presented) != len(configured) {
		return false
	}
	var v byte
	for i := 0; i < len(presented); i++ {
		v |= presented[i] ^ configured[i]
	}
	return v == 0
}

// fetch resolves secret through the servers, sharing the round trip with
// concurrent requests for the same secret.
func (r *Resolver) fetch(ctx context.Context, secret string) (acl.Authorizer, error) {
	r.mu.Lock()
	f := r.flights[secret]
	if f == nil {
		f = &flight{done: make(chan struct{})}
		r.flights[secret] = f
		gen, closed := r.gen, r.closed
		if !closed {
			r.wg.Add(1)
		}
		r.mu.Unlock()
		if closed {
			r.fly(secret, f, gen) // its round trip ends at once: stop is cancelled
		} else {
			go func() {
				defer r.wg.Done()
				r.fly(secret, f, gen)
			}()
		}
	} else {
		r.mu.Unlock()
	}
	select {
	case <-f.done:
		return f.authz, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fly runs one round trip and publishes its result to the flight's
// waiters and, unless Purge ran meanwhile, to the cache.
func (r *Resolver) fly(secret string, f *flight, gen uint64) {
	e, down := r.ask(secret)
	r.mu.Lock()
	delete(r.flights, secret)
	if down == nil {
		r.store(secret, e, gen)
	} else {
		e = r.downEntry(secret, down, gen)
	}
	r.mu.Unlock()
	f.authz, f.err = e.authz, e.err
	close(f.done)
}

// ask resolves secret through the servers. It returns the entry to cache,
// or the error that says the servers could not answer.
func (r *Resolver) ask(secret string) (*entry, error) {
	ctx, cancel := context.WithTimeout(r.stop, resolveTimeout)
	defer cancel()
	res, err := r.resolve(ctx, secret)
	now := r.now()
	set := r.settings()
	switch {
	case errors.Is(err, state.ErrACLNotFound) && secret == state.ACLAnonymousTokenSecret:
		// The leader creates the anonymous token shortly after ACLs are
		// enabled; until then it is a token without policies.
		return &entry{authz: acl.Compile(set.def), fresh: now.Add(set.ttl)}, nil
	case errors.Is(err, state.ErrACLNotFound):
		return &entry{err: ErrNotFound, fresh: now.Add(set.ttl)}, nil
	case err != nil:
		return nil, err
	case res == nil || res.Token == nil || res.Token.Expired(now):
		return &entry{err: ErrNotFound, fresh: now.Add(set.ttl)}, nil
	}
	e := &entry{authz: r.compile(res, set.def), fresh: now.Add(set.ttl)}
	if res.Token.ExpirationTime != nil {
		e.tokenExpiry = *res.Token.ExpirationTime
	}
	return e, nil
}

// store caches e for secret unless a Purge ran since gen. Call with mu
// held.
func (r *Resolver) store(secret string, e *entry, gen uint64) {
	if gen != r.gen {
		return
	}
	if len(r.entries) >= maxEntries {
		r.evict()
	}
	r.entries[secret] = e
}

// evict drops expired entries, then arbitrary ones, down to 3/4 of
// maxEntries. Call with mu held.
func (r *Resolver) evict() {
	now := r.now()
	for k, e := range r.entries {
		if !e.isFresh(now) {
			delete(r.entries, k)
		}
	}
	for k := range r.entries {
		if len(r.entries) <= maxEntries*3/4 {
			break
		}
		delete(r.entries, k)
	}
}

// downEntry is the answer while the servers cannot be reached: the cached
// entry under extend-cache and async-cache (if the token has not
// expired), kept for another TTL before the servers are asked again;
// else what down_policy says. Call with mu held.
func (r *Resolver) downEntry(secret string, err error, gen uint64) *entry {
	set := r.settings()
	r.logger.Warn("ACL token resolution failed; applying down_policy", "down_policy", set.downPolicy, "error", err)
	now := r.now()
	switch cached := r.entries[secret]; set.downPolicy {
	case DownAllow:
		return &entry{authz: r.allowAll}
	case DownExtendCache, DownAsyncCache:
		if cached != nil && cached.alive(now) {
			ext := *cached
			ext.fresh, ext.refreshing = now.Add(set.ttl), false
			r.store(secret, &ext, gen)
			return &ext
		}
	}
	return &entry{authz: r.denyAll}
}

// refreshAsync starts a background refresh of an expired entry, unless
// one is under way (async-cache).
func (r *Resolver) refreshAsync(secret string, e *entry) {
	r.mu.Lock()
	if e.refreshing || r.entries[secret] != e || r.closed {
		r.mu.Unlock()
		return
	}
	e.refreshing = true
	gen := r.gen
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		fresh, down := r.ask(secret)
		r.mu.Lock()
		defer r.mu.Unlock()
		if down != nil {
			e.refreshing = false
			r.downEntry(secret, down, gen) // extends the cached entry
			return
		}
		r.store(secret, fresh, gen)
	}()
}

// compile turns a resolved token into its authorizer under the default
// decision def.
func (r *Resolver) compile(res *state.ACLResolvedToken, def acl.Decision) acl.Authorizer {
	sets := make([]*acl.RuleSet, 0, len(res.Policies)+len(res.ServiceIdentities)+len(res.NodeIdentities))
	for _, p := range res.Policies {
		if rs := r.policies.rules(p); rs != nil {
			sets = append(sets, rs)
		}
	}
	for _, si := range res.ServiceIdentities {
		sets = append(sets, acl.ServiceIdentity(si.ServiceName))
	}
	for _, ni := range res.NodeIdentities {
		sets = append(sets, acl.NodeIdentity(ni.NodeName))
	}
	return acl.Compile(def, sets...)
}

// Purge drops every cached resolution; the next request for each secret
// asks the servers. Round trips under way when it is called do not fill
// the cache.
func (r *Resolver) Purge() {
	r.mu.Lock()
	r.entries = map[string]*entry{}
	r.gen++
	r.mu.Unlock()
}

// Stats are the cache counters since the Resolver was made. Requests
// answered from the configured tokens count as neither.
type Stats struct {
	Hits   uint64 // answered from the cache (async-cache: stale included)
	Misses uint64 // asked the servers, or waited for a round trip
}

// HitRate is Hits / (Hits + Misses), 0 when nothing was resolved.
func (s Stats) HitRate() float64 {
	if s.Hits+s.Misses == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Hits+s.Misses)
}

// Stats returns the cache counters.
func (r *Resolver) Stats() Stats { return Stats{Hits: r.hits.Load(), Misses: r.misses.Load()} }
