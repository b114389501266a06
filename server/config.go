package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/pylonmesh/pylon/server/state"
)

// Config is the configuration of a Server. Build it with DefaultConfig and
// change what you need; New checks it with Validate.
type Config struct {
	// NodeName is this server's node name. Required.
	NodeName string
	// NodeID is this server's Raft ID, normally the node's UUID. Empty
	// means use NodeName.
	NodeID string
	// Datacenter is the datacenter the server belongs to. Default "dc1".
	Datacenter string
	// DataDir holds Raft's log (<DataDir>/raft/wal) and snapshots
	// (<DataDir>/raft). Empty keeps everything in memory (dev mode): a
	// restart starts from nothing.
	DataDir string
	// RaftAddr is the TCP address the Raft transport binds, "host:port".
	// Port 0 picks a free port. Default "127.0.0.1:8300".
	RaftAddr string
	// AdvertiseAddr is the address other servers reach this one at: an IP,
	// or "ip:port". Empty means the bound address, which must then not be
	// unspecified (0.0.0.0 or ::). Without a port the bound port is used.
	AdvertiseAddr string
	// MaxConnsPerClient caps the connections one client address may hold
	// open to the server port (Consul's limits.rpc_max_conns_per_client);
	// zero means no cap.
	MaxConnsPerClient int
	// HandshakeTimeout bounds the wait for a new connection's protocol
	// byte (limits.rpc_handshake_timeout); zero means 5s.
	HandshakeTimeout time.Duration
	// Dev selects fast Raft timings for a single local server (elections
	// in tens of milliseconds). Not for real clusters.
	Dev bool
	// NoBootstrap makes a server without earlier state wait to be added
	// to an existing cluster (AddVoter on its leader) instead of
	// bootstrapping a cluster of its own.
	NoBootstrap bool
	// BootstrapExpect is -bootstrap-expect: a server without earlier
	// state waits until this many servers of its datacenter (itself
	// included) are in the LAN pool, then all of them bootstrap one
	// cluster together (bootstrap_expect.go). Zero: no such wait.
	BootstrapExpect int
	// ReconcileInterval is how often the leader compares the whole LAN
	// pool with the catalog (default 60s); member events reconcile at
	// once in between.
	ReconcileInterval time.Duration
	// CoordinateUpdatePeriod is how often the leader writes the network
	// coordinates agents sent it to Raft (coordinate.go). Zero means 5s,
	// as Consul's coordinate_update_period; tests shorten it.
	CoordinateUpdatePeriod time.Duration
	// CoordinateBatchSize is how many coordinates go in one Raft entry, and
	// CoordinateMaxBatches how many entries one period writes at most; the
	// updates beyond are dropped. Zero means 128 and 5, as Consul.
	CoordinateBatchSize, CoordinateMaxBatches int
	// FastRaft selects short Raft timings for several servers on one
	// machine, as tests run them. Not for real clusters.
	FastRaft bool
	// Logger receives the server's and Raft's logs. Nil discards them.
	Logger *slog.Logger
	// SessionTTLMin is the shortest session TTL accepted (Consul's
	// session_ttl_min). Zero means 10s; tests lower it.
	SessionTTLMin time.Duration
	// TombstoneTTL is how long the tombstone of a deleted KV key is kept
	// before the leader reaps it; blocking reads of a prefix rely on it
	// for their index. Zero means 15 minutes, as Consul.
	TombstoneTTL time.Duration
	// TombstoneTTLGranularity is how often the leader records the
	// tombstone index and reaps what has aged past TombstoneTTL. Zero
	// means 30 seconds.
	TombstoneTTLGranularity time.Duration
	// RaftSnapshotThreshold is how many new log entries make Raft take a
	// snapshot, after which the log is truncated (Consul's
	// raft_snapshot_threshold). Zero means 16384. Lower costs more
	// snapshots; higher costs a longer log to replay at restart.
	RaftSnapshotThreshold uint64
	// RaftSnapshotInterval is how often Raft checks the threshold
	// (raft_snapshot_interval). Zero means 30s; at least 5ms.
	RaftSnapshotInterval time.Duration
	// RaftTrailingLogs is how many entries a snapshot leaves in the log,
	// so a slow follower can catch up without a snapshot
	// (raft_trailing_logs). Zero means 10240.
	RaftTrailingLogs uint64
	// ACLsEnabled makes the leader create the built-in ACL policies and
	// the anonymous token, and delete expired tokens (acl_leader.go).
	// The ACL methods work either way; enforcing ACLs is the agent's.
	ACLsEnabled bool
	// ACLInitialManagement is acl.tokens.initial_management: the leader
	// stores a management token with this secret when none has it.
	ACLInitialManagement string
	// RaftMultiplier scales the production Raft timings (Consul's
	// performance.raft_multiplier): heartbeat and election timeouts of
	// 1s and a leader lease of 500ms, each times the multiplier. Zero
	// means 1. FastRaft and Dev override it.
	RaftMultiplier int
	// RaftCommitTimeout overrides how often the leader sends an empty
	// AppendEntries carrying its commit index when no entries flow; zero
	// keeps the timings' own (500ms times the multiplier in production,
	// where commit_nudge.go announces commits instead).
	RaftCommitTimeout time.Duration
	// Autopilot is the leader's autopilot configuration until an operator
	// stores one through Raft (autopilot.go). Nil means Consul's
	// defaults: cleanup on, 200ms, 250 entries, no min quorum, 10s.
	Autopilot *state.AutopilotConfig
	// AutopilotInterval is how often the leader checks the servers'
	// health, promotes stable non-voters and removes dead servers. Zero
	// means 2s; tests shorten it.
	AutopilotInterval time.Duration
}

// Defaults of the zero values of Config's durations.
const (
	defaultSessionTTLMin           = 10 * time.Second
	defaultTombstoneTTL            = 15 * time.Minute
	defaultTombstoneTTLGranularity = 30 * time.Second
)

// orDefault returns d, or def when d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// DefaultConfig returns a configuration with every default set; only
// NodeName needs to be filled in.
func DefaultConfig() Config {
	return Config{Datacenter: "dc1", RaftAddr: "127.0.0.1:8300"}
}

// Validate reports the first problem with the configuration.
func (c Config) Validate() error {
	if c.NodeName == "" {
		return errors.New("server config: node name required")
	}
	if c.Datacenter == "" {
		return errors.New("server config: datacenter required")
	}
	if c.SessionTTLMin < 0 || c.TombstoneTTL < 0 || c.TombstoneTTLGranularity < 0 {
		return errors.New("server config: negative session or tombstone duration")
	}
	if c.RaftMultiplier < 0 || c.AutopilotInterval < 0 {
		return errors.New("server config: negative raft multiplier or autopilot interval")
	}
	if c.RaftSnapshotInterval != 0 && c.RaftSnapshotInterval < 5*time.Millisecond {
		return fmt.Errorf("server config: raft snapshot interval %v is under 5ms", c.RaftSnapshotInterval)
	}
	host, _, err := net.SplitHostPort(c.RaftAddr)
	if err != nil {
		return fmt.Errorf("server config: raft address %q: %w", c.RaftAddr, err)
	}
	if c.AdvertiseAddr == "" {
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			return fmt.Errorf("server config: raft address %q is not reachable by peers; set an advertise address", c.RaftAddr)
		}
		return nil
	}
	if _, err := advertiseAddr(c.AdvertiseAddr, 1); err != nil {
		return fmt.Errorf("server config: %w", err)
	}
	return nil
}

// advertiseAddr resolves the advertise address; port fills in a missing
// port.
func advertiseAddr(adv string, port int) (*net.TCPAddr, error) {
	host, p, err := net.SplitHostPort(adv)
	if err != nil {
		host, p = adv, fmt.Sprint(port)
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.IsUnspecified() {
		return nil, fmt.Errorf("advertise address %q: need a specific IP", adv)
	}
	addr, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(host, p))
	if err != nil {
		return nil, fmt.Errorf("advertise address %q: %w", adv, err)
	}
	return addr, nil
}
