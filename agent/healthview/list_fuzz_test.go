package healthview

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/server/state"
)

// FuzzListApply drives a list with event sequences decoded from the
// input, as a server's stream could send them, and checks it against a
// map model: each published list holds exactly the model's instances, in
// sort order, and a published list never changes afterwards.
//
// Each input byte is one event: the top two bits pick the kind (instance,
// deregistration, end of snapshot, new snapshot), the rest the instance
// (node and ID out of a few, with case variants). A 0xFF byte ends a
// batch.
func FuzzListApply(f *testing.F) {
	f.Add([]byte{0x01, 0x02, 0x80, 0xFF, 0x41, 0xFF})
	f.Add([]byte{0x80, 0xFF, 0x03, 0x13, 0xFF, 0x43, 0xFF, 0xC0, 0x05, 0x80, 0xFF})
	f.Add([]byte{0x00, 0x20, 0x10, 0x30, 0x80, 0xFF, 0x60, 0x50, 0xFF})
	nodes := []string{"a", "A", "b", "B1"}
	ids := []string{"x", "X", "y"}
	f.Fuzz(func(t *testing.T, in []byte) {
		l := newList()
		model := map[string]state.CheckServiceNode{}    // what a reader should see once synced
		building := map[string]state.CheckServiceNode{} // the snapshot being received
		syncing := true
		type pub struct {
			list []state.CheckServiceNode
			sum  string
		}
		var pubs []pub
		var batch []state.Event
		idx := uint64(0)
		flush := func() {
			got, ok := l.apply(batch)
			batch = batch[:0]
			if syncing != l.syncing {
				t.Fatalf("list syncing %v, model %v", l.syncing, syncing)
			}
			if !ok {
				if !syncing {
					t.Fatal("a batch after the snapshot published nothing")
				}
				return
			}
			want := slices.Collect(maps.Values(model))
			slices.SortFunc(want, func(a, b state.CheckServiceNode) int {
				return strings.Compare(sortKey(a.Service.Node, a.Service.ID), sortKey(b.Service.Node, b.Service.ID))
			})
			if summary(got) != summary(want) {
				t.Fatalf("published %q, model %q", summary(got), summary(want))
			}
			pubs = append(pubs, pub{got, summary(got)})
		}
		for _, b := range in {
			if b == 0xFF {
				flush()
				continue
			}
			idx++
			node, id := nodes[int(b)%len(nodes)], ids[int(b>>2)%len(ids)]
			k := sortKey(node, id)
			target := model
			if syncing {
				target = building
			}
			switch b >> 6 {
			case 0:
				c := csn(node, id, []string{"passing", "critical"}[int(b>>4)&1])
				batch = append(batch, ev(idx, c))
				target[k] = c
			case 1:
				batch = append(batch, ev(idx, state.ServiceDeregistered{Node: node, ServiceID: id}))
				delete(target, k)
			case 2:
				batch = append(batch, ev(idx, state.EndOfSnapshot{}))
				if syncing {
					model, syncing = building, false
				}
			case 3:
				batch = append(batch, ev(idx, state.NewSnapshotToFollow{}))
				building, syncing = map[string]state.CheckServiceNode{}, true
			}
		}
		flush()
		for _, p := range pubs {
			if summary(p.list) != p.sum {
				t.Fatalf("a published list changed from %q to %q", p.sum, summary(p.list))
			}
		}
	})
}
