package config

import (
	"fmt"
	"time"
)

// aclFile is the acl { } block.
type aclFile struct {
	Enabled                setting[bool]
	DefaultPolicy          setting[string]
	DownPolicy             setting[string]
	EnableTokenPersistence setting[bool]
	TokenTTL               setting[time.Duration]
	PolicyTTL              setting[time.Duration]
	RoleTTL                setting[time.Duration]
	Tokens                 aclTokensFile
	// Consul keys accepted with a warning.
	EnableTokenReplication setting[bool]
	EnableKeyListPolicy    setting[bool]
}

// aclTokensFile is acl.tokens { }. Master and AgentMaster are Consul's
// deprecated names of InitialManagement and AgentRecovery.
type aclTokensFile struct {
	InitialManagement             setting[string]
	Agent                         setting[string]
	AgentRecovery                 setting[string]
	Default                       setting[string]
	Replication                   setting[string]
	DNS                           setting[string]
	ConfigFileServiceRegistration setting[string]
	Master                        setting[string]
	AgentMaster                   setting[string]
}

// aclLegacyFile are the top-level acl_* keys of Consul before 1.4; each
// maps into acl { } with a warning, and the acl block wins where both
// are set.
type aclLegacyFile struct {
	ACLDatacenter       setting[string]
	ACLDefaultPolicy    setting[string]
	ACLDownPolicy       setting[string]
	ACLTTL              setting[time.Duration]
	ACLToken            setting[string]
	ACLMasterToken      setting[string]
	ACLAgentToken       setting[string]
	ACLAgentMasterToken setting[string]
	ACLReplicationToken setting[string]
}

// Consul's ACL defaults.
const defaultACLTTL = 30 * time.Second

// acl fills the ACL settings and checks the policies and TTLs.
func (fc *fileConfig) acl(rt *Runtime, _ buildOptions) error {
	a := &fc.ACL
	fc.legacyACL()
	rt.ACL = ACL{
		Enabled:                a.Enabled.or(false),
		DefaultPolicy:          a.DefaultPolicy.or("allow"),
		DownPolicy:             a.DownPolicy.or("extend-cache"),
		EnableTokenPersistence: a.EnableTokenPersistence.or(false),
		TokenTTL:               a.TokenTTL.or(defaultACLTTL),
		PolicyTTL:              a.PolicyTTL.or(defaultACLTTL),
		RoleTTL:                a.RoleTTL.or(defaultACLTTL),
	}
	switch rt.ACL.DefaultPolicy {
	case "allow", "deny":
	default:
		return a.DefaultPolicy.errorf("acl.default_policy", "want allow or deny, got %q", rt.ACL.DefaultPolicy)
	}
	switch rt.ACL.DownPolicy {
	case "allow", "deny", "extend-cache", "async-cache":
	default:
		return a.DownPolicy.errorf("acl.down_policy", "want allow, deny, extend-cache or async-cache, got %q", rt.ACL.DownPolicy)
	}
	for _, d := range []struct {
		key string
		in  setting[time.Duration]
	}{{"token_ttl", a.TokenTTL}, {"policy_ttl", a.PolicyTTL}, {"role_ttl", a.RoleTTL}} {
		if d.in.val < 0 {
			return d.in.errorf("acl."+d.key, "must not be negative, got %s", d.in.val)
		}
	}
	t := a.Tokens
	rt.ACL.Tokens = ACLTokens{
		InitialManagement:             t.InitialManagement.or(t.Master.or("")),
		Agent:                         t.Agent.or(""),
		AgentRecovery:                 t.AgentRecovery.or(t.AgentMaster.or("")),
		Default:                       t.Default.or(""),
		Replication:                   t.Replication.or(""),
		DNS:                           t.DNS.or(""),
		ConfigFileServiceRegistration: t.ConfigFileServiceRegistration.or(""),
	}
	for _, old := range []struct {
		in       setting[string]
		old, new string
	}{{t.Master, "master", "initial_management"}, {t.AgentMaster, "agent_master", "agent_recovery"}} {
		if old.in.set {
			fc.warnings = append(fc.warnings, old.in.message("acl.tokens."+old.old, "deprecated; use acl.tokens.%s", old.new))
		}
	}
	for _, k := range []struct {
		key string
		in  setting[bool]
	}{{"enable_token_replication", a.EnableTokenReplication}, {"enable_key_list_policy", a.EnableKeyListPolicy}} {
		if k.in.set {
			fc.warnings = append(fc.warnings, fmt.Sprintf("%s: acl.%s is not supported yet and is ignored", k.in.at, k.key))
		}
	}
	if rt.ACL.EnableTokenPersistence && rt.DataDir == "" && rt.ACL.Enabled {
		fc.warnings = append(fc.warnings, a.EnableTokenPersistence.message("acl.enable_token_persistence",
			"no data_dir: tokens set through the API are kept in memory only"))
	}
	return nil
}

// legacyACL moves the top-level acl_* keys into the acl block where the
// block does not set them, warning about each.
func (fc *fileConfig) legacyACL() {
	l, a := &fc.aclLegacyFile, &fc.ACL
	strs := []struct {
		in       setting[string]
		out      *setting[string]
		old, new string
	}{
		{l.ACLDefaultPolicy, &a.DefaultPolicy, "acl_default_policy", "acl.default_policy"},
		{l.ACLDownPolicy, &a.DownPolicy, "acl_down_policy", "acl.down_policy"},
		{l.ACLToken, &a.Tokens.Default, "acl_token", "acl.tokens.default"},
		{l.ACLMasterToken, &a.Tokens.InitialManagement, "acl_master_token", "acl.tokens.initial_management"},
		{l.ACLAgentToken, &a.Tokens.Agent, "acl_agent_token", "acl.tokens.agent"},
		{l.ACLAgentMasterToken, &a.Tokens.AgentRecovery, "acl_agent_master_token", "acl.tokens.agent_recovery"},
		{l.ACLReplicationToken, &a.Tokens.Replication, "acl_replication_token", "acl.tokens.replication"},
	}
	for _, s := range strs {
		if !s.in.set {
			continue
		}
		fc.warnings = append(fc.warnings, s.in.message(s.old, "deprecated; use %s", s.new))
		if !s.out.set {
			*s.out = s.in
		}
	}
	if l.ACLTTL.set {
		fc.warnings = append(fc.warnings, l.ACLTTL.message("acl_ttl", "deprecated; use acl.token_ttl"))
		if !a.TokenTTL.set {
			a.TokenTTL = l.ACLTTL
		}
	}
	// Setting acl_datacenter turned ACLs on in Consul's legacy system.
	if l.ACLDatacenter.set {
		fc.warnings = append(fc.warnings, l.ACLDatacenter.message("acl_datacenter",
			"deprecated; use primary_datacenter and acl.enabled"))
		if !a.Enabled.set {
			a.Enabled = setting[bool]{val: true, at: l.ACLDatacenter.at, set: true}
		}
	}
}

// String names an ACL setting's value for messages without showing
// tokens.
func (a ACL) String() string {
	return fmt.Sprintf("enabled=%t default_policy=%s down_policy=%s", a.Enabled, a.DefaultPolicy, a.DownPolicy)
}
