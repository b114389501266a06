package server

import (
	"cmp"
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

// errStreamStarted wraps an error after part of an answer was handed on:
// the request must not be tried again.
type errStreamStarted struct{ err error }

func (e *errStreamStarted) Error() string { return fmt.Sprintf("answer cut off: %v", e.err) }
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
	err := s.onLeader(ctx, func() error {
		return s.serveHTTPStream(ctx, req, true, emit)
	}, func(leader string) error {
		return streamFrom(s.markForwarded(ctx), s.pool, leader, req, emit)
	})
	return err
}

// StreamHTTPToDatacenter is ForwardHTTPToDatacenter for a streamed answer
// (see Streamed).
func (s *Server) StreamHTTPToDatacenter(ctx context.Context, addr string, req *HTTPRequest, emit func(*HTTPChunk) error) error {
	return streamFrom(ctx, s.pool, addr, req, emit)
}

// StreamHTTP is Client.HTTP for a streamed answer (see Streamed): emit gets
// each chunk as it arrives. The request goes to the leader the servers
// last named when it needs one, else to the current server.
func (c *Client) StreamHTTP(ctx context.Context, req *HTTPRequest, emit func(*HTTPChunk) error) error {
	if err := c.allow(); err != nil {
		return err
	}
	ctx = c.withToken(ctx)
	if u, err := url.ParseRequestURI(req.URI); err == nil && LeaderBound(req.Method, u) {
		if leader := c.leaderHint(); leader != "" {
			err := streamFrom(ctx, c.pool, leader, req, emit)
			if err == nil || !clientRetryable(err) || ctx.Err() != nil {
				return err
			}
			c.noteLeader("")
		}
	}
	addr, _ := c.current()
	if addr == "" {
		return ErrNoServers
	}
	return streamFrom(ctx, c.pool, addr, req, emit)
}

func (s *Server) registerHTTPStream() {
	rpc.HandleStream(s.rpc, "HTTP.Stream", func(ctx context.Context, r *HTTPRequest, send func(*HTTPChunk) error) error {
		return s.serveHTTPStream(ctx, r, rpc.IsForwarded(ctx), send)
	})
}

// serveHTTPStream is serveHTTP with the answer handed to emit in chunks.
func (s *Server) serveHTTPStream(ctx context.Context, r *HTTPRequest, fromServer bool, emit func(*HTTPChunk) error) error {
	h := s.httpHandler.Load()
	if h == nil {
		return ErrHTTPNotReady
	}
	req, err := s.httpRequest(ctx, r, fromServer)
	if err != nil {
		return err
	}
	cw := &chunkWriter{header: http.Header{}, emit: emit}
	(*h).ServeHTTP(cw, req)
	return cw.finish()
}

// chunkWriter is the http.ResponseWriter of a streamed answer: it hands
// the body on in chunks of streamChunk, the status and headers with the
// first.
type chunkWriter struct {
	header http.Header
	status int
	buf    []byte
	sent   bool
	emit   func(*HTTPChunk) error
	err    error
}

func (w *chunkWriter) Header() http.Header { return w.header }

func (w *chunkWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		take := min(len(p), streamChunk-len(w.buf))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) == streamChunk {
			if w.err = w.send(); w.err != nil {
				return n - len(p), w.err
			}
		}
	}
	return n, nil
}

// send hands the buffered body on, with the status and headers the first
// time.
func (w *chunkWriter) send() error {
	c := &HTTPChunk{Body: w.buf}
	if !w.sent {
		c.Status, c.Header, w.sent = cmp.Or(w.status, http.StatusOK), w.header, true
	}
	err := w.emit(c)
	w.buf = nil
	return err
}

// finish sends what is left: the status and headers at least.
func (w *chunkWriter) finish() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) > 0 || !w.sent {
		return w.send()
	}
	return nil
}
