// Package acl decides what a token may do. Every endpoint — HTTP, DNS, RPC,
// xDS — resolves the caller's token to an Authorizer and asks it before
// touching data; list endpoints filter, single reads deny.
//
// # Rules
//
// A policy's Rules text is written in Consul's rules language, in HCL or
// in JSON (a text starting with '{'). ParseRules reads it into a RuleSet:
//
//	acl      = "read"                                // acl, keyring, mesh,
//	operator = "write"                               // operator, peering
//	key_prefix "app/" { policy = "list" }            // key, key_prefix
//	service "web" { policy = "write" intentions = "read" }
//	node_prefix "" { policy = "read" }               // agent, event, node,
//	                                                 // query, service, session
//	                                                 // and their _prefix forms
//
//	{"operator": "write", "key_prefix": {"app/": {"policy": "list"}}}
//
// Policies are read, write, deny, and list (key rules only; it grants
// recursive reads and implies read). intentions is allowed on service rules
// only. HCL1's looser layout is accepted: several items on one line, and
// commas between fields. Anything else is an error: a *RuleError naming
// the line and the resource, wrapping ErrSyntax, ErrUnknownResource,
// ErrUnknownPolicy, ErrPolicyNotAllowed or ErrInvalidRule, e.g.
//
//	rules:3: key_prefix "app/": unknown policy "raed"
//
// # Authorizers
//
// Compile merges the rule sets of a token's policies into a
// PolicyAuthorizer. For a name, an exact rule beats every prefix rule and
// the longest prefix wins. Rules for the same match, in one policy or
// several, combine to the strongest: deny, then write, then list, then
// read. Where no rule matches, the caller's default policy (Allow or
// Deny) decides, except for ACLRead and ACLWrite, which always need an acl
// rule. Without mesh rules the operator rule decides mesh, and peering
// falls back to mesh then operator; a service rule of read or write grants
// intentions read unless it sets intentions itself. KeyWritePrefix
// (recursive delete) needs write from the longest prefix rule covering the
// prefix and no weaker rule anywhere below it.
//
// Rules live in one radix tree per resource, so a lookup costs one walk
// along the name whatever the number of rules. A PolicyAuthorizer is
// immutable and safe for concurrent use; Decide returns Default when no
// rule matches, for callers that layer authorizers.
//
// GlobalManagement (the built-in global-management policy, whose text is
// GlobalManagementRules), ServiceIdentity and NodeIdentity give the rule
// sets a token's built-in policy and identities stand for, ready for
// Compile. AllowAll is the Authorizer used while ACLs are disabled.
//
// This is a leaf package: it imports nothing else from Pylon, only the
// standard library and hclsyntax.
package acl
