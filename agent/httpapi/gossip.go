package httpapi

import (
	"github.com/pylonmesh/pylon/api"
)

// The gossip endpoints of /v1/agent: members, join, leave, force-leave.
// They act on the agent that receives them, on any agent.

// agentMembers lists the gossip pool, keeping the members the token may
// read as nodes (GET /v1/agent/members?wan&segment&filter).
func (s *Server) agentMembers(c *call) error {
	members := s.agent.Members(boolParam(c.r, "wan"))
	out := make([]*api.AgentMember, 0, len(members))
	for i := range members {
		if c.visible(c.authz.NodeRead(members[i].Name)) {
			out = append(out, &members[i])
		}
	}
	out, err := applyFilter(c.r.URL.Query().Get("filter"), out)
	if err != nil {
		return err
	}
	return s.writeJSON(c, out)
}

// agentJoin joins the pool through the address in the path
// (PUT /v1/agent/join/:address?wan).
func (s *Server) agentJoin(c *call) error {
	if !c.authz.AgentWrite(s.cfg.NodeName) {
		return errPermissionDenied
	}
	if c.arg == "" {
		return badRequest("Missing address to join")
	}
	return s.agent.Join(c.arg, boolParam(c.r, "wan"))
}

// agentLeave leaves the pool gracefully and shuts the agent down once the
// answer is written (PUT /v1/agent/leave).
func (s *Server) agentLeave(c *call) error {
	if !c.authz.AgentWrite(s.cfg.NodeName) {
		return errPermissionDenied
	}
	return s.agent.Leave()
}

// agentForceLeave moves a failed member to left, or forgets it with
// ?prune (PUT /v1/agent/force-leave/:node?prune&wan).
func (s *Server) agentForceLeave(c *call) error {
	if !c.authz.OperatorWrite() {
		return errPermissionDenied
	}
	if c.arg == "" {
		return badRequest("Missing node name to force leave")
	}
	return s.agent.ForceLeave(c.arg, boolParam(c.r, "prune"), boolParam(c.r, "wan"))
}
