package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sync"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/httpapi"
)

// aclTokensFile, in the data directory, keeps the tokens set through
// PUT /v1/agent/token when acl.enable_token_persistence is on.
const aclTokensFile = "acl-tokens.json"

var _ httpapi.AgentTokens = (*Agent)(nil)

// errUnknownTokenKind is a kind of agent token that does not exist.
var errUnknownTokenKind = errors.New("unknown agent token kind")

// aclTokenStore holds the tokens set through the API, which win over the
// config file's. The zero value is ready: the persisted tokens are read
// on first use.
type aclTokenStore struct {
	once sync.Once
	mu   sync.RWMutex
	set  map[string]string // kind → secret; guarded by mu
}

// ACLToken returns the agent's token of a kind (httpapi.AgentToken*): the
// one set through the API, else the config file's, else "".
func (a *Agent) ACLToken(kind string) string {
	return a.aclToken(a.config(), kind)
}

// aclToken is ACLToken for a given config; it takes no agent lock.
func (a *Agent) aclToken(cfg *config.Runtime, kind string) string {
	a.loadACLTokens(cfg)
	a.aclTokens.mu.RLock()
	secret, ok := a.aclTokens.set[kind]
	a.aclTokens.mu.RUnlock()
	if ok {
		return secret
	}
	secret, _ = configToken(cfg.ACL.Tokens, kind)
	return secret
}

// syncResolverTokens hands the tokens in effect under cfg to the token
// resolver: at start (the persisted ones), after a reload and after each
// SetACLToken. It takes no agent lock.
func (a *Agent) syncResolverTokens(cfg *config.Runtime) {
	if a.acl == nil {
		return
	}
	t := a.acl.Tokens()
	t.InitialManagement = cfg.ACL.Tokens.InitialManagement
	t.Default = a.aclToken(cfg, httpapi.AgentTokenDefault)
	t.Agent = a.aclToken(cfg, httpapi.AgentTokenAgent)
	t.AgentRecovery = a.aclToken(cfg, httpapi.AgentTokenAgentRecovery)
	t.DNS = a.aclToken(cfg, httpapi.AgentTokenDNS)
	a.acl.SetTokens(t)
}

// SetACLToken sets the agent's token of a kind; "" brings back the
// config file's. With acl.enable_token_persistence the API's tokens are
// written to <data_dir>/acl-tokens.json before this returns.
func (a *Agent) SetACLToken(kind, secret string) error {
	if _, ok := configToken(config.ACLTokens{}, kind); !ok {
		return fmt.Errorf("agent: %w %q", errUnknownTokenKind, kind)
	}
	cfg := a.config()
	if err := a.setACLToken(cfg, kind, secret); err != nil {
		return err
	}
	a.syncResolverTokens(cfg)
	a.logger.Info("agent ACL token updated", "kind", kind)
	return nil
}

func (a *Agent) setACLToken(cfg *config.Runtime, kind, secret string) error {
	a.loadACLTokens(cfg)
	st := &a.aclTokens
	st.mu.Lock()
	defer st.mu.Unlock()
	next := maps.Clone(st.set)
	if next == nil {
		next = map[string]string{}
	}
	if secret == "" {
		delete(next, kind)
	} else {
		next[kind] = secret
	}
	if path := aclTokensPath(cfg); path != "" {
		if err := writeACLTokens(path, next); err != nil {
			return err
		}
	}
	st.set = next
	return nil
}

// configToken returns the config file's token of a kind, and whether the
// kind exists.
func configToken(t config.ACLTokens, kind string) (string, bool) {
	switch kind {
	case httpapi.AgentTokenDefault:
		return t.Default, true
	case httpapi.AgentTokenAgent:
		return t.Agent, true
	case httpapi.AgentTokenAgentRecovery:
		return t.AgentRecovery, true
	case httpapi.AgentTokenReplication:
		return t.Replication, true
	case httpapi.AgentTokenConfigFileRegistration:
		return t.ConfigFileServiceRegistration, true
	case httpapi.AgentTokenDNS:
		return t.DNS, true
	}
	return "", false
}

// aclTokensPath is the persistence file, "" when tokens are kept in
// memory only.
func aclTokensPath(cfg *config.Runtime) string {
	if !cfg.ACL.EnableTokenPersistence || cfg.DataDir == "" {
		return ""
	}
	return filepath.Join(cfg.DataDir, aclTokensFile)
}

// loadACLTokens reads the persisted tokens once. A file that cannot be
// read is logged and left alone: the config file's tokens apply.
func (a *Agent) loadACLTokens(cfg *config.Runtime) {
	a.aclTokens.once.Do(func() {
		path := aclTokensPath(cfg)
		if path == "" {
			return
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		var set map[string]string
		if err == nil {
			err = json.Unmarshal(b, &set)
		}
		if err != nil {
			a.logger.Error("read persisted ACL tokens", "path", path, "error", err)
			return
		}
		for kind := range set {
			if _, ok := configToken(config.ACLTokens{}, kind); !ok || set[kind] == "" {
				delete(set, kind)
			}
		}
		a.aclTokens.mu.Lock()
		a.aclTokens.set = set
		a.aclTokens.mu.Unlock()
	})
}

// writeACLTokens replaces the persistence file atomically; it holds
// secrets, so only the agent's user may read it.
func writeACLTokens(path string, set map[string]string) error {
	b, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("agent: encode ACL tokens: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("agent: persist ACL tokens: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("agent: persist ACL tokens: %w", err)
	}
	return nil
}
