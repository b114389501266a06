package gossip

import (
	"errors"
	"testing"
	"time"
)

func TestEveryMemberGetsACoordinate(t *testing.T) {
	pools := newCluster(t, 3, nil)
	for _, p := range pools {
		self, err := p.GetCoordinate()
		if err != nil || len(self.Vec) == 0 {
			t.Fatalf("own coordinate = %+v, %v", self, err)
		}
		for _, other := range pools {
			name := other.LocalMember().Name
			if name == p.LocalMember().Name {
				continue
			}
			var c *Coordinate
			waitFor(t, func() bool {
				var ok bool
				c, ok = p.GetCachedCoordinate(name)
				return ok
			}, "%s has a coordinate for %s", p.LocalMember().Name, name)
			rtt, err := RTT(self, c)
			if err != nil || rtt < 0 || rtt > time.Second {
				t.Fatalf("RTT on loopback = %v, %v", rtt, err)
			}
		}
	}
	if _, ok := pools[0].GetCachedCoordinate("nobody"); ok {
		t.Fatal("coordinate for an unknown member")
	}
}

func TestCoordinatesDisabled(t *testing.T) {
	p := newPool(t, "solo", func(c *Config) { c.DisableCoordinates = true })
	if _, err := p.GetCoordinate(); !errors.Is(err, ErrCoordinatesDisabled) {
		t.Fatalf("GetCoordinate = %v, want ErrCoordinatesDisabled", err)
	}
	if _, ok := p.GetCachedCoordinate("solo"); ok {
		t.Fatal("cached coordinate with coordinates disabled")
	}
}

func TestRTT(t *testing.T) {
	origin := &Coordinate{Vec: []float64{0, 0}}
	for _, tc := range []struct {
		name string
		a, b *Coordinate
		want time.Duration
		err  bool
	}{
		{"same point", origin, origin, 0, false},
		{"3-4-5", origin, &Coordinate{Vec: []float64{0.003, 0.004}}, 5 * time.Millisecond, false},
		{"heights add", origin, &Coordinate{Vec: []float64{0, 0}, Height: 0.001}, time.Millisecond, false},
		{"dimensions differ", origin, &Coordinate{Vec: []float64{0, 0, 0}}, 0, true},
		{"nil", origin, nil, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RTT(tc.a, tc.b)
			if tc.err {
				if !errors.Is(err, ErrIncompatibleCoordinates) {
					t.Fatalf("err = %v, want ErrIncompatibleCoordinates", err)
				}
				return
			}
			if err != nil || (got-tc.want).Abs() > time.Microsecond {
				t.Fatalf("RTT = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
