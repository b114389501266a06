// Package aclresolve turns the secret a request presents into the
// acl.Authorizer its handler asks, on an agent.
//
// A Resolver answers from the agent's configuration where it can: an
// empty secret stands for the agent's default token (else the anonymous
// token); the initial_management token is allow-all management and the
// agent_recovery token grants agent write on this node, neither with a
// round trip. Any other secret goes to a ResolveFunc (Server.ResolveToken
// on a server agent, Client.ResolveToken on a client agent). Its policies'
// rules are parsed with acl.ParseRules, cached by policy ID and
// ModifyIndex, joined with the rule sets of the token's service and node
// identities and compiled with the configured default policy.
//
// Results are cached per secret for the shortest of token_ttl, policy_ttl
// and role_ttl (the servers resolve a token, its roles and its policies
// in one answer; 0 does not cache), and never past the token's
// expiration. An unknown or
// expired secret is an error wrapping state.ErrACLNotFound, which the
// HTTP layer answers with 403 "ACL not found"; it is cached like a hit.
// When the servers cannot be reached, down_policy decides: "allow" and
// "deny" answer with an allow-all or deny-all authorizer, "extend-cache"
// keeps using a cached result past its TTL (deny without one), and
// "async-cache" serves an expired result at once and refreshes it in the
// background. Concurrent misses for one secret share one round trip.
//
// Purge drops every cached result; the agent calls it whenever the ACL
// tables change (a server agent watches its store, a client agent purges
// after each ACL write it serves), so TTLs only bound how long a change
// made elsewhere takes to reach a client agent. Stats counts hits and
// misses.
//
// Imports: acl for rules and authorizers, server/state for the resolved
// token's records.
package aclresolve
