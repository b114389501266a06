package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
)

// Client-streaming calls carry uploads larger than one message, such as a
// snapshot to restore: the client sends a request, then parts in order,
// and the handler answers once.

// HandleUpload registers fn as the client-streaming method name. fn reads
// the parts with recv, which returns io.EOF after the last; it may answer
// before reading them all, and the client then stops sending. It panics on
// a duplicate name or after Serve, as Handle does.
func HandleUpload[Req, Part, Resp any](s *Server, name string, fn func(ctx context.Context, req *Req, recv func() (*Part, error)) (*Resp, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claim("HandleUpload", name)
	s.streams = append(s.streams, grpc.StreamDesc{
		StreamName:    name,
		ClientStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			req := new(Req)
			ctx, done, err := s.openStream(stream, name, req)
			if err != nil {
				return err
			}
			defer done()
			resp, err := fn(ctx, req, func() (*Part, error) {
				p := new(Part)
				if err := stream.RecvMsg(p); err != nil {
					return nil, err
				}
				return p, nil
			})
			if err != nil {
				return toStatus(err)
			}
			return stream.SendMsg(resp)
		},
	})
}

// Upload calls the client-streaming method on the server at addr: req,
// then every part next gives until it returns io.EOF, then the answer.
// A handler that answers before the last part ends the upload early. An
// error of next ends the call with that error.
func Upload[Req, Part, Resp any](ctx context.Context, p *Pool, addr, method string, req *Req, next func() (*Part, error)) (*Resp, error) {
	cc, err := p.conn(addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx) // ends the stream on an early return
	defer cancel()
	desc := &grpc.StreamDesc{StreamName: method, ClientStreams: true}
	cs, err := cc.NewStream(ctx, desc, "/"+serviceName+"/"+method)
	if err != nil {
		return nil, fromStatus(err)
	}
	// io.EOF from SendMsg means the handler answered (or failed) already:
	// RecvMsg tells which.
	err = cs.SendMsg(req)
	for err == nil {
		var part *Part
		if part, err = next(); err != nil {
			break
		}
		err = cs.SendMsg(part)
	}
	if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("rpc: upload %s to %s: %w", method, addr, fromStatus(err))
	}
	if err := cs.CloseSend(); err != nil {
		return nil, fmt.Errorf("rpc: upload %s to %s: %w", method, addr, err)
	}
	resp := new(Resp)
	if err := cs.RecvMsg(resp); err != nil {
		return nil, fromStatus(err)
	}
	return resp, nil
}
