package state

import (
	"context"
	"fmt"
	"sync"
)

// Subscription delivers the events of one topic and key. Next is called
// from one goroutine; Close may be called from any, and must be called to
// release the subscription's buffer.
type Subscription struct {
	req     SubscribeRequest
	store   *Store
	buf     *eventBuffer
	seq     uint64  // next buffer sequence to read
	after   uint64  // only events with a higher index are delivered
	pending []Event // the opening snapshot, handed out by the first Next

	closeOnce sync.Once
	closed    chan struct{}
}

// Subscribe starts a subscription. A request with Index 0, or one whose
// events since Index are no longer buffered, first receives a snapshot of
// every current instance for the key followed by EndOfSnapshot (preceded
// by NewSnapshotToFollow when Index was not 0); otherwise it receives the
// events after Index.
func (s *Store) Subscribe(req SubscribeRequest) (*Subscription, error) {
	var connect bool
	switch req.Topic {
	case TopicServiceHealth:
	case TopicServiceHealthConnect:
		connect = true
	default:
		return nil, fmt.Errorf("subscribe %q: %w", req.Topic, ErrUnknownTopic)
	}
	if req.Key == "" {
		return nil, fmt.Errorf("subscribe %q: %w", req.Topic, ErrMissingService)
	}

	// Under writeMu no write is in flight: the read transaction holds every
	// committed event for the key and the buffer will get every later one.
	s.writeMu.Lock()
	tx := s.db.Load().Txn(false)
	keyIdx := serviceIndexTxn(tx, nil, req.Key, connect)
	buf := s.pub.buffer(req.Topic, req.Key, keyIdx)
	buf.subs++
	buf.mu.Lock()
	first, end, validFrom := buf.first, buf.end(), buf.validFrom
	buf.mu.Unlock()
	s.writeMu.Unlock()

	sub := &Subscription{req: req, store: s, buf: buf, closed: make(chan struct{})}
	if req.Index != 0 && req.Index >= validFrom && req.Index <= keyIdx {
		sub.seq, sub.after = first, req.Index
		return sub, nil
	}
	snap, err := checkServiceNodesTxn(tx, req.Key, connect)
	if err != nil {
		sub.Close()
		return nil, fmt.Errorf("subscribe %q %q: snapshot: %w", req.Topic, req.Key, err)
	}
	sub.seq, sub.after = end, keyIdx
	sub.pending = snapshotEvents(req, keyIdx, snap)
	return sub, nil
}

func snapshotEvents(req SubscribeRequest, idx uint64, snap []CheckServiceNode) []Event {
	out := make([]Event, 0, len(snap)+2)
	if req.Index != 0 {
		out = append(out, Event{Topic: req.Topic, Key: req.Key, Index: idx, Payload: NewSnapshotToFollow{}})
	}
	for _, csn := range snap {
		out = append(out, Event{Topic: req.Topic, Key: req.Key, Index: idx, Payload: csn})
	}
	return append(out, Event{Topic: req.Topic, Key: req.Key, Index: idx, Payload: EndOfSnapshot{}})
}

// Next returns the next events, waiting for at least one. It fails with
// ErrSubscriptionLagged when the subscriber fell too far behind and with
// ErrSubscriptionReset after a restore (subscribe again in both cases),
// with ErrSubscriptionClosed after Close, or with the context's error.
func (sub *Subscription) Next(ctx context.Context) ([]Event, error) {
	if sub.pending != nil {
		out := sub.pending
		sub.pending = nil
		return out, nil
	}
	for {
		select {
		case <-sub.closed:
			return nil, ErrSubscriptionClosed
		default:
		}
		out, seq, more, err := sub.buf.read(sub.seq, sub.after)
		if err != nil {
			return nil, err
		}
		sub.seq = seq
		if len(out) > 0 {
			return out, nil
		}
		select {
		case <-more:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-sub.closed:
			return nil, ErrSubscriptionClosed
		}
	}
}

// Close ends the subscription; a blocked Next returns. It is idempotent.
func (sub *Subscription) Close() {
	sub.closeOnce.Do(func() {
		close(sub.closed)
		sub.store.writeMu.Lock()
		sub.store.pub.release(sub.req.Topic, sub.req.Key, sub.buf)
		sub.store.writeMu.Unlock()
	})
}
