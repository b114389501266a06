package config

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestLimits: Consul's defaults, values from a file, 0 for no cap, and
// errors that name the key and where it was set.
func TestLimits(t *testing.T) {
	tests := []struct {
		name           string
		hcl            string
		http, rpc      int
		kv, txn        int
		rate           float64
		burst          int
		handshake      time.Duration
		wantErr, where string
	}{
		{name: "defaults", http: 200, rpc: 100, handshake: 5 * time.Second, kv: 512 << 10, txn: 512 << 10, rate: math.Inf(1), burst: 1000},
		{name: "set", hcl: `limits { http_max_conns_per_client = 50  rpc_max_conns_per_client = 0  rpc_handshake_timeout = "2s"
  kv_max_value_size = 1048576  txn_max_req_len = 2048  rpc_rate = 12.5  rpc_max_burst = 20 }`,
			http: 50, rpc: 0, handshake: 2 * time.Second, kv: 1 << 20, txn: 2048, rate: 12.5, burst: 20},
		{name: "zero rate", hcl: "limits { rpc_rate = 0 }", wantErr: "limits.rpc_rate: must be positive", where: "-hcl[0]:1"},
		{name: "negative", hcl: "limits {\n  rpc_max_conns_per_client = -1\n}", wantErr: "limits.rpc_max_conns_per_client: must be at least 0", where: "-hcl[0]:2"},
		{name: "empty values", hcl: "limits { kv_max_value_size = 0 }", wantErr: "limits.kv_max_value_size: must be at least 1", where: "-hcl[0]:1"},
		{name: "zero handshake", hcl: `limits { rpc_handshake_timeout = "0s" }`, wantErr: "limits.rpc_handshake_timeout: must be positive", where: "-hcl[0]:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := loadLimits(t, tt.hcl, tt.wantErr, tt.where)
			if rt == nil {
				return
			}
			if rt.HTTPMaxConnsPerClient != tt.http || rt.RPCMaxConnsPerClient != tt.rpc || rt.RPCHandshakeTimeout != tt.handshake ||
				rt.KVMaxValueSize != tt.kv || rt.TxnMaxReqLen != tt.txn || rt.RPCRate != tt.rate || rt.RPCMaxBurst != tt.burst {
				t.Errorf("limits = %d, %d, %s, %d, %d, %v, %d; want %d, %d, %s, %d, %d, %v, %d", rt.HTTPMaxConnsPerClient,
					rt.RPCMaxConnsPerClient, rt.RPCHandshakeTimeout, rt.KVMaxValueSize, rt.TxnMaxReqLen, rt.RPCRate, rt.RPCMaxBurst,
					tt.http, tt.rpc, tt.handshake, tt.kv, tt.txn, tt.rate, tt.burst)
			}
		})
	}
}

// loadLimits loads the agent config with the fragment hcl ("" for none).
// With wantErr it checks that loading fails with wantErr at where, and
// returns nil.
func loadLimits(t *testing.T, hcl, wantErr, where string) *Runtime {
	t.Helper()
	var extra []string
	if hcl != "" {
		extra = []string{"-hcl", hcl}
	}
	rt, _, err := Load(agentArgs(t, extra...))
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) || !strings.Contains(err.Error(), where) {
			t.Fatalf("err = %v, want %q at %s", err, wantErr, where)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestLimitsUnsupportedKeysWarn: rpc_client_timeout loads with a warning
// rather than failing the file; request_limits is acted on, so it does
// not warn.
func TestLimitsUnsupportedKeysWarn(t *testing.T) {
	_, warnings := mustLoad(t, agentArgs(t, "-hcl", `limits {
  rpc_client_timeout = "30s"
  request_limits { mode = "enforcing" }
}`)...)
	want := []string{"-hcl[0]:2: limits.rpc_client_timeout is not supported yet"}
	if len(warnings) != len(want) {
		t.Fatalf("warnings %q, want %q", warnings, want)
	}
	for i, w := range want {
		if !strings.Contains(warnings[i], w) {
			t.Errorf("warning %d = %q, want %q", i, warnings[i], w)
		}
	}
}

// TestRequestLimits: Consul's modes and its -1 for no limit, and errors
// that name the key and where it was set.
func TestRequestLimits(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name, hcl         string
		mode              string
		read, write       float64
		wantErr, wantLine string
	}{
		{name: "defaults", mode: "disabled", read: inf, write: inf},
		{name: "enforcing", hcl: `limits { request_limits { mode = "enforcing"  read_rate = 500  write_rate = 200.5 } }`,
			mode: "enforcing", read: 500, write: 200.5},
		{name: "no limit", hcl: `limits { request_limits { mode = "permissive"  read_rate = -1 } }`, mode: "permissive", read: inf, write: inf},
		{name: "bad mode", hcl: "limits {\n request_limits { mode = \"strict\" }\n}", wantErr: `limits.request_limits.mode: must be "disabled", "permissive" or "enforcing", got "strict"`, wantLine: "-hcl[0]:2"},
		{name: "zero rate", hcl: `limits { request_limits { write_rate = 0 } }`, wantErr: "limits.request_limits.write_rate: must be positive, or -1 for no limit", wantLine: "-hcl[0]:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := loadLimits(t, tt.hcl, tt.wantErr, tt.wantLine)
			if rt == nil {
				return
			}
			if rt.RequestLimitsMode != tt.mode || rt.RequestLimitsReadRate != tt.read || rt.RequestLimitsWriteRate != tt.write {
				t.Errorf("request limits = %q %v %v, want %q %v %v", rt.RequestLimitsMode, rt.RequestLimitsReadRate,
					rt.RequestLimitsWriteRate, tt.mode, tt.read, tt.write)
			}
		})
	}
}
