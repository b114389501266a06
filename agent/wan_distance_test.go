package agent

import (
	"slices"
	"testing"
	"time"
)

func TestSortDatacenters(t *testing.T) {
	ms := time.Millisecond
	byDC := map[string][]wanServer{
		"far":   {{node: "f1", rtt: 90 * ms}, {node: "f2", rtt: 80 * ms}, {node: "f3", rtt: unknownRTT}},
		"near":  {{node: "n2", rtt: 30 * ms}, {node: "n1", rtt: 10 * ms}, {node: "n3", rtt: 20 * ms}},
		"mine":  {{node: "m1", rtt: 500 * ms}}, // its own datacenter comes first however far
		"dark":  {{node: "d1", rtt: unknownRTT}},
		"alpha": {{node: "a1", rtt: unknownRTT}},
	}
	got := sortDatacenters("mine", byDC)
	var names []string
	for _, dc := range got {
		names = append(names, dc.name)
	}
	if want := []string{"mine", "near", "far", "alpha", "dark"}; !slices.Equal(names, want) {
		t.Fatalf("order = %v, want %v", names, want)
	}
	near := got[1]
	if near.rtt != 20*ms || near.servers[0].node != "n1" || near.servers[2].node != "n2" {
		t.Errorf("near: median %v, servers %v; want 20ms and n1 first, n2 last", near.rtt, near.servers)
	}
	if far := got[2]; far.rtt != 80*ms || far.servers[2].node != "f3" {
		t.Errorf("far: median %v of the known, servers %v; want 80ms and the unknown f3 last", far.rtt, far.servers)
	}
	if got[3].rtt != unknownRTT {
		t.Errorf("alpha rtt = %v, want unknown", got[3].rtt)
	}
}
