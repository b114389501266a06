package dnsview

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/state"
)

// viewKey names one view: a service's instances, or its mesh endpoints.
type viewKey struct {
	connect bool
	name    string // lower case
}

func (k viewKey) topic() string {
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

// serviceView holds the instances of one name, kept current by its run
// goroutine. Readers only load insts.
type serviceView struct {
	key      viewKey
	created  time.Time                      // bounds the wait for the first snapshot
	insts    atomic.Pointer[[]dns.Instance] // nil until the first snapshot; the slice is never modified
	ready    chan struct{}                  // closed once insts is set
	done     chan struct{}                  // closed when run returns
	lastUsed atomic.Int64                   // View.clock at the last query
	waiters  Pins                           // queries waiting for the first snapshot: it is not idle
	cancel   context.CancelFunc             // stops run
}

func newServiceView(k viewKey, cancel context.CancelFunc, now int64) *serviceView {
	sv := &serviceView{key: k, created: time.Now(), ready: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	sv.lastUsed.Store(now)
	return sv
}

// touch records a query. It writes only when the coarse clock moved, so
// concurrent queries of a hot name do not contend on the cache line.
func (sv *serviceView) touch(now int64) {
	if sv.lastUsed.Load() != now {
		sv.lastUsed.Store(now)
	}
}

// wait returns the current instances. Before the first snapshot it waits
// for it until timeout after the view was created, so only the first
// queries of a name ever wait. It returns false when the view was dropped
// as idle before the wait began (the caller starts a new one).
func (sv *serviceView) wait(timeout time.Duration) ([]dns.Instance, bool) {
	if p := sv.insts.Load(); p != nil {
		return *p, true
	}
	remaining := timeout - time.Since(sv.created)
	if remaining <= 0 {
		return nil, true
	}
	if !sv.waiters.Pin() {
		return nil, false
	}
	defer sv.waiters.Unpin()
	t := time.NewTimer(remaining)
	defer t.Stop()
	select {
	case <-sv.ready:
	case <-sv.done:
	case <-t.C:
	}
	if p := sv.insts.Load(); p != nil {
		return *p, true
	}
	return nil, true
}

// publish swaps in a new instance list; the first call marks the view
// ready.
func (sv *serviceView) publish(list []dns.Instance) {
	if sv.insts.Swap(&list) == nil {
		close(sv.ready)
	}
}

// run follows the name's events until ctx ends, resubscribing from the
// last seen index when the subscription lags or the store is restored
// (the store then sends a fresh snapshot, and the old list keeps being
// answered until it is complete), or, after a backoff, when the source
// failed (a server went away).
func (sv *serviceView) run(ctx context.Context, src Source, dc string, log *slog.Logger) {
	defer close(sv.done)
	b := newBuilder(dc)
	backoff := minBackoff
	for ctx.Err() == nil {
		if b.index == 0 {
			b.reset() // no index to resume from: a plain snapshot follows
		}
		sub, err := src.Subscribe(ctx, state.SubscribeRequest{Topic: sv.key.topic(), Key: sv.key.name, Index: b.index})
		if err == nil {
			var delivered bool
			delivered, err = sv.follow(ctx, sub, b)
			sub.Close()
			if delivered {
				backoff = minBackoff
			}
		}
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, state.ErrSubscriptionLagged), errors.Is(err, state.ErrSubscriptionReset):
			log.Debug("dns view resubscribing", "service", sv.key.name, "connect", sv.key.connect, "reason", err)
			backoff = minBackoff
			continue
		}
		log.Warn("dns view subscription failed", "service", sv.key.name, "connect", sv.key.connect,
			"error", err, "retry_in", backoff)
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// follow applies the subscription's event batches, publishing after each
// batch that changed the list. It returns Next's error and whether any
// batch came before it.
func (sv *serviceView) follow(ctx context.Context, sub Subscription, b *builder) (delivered bool, err error) {
	for ; ; delivered = true {
		events, err := sub.Next(ctx)
		if err != nil {
			return delivered, err
		}
		if list, ok := b.apply(events); ok {
			sv.publish(list)
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
