package config

import (
	"math"
	"time"
)

// limitsFile is the limits block. Pylon acts on Consul's caps on the
// connections one client address may hold open to the HTTP API and to a
// server's port, the handshake timeout of that port, the KV and
// transaction body sizes, a client agent's RPC rate and the servers'
// request limits; rpc_client_timeout loads with a warning.
type limitsFile struct {
	HTTPMaxConnsPerClient        setting[int]
	RPCMaxConnsPerClient         setting[int]
	RPCHandshakeTimeout          setting[time.Duration]
	KVMaxValueSize, TxnMaxReqLen setting[int]
	RPCRate                      setting[float64]
	RPCMaxBurst                  setting[int]

	RPCClientTimeout setting[time.Duration]
	RequestLimits    struct {
		Mode                setting[string]
		ReadRate, WriteRate setting[float64]
	}
}

// Consul's defaults of the limits Pylon acts on.
const (
	defaultHTTPMaxConnsPerClient = 200
	defaultRPCMaxConnsPerClient  = 100
	defaultRPCHandshakeTimeout   = 5 * time.Second
	defaultBodyLimit             = 512 << 10 // kv_max_value_size, txn_max_req_len
	defaultRPCMaxBurst           = 1000
)

// limits fills the connection caps (0: no cap) and the handshake timeout.
func (fc *fileConfig) limits(rt *Runtime, _ buildOptions) error {
	l := fc.Limits
	rt.HTTPMaxConnsPerClient = l.HTTPMaxConnsPerClient.or(defaultHTTPMaxConnsPerClient)
	rt.RPCMaxConnsPerClient = l.RPCMaxConnsPerClient.or(defaultRPCMaxConnsPerClient)
	rt.RPCHandshakeTimeout = l.RPCHandshakeTimeout.or(defaultRPCHandshakeTimeout)
	rt.KVMaxValueSize = l.KVMaxValueSize.or(defaultBodyLimit)
	rt.TxnMaxReqLen = l.TxnMaxReqLen.or(defaultBodyLimit)
	rt.RPCRate = l.RPCRate.or(math.Inf(1))
	rt.RPCMaxBurst = l.RPCMaxBurst.or(defaultRPCMaxBurst)
	if !(rt.RPCRate > 0) {
		return l.RPCRate.errorf("limits.rpc_rate", "must be positive, got %v", l.RPCRate.val)
	}
	for _, n := range []struct {
		key string
		in  setting[int]
		min int
	}{
		{"http_max_conns_per_client", l.HTTPMaxConnsPerClient, 0}, {"rpc_max_conns_per_client", l.RPCMaxConnsPerClient, 0},
		{"kv_max_value_size", l.KVMaxValueSize, 1}, {"txn_max_req_len", l.TxnMaxReqLen, 1},
		{"rpc_max_burst", l.RPCMaxBurst, 1},
	} {
		if n.in.set && n.in.val < n.min {
			return n.in.errorf("limits."+n.key, "must be at least %d, got %d", n.min, n.in.val)
		}
	}
	if rt.RPCHandshakeTimeout <= 0 {
		return l.RPCHandshakeTimeout.errorf("limits.rpc_handshake_timeout", "must be positive, got %s", rt.RPCHandshakeTimeout)
	}
	fc.warnUnsupported([]unsupported{
		{"limits.rpc_client_timeout", l.RPCClientTimeout.at, l.RPCClientTimeout.set},
	})
	return requestLimits(rt, l)
}

// requestLimits fills the servers' request limits: Consul's modes, and
// rates where -1 (the default) is no limit.
func requestLimits(rt *Runtime, l limitsFile) error {
	r := l.RequestLimits
	switch rt.RequestLimitsMode = r.Mode.or("disabled"); rt.RequestLimitsMode {
	case "disabled", "permissive", "enforcing":
	default:
		return r.Mode.errorf("limits.request_limits.mode", `must be "disabled", "permissive" or "enforcing", got %q`, r.Mode.val)
	}
	for _, rr := range []struct {
		key string
		in  setting[float64]
		out *float64
	}{
		{"read_rate", r.ReadRate, &rt.RequestLimitsReadRate}, {"write_rate", r.WriteRate, &rt.RequestLimitsWriteRate},
	} {
		v := rr.in.or(-1)
		switch {
		case v == -1:
			*rr.out = math.Inf(1)
		case v > 0:
			*rr.out = v
		default:
			return rr.in.errorf("limits.request_limits."+rr.key, "must be positive, or -1 for no limit, got %v", v)
		}
	}
	return nil
}
