package server

import (
	"reflect"
	"testing"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

// FuzzSubscribeWire feeds a client arbitrary stream messages: decoding and
// converting them must fail cleanly or give events that survive another
// trip over the wire.
func FuzzSubscribeWire(f *testing.F) {
	csn := state.CheckServiceNode{Node: &state.Node{Node: "n1", Meta: map[string]string{"a": "b"}},
		Service: &state.Service{ID: "web1", Name: "web", Tags: []string{"v1"}},
		Checks:  []*state.HealthCheck{{CheckID: "c", Status: state.HealthPassing}}}
	for _, events := range [][]state.Event{
		nil,
		{{Topic: state.TopicServiceHealth, Key: "web", Index: 7, Payload: csn},
			{Topic: state.TopicServiceHealth, Key: "web", Index: 7, Payload: state.EndOfSnapshot{}}},
		{{Topic: state.TopicServiceHealthConnect, Key: "web", Index: 9, Payload: state.ServiceDeregistered{Node: "n1", ServiceID: "p"}},
			{Topic: state.TopicServiceHealth, Key: "web", Index: 9, Payload: state.NewSnapshotToFollow{}}},
	} {
		wire, err := toWire(events)
		if err != nil {
			f.Fatal(err)
		}
		b, err := rpc.Encode(&eventBatch{Events: wire})
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(b))
	}
	f.Add([]byte{0x81, 0xa6, 'E', 'v', 'e', 'n', 't', 's', 0x91, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		var batch eventBatch
		if rpc.Decode(data, &batch) != nil {
			return
		}
		events, err := fromWire(batch.Events)
		if err != nil {
			return
		}
		wire, err := toWire(events)
		if err != nil {
			t.Fatalf("events from the wire do not convert back: %v", err)
		}
		b, err := rpc.Encode(&eventBatch{Events: wire})
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		var again eventBatch
		if err := rpc.Decode(b, &again); err != nil {
			t.Fatalf("decode own encoding: %v", err)
		}
		back, err := fromWire(again.Events)
		if err != nil || len(back) != len(events) {
			t.Fatalf("second trip = %d events, %v; want %d", len(back), err, len(events))
		}
		for i := range back {
			if back[i].Index != events[i].Index || reflect.TypeOf(back[i].Payload) != reflect.TypeOf(events[i].Payload) {
				t.Fatalf("event %d changed over a second trip: %+v → %+v", i, events[i], back[i])
			}
		}
	})
}
