package api

// Operator reaches the /v1/operator endpoints: cluster-wide operations
// (gossip keyring, Raft peers, autopilot). Its methods live in the
// operator_*.go files, one per area.
type Operator struct {
	c *Client
}

// Operator returns a handle for the operator endpoints.
func (c *Client) Operator() *Operator { return &Operator{c: c} }
