package healthview

import (
	"slices"
	"strings"

	"github.com/pylonmesh/pylon/server/state"
)

// list turns a subscription's events into the health list of one key. It
// is owned by one view goroutine. The list is kept in the store's order
// (node, then service ID, case-insensitively), so a cached read lists what
// an uncached one does in the same order. A list it has published is
// shared with readers and never changed again: the first change after a
// publish copies it (one copy per event batch, not per event).
type list struct {
	nodes   []state.CheckServiceNode
	keys    []string // keys[i] is the sort key of nodes[i]; never published
	shared  bool     // nodes has been published; copy before changing
	syncing bool     // inside a snapshot: publish nothing until it ends
	index   uint64   // index of the last event applied, to resume from
}

func newList() *list {
	// A subscription from index 0 opens with a snapshot.
	return &list{syncing: true}
}

// sortKey orders instances as the store's service indexes do.
func sortKey(node, serviceID string) string {
	return strings.ToLower(node) + "\x00" + strings.ToLower(serviceID)
}

// apply applies a batch of events and returns the list to publish, or
// false when nothing is to be published yet (inside a snapshot).
func (l *list) apply(events []state.Event) ([]state.CheckServiceNode, bool) {
	for i := range events {
		e := &events[i]
		l.index = max(l.index, e.Index)
		switch p := e.Payload.(type) {
		case state.NewSnapshotToFollow:
			l.reset()
			l.index = e.Index // a restored store may be behind what we had
		case state.EndOfSnapshot:
			l.syncing = false
		case state.CheckServiceNode:
			if p.Service != nil {
				l.upsert(p)
			}
		case state.ServiceDeregistered:
			l.remove(sortKey(p.Node, p.ServiceID))
		}
	}
	if l.syncing {
		return nil, false
	}
	if l.nodes == nil {
		l.nodes = []state.CheckServiceNode{} // an empty list is an answer
	}
	l.shared = true
	return l.nodes, true
}

// reset starts over for a snapshot that replaces everything. The list
// readers have stays published until the snapshot is complete.
func (l *list) reset() {
	l.nodes, l.keys, l.shared, l.syncing = nil, nil, false, true
}

// own makes nodes safe to change.
func (l *list) own() {
	if l.shared {
		l.nodes = slices.Clone(l.nodes)
		l.shared = false
	}
}

func (l *list) upsert(csn state.CheckServiceNode) {
	k := sortKey(csn.Service.Node, csn.Service.ID)
	i, found := slices.BinarySearch(l.keys, k)
	l.own()
	if found {
		l.nodes[i] = csn
		return
	}
	l.keys = slices.Insert(l.keys, i, k)
	l.nodes = slices.Insert(l.nodes, i, csn)
}

func (l *list) remove(k string) {
	i, found := slices.BinarySearch(l.keys, k)
	if !found {
		return
	}
	l.own()
	l.keys = slices.Delete(l.keys, i, i+1)
	l.nodes = slices.Delete(l.nodes, i, i+1) // zeroes the freed slot
}
