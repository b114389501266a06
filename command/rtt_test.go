package command

import (
	"testing"
	"time"

	"github.com/pylonmesh/pylon/api"
)

const rttNodesJSON = `[
 {"Node":"node-a","Segment":"","Coord":{"Vec":[0,0,0,0,0,0,0,0],"Error":1.5,"Adjustment":0.000005,"Height":0.00005}},
 {"Node":"node-b","Segment":"","Coord":{"Vec":[0.0005,0,0,0,0,0,0,0],"Error":1.5,"Adjustment":0.000005,"Height":0.00005}},
 {"Node":"node-c","Segment":"","Coord":{"Vec":[0.0005,0],"Error":1.5,"Adjustment":0,"Height":0}}
]`

const rttDatacentersJSON = `[{"Datacenter":"dc1","AreaID":"wan","Coordinates":[
 {"Node":"node-a","Segment":"","Coord":{"Vec":[0,0,0,0,0,0,0,0],"Error":1.5,"Adjustment":0,"Height":0.00001}},
 {"Node":"srv-2","Segment":"","Coord":{"Vec":[0,0.002,0,0,0,0,0,0],"Error":1.5,"Adjustment":0,"Height":0.00001}}]}]`

func TestRTT(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"two nodes", []string{"node-a", "node-b"}, 0,
			"Estimated node-a <-> node-b rtt: 0.610 ms (using LAN coordinates)\n", ""},
		{"from the agent's node", []string{"node-b"}, 0,
			"Estimated node-b <-> node-a rtt: 0.610 ms (using LAN coordinates)\n", ""},
		{"wan", []string{"-wan", "srv-2.dc1"}, 0,
			"Estimated srv-2.dc1 <-> node-a.dc1 rtt: 2.020 ms (using WAN coordinates)\n", ""},
		{"unknown node", []string{"node-a", "nobody"}, 1, "", `Could not find a coordinate for node "nobody"`},
		{"wan needs the datacenter", []string{"-wan", "srv-2", "node-a.dc1"}, 1, "", `Could not find a coordinate for node "srv-2"`},
		{"incompatible", []string{"node-a", "node-c"}, 1, "", "are not compatible"},
		{"no node", nil, 1, "", "One or two node names must be specified"},
		{"three nodes", []string{"a", "b", "c"}, 1, "", "One or two node names must be specified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			f := newFakeAgent(t, map[string]route{
				"GET /v1/coordinate/nodes":       {body: rttNodesJSON},
				"GET /v1/coordinate/datacenters": {body: rttDatacentersJSON},
				"GET /v1/agent/self":             {body: `{"Config":{"NodeName":"node-a","Datacenter":"dc1"}}`},
			})
			out, errOut, code := run(t, append([]string{"rtt", "-http-addr", f.srv.URL}, tt.args...)...)
			if code != tt.wantCode || out != tt.wantOut {
				t.Fatalf("exit %d, out %q; want %d, %q (stderr %s)", code, out, tt.wantCode, tt.wantOut, errOut)
			}
			if tt.wantErr != "" {
				mustContain(t, "stderr", errOut, tt.wantErr)
			}
		})
	}
}

func TestRTTErrors(t *testing.T) {
	clearEnv(t)
	f := newFakeAgent(t, map[string]route{"GET /v1/coordinate/nodes": {status: 403, body: "Permission denied"}})
	_, errOut, code := run(t, "rtt", "-http-addr", f.srv.URL, "a", "b")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	mustContain(t, "stderr", errOut, "Error getting coordinates: Unexpected response code: 403 (Permission denied)")
}

// TestRTTLive runs rtt against a dev agent, with coordinates written
// through its API (they are stored with the servers' next batch, within
// Consul's 5s coordinate_update_period).
func TestRTTLive(t *testing.T) {
	addr, c := kvTestAgent(t)
	for n, x := range map[string]float64{"near": 0.001, "far": 0.25} {
		if _, err := c.Catalog().Register(&api.CatalogRegistration{Node: n, Address: "10.0.0.1"}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Coordinate().Update(&api.CoordinateEntry{Node: n,
			Coord: &api.Coord{Vec: []float64{x, 0, 0, 0, 0, 0, 0, 0}, Height: 0.0001}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, errOut, code := run(t, "rtt", "-http-addr", addr, "far", "near")
		if code == 0 {
			if want := "Estimated far <-> near rtt: 249.200 ms (using LAN coordinates)\n"; out != want {
				t.Fatalf("output %q, want %q", out, want)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rtt: exit %d: %s", code, errOut)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
