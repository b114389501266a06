package server

import (
	"testing"
	"time"
)

func TestRaftTimingsFromMultiplier(t *testing.T) {
	tests := []struct {
		name                       string
		cfg                        Config
		heartbeat, election, lease time.Duration
	}{
		{"zero means 1", Config{}, 500 * time.Millisecond, 500 * time.Millisecond, 250 * time.Millisecond},
		{"1", Config{RaftMultiplier: 1}, 500 * time.Millisecond, 500 * time.Millisecond, 250 * time.Millisecond},
		{"Consul's default 5", Config{RaftMultiplier: 5}, 2500 * time.Millisecond, 2500 * time.Millisecond, 1250 * time.Millisecond},
		{"10", Config{RaftMultiplier: 10}, 5 * time.Second, 5 * time.Second, 2500 * time.Millisecond},
		{"FastRaft wins", Config{RaftMultiplier: 5, FastRaft: true}, 200 * time.Millisecond, 200 * time.Millisecond, 150 * time.Millisecond},
		{"Dev wins", Config{RaftMultiplier: 5, Dev: true}, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond},
	}
	for _, tt := range tests {
		rc := raftConfig(tt.cfg, nil)
		if rc.HeartbeatTimeout != tt.heartbeat || rc.ElectionTimeout != tt.election || rc.LeaderLeaseTimeout != tt.lease {
			t.Errorf("%s: heartbeat %v, election %v, lease %v; want %v, %v, %v", tt.name,
				rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout, tt.heartbeat, tt.election, tt.lease)
		}
	}
	if err := (Config{NodeName: "n", Datacenter: "dc1", RaftAddr: "127.0.0.1:0", RaftMultiplier: -1}).Validate(); err == nil {
		t.Error("a negative multiplier passed validation")
	}
}
