package api

import (
	"errors"
	"net/http"
)

// The agent's own ACL tokens, set at run time through
// PUT /v1/agent/token/:type. The agent keeps them in memory, and on disk
// when acl.enable_token_persistence is on.

// UpdateDefaultACLToken sets the token used for requests that carry none.
func (a *Agent) UpdateDefaultACLToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "default")
}

// UpdateAgentACLToken sets the token of the agent's own catalog writes.
func (a *Agent) UpdateAgentACLToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "agent")
}

// UpdateAgentRecoveryACLToken sets the token that works on the agent's
// endpoints when no server answers (falling back to the pre-1.11 name).
func (a *Agent) UpdateAgentRecoveryACLToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "agent_recovery", "agent_master")
}

// UpdateAgentMasterACLToken is the pre-1.11 name of
// UpdateAgentRecoveryACLToken.
//
// Deprecated: use UpdateAgentRecoveryACLToken.
func (a *Agent) UpdateAgentMasterACLToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "agent_master")
}

// UpdateReplicationACLToken sets the token of ACL replication.
func (a *Agent) UpdateReplicationACLToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "replication")
}

// UpdateConfigFileRegistrationToken sets the token that registers the
// services of config files that set none.
func (a *Agent) UpdateConfigFileRegistrationToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "config_file_service_registration")
}

// UpdateDNSToken sets the token of DNS lookups.
func (a *Agent) UpdateDNSToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "dns")
}

// UpdateACLToken sets the default token under its legacy name.
//
// Deprecated: use UpdateDefaultACLToken.
func (a *Agent) UpdateACLToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "acl_token")
}

// UpdateACLAgentToken sets the agent token under its legacy name.
//
// Deprecated: use UpdateAgentACLToken.
func (a *Agent) UpdateACLAgentToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "acl_agent_token")
}

// UpdateACLAgentMasterToken sets the recovery token under its legacy
// name.
//
// Deprecated: use UpdateAgentRecoveryACLToken.
func (a *Agent) UpdateACLAgentMasterToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "acl_agent_master_token")
}

// UpdateACLReplicationToken sets the replication token under its legacy
// name.
//
// Deprecated: use UpdateReplicationACLToken.
func (a *Agent) UpdateACLReplicationToken(token string, q *WriteOptions) (*WriteMeta, error) {
	return a.updateToken(q, token, "acl_replication_token")
}

// updateToken sets one token, trying each name in turn while the agent
// answers 404 (an older agent that lacks the newer name).
func (a *Agent) updateToken(q *WriteOptions, token string, names ...string) (*WriteMeta, error) {
	var err error
	for _, name := range names {
		r := a.c.newRequest(http.MethodPut, "/v1/agent/token/"+name)
		r.setWriteOptions(q)
		r.body = &AgentToken{Token: token}
		var wm *WriteMeta
		wm, err = a.c.exec(r, nil)
		var se StatusError
		if err == nil || !errors.As(err, &se) || se.Code != http.StatusNotFound {
			return wm, err
		}
	}
	return nil, err
}
