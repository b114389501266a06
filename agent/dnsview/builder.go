package dnsview

import (
	"slices"
	"strings"

	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/state"
)

// instKey identifies an instance within one view.
type instKey struct {
	node      string // lower case: node names match case-insensitively
	serviceID string
}

// builder turns a subscription's events into instance lists. It is owned
// by one view goroutine. Lists it has published are shared with readers
// and never modified again: the first change after a publish copies the
// list (one memmove per event batch, not per event).
type builder struct {
	dc      string
	list    []dns.Instance  // the working list
	shared  bool            // list has been published; copy before changing
	pos     map[instKey]int // position of each instance in list
	syncing bool            // inside a snapshot: publish nothing until it ends
	index   uint64          // index of the last event applied, to resume from
}

func newBuilder(dc string) *builder {
	// A subscription from index 0 opens with a snapshot.
	return &builder{dc: dc, pos: make(map[instKey]int), syncing: true}
}

// apply applies a batch of events and returns the list to publish, or
// false when nothing is to be published yet.
func (b *builder) apply(events []state.Event) ([]dns.Instance, bool) {
	if b.syncing && b.list == nil {
		b.list = make([]dns.Instance, 0, len(events)) // a snapshot arrives in one batch
	}
	changed := false
	for i := range events {
		e := &events[i]
		b.index = max(b.index, e.Index)
		switch p := e.Payload.(type) {
		case state.NewSnapshotToFollow:
			b.reset()
		case state.EndOfSnapshot:
			b.syncing, changed = false, true
		case state.CheckServiceNode:
			if p.Service != nil {
				b.upsert(&p)
				changed = true
			}
		case state.ServiceDeregistered:
			changed = b.remove(instKey{strings.ToLower(p.Node), p.ServiceID}) || changed
		}
	}
	if !changed || b.syncing {
		return nil, false
	}
	b.shared = true
	return b.list, true
}

// reset starts over for a snapshot that replaces everything. The list
// readers have stays published until the snapshot is complete.
func (b *builder) reset() {
	b.list, b.shared, b.syncing = nil, false, true
	clear(b.pos)
}

// own makes list safe to change.
func (b *builder) own() {
	if b.shared {
		b.list = slices.Clone(b.list)
		b.shared = false
	}
}

func (b *builder) upsert(csn *state.CheckServiceNode) {
	b.own()
	inst := instanceOf(csn, b.dc)
	k := instKey{strings.ToLower(csn.Service.Node), csn.Service.ID}
	if i, ok := b.pos[k]; ok {
		b.list[i] = inst
		return
	}
	b.pos[k] = len(b.list)
	b.list = append(b.list, inst)
}

// remove drops an instance by moving the last one into its place, and
// reports whether it was there.
func (b *builder) remove(k instKey) bool {
	i, ok := b.pos[k]
	if !ok {
		return false
	}
	b.own()
	delete(b.pos, k)
	last := len(b.list) - 1
	if i != last {
		moved := b.list[last]
		b.list[i] = moved
		b.pos[instKey{strings.ToLower(moved.Node.Name), moved.ServiceID}] = i
	}
	b.list[last] = dns.Instance{} // release the records it refers to
	b.list = b.list[:last]
	return true
}
