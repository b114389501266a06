package agent

import (
	"errors"
	"net/http"
	"testing"
	"time"

	consulapi "github.com/hashicorp/consul/api"
)

// TestOperatorEndpointsOnACluster drives /v1/operator/raft and
// /v1/operator/autopilot with the official client against three server
// agents formed by -bootstrap-expect (every server a voter from the
// start), then stops one without leaving: the pool marks it failed and
// autopilot removes it from Raft.
func TestOperatorEndpointsOnACluster(t *testing.T) {
	servers, apis := testServers(t, 3)
	op := apis[0].Operator()

	conf, err := op.RaftGetConfiguration(nil)
	if err != nil || len(conf.Servers) != 3 {
		t.Fatalf("raft configuration = %+v, %v; want 3 servers", conf, err)
	}
	leaders, leaderID := 0, ""
	for _, s := range conf.Servers {
		if !s.Voter || s.Node == "" || s.ProtocolVersion != "3" {
			t.Errorf("server %+v: want a named protocol 3 voter", s)
		}
		if s.Leader {
			leaders, leaderID = leaders+1, s.ID
		}
	}
	if leaders != 1 {
		t.Fatalf("%d leaders, want 1", leaders)
	}

	// Autopilot configuration: the agent's defaults, then a CAS write.
	ap, err := op.AutopilotGetConfiguration(nil)
	if err != nil || !ap.CleanupDeadServers || ap.LastContactThreshold.Duration() != 200*time.Millisecond ||
		ap.MaxTrailingLogs != 250 || ap.ServerStabilizationTime.Duration() != 10*time.Second {
		t.Fatalf("autopilot configuration = %+v, %v; want Consul's defaults", ap, err)
	}
	ap.MaxTrailingLogs = 500
	if ok, err := op.AutopilotCASConfiguration(ap, nil); err != nil || !ok {
		t.Fatalf("CAS at index %d = %v, %v", ap.ModifyIndex, ok, err)
	}
	if ok, err := op.AutopilotCASConfiguration(ap, nil); err != nil || ok {
		t.Fatalf("stale CAS = %v, %v; want false", ok, err)
	}
	// A stale read on another server has the write once it replicates.
	eventually(t, "the stored configuration in a stale read on server 2", func() bool {
		got, err := apis[1].Operator().AutopilotGetConfiguration(&consulapi.QueryOptions{AllowStale: true})
		return err == nil && got.ModifyIndex != 0
	})
	eventually(t, "the stored configuration on server 2", func() bool {
		got, err := apis[1].Operator().AutopilotGetConfiguration(nil)
		return err == nil && got.MaxTrailingLogs == 500 && got.ModifyIndex != 0
	})

	// Health and state.
	eventually(t, "a healthy cluster", func() bool {
		h, err := op.AutopilotServerHealth(nil)
		return err == nil && h.Healthy && h.FailureTolerance == 1 && len(h.Servers) == 3
	})
	st, err := op.AutopilotState(nil)
	if err != nil || st.Leader != leaderID || len(st.Voters) != 3 || len(st.Servers) != 3 {
		t.Fatalf("autopilot state = %+v, %v", st, err)
	}

	// Leadership transfer to a named server.
	var target string
	for _, s := range conf.Servers {
		if !s.Leader {
			target = s.ID
			break
		}
	}
	if resp, err := op.RaftLeaderTransfer(target, nil); err != nil || !resp.Success {
		t.Fatalf("transfer to %s = %+v, %v", target, resp, err)
	}
	eventually(t, "the new leader", func() bool {
		c, err := op.RaftGetConfiguration(nil)
		if err != nil {
			return false
		}
		for _, s := range c.Servers {
			if s.Leader {
				return s.ID == target
			}
		}
		return false
	})

	// Removing a server that is not there fails; so does asking for none.
	if err := op.RaftRemovePeerByAddress("127.0.0.1:1", nil); err == nil {
		t.Fatal("removing an unknown address succeeded")
	}
	var se consulapi.StatusError
	if err := op.RaftRemovePeerByID("", nil); !errors.As(err, &se) || se.Code != http.StatusBadRequest {
		t.Fatalf("remove without an ID = %v, want 400", err)
	}

	// A follower stops without leaving: unhealthy (429 from the API),
	// then failed in the pool and removed by autopilot.
	var victim *Agent
	for i, a := range servers {
		if a.server.ID() != target && i != 0 {
			victim = a
		}
	}
	victimID := victim.server.ID()
	if err := victim.Shutdown(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "an unhealthy report", func() bool {
		h, err := op.AutopilotServerHealth(nil)
		return err == nil && !h.Healthy
	})
	eventually(t, "the failed server removed from Raft", func() bool {
		c, err := op.RaftGetConfiguration(nil)
		if err != nil || len(c.Servers) != 2 {
			return false
		}
		for _, s := range c.Servers {
			if s.ID == victimID {
				return false
			}
		}
		return true
	})
}

// TestOperatorJoiningServerPromoted: a server that joins a running
// cluster through the LAN pool enters Raft as a non-voter and autopilot
// makes it a voter once it has been healthy for the stabilization time.
func TestOperatorJoiningServerPromoted(t *testing.T) {
	hcl := `autopilot { server_stabilization_time = "1s" }`
	common := []string{"-server", "-bind", "127.0.0.1", "-client", "127.0.0.1", "-http-port", "0", "-server-port", "0",
		"-serf-lan-port", "0", "-serf-wan-port", "-1", "-dns-port", "-1", "-grpc-port", "-1", "-hcl", hcl}
	first, api1 := startAgent(t, append([]string{"-bootstrap", "-node", "server-1", "-data-dir", t.TempDir()}, common...)...)
	second, _ := startAgent(t, append([]string{"-node", "server-2", "-data-dir", t.TempDir(), "-retry-join", lanAddr(first)}, common...)...)
	id := second.server.ID()
	voter := func() (known, isVoter bool) {
		c, err := api1.Operator().RaftGetConfiguration(nil)
		if err != nil {
			return false, false
		}
		for _, s := range c.Servers {
			if s.ID == id {
				return true, s.Voter
			}
		}
		return false, false
	}
	sawNonVoter := false
	eventually(t, "server-2 a voter", func() bool {
		known, isVoter := voter()
		sawNonVoter = sawNonVoter || (known && !isVoter)
		return isVoter
	})
	if !sawNonVoter {
		t.Fatal("server-2 never showed as a non-voter before its promotion")
	}
	peers, err := api1.Status().Peers()
	if err != nil || len(peers) != 2 {
		t.Fatalf("peers = %v, %v; want both servers", peers, err)
	}
}
