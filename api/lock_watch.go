package api

import (
	"context"
	"fmt"
	"time"
)

// This file holds what Lock and Semaphore share: the session they create
// and renew, and the watch that reports a held lock or slot lost.

// renewer keeps a session created by a Lock or Semaphore alive, and
// destroys it when stopped. A nil renewer (a caller-provided session)
// does nothing.
type renewer struct {
	c      *Client
	id     string
	done   chan struct{} // closed by stop
	exited chan struct{} // closed when the renewal loop returns
	err    error         // why the loop returned on its own; read after exited
}

// startSession creates a session from se and, when it has a TTL, renews
// it in the background. ctx bounds only the creation.
func (c *Client) startSession(ctx context.Context, se *SessionEntry, w *WriteOptions) (string, *renewer, error) {
	id, _, err := c.Session().Create(se, w.WithContext(ctx))
	if err != nil {
		return "", nil, fmt.Errorf("failed to create session: %w", err)
	}
	r := &renewer{c: c, id: id, done: make(chan struct{}), exited: make(chan struct{})}
	if se.TTL == "" {
		close(r.exited) // nothing to renew; stop destroys it
		r.err = errNoRenewal
		return id, r, nil
	}
	wo := &WriteOptions{Namespace: w.Namespace}
	go func() {
		defer close(r.exited)
		r.err = c.Session().RenewPeriodic(se.TTL, id, wo, r.done)
	}()
	return id, r, nil
}

// errNoRenewal marks a renewer whose session has no TTL.
var errNoRenewal = fmt.Errorf("session without TTL")

// stop ends the renewal and destroys the session (best effort).
func (r *renewer) stop() {
	if r == nil {
		return
	}
	close(r.done)
	<-r.exited
	if r.err != nil {
		// The loop did not destroy it on the way out.
		_, _ = r.c.Session().Destroy(r.id, nil)
	}
}

// watcher follows a held lock or semaphore slot with blocking reads and
// closes lost when it is gone, when reading fails past the retries, or
// when stopped.
type watcher struct {
	lost   chan struct{}
	cancel context.CancelFunc
}

// holdCheck reads the state once, blocking on idx, and reports the index
// to wait on next and whether the lock or slot is still held.
type holdCheck func(ctx context.Context, idx uint64) (next uint64, held bool, err error)

// watch starts a watcher. A retryable error (see IsRetryableError) is
// retried up to retries times in a row, retryWait apart.
func (c *Client) watch(retries int, retryWait time.Duration, check holdCheck) *watcher {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{lost: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(w.lost)
		var idx uint64
		failures := 0
		for {
			next, held, err := check(ctx, idx)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				if failures >= retries || !IsRetryableError(err) {
					return
				}
				failures++
				idx = 0
				if !sleepCtx(ctx, retryWait) {
					return
				}
				continue
			}
			if !held {
				return
			}
			failures = 0
			idx = nextIndex(idx, next)
		}
	}()
	return w
}

// stop ends the watch; lost is closed on return.
func (w *watcher) stop() {
	w.cancel()
	<-w.lost
}

// nextIndex is the WaitIndex for the next blocking read: the reply's
// index, restarted from 0 if it went backwards (a snapshot restore), and
// never 0 once a read returned.
func nextIndex(prev, got uint64) uint64 {
	if got < prev {
		return 0
	}
	return max(got, 1)
}

// contextUntil returns a context that ends when stopCh is closed (never
// for a nil stopCh) or when cancel is called.
func contextUntil(stopCh <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	if stopCh != nil {
		go func() {
			select {
			case <-stopCh:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}

// sleepCtx pauses for d; it reports false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
