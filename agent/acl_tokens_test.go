package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	consulapi "github.com/hashicorp/consul/api"

	"github.com/pylonmesh/pylon/agent/httpapi"
)

// aclServerArgs are the flags of a single server agent with ACLs on
// (default deny), its data in dir.
func aclServerArgs(dir string, extra ...string) []string {
	return append([]string{"-server", "-bootstrap", "-node", "acl-1", "-bind", "127.0.0.1", "-client", "127.0.0.1",
		"-data-dir", dir, "-http-port", "0", "-server-port", "0", "-serf-lan-port", "0", "-serf-wan-port", "-1",
		"-dns-port", "-1", "-grpc-port", "-1", "-hcl", `acl { enabled = true default_policy = "deny" }`}, extra...)
}

func TestAgentTokenEndpoint(t *testing.T) {
	a, cl := startAgent(t, aclServerArgs(t.TempDir(), "-hcl", `acl { tokens { agent = "from-config" dns = "dns-config" } }`)...)
	boot, _, err := cl.ACL().Bootstrap()
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	w := &consulapi.WriteOptions{Token: boot.SecretID}
	if got := a.ACLToken(httpapi.AgentTokenAgent); got != "from-config" {
		t.Errorf("agent token before = %q", got)
	}
	ag := cl.Agent()
	tests := []struct {
		name string
		set  func(string, *consulapi.WriteOptions) (*consulapi.WriteMeta, error)
		kind string
	}{
		{"default", ag.UpdateDefaultACLToken, httpapi.AgentTokenDefault},
		{"agent", ag.UpdateAgentACLToken, httpapi.AgentTokenAgent},
		{"agent_recovery", ag.UpdateAgentRecoveryACLToken, httpapi.AgentTokenAgentRecovery},
		{"agent_master (legacy)", ag.UpdateAgentMasterACLToken, httpapi.AgentTokenAgentRecovery},
		{"replication", ag.UpdateReplicationACLToken, httpapi.AgentTokenReplication},
		{"config_file_service_registration", ag.UpdateConfigFileRegistrationToken, httpapi.AgentTokenConfigFileRegistration},
		{"dns", ag.UpdateDNSToken, httpapi.AgentTokenDNS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := "secret-" + tt.name
			if _, err := tt.set(secret, w); err != nil {
				t.Fatalf("set: %v", err)
			}
			if got := a.ACLToken(tt.kind); got != secret {
				t.Errorf("ACLToken(%q) = %q, want %q", tt.kind, got, secret)
			}
			if _, err := tt.set("other", nil); !isStatus(err, 403) {
				t.Errorf("set without a token: %v, want 403", err)
			}
		})
	}
	// Consul's legacy names; the official client refuses to send them.
	for name, kind := range map[string]string{
		"acl_token": httpapi.AgentTokenDefault, "acl_agent_token": httpapi.AgentTokenAgent,
		"acl_agent_master_token": httpapi.AgentTokenAgentRecovery, "acl_replication_token": httpapi.AgentTokenReplication,
	} {
		if code := putToken(t, a, boot.SecretID, name, "legacy-"+name); code != http.StatusOK || a.ACLToken(kind) != "legacy-"+name {
			t.Errorf("PUT /v1/agent/token/%s = %d, token %q", name, code, a.ACLToken(kind))
		}
	}
	// The resolver follows: the DNS token set through the API is the one
	// it uses.
	if got := a.acl.Tokens().DNS; got != "secret-dns" {
		t.Errorf("resolver DNS token = %q", got)
	}
	// "" brings the config file's token back.
	if _, err := ag.UpdateDNSToken("", w); err != nil || a.ACLToken(httpapi.AgentTokenDNS) != "dns-config" {
		t.Errorf("clear: %v, token %q", err, a.ACLToken(httpapi.AgentTokenDNS))
	}
	if code := putToken(t, a, boot.SecretID, "nope", "x"); code != http.StatusNotFound {
		t.Errorf("unknown type = %d, want 404", code)
	}
	if _, err := os.Stat(filepath.Join(a.config().DataDir, aclTokensFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("tokens persisted without enable_token_persistence: %v", err)
	}
}

func isStatus(err error, code int) bool {
	var se consulapi.StatusError
	return errors.As(err, &se) && se.Code == code
}

// putToken sets an agent token over plain HTTP and returns the status.
func putToken(t *testing.T, a *Agent, token, kind, secret string) int {
	t.Helper()
	body, _ := json.Marshal(consulapi.AgentToken{Token: secret})
	req, err := http.NewRequest(http.MethodPut, "http://"+a.HTTPAddr()+"/v1/agent/token/"+kind, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Consul-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAgentTokensPersist(t *testing.T) {
	dir := t.TempDir()
	args := aclServerArgs(dir, "-hcl", `acl { enable_token_persistence = true tokens { agent = "from-config" } }`)
	a, cl := startAgent(t, args...)
	boot, _, err := cl.ACL().Bootstrap()
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	w := &consulapi.WriteOptions{Token: boot.SecretID}
	if _, err := cl.Agent().UpdateAgentACLToken("persisted-agent", w); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Agent().UpdateDefaultACLToken("persisted-default", w); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, aclTokensFile)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("tokens file: %v %v", fi, err)
	}
	if err := a.Shutdown(); err != nil {
		t.Fatal(err)
	}
	// A restart keeps the API's tokens over the config file's.
	b, _ := startAgent(t, args...)
	if got := b.ACLToken(httpapi.AgentTokenAgent); got != "persisted-agent" {
		t.Errorf("agent token after restart = %q", got)
	}
	if got := b.acl.Tokens().Default; got != "persisted-default" {
		t.Errorf("resolver default token after restart = %q", got)
	}
}

func TestAgentTokenACLsDisabled(t *testing.T) {
	a, cl := testAgent(t)
	_, err := cl.Agent().UpdateAgentACLToken("x", nil)
	if !isStatus(err, http.StatusUnauthorized) {
		t.Errorf("set with ACLs off: %v, want 401", err)
	}
	if got := a.ACLToken(httpapi.AgentTokenAgent); got != "" {
		t.Errorf("token = %q", got)
	}
	if err := a.SetACLToken("bogus", "x"); !errors.Is(err, errUnknownTokenKind) {
		t.Errorf("unknown kind: %v", err)
	}
}
