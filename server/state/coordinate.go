package state

import (
	"fmt"
	"math"
	"slices"

	memdb "github.com/hashicorp/go-memdb"
)

// tableCoordinates holds the latest Vivaldi network coordinate of each
// node, per network segment ("" is the default segment).
const tableCoordinates = "coordinates"

// Coord is a Vivaldi network coordinate: a point in Vec's space plus a
// height, an adjustment and an error estimate. The distance between two
// coordinates estimates the round-trip time between their nodes.
type Coord struct {
	Vec        []float64
	Error      float64
	Adjustment float64
	Height     float64
}

// Valid reports whether every component of c is a finite number.
func (c *Coord) Valid() bool {
	if c == nil || len(c.Vec) == 0 {
		return false
	}
	for _, v := range c.Vec {
		if !finite(v) {
			return false
		}
	}
	return finite(c.Error) && finite(c.Adjustment) && finite(c.Height)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Coordinate is a node's coordinate in one network segment.
type Coordinate struct {
	Node    string
	Segment string
	Coord   *Coord
}

func coordinatesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableCoordinates, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: pairIndex[*Coordinate]{
			key: func(c *Coordinate) (string, string) { return c.Node, c.Segment }}},
	}}
}

// Coordinates returns every stored coordinate, ordered by node and
// segment, and the coordinates table index.
func (s *Store) Coordinates(ws memdb.WatchSet) (uint64, []*Coordinate, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableCoordinates)
	it, err := tx.Get(tableCoordinates, indexID)
	if err != nil {
		return 0, nil, fmt.Errorf("read coordinates: %w", err)
	}
	ws.Add(it.WatchCh())
	var out []*Coordinate
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*Coordinate))
	}
	return idx, out, nil
}

// NodeCoordinates returns the coordinates of one node (one per segment; none
// when it has none or is unknown) and the coordinates table index.
func (s *Store) NodeCoordinates(ws memdb.WatchSet, node string) (uint64, []*Coordinate, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableCoordinates)
	out, err := nodeCoordinatesTxn(tx, node)
	return idx, out, err
}

func nodeCoordinatesTxn(tx *memdb.Txn, node string) ([]*Coordinate, error) {
	it, err := tx.Get(tableCoordinates, indexIDPrefix, node)
	if err != nil {
		return nil, fmt.Errorf("read coordinates of %q: %w", node, err)
	}
	var out []*Coordinate
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*Coordinate))
	}
	return out, nil
}

// CoordinateBatchUpdate stores a batch of coordinates at Raft index idx.
// Updates for nodes that are not in the catalog, and updates without a
// valid coordinate, are skipped, as Consul does: a node's coordinate may
// arrive after the node left.
func (s *Store) CoordinateBatchUpdate(idx uint64, updates []*Coordinate) error {
	return s.write(idx, func(tx *writeTxn) error { return coordinateBatchTxn(tx, updates) })
}

func coordinateBatchTxn(tx *writeTxn, updates []*Coordinate) error {
	for _, u := range updates {
		if u == nil || !u.Coord.Valid() {
			continue
		}
		n, err := getNodeTxn(tx.Txn, u.Node)
		if err != nil {
			return fmt.Errorf("coordinate update for %q: %w", u.Node, err)
		}
		if n == nil {
			continue
		}
		c := &Coordinate{Node: n.Node, Segment: u.Segment, Coord: cloneCoord(u.Coord)}
		if err := tx.Insert(tableCoordinates, c); err != nil {
			return fmt.Errorf("coordinate update for %q: %w", u.Node, err)
		}
		tx.mark(changedCoordinates)
	}
	return nil
}

// deleteNodeCoordinatesTxn removes every coordinate of a node that leaves
// the catalog.
func deleteNodeCoordinatesTxn(tx *writeTxn, node string) error {
	num, err := tx.DeleteAll(tableCoordinates, indexIDPrefix, node)
	if err != nil {
		return fmt.Errorf("deregister node %q: coordinates: %w", node, err)
	}
	if num > 0 {
		tx.mark(changedCoordinates)
	}
	return nil
}

func cloneCoord(c *Coord) *Coord {
	out := *c
	out.Vec = slices.Clone(c.Vec)
	return &out
}

func (b *batch) CoordinateBatchUpdate(idx uint64, updates []*Coordinate) error {
	return b.apply(idx, func(tx *writeTxn) error { return coordinateBatchTxn(tx, updates) })
}

func (w lockedWriter) CoordinateBatchUpdate(idx uint64, updates []*Coordinate) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return coordinateBatchTxn(tx, updates) })
}

// restoreCoordinate restores one coordinate; its node comes earlier in the
// stream.
func restoreCoordinate(tx *memdb.Txn, body []byte) error {
	return restoreRecord(tx, body, tableCoordinates, func(tx *memdb.Txn, c *Coordinate) error {
		if !c.Coord.Valid() {
			return fmt.Errorf("%w: bad coordinate of node %q", ErrCorruptSnapshot, c.Node)
		}
		if n, err := getNodeTxn(tx, c.Node); err != nil || n == nil {
			return fmt.Errorf("%w: coordinate of unknown node %q", ErrCorruptSnapshot, c.Node)
		}
		return nil
	})
}

// DistanceTo estimates the round-trip time, in seconds, between the nodes
// of c and o: the Euclidean distance of their vectors plus both heights,
// plus both adjustments when that stays positive (Vivaldi, as serf
// computes it). ok is false when either is invalid or their dimensions
// differ.
func (c *Coord) DistanceTo(o *Coord) (seconds float64, ok bool) {
	if !c.Valid() || !o.Valid() || len(c.Vec) != len(o.Vec) {
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
	return dist, true
}
