package gossip

import (
	"slices"
	"time"

	"github.com/hashicorp/serf/coordinate"
)

// Coordinate is a Vivaldi network coordinate, with the fields of Consul's
// /v1/coordinate endpoints. The distance between two coordinates estimates
// the round-trip time between their nodes.
type Coordinate struct {
	Vec        []float64
	Error      float64
	Adjustment float64
	Height     float64
}

// GetCoordinate returns this member's coordinate.
func (p *Pool) GetCoordinate() (*Coordinate, error) {
	if p.cfg.DisableCoordinates {
		return nil, ErrCoordinatesDisabled
	}
	c, err := p.serf.GetCoordinate()
	if err != nil {
		return nil, ErrCoordinatesDisabled
	}
	return fromSerfCoord(c), nil
}

// GetCachedCoordinate returns the last coordinate learned for the member
// name from probing it; false if there is none yet (or coordinates are
// disabled).
func (p *Pool) GetCachedCoordinate(name string) (*Coordinate, bool) {
	c, ok := p.serf.GetCachedCoordinate(name)
	if !ok || c == nil {
		return nil, false
	}
	return fromSerfCoord(c), true
}

// RTT estimates the round-trip time between the nodes of two coordinates.
// Coordinates of different dimensions, or with values that are not finite
// numbers, give ErrIncompatibleCoordinates.
func RTT(a, b *Coordinate) (time.Duration, error) {
	if a == nil || b == nil {
		return 0, ErrIncompatibleCoordinates
	}
	ca, cb := a.toSerf(), b.toSerf()
	if !ca.IsValid() || !cb.IsValid() || !ca.IsCompatibleWith(cb) {
		return 0, ErrIncompatibleCoordinates
	}
	return ca.DistanceTo(cb), nil
}

// fromSerfCoord copies a serf coordinate.
func fromSerfCoord(c *coordinate.Coordinate) *Coordinate {
	return &Coordinate{Vec: slices.Clone(c.Vec), Error: c.Error, Adjustment: c.Adjustment, Height: c.Height}
}

// toSerf copies c into serf's type.
func (c *Coordinate) toSerf() *coordinate.Coordinate {
	return &coordinate.Coordinate{Vec: slices.Clone(c.Vec), Error: c.Error, Adjustment: c.Adjustment, Height: c.Height}
}
