package server

import (
	"sync"
	"time"
)

// sessionTTLMultiplier is the grace the leader gives a TTL session: it is
// destroyed only after twice its TTL without a renewal, as in Consul.
const sessionTTLMultiplier = 2

// expiryRetry is how long the leader waits to try again when a TTL
// session's destruction could not be applied.
const expiryRetry = time.Second

// sessionTimers holds the leader's TTL timers, one time.AfterFunc per TTL
// session, so no goroutine waits per session. The timers run only while
// active (while this server leads); expire is called, on a goroutine of
// its own, for a session whose timer ran out.
type sessionTimers struct {
	expire func(id string)

	mu     sync.Mutex
	active bool                 // guarded by mu
	timers map[string]*ttlTimer // guarded by mu
	// running counts expire calls in flight. Add happens under mu while
	// active, so deactivate can wait for them.
	running sync.WaitGroup
}

// ttlTimer is one session's timer. Its identity tells a callback whether
// it is still the current timer of its session.
type ttlTimer struct {
	t *time.Timer // set under sessionTimers.mu
}

func newSessionTimers(expire func(id string)) *sessionTimers {
	return &sessionTimers{expire: expire, timers: make(map[string]*ttlTimer)}
}

// activate lets timers run; the caller then resets one per TTL session.
func (st *sessionTimers) activate() {
	st.mu.Lock()
	st.active = true
	st.mu.Unlock()
}

// deactivate stops every timer and waits for expiries in flight. Resets
// are ignored until the next activate.
func (st *sessionTimers) deactivate() {
	st.mu.Lock()
	st.active = false
	for id, tt := range st.timers {
		tt.t.Stop()
		delete(st.timers, id)
	}
	st.mu.Unlock()
	st.running.Wait()
}

// reset (re)starts the timer of session id to fire after d, when active.
func (st *sessionTimers) reset(id string, d time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.active {
		return
	}
	if old, ok := st.timers[id]; ok {
		old.t.Stop()
	}
	tt := &ttlTimer{}
	tt.t = time.AfterFunc(d, func() { st.fire(id, tt) })
	st.timers[id] = tt
}

// fire runs when timer tt of session id runs out; a timer that was stopped
// or replaced in the meantime does nothing.
func (st *sessionTimers) fire(id string, tt *ttlTimer) {
	st.mu.Lock()
	if !st.active || st.timers[id] != tt {
		st.mu.Unlock()
		return
	}
	delete(st.timers, id)
	st.running.Add(1)
	st.mu.Unlock()
	defer st.running.Done()
	st.expire(id)
}

// stop removes the timer of session id, if any.
func (st *sessionTimers) stop(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if tt, ok := st.timers[id]; ok {
		tt.t.Stop()
		delete(st.timers, id)
	}
}

// has reports whether session id has a running timer.
func (st *sessionTimers) has(id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.timers[id]
	return ok
}

// count returns the number of running timers.
func (st *sessionTimers) count() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.timers)
}
