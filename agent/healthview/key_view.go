package healthview

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/agent/dnsview"
	"github.com/pylonmesh/pylon/server/state"
)

// key names one view: a service's instances, or its mesh endpoints.
type key struct {
	connect bool
	name    string // lower case
}

func (k key) topic() string {
	if k.connect {
		return state.TopicServiceHealthConnect
	}
	return state.TopicServiceHealth
}

// Resubscribe backoff after a failed subscription.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// result is one published state of a key's list. It is never changed;
// changed is closed when a newer result replaces it.
type result struct {
	nodes   []state.CheckServiceNode
	index   uint64
	changed chan struct{}
}

// keyView holds the list of one key, kept current by its run goroutine.
// Readers only load cur.
type keyView struct {
	key      key
	created  time.Time                            // bounds the wait for the first snapshot
	cur      atomic.Pointer[result]               // nil until the first snapshot
	ready    chan struct{}                        // closed once cur is set
	done     chan struct{}                        // closed when run returns
	lastUsed atomic.Int64                         // View.clock at the last Get
	waiters  dnsview.Pins                         // Gets waiting on the view: it is not idle
	live     atomic.Bool                          // the subscription is up
	behind   atomic.Pointer[func() time.Duration] // the live subscription's Behind, if it has one
	lostAt   atomic.Int64                         // unix ns when the subscription was last lost
	cancel   context.CancelFunc                   // stops run
}

func newKeyView(k key, cancel context.CancelFunc, now int64) *keyView {
	kv := &keyView{key: k, created: time.Now(), ready: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	kv.lastUsed.Store(now)
	kv.lostAt.Store(time.Now().UnixNano())
	return kv
}

// touch records a Get. It writes only when the coarse clock moved, so
// concurrent reads of a hot key do not contend on the cache line.
func (kv *keyView) touch(now int64) {
	if kv.lastUsed.Load() != now {
		kv.lastUsed.Store(now)
	}
}

// behindReporter is a subscription that knows how far its events may
// trail the leader (server.Subscription).
type behindReporter interface{ Behind() time.Duration }

// age is how far the view may trail the leader: while the subscription is
// up, what it reports (zero for the local store's), and otherwise the time
// since it was lost.
func (kv *keyView) age() time.Duration {
	if kv.live.Load() {
		if f := kv.behind.Load(); f != nil {
			return (*f)()
		}
		return 0
	}
	return max(time.Since(time.Unix(0, kv.lostAt.Load())), time.Nanosecond)
}

// setLive records the subscription going up or down.
func (kv *keyView) setLive(up bool) {
	if !up && kv.live.Load() {
		kv.lostAt.Store(time.Now().UnixNano())
	}
	kv.live.Store(up)
}

// first returns the current result. Before the first snapshot it waits
// for it until timeout after the view was created (so only the first Gets
// of a key ever wait) or ctx ends. It returns nil when there is none, and
// false when the view was dropped as idle before the wait began (the
// caller starts a new one).
func (kv *keyView) first(ctx context.Context, timeout time.Duration) (*result, bool) {
	if r := kv.cur.Load(); r != nil {
		return r, true
	}
	remaining := timeout - time.Since(kv.created)
	if remaining <= 0 {
		return nil, true
	}
	if !kv.waiters.Pin() {
		return nil, false
	}
	defer kv.waiters.Unpin()
	t := time.NewTimer(remaining)
	defer t.Stop()
	select {
	case <-kv.ready:
	case <-kv.done:
	case <-t.C:
	case <-ctx.Done():
	}
	return kv.cur.Load(), true
}

// block waits, from r, until the result's index differs from minIndex,
// deadline passes, ctx ends or the view stops, and returns the result
// then current.
func (kv *keyView) block(ctx context.Context, r *result, minIndex uint64, deadline time.Time) *result {
	if !kv.waiters.Pin() {
		return r // dropped as idle just now: the next Get starts a new view
	}
	defer kv.waiters.Unpin()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for r.index == minIndex {
		select {
		case <-r.changed:
			r = kv.cur.Load()
		case <-t.C:
			return r
		case <-ctx.Done():
			return r
		case <-kv.done:
			return r
		}
	}
	return r
}

// publish swaps in a new list; the first call marks the view ready.
func (kv *keyView) publish(nodes []state.CheckServiceNode, index uint64) {
	old := kv.cur.Swap(&result{nodes: nodes, index: index, changed: make(chan struct{})})
	if old == nil {
		close(kv.ready)
		return
	}
	close(old.changed)
}

// run follows the key's events until ctx ends. It resubscribes from the
// last index when the subscription lags or the store is restored (a fresh
// snapshot then follows, and the old list is answered until it is
// complete), and after a backoff when the source failed (a server went
// away); meanwhile the list is answered as it was, growing older.
func (kv *keyView) run(ctx context.Context, src dnsview.Source, log *slog.Logger) {
	defer close(kv.done)
	defer kv.setLive(false)
	l := newList()
	backoff := minBackoff
	for ctx.Err() == nil {
		if l.syncing {
			l.reset() // no complete list to resume from: a plain snapshot follows
			l.index = 0
		}
		sub, err := src.Subscribe(ctx, state.SubscribeRequest{Topic: kv.key.topic(), Key: kv.key.name, Index: l.index})
		if err == nil {
			if b, ok := sub.(behindReporter); ok {
				f := b.Behind
				kv.behind.Store(&f)
			} else {
				kv.behind.Store(nil)
			}
			kv.setLive(true)
			var delivered bool
			delivered, err = kv.follow(ctx, sub, l)
			sub.Close()
			kv.setLive(false)
			if delivered {
				backoff = minBackoff
			}
		}
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, state.ErrSubscriptionLagged), errors.Is(err, state.ErrSubscriptionReset):
			log.Debug("health view resubscribing", "service", kv.key.name, "connect", kv.key.connect, "reason", err)
			backoff = minBackoff
			continue
		}
		log.Warn("health view subscription failed", "service", kv.key.name, "connect", kv.key.connect,
			"error", err, "retry_in", backoff)
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// follow applies the subscription's event batches, publishing after each
// one outside a snapshot. It returns Next's error and whether any batch
// came before it.
func (kv *keyView) follow(ctx context.Context, sub dnsview.Subscription, l *list) (delivered bool, err error) {
	for ; ; delivered = true {
		events, err := sub.Next(ctx)
		if err != nil {
			return delivered, err
		}
		if nodes, ok := l.apply(events); ok {
			kv.publish(nodes, l.index)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
