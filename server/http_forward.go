package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/pylonmesh/pylon/internal/rpc"
)

// A client agent has no state store: it hands the HTTP API requests that
// need one (catalog, health, KV, sessions, queries, txn, status ...) to a
// server whole, and the server runs them through its own agent's HTTP API
// (SetHTTPHandler). The server's API then applies Consul's read modes and
// ACLs, forwards writes to the leader and serves blocking queries exactly
// as it does for its own clients, so one code path answers both.

// ErrHTTPNotReady is a forwarded HTTP request to a server whose HTTP API
// has not been set yet (it is still starting).
var ErrHTTPNotReady = errors.New("server HTTP API not ready")

// HTTPRequest is an HTTP API request a client agent forwards.
type HTTPRequest struct {
	Method     string
	URI        string // path and query, as the client received them
	Header     map[string][]string
	Body       []byte
	RemoteAddr string
}

// HTTPResponse is the server's answer to an HTTPRequest.
type HTTPResponse struct {
	Status int
	Header map[string][]string
	Body   []byte
}

// SetHTTPHandler sets the handler forwarded HTTP requests run through:
// the server agent's HTTP API.
func (s *Server) SetHTTPHandler(h http.Handler) { s.httpHandler.Store(&h) }

func (s *Server) registerHTTPForward() {
	rpc.Handle(s.rpc, "HTTP.Do", func(ctx context.Context, r *HTTPRequest) (*HTTPResponse, error) {
		h := s.httpHandler.Load()
		if h == nil {
			return nil, ErrHTTPNotReady
		}
		req, err := http.NewRequestWithContext(ctx, r.Method, r.URI, bytes.NewReader(r.Body))
		if err != nil {
			return nil, err
		}
		req.Header = r.Header
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.RequestURI, req.RemoteAddr = r.URI, r.RemoteAddr
		rec := &recorder{header: http.Header{}}
		(*h).ServeHTTP(rec, req)
		return &HTTPResponse{Status: rec.statusOrOK(), Header: rec.header, Body: rec.body.Bytes()}, nil
	})
}

// recorder is the http.ResponseWriter of a forwarded request. It is not
// an http.Hijacker, so a blocking query waits in its handler's goroutine
// here rather than parking.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(p)
}

func (r *recorder) statusOrOK() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
