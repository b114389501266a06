package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// clusterFields are the Runtime fields of the cluster keys, gathered so
// that tests compare them in one go.
type clusterFields struct {
	BootstrapExpect                                  int
	StartJoin, RetryJoin, StartJoinWAN, RetryJoinWAN []string
	RetryInterval, RetryIntervalWAN                  time.Duration
	RetryMax, RetryMaxWAN                            int
	EncryptKey                                       string
	EncryptVerifyIncoming, EncryptVerifyOutgoing     bool
	SerfBindAddrLAN, SerfBindAddrWAN                 string
	AdvertiseAddrWAN                                 string
	ReconnectTimeoutLAN, ReconnectTimeoutWAN         time.Duration
	RejoinAfterLeave                                 bool
	LeaveOnTerminate, SkipLeaveOnInterrupt           bool
	RaftMultiplier                                   int
	Autopilot                                        Autopilot
	GossipLAN, GossipWAN                             GossipTimings
}

func clusterOf(rt *Runtime) clusterFields {
	return clusterFields{
		BootstrapExpect: rt.BootstrapExpect,
		StartJoin:       rt.StartJoin, RetryJoin: rt.RetryJoin, StartJoinWAN: rt.StartJoinWAN, RetryJoinWAN: rt.RetryJoinWAN,
		RetryInterval: rt.RetryInterval, RetryIntervalWAN: rt.RetryIntervalWAN,
		RetryMax: rt.RetryMax, RetryMaxWAN: rt.RetryMaxWAN,
		EncryptKey:            rt.EncryptKey,
		EncryptVerifyIncoming: rt.EncryptVerifyIncoming, EncryptVerifyOutgoing: rt.EncryptVerifyOutgoing,
		SerfBindAddrLAN: rt.SerfBindAddrLAN, SerfBindAddrWAN: rt.SerfBindAddrWAN, AdvertiseAddrWAN: rt.AdvertiseAddrWAN,
		ReconnectTimeoutLAN: rt.ReconnectTimeoutLAN, ReconnectTimeoutWAN: rt.ReconnectTimeoutWAN,
		RejoinAfterLeave: rt.RejoinAfterLeave,
		LeaveOnTerminate: rt.LeaveOnTerminate, SkipLeaveOnInterrupt: rt.SkipLeaveOnInterrupt,
		RaftMultiplier: rt.RaftMultiplier, Autopilot: rt.Autopilot,
		GossipLAN: rt.GossipLAN, GossipWAN: rt.GossipWAN,
	}
}

// agentArgs are the flags of a non-dev agent with its own data dir.
func agentArgs(t *testing.T, extra ...string) []string {
	return append([]string{"-data-dir", t.TempDir(), "-node", "n1", "-bind", "127.0.0.2"}, extra...)
}

// defaultAutopilot is Consul's autopilot block when nothing is set.
var defaultAutopilot = Autopilot{
	CleanupDeadServers: true, LastContactThreshold: 200 * time.Millisecond, MaxTrailingLogs: 250,
	ServerStabilizationTime: 10 * time.Second,
}

func TestClusterKeysHCLAndJSONAgree(t *testing.T) {
	want := clusterFields{
		BootstrapExpect: 3,
		StartJoin:       []string{"10.0.0.1"}, RetryJoin: []string{"10.0.0.2", "10.0.0.3:8301"},
		StartJoinWAN: []string{"10.1.0.1"}, RetryJoinWAN: []string{"10.1.0.2"},
		RetryInterval: 5 * time.Second, RetryIntervalWAN: time.Minute, RetryMax: 4, RetryMaxWAN: 2,
		EncryptKey:      "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=",
		SerfBindAddrLAN: "127.0.0.3", SerfBindAddrWAN: "127.0.0.4", AdvertiseAddrWAN: "192.0.2.1",
		ReconnectTimeoutLAN: 8 * time.Hour, ReconnectTimeoutWAN: 96 * time.Hour,
		RejoinAfterLeave: true, LeaveOnTerminate: true, SkipLeaveOnInterrupt: false,
		RaftMultiplier: 1,
		Autopilot: Autopilot{
			CleanupDeadServers: false, LastContactThreshold: time.Second, MaxTrailingLogs: 500, MinQuorum: 3,
			ServerStabilizationTime: 30 * time.Second,
		},
		GossipLAN: GossipTimings{ProbeInterval: time.Second, ProbeTimeout: 500 * time.Millisecond, SuspicionMult: 4,
			GossipNodes: 4, GossipInterval: 100 * time.Millisecond, RetransmitMult: 5},
		GossipWAN: GossipTimings{SuspicionMult: 7},
	}
	for _, file := range []string{"testdata/cluster.hcl", "testdata/cluster.json"} {
		t.Run(file, func(t *testing.T) {
			rt, warnings := mustLoad(t, agentArgs(t, "-config-file", file)...)
			if got := clusterOf(rt); !reflect.DeepEqual(got, want) {
				t.Errorf("cluster keys\n got %+v\nwant %+v", got, want)
			}
			if len(warnings) != 0 {
				t.Errorf("warnings %q, want none", warnings)
			}
		})
	}
}

func TestClusterDefaults(t *testing.T) {
	client := clusterFields{
		RetryInterval: 30 * time.Second, RetryIntervalWAN: 30 * time.Second,
		EncryptVerifyIncoming: true, EncryptVerifyOutgoing: true,
		SerfBindAddrLAN: "127.0.0.2", SerfBindAddrWAN: "127.0.0.2", AdvertiseAddrWAN: "127.0.0.2",
		ReconnectTimeoutLAN: 72 * time.Hour, ReconnectTimeoutWAN: 72 * time.Hour,
		LeaveOnTerminate: true, RaftMultiplier: 5, Autopilot: defaultAutopilot,
	}
	server := client
	server.LeaveOnTerminate, server.SkipLeaveOnInterrupt = false, true
	dev := server
	dev.SerfBindAddrLAN, dev.SerfBindAddrWAN, dev.AdvertiseAddrWAN, dev.RaftMultiplier = "127.0.0.1", "127.0.0.1", "127.0.0.1", 1
	advertised := client
	advertised.AdvertiseAddrWAN = "127.0.0.9"

	tests := []struct {
		name string
		args []string
		want clusterFields
	}{
		{"client", agentArgs(t), client},
		{"server", agentArgs(t, "-server"), server},
		{"dev", devArgs, dev},
		{"advertise-wan follows advertise", agentArgs(t, "-advertise", "127.0.0.9"), advertised},
		{"raft_multiplier 0 keeps the default", agentArgs(t, "-hcl", "performance { raft_multiplier = 0 }"), client},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, _ := mustLoad(t, tt.args...)
			if got := clusterOf(rt); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("defaults\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestClusterFlags(t *testing.T) {
	f := writeFile(t, t.TempDir(), "c.hcl", `retry_join = ["file"]`)
	rt, _ := mustLoad(t, agentArgs(t, "-config-file", f, "-server", "-bootstrap-expect", "3",
		"-join", "j1", "-join", "j2", "-retry-join", "r1", "-retry-join", "r2",
		"-retry-interval", "2s", "-retry-max", "7",
		"-join-wan", "w1", "-retry-join-wan", "rw1", "-retry-join-wan", "rw2",
		"-retry-interval-wan", "3s", "-retry-max-wan", "8",
		"-encrypt", "AAAAAAAAAAAAAAAAAAAAAA==", "-rejoin",
		"-serf-lan-bind", "127.0.0.5", "-serf-wan-bind", "127.0.0.6", "-advertise-wan", "127.0.0.7",
		"-serf-lan-port", "9301", "-serf-wan-port", "9302", "-server-port", "9300")...)
	want := clusterFields{
		BootstrapExpect: 3,
		StartJoin:       []string{"j1", "j2"}, RetryJoin: []string{"file", "r1", "r2"},
		StartJoinWAN: []string{"w1"}, RetryJoinWAN: []string{"rw1", "rw2"},
		RetryInterval: 2 * time.Second, RetryMax: 7, RetryIntervalWAN: 3 * time.Second, RetryMaxWAN: 8,
		EncryptKey: "AAAAAAAAAAAAAAAAAAAAAA==", EncryptVerifyIncoming: true, EncryptVerifyOutgoing: true,
		SerfBindAddrLAN: "127.0.0.5", SerfBindAddrWAN: "127.0.0.6", AdvertiseAddrWAN: "127.0.0.7",
		ReconnectTimeoutLAN: 72 * time.Hour, ReconnectTimeoutWAN: 72 * time.Hour,
		RejoinAfterLeave: true, SkipLeaveOnInterrupt: true, RaftMultiplier: 5, Autopilot: defaultAutopilot,
	}
	if got := clusterOf(rt); !reflect.DeepEqual(got, want) {
		t.Errorf("flags\n got %+v\nwant %+v", got, want)
	}
	if rt.Ports.SerfLAN != 9301 || rt.Ports.SerfWAN != 9302 || rt.Ports.Server != 9300 {
		t.Errorf("ports %+v", rt.Ports)
	}
}

func TestClusterErrors(t *testing.T) {
	server := []string{"-server"}
	tests := []struct {
		name, file, body string
		args             []string // before -config-file; nil: a server
		dev              bool
		want             string
	}{
		{"encrypt not base64", "c.hcl", "\nencrypt = \"not!base64\"", nil, false, `c.hcl:2: encrypt: the key is not valid base64`},
		{"encrypt short", "c.json", "{\n\"encrypt\": \"aGVsbG8=\"}", nil, false, `c.json:2: encrypt: the key is 5 bytes; want 16, 24 or 32`},
		{"encrypt flag", "c.hcl", "", []string{"-encrypt", "aGVsbG8="}, false, `-encrypt: encrypt: the key is 5 bytes`},
		{"verify not bool", "c.hcl", `encrypt_verify_incoming = "maybe"`, nil, false, `c.hcl:1: encrypt_verify_incoming: expected a boolean`},
		{"verify outgoing not bool", "c.json", `{"encrypt_verify_outgoing": 1}`, nil, false, `c.json:1: encrypt_verify_outgoing: expected a boolean, got a number`},
		{"rejoin not bool", "c.hcl", `rejoin_after_leave = "often"`, nil, false, `c.hcl:1: rejoin_after_leave: expected a boolean`},
		{"rejoin flag not bool", "c.hcl", "", []string{"-rejoin=often"}, false, `want true or false`},
		{"leave_on_terminate not bool", "c.hcl", `leave_on_terminate = 2`, nil, false, `c.hcl:1: leave_on_terminate: expected a boolean`},
		{"skip_leave_on_interrupt list", "c.json", `{"skip_leave_on_interrupt": [true]}`, nil, false, `c.json:1: skip_leave_on_interrupt: expected a boolean, got a list`},
		{"cleanup_dead_servers not bool", "c.hcl", `autopilot { cleanup_dead_servers = "no" }`, nil, false, `c.hcl:1: autopilot.cleanup_dead_servers: expected a boolean`},
		{"retry_join object", "c.json", `{"retry_join": [{"a": 1}]}`, nil, false, `c.json:1: retry_join[0]: expected a string, got an object`},
		{"retry_max not a number", "c.hcl", `retry_max = "many"`, nil, false, `c.hcl:1: retry_max: expected a whole number`},
		{"empty retry_join", "c.hcl", "retry_join = [\"a\",\n \" \"]", nil, false, `c.hcl:2: retry_join[1]: empty address`},
		{"empty start_join_wan", "c.json", `{"start_join_wan": [""]}`, nil, false, `c.json:1: start_join_wan[0]: empty address`},
		{"zero retry_interval", "c.hcl", `retry_interval = "0s"`, nil, false, `c.hcl:1: retry_interval: must be positive, got 0s`},
		{"bad retry_interval_wan", "c.hcl", `retry_interval_wan = "soon"`, nil, false, `c.hcl:1: retry_interval_wan: invalid duration "soon"`},
		{"bad retry-interval flag", "c.hcl", "", []string{"-retry-interval", "x"}, false, `want a duration`},
		{"negative retry_max", "c.hcl", `retry_max = -1`, nil, false, `c.hcl:1: retry_max: must not be negative`},
		{"negative retry-max-wan flag", "c.hcl", "", []string{"-retry-max-wan", "-2"}, false, `-retry-max-wan: retry_max_wan: must not be negative`},
		{"short reconnect_timeout", "c.hcl", `reconnect_timeout = "1h"`, nil, false, `c.hcl:1: reconnect_timeout: must be at least 8h0m0s, got 1h0m0s`},
		{"short reconnect_timeout_wan", "c.json", `{"reconnect_timeout_wan": "7h59m"}`, nil, false, `c.json:1: reconnect_timeout_wan: must be at least 8h0m0s`},
		{"bad serf_lan", "c.hcl", "\n\nserf_lan = \"lan\"", nil, false, `c.hcl:3: serf_lan "lan": not an IP address`},
		{"bad serf-wan-bind flag", "c.hcl", "", []string{"-serf-wan-bind", "{{ GetPrivateIP }}"}, false, `-serf-wan-bind: serf_wan "{{ GetPrivateIP }}": address templates are not supported`},
		{"raft_multiplier too big", "c.hcl", "performance {\n raft_multiplier = 11\n}", nil, false, `c.hcl:2: performance.raft_multiplier: must be between 1 and 10, got 11`},
		{"raft_multiplier negative", "c.json", `{"performance": {"raft_multiplier": -1}}`, nil, false, `performance.raft_multiplier: must be between 1 and 10, got -1`},
		{"unknown performance key", "c.hcl", "performance { fast = true }", nil, false, `c.hcl:1: performance.fast: unknown key`},
		{"negative max_trailing_logs", "c.hcl", "autopilot {\n max_trailing_logs = -1\n}", nil, false, `c.hcl:2: autopilot.max_trailing_logs: must not be negative`},
		{"negative min_quorum", "c.hcl", "autopilot { min_quorum = -3 }", nil, false, `autopilot.min_quorum: must not be negative`},
		{"negative last_contact_threshold", "c.hcl", `autopilot { last_contact_threshold = "-1s" }`, nil, false, `autopilot.last_contact_threshold: must not be negative`},
		{"negative server_stabilization_time", "c.json", `{"autopilot": {"server_stabilization_time": "-1s"}}`, nil, false, `autopilot.server_stabilization_time: must not be negative`},
		{"unknown autopilot key", "c.hcl", "autopilot { cleanup = true }", nil, false, `c.hcl:1: autopilot.cleanup: unknown key`},
		{"zero gossip_lan probe_timeout", "c.hcl", "gossip_lan {\n probe_timeout = \"0s\"\n}", nil, false, `c.hcl:2: gossip_lan.probe_timeout: must be positive, got 0s`},
		{"negative gossip_wan suspicion_mult", "c.json", `{"gossip_wan": {"suspicion_mult": -1}}`, nil, false, `c.json:1: gossip_wan.suspicion_mult: must be positive, got -1`},
		{"unknown gossip_lan key", "c.hcl", "gossip_lan { probes = 3 }", nil, false, `c.hcl:1: gossip_lan.probes: unknown key`},
		{"bootstrap_expect on a client", "c.hcl", `bootstrap_expect = 3`, []string{}, false, `c.hcl:1: bootstrap_expect: needs server mode`},
		{"bootstrap_expect in dev mode", "c.hcl", `bootstrap_expect = 3`, nil, true, `c.hcl:1: bootstrap_expect: not allowed in -dev mode`},
		{"bootstrap_expect with bootstrap", "c.hcl", "bootstrap = true\nbootstrap_expect = 3", nil, false, `c.hcl:2: bootstrap_expect: cannot be used together with bootstrap`},
		{"bootstrap-expect flag with bootstrap", "c.hcl", "", []string{"-server", "-bootstrap", "-bootstrap-expect", "3"}, false, `-bootstrap-expect: bootstrap_expect: cannot be used together with bootstrap`},
		{"negative bootstrap_expect", "c.hcl", `bootstrap_expect = -1`, nil, false, `c.hcl:1: bootstrap_expect: must not be negative`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFile(t, t.TempDir(), tt.file, tt.body)
			args := tt.args
			if args == nil {
				args = server
			}
			if tt.dev {
				args = append(append([]string(nil), devArgs...), args...)
			} else {
				args = agentArgs(t, args...)
			}
			_, _, err := Load(append(args, "-config-file", f))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEncryptKeyNotInErrors(t *testing.T) {
	const key = "c2VjcmV0LXNlY3JldA==" // 13 bytes: wrong length
	_, _, err := Load(agentArgs(t, "-encrypt", key))
	if err == nil || strings.Contains(err.Error(), key) {
		t.Fatalf("err = %v, want an error that does not repeat the key", err)
	}
}

func TestClusterWarnings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // substrings, one per warning, in order
	}{
		{"expect 1", []string{"-server", "-bootstrap-expect", "1"}, []string{"-bootstrap-expect: bootstrap_expect: 1 is the same as bootstrap"}},
		{"expect 2", []string{"-server", "-bootstrap-expect", "2"}, []string{"bootstrap_expect: a cluster of 2 servers tolerates no failure"}},
		{"expect 3", []string{"-server", "-bootstrap-expect", "3"}, nil},
		{"expect 4", []string{"-server", "-bootstrap-expect", "4"}, []string{"bootstrap_expect: 4 servers tolerate no more failures than 3"}},
		{"expect 5", []string{"-server", "-bootstrap-expect", "5"}, nil},
		{"wan join on a client", []string{"-retry-join-wan", "a"}, []string{"only servers join the WAN pool"}},
		{"unsupported nested keys", []string{"-hcl", `performance { leave_drain_time = "5s" }` + "\n" + `autopilot { redundancy_zone_tag = "az" }`},
			[]string{"-hcl[0]:1: performance.leave_drain_time is not supported yet", "-hcl[0]:2: autopilot.redundancy_zone_tag is not supported yet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, warnings := mustLoad(t, agentArgs(t, tt.args...)...)
			if len(warnings) != len(tt.want) {
				t.Fatalf("warnings %q, want %d", warnings, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, warnings[i], w)
				}
			}
		})
	}
}
