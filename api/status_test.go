package api

import "testing"

func TestStatus(t *testing.T) {
	runCases(t, []apiCase{
		{
			name:   "leader",
			reply:  reply{body: `"10.0.0.1:8300"`},
			call:   func(c *Client) (any, error) { return c.Status().Leader() },
			method: "GET", path: "/v1/status/leader",
			want: "10.0.0.1:8300",
		},
		{
			name:  "no leader",
			reply: reply{body: `""`},
			call: func(c *Client) (any, error) {
				return c.Status().LeaderWithQueryOptions(&QueryOptions{Datacenter: "dc2"})
			},
			method: "GET", path: "/v1/status/leader", query: q("dc", "dc2"),
			want: "",
		},
		{
			name:   "peers",
			reply:  reply{body: `["10.0.0.1:8300","10.0.0.2:8300"]`},
			call:   func(c *Client) (any, error) { return c.Status().Peers() },
			method: "GET", path: "/v1/status/peers",
			want: []string{"10.0.0.1:8300", "10.0.0.2:8300"},
		},
	})
}
