package state

import "sync"

// defaultEventBufferSize is how many recent events are kept per topic and
// key. A subscriber that falls further behind must resubscribe.
const defaultEventBufferSize = 256

type bufferKey struct{ topic, key string } // key lowercased

// publisher holds one event buffer per topic and key that has subscribers.
// Writes skip building events for keys nobody follows. The map is guarded
// by Store.writeMu; each buffer has its own lock for its readers.
type publisher struct {
	size int
	bufs map[bufferKey]*eventBuffer
}

func newPublisher(size int) *publisher {
	return &publisher{size: size, bufs: make(map[bufferKey]*eventBuffer)}
}

// wants reports whether anyone follows topic and key.
func (p *publisher) wants(topic, key string) bool {
	if len(p.bufs) == 0 {
		return false
	}
	_, ok := p.bufs[bufferKey{topic, lower(key)}]
	return ok
}

// publish appends committed events to their buffers. It never blocks on
// subscribers.
func (p *publisher) publish(events []Event) {
	for _, e := range events {
		if b := p.bufs[bufferKey{e.Topic, lower(e.Key)}]; b != nil {
			b.append(e)
		}
	}
}

// buffer returns the buffer of topic and key, creating it with everything
// after index validFrom known (nothing has been published for it yet).
func (p *publisher) buffer(topic, key string, validFrom uint64) *eventBuffer {
	k := bufferKey{topic, lower(key)}
	b := p.bufs[k]
	if b == nil {
		b = &eventBuffer{size: p.size, validFrom: validFrom, notify: make(chan struct{})}
		p.bufs[k] = b
	}
	return b
}

// release drops one subscriber of a buffer and the buffer with its last.
func (p *publisher) release(topic, key string, b *eventBuffer) {
	b.subs--
	k := bufferKey{topic, lower(key)}
	if b.subs <= 0 && p.bufs[k] == b {
		delete(p.bufs, k)
	}
}

// reset ends every buffer (their subscribers get ErrSubscriptionReset).
func (p *publisher) reset() {
	for k, b := range p.bufs {
		b.close()
		delete(p.bufs, k)
	}
}

// eventBuffer is a bounded ring of the recent events of one topic and key.
// Events are numbered by a sequence that only grows; readers keep their
// position as a sequence number and wait on notify for more.
type eventBuffer struct {
	size int
	subs int // subscribers; guarded by Store.writeMu

	mu        sync.Mutex
	ring      []Event
	head      int    // ring position of the oldest event once full
	first     uint64 // sequence number of the oldest event held
	validFrom uint64 // every event with a higher Raft index is held
	notify    chan struct{}
	closed    bool
}

func (b *eventBuffer) append(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.ring) < b.size {
		b.ring = append(b.ring, e)
	} else {
		b.validFrom = max(b.validFrom, b.ring[b.head].Index)
		b.ring[b.head] = e
		b.head = (b.head + 1) % len(b.ring)
		b.first++
	}
	close(b.notify)
	b.notify = make(chan struct{})
}

func (b *eventBuffer) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.notify)
	}
}

// end is the sequence number the next event will get. b.mu must be held.
func (b *eventBuffer) end() uint64 { return b.first + uint64(len(b.ring)) }

// at returns the event with sequence number seq. b.mu must be held.
func (b *eventBuffer) at(seq uint64) Event {
	return b.ring[(b.head+int(seq-b.first))%len(b.ring)]
}

// read returns the events from sequence seq on whose index is above after,
// the next sequence to read and a channel closed when more arrive.
func (b *eventBuffer) read(seq, after uint64) ([]Event, uint64, <-chan struct{}, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, seq, nil, ErrSubscriptionReset
	}
	if seq < b.first {
		return nil, seq, nil, ErrSubscriptionLagged
	}
	var out []Event
	for ; seq < b.end(); seq++ {
		if e := b.at(seq); e.Index > after {
			out = append(out, e)
		}
	}
	return out, seq, b.notify, nil
}
