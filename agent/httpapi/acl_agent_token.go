package httpapi

import "github.com/pylonmesh/pylon/api"

// The agent's own tokens: PUT /v1/agent/token/:type sets one (acl:write).

// Kinds of agent token, as AgentTokens names them.
const (
	AgentTokenDefault                = "default"        // requests that carry no token
	AgentTokenAgent                  = "agent"          // the agent's own catalog writes
	AgentTokenAgentRecovery          = "agent_recovery" // agent endpoints when no server answers
	AgentTokenReplication            = "replication"    // ACL replication
	AgentTokenConfigFileRegistration = "config_file_service_registration"
	AgentTokenDNS                    = "dns" // DNS lookups
)

// AgentTokens is the part of the Agent that keeps its ACL tokens: those
// of the config file, replaced by those set through the API.
type AgentTokens interface {
	// ACLToken returns the token of a kind in effect ("" when none).
	ACLToken(kind string) string
	// SetACLToken replaces the token of a kind ("" clears the one set
	// through the API, bringing back the config file's).
	SetACLToken(kind, secret string) error
}

// agentTokenKinds maps the :type of /v1/agent/token/:type, Consul's
// legacy names included, to a kind.
var agentTokenKinds = map[string]string{
	"default":                          AgentTokenDefault,
	"agent":                            AgentTokenAgent,
	"agent_recovery":                   AgentTokenAgentRecovery,
	"replication":                      AgentTokenReplication,
	"config_file_service_registration": AgentTokenConfigFileRegistration,
	"dns":                              AgentTokenDNS,
	"agent_master":                     AgentTokenAgentRecovery,
	"acl_token":                        AgentTokenDefault,
	"acl_agent_token":                  AgentTokenAgent,
	"acl_agent_master_token":           AgentTokenAgentRecovery,
	"acl_replication_token":            AgentTokenReplication,
}

func (s *Server) agentToken(c *call) error {
	if err := s.aclCheck(c, true); err != nil {
		return err
	}
	kind, ok := agentTokenKinds[c.arg]
	if !ok {
		return notFound("Token %q is unknown", c.arg)
	}
	var in api.AgentToken
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if s.agent == nil {
		return notFound("no agent to set tokens on")
	}
	if err := s.agent.SetACLToken(kind, in.Token); err != nil {
		return err
	}
	return nil
}
