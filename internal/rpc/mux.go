package rpc

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// A unary gRPC call opens a stream of its own: headers both ways, a
// trailer, and the stream's set-up and tear-down on both ends. For the
// small calls a busy client agent makes by the thousand (every KV write
// it forwards) that was more of the agent's CPU than the call's content.
//
// CallMultiplexed therefore sends calls over one long-lived stream per
// server (method muxMethod), each as a message with an ID; the server
// runs each on a worker (mux_server.go) and answers with the ID in any
// order. A call keeps a unary call's meaning: its token and forwarded
// mark, its deadline, cancellation when the caller stops waiting, and
// errors that come back as Call's do. The stream is FIFO, unlike separate
// calls, so a large message would hold up the others behind it: callers
// use it for small ones.

// muxMethod is the bidirectional stream that carries multiplexed calls.
const muxMethod = "Mux"

var muxDesc = &grpc.StreamDesc{StreamName: muxMethod, ServerStreams: true, ClientStreams: true}

// CallMultiplexed is Call over the stream the pool keeps to addr for
// small calls. A server from before multiplexed calls refuses the stream
// as an unknown method: its calls are then made as unary calls, and the
// stream is tried again after muxRetry. A call whose stream could not be
// opened was not sent, and is made as a unary call too, which reports
// (or outlives) whatever kept the stream from opening.
func (p *Pool) CallMultiplexed(ctx context.Context, addr, method string, req, resp any) error {
	ms, err := p.mux(addr)
	if err != nil {
		return p.Call(ctx, addr, method, req, resp)
	}
	err = ms.call(ctx, method, req, resp)
	if errors.Is(err, errMuxRefused) {
		return p.Call(ctx, addr, method, req, resp)
	}
	return err
}

// errMuxRefused fails the calls on a stream the server refused: none of
// them ran.
var errMuxRefused = errors.New("rpc: server does not take multiplexed calls")

// muxRetry is how long a server that refused the stream gets unary calls
// (it may be upgraded meanwhile).
const muxRetry = time.Minute

// muxSlot holds the stream to one server; opening it waits for the
// connection, so it has a lock of its own rather than the pool's.
type muxSlot struct {
	mu           sync.Mutex
	stream       *muxStream
	refusedUntil time.Time
}

func (s *muxSlot) refused() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusedUntil = time.Now().Add(muxRetry)
}

// mux returns an open multiplexed stream to addr, opening one if the last
// broke or the server asked to go away.
func (p *Pool) mux(addr string) (*muxStream, error) {
	p.mu.Lock()
	slot := p.muxes[addr]
	if slot == nil {
		slot = &muxSlot{}
		p.muxes[addr] = slot
	}
	p.mu.Unlock()
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if ms := slot.stream; ms != nil && ms.open() {
		return ms, nil
	}
	if time.Now().Before(slot.refusedUntil) {
		return nil, errMuxRefused
	}
	cc, err := p.conn(addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cs, err := cc.NewStream(ctx, muxDesc, "/"+serviceName+"/"+muxMethod)
	if err != nil {
		cancel()
		return nil, fromStatus(err)
	}
	ms := &muxStream{cs: cs, cancel: cancel, codec: p.codec, slot: slot,
		pending: map[uint64]chan muxResult{}, done: make(chan struct{})}
	go ms.receive()
	slot.stream = ms
	return ms, nil
}

// muxStream is one multiplexed stream: calls go out on it from any
// goroutine, and receive hands each answer to its caller.
type muxStream struct {
	cs     grpc.ClientStream
	cancel context.CancelFunc
	codec  msgpackCodec
	slot   *muxSlot

	sendMu sync.Mutex // gRPC allows one sender at a time

	mu      sync.Mutex
	pending map[uint64]chan muxResult
	lastID  uint64
	leaving bool  // the server is stopping: no new calls here
	err     error // why the stream ended, once it has

	done chan struct{} // closed when receive returns
}

// muxResult is what a caller gets: the server's answer, or why the
// stream ended before it.
type muxResult struct {
	answer *muxAnswer
	err    error
}

func (ms *muxStream) open() bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return !ms.leaving && ms.err == nil
}

func (ms *muxStream) call(ctx context.Context, method string, req, resp any) error {
	body, err := ms.codec.encode(req)
	if err != nil {
		return err
	}
	c := &muxCall{Method: method, Body: body}
	if md, ok := metadata.FromOutgoingContext(ctx); ok {
		c.Token = last(md.Get(tokenKey))
		c.Proof = last(md.Get(forwardedKey))
	}
	if deadline, ok := ctx.Deadline(); ok {
		c.Timeout = max(int64(time.Until(deadline)), 1)
	}
	ch := make(chan muxResult, 1)
	if c.ID, err = ms.add(ch); err != nil {
		return err
	}
	if err := ms.send(c); err != nil {
		ms.remove(c.ID)
		return err
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return r.err
		}
		if r.answer.Code != codes.OK {
			return fromStatus(status.Error(r.answer.Code, r.answer.Message))
		}
		return ms.codec.decode(r.answer.Body, resp)
	case <-ctx.Done():
		if ms.remove(c.ID) {
			_ = ms.send(&muxCall{ID: c.ID, Cancel: true}) // the server may stop its work
		}
		return status.FromContextError(ctx.Err()).Err()
	}
}

func last(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// add registers a call's answer channel under a new ID.
func (ms *muxStream) add(ch chan muxResult) (uint64, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.err != nil {
		return 0, ms.err
	}
	ms.lastID++
	ms.pending[ms.lastID] = ch
	return ms.lastID, nil
}

// remove withdraws a call; it reports whether the call was still waiting.
func (ms *muxStream) remove(id uint64) bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	_, ok := ms.pending[id]
	delete(ms.pending, id)
	return ok
}

// send writes one message. A failed send means the stream ended; the
// error is then the one receive saw, as gRPC tells it there.
func (ms *muxStream) send(c *muxCall) error {
	ms.sendMu.Lock()
	err := ms.cs.SendMsg(c)
	ms.sendMu.Unlock()
	if err == nil {
		return nil
	}
	<-ms.done
	return ms.err
}

// receive hands answers to their callers until the stream ends, then
// fails the calls still waiting with the stream's error.
func (ms *muxStream) receive() {
	defer close(ms.done)
	for {
		a := new(muxAnswer)
		if err := ms.cs.RecvMsg(a); err != nil {
			ms.end(err)
			return
		}
		if a.ID == muxGoAway {
			ms.leave()
			continue
		}
		ms.mu.Lock()
		ch, ok := ms.pending[a.ID]
		delete(ms.pending, a.ID)
		ms.mu.Unlock()
		if ok {
			ch <- muxResult{answer: a}
		}
	}
}

// leave stops new calls on a stream whose server is stopping, and closes
// the stream's sending side, which lets the server end the stream once
// the calls in flight are answered.
func (ms *muxStream) leave() {
	ms.mu.Lock()
	ms.leaving = true
	ms.mu.Unlock()
	ms.sendMu.Lock()
	defer ms.sendMu.Unlock()
	_ = ms.cs.CloseSend()
}

// end records why the stream ended and fails every waiting call with it.
// A clean end (io.EOF) after leave still leaves calls unanswered if any
// were sent after the server stopped: they fail as unavailable, and are
// retried elsewhere as a call refused by a stopping server would be.
func (ms *muxStream) end(err error) {
	switch {
	case errors.Is(err, io.EOF):
		err = status.Error(codes.Unavailable, "rpc: server ended the multiplexed stream")
	case status.Code(err) == codes.Unimplemented:
		ms.slot.refused()
		err = errMuxRefused
	}
	err = fromStatus(err)
	ms.cancel()
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.err = err
	for id, ch := range ms.pending {
		ch <- muxResult{err: err}
		delete(ms.pending, id)
	}
}
