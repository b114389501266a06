package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/acl"
	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

// Every server, leader or follower, serves subscriptions to the change
// events of its own store: agents keep their views from them. A stream
// sends one batch per state.Subscription.Next; it ends with
// state.ErrSubscriptionLagged or state.ErrSubscriptionReset when the
// subscriber must subscribe again (from its last index, to any server),
// and with rpc.ErrStopping when the server stops.

// subscribeMethod is the stream's RPC name. Callers use Subscribe.
const subscribeMethod = "Subscribe"

// subscribeHeartbeat is how long a stream may stay silent: with no events
// for that long the server sends an empty batch, so the subscriber knows
// the stream is alive and how current this server is (LastContactMs).
var subscribeHeartbeat = 2 * time.Second

func init() {
	for name, err := range map[string]error{
		"subscription-lagged": state.ErrSubscriptionLagged, "subscription-reset": state.ErrSubscriptionReset,
		"unknown-topic": state.ErrUnknownTopic,
	} {
		rpc.RegisterError(name, err)
	}
}

// wireEvent is a state.Event on the wire. Payload is an interface, so
// each kind has its own field and exactly one is set.
type wireEvent struct {
	Topic               string
	Key                 string
	Index               uint64
	Instance            *state.CheckServiceNode    `codec:",omitempty"`
	Deregistered        *state.ServiceDeregistered `codec:",omitempty"`
	EndOfSnapshot       bool                       `codec:",omitempty"`
	NewSnapshotToFollow bool                       `codec:",omitempty"`
}

// eventBatch is one message of the stream: the events of one Next. The
// server sends it as a rawBatch, each event encoded once for every
// subscriber (subscribe_encode.go).
type eventBatch struct {
	Events []wireEvent
	// LastContactMs is how long the sending server had not heard from
	// its leader when it sent the batch: 0 on the leader.
	LastContactMs int64
}

// rawBatch is an eventBatch as the server sends it.
type rawBatch struct {
	Events        []rpc.Raw
	LastContactMs int64
}

// errBadEvent is an event that cannot be converted to or from the wire.
var errBadEvent = errors.New("event without a known payload")

func toWire(events []state.Event) ([]wireEvent, error) {
	out := make([]wireEvent, len(events))
	for i, e := range events {
		w, err := toWireEvent(e)
		if err != nil {
			return nil, err
		}
		out[i] = w
	}
	return out, nil
}

func toWireEvent(e state.Event) (wireEvent, error) {
	w := wireEvent{Topic: e.Topic, Key: e.Key, Index: e.Index}
	switch p := e.Payload.(type) {
	case state.CheckServiceNode:
		w.Instance = &p
	case state.ServiceDeregistered:
		w.Deregistered = &p
	case state.EndOfSnapshot:
		w.EndOfSnapshot = true
	case state.NewSnapshotToFollow:
		w.NewSnapshotToFollow = true
	default:
		return w, fmt.Errorf("subscribe: %T at index %d: %w", e.Payload, e.Index, errBadEvent)
	}
	return w, nil
}

func fromWire(batch []wireEvent) ([]state.Event, error) {
	out := make([]state.Event, len(batch))
	for i, w := range batch {
		e := state.Event{Topic: w.Topic, Key: w.Key, Index: w.Index}
		switch {
		case w.Instance != nil && w.Deregistered == nil && !w.EndOfSnapshot && !w.NewSnapshotToFollow:
			e.Payload = *w.Instance
		case w.Deregistered != nil && w.Instance == nil && !w.EndOfSnapshot && !w.NewSnapshotToFollow:
			e.Payload = *w.Deregistered
		case w.EndOfSnapshot && w.Instance == nil && w.Deregistered == nil && !w.NewSnapshotToFollow:
			e.Payload = state.EndOfSnapshot{}
		case w.NewSnapshotToFollow && w.Instance == nil && w.Deregistered == nil && !w.EndOfSnapshot:
			e.Payload = state.NewSnapshotToFollow{}
		default:
			return nil, fmt.Errorf("subscribe: wire event at index %d: %w", w.Index, errBadEvent)
		}
		out[i] = e
	}
	return out, nil
}

// registerSubscribe serves the Subscribe stream from this server's store.
func (s *Server) registerSubscribe() {
	enc := newEventEncoder(encodedEventsKept)
	rpc.HandleStream(s.rpc, subscribeMethod, func(ctx context.Context, req *state.SubscribeRequest, send func(*rawBatch) error) error {
		// The token is judged again before every batch and heartbeat
		// (resolutions are cached), so a stream whose token loses the
		// service ends within a heartbeat.
		authorize := func() (acl.Authorizer, error) {
			authz, err := s.callAuthorizer(ctx)
			if err == nil && authz != nil && !authz.ServiceRead(req.Key) {
				err = ErrPermissionDenied
			}
			return authz, err
		}
		lastContact := func() int64 { return min(s.LastContact(), time.Hour).Milliseconds() }
		return serveSubscription(ctx, s.store, enc, *req, authorize, lastContact, send)
	})
}

// serveSubscription sends the subscription's batches until it fails or
// ctx ends. Before each it asks authorize what the caller may read: an
// error ends the stream, and the instances on nodes the authorizer may not
// read are left out (a nil authorizer sends all).
func serveSubscription(ctx context.Context, store *state.Store, enc *eventEncoder, req state.SubscribeRequest,
	authorize func() (acl.Authorizer, error), lastContact func() int64, send func(*rawBatch) error) error {
	if _, err := authorize(); err != nil {
		return fmt.Errorf("subscribe %s %q: %w", req.Topic, req.Key, err)
	}
	sub, err := store.Subscribe(req)
	if err != nil {
		return err
	}
	defer sub.Close()
	for {
		next, cancel := context.WithTimeout(ctx, subscribeHeartbeat)
		events, err := sub.Next(next)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			if _, err := authorize(); err != nil {
				return fmt.Errorf("subscribe %s %q: %w", req.Topic, req.Key, err)
			}
			if err := send(&rawBatch{LastContactMs: lastContact()}); err != nil {
				return fmt.Errorf("subscribe %s %q: send heartbeat: %w", req.Topic, req.Key, err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("subscribe %s %q: %w", req.Topic, req.Key, err)
		}
		authz, err := authorize()
		if err != nil {
			return fmt.Errorf("subscribe %s %q: %w", req.Topic, req.Key, err)
		}
		batch := &rawBatch{Events: make([]rpc.Raw, 0, len(events)), LastContactMs: lastContact()}
		for _, e := range events {
			if csn, ok := e.Payload.(state.CheckServiceNode); ok && authz != nil && !authz.NodeRead(csn.Node.Node) {
				continue
			}
			raw, err := enc.encode(e)
			if err != nil {
				return err
			}
			batch.Events = append(batch.Events, raw)
		}
		if len(batch.Events) == 0 {
			continue
		}
		if err := send(batch); err != nil {
			return fmt.Errorf("subscribe %s %q: send: %w", req.Topic, req.Key, err)
		}
	}
}

// Subscription is a subscription served by a server over RPC. It has the
// contract of state.Subscription: Next from one goroutine, Close from any
// and always. Next also fails when the server goes away (rpc.ErrStopping
// or a transport error): subscribe again, to any server, from the index of
// the last event seen.
type Subscription struct {
	addr   string
	stream *rpc.ClientStream[eventBatch]
	failed func(addr string) // called when the server failed the stream; may be nil

	heard       atomic.Int64 // when the last batch came, in Unix nanoseconds
	lastContact atomic.Int64 // the server's LastContactMs in it
}

// Behind is how far the subscription's events may trail the leader: the
// time since its server had last heard from the leader, as the last
// batch said, plus any silence of the stream beyond two heartbeats (the
// server or the link may be stuck while the connection stays open).
func (sub *Subscription) Behind() time.Duration {
	heard := sub.heard.Load()
	if heard == 0 {
		return 0 // nothing received yet: the first batch comes at once
	}
	behind := time.Duration(sub.lastContact.Load()) * time.Millisecond
	if silent := time.Since(time.Unix(0, heard)); silent > 2*subscribeHeartbeat {
		behind += silent - subscribeHeartbeat
	}
	return behind
}

// subscribe opens a subscription on the server at addr through pool.
func subscribe(ctx context.Context, pool *rpc.Pool, addr string, req state.SubscribeRequest) (*Subscription, error) {
	st, err := rpc.Stream[state.SubscribeRequest, eventBatch](ctx, pool, addr, subscribeMethod, &req)
	if err != nil {
		return nil, fmt.Errorf("subscribe %s %q at %s: %w", req.Topic, req.Key, addr, err)
	}
	return &Subscription{addr: addr, stream: st}, nil
}

// Addr is the address of the server that serves the subscription.
func (sub *Subscription) Addr() string { return sub.addr }

// Next returns the next batch of events, waiting for one. When ctx ends
// the stream is closed and Next returns ctx's error.
func (sub *Subscription) Next(ctx context.Context) ([]state.Event, error) {
	stop := context.AfterFunc(ctx, sub.stream.Close)
	defer stop()
	for {
		batch, err := sub.stream.Recv()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // the server never ends a subscription cleanly
		}
		if err != nil {
			if sub.failed != nil && serverFailed(err) {
				sub.failed(sub.addr)
			}
			return nil, fmt.Errorf("subscription at %s: %w", sub.addr, err)
		}
		sub.lastContact.Store(batch.LastContactMs)
		sub.heard.Store(time.Now().UnixNano())
		if len(batch.Events) > 0 {
			return fromWire(batch.Events)
		}
		// A heartbeat: nothing changed.
	}
}

// Close ends the subscription; a blocked Next returns. It is idempotent.
func (sub *Subscription) Close() { sub.stream.Close() }

// serverFailed reports a stream that ended because its server went away
// (it stopped, or the connection broke), as opposed to an answer of the
// handler such as a lagged subscription.
func serverFailed(err error) bool {
	var remote *rpc.RemoteError
	return !errors.As(err, &remote) || errors.Is(err, rpc.ErrStopping)
}
