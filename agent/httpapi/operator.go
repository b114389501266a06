package httpapi

import (
	"context"
	"net/http"

	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/server"
	"github.com/pylonmesh/pylon/server/state"
)

// Operator is the servers' Raft and autopilot management behind the
// /v1/operator/raft and /v1/operator/autopilot endpoints.
type Operator interface {
	RaftConfiguration() (*server.RaftConfiguration, error)
	// RemoveRaftPeer removes a server by ID, or by address when id is "".
	RemoveRaftPeer(ctx context.Context, id, address string) error
	// TransferLeadership hands leadership to id, or to any voter.
	TransferLeadership(ctx context.Context, id string) error
	// AutopilotConfiguration is the configuration in force and the index
	// of the stored one (0: none stored).
	AutopilotConfiguration() (state.AutopilotConfig, uint64, error)
	AutopilotSetConfiguration(ctx context.Context, req *state.AutopilotRequest) (bool, error)
	AutopilotServerHealth(ctx context.Context) (*server.AutopilotHealth, error)
}

// operatorRead and operatorWrite check the token's operator rights.
func operatorRead(c *call) error {
	if !c.authz.OperatorRead() {
		return errPermissionDenied
	}
	return nil
}

func operatorWrite(c *call) error {
	if !c.authz.OperatorWrite() {
		return errPermissionDenied
	}
	return nil
}

// operatorRaftConfiguration serves GET /v1/operator/raft/configuration.
// Without ?stale it needs a known leader.
func (s *Server) operatorRaftConfiguration(c *call) error {
	if err := operatorRead(c); err != nil {
		return err
	}
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	if !q.Stale && s.catalog.Leader() == "" {
		return &httpError{http.StatusInternalServerError, "No cluster leader"}
	}
	conf, err := s.catalog.RaftConfiguration()
	if err != nil {
		return err
	}
	out := api.RaftConfiguration{Index: conf.Index, Servers: make([]*api.RaftServer, 0, len(conf.Servers))}
	for _, rs := range conf.Servers {
		out.Servers = append(out.Servers, &api.RaftServer{ID: rs.ID, Node: rs.Node, Address: rs.Address,
			Leader: rs.Leader, ProtocolVersion: rs.ProtocolVersion, Voter: rs.Voter, LastIndex: rs.LastIndex})
	}
	return s.writeJSON(c, out)
}

// operatorRaftPeer serves DELETE /v1/operator/raft/peer?id=|address=.
func (s *Server) operatorRaftPeer(c *call) error {
	if err := operatorWrite(c); err != nil {
		return err
	}
	v := c.r.URL.Query()
	id, addr := v.Get("id"), v.Get("address")
	if id == "" && addr == "" {
		return badRequest("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove")
	}
	if id != "" {
		addr = ""
	}
	if err := s.catalog.RemoveRaftPeer(c.r.Context(), id, addr); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// operatorTransferLeader serves POST /v1/operator/raft/transfer-leader.
func (s *Server) operatorTransferLeader(c *call) error {
	if err := operatorWrite(c); err != nil {
		return err
	}
	if err := s.catalog.TransferLeadership(c.r.Context(), c.r.URL.Query().Get("id")); err != nil {
		return err
	}
	return s.writeJSON(c, api.TransferLeaderResponse{Success: true})
}
