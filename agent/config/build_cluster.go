package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// clusterFile are the keys for joining and leaving the gossip pools,
// gossip encryption and the servers' Raft and autopilot settings.
type clusterFile struct {
	StartJoin        []setting[string]
	RetryJoin        []setting[string]
	RetryInterval    setting[time.Duration]
	RetryMax         setting[int]
	StartJoinWAN     []setting[string]
	RetryJoinWAN     []setting[string]
	RetryIntervalWAN setting[time.Duration]
	RetryMaxWAN      setting[int]

	Encrypt               setting[string]
	EncryptVerifyIncoming setting[bool]
	EncryptVerifyOutgoing setting[bool]
	SerfLAN               setting[string] // bind address, -serf-lan-bind
	SerfWAN               setting[string] // bind address, -serf-wan-bind
	ReconnectTimeout      setting[time.Duration]
	ReconnectTimeoutWAN   setting[time.Duration]

	RejoinAfterLeave     setting[bool]
	LeaveOnTerminate     setting[bool]
	SkipLeaveOnInterrupt setting[bool]

	Performance performanceFile
	Autopilot   autopilotFile
	GossipLAN   gossipFile
	GossipWAN   gossipFile
}

// gossipFile is gossip_lan or gossip_wan: the pool's failure detector and
// gossip timings; unset keys keep the pool's defaults.
type gossipFile struct {
	GossipNodes    setting[int]
	GossipInterval setting[time.Duration]
	ProbeInterval  setting[time.Duration]
	ProbeTimeout   setting[time.Duration]
	SuspicionMult  setting[int]
	RetransmitMult setting[int]
}

type performanceFile struct {
	RaftMultiplier setting[int]
	// Consul's other performance keys, accepted with a warning.
	LeaveDrainTime, RPCHoldTimeout              setting[time.Duration]
	GRPCKeepaliveInterval, GRPCKeepaliveTimeout setting[time.Duration]
}

type autopilotFile struct {
	CleanupDeadServers      setting[bool]
	LastContactThreshold    setting[time.Duration]
	MaxTrailingLogs         setting[int]
	MinQuorum               setting[int]
	ServerStabilizationTime setting[time.Duration]
	// Consul Enterprise keys, accepted with a warning.
	RedundancyZoneTag, UpgradeVersionTag setting[string]
	DisableUpgradeMigration              setting[bool]
}

// Consul's defaults and limits for the cluster keys.
const (
	defaultRetryInterval    = 30 * time.Second
	defaultReconnectTimeout = 72 * time.Hour
	minReconnectTimeout     = 8 * time.Hour
	defaultRaftMultiplier   = 5
	maxRaftMultiplier       = 10
)

// joining fills the start and retry joins of both pools.
func (fc *fileConfig) joining(rt *Runtime, _ buildOptions) error {
	for _, l := range []struct {
		key string
		in  []setting[string]
		out *[]string
	}{
		{"start_join", fc.StartJoin, &rt.StartJoin}, {"retry_join", fc.RetryJoin, &rt.RetryJoin},
		{"start_join_wan", fc.StartJoinWAN, &rt.StartJoinWAN}, {"retry_join_wan", fc.RetryJoinWAN, &rt.RetryJoinWAN},
	} {
		for i, s := range l.in {
			if strings.TrimSpace(s.val) == "" {
				return s.errorf(fmt.Sprintf("%s[%d]", l.key, i), "empty address")
			}
		}
		*l.out = values(l.in)
	}
	rt.RetryInterval = fc.RetryInterval.or(defaultRetryInterval)
	rt.RetryIntervalWAN = fc.RetryIntervalWAN.or(defaultRetryInterval)
	rt.RetryMax = fc.RetryMax.or(0)
	rt.RetryMaxWAN = fc.RetryMaxWAN.or(0)
	for _, r := range []struct {
		suffix   string
		interval setting[time.Duration]
		max      setting[int]
	}{{"", fc.RetryInterval, fc.RetryMax}, {"_wan", fc.RetryIntervalWAN, fc.RetryMaxWAN}} {
		if r.interval.set && r.interval.val <= 0 {
			return r.interval.errorf("retry_interval"+r.suffix, "must be positive, got %s", r.interval.val)
		}
		if r.max.val < 0 {
			return r.max.errorf("retry_max"+r.suffix, "must not be negative (0 retries forever), got %d", r.max.val)
		}
	}
	if !rt.Server && len(rt.StartJoinWAN)+len(rt.RetryJoinWAN) > 0 {
		fc.warnings = append(fc.warnings, "start_join_wan and retry_join_wan: only servers join the WAN pool; this client ignores them")
	}
	return nil
}

// gossip fills the encryption key, the gossip bind addresses and the
// reconnect timeouts.
func (fc *fileConfig) gossip(rt *Runtime, _ buildOptions) error {
	rt.EncryptKey = fc.Encrypt.or("")
	if rt.EncryptKey != "" {
		if err := checkEncryptKey(rt.EncryptKey); err != nil {
			return fc.Encrypt.errorf("encrypt", "%v", err)
		}
	}
	rt.EncryptVerifyIncoming = fc.EncryptVerifyIncoming.or(true)
	rt.EncryptVerifyOutgoing = fc.EncryptVerifyOutgoing.or(true)
	for _, b := range []struct {
		key string
		in  setting[string]
		out *string
	}{{"serf_lan", fc.SerfLAN, &rt.SerfBindAddrLAN}, {"serf_wan", fc.SerfWAN, &rt.SerfBindAddrWAN}} {
		*b.out = b.in.or(rt.BindAddr)
		if _, err := parseIP(b.key, *b.out); err != nil && b.in.set {
			return fmt.Errorf("%s: %w", b.in.at, err)
		}
	}
	for _, g := range []struct {
		key string
		in  gossipFile
		out *GossipTimings
	}{{"gossip_lan", fc.GossipLAN, &rt.GossipLAN}, {"gossip_wan", fc.GossipWAN, &rt.GossipWAN}} {
		t, err := g.in.timings(g.key)
		if err != nil {
			return err
		}
		*g.out = t
	}
	rt.ReconnectTimeoutLAN = fc.ReconnectTimeout.or(defaultReconnectTimeout)
	rt.ReconnectTimeoutWAN = fc.ReconnectTimeoutWAN.or(defaultReconnectTimeout)
	for _, r := range []struct {
		key string
		in  setting[time.Duration]
	}{{"reconnect_timeout", fc.ReconnectTimeout}, {"reconnect_timeout_wan", fc.ReconnectTimeoutWAN}} {
		if r.in.set && r.in.val < minReconnectTimeout {
			return r.in.errorf(r.key, "must be at least %s, got %s", minReconnectTimeout, r.in.val)
		}
	}
	return nil
}

// timings checks a gossip_lan or gossip_wan block: every value set must be
// positive.
func (g gossipFile) timings(key string) (GossipTimings, error) {
	for _, d := range []struct {
		name string
		in   setting[time.Duration]
	}{{"gossip_interval", g.GossipInterval}, {"probe_interval", g.ProbeInterval}, {"probe_timeout", g.ProbeTimeout}} {
		if d.in.set && d.in.val <= 0 {
			return GossipTimings{}, d.in.errorf(key+"."+d.name, "must be positive, got %s", d.in.val)
		}
	}
	for _, n := range []struct {
		name string
		in   setting[int]
	}{{"gossip_nodes", g.GossipNodes}, {"suspicion_mult", g.SuspicionMult}, {"retransmit_mult", g.RetransmitMult}} {
		if n.in.set && n.in.val <= 0 {
			return GossipTimings{}, n.in.errorf(key+"."+n.name, "must be positive, got %d", n.in.val)
		}
	}
	return GossipTimings{
		GossipNodes: g.GossipNodes.or(0), GossipInterval: g.GossipInterval.or(0),
		ProbeInterval: g.ProbeInterval.or(0), ProbeTimeout: g.ProbeTimeout.or(0),
		SuspicionMult: g.SuspicionMult.or(0), RetransmitMult: g.RetransmitMult.or(0),
	}, nil
}

// checkEncryptKey checks a gossip key. Errors never repeat the key: it is
// a secret.
func checkEncryptKey(key string) error {
	b, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return errors.New("the key is not valid base64 (make one with pylon keygen)")
	}
	switch len(b) {
	case 16, 24, 32:
		return nil
	}
	return fmt.Errorf("the key is %d bytes; want 16, 24 or 32 (make one with pylon keygen)", len(b))
}

// leaving fills what the agent does when it stops and starts again.
func (fc *fileConfig) leaving(rt *Runtime, _ buildOptions) error {
	rt.RejoinAfterLeave = fc.RejoinAfterLeave.or(false)
	rt.LeaveOnTerminate = fc.LeaveOnTerminate.or(!rt.Server)
	rt.SkipLeaveOnInterrupt = fc.SkipLeaveOnInterrupt.or(rt.Server)
	return nil
}

// servers fills and checks bootstrap_expect, the Raft multiplier and
// autopilot.
func (fc *fileConfig) servers(rt *Runtime, _ buildOptions) error {
	if err := fc.bootstrapExpect(rt); err != nil {
		return err
	}
	p := fc.Performance
	def := defaultRaftMultiplier
	if rt.DevMode {
		def = 1
	}
	// 0 keeps the default, as Consul documents.
	if rt.RaftMultiplier = p.RaftMultiplier.or(0); rt.RaftMultiplier == 0 {
		rt.RaftMultiplier = def
	}
	if rt.RaftMultiplier < 1 || rt.RaftMultiplier > maxRaftMultiplier {
		return p.RaftMultiplier.errorf("performance.raft_multiplier", "must be between 1 and %d, got %d", maxRaftMultiplier, rt.RaftMultiplier)
	}
	a := fc.Autopilot
	rt.Autopilot = Autopilot{
		CleanupDeadServers:      a.CleanupDeadServers.or(true),
		LastContactThreshold:    a.LastContactThreshold.or(200 * time.Millisecond),
		MaxTrailingLogs:         a.MaxTrailingLogs.or(250),
		MinQuorum:               a.MinQuorum.or(0),
		ServerStabilizationTime: a.ServerStabilizationTime.or(10 * time.Second),
	}
	for _, d := range []struct {
		key string
		in  setting[time.Duration]
	}{{"last_contact_threshold", a.LastContactThreshold}, {"server_stabilization_time", a.ServerStabilizationTime}} {
		if d.in.val < 0 {
			return d.in.errorf("autopilot."+d.key, "must not be negative, got %s", d.in.val)
		}
	}
	for _, n := range []struct {
		key string
		in  setting[int]
	}{{"max_trailing_logs", a.MaxTrailingLogs}, {"min_quorum", a.MinQuorum}} {
		if n.in.val < 0 {
			return n.in.errorf("autopilot."+n.key, "must not be negative, got %d", n.in.val)
		}
	}
	fc.warnUnsupported([]unsupported{
		{"performance.leave_drain_time", p.LeaveDrainTime.at, p.LeaveDrainTime.set},
		{"performance.rpc_hold_timeout", p.RPCHoldTimeout.at, p.RPCHoldTimeout.set},
		{"performance.grpc_keepalive_interval", p.GRPCKeepaliveInterval.at, p.GRPCKeepaliveInterval.set},
		{"performance.grpc_keepalive_timeout", p.GRPCKeepaliveTimeout.at, p.GRPCKeepaliveTimeout.set},
		{"autopilot.redundancy_zone_tag", a.RedundancyZoneTag.at, a.RedundancyZoneTag.set},
		{"autopilot.upgrade_version_tag", a.UpgradeVersionTag.at, a.UpgradeVersionTag.set},
		{"autopilot.disable_upgrade_migration", a.DisableUpgradeMigration.at, a.DisableUpgradeMigration.set},
	})
	return nil
}

// bootstrapExpect applies Consul's rules: servers only, not with
// bootstrap, not in -dev mode; 1, 2 and even counts load with a warning.
func (fc *fileConfig) bootstrapExpect(rt *Runtime) error {
	s := fc.BootstrapExpect
	n := s.or(0)
	rt.BootstrapExpect = n
	switch {
	case n < 0:
		return s.errorf("bootstrap_expect", "must not be negative, got %d", n)
	case n == 0:
		return nil
	case rt.DevMode:
		return s.errorf("bootstrap_expect", "not allowed in -dev mode (a dev agent bootstraps itself)")
	case !rt.Server:
		return s.errorf("bootstrap_expect", "needs server mode (-server)")
	case rt.Bootstrap:
		return s.errorf("bootstrap_expect", "cannot be used together with bootstrap; set one of them")
	}
	switch {
	case n == 1:
		fc.warnings = append(fc.warnings, s.message("bootstrap_expect",
			"1 is the same as bootstrap: a single server, which loses data when it fails"))
	case n == 2:
		fc.warnings = append(fc.warnings, s.message("bootstrap_expect",
			"a cluster of 2 servers tolerates no failure; use 3 or 5"))
	case n%2 == 0:
		fc.warnings = append(fc.warnings, s.message("bootstrap_expect",
			"%d servers tolerate no more failures than %d; use an odd number", n, n-1))
	}
	return nil
}

// unsupported is a nested key that is accepted but not acted on.
type unsupported struct {
	key string
	at  pos
	set bool
}

func (fc *fileConfig) warnUnsupported(keys []unsupported) {
	for _, k := range keys {
		if k.set {
			fc.warnings = append(fc.warnings, fmt.Sprintf("%s: %s is not supported yet and is ignored", k.at, k.key))
		}
	}
}
