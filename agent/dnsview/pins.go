package dnsview

import "sync/atomic"

// Pins counts the readers waiting on a view (for its first snapshot, or
// for a change), so the idle janitor spares it while they wait. Once the
// janitor has dropped the view (Evict) no reader may pin it: a reader that
// finds its view dropped starts a new one. Readers that only load the
// view's current answer never pin, so a hot view's reads share no writes.
// The health views (agent/healthview) use it too.
type Pins struct{ n atomic.Int32 }

// evictedMark is the count once the view has been dropped.
const evictedMark = -1

// Pin counts a reader about to wait; false if the view was dropped.
func (p *Pins) Pin() bool {
	for {
		n := p.n.Load()
		if n == evictedMark {
			return false
		}
		if p.n.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Unpin ends a Pin.
func (p *Pins) Unpin() { p.n.Add(-1) }

// Evict marks the view dropped, unless a reader is pinned to it.
func (p *Pins) Evict() bool { return p.n.CompareAndSwap(0, evictedMark) }

// Waiting is the number of pinned readers (for tests).
func (p *Pins) Waiting() int32 { return max(p.n.Load(), 0) }
