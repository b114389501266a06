package command

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/agent/agenttest"
	"github.com/pylonmesh/pylon/api"
)

// aclCLI starts a dev agent with ACLs on (default deny), bootstraps it
// through the CLI and returns a runner that places -http-addr after the
// command words, and the management token.
func aclCLI(t *testing.T) (runACL func(words int, args ...string) (string, string, int), mgmt *api.ACLToken) {
	t.Helper()
	clearEnv(t)
	addr := agenttest.Start(t, "-hcl", `acl { enabled = true default_policy = "deny" }`).HTTPAddr()
	runACL = func(words int, args ...string) (string, string, int) {
		t.Helper()
		return kvRun(t, addr, words, args...)
	}
	out, errOut, code := runACL(2, "acl", "bootstrap", "-format", "json")
	if code != 0 {
		t.Fatalf("bootstrap: %d %s", code, errOut)
	}
	mgmt = &api.ACLToken{}
	if err := json.Unmarshal([]byte(out), mgmt); err != nil || mgmt.SecretID == "" {
		t.Fatalf("bootstrap output %q: %v", out, err)
	}
	return runACL, mgmt
}

// field returns the value of a "Key: value" line of pretty output.
func field(out, key string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `:\s+(.*)$`).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

func TestACLCLIBootstrapTwice(t *testing.T) {
	runACL, mgmt := aclCLI(t)
	_, errOut, code := runACL(2, "acl", "bootstrap")
	if code != 1 || !strings.Contains(errOut, "Failed ACL bootstrapping") || !strings.Contains(errOut, "reset index: ") {
		t.Errorf("second bootstrap: %d %q", code, errOut)
	}
	if !strings.HasPrefix(mgmt.Description, "Bootstrap Token") {
		t.Errorf("bootstrap token %+v", mgmt)
	}
}

func TestACLCLIPolicyRoleToken(t *testing.T) {
	runACL, mgmt := aclCLI(t)
	t.Setenv("CONSUL_HTTP_TOKEN", mgmt.SecretID)
	rules := filepath.Join(t.TempDir(), "web.hcl")
	if err := os.WriteFile(rules, []byte("service \"web\" {\n  policy = \"write\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := func(words int, args ...string) string {
		t.Helper()
		out, errOut, code := runACL(words, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return out
	}

	out := ok(3, "acl", "policy", "create", "-name", "web", "-description", "web rights", "-rules", "@"+rules)
	policyID := field(out, "ID")
	if policyID == "" || field(out, "Name") != "web" || !strings.Contains(out, `service "web"`) {
		t.Fatalf("policy create output:\n%s", out)
	}
	_, errOut, code := runACL(3, "acl", "policy", "create", "-name", "bad", "-rules", "key_prefix \"a\" {\n policy = \"raed\"\n}")
	if code != 1 || !strings.Contains(errOut, `rules:2: key_prefix "a": unknown policy "raed"`) {
		t.Errorf("bad rules: %d %q", code, errOut)
	}
	if out := ok(3, "acl", "policy", "list"); !strings.Contains(out, "web:\n   ID:           "+policyID) || !strings.Contains(out, "global-management:") {
		t.Errorf("policy list:\n%s", out)
	}
	if out := ok(3, "acl", "policy", "read", "-name", "web"); field(out, "ID") != policyID || field(out, "Description") != "web rights" {
		t.Errorf("policy read:\n%s", out)
	}
	out = ok(3, "acl", "policy", "update", "-id", policyID, "-description", "changed")
	if field(out, "Description") != "changed" || !strings.Contains(out, `service "web"`) {
		t.Errorf("policy update kept the rules?\n%s", out)
	}

	out = ok(3, "acl", "role", "create", "-name", "ops", "-policy-name", "web", "-service-identity", "api:dc1", "-node-identity", "n1:dc1")
	roleID := field(out, "ID")
	if roleID == "" || !strings.Contains(out, policyID+" - web") || !strings.Contains(out, "api (Datacenters: dc1)") ||
		!strings.Contains(out, "n1 (Datacenter: dc1)") {
		t.Fatalf("role create:\n%s", out)
	}
	if out := ok(3, "acl", "role", "read", "-name", "ops"); field(out, "ID") != roleID {
		t.Errorf("role read:\n%s", out)
	}
	if out := ok(3, "acl", "role", "list"); !strings.Contains(out, "ops:\n   ID:           "+roleID) {
		t.Errorf("role list:\n%s", out)
	}
	if out := ok(3, "acl", "role", "update", "-id", roleID, "-description", "d"); field(out, "Description") != "d" || !strings.Contains(out, " - web") {
		t.Errorf("role update:\n%s", out)
	}

	out = ok(3, "acl", "token", "create", "-description", "svc", "-policy-id", policyID, "-role-name", "ops", "-expires-ttl", "1h")
	accessor, secret := field(out, "AccessorID"), field(out, "SecretID")
	if accessor == "" || secret == "" || field(out, "Expiration Time") == "" || !strings.Contains(out, roleID+" - ops") {
		t.Fatalf("token create:\n%s", out)
	}
	var asJSON api.ACLToken
	if err := json.Unmarshal([]byte(ok(3, "acl", "token", "read", "-accessor-id", accessor, "-format", "json")), &asJSON); err != nil ||
		asJSON.SecretID != secret || len(asJSON.Policies) != 1 {
		t.Errorf("token read json: %+v %v", asJSON, err)
	}
	if out := ok(3, "acl", "token", "list"); !strings.Contains(out, "AccessorID:       "+accessor) {
		t.Errorf("token list:\n%s", out)
	}
	// The new token has no acl rule: -self works, listing does not.
	if out := ok(3, "acl", "token", "read", "-self", "-token", secret); field(out, "AccessorID") != accessor {
		t.Errorf("read -self:\n%s", out)
	}
	if _, errOut, code := runACL(3, "acl", "token", "list", "-token", secret); code != 1 || !strings.Contains(errOut, "403") {
		t.Errorf("list without acl:read: %d %q", code, errOut)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := ok(3, "acl", "token", "read", "-self", "-token-file", tokenFile); field(out, "AccessorID") != accessor {
		t.Errorf("read -self with -token-file:\n%s", out)
	}

	out = ok(3, "acl", "token", "clone", "-accessor-id", accessor, "-description", "copy")
	clone := field(out, "AccessorID")
	if clone == "" || clone == accessor || field(out, "Description") != "copy" {
		t.Fatalf("clone:\n%s", out)
	}
	out = ok(3, "acl", "token", "update", "-accessor-id", clone, "-description", "changed", "-service-identity", "db")
	if field(out, "Description") != "changed" || !strings.Contains(out, policyID+" - web") || !strings.Contains(out, "db (Datacenters: all)") {
		t.Errorf("update:\n%s", out)
	}
	if out := ok(3, "acl", "token", "delete", "-accessor-id", clone); out != "Token \""+clone+"\" deleted successfully\n" {
		t.Errorf("delete: %q", out)
	}
	if _, errOut, code := runACL(3, "acl", "token", "read", "-accessor-id", clone); code != 1 || !strings.Contains(errOut, "ACL not found") {
		t.Errorf("read deleted: %d %q", code, errOut)
	}
	if out := ok(3, "acl", "role", "delete", "-name", "ops"); !strings.Contains(out, "deleted successfully") {
		t.Errorf("role delete: %q", out)
	}
	if out := ok(3, "acl", "policy", "delete", "-id", policyID); !strings.Contains(out, "deleted successfully") {
		t.Errorf("policy delete: %q", out)
	}
	if out := ok(2, "acl", "set-agent-token", "agent", secret); out != "ACL token \"agent\" set successfully\n" {
		t.Errorf("set-agent-token: %q", out)
	}
}

func TestACLCLIErrors(t *testing.T) {
	runACL, mgmt := aclCLI(t)
	tests := []struct {
		words int
		args  []string
		want  string
	}{
		{3, []string{"acl", "policy", "create"}, "Missing required '-name' flag"},
		{3, []string{"acl", "policy", "read"}, "must specify either the -id or -name flag"},
		{3, []string{"acl", "policy", "update", "-name", "x"}, "Must specify the -id flag"},
		{3, []string{"acl", "policy", "read", "-name", "nope"}, "Error reading policy"},
		{3, []string{"acl", "role", "create", "-name", "r", "-node-identity", "n1"}, "want NODE:DATACENTER"},
		{3, []string{"acl", "role", "read", "-name", "nope"}, "role not found"},
		{3, []string{"acl", "token", "create", "-expires-ttl", "soon"}, "invalid -expires-ttl"},
		{3, []string{"acl", "token", "read"}, "Must specify the -accessor-id flag or -self"},
		{3, []string{"acl", "token", "delete"}, "Must specify the -accessor-id flag"},
		{3, []string{"acl", "token", "list", "-format", "yaml"}, "Invalid format"},
		{2, []string{"acl", "set-agent-token", "agent"}, "Missing TYPE and TOKEN"},
		{2, []string{"acl", "set-agent-token", "bogus", "x"}, "Unknown token type"},
		{3, []string{"acl", "token", "list"}, "403"}, // no token under default deny
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := tt.args
			if tt.want != "403" {
				args = append(append([]string(nil), args[:tt.words]...), append([]string{"-token", mgmt.SecretID}, args[tt.words:]...)...)
			}
			_, errOut, code := runACL(tt.words, args...)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, errOut, tt.want)
			}
		})
	}
}

func FuzzACLIdentityFlags(f *testing.F) {
	f.Add("web:dc1,dc2", "n1:dc1", "1h")
	f.Add(":", ":dc", "-5s")
	f.Add("a", "b", "")
	f.Fuzz(func(t *testing.T, service, node, ttl string) {
		si, err := parseServiceIdentities([]string{service})
		if err == nil && (len(si) != 1 || si[0].ServiceName == "") {
			t.Fatalf("service identity %q parsed to %+v", service, si)
		}
		ni, err := parseNodeIdentities([]string{node})
		if err == nil && (len(ni) != 1 || ni[0].NodeName == "" || ni[0].Datacenter == "") {
			t.Fatalf("node identity %q parsed to %+v", node, ni)
		}
		if d, err := parseTTL(ttl); err == nil && d < 0 {
			t.Fatalf("ttl %q parsed to %v", ttl, d)
		}
	})
}
