package config

import (
	"strings"
	"testing"
	"time"
)

// defaultACL is the acl block when nothing is set.
var defaultACL = ACL{
	DefaultPolicy: "allow", DownPolicy: "extend-cache",
	TokenTTL: 30 * time.Second, PolicyTTL: 30 * time.Second, RoleTTL: 30 * time.Second,
}

func TestACLFileHCLAndJSONAgree(t *testing.T) {
	want := ACL{
		Enabled: true, DefaultPolicy: "deny", DownPolicy: "async-cache", EnableTokenPersistence: true,
		TokenTTL: 10 * time.Second, PolicyTTL: time.Minute, RoleTTL: 0,
		Tokens: ACLTokens{
			InitialManagement: "11111111-1111-1111-1111-111111111111", Agent: "agent-secret",
			AgentRecovery: "recovery-secret", Default: "default-secret", Replication: "replication-secret",
			DNS: "dns-secret", ConfigFileServiceRegistration: "cfsr-secret",
		},
	}
	for _, file := range []string{"testdata/acl.hcl", "testdata/acl.json"} {
		t.Run(file, func(t *testing.T) {
			rt, warnings := mustLoad(t, agentArgs(t, "-config-file", file)...)
			if rt.ACL != want {
				t.Errorf("acl\n got %+v\nwant %+v", rt.ACL, want)
			}
			if len(warnings) != 0 {
				t.Errorf("warnings %q, want none", warnings)
			}
		})
	}
}

func TestACLConfig(t *testing.T) {
	with := func(f func(*ACL)) ACL {
		a := defaultACL
		f(&a)
		return a
	}
	tests := []struct {
		name     string
		args     []string
		want     ACL
		warnings []string // substrings, one per warning, in order
	}{
		{"defaults", agentArgs(t), defaultACL, nil},
		{"dev", devArgs, defaultACL, nil},
		{"one-line block", agentArgs(t, "-hcl", `acl { enabled = true default_policy = "deny" }`),
			with(func(a *ACL) { a.Enabled, a.DefaultPolicy = true, "deny" }), nil},
		{"later source wins", agentArgs(t, "-hcl", `acl { down_policy = "deny" }`, "-hcl", `acl { down_policy = "allow" }`),
			with(func(a *ACL) { a.DownPolicy = "allow" }), nil},
		{"deprecated token names", agentArgs(t, "-hcl", `acl { tokens { master = "m" agent_master = "am" } }`),
			with(func(a *ACL) { a.Tokens.InitialManagement, a.Tokens.AgentRecovery = "m", "am" }),
			[]string{"-hcl[0]:1: acl.tokens.master: deprecated; use acl.tokens.initial_management",
				"acl.tokens.agent_master: deprecated; use acl.tokens.agent_recovery"}},
		{"new name beats the deprecated one", agentArgs(t, "-hcl", `acl { tokens { master = "m" initial_management = "im" } }`),
			with(func(a *ACL) { a.Tokens.InitialManagement = "im" }), []string{"acl.tokens.master: deprecated"}},
		{"legacy top-level keys", agentArgs(t, "-hcl", `acl_datacenter = "dc1"`+"\n"+`acl_default_policy = "deny"`+"\n"+
			`acl_down_policy = "deny"`+"\n"+`acl_ttl = "5s"`+"\n"+`acl_token = "d"`+"\n"+`acl_master_token = "m"`+"\n"+
			`acl_agent_token = "a"`+"\n"+`acl_agent_master_token = "am"`+"\n"+`acl_replication_token = "r"`),
			with(func(a *ACL) {
				a.Enabled, a.DefaultPolicy, a.DownPolicy, a.TokenTTL = true, "deny", "deny", 5*time.Second
				a.Tokens = ACLTokens{Default: "d", InitialManagement: "m", Agent: "a", AgentRecovery: "am", Replication: "r"}
			}),
			[]string{"-hcl[0]:2: acl_default_policy: deprecated; use acl.default_policy", "acl_down_policy: deprecated",
				"acl_token: deprecated; use acl.tokens.default", "acl_master_token: deprecated",
				"acl_agent_token: deprecated", "acl_agent_master_token: deprecated", "acl_replication_token: deprecated",
				"acl_ttl: deprecated; use acl.token_ttl", "-hcl[0]:1: acl_datacenter: deprecated"}},
		{"acl block beats legacy keys", agentArgs(t, "-hcl", `acl_default_policy = "deny"`+"\n"+`acl { default_policy = "allow" enabled = false }`+"\n"+`acl_datacenter = "dc1"`),
			defaultACL, []string{"acl_default_policy: deprecated", "acl_datacenter: deprecated"}},
		{"unsupported keys", agentArgs(t, "-hcl", `acl { enable_token_replication = true enable_key_list_policy = true }`),
			defaultACL, []string{"acl.enable_token_replication is not supported yet", "acl.enable_key_list_policy is not supported yet"}},
		{"persistence without data dir", append(append([]string(nil), devArgs...), "-hcl", `acl { enabled = true enable_token_persistence = true }`),
			with(func(a *ACL) { a.Enabled, a.EnableTokenPersistence = true, true }),
			[]string{"acl.enable_token_persistence: no data_dir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, warnings := mustLoad(t, tt.args...)
			if rt.ACL != tt.want {
				t.Errorf("acl\n got %+v\nwant %+v", rt.ACL, tt.want)
			}
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %d", warnings, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, warnings[i], w)
				}
			}
		})
	}
}

func TestACLConfigErrors(t *testing.T) {
	tests := []struct {
		name, file, body string
		want             string
	}{
		{"bad default_policy", "c.hcl", "acl {\n default_policy = \"maybe\"\n}", `c.hcl:2: acl.default_policy: want allow or deny, got "maybe"`},
		{"bad down_policy", "c.json", "{\"acl\": {\n\"down_policy\": \"extend\"}}", `c.json:2: acl.down_policy: want allow, deny, extend-cache or async-cache, got "extend"`},
		{"bad legacy default policy", "c.hcl", `acl_default_policy = "open"`, `c.hcl:1: acl.default_policy: want allow or deny, got "open"`},
		{"enabled not bool", "c.hcl", `acl { enabled = "yes" }`, `c.hcl:1: acl.enabled: expected a boolean`},
		{"negative token_ttl", "c.hcl", `acl { token_ttl = "-1s" }`, `c.hcl:1: acl.token_ttl: must not be negative, got -1s`},
		{"bad policy_ttl", "c.hcl", `acl { policy_ttl = "soon" }`, `c.hcl:1: acl.policy_ttl: invalid duration "soon"`},
		{"negative role_ttl", "c.json", `{"acl": {"role_ttl": "-5s"}}`, `c.json:1: acl.role_ttl: must not be negative`},
		{"token not a string", "c.json", `{"acl": {"tokens": {"agent": ["a"]}}}`, `c.json:1: acl.tokens.agent: expected a string, got a list`},
		{"unknown token", "c.hcl", `acl { tokens { other = "x" } }`, `c.hcl:1: acl.tokens.other: unknown key`},
		{"unknown acl key", "c.hcl", `acl { enable = true }`, `c.hcl:1: acl.enable: unknown key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFile(t, t.TempDir(), tt.file, tt.body)
			_, _, err := Load(agentArgs(t, "-config-file", f))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestACLStringHidesTokens(t *testing.T) {
	a := defaultACL
	a.Tokens.Agent = "agent-secret"
	if s := a.String(); strings.Contains(s, "agent-secret") || !strings.Contains(s, "default_policy=allow") {
		t.Errorf("String() = %q", s)
	}
}

func FuzzLoadACL(f *testing.F) {
	addSeeds(f, "testdata/acl.hcl")
	f.Add([]byte(`acl { enabled = true default_policy = "deny" tokens { master = "m" agent_master = 1 } }`))
	f.Add([]byte(`acl_datacenter = "dc1"` + "\n" + `acl_ttl = "-1s"` + "\n" + `acl { down_policy = "x" token_ttl = "1h" }`))
	f.Fuzz(func(t *testing.T, src []byte) {
		n, err := parseHCL("f.hcl", src)
		if err != nil {
			return
		}
		rt, _, err := build([]*node{n}, buildOptions{filesOnly: true})
		if err != nil {
			return
		}
		switch rt.ACL.DefaultPolicy {
		case "allow", "deny":
		default:
			t.Fatalf("default policy %q was accepted", rt.ACL.DefaultPolicy)
		}
		if rt.ACL.TokenTTL < 0 || rt.ACL.PolicyTTL < 0 || rt.ACL.RoleTTL < 0 {
			t.Fatalf("negative TTL accepted: %+v", rt.ACL)
		}
	})
}
