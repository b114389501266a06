package command

import (
	"strings"
	"testing"
)

const raftConfigJSON = `{"Servers":[
 {"ID":"id-1","Node":"server-1","Address":"10.0.0.1:8300","Leader":true,"ProtocolVersion":"3","Voter":true},
 {"ID":"id-2","Node":"server-2","Address":"10.0.0.2:8300","Leader":false,"ProtocolVersion":"3","Voter":true},
 {"ID":"id-4","Node":"","Address":"10.0.0.4:8300","Leader":false,"ProtocolVersion":"3","Voter":false}],"Index":42}`

const autopilotJSON = `{"CleanupDeadServers":true,"LastContactThreshold":"200ms","MaxTrailingLogs":250,"MinQuorum":0,
 "ServerStabilizationTime":"10s","RedundancyZoneTag":"","DisableUpgradeMigration":false,"UpgradeVersionTag":"",
 "CreateIndex":5,"ModifyIndex":7}`

const autopilotStateJSON = `{"Healthy":false,"FailureTolerance":0,"OptimisticFailureTolerance":1,"Leader":"id-1",
 "Voters":["id-1","id-2","id-3"],"Servers":{
 "id-1":{"ID":"id-1","Name":"server-1","Address":"10.0.0.1:8300","NodeStatus":"alive","Version":"","LastContact":"0s",
  "LastTerm":3,"LastIndex":90,"Healthy":true,"StableSince":"2026-11-25T10:00:00Z","Status":"leader","NodeType":"voter"},
 "id-2":{"ID":"id-2","Name":"server-2","Address":"10.0.0.2:8300","NodeStatus":"alive","Version":"","LastContact":"12ms",
  "LastTerm":3,"LastIndex":90,"Healthy":true,"StableSince":"2026-11-25T10:00:01Z","Status":"voter","NodeType":"voter"},
 "id-3":{"ID":"id-3","Name":"server-3","Address":"10.0.0.3:8300","NodeStatus":"failed","Version":"","LastContact":"-1ns",
  "LastTerm":2,"LastIndex":60,"Healthy":false,"StableSince":"2026-11-25T10:05:00Z","Status":"voter","NodeType":"voter"}}}`

func TestOperatorRaftListPeers(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, map[string]route{"GET /v1/operator/raft/configuration": {body: raftConfigJSON}})
	out, errOut, code := run(t, "operator", "raft", "list-peers", "-http-addr", f.srv.URL, "-stale")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !f.last(t).query.Has("stale") {
		t.Error("-stale not passed on")
	}
	golden(t, "operator_raft_list_peers", out)

	f = newFakeAgent(t, map[string]route{"GET /v1/operator/raft/configuration": {status: 403, body: "Permission denied"}})
	_, errOut, code = run(t, "operator", "raft", "list-peers", "-http-addr", f.srv.URL)
	if code != 1 {
		t.Fatalf("exit %d on 403", code)
	}
	mustContain(t, "stderr", errOut, "Error getting peers: Unexpected response code: 403 (Permission denied)")
}

func TestOperatorRaftRemovePeer(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantQ    string
		wantOut  string
	}{
		{"by id", []string{"-id", "id-3"}, 0, "id=id-3", `Removed peer with id "id-3"`},
		{"by address", []string{"-address", "10.0.0.3:8300"}, 0, "address=10.0.0.3%3A8300", `Removed peer with address "10.0.0.3:8300"`},
		{"neither", nil, 1, "", ""},
		{"both", []string{"-id", "x", "-address", "y"}, 1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, map[string]route{"DELETE /v1/operator/raft/peer": {}})
			out, errOut, code := run(t, append([]string{"operator", "raft", "remove-peer", "-http-addr", f.srv.URL}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, errOut)
			}
			if tt.wantCode != 0 {
				if len(f.requests()) != 0 {
					t.Fatal("a bad command line reached the agent")
				}
				mustContain(t, "stderr", errOut, "Exactly one of -id or -address")
				return
			}
			if got := f.last(t).query.Encode(); got != tt.wantQ {
				t.Fatalf("query %q, want %q", got, tt.wantQ)
			}
			mustContain(t, "stdout", out, tt.wantOut)
		})
	}
}

func TestOperatorRaftTransferLeader(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, map[string]route{"POST /v1/operator/raft/transfer-leader": {body: `{"Success":true}`}})
	out, errOut, code := run(t, "operator", "raft", "transfer-leader", "-http-addr", f.srv.URL, "-id", "id-2")
	if code != 0 || strings.TrimSpace(out) != "Success" {
		t.Fatalf("exit %d, out %q: %s", code, out, errOut)
	}
	if got := f.last(t).query.Get("id"); got != "id-2" {
		t.Fatalf("id %q, want id-2", got)
	}
	f = newFakeAgent(t, map[string]route{"POST /v1/operator/raft/transfer-leader": {status: 500, body: "no voter"}})
	if _, errOut, code = run(t, "operator", "raft", "transfer-leader", "-http-addr", f.srv.URL); code != 1 {
		t.Fatalf("exit %d on a failed transfer", code)
	}
	mustContain(t, "stderr", errOut, "Error transferring leadership")
}

func TestOperatorAutopilotGetConfig(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, map[string]route{"GET /v1/operator/autopilot/configuration": {body: autopilotJSON}})
	out, errOut, code := run(t, "operator", "autopilot", "get-config", "-http-addr", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "operator_autopilot_get_config", out)
}

func TestOperatorAutopilotSetConfig(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		casBody  string
		wantCode int
		wantBody []string // fragments of the PUT body
		wantOut  string
	}{
		{"cleanup off, stabilization 30s", []string{"-cleanup-dead-servers=false", "-server-stabilization-time", "30s"}, "true", 0,
			[]string{`"CleanupDeadServers":false`, `"ServerStabilizationTime":"30s"`, `"MaxTrailingLogs":250`, `"ModifyIndex":7`},
			"Configuration updated!"},
		{"min quorum, lost race", []string{"-min-quorum", "3"}, "false", 1,
			[]string{`"MinQuorum":3`, `"CleanupDeadServers":true`}, "Configuration could not be atomically updated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, map[string]route{
				"GET /v1/operator/autopilot/configuration": {body: autopilotJSON},
				"PUT /v1/operator/autopilot/configuration": {body: tt.casBody},
			})
			out, errOut, code := run(t, append([]string{"operator", "autopilot", "set-config", "-http-addr", f.srv.URL}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, errOut)
			}
			put := f.last(t)
			if put.method != "PUT" || put.query.Get("cas") != "7" {
				t.Fatalf("last request %s ?%s, want a PUT with cas=7", put.method, put.query.Encode())
			}
			for _, frag := range tt.wantBody {
				mustContain(t, "PUT body", put.body, frag)
			}
			mustContain(t, "stdout", out, tt.wantOut)
		})
	}
}

func TestOperatorAutopilotState(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, map[string]route{"GET /v1/operator/autopilot/state": {body: autopilotStateJSON}})
	out, errOut, code := run(t, "operator", "autopilot", "state", "-http-addr", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "operator_autopilot_state", out)
	out, _, code = run(t, "operator", "autopilot", "state", "-http-addr", f.srv.URL, "-format", "json")
	if code != 0 || !strings.Contains(out, `"FailureTolerance": 0`) || !strings.Contains(out, `"Leader": "id-1"`) {
		t.Fatalf("json state: exit %d\n%s", code, out)
	}
	if _, _, code = run(t, "operator", "autopilot", "state", "-http-addr", f.srv.URL, "-format", "yaml"); code != 1 {
		t.Fatalf("exit %d for an unknown format", code)
	}
}
