package agent

import (
	"context"
	"fmt"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/agent/aclresolve"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/server/state"
)

// startACL builds the token resolver when ACLs are enabled; without them
// a.acl stays nil and every authorizer allows all. On a server agent
// tokens resolve from the local store, and a watch on its ACL tables
// purges the cache on every change; on a client agent they resolve
// through the servers and are cached for the configured TTLs. The
// resolver stops when ctx ends.
func (a *Agent) startACL(ctx context.Context, cfg *config.Runtime) error {
	if !cfg.ACL.Enabled {
		return nil
	}
	resolve := aclresolve.ResolveFunc(a.client.ResolveToken)
	if a.server != nil {
		srv := a.server
		resolve = func(_ context.Context, secret string) (*state.ACLResolvedToken, error) {
			return srv.ResolveToken(secret)
		}
	}
	r, err := aclresolve.New(resolverConfig(cfg), resolve, a.logger.With("subsystem", "acl"))
	if err != nil {
		return fmt.Errorf("acl resolver: %w", err)
	}
	a.acl = r
	// Agents' own calls to the servers (anti-entropy, coordinates, the
	// views' streams) carry the agent token, and a server judges them by
	// it (server/rpc_acl.go).
	if a.server != nil {
		a.server.SetRPCAuthorizer(r.Authorizer)
	}
	if a.client != nil {
		a.client.SetToken(r.AgentToken)
	}
	a.syncResolverTokens(cfg) // tokens persisted through /v1/agent/token (acl_tokens.go)
	if a.server != nil {
		store := a.server.Store()
		a.goLoop(func() {
			r.PurgeOnChange(ctx, func() func(context.Context) error {
				ws := memdb.NewWatchSet()
				ws.Add(store.AbandonCh())
				_, _, _ = store.ACLTokenGet(ws, "") // watches the token, role and policy tables
				return ws.WatchCtx
			})
		})
	}
	a.goLoop(func() {
		<-ctx.Done()
		r.Close()
	})
	return nil
}

// resolverConfig is the resolver's part of the runtime config.
func resolverConfig(cfg *config.Runtime) aclresolve.Config {
	t := cfg.ACL.Tokens
	return aclresolve.Config{
		NodeName: cfg.NodeName, DefaultPolicy: cfg.ACL.DefaultPolicy, DownPolicy: cfg.ACL.DownPolicy,
		TokenTTL: cfg.ACL.TokenTTL, PolicyTTL: cfg.ACL.PolicyTTL, RoleTTL: cfg.ACL.RoleTTL,
		Tokens: aclresolve.Tokens{InitialManagement: t.InitialManagement, AgentRecovery: t.AgentRecovery,
			Default: t.Default, Agent: t.Agent, DNS: t.DNS},
	}
}

// defaultACLPolicy is what rules that match nothing decide: "allow" with
// ACLs off.
func defaultACLPolicy(cfg *config.Runtime) string {
	if !cfg.ACL.Enabled {
		return "allow"
	}
	return cfg.ACL.DefaultPolicy
}

// httpAuthorizer is what the HTTP API resolves tokens with: nil (allow
// all) without ACLs.
func (a *Agent) httpAuthorizer() func(string) (acl.Authorizer, error) {
	if a.acl == nil {
		return nil
	}
	return a.acl.Authorizer
}

// dnsAuthorizer is what DNS lookups are authorized with: the DNS token's
// rights (tokens.dns, else tokens.default, else anonymous).
func (a *Agent) dnsAuthorizer() func() acl.Authorizer {
	if a.acl == nil {
		return acl.AllowAll
	}
	return a.acl.DNSAuthorizer
}
