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

// unaryHandler runs a registered unary method: dec decodes the request,
// and a failure comes back as a gRPC status (toStatus).
type unaryHandler func(ctx context.Context, dec func(any) error) (any, error)

// serveMux serves one client's multiplexed stream (mux.go) until the
// client closes its side, which it does once the server asked it to go
// away, or the stream breaks.
func (s *Server) serveMux(_ any, stream grpc.ServerStream) error {
	if s.stopCtx.Err() != nil {
		return status.Error(codes.Unavailable, "rpc: server stopping")
	}
	m := &muxServer{srv: s, stream: stream, calls: map[uint64]context.CancelFunc{}}
	stop := context.AfterFunc(s.stopCtx, m.goAway)
	defer stop()
	err := m.receive()
	if err != nil {
		m.cancelAll() // nobody is left to answer
	}
	m.wg.Wait()
	m.sendMu.Lock()
	m.ended = true
	m.sendMu.Unlock()
	return err
}

// muxServer is the server's end of one multiplexed stream.
type muxServer struct {
	srv    *Server
	stream grpc.ServerStream
	wg     sync.WaitGroup // calls in flight

	mu    sync.Mutex
	calls map[uint64]context.CancelFunc

	sendMu sync.Mutex
	ended  bool // serveMux returned: the stream is gRPC's again
}

// receive starts each call on a worker (onWorker), until the client
// closes its side (nil) or the stream breaks.
func (m *muxServer) receive() error {
	for {
		c := new(muxCall)
		if err := m.stream.RecvMsg(c); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if c.Cancel {
			m.cancel(c.ID)
			continue
		}
		ctx, cancel := m.callContext(c)
		m.mu.Lock()
		m.calls[c.ID] = cancel
		m.mu.Unlock()
		m.wg.Add(1)
		m.srv.onWorker(func() { m.run(ctx, c) })
	}
}

// A call a new goroutine runs grows that goroutine's stack from scratch
// (a forwarded HTTP request runs deep): that cost the leader a tenth of
// its CPU under a write load. So multiplexed calls run on workers that
// are kept, with their grown stacks, between calls, as gRPC's stream
// workers do for unary calls. A call that finds no idle worker starts
// one; a worker idle for muxWorkerIdle ends, and all end with Stop.

const muxWorkerIdle = 10 * time.Second

// onWorker runs job on an idle worker, or on a new one.
func (s *Server) onWorker(job func()) {
	select {
	case s.muxJobs <- job:
	default:
		go s.muxWorker(job)
	}
}

func (s *Server) muxWorker(job func()) {
	idle := time.NewTimer(muxWorkerIdle)
	defer idle.Stop()
	for {
		job()
		idle.Reset(muxWorkerIdle)
		select {
		case job = <-s.muxJobs:
		case <-idle.C:
			return
		case <-s.stopCtx.Done():
			return
		}
	}
}

// callContext gives a call the context a unary call would have: the
// stream's peer, the call's token and mark as metadata, its deadline.
func (m *muxServer) callContext(c *muxCall) (context.Context, context.CancelFunc) {
	md := metadata.MD{}
	if c.Token != "" {
		md.Set(tokenKey, c.Token)
	}
	if c.Proof != "" {
		md.Set(forwardedKey, c.Proof)
	}
	ctx := metadata.NewIncomingContext(m.stream.Context(), md)
	if c.Timeout > 0 {
		return context.WithTimeout(ctx, time.Duration(c.Timeout))
	}
	return context.WithCancel(ctx)
}

func (m *muxServer) run(ctx context.Context, c *muxCall) {
	defer m.wg.Done()
	defer m.cancel(c.ID)
	a := &muxAnswer{ID: c.ID}
	resp, err := m.handle(ctx, c)
	if err == nil {
		a.Body, err = m.srv.codec.encode(resp)
	}
	if err != nil {
		st := status.Convert(err)
		a.Code, a.Message = st.Code(), st.Message()
	}
	m.send(a)
}

func (m *muxServer) handle(ctx context.Context, c *muxCall) (any, error) {
	h := m.srv.unary[c.Method] // fixed since Serve
	if h == nil {
		return nil, status.Errorf(codes.Unimplemented, "rpc: unknown method %q", c.Method)
	}
	return h(ctx, func(v any) error { return m.srv.codec.decode(c.Body, v) })
}

func (m *muxServer) cancel(id uint64) {
	m.mu.Lock()
	cancel := m.calls[id]
	delete(m.calls, id)
	m.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (m *muxServer) cancelAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, cancel := range m.calls {
		cancel()
		delete(m.calls, id)
	}
}

// goAway tells the client the server is stopping (Stop): it sends its
// next calls elsewhere and closes its side, and the stream ends once the
// calls in flight are answered.
func (m *muxServer) goAway() { m.send(&muxAnswer{ID: muxGoAway}) }

// send writes an answer; an answer the stream cannot take any more has
// nobody waiting for it.
func (m *muxServer) send(a *muxAnswer) {
	m.sendMu.Lock()
	defer m.sendMu.Unlock()
	if !m.ended {
		_ = m.stream.SendMsg(a)
	}
}
