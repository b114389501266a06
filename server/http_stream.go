package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/pylonmesh/pylon/internal/rpc"
)

// A snapshot can be larger than one RPC message (MaxMessageSize), so the
// answer to GET /v1/snapshot crosses from server to server and from server
// to client agent as a stream (HTTP.Stream): the first message carries the
// status and headers, every message up to streamChunk bytes of the body.

// streamChunk is the most body bytes one HTTPChunk carries.
var streamChunk = 1 << 20

// HTTPChunk is one message of a streamed HTTP answer.
type HTTPChunk struct {
	Status int                 // first message only
	Header map[string][]string // first message only
	Body   []byte
}

// Streamed reports whether the answer to an HTTP API request crosses as a
// stream (StreamHTTP, StreamHTTPToLeader) rather than as one message.
func Streamed(method string, u *url.URL) bool {
	return method == http.MethodGet && u.Path == "/v1/snapshot"
}

// errStreamStarted wraps an error after part of an answer was handed on,
// or part of an upload's body read (http_upload.go): the request must not
// be tried again.
type errStreamStarted struct{ err error }

func (e *errStreamStarted) Error() string { return fmt.Sprintf("stream cut off: %v", e.err) }
func (e *errStreamStarted) Unwrap() error { return e.err }

// streamFrom reads a streamed answer from the server at addr into emit.
func streamFrom(ctx context.Context, pool *rpc.Pool, addr string, req *HTTPRequest, emit func(*HTTPChunk) error) error {
	st, err := rpc.Stream[HTTPRequest, HTTPChunk](ctx, pool, addr, "HTTP.Stream", req)
	if err != nil {
		return err
	}
	defer st.Close()
	for started := false; ; started = true {
		c, err := st.Recv()
		switch {
		case errors.Is(err, io.EOF) && started:
			return nil
		case errors.Is(err, io.EOF):
			return errors.New("empty streamed answer")
		case err != nil && started:
			return &errStreamStarted{err}
		case err != nil:
			return err
		}
		if err := emit(c); err != nil {
			return &errStreamStarted{err}
		}
	}
}

// StreamHTTPToLeader is ForwardHTTPToLeader for a streamed answer (see
// Streamed): emit gets each chunk as it arrives.
func (s *Server) StreamHTTPToLeader(ctx context.Context, req *HTTPRequest, emit func(*HTTPChunk) error) error {
	return s.onLeader(ctx, func() error {
		return s.serveHTTPStream(ctx, req, true, emit)
	}, func(leader string) error {
		return streamFrom(s.markForwarded(ctx), s.pool, leader, req, emit)
	})
}

// StreamHTTPToDatacenter is ForwardHTTPToDatacenter for a streamed answer
// (see Streamed).
func (s *Server) StreamHTTPToDatacenter(ctx context.Context, addr string, req *HTTPRequest, emit func(*HTTPChunk) error) error {
	return streamFrom(ctx, s.pool, addr, req, emit)
}

// StreamHTTP is Client.HTTP for a streamed answer (see Streamed): emit gets
// each chunk as it arrives. It takes the same ways, the leader the servers
// last named first, and retries as Client.HTTP until the first chunk.
func (c *Client) StreamHTTP(ctx context.Context, req *HTTPRequest, emit func(*HTTPChunk) error) error {
	if err := c.allow(); err != nil {
		return err
	}
	try := func(addr string) error { return streamFrom(ctx, c.pool, addr, req, emit) }
	if done, err := c.viaLeader(ctx, req, try); done {
		return err
	}
	return c.onServers(ctx, "HTTP.Stream", try)
}

func (s *Server) registerHTTPStream() {
	rpc.HandleStream(s.rpc, "HTTP.Stream", func(ctx context.Context, r *HTTPRequest, send func(*HTTPChunk) error) error {
		ctx, err := s.admitHTTP(ctx, r) // request_limits.go
		if err != nil {
			return err
		}
		return s.serveHTTPStream(ctx, r, rpc.IsForwarded(ctx), send)
	})
}

// serveHTTPStream is serveHTTP with the answer handed to emit in chunks.
func (s *Server) serveHTTPStream(ctx context.Context, r *HTTPRequest, fromServer bool, emit func(*HTTPChunk) error) error {
	h := s.httpHandler.Load()
	if h == nil {
		return ErrHTTPNotReady
	}
	req, err := s.httpRequest(ctx, r, fromServer, bytes.NewReader(r.Body))
	if err != nil {
		return err
	}
	cw := &chunkWriter{recorder: recorder{header: http.Header{}}, emit: emit}
	(*h).ServeHTTP(cw, req)
	return cw.finish()
}

// chunkWriter is the http.ResponseWriter of a streamed answer: the
// recorder of a forwarded request that hands its body on in chunks of
// streamChunk, the status and headers with the first.
type chunkWriter struct {
	recorder
	sent bool
	emit func(*HTTPChunk) error
	err  error
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, _ := w.recorder.Write(p)
	for w.body.Len() >= streamChunk && w.err == nil {
		w.err = w.send(w.body.Next(streamChunk))
	}
	return n, w.err
}

// send hands body on, with the status and headers the first time.
func (w *chunkWriter) send(body []byte) error {
	c := &HTTPChunk{Body: bytes.Clone(body)} // body is the buffer's, reused by the next Write
	if !w.sent {
		c.Status, c.Header, w.sent = w.statusOrOK(), w.header, true
	}
	return w.emit(c)
}

// finish sends what is left: the status and headers at least.
func (w *chunkWriter) finish() error {
	if w.err != nil {
		return w.err
	}
	if w.body.Len() > 0 || !w.sent {
		return w.send(w.body.Next(w.body.Len()))
	}
	return nil
}
