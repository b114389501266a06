package api

import (
	"testing"
	"time"
)

func TestOperatorRaftAndAutopilot(t *testing.T) {
	stable := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	runCases(t, []apiCase{
		{
			name: "raft configuration",
			reply: reply{body: `{"Servers":[{"ID":"a","Node":"s1","Address":"10.0.0.1:8300","Leader":true,
				"ProtocolVersion":"3","Voter":true}],"Index":9}`},
			call: func(c *Client) (any, error) {
				return c.Operator().RaftGetConfiguration(&QueryOptions{AllowStale: true})
			},
			method: "GET", path: "/v1/operator/raft/configuration", query: q("stale", ""),
			want: &RaftConfiguration{Index: 9, Servers: []*RaftServer{{ID: "a", Node: "s1", Address: "10.0.0.1:8300",
				Leader: true, ProtocolVersion: "3", Voter: true}}},
		},
		{
			name:   "remove by id",
			call:   func(c *Client) (any, error) { return nil, c.Operator().RaftRemovePeerByID("a", nil) },
			method: "DELETE", path: "/v1/operator/raft/peer", query: q("id", "a"),
		},
		{
			name:   "remove by address",
			call:   func(c *Client) (any, error) { return nil, c.Operator().RaftRemovePeerByAddress("10.0.0.1:8300", nil) },
			method: "DELETE", path: "/v1/operator/raft/peer", query: q("address", "10.0.0.1:8300"),
		},
		{
			name:   "remove refused",
			reply:  reply{status: 403, body: "Permission denied"},
			call:   func(c *Client) (any, error) { return nil, c.Operator().RaftRemovePeerByID("a", nil) },
			method: "DELETE", path: "/v1/operator/raft/peer", query: q("id", "a"),
			wantErr: "403",
		},
		{
			name:   "transfer",
			reply:  reply{body: `{"Success":true}`},
			call:   func(c *Client) (any, error) { return c.Operator().RaftLeaderTransfer("b", nil) },
			method: "POST", path: "/v1/operator/raft/transfer-leader", query: q("id", "b"),
			want: &TransferLeaderResponse{Success: true},
		},
		{
			name:   "transfer to any",
			reply:  reply{body: `{"Success":true}`},
			call:   func(c *Client) (any, error) { return c.Operator().RaftLeaderTransfer("", nil) },
			method: "POST", path: "/v1/operator/raft/transfer-leader",
			want: &TransferLeaderResponse{Success: true},
		},
		{
			name: "get config",
			reply: reply{body: `{"CleanupDeadServers":true,"LastContactThreshold":"200ms","MaxTrailingLogs":250,
				"MinQuorum":0,"ServerStabilizationTime":"10s","ModifyIndex":4}`},
			call:   func(c *Client) (any, error) { return c.Operator().AutopilotGetConfiguration(nil) },
			method: "GET", path: "/v1/operator/autopilot/configuration",
			want: &AutopilotConfiguration{CleanupDeadServers: true, LastContactThreshold: NewReadableDuration(200 * time.Millisecond),
				MaxTrailingLogs: 250, ServerStabilizationTime: NewReadableDuration(10 * time.Second), ModifyIndex: 4},
		},
		{
			name:  "cas config",
			reply: reply{body: `false`},
			call: func(c *Client) (any, error) {
				return c.Operator().AutopilotCASConfiguration(&AutopilotConfiguration{MaxTrailingLogs: 5, ModifyIndex: 4}, nil)
			},
			method: "PUT", path: "/v1/operator/autopilot/configuration", query: q("cas", "4"),
			body: `{"CleanupDeadServers":false,"LastContactThreshold":null,"MaxTrailingLogs":5,"MinQuorum":0,
				"ServerStabilizationTime":null,"RedundancyZoneTag":"","DisableUpgradeMigration":false,"UpgradeVersionTag":"",
				"CreateIndex":0,"ModifyIndex":4}`,
			want: false,
		},
		{
			name: "unhealthy is not an error",
			reply: reply{status: 429, body: `{"Healthy":false,"FailureTolerance":0,"Servers":[{"ID":"a","Healthy":false,
				"LastContact":"-1ns","StableSince":"2026-11-25T10:00:00Z"}]}`},
			call:   func(c *Client) (any, error) { return c.Operator().AutopilotServerHealth(nil) },
			method: "GET", path: "/v1/operator/autopilot/health",
			want: &OperatorHealthReply{Servers: []ServerHealth{{ID: "a", LastContact: NewReadableDuration(-1), StableSince: stable}}},
		},
		{
			name:   "health refused",
			reply:  reply{status: 403, body: "Permission denied"},
			call:   func(c *Client) (any, error) { return c.Operator().AutopilotServerHealth(nil) },
			method: "GET", path: "/v1/operator/autopilot/health",
			wantErr: "403",
		},
		{
			name:   "state",
			reply:  reply{body: `{"Healthy":true,"FailureTolerance":1,"Leader":"a","Voters":["a"],"Servers":{"a":{"ID":"a","Status":"leader"}}}`},
			call:   func(c *Client) (any, error) { return c.Operator().AutopilotState(nil) },
			method: "GET", path: "/v1/operator/autopilot/state",
			want: &AutopilotState{Healthy: true, FailureTolerance: 1, Leader: "a", Voters: []string{"a"},
				Servers: map[string]AutopilotServer{"a": {ID: "a", Status: AutopilotServerLeader}}},
		},
	})
}
