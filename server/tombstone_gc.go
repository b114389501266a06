package server

import (
	"context"
	"time"

	"github.com/pylonmesh/pylon/server/fsm"
)

// tombstoneGC decides when the leader reaps KV tombstones. At every tick
// it records the tombstones' index with the time; a tombstone is reaped
// once a record at or above its index is TombstoneTTL old, so no
// tombstone is reaped younger than the TTL. It is driven by one goroutine
// and holds no lock.
type tombstoneGC struct {
	ttl   time.Duration
	hints []gcHint // oldest first, indexes increasing
	// done is the highest index reaped up to. A reap that removed
	// something moves the tombstones' index to its own entry's index, so
	// the next round reaps once more and removes nothing (the store drops
	// the empty write), after which the index stays put: one spare entry
	// per round, and a tombstone written while a reap was in flight is
	// never missed.
	done uint64
}

// gcHint is the tombstones' index seen at one tick.
type gcHint struct {
	at    time.Time
	index uint64
}

// tick records index (the store's TombstoneIndex) at now and returns the
// index to reap up to, or 0 when nothing is old enough.
func (g *tombstoneGC) tick(now time.Time, index uint64) uint64 {
	if index > g.done && (len(g.hints) == 0 || index > g.hints[len(g.hints)-1].index) {
		g.hints = append(g.hints, gcHint{at: now, index: index})
	}
	cutoff := now.Add(-g.ttl)
	var upTo uint64
	for _, h := range g.hints {
		if h.at.After(cutoff) {
			break
		}
		upTo = h.index
	}
	return upTo
}

// reaped records that everything up to upTo was reaped.
func (g *tombstoneGC) reaped(upTo uint64) {
	g.done = max(g.done, upTo)
	i := 0
	for i < len(g.hints) && g.hints[i].index <= g.done {
		i++
	}
	g.hints = append(g.hints[:0], g.hints[i:]...)
}

// runTombstoneGC reaps tombstones through Raft until ctx ends. It runs on
// the leader only.
func (s *Server) runTombstoneGC(ctx context.Context) {
	g := &tombstoneGC{ttl: orDefault(s.cfg.TombstoneTTL, defaultTombstoneTTL)}
	t := time.NewTicker(orDefault(s.cfg.TombstoneTTLGranularity, defaultTombstoneTTLGranularity))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			upTo := g.tick(now, s.store.TombstoneIndex())
			if upTo == 0 {
				continue
			}
			if _, err := s.apply(ctx, fsm.TombstoneReapRequestType, &fsm.TombstoneReapRequest{UpTo: upTo}); err != nil {
				s.logger.Warn("reap tombstones", "up_to", upTo, "error", err)
				continue // the hints stay; the next tick tries again
			}
			g.reaped(upTo)
		}
	}
}
