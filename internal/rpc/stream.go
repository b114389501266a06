package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
)

// ErrStopping ends the streams a server had open when it was stopped. A
// client that gets it (errors.Is) should call another server.
var ErrStopping = errors.New("rpc: server stopping")

func init() { RegisterError("rpc-stopping", ErrStopping) }

// HandleStream registers fn as the server-streaming method name: the
// client sends one request, fn sends any number of messages with send and
// its return ends the stream (nil as a clean end, an error as for Handle).
// fn must return once ctx ends: when the client goes away or the server
// stops. It panics on a duplicate name or after Serve, as Handle does.
func HandleStream[Req, Msg any](s *Server, name string, fn func(ctx context.Context, req *Req, send func(*Msg) error) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claim("HandleStream", name)
	s.streams = append(s.streams, grpc.StreamDesc{
		StreamName:    name,
		ServerStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			req := new(Req)
			ctx, done, err := s.openStream(stream, name, req)
			if err != nil {
				return err
			}
			defer done()
			err = fn(ctx, req, func(m *Msg) error { return stream.SendMsg(m) })
			switch {
			case s.stopCtx.Err() != nil:
				return toStatus(ErrStopping)
			case err != nil:
				return toStatus(err)
			}
			return nil
		},
	})
}

// openStream reads a stream's request into req and admits the call
// (SetAdmit); ctx, which done releases, ends with the stream, and at once
// when the server stops. An error is the handler's to return.
func (s *Server) openStream(stream grpc.ServerStream, name string, req any) (ctx context.Context, done func(), err error) {
	if err := stream.RecvMsg(req); err != nil {
		return nil, nil, err
	}
	if err := s.admitCall(stream.Context(), name); err != nil {
		return nil, nil, toStatus(err)
	}
	ctx, cancel := context.WithCancel(stream.Context())
	stop := context.AfterFunc(s.stopCtx, cancel)
	return ctx, func() {
		stop()
		cancel()
	}, nil
}

// ClientStream receives the messages of one server-streaming call. Recv is
// called from one goroutine; Close may be called from any, and must be
// called once the stream is no longer wanted.
type ClientStream[Msg any] struct {
	cs     grpc.ClientStream
	cancel context.CancelFunc
}

// Stream starts the server-streaming method on the server at addr with
// req. The stream lives until ctx ends, Close, or the server ends it.
func Stream[Req, Msg any](ctx context.Context, p *Pool, addr, method string, req *Req) (*ClientStream[Msg], error) {
	cc, err := p.conn(addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	desc := &grpc.StreamDesc{StreamName: method, ServerStreams: true}
	cs, err := cc.NewStream(ctx, desc, "/"+serviceName+"/"+method)
	if err != nil {
		cancel()
		return nil, fromStatus(err)
	}
	// io.EOF from SendMsg means the stream already ended; Recv gives why.
	if err := cs.SendMsg(req); err != nil && !errors.Is(err, io.EOF) {
		cancel()
		return nil, fromStatus(err)
	}
	if err := cs.CloseSend(); err != nil {
		cancel()
		return nil, fmt.Errorf("rpc: stream %s to %s: %w", method, addr, err)
	}
	return &ClientStream[Msg]{cs: cs, cancel: cancel}, nil
}

// Recv returns the next message. It returns io.EOF when the handler ended
// the stream cleanly; a handler's error as Call does (a *RemoteError
// wrapping its registered sentinel, e.g. ErrStopping); and a transport or
// cancellation error as gRPC reports it.
func (s *ClientStream[Msg]) Recv() (*Msg, error) {
	m := new(Msg)
	if err := s.cs.RecvMsg(m); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fromStatus(err)
	}
	return m, nil
}

// Close ends the stream; a blocked Recv returns. It is idempotent.
func (s *ClientStream[Msg]) Close() { s.cancel() }
