package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestOperatorEndpointsSingleServer covers the answers a lone dev server
// gives: its configuration, the autopilot defaults and a CAS round, a
// healthy report, and the refusals.
func TestOperatorEndpointsSingleServer(t *testing.T) {
	a, srv := testAPI(t, 0)
	h := a.Handler()
	tests := []struct {
		name, method, target, body string
		code                       int
		contains                   []string
	}{
		{"configuration", http.MethodGet, "/v1/operator/raft/configuration", "", http.StatusOK,
			[]string{`"ID":"bench"`, `"Node":"bench"`, `"Leader":true`, `"Voter":true`, `"ProtocolVersion":"3"`}},
		{"remove without id or address", http.MethodDelete, "/v1/operator/raft/peer", "", http.StatusBadRequest, []string{"Must specify"}},
		{"remove unknown", http.MethodDelete, "/v1/operator/raft/peer?id=nope", "", http.StatusInternalServerError,
			[]string{"not found in the raft configuration"}},
		{"transfer to itself", http.MethodPost, "/v1/operator/raft/transfer-leader?id=bench", "", http.StatusInternalServerError, nil},
		{"autopilot defaults", http.MethodGet, "/v1/operator/autopilot/configuration", "", http.StatusOK,
			[]string{`"CleanupDeadServers":true`, `"LastContactThreshold":"200ms"`, `"MaxTrailingLogs":250`, `"ServerStabilizationTime":"10s"`, `"ModifyIndex":0`}},
		{"cas not 0 on create", http.MethodPut, "/v1/operator/autopilot/configuration?cas=5", `{"MaxTrailingLogs":10}`, http.StatusOK, []string{"false"}},
		{"cas 0 creates", http.MethodPut, "/v1/operator/autopilot/configuration?cas=0",
			`{"CleanupDeadServers":true,"LastContactThreshold":"1s","MaxTrailingLogs":10,"ServerStabilizationTime":5000000000}`, http.StatusOK, []string{"true"}},
		{"stored", http.MethodGet, "/v1/operator/autopilot/configuration", "", http.StatusOK,
			[]string{`"LastContactThreshold":"1s"`, `"MaxTrailingLogs":10`, `"ServerStabilizationTime":"5s"`}},
		{"bad cas", http.MethodPut, "/v1/operator/autopilot/configuration?cas=x", `{}`, http.StatusBadRequest, nil},
		{"negative duration", http.MethodPut, "/v1/operator/autopilot/configuration", `{"ServerStabilizationTime":"-1s"}`, http.StatusBadRequest, nil},
		{"bad body", http.MethodPut, "/v1/operator/autopilot/configuration", `{"LastContactThreshold":"soon"}`, http.StatusBadRequest, nil},
		{"health", http.MethodGet, "/v1/operator/autopilot/health", "", http.StatusOK,
			[]string{`"Healthy":true`, `"FailureTolerance":0`, `"SerfStatus":"none"`, `"LastContact":"0s"`}},
		{"state", http.MethodGet, "/v1/operator/autopilot/state", "", http.StatusOK,
			[]string{`"Leader":"bench"`, `"Voters":["bench"]`, `"Status":"leader"`}},
		{"wrong method", http.MethodGet, "/v1/operator/raft/peer", "", http.StatusMethodNotAllowed, nil},
	}
	for _, tt := range tests {
		w := record(h, tt.method, tt.target, []byte(tt.body))
		if w.Code != tt.code {
			t.Fatalf("%s: %s %s = %d %s, want %d", tt.name, tt.method, tt.target, w.Code, w.Body, tt.code)
		}
		for _, s := range tt.contains {
			if !strings.Contains(w.Body.String(), s) {
				t.Errorf("%s: body %s lacks %s", tt.name, w.Body, s)
			}
		}
	}
	if _, idx, _ := srv.AutopilotConfiguration(); idx == 0 {
		t.Fatal("the configuration was not stored")
	}
}

// FuzzAutopilotConfigurationBody: any body to PUT
// /v1/operator/autopilot/configuration is stored (200) or refused (400),
// never a server error, and what is stored reads back as JSON.
func FuzzAutopilotConfigurationBody(f *testing.F) {
	for _, seed := range []string{
		`{"CleanupDeadServers":true,"LastContactThreshold":"200ms","MaxTrailingLogs":250,"ServerStabilizationTime":"10s"}`,
		`{"LastContactThreshold":1000000,"MinQuorum":3}`, `{}`, `null`, `[]`, `{"MaxTrailingLogs":-1}`,
		`{"ServerStabilizationTime":"-5s"}`, `{"LastContactThreshold":""}`,
	} {
		f.Add(seed)
	}
	a, _ := testAPI(f, 0)
	h := a.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		w := record(h, http.MethodPut, "/v1/operator/autopilot/configuration", []byte(body))
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("PUT %q = %d %s", body, w.Code, w.Body)
		}
		r := record(h, http.MethodGet, "/v1/operator/autopilot/configuration", nil)
		if r.Code != http.StatusOK || !json.Valid(r.Body.Bytes()) {
			t.Fatalf("GET after PUT %q = %d %s", body, r.Code, r.Body)
		}
	})
}
