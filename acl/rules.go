package acl

import (
	"fmt"
	"strconv"
)

// Access is the policy a rule grants. The order of the constants is the
// order in which rules for the same match combine: deny beats write,
// write beats list, list beats read (see takesPrecedence).
type Access uint8

// Access values. AccessNone means no rule was given.
const (
	AccessNone Access = iota
	AccessRead
	AccessList
	AccessWrite
	AccessDeny
)

var accessNames = map[string]Access{
	"read":  AccessRead,
	"list":  AccessList,
	"write": AccessWrite,
	"deny":  AccessDeny,
}

// String returns the rules-language spelling ("read", "write", ...).
func (a Access) String() string {
	switch a {
	case AccessRead:
		return "read"
	case AccessList:
		return "list"
	case AccessWrite:
		return "write"
	case AccessDeny:
		return "deny"
	}
	return ""
}

// ParseAccess reads a policy value as written in a rule.
func ParseAccess(s string) (Access, error) {
	if a, ok := accessNames[s]; ok {
		return a, nil
	}
	return AccessNone, fmt.Errorf("%w %q", ErrUnknownPolicy, s)
}

// takesPrecedence reports whether a wins over b when both rules give the
// same match: deny, then write, then list, then read.
func takesPrecedence(a, b Access) bool { return a > b }

// grants reports whether a rule's access satisfies a need of read, list
// or write. Write implies list and read; list implies read.
func grants(have, need Access) bool {
	if have == AccessDeny || have == AccessNone {
		return false
	}
	return have >= need
}

// Resource is a kind of thing rules govern.
type Resource uint8

// Resources of the rules language. Named resources take a segment
// (`service "web"`, or a prefix with `service_prefix`); the others are
// a single attribute (`operator = "read"`).
const (
	ResourceACL Resource = iota
	ResourceAgent
	ResourceEvent
	ResourceKey
	ResourceKeyring
	ResourceMesh
	ResourceNode
	ResourceOperator
	ResourcePeering
	ResourceQuery
	ResourceService
	ResourceSession
	numResources
)

// resourceInfo describes how a resource is written and what it takes.
type resourceInfo struct {
	name  string
	named bool // takes a segment: `name "seg" {}` and `name_prefix "seg" {}`
	list  bool // accepts the list policy
}

var resources = [numResources]resourceInfo{
	ResourceACL:      {name: "acl"},
	ResourceAgent:    {name: "agent", named: true},
	ResourceEvent:    {name: "event", named: true},
	ResourceKey:      {name: "key", named: true, list: true},
	ResourceKeyring:  {name: "keyring"},
	ResourceMesh:     {name: "mesh"},
	ResourceNode:     {name: "node", named: true},
	ResourceOperator: {name: "operator"},
	ResourcePeering:  {name: "peering"},
	ResourceQuery:    {name: "query", named: true},
	ResourceService:  {name: "service", named: true},
	ResourceSession:  {name: "session", named: true},
}

// resourceWord is what a rule's first word means.
type resourceWord struct {
	res    Resource
	prefix bool
}

// resourceWords maps every word a rule may start with ("key",
// "key_prefix", "operator", ...) to its resource.
var resourceWords = func() map[string]resourceWord {
	m := make(map[string]resourceWord)
	for r, info := range resources {
		m[info.name] = resourceWord{Resource(r), false}
		if info.named {
			m[info.name+"_prefix"] = resourceWord{Resource(r), true}
		}
	}
	return m
}()

// String returns the rules-language name ("key", "service", ...).
func (r Resource) String() string {
	if r < numResources {
		return resources[r].name
	}
	return "resource(" + strconv.Itoa(int(r)) + ")"
}

// Named reports whether rules for r take a segment (exact or prefix).
func (r Resource) Named() bool { return r < numResources && resources[r].named }

// Rule is one parsed rule.
type Rule struct {
	Resource Resource
	// Prefix is true for the *_prefix form: Segment matches every name
	// that starts with it. Always false for resources without segments.
	Prefix bool
	// Segment is the name or prefix; empty for resources without segments
	// (and for a prefix rule matching everything).
	Segment string
	// Access is the policy; AccessNone only on a service rule that sets
	// intentions alone.
	Access Access
	// Intentions is the intentions policy of a service rule, AccessNone
	// when not given.
	Intentions Access
	// Line is the 1-based line of the rule in its source.
	Line int
}

// String renders the rule the way errors name it: `key_prefix "app/"`.
func (r Rule) String() string {
	return ruleName(r.Resource.String(), r.Prefix, r.Segment, r.Resource.Named())
}

func ruleName(res string, prefix bool, segment string, named bool) string {
	if prefix {
		res += "_prefix"
	}
	if !named {
		return res
	}
	return res + " " + strconv.Quote(segment)
}

// RuleSet is the parsed text of one ACL policy's Rules field. The name
// leaves acl.Policy free for the stored policy record (ID, Name, Rules).
type RuleSet struct {
	Rules []Rule
}
