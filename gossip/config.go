package gossip

import (
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Default gossip ports (Consul's serf_lan and serf_wan).
const (
	DefaultLANPort = 8301
	DefaultWANPort = 8302
)

// Config is the configuration of a Pool. Start from DefaultLANConfig or
// DefaultWANConfig and change what you need; New checks it with Validate.
type Config struct {
	// NodeName is this member's name in the pool, unique in the pool.
	// Required. In the WAN pool Consul uses "<node>.<dc>".
	NodeName string
	// WAN selects the WAN pool: memberlist's WAN timings, the
	// remote.keyring/remote.snapshot files, and "wan" in the logs.
	WAN bool
	// BindAddr is the IP the gossip listeners (TCP and UDP) bind. Default
	// "0.0.0.0".
	BindAddr string
	// BindPort is the gossip port, TCP and UDP. Zero picks a free port
	// (read it back with LocalMember). Default 8301 (LAN) or 8302 (WAN).
	BindPort int
	// AdvertiseAddr is the IP other members reach this one at. Empty means
	// BindAddr, or a private IP of the host when BindAddr is unspecified.
	AdvertiseAddr string
	// AdvertisePort is the port other members reach this one at. Zero
	// means BindPort.
	AdvertisePort int
	// Tags are gossiped with the member: role, datacenter, server port and
	// the rest. Change them later with Pool.SetTags.
	Tags Tags
	// EncryptKey is the gossip key (base64 of 16, 24 or 32 bytes; see
	// GenerateKey). Empty runs without encryption, unless the keyring file
	// under DataDir holds keys.
	EncryptKey string
	// AcceptPlaintext and SendPlaintext relax encryption while it is being
	// turned on in a running pool (Consul's encrypt_verify_incoming and
	// encrypt_verify_outgoing set to false): accept unencrypted messages,
	// and send unencrypted ones. Both are off by default.
	AcceptPlaintext, SendPlaintext bool
	// DataDir holds the keyring file (serf/local.keyring for LAN,
	// serf/remote.keyring for WAN) and the member snapshot used to rejoin
	// after a restart (serf/local.snapshot, serf/remote.snapshot). Empty
	// keeps nothing on disk: key changes are lost at restart.
	DataDir string
	// RejoinAfterLeave rejoins the members of the snapshot at start even
	// after a graceful Leave (Consul's -rejoin). Needs DataDir.
	RejoinAfterLeave bool
	// Timings tune failure detection and dissemination; the presets are
	// LANTimings, WANTimings and FastTimings.
	Timings Timings
	// ReconnectTimeout is how long a failed member is kept (and retried)
	// before it is reaped. Zero means 72h, as Consul.
	ReconnectTimeout time.Duration
	// DisableCoordinates turns off the Vivaldi network coordinates.
	DisableCoordinates bool
	// EventHandler receives member and user events, one at a time from one
	// goroutine, in order. It must return quickly: gossip waits on it. Nil
	// drops events.
	EventHandler func(Event)
	// Logger receives serf's and memberlist's logs, one line per event,
	// with "pool" set to "lan" or "wan". Nil discards them.
	Logger *slog.Logger
}

// Timings are the knobs of failure detection (SWIM probes with Lifeguard)
// and dissemination. Faster timings find failures sooner at the cost of
// more packets per second per member.
type Timings struct {
	// ProbeInterval is how often each member probes a random other
	// member.
	ProbeInterval time.Duration
	// ProbeTimeout is how long a probe waits for an ack before asking
	// others to probe indirectly. Set it above the network's 99th
	// percentile RTT.
	ProbeTimeout time.Duration
	// GossipInterval is how often queued broadcasts are sent to
	// GossipNodes random members.
	GossipInterval time.Duration
	// GossipNodes is how many members each gossip round reaches.
	GossipNodes int
	// SuspicionMult scales how long a suspected member has to refute
	// before it is declared failed: SuspicionMult * log10(N+1) *
	// ProbeInterval.
	SuspicionMult int
	// RetransmitMult scales how many times a broadcast is sent:
	// RetransmitMult * log10(N+1).
	RetransmitMult int
	// PushPullInterval is how often a full state sync with a random
	// member runs. Zero turns it off.
	PushPullInterval time.Duration
	// TCPTimeout bounds each TCP exchange (push/pull, join, TCP fallback
	// probes).
	TCPTimeout time.Duration
	// LeavePropagateDelay is how long Leave waits after broadcasting the
	// leave so it spreads before the listeners close.
	LeavePropagateDelay time.Duration
	// ReapInterval is how often failed and left members are checked for
	// reaping; ReconnectInterval how often a failed member is retried.
	ReapInterval, ReconnectInterval time.Duration
	// TombstoneTimeout is how long a left member is remembered.
	TombstoneTimeout time.Duration
	// UserCoalescePeriod and UserQuiescentPeriod merge user events sent
	// with coalesce: of the events of one name received within the
	// period, only the newest is delivered, once no more arrive for the
	// quiescent period. Zero delivers every event.
	UserCoalescePeriod, UserQuiescentPeriod time.Duration
}

// LANTimings are the LAN pool's: memberlist's LAN defaults (gossip every
// 200ms to 3 members) except the failure detector, which probes every
// 500ms with a 250ms timeout and suspects for 3 (not Consul's 1s, 500ms
// and 4) times log10(members) probe intervals. In a pool of 200 a crashed
// member is then failed everywhere in about 5s rather than 12s
// (BenchmarkLANPool200), for a fifth more probe traffic; Lifeguard still
// stretches timeouts on a member that is itself slow. gossip_lan in the
// agent's config sets them back.
func LANTimings() Timings {
	return Timings{
		ProbeInterval: 500 * time.Millisecond, ProbeTimeout: 250 * time.Millisecond,
		GossipInterval: 200 * time.Millisecond, GossipNodes: 3,
		SuspicionMult: 3, RetransmitMult: 4,
		PushPullInterval: 30 * time.Second, TCPTimeout: 10 * time.Second,
		LeavePropagateDelay: time.Second,
		ReapInterval:        15 * time.Second, ReconnectInterval: 30 * time.Second,
		TombstoneTimeout:   24 * time.Hour,
		UserCoalescePeriod: 3 * time.Second, UserQuiescentPeriod: time.Second,
	}
}

// WANTimings are memberlist's WAN defaults (probe every 5s with a 3s
// timeout, gossip every 500ms to 4 members, suspicion x6), as Consul.
func WANTimings() Timings {
	t := LANTimings()
	t.ProbeInterval, t.ProbeTimeout = 5*time.Second, 3*time.Second
	t.GossipInterval, t.GossipNodes = 500*time.Millisecond, 4
	t.SuspicionMult, t.RetransmitMult = 6, 4
	t.PushPullInterval, t.TCPTimeout = 60*time.Second, 30*time.Second
	return t
}

// FastTimings are for tests on loopback: probes every 200ms with a 100ms
// timeout, gossip every 20ms, a short leave delay and frequent reaping. A
// crashed member is failed within about a second; a busy test machine
// rarely sees false failures. Not for real networks.
func FastTimings() Timings {
	return Timings{
		ProbeInterval: 200 * time.Millisecond, ProbeTimeout: 100 * time.Millisecond,
		GossipInterval: 20 * time.Millisecond, GossipNodes: 3,
		SuspicionMult: 4, RetransmitMult: 3,
		PushPullInterval: time.Second, TCPTimeout: time.Second,
		LeavePropagateDelay: 50 * time.Millisecond,
		ReapInterval:        200 * time.Millisecond, ReconnectInterval: 200 * time.Millisecond,
		TombstoneTimeout:   time.Minute,
		UserCoalescePeriod: 200 * time.Millisecond, UserQuiescentPeriod: 50 * time.Millisecond,
	}
}

// DefaultLANConfig returns a LAN pool configuration on 0.0.0.0:8301 with
// LAN timings; only NodeName needs to be filled in.
func DefaultLANConfig() Config {
	return Config{BindAddr: "0.0.0.0", BindPort: DefaultLANPort, Timings: LANTimings()}
}

// DefaultWANConfig returns a WAN pool configuration on 0.0.0.0:8302 with
// WAN timings; only NodeName needs to be filled in.
func DefaultWANConfig() Config {
	return Config{WAN: true, BindAddr: "0.0.0.0", BindPort: DefaultWANPort, Timings: WANTimings()}
}

// Fast returns c with FastTimings, bound to 127.0.0.1 on a free port: the
// configuration for tests.
func (c Config) Fast() Config {
	c.Timings = FastTimings()
	c.BindAddr, c.BindPort = "127.0.0.1", 0
	return c
}

// Validate reports the first problem of c.
func (c Config) Validate() error {
	if c.NodeName == "" {
		return fmt.Errorf("gossip: node name is required")
	}
	if c.BindAddr != "" && net.ParseIP(c.BindAddr) == nil {
		return fmt.Errorf("gossip: bind address %q is not an IP", c.BindAddr)
	}
	if c.AdvertiseAddr != "" && net.ParseIP(c.AdvertiseAddr) == nil {
		return fmt.Errorf("gossip: advertise address %q is not an IP", c.AdvertiseAddr)
	}
	for _, p := range []int{c.BindPort, c.AdvertisePort} {
		if p < 0 || p > 65535 {
			return fmt.Errorf("gossip: port %d out of range", p)
		}
	}
	if c.EncryptKey != "" {
		if _, err := DecodeKey(c.EncryptKey); err != nil {
			return fmt.Errorf("gossip: encrypt: %w", err)
		}
	}
	if c.RejoinAfterLeave && c.DataDir == "" {
		return fmt.Errorf("gossip: rejoin after leave needs a data dir")
	}
	return nil
}

// poolName is "lan" or "wan", for logs and file names.
func (c Config) poolName() string {
	if c.WAN {
		return "wan"
	}
	return "lan"
}
