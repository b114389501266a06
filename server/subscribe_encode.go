package server

import (
	"sync"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

// A change to a service with many subscribers reaches each of their
// streams as the same event; encoding it once for all of them, rather
// than once per stream, is most of the server's cost of a fan-out.

// encodedEventsKept bounds the encoded events a server keeps: enough for
// the recent changes of every followed key and a large service's snapshot
// sent to many agents reconnecting at once.
const encodedEventsKept = 16384

// eventID identifies an event by what it refers to. Events of one change
// read from a key's buffer, and snapshot events of unchanged records, hold
// the same (immutable) records, so equal IDs mean equal encodings.
type eventID struct {
	topic, key string
	index      uint64
	kind       uint8
	node       *state.Node
	service    *state.Service
	checks     **state.HealthCheck // the checks slice's first element
	nChecks    int
	dereg      state.ServiceDeregistered
}

const (
	kindInstance uint8 = iota + 1
	kindDeregistered
	kindEndOfSnapshot
	kindNewSnapshot
)

func idOf(e state.Event) eventID {
	id := eventID{topic: e.Topic, key: e.Key, index: e.Index}
	switch p := e.Payload.(type) {
	case state.CheckServiceNode:
		id.kind, id.node, id.service, id.nChecks = kindInstance, p.Node, p.Service, len(p.Checks)
		if len(p.Checks) > 0 {
			id.checks = &p.Checks[0]
		}
	case state.ServiceDeregistered:
		id.kind, id.dereg = kindDeregistered, p
	case state.EndOfSnapshot:
		id.kind = kindEndOfSnapshot
	case state.NewSnapshotToFollow:
		id.kind = kindNewSnapshot
	}
	return id
}

// eventEncoder encodes events for the wire, keeping the latest encodings.
// Safe for concurrent use.
type eventEncoder struct {
	size int // entries kept

	mu   sync.Mutex
	m    map[eventID]*encodedEvent
	ring []eventID // insertion order, to drop the oldest; grows to size
	next int       // ring position of the next insertion once full
}

type encodedEvent struct {
	once sync.Once
	raw  rpc.Raw
	err  error
}

func newEventEncoder(size int) *eventEncoder {
	return &eventEncoder{size: size, m: make(map[eventID]*encodedEvent)}
}

// encode returns e's wire encoding, made by the first caller for e.
func (c *eventEncoder) encode(e state.Event) (rpc.Raw, error) {
	id := idOf(e)
	c.mu.Lock()
	ent := c.m[id]
	if ent == nil {
		ent = &encodedEvent{}
		c.add(id, ent)
	}
	c.mu.Unlock()
	ent.once.Do(func() {
		w, err := toWireEvent(e)
		if err != nil {
			ent.err = err
			return
		}
		ent.raw, ent.err = rpc.Encode(&w)
	})
	return ent.raw, ent.err
}

// add inserts an entry, dropping the oldest when full. c.mu must be held.
func (c *eventEncoder) add(id eventID, ent *encodedEvent) {
	if len(c.ring) < c.size {
		c.ring = append(c.ring, id)
	} else {
		delete(c.m, c.ring[c.next])
		c.ring[c.next] = id
		c.next = (c.next + 1) % len(c.ring)
	}
	c.m[id] = ent
}
