package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/pylonmesh/pylon/internal/rpc"
)

// A snapshot to restore can be larger than one RPC message, so the body of
// PUT /v1/snapshot crosses from client agent to server, from follower to
// leader and between datacenters as a client stream (HTTP.Upload): the
// request without its body, then the body in parts of up to streamChunk
// bytes, and the answer once. The leader reads the parts as the request's
// body while it restores, so no hop holds the whole snapshot.

// Uploaded reports whether an HTTP API request's body crosses as a stream
// (UploadHTTP, UploadHTTPToLeader, UploadHTTPToDatacenter) rather than in
// one message.
func Uploaded(method string, u *url.URL) bool {
	return method == http.MethodPut && u.Path == "/v1/snapshot"
}

// uploadTo sends req, with its body read from body, to the server at addr.
// Once part of the body has been read the request cannot be sent again:
// a failure after that is an errStreamStarted.
func uploadTo(ctx context.Context, pool *rpc.Pool, addr string, req *HTTPRequest, body io.Reader) (*HTTPResponse, error) {
	started := false
	next := func() (*HTTPChunk, error) {
		buf := make([]byte, streamChunk)
		n, err := io.ReadFull(body, buf)
		switch {
		case n > 0:
			started = true
			return &HTTPChunk{Body: buf[:n]}, nil
		case errors.Is(err, io.EOF):
			return nil, io.EOF
		default:
			return nil, fmt.Errorf("read request body: %w", err)
		}
	}
	resp, err := rpc.Upload[HTTPRequest, HTTPChunk, HTTPResponse](ctx, pool, addr, "HTTP.Upload", req, next)
	if err != nil && started {
		return nil, &errStreamStarted{err}
	}
	return resp, err
}

// partReader is the body of an uploaded request: the parts as they come.
type partReader struct {
	recv func() (*HTTPChunk, error)
	part []byte
	err  error
}

func (r *partReader) Read(p []byte) (int, error) {
	for len(r.part) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		var c *HTTPChunk
		if c, r.err = r.recv(); c != nil {
			r.part = c.Body
		}
	}
	n := copy(p, r.part)
	r.part = r.part[n:]
	return n, nil
}

func (s *Server) registerHTTPUpload() {
	rpc.HandleUpload(s.rpc, "HTTP.Upload", func(ctx context.Context, r *HTTPRequest, recv func() (*HTTPChunk, error)) (*HTTPResponse, error) {
		ctx, err := s.admitHTTP(ctx, r) // request_limits.go
		if err != nil {
			return nil, err
		}
		resp, err := s.serveHTTPBody(ctx, r, rpc.IsForwarded(ctx), &partReader{recv: recv})
		if resp != nil {
			resp.Leader = s.Leader()
		}
		return resp, err
	})
}

// UploadHTTPToLeader is ForwardHTTPToLeader for a request whose body is
// uploaded (see Uploaded). It tries another leader only until part of
// the body has been read.
func (s *Server) UploadHTTPToLeader(ctx context.Context, req *HTTPRequest, body io.Reader) (*HTTPResponse, error) {
	var resp *HTTPResponse
	err := s.onLeader(ctx, func() (err error) {
		resp, err = s.serveHTTPBody(ctx, req, true, body)
		return err
	}, func(leader string) (err error) {
		resp, err = uploadTo(s.markForwarded(ctx), s.pool, leader, req, body)
		return err
	})
	return resp, err
}

// UploadHTTPToDatacenter is ForwardHTTPToDatacenter for a request whose
// body is uploaded (see Uploaded).
func (s *Server) UploadHTTPToDatacenter(ctx context.Context, addr string, req *HTTPRequest, body io.Reader) (*HTTPResponse, error) {
	return uploadTo(ctx, s.pool, addr, req, body)
}

// UploadHTTP is Client.HTTP for a request whose body is uploaded (see
// Uploaded). It takes the same ways, the leader the servers last named
// first, and retries as Client.HTTP until part of the body has been read.
func (c *Client) UploadHTTP(ctx context.Context, req *HTTPRequest, body io.Reader) (*HTTPResponse, error) {
	if err := c.allow(); err != nil {
		return nil, err
	}
	var resp *HTTPResponse
	try := func(addr string) (err error) {
		resp, err = uploadTo(ctx, c.pool, addr, req, body)
		return err
	}
	done, err := c.viaLeader(ctx, req, try)
	if !done {
		err = c.onServers(ctx, "HTTP.Upload", try)
	}
	if err != nil {
		return nil, err
	}
	c.noteLeader(resp.Leader)
	return resp, nil
}
