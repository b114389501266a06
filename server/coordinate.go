package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// Agents send their LAN network coordinate to the servers every so often
// (CoordinateUpdate). The leader keeps only the latest coordinate of each
// node and segment, and every CoordinateUpdatePeriod applies what it has
// collected to Raft in entries of CoordinateBatchSize updates, at most
// CoordinateMaxBatches of them per period; the rest is dropped, as in
// Consul, since the agents send again soon.

// Consul's defaults for the coordinate batching of the leader.
const (
	defaultCoordinatePeriod     = 5 * time.Second
	defaultCoordinateBatchSize  = 128
	defaultCoordinateMaxBatches = 5
)

// ErrInvalidCoordinate is a coordinate update without a node or with a
// coordinate that is not made of finite numbers.
var ErrInvalidCoordinate = errors.New("invalid coordinate update")

// coordinateQueue is the leader's pending coordinate updates.
type coordinateQueue struct {
	mu      sync.Mutex
	pending map[string]*state.Coordinate // by lowered node, NUL, segment; latest wins
}

// add queues u, replacing an earlier update of the same node and segment.
func (q *coordinateQueue) add(u *state.Coordinate) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending == nil {
		q.pending = make(map[string]*state.Coordinate)
	}
	q.pending[strings.ToLower(u.Node)+"\x00"+u.Segment] = u
}

// take empties the queue and returns what it held, ordered by node and
// segment.
func (q *coordinateQueue) take() []*state.Coordinate {
	q.mu.Lock()
	pending := q.pending
	q.pending = nil
	q.mu.Unlock()
	out := make([]*state.Coordinate, 0, len(pending))
	for _, u := range pending {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *state.Coordinate) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Node), strings.ToLower(b.Node)), cmp.Compare(a.Segment, b.Segment))
	})
	return out
}

// CoordinateUpdate hands a node's coordinate to the leader, which writes it
// with its next batch. It returns once the leader has queued it, not once
// it is applied. Updates of nodes not in the catalog are dropped when the
// batch applies.
func (s *Server) CoordinateUpdate(ctx context.Context, u *state.Coordinate) error {
	if u == nil || u.Node == "" || !u.Coord.Valid() {
		return ErrInvalidCoordinate
	}
	if _, done, err := forward[coordinateReq, indexResp](s, ctx, "Coordinate.Update", &coordinateReq{*u}); done {
		return err
	}
	if !s.IsLeader() {
		return s.notLeader(nil)
	}
	c := *u
	s.coords.add(&c)
	return nil
}

// startCoordinateFlush is a leader duty: apply the queued coordinate
// updates every period.
func (s *Server) startCoordinateFlush(ctx context.Context) {
	period := s.cfg.CoordinateUpdatePeriod
	if period <= 0 {
		period = defaultCoordinatePeriod
	}
	s.dutiesWG.Add(1)
	go func() {
		defer s.dutiesWG.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.flushCoordinates(ctx); err != nil {
					s.logger.Warn("coordinate batch update failed", "error", err)
				}
			}
		}
	}()
}

// flushCoordinates applies the queued updates in batches.
func (s *Server) flushCoordinates(ctx context.Context) error {
	updates := s.coords.take()
	if len(updates) == 0 {
		return nil
	}
	size, batches := s.cfg.CoordinateBatchSize, s.cfg.CoordinateMaxBatches
	if size <= 0 {
		size = defaultCoordinateBatchSize
	}
	if batches <= 0 {
		batches = defaultCoordinateMaxBatches
	}
	limit := size * batches
	if len(updates) > limit {
		s.logger.Warn("discarded coordinate updates", "count", len(updates)-limit)
		updates = updates[:limit]
	}
	for batch := range slices.Chunk(updates, size) {
		if _, err := s.apply(ctx, fsm.CoordinateBatchType, &fsm.CoordinateBatchRequest{Updates: batch}); err != nil {
			return fmt.Errorf("apply %d coordinates: %w", len(batch), err)
		}
	}
	return nil
}

// ServerCoordinates returns the stored coordinates of this datacenter's
// servers, as the LAN pool lists them (only this server without a pool),
// ordered by node. A server without a coordinate yet is left out.
func (s *Server) ServerCoordinates() ([]*state.Coordinate, error) {
	names := []string{s.cfg.NodeName}
	if p := s.lan.Load(); p != nil {
		names = names[:0]
		for _, m := range p.Members() {
			if info, ok := asServer(m, s.cfg.Datacenter); ok {
				names = append(names, info.name)
			}
		}
	}
	var out []*state.Coordinate
	for _, n := range names {
		_, cs, err := s.store.NodeCoordinates(nil, n)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Segment == "" {
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b *state.Coordinate) int { return cmp.Compare(a.Node, b.Node) })
	return out, nil
}

type coordinateReq struct{ Update state.Coordinate }

// registerCoordinate serves coordinate updates from client agents and
// from followers forwarding them to the leader.
func (s *Server) registerCoordinate() {
	rpc.Handle(s.rpc, "Coordinate.Update", func(ctx context.Context, r *coordinateReq) (*indexResp, error) {
		if err := s.authorizeNode(ctx, r.Update.Node, true); err != nil {
			return nil, err
		}
		return &indexResp{}, s.CoordinateUpdate(forwarded(ctx), &r.Update)
	})
}

// CoordinateUpdate sends this client agent's coordinate to the servers.
func (c *Client) CoordinateUpdate(ctx context.Context, u *state.Coordinate) error {
	var resp indexResp
	return c.Call(ctx, "Coordinate.Update", &coordinateReq{*u}, &resp)
}

func init() {
	rpc.RegisterError("invalid-coordinate", ErrInvalidCoordinate)
}
