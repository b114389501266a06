package fsm

import (
	"encoding/json"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/state"
)

// BenchmarkCodec compares msgpack (used) with encoding/json for one
// registration round trip.
func BenchmarkCodec(b *testing.B) {
	reg := webReg("node-1")
	b.Run("msgpack", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			data, err := Encode(RegisterRequestType, reg)
			if err != nil {
				b.Fatal(err)
			}
			var out state.Registration
			if err := decode(data[1:], &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			data, err := json.Marshal(reg)
			if err != nil {
				b.Fatal(err)
			}
			var out state.Registration
			if err := json.Unmarshal(data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkApplyBatch applies batches of 64 registrations, as raft hands
// them over under load; ns/op is per entry.
func BenchmarkApplyBatch(b *testing.B) {
	f := newFSM(b)
	const size = 64
	logs := make([]*raft.Log, 0, size)
	for i := 0; i < b.N; i++ {
		reg := webReg("node-" + string(rune('a'+i%1000)))
		reg.Checks[0].Status = []string{state.HealthPassing, state.HealthCritical}[i/1000%2]
		logs = append(logs, entry(b, uint64(i+1), RegisterRequestType, reg))
		if len(logs) == size || i == b.N-1 {
			for _, r := range f.ApplyBatch(logs) {
				if r != nil {
					b.Fatal(r)
				}
			}
			logs = logs[:0]
		}
	}
}
