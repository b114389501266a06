package agent

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/server/state"
)

// Every agent sends its own LAN network coordinate to the servers, which
// store it in the catalog for /v1/coordinate and ?near sorting. The
// interval grows with the pool so the servers get about
// coordinateRateTarget updates a second in all, never more often than
// coordinateMinInterval per agent (Consul's sync_coordinate_rate_target
// and sync_coordinate_interval_min), with a random stagger.
const (
	coordinateRateTarget  = 64.0
	coordinateMinInterval = 15 * time.Second
	// coordinateTestInterval replaces the minimum with TestTimings.
	coordinateTestInterval = 50 * time.Millisecond
	// coordinateTestPeriod is the server's batch period with TestTimings.
	coordinateTestPeriod = 20 * time.Millisecond
)

// coordinateSender is where the coordinate goes: the agent's own server,
// or the servers through server.Client.
type coordinateSender interface {
	CoordinateUpdate(ctx context.Context, u *state.Coordinate) error
}

// serverCoordinatePeriod is the server's coordinate batch period: Consul's
// default, or a short one with TestTimings.
func (a *Agent) serverCoordinatePeriod() time.Duration {
	if a.fast {
		return coordinateTestPeriod
	}
	return 0 // the server's default
}

// runCoordinateSync sends this node's coordinate until ctx ends. It does
// nothing without a LAN pool or with coordinates disabled in it.
func (a *Agent) runCoordinateSync(ctx context.Context, node string) {
	pool := a.lan.Load()
	if pool == nil {
		return
	}
	var to coordinateSender = a.client
	if a.server != nil {
		to = a.server
	}
	floor := coordinateMinInterval
	if a.fast {
		floor = coordinateTestInterval
	}
	for {
		wait := coordinateInterval(floor, pool.NumMembers())
		wait += rand.N(wait) // stagger so agents started together spread out
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		a.sendCoordinate(ctx, pool, to, node)
	}
}

// coordinateInterval is the wait between two updates of one agent in a
// pool of n members.
func coordinateInterval(floor time.Duration, n int) time.Duration {
	scaled := time.Duration(float64(n) / coordinateRateTarget * float64(time.Second))
	return max(floor, scaled)
}

// sendCoordinate sends the pool's current coordinate of this node once.
func (a *Agent) sendCoordinate(ctx context.Context, pool *gossip.Pool, to coordinateSender, node string) {
	c, err := pool.GetCoordinate()
	if err != nil {
		return // coordinates are disabled
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := &state.Coordinate{Node: node, Coord: &state.Coord{
		Vec: c.Vec, Error: c.Error, Adjustment: c.Adjustment, Height: c.Height}}
	if err := to.CoordinateUpdate(sctx, u); err != nil && ctx.Err() == nil {
		a.logger.Warn("coordinate update failed", "error", err)
	}
}
