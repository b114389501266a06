package api

// Status reaches the /v1/status endpoints: the Raft leader and peers.
type Status struct {
	c *Client
}

// Status returns a handle for the status endpoints.
func (c *Client) Status() *Status { return &Status{c: c} }

// Leader returns the leader's server RPC address ("10.0.0.1:8300"), or ""
// when there is no leader.
func (s *Status) Leader() (string, error) { return s.LeaderWithQueryOptions(nil) }

// LeaderWithQueryOptions is Leader with options (only Datacenter, Token
// and the context apply).
func (s *Status) LeaderWithQueryOptions(q *QueryOptions) (string, error) {
	var out string
	_, err := getWith(s.c, "/v1/status/leader", q, nil, &out)
	return out, err
}

// Peers returns the server RPC addresses of the Raft voters.
func (s *Status) Peers() ([]string, error) { return s.PeersWithQueryOptions(nil) }

// PeersWithQueryOptions is Peers with options.
func (s *Status) PeersWithQueryOptions(q *QueryOptions) ([]string, error) {
	var out []string
	_, err := getWith(s.c, "/v1/status/peers", q, nil, &out)
	return out, err
}
