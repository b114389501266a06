package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sync"
	"time"
)

// Semaphore defaults, the same as Consul's client.
const (
	// DefaultSemaphoreSessionName names the session a Semaphore creates.
	DefaultSemaphoreSessionName = "Consul API Semaphore"

	// DefaultSemaphoreSessionTTL is the TTL of the session a Semaphore
	// creates; it is renewed every half TTL.
	DefaultSemaphoreSessionTTL = "15s"

	// DefaultSemaphoreWaitTime bounds one blocking read of the prefix.
	DefaultSemaphoreWaitTime = 15 * time.Second

	// DefaultSemaphoreKey is the key under the prefix that records the
	// limit and the holders.
	DefaultSemaphoreKey = ".lock"

	// SemaphoreFlagValue marks the keys of a semaphore, so that a lock on
	// the same key is detected.
	SemaphoreFlagValue = 0xe0f69a2baa414de0
)

// Semaphore errors.
var (
	// ErrSemaphoreHeld is returned by Acquire when this Semaphore already
	// holds a slot, and by Destroy while it does.
	ErrSemaphoreHeld = errors.New("Semaphore already held")

	// ErrSemaphoreNotHeld is returned by Release without a slot.
	ErrSemaphoreNotHeld = errors.New("Semaphore not held")

	// ErrSemaphoreInUse is returned by Destroy while slots are held.
	ErrSemaphoreInUse = errors.New("Semaphore in use")

	// ErrSemaphoreConflict is returned when the prefix's .lock key exists
	// with other flags than SemaphoreFlagValue (a lock lives there).
	ErrSemaphoreConflict = errors.New("Existing key does not match semaphore use")
)

// SemaphoreOptions configure a Semaphore. Prefix and Limit are required.
type SemaphoreOptions struct {
	Prefix string // KV prefix of the semaphore; needs write permission
	Limit  int    // number of holders at once; all contenders must agree
	Value  []byte // written to this contender's key

	// Session is an existing session to contend with; when empty one is
	// created from SessionName and SessionTTL, renewed while held and
	// destroyed on Release.
	Session     string
	SessionName string // default DefaultSemaphoreSessionName
	SessionTTL  string // default DefaultSemaphoreSessionTTL

	// MonitorRetries and MonitorRetryTime work as in LockOptions.
	MonitorRetries   int
	MonitorRetryTime time.Duration

	// SemaphoreWaitTime bounds one blocking read (default
	// DefaultSemaphoreWaitTime). With SemaphoreTryOnce, Acquire gives up
	// after waiting that long once.
	SemaphoreWaitTime time.Duration
	SemaphoreTryOnce  bool

	Namespace string `json:",omitempty"` // Enterprise only
}

// Semaphore lets at most Limit holders in at once. Each contender writes a
// key <prefix>/<session> held by its session; <prefix>/.lock holds the
// JSON {"Limit":N,"Holders":{"<session>":true}} and is changed by
// check-and-set only. A holder whose contender key lost its session is
// dead and its slot is taken back. This is Consul's semaphore recipe and
// layout, so Pylon and Consul clients share one semaphore. A Semaphore is
// safe for concurrent use.
type Semaphore struct {
	c    *Client
	opts SemaphoreOptions

	mu      sync.Mutex
	held    bool     // guarded by mu
	session string   // guarded by mu; the contending session while held
	renew   *renewer // guarded by mu; non-nil while a created session is renewed
	monitor *watcher // guarded by mu; non-nil while held
}

// semaphoreLock is the JSON value of <prefix>/.lock.
type semaphoreLock struct {
	Limit   int
	Holders map[string]bool
}

// SemaphorePrefix returns a Semaphore at prefix with limit and the default
// options.
func (c *Client) SemaphorePrefix(prefix string, limit int) (*Semaphore, error) {
	return c.SemaphoreOpts(&SemaphoreOptions{Prefix: prefix, Limit: limit})
}

// SemaphoreOpts returns a Semaphore configured by opts (copied). Nothing
// is sent until Acquire.
func (c *Client) SemaphoreOpts(opts *SemaphoreOptions) (*Semaphore, error) {
	if opts.Prefix == "" {
		return nil, errors.New("missing prefix")
	}
	if opts.Limit <= 0 {
		return nil, errors.New("semaphore limit must be positive")
	}
	o := *opts
	if o.SessionName == "" {
		o.SessionName = DefaultSemaphoreSessionName
	}
	if o.SessionTTL == "" {
		o.SessionTTL = DefaultSemaphoreSessionTTL
	} else if _, err := time.ParseDuration(o.SessionTTL); err != nil {
		return nil, fmt.Errorf("invalid SessionTTL: %w", err)
	}
	if o.MonitorRetryTime == 0 {
		o.MonitorRetryTime = DefaultMonitorRetryTime
	}
	if o.SemaphoreWaitTime == 0 {
		o.SemaphoreWaitTime = DefaultSemaphoreWaitTime
	}
	return &Semaphore{c: c, opts: o}, nil
}

// Acquire blocks until a slot is taken, stopCh is closed, or an error
// occurs. On success it returns a channel closed when the slot is lost and
// after Release. A closed stopCh, or SemaphoreTryOnce waiting in vain,
// returns (nil, nil).
func (s *Semaphore) Acquire(stopCh <-chan struct{}) (<-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		return nil, ErrSemaphoreHeld
	}
	ctx, cancel := contextUntil(stopCh)
	defer cancel()
	session, renew, err := s.startSession(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil // stopped by the caller
		}
		return nil, err
	}
	ok, _, err := s.c.KV().Acquire(s.contenderEntry(session), s.writeOpts(ctx))
	if err == nil && !ok {
		err = errors.New("failed to make contender entry")
	}
	if err == nil {
		ok, err = s.takeSlot(ctx, session)
	}
	if err != nil || !ok {
		s.abandon(session, renew)
		if ctx.Err() != nil {
			err = nil
		}
		return nil, err
	}
	s.held, s.session, s.renew = true, session, renew
	s.monitor = s.c.watch(s.opts.MonitorRetries, s.opts.MonitorRetryTime, func(ctx context.Context, idx uint64) (uint64, bool, error) {
		// Watch with consistent reads: a stale follower must not report
		// a lost lock as held.
		q := s.queryOpts(ctx, idx, 0)
		q.RequireConsistent = true
		pairs, qm, err := s.c.KV().List(s.opts.Prefix, q)
		if err != nil {
			return 0, false, err
		}
		lock, err := s.decodeLock(s.findLock(pairs))
		if err != nil {
			return 0, false, err
		}
		pruneDeadHolders(lock, pairs)
		return qm.LastIndex, lock.Holders[session], nil
	})
	return s.monitor.lost, nil
}

func (s *Semaphore) startSession(ctx context.Context) (string, *renewer, error) {
	if s.opts.Session != "" {
		return s.opts.Session, nil, nil
	}
	se := &SessionEntry{Name: s.opts.SessionName, TTL: s.opts.SessionTTL}
	return s.c.startSession(ctx, se, s.writeOpts(ctx))
}

// takeSlot loops until session is one of the holders in the .lock key. It
// reports false, nil when the context ends or a SemaphoreTryOnce wait
// runs out.
func (s *Semaphore) takeSlot(ctx context.Context, session string) (bool, error) {
	kv := s.c.KV()
	deadline := time.Now().Add(s.opts.SemaphoreWaitTime)
	var idx uint64
	for first := true; ; first = false {
		wait := s.opts.SemaphoreWaitTime
		if s.opts.SemaphoreTryOnce {
			wait = time.Until(deadline)
			if !first && wait <= 0 {
				return false, nil
			}
		}
		pairs, qm, err := kv.List(s.opts.Prefix, s.queryOpts(ctx, idx, max(wait, time.Millisecond)))
		if err != nil {
			return false, fmt.Errorf("failed to read prefix: %w", err)
		}
		lockPair := s.findLock(pairs)
		lock, err := s.decodeLock(lockPair)
		if err != nil {
			return false, err
		}
		pruneDeadHolders(lock, pairs)
		if !lock.Holders[session] && len(lock.Holders) >= lock.Limit {
			idx = nextIndex(idx, qm.LastIndex) // full: wait for a change
			continue
		}
		lock.Holders[session] = true
		next, err := s.lockEntry(lock, lockPair)
		if err != nil {
			return false, err
		}
		ok, _, err := kv.CAS(next, s.writeOpts(ctx))
		if err != nil {
			return false, fmt.Errorf("failed to update lock: %w", err)
		}
		if ok {
			return true, nil
		}
		idx = 0 // lost a race on .lock: read it again at once
	}
}

// abandon undoes a failed Acquire: it removes the contender key and ends
// the session it created.
func (s *Semaphore) abandon(session string, renew *renewer) {
	_, _ = s.c.KV().Delete(s.contenderKey(session), s.writeOpts(context.Background()))
	renew.stop()
}

// Release gives the slot back: it removes this holder from the .lock key,
// deletes the contender key and, when the Semaphore created the session,
// destroys it. The lost channel is closed on return.
func (s *Semaphore) Release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.held {
		return ErrSemaphoreNotHeld
	}
	s.held = false
	s.monitor.stop()
	s.monitor = nil
	session, renew := s.session, s.renew
	s.session, s.renew = "", nil
	defer renew.stop()
	ctx := context.Background()
	if err := s.dropHolder(ctx, session); err != nil {
		return err
	}
	if _, err := s.c.KV().Delete(s.contenderKey(session), s.writeOpts(ctx)); err != nil {
		return fmt.Errorf("failed to remove contender entry: %w", err)
	}
	return nil
}

// dropHolder removes session from the holders of the .lock key, retrying
// on check-and-set races.
func (s *Semaphore) dropHolder(ctx context.Context, session string) error {
	kv := s.c.KV()
	key := s.lockKey()
	for {
		pair, _, err := kv.Get(key, s.queryOpts(ctx, 0, 0))
		if err != nil {
			return fmt.Errorf("failed to read lock: %w", err)
		}
		lock, err := s.decodeLock(pair)
		if err != nil {
			return err
		}
		if pair == nil || !lock.Holders[session] {
			return nil
		}
		delete(lock.Holders, session)
		next, err := s.lockEntry(lock, pair)
		if err != nil {
			return err
		}
		ok, _, err := kv.CAS(next, s.writeOpts(ctx))
		if err != nil {
			return fmt.Errorf("failed to update lock: %w", err)
		}
		if ok {
			return nil
		}
	}
}

// Destroy deletes the .lock key if no live holder remains. It is not
// needed for correctness; it tidies the KV store.
func (s *Semaphore) Destroy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		return ErrSemaphoreHeld
	}
	ctx := context.Background()
	pairs, _, err := s.c.KV().List(s.opts.Prefix, s.queryOpts(ctx, 0, 0))
	if err != nil {
		return fmt.Errorf("failed to read prefix: %w", err)
	}
	lockPair := s.findLock(pairs)
	if lockPair == nil {
		return nil
	}
	lock, err := s.decodeLock(lockPair)
	if err != nil {
		return err
	}
	pruneDeadHolders(lock, pairs)
	if len(lock.Holders) > 0 {
		return ErrSemaphoreInUse
	}
	ok, _, err := s.c.KV().DeleteCAS(lockPair, s.writeOpts(ctx))
	if err != nil {
		return fmt.Errorf("failed to remove semaphore: %w", err)
	}
	if !ok {
		return ErrSemaphoreInUse
	}
	return nil
}

func (s *Semaphore) lockKey() string { return path.Join(s.opts.Prefix, DefaultSemaphoreKey) }

func (s *Semaphore) contenderKey(session string) string { return path.Join(s.opts.Prefix, session) }

func (s *Semaphore) contenderEntry(session string) *KVPair {
	return &KVPair{Key: s.contenderKey(session), Value: s.opts.Value, Session: session, Flags: SemaphoreFlagValue}
}

// findLock returns the .lock pair among pairs, or nil.
func (s *Semaphore) findLock(pairs KVPairs) *KVPair {
	key := s.lockKey()
	for _, p := range pairs {
		if p.Key == key {
			return p
		}
	}
	return nil
}

// decodeLock reads the .lock pair; a missing one is an empty semaphore of
// this Semaphore's limit. A pair that is not a semaphore's, or whose
// limit differs from ours, is an error.
func (s *Semaphore) decodeLock(pair *KVPair) (*semaphoreLock, error) {
	if pair != nil && pair.Flags != SemaphoreFlagValue {
		return nil, ErrSemaphoreConflict
	}
	if pair == nil || pair.Value == nil {
		return &semaphoreLock{Limit: s.opts.Limit, Holders: map[string]bool{}}, nil
	}
	lock := &semaphoreLock{}
	if err := json.Unmarshal(pair.Value, lock); err != nil {
		return nil, fmt.Errorf("lock decoding failed: %w", err)
	}
	if lock.Limit != s.opts.Limit {
		return nil, fmt.Errorf("semaphore limit conflict (lock: %d, local: %d)", lock.Limit, s.opts.Limit)
	}
	if lock.Holders == nil {
		lock.Holders = map[string]bool{}
	}
	return lock, nil
}

// lockEntry is the .lock pair holding lock, to be written with a
// check-and-set against prev (nil: create only).
func (s *Semaphore) lockEntry(lock *semaphoreLock, prev *KVPair) (*KVPair, error) {
	b, err := json.Marshal(lock)
	if err != nil {
		return nil, fmt.Errorf("lock encoding failed: %w", err)
	}
	p := &KVPair{Key: s.lockKey(), Value: b, Flags: SemaphoreFlagValue}
	if prev != nil {
		p.ModifyIndex = prev.ModifyIndex
	}
	return p, nil
}

// pruneDeadHolders removes the holders whose contender key is gone or no
// longer held by their session.
func pruneDeadHolders(lock *semaphoreLock, pairs KVPairs) {
	alive := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		if p.Session != "" {
			alive[p.Session] = true
		}
	}
	for holder := range lock.Holders {
		if !alive[holder] {
			delete(lock.Holders, holder)
		}
	}
}

func (s *Semaphore) queryOpts(ctx context.Context, idx uint64, wait time.Duration) *QueryOptions {
	q := &QueryOptions{WaitIndex: idx, WaitTime: wait, Namespace: s.opts.Namespace}
	return q.WithContext(ctx)
}

func (s *Semaphore) writeOpts(ctx context.Context) *WriteOptions {
	w := &WriteOptions{Namespace: s.opts.Namespace}
	return w.WithContext(ctx)
}
