package aclresolve

import (
	"log/slog"
	"sync"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/server/state"
)

// maxPolicies bounds the parsed-policy cache; past it the cache starts
// over. A policy's key changes with every edit, so old keys pile up.
const maxPolicies = 4096

// policyKey names one version of a policy.
type policyKey struct {
	id    string
	index uint64
}

// policyCache keeps parsed rules per policy version, so that resolving a
// token parses only policies it has not seen at that version.
type policyCache struct {
	logger *slog.Logger
	mu     sync.Mutex
	sets   map[policyKey]*acl.RuleSet // nil value: the rules did not parse
}

// rules returns p's parsed rules, or nil when they do not parse (logged
// once per version: the policy then grants nothing).
func (pc *policyCache) rules(p *state.ACLPolicy) *acl.RuleSet {
	k := policyKey{p.ID, p.ModifyIndex}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if rs, ok := pc.sets[k]; ok {
		return rs
	}
	rs, err := acl.ParseRules(p.Rules)
	if err != nil {
		pc.logger.Warn("ACL policy rules do not parse; the policy grants nothing", "policy", p.Name, "id", p.ID, "error", err)
		rs = nil
	}
	if pc.sets == nil || len(pc.sets) >= maxPolicies {
		pc.sets = map[policyKey]*acl.RuleSet{}
	}
	pc.sets[k] = rs
	return rs
}
