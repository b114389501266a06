package api

import (
	"math"
	"net/http"
	"net/url"
	"time"
)

// Coord is a Vivaldi network coordinate. The distance between the
// coordinates of two nodes estimates the round-trip time between them, in
// seconds.
type Coord struct {
	Vec        []float64
	Error      float64
	Adjustment float64
	Height     float64
}

// CoordinateEntry is a node's coordinate in a network segment.
type CoordinateEntry struct {
	Node      string
	Segment   string
	Partition string `json:",omitempty"`
	Coord     *Coord
}

// CoordinateDatacenterMap holds the coordinates of a datacenter's servers
// in one network area ("wan" for the WAN pool).
type CoordinateDatacenterMap struct {
	Datacenter  string
	AreaID      string
	Coordinates []CoordinateEntry
}

// Coordinate reaches the /v1/coordinate endpoints.
type Coordinate struct {
	c *Client
}

// Coordinate returns a handle for the network coordinate endpoints.
func (c *Client) Coordinate() *Coordinate { return &Coordinate{c: c} }

// Datacenters lists the servers' coordinates of every known datacenter.
func (c *Coordinate) Datacenters() ([]*CoordinateDatacenterMap, error) {
	var out []*CoordinateDatacenterMap
	_, err := c.c.fetch(c.c.newRequest(http.MethodGet, "/v1/coordinate/datacenters"), &out)
	return out, err
}

// Nodes lists the LAN coordinates of every node of the datacenter.
func (c *Coordinate) Nodes(q *QueryOptions) ([]*CoordinateEntry, *QueryMeta, error) {
	var out []*CoordinateEntry
	qm, err := getWith(c.c, "/v1/coordinate/nodes", q, nil, &out)
	return out, qm, err
}

// Node lists the LAN coordinates of one node, one per network segment.
// A node without a coordinate gives an error with status 404.
func (c *Coordinate) Node(node string, q *QueryOptions) ([]*CoordinateEntry, *QueryMeta, error) {
	var out []*CoordinateEntry
	qm, err := getWith(c.c, "/v1/coordinate/node/"+url.PathEscape(node), q, nil, &out)
	return out, qm, err
}

// Update sets a node's LAN coordinate, which the servers store with their
// next batch of coordinate updates.
func (c *Coordinate) Update(coord *CoordinateEntry, q *WriteOptions) (*WriteMeta, error) {
	r := c.c.newRequest(http.MethodPut, "/v1/coordinate/update")
	r.setWriteOptions(q)
	r.body = coord
	return c.c.exec(r, nil)
}

// DistanceTo estimates the round-trip time between the nodes of c and o:
// the Euclidean distance of their vectors plus both heights, plus both
// adjustments when that stays positive (the Vivaldi model). ok is false
// when either is nil or their dimensions differ.
func (c *Coord) DistanceTo(o *Coord) (rtt time.Duration, ok bool) {
	if c == nil || o == nil || len(c.Vec) != len(o.Vec) {
		return 0, false
	}
	var sum float64
	for i := range c.Vec {
		d := c.Vec[i] - o.Vec[i]
		sum += d * d
	}
	dist := math.Sqrt(sum) + c.Height + o.Height
	if adjusted := dist + c.Adjustment + o.Adjustment; adjusted > 0 {
		dist = adjusted
	}
	return time.Duration(dist * float64(time.Second)), true
}
