package rpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// serviceName is the one gRPC service all methods belong to.
const serviceName = "pylon.RPC"

// Server serves registered methods. Register every method with Handle
// before Serve.
type Server struct {
	mu      sync.Mutex
	methods []grpc.MethodDesc
	streams []grpc.StreamDesc // HandleStream (stream.go)
	names   map[string]bool
	unary   map[string]unaryHandler // the methods again, for multiplexed calls (mux_server.go)
	codec   msgpackCodec
	muxJobs chan func() // to idle workers of multiplexed calls
	// admit, if set, judges every call before its handler runs (SetAdmit).
	admit func(ctx context.Context, method string) error
	// noMux leaves the multiplexed stream out, as servers before it had
	// it (tests of the fallback to unary calls).
	noMux bool
	grpc  *grpc.Server

	// stopCtx is cancelled by Stop; it ends the open streams' handlers.
	stopCtx    context.Context
	stopCancel context.CancelFunc
}

// NewServer returns a server with no methods.
func NewServer() *Server {
	s := &Server{names: map[string]bool{muxMethod: true}, unary: map[string]unaryHandler{}, codec: newCodec(), muxJobs: make(chan func())}
	s.stopCtx, s.stopCancel = context.WithCancel(context.Background())
	return s
}

// Handle registers fn as method name. It panics on a duplicate name or
// after Serve: both are programming errors.
func Handle[Req, Resp any](s *Server, name string, fn func(ctx context.Context, req *Req) (*Resp, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claim("Handle", name)
	h := func(ctx context.Context, dec func(any) error) (any, error) {
		req := new(Req)
		if err := dec(req); err != nil {
			return nil, err
		}
		if err := s.admitCall(ctx, name); err != nil {
			return nil, toStatus(err)
		}
		resp, err := fn(ctx, req)
		if err != nil {
			return nil, toStatus(err)
		}
		return resp, nil
	}
	s.unary[name] = h
	s.methods = append(s.methods, grpc.MethodDesc{
		MethodName: name,
		Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			return h(ctx, dec)
		},
	})
}

// SetAdmit makes admit judge every call, unary or streaming, before its
// handler runs: an error refuses the call as the handler's own would (a
// server's request limits). Set it before Serve.
func (s *Server) SetAdmit(admit func(ctx context.Context, method string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.admit = admit
}

// admitCall runs the admit function, if any, for a call to method.
func (s *Server) admitCall(ctx context.Context, method string) error {
	if s.admit == nil { // fixed since Serve
		return nil
	}
	return s.admit(ctx, method)
}

// claim takes a method name for a handler registered by how (s.mu held).
// A duplicate name, or a registration after Serve, is a programming error:
// it panics.
func (s *Server) claim(how, name string) {
	if s.grpc != nil {
		panic("rpc: " + how + " after Serve: " + name)
	}
	if s.names[name] {
		panic("rpc: duplicate method " + name)
	}
	s.names[name] = true
}

// MaxMessageSize bounds a call's request and answer, and a stream's
// message. A forwarded HTTP request carries its body whole (an agent
// accepts up to 64 MiB in one message; snapshots stream in parts) and its
// answer whole, which for a large catalog read is well over gRPC's
// default of 4 MiB.
const MaxMessageSize = 80 << 20

// streamWorkers is how many goroutines serve calls and are kept between
// them. A call a new goroutine serves grows that goroutine's stack from
// scratch (a forwarded HTTP request runs deep), which cost a write on the
// leader 5% of its CPU; a kept worker has grown its stack already. Calls
// beyond the busy workers still get goroutines of their own.
const streamWorkers = 64

// Flow-control windows of every connection, both ways. Fixed windows turn
// off gRPC's bandwidth estimation, which otherwise pings the peer for a
// round trip sample as data flows: on a busy connection that is frames to
// write and answer all the time. 4 MiB per stream keeps a 100 ms WAN round
// trip at 40 MB/s.
const (
	streamWindow = 4 << 20
	connWindow   = 16 << 20
)

// Serve answers calls on ln until Stop. After Stop it returns at once: a
// server that fails to start stops its RPC server right after starting
// Serve's goroutine, and Stop, finding nothing served yet, could not end a
// Serve that began after it.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.grpc != nil {
		s.mu.Unlock()
		return errors.New("rpc: Serve called twice")
	}
	if s.stopCtx.Err() != nil {
		s.mu.Unlock()
		return nil
	}
	s.grpc = grpc.NewServer(grpc.ForceServerCodecV2(s.codec), grpc.NumStreamWorkers(streamWorkers),
		grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize),
		grpc.InitialWindowSize(streamWindow), grpc.InitialConnWindowSize(connWindow))
	s.grpc.RegisterService(&grpc.ServiceDesc{
		ServiceName: serviceName,
		HandlerType: (*any)(nil),
		Methods:     s.methods,
		Streams:     s.streamDescs(),
	}, struct{}{})
	g := s.grpc
	s.mu.Unlock()
	if err := g.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("rpc serve: %w", err)
	}
	return nil
}

func (s *Server) streamDescs() []grpc.StreamDesc {
	if s.noMux {
		return s.streams
	}
	return append(s.streams, grpc.StreamDesc{StreamName: muxMethod, Handler: s.serveMux, ServerStreams: true, ClientStreams: true})
}

// stopGrace bounds how long Stop waits for calls in flight.
const stopGrace = 5 * time.Second

// Stop ends Serve. Open streams end at once with ErrStopping; unary calls
// in flight get up to stopGrace to finish before their connections are
// closed.
func (s *Server) Stop() {
	s.stopCancel()
	s.mu.Lock()
	g := s.grpc
	s.mu.Unlock()
	if g == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.GracefulStop()
	}()
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		g.Stop()
		<-done
	}
}
