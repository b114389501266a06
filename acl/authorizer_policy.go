package acl

import "cmp"

// PolicyAuthorizer answers from compiled rule sets. It is immutable once
// built by Compile and safe for concurrent use.
type PolicyAuthorizer struct {
	trees        [numResources]tree   // rules of resources with segments
	global       [numResources]Access // rules of resources without segments
	intentions   tree                 // intentions of service rules
	defaultAllow bool
}

var _ Authorizer = (*PolicyAuthorizer)(nil)

// Compile merges rule sets into one Authorizer, the way Consul combines a
// token's policies:
//
//   - an exact rule beats any prefix rule, and the longest prefix wins;
//   - rules for the same match (same resource, same exact or prefix
//     segment), whether in one set or several, combine to the strongest:
//     deny, then write, then list, then read;
//   - where no rule matches, defaultPolicy decides: Allow grants,
//     anything else denies. The default never grants ACLRead or
//     ACLWrite; managing ACLs always needs an acl rule.
//
// Nil rule sets are skipped.
func Compile(defaultPolicy Decision, sets ...*RuleSet) *PolicyAuthorizer {
	a := &PolicyAuthorizer{defaultAllow: defaultPolicy == Allow}
	for _, rs := range sets {
		if rs == nil {
			continue
		}
		for _, r := range rs.Rules {
			a.add(r)
		}
	}
	return a
}

func (a *PolicyAuthorizer) add(r Rule) {
	if r.Resource >= numResources {
		return
	}
	if !r.Resource.Named() {
		if takesPrecedence(r.Access, a.global[r.Resource]) {
			a.global[r.Resource] = r.Access
		}
		return
	}
	if r.Access != AccessNone {
		a.trees[r.Resource].add(r.Segment, r.Prefix, r.Access)
	}
	if r.Resource == ResourceService {
		if in := serviceIntentions(r); in != AccessNone {
			a.intentions.add(r.Segment, r.Prefix, in)
		}
	}
}

// serviceIntentions is the intentions access a service rule grants: the
// explicit value, else read for a read or write rule (as Consul, so a
// service can learn who may connect to it) and deny for a deny rule.
func serviceIntentions(r Rule) Access {
	switch {
	case r.Intentions != AccessNone:
		return r.Intentions
	case r.Access == AccessRead || r.Access == AccessWrite:
		return AccessRead
	}
	return r.Access
}

// Decide answers for one resource and segment (ignored for resources
// without segments) and a needed access of read, list or write. It
// returns Default when no rule matches, so callers can layer authorizers;
// note that a Default for ResourceACL must not be read as the default
// policy, which never grants ACL rights.
func (a *PolicyAuthorizer) Decide(res Resource, segment string, need Access) Decision {
	var have Access
	switch {
	case res >= numResources:
		return Deny
	case res.Named():
		have = a.trees[res].lookup(segment)
	default:
		have = a.globalAccess(res)
	}
	return decision(have, need)
}

// globalAccess is the rule of a resource without segments; mesh falls
// back to operator, and peering to mesh then operator, as in Consul.
func (a *PolicyAuthorizer) globalAccess(res Resource) Access {
	switch res {
	case ResourcePeering:
		return cmp.Or(a.global[ResourcePeering], a.global[ResourceMesh], a.global[ResourceOperator])
	case ResourceMesh:
		return cmp.Or(a.global[ResourceMesh], a.global[ResourceOperator])
	}
	return a.global[res]
}

func decision(have, need Access) Decision {
	switch {
	case have == AccessNone:
		return Default
	case grants(have, need):
		return Allow
	}
	return Deny
}

// allowed resolves a Decision with the default policy.
func (a *PolicyAuthorizer) allowed(d Decision) bool {
	if d == Default {
		return a.defaultAllow
	}
	return d == Allow
}

func (a *PolicyAuthorizer) named(res Resource, name string, need Access) bool {
	return a.allowed(decision(a.trees[res].lookup(name), need))
}

// AgentRead reports whether the token may read the agent on node.
func (a *PolicyAuthorizer) AgentRead(node string) bool {
	return a.named(ResourceAgent, node, AccessRead)
}

// AgentWrite reports whether the token may change the agent on node.
func (a *PolicyAuthorizer) AgentWrite(node string) bool {
	return a.named(ResourceAgent, node, AccessWrite)
}

// NodeRead reports whether the token may see node in the catalog.
func (a *PolicyAuthorizer) NodeRead(node string) bool {
	return a.named(ResourceNode, node, AccessRead)
}

// NodeWrite reports whether the token may register or change node.
func (a *PolicyAuthorizer) NodeWrite(node string) bool {
	return a.named(ResourceNode, node, AccessWrite)
}

// ServiceRead reports whether the token may see service.
func (a *PolicyAuthorizer) ServiceRead(service string) bool {
	return a.named(ResourceService, service, AccessRead)
}

// ServiceWrite reports whether the token may register or change service.
func (a *PolicyAuthorizer) ServiceWrite(service string) bool {
	return a.named(ResourceService, service, AccessWrite)
}

// QueryRead reports whether the token may read the prepared query called name.
func (a *PolicyAuthorizer) QueryRead(name string) bool {
	return a.named(ResourceQuery, name, AccessRead)
}

// QueryWrite reports whether the token may change the prepared query called name.
func (a *PolicyAuthorizer) QueryWrite(name string) bool {
	return a.named(ResourceQuery, name, AccessWrite)
}

// KeyRead reports whether the token may read key.
func (a *PolicyAuthorizer) KeyRead(key string) bool {
	return a.named(ResourceKey, key, AccessRead)
}

// KeyList reports whether the token may list the keys under prefix (list or write).
func (a *PolicyAuthorizer) KeyList(prefix string) bool {
	return a.named(ResourceKey, prefix, AccessList)
}

// KeyWrite reports whether the token may write key.
func (a *PolicyAuthorizer) KeyWrite(key string) bool {
	return a.named(ResourceKey, key, AccessWrite)
}

// SessionRead reports whether the token may read the sessions of node.
func (a *PolicyAuthorizer) SessionRead(node string) bool {
	return a.named(ResourceSession, node, AccessRead)
}

// SessionWrite reports whether the token may create or destroy sessions on node.
func (a *PolicyAuthorizer) SessionWrite(node string) bool {
	return a.named(ResourceSession, node, AccessWrite)
}

// EventRead reports whether the token may see user events called name.
func (a *PolicyAuthorizer) EventRead(name string) bool {
	return a.named(ResourceEvent, name, AccessRead)
}

// EventWrite reports whether the token may fire user events called name.
func (a *PolicyAuthorizer) EventWrite(name string) bool {
	return a.named(ResourceEvent, name, AccessWrite)
}

// KeyWritePrefix allows deleting everything under prefix only when the
// longest prefix rule covering prefix grants write (or, with none, the
// default allows) and no rule, exact or prefix, at or below prefix
// grants less than write.
func (a *PolicyAuthorizer) KeyWritePrefix(prefix string) bool {
	t := &a.trees[ResourceKey]
	if !t.under(prefix, func(acc Access) bool { return acc == AccessWrite }) {
		return false
	}
	return a.allowed(decision(t.longestPrefix(prefix), AccessWrite))
}

func (a *PolicyAuthorizer) unnamed(res Resource, need Access) bool {
	return a.allowed(decision(a.globalAccess(res), need))
}

// OperatorRead and OperatorWrite are about cluster operations: Raft
// peers, autopilot, and the mesh and peering fallbacks below.
func (a *PolicyAuthorizer) OperatorRead() bool  { return a.unnamed(ResourceOperator, AccessRead) }
func (a *PolicyAuthorizer) OperatorWrite() bool { return a.unnamed(ResourceOperator, AccessWrite) }

// ACLRead and ACLWrite need an acl rule; the default policy never grants
// them.
func (a *PolicyAuthorizer) ACLRead() bool  { return grants(a.global[ResourceACL], AccessRead) }
func (a *PolicyAuthorizer) ACLWrite() bool { return grants(a.global[ResourceACL], AccessWrite) }

// The methods below are beyond the Authorizer interface: resources whose
// endpoints are not guarded yet.

// KeyringRead and KeyringWrite are about the gossip encryption keyring.
func (a *PolicyAuthorizer) KeyringRead() bool  { return a.unnamed(ResourceKeyring, AccessRead) }
func (a *PolicyAuthorizer) KeyringWrite() bool { return a.unnamed(ResourceKeyring, AccessWrite) }

// MeshRead and MeshWrite are about mesh-wide configuration; without a
// mesh rule the operator rule decides, as in Consul.
func (a *PolicyAuthorizer) MeshRead() bool  { return a.unnamed(ResourceMesh, AccessRead) }
func (a *PolicyAuthorizer) MeshWrite() bool { return a.unnamed(ResourceMesh, AccessWrite) }

// PeeringRead and PeeringWrite are about cluster peering; without a
// peering rule the mesh rule decides, then the operator rule.
func (a *PolicyAuthorizer) PeeringRead() bool  { return a.unnamed(ResourcePeering, AccessRead) }
func (a *PolicyAuthorizer) PeeringWrite() bool { return a.unnamed(ResourcePeering, AccessWrite) }

// IntentionRead and IntentionWrite are about intentions whose destination
// is service. A service rule of read or write grants intentions read
// unless it says otherwise; write needs intentions = "write".
func (a *PolicyAuthorizer) IntentionRead(service string) bool {
	return a.allowed(decision(a.intentions.lookup(service), AccessRead))
}
func (a *PolicyAuthorizer) IntentionWrite(service string) bool {
	return a.allowed(decision(a.intentions.lookup(service), AccessWrite))
}
