package command

import (
	"flag"

	"github.com/pylonmesh/pylon/api"
)

const aclSetAgentTokenHelp = `
Usage: pylon acl set-agent-token [options] TYPE TOKEN

  Sets one of the agent's own ACL tokens. The agent keeps it in memory, or
  on disk with acl.enable_token_persistence. TYPE is one of:

    default        used for requests that carry no token
    agent          used for the agent's own catalog operations
    agent_recovery works on the agent's endpoints when no server answers
    replication    used for ACL replication
    config_file_service_registration
                   registers the services of config files that set none
    dns            used for DNS lookups

      $ pylon acl set-agent-token agent "<agent token>"
`

func runACLSetAgentToken(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl set-agent-token", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, aclSetAgentTokenHelp); done {
		return code
	}
	if fs.NArg() != 2 {
		u.error("Missing TYPE and TOKEN arguments")
		return 1
	}
	kind, token := fs.Arg(0), fs.Arg(1)
	c, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	ag := c.Agent()
	set := map[string]func(string, *api.WriteOptions) (*api.WriteMeta, error){
		"default": ag.UpdateDefaultACLToken, "agent": ag.UpdateAgentACLToken,
		"agent_recovery": ag.UpdateAgentRecoveryACLToken, "agent_master": ag.UpdateAgentRecoveryACLToken,
		"replication": ag.UpdateReplicationACLToken, "config_file_service_registration": ag.UpdateConfigFileRegistrationToken,
		"dns": ag.UpdateDNSToken,
	}[kind]
	if set == nil {
		u.error("Unknown token type %q", kind)
		return 1
	}
	if _, err := set(token, nil); err != nil {
		u.error("Failed to set ACL token: %v", err)
		return 1
	}
	u.output("ACL token %q set successfully", kind)
	return 0
}
