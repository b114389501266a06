package state

import (
	"sync"
	"time"
)

// lockDelays holds, per key, the time until which the key may not be
// locked again because the session that held it was destroyed. Like
// Consul, each server keeps them in memory and computes them when it
// applies the destruction; they are not replicated or snapshotted.
type lockDelays struct {
	mu        sync.Mutex
	until     map[string]time.Time
	sweepSize int // sweep expired entries when the map grows past this
}

// keyDelay is a lock delay recorded by a write transaction, applied when
// it commits.
type keyDelay struct {
	key   string
	delay time.Duration
}

// KVLockDelay returns the time until which key may not be locked, or the
// zero time when it may.
func (s *Store) KVLockDelay(key string) time.Time {
	return s.delays.get(key, time.Now())
}

func (d *lockDelays) get(key string, now time.Time) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.until[key]
	if !ok {
		return time.Time{}
	}
	if !now.Before(t) {
		delete(d.until, key)
		return time.Time{}
	}
	return t
}

// record applies the delays of a committed transaction, counted from now.
func (d *lockDelays) record(delays []keyDelay, now time.Time) {
	if len(delays) == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.until == nil {
		d.until = make(map[string]time.Time)
	}
	for _, kd := range delays {
		if t := now.Add(kd.delay); t.After(d.until[kd.key]) {
			d.until[kd.key] = t
		}
	}
	if len(d.until) > d.sweepSize {
		for k, t := range d.until {
			if !now.Before(t) {
				delete(d.until, k)
			}
		}
		d.sweepSize = max(64, 2*len(d.until))
	}
}
