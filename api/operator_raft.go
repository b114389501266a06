package api

import "net/http"

// RaftServer is one server of the Raft configuration.
type RaftServer struct {
	// ID is the server's Raft ID (its node ID).
	ID string
	// Node is the server's node name; "" when unknown.
	Node string
	// Address is the server's Raft address, "ip:port".
	Address string
	// Leader is true for the current leader.
	Leader bool
	// ProtocolVersion is the Raft protocol version ("3").
	ProtocolVersion string
	// Voter is false for a server that receives the log but does not
	// vote yet (a new server before autopilot promotes it).
	Voter bool
	// LastIndex is the last log index the server holds, when known.
	LastIndex uint64
}

// RaftConfiguration is the Raft configuration of the servers.
type RaftConfiguration struct {
	Servers []*RaftServer
	// Index is the Raft index the configuration holds at.
	Index uint64
}

// TransferLeaderResponse is the answer of a leadership transfer.
type TransferLeaderResponse struct {
	Success bool
}

// RaftGetConfiguration returns the Raft configuration
// (GET /v1/operator/raft/configuration). It needs operator:read.
func (op *Operator) RaftGetConfiguration(q *QueryOptions) (*RaftConfiguration, error) {
	r := op.c.newRequest(http.MethodGet, "/v1/operator/raft/configuration")
	r.setQueryOptions(q)
	var out RaftConfiguration
	if _, err := op.c.fetch(r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RaftLeaderTransfer makes the server with the given ID the leader, or
// any other voter when id is empty (POST /v1/operator/raft/transfer-leader).
// It needs operator:write.
func (op *Operator) RaftLeaderTransfer(id string, q *QueryOptions) (*TransferLeaderResponse, error) {
	r := op.c.newRequest(http.MethodPost, "/v1/operator/raft/transfer-leader")
	r.setQueryOptions(q)
	if id != "" {
		r.params.Set("id", id)
	}
	var out TransferLeaderResponse
	if _, err := op.c.fetch(r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RaftRemovePeerByAddress removes the server at address ("ip:port") from
// the Raft configuration (DELETE /v1/operator/raft/peer?address=). It
// needs operator:write.
func (op *Operator) RaftRemovePeerByAddress(address string, q *WriteOptions) error {
	return op.raftRemovePeer("address", address, q)
}

// RaftRemovePeerByID removes the server with the given Raft ID from the
// Raft configuration (DELETE /v1/operator/raft/peer?id=). It needs
// operator:write.
func (op *Operator) RaftRemovePeerByID(id string, q *WriteOptions) error {
	return op.raftRemovePeer("id", id, q)
}

func (op *Operator) raftRemovePeer(param, value string, q *WriteOptions) error {
	r := op.c.newRequest(http.MethodDelete, "/v1/operator/raft/peer")
	r.setWriteOptions(q)
	r.params.Set(param, value)
	_, err := op.c.exec(r, nil)
	return err
}
