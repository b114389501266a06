package userevent

import "sync"

// Capacity is how many events an agent remembers.
const Capacity = 256

// Buffer is a ring of the last Capacity events. It is safe for concurrent
// use.
type Buffer struct {
	mu     sync.Mutex
	events [Capacity]*Event
	next   int // slot of the next event
	count  int
	ltime  uint64
	notify chan struct{} // closed and replaced on every Add
}

// NewBuffer returns an empty buffer.
func NewBuffer() *Buffer { return &Buffer{notify: make(chan struct{})} }

// Add records an event, evicting the oldest when full, and wakes waiters.
// The buffer keeps the pointer: callers must not change the event after.
func (b *Buffer) Add(e *Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events[b.next] = e
	b.next = (b.next + 1) % Capacity
	b.count = min(b.count+1, Capacity)
	b.ltime = max(b.ltime, e.LTime)
	close(b.notify)
	b.notify = make(chan struct{})
}

// NextLTime returns the Lamport time for an event fired here: one past the
// highest this buffer has seen.
func (b *Buffer) NextLTime() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ltime++
	return b.ltime
}

// Has reports whether the buffer holds an event with this ID.
func (b *Buffer) Has(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.events {
		if e != nil && e.ID == id {
			return true
		}
	}
	return false
}

// List returns the events, oldest first, and a channel closed when the
// next one arrives. The events are shared: do not modify them.
func (b *Buffer) List() ([]*Event, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*Event, 0, b.count)
	start := (b.next - b.count + Capacity) % Capacity
	for i := range b.count {
		out = append(out, b.events[(start+i)%Capacity])
	}
	return out, b.notify
}
