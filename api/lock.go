package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"
)

// Lock defaults, the same as Consul's client so that holders of either
// interoperate.
const (
	// DefaultLockSessionName names the session a Lock creates.
	DefaultLockSessionName = "Consul API Lock"

	// DefaultLockSessionTTL is the TTL of the session a Lock creates; the
	// Lock renews it every half TTL.
	DefaultLockSessionTTL = "15s"

	// DefaultLockWaitTime is how long one blocking read of the lock key
	// waits; it bounds how late a LockTryOnce attempt gives up.
	DefaultLockWaitTime = 15 * time.Second

	// DefaultLockRetryTime is the pause after an acquisition the server
	// refused although nobody held the key (its lock delay was running).
	DefaultLockRetryTime = 5 * time.Second

	// DefaultMonitorRetryTime is the pause between retries when watching a
	// held lock or semaphore fails with a 500 or a network error (see
	// MonitorRetries).
	DefaultMonitorRetryTime = 2 * time.Second

	// LockFlagValue marks a key used as a lock, so that a semaphore on the
	// same key is detected.
	LockFlagValue = 0x2ddccbc058a50c18
)

// Lock errors.
var (
	// ErrLockHeld is returned by Lock when this Lock already holds the
	// key, and by Destroy while it does.
	ErrLockHeld = errors.New("Lock already held")

	// ErrLockNotHeld is returned by Unlock when the lock is not held.
	ErrLockNotHeld = errors.New("Lock not held")

	// ErrLockInUse is returned by Destroy while a session holds the key.
	ErrLockInUse = errors.New("Lock in use")

	// ErrLockConflict is returned when the key exists with other flags
	// than LockFlagValue (it is not a lock, or it is a semaphore).
	ErrLockConflict = errors.New("Existing key does not match lock use")
)

// LockOptions configure a Lock. Only Key is required.
type LockOptions struct {
	Key string // the KV key to lock; needs write permission

	Value []byte // written to the key while the lock is held

	// Session is an existing session to lock with. When empty the Lock
	// creates one from SessionOpts, or from SessionName, SessionTTL and
	// LockDelay, renews it while held and destroys it on Unlock.
	Session     string
	SessionOpts *SessionEntry
	SessionName string // default DefaultLockSessionName
	SessionTTL  string // default DefaultLockSessionTTL

	// MonitorRetries is how many failed reads (500 or network error) in a
	// row the watch of a held lock rides out, MonitorRetryTime apart
	// (default DefaultMonitorRetryTime), before reporting the lock lost.
	// 0 reports it lost at the first failure.
	MonitorRetries   int
	MonitorRetryTime time.Duration

	// LockWaitTime bounds one blocking read while waiting for the key
	// (default DefaultLockWaitTime). With LockTryOnce, Lock gives up after
	// waiting that long once.
	LockWaitTime time.Duration
	LockTryOnce  bool

	// LockDelay is the lock delay of a created session (server default
	// 15s when 0).
	LockDelay time.Duration

	Namespace string `json:",omitempty"` // Enterprise only
}

// Lock is a mutex over one KV key, held by a session: the leader-election
// recipe. It is compatible on the wire with Consul's api.Lock (same key,
// flags and session use), so holders using either client exclude each
// other. A Lock is safe for concurrent use.
type Lock struct {
	c    *Client
	opts LockOptions

	mu      sync.Mutex
	held    bool     // guarded by mu
	session string   // guarded by mu; the session holding the key while held
	renew   *renewer // guarded by mu; non-nil while a created session is renewed
	monitor *watcher // guarded by mu; non-nil while held
}

// LockKey returns a Lock on key with the default options.
func (c *Client) LockKey(key string) (*Lock, error) {
	return c.LockOpts(&LockOptions{Key: key})
}

// LockOpts returns a Lock configured by opts (copied). Nothing is sent
// until Lock.
func (c *Client) LockOpts(opts *LockOptions) (*Lock, error) {
	if opts.Key == "" {
		return nil, errors.New("missing key")
	}
	o := *opts
	if o.SessionName == "" {
		o.SessionName = DefaultLockSessionName
	}
	if o.SessionTTL == "" {
		o.SessionTTL = DefaultLockSessionTTL
	} else if _, err := time.ParseDuration(o.SessionTTL); err != nil {
		return nil, fmt.Errorf("invalid SessionTTL: %w", err)
	}
	if o.MonitorRetryTime == 0 {
		o.MonitorRetryTime = DefaultMonitorRetryTime
	}
	if o.LockWaitTime == 0 {
		o.LockWaitTime = DefaultLockWaitTime
	}
	return &Lock{c: c, opts: o}, nil
}

// Lock blocks until the lock is acquired, stopCh is closed, or an error
// occurs. On success it returns a channel that is closed when the lock is
// lost (the session was invalidated, the key was released or deleted by
// someone else, or watching it failed) and after Unlock. A closed stopCh,
// or LockTryOnce waiting in vain, returns (nil, nil).
//
// As with Consul, a session bound to health checks favours liveness: the
// lock can be lost at any time and the holder must watch the channel.
func (l *Lock) Lock(stopCh <-chan struct{}) (<-chan struct{}, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return nil, ErrLockHeld
	}
	ctx, cancel := contextUntil(stopCh)
	defer cancel()
	session, renew, err := l.startSession(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil // stopped by the caller
		}
		return nil, err
	}
	acquired, err := l.acquire(ctx, session)
	if err != nil || !acquired {
		renew.stop()
		if ctx.Err() != nil {
			err = nil // stopped by the caller
		}
		return nil, err
	}
	l.held, l.session, l.renew = true, session, renew
	l.monitor = l.c.watch(l.opts.MonitorRetries, l.opts.MonitorRetryTime, func(ctx context.Context, idx uint64) (uint64, bool, error) {
		// Watch with consistent reads: a stale follower must not report
		// a lost lock as held.
		q := l.queryOpts(ctx, idx, 0)
		q.RequireConsistent = true
		pair, qm, err := l.c.KV().Get(l.opts.Key, q)
		if err != nil {
			return 0, false, err
		}
		return qm.LastIndex, pair != nil && pair.Session == session, nil
	})
	return l.monitor.lost, nil
}

// startSession returns the session to lock with: the configured one, or a
// new one renewed in the background (renew is nil for a configured one).
func (l *Lock) startSession(ctx context.Context) (string, *renewer, error) {
	if l.opts.Session != "" {
		return l.opts.Session, nil, nil
	}
	se := l.opts.SessionOpts
	if se == nil {
		se = &SessionEntry{Name: l.opts.SessionName, TTL: l.opts.SessionTTL, LockDelay: l.opts.LockDelay}
	}
	return l.c.startSession(ctx, se, l.writeOpts(ctx))
}

// acquire loops until session holds the key. It reports false, nil when
// the context ends or a LockTryOnce wait runs out.
func (l *Lock) acquire(ctx context.Context, session string) (bool, error) {
	kv := l.c.KV()
	deadline := time.Now().Add(l.opts.LockWaitTime)
	var idx uint64
	for first := true; ; first = false {
		wait := l.opts.LockWaitTime
		if l.opts.LockTryOnce {
			wait = time.Until(deadline)
			if !first && wait <= 0 {
				return false, nil
			}
		}
		pair, qm, err := kv.Get(l.opts.Key, l.queryOpts(ctx, idx, max(wait, time.Millisecond)))
		if err != nil {
			return false, fmt.Errorf("failed to read lock: %w", err)
		}
		if pair != nil && pair.Flags != LockFlagValue {
			return false, ErrLockConflict
		}
		switch {
		case pair != nil && pair.Session == session:
			return true, nil // already ours (a caller-provided session)
		case pair != nil && pair.Session != "":
			idx = qm.LastIndex // held by another: wait for a change
			continue
		}
		ok, _, err := kv.Acquire(l.entry(session), l.writeOpts(ctx))
		if err != nil {
			return false, fmt.Errorf("failed to acquire lock: %w", err)
		}
		if ok {
			return true, nil
		}
		// Refused while free: another contender won the race (wait for the
		// key to change) or the key's lock delay runs (pause, then retry).
		pair, qm, err = kv.Get(l.opts.Key, l.queryOpts(ctx, 0, 0))
		if err != nil {
			return false, fmt.Errorf("failed to read lock: %w", err)
		}
		if pair != nil && pair.Session != "" {
			idx = qm.LastIndex
			continue
		}
		if !sleepCtx(ctx, min(DefaultLockRetryTime, l.retryPause(deadline))) {
			return false, nil
		}
		idx = 0
	}
}

// retryPause is how long to pause before retrying a refused acquisition:
// DefaultLockRetryTime, cut short by a LockTryOnce deadline.
func (l *Lock) retryPause(deadline time.Time) time.Duration {
	if !l.opts.LockTryOnce {
		return DefaultLockRetryTime
	}
	return max(time.Until(deadline), 0)
}

// Unlock releases the lock and, when the Lock created the session,
// destroys it. The lost channel is closed on return.
func (l *Lock) Unlock() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return ErrLockNotHeld
	}
	l.held = false
	l.monitor.stop()
	l.monitor = nil
	defer func() {
		l.renew.stop()
		l.renew, l.session = nil, ""
	}()
	if _, _, err := l.c.KV().Release(l.entry(l.session), l.writeOpts(context.Background())); err != nil {
		return fmt.Errorf("failed to release lock: %w", err)
	}
	return nil
}

// Destroy deletes the lock key if nobody holds it. It is not needed for
// correctness; it tidies the KV store.
func (l *Lock) Destroy() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return ErrLockHeld
	}
	ctx := context.Background()
	pair, _, err := l.c.KV().Get(l.opts.Key, l.queryOpts(ctx, 0, 0))
	if err != nil {
		return fmt.Errorf("failed to read lock: %w", err)
	}
	if pair == nil {
		return nil
	}
	if pair.Flags != LockFlagValue {
		return ErrLockConflict
	}
	if pair.Session != "" {
		return ErrLockInUse
	}
	ok, _, err := l.c.KV().DeleteCAS(pair, l.writeOpts(ctx))
	if err != nil {
		return fmt.Errorf("failed to remove lock: %w", err)
	}
	if !ok {
		return ErrLockInUse
	}
	return nil
}

// entry is the lock key as written by session.
func (l *Lock) entry(session string) *KVPair {
	return &KVPair{Key: l.opts.Key, Value: l.opts.Value, Session: session, Flags: LockFlagValue}
}

func (l *Lock) queryOpts(ctx context.Context, idx uint64, wait time.Duration) *QueryOptions {
	q := &QueryOptions{WaitIndex: idx, WaitTime: wait, Namespace: l.opts.Namespace}
	return q.WithContext(ctx)
}

func (l *Lock) writeOpts(ctx context.Context) *WriteOptions {
	w := &WriteOptions{Namespace: l.opts.Namespace}
	return w.WithContext(ctx)
}

// IsRetryableError reports whether err is worth retrying later: a 500 from
// the server or a network error. Writes that failed this way may still
// have been applied, so retry only reads.
func IsRetryableError(err error) bool {
	if err == nil {
		return false
	}
	var se StatusError
	if errors.As(err, &se) {
		return se.Code == 500
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}
