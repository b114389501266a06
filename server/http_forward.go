package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

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
	// Leader is the server address of the leader as the answering server
	// knows it, so a client agent can send the next leader-bound request
	// there directly (Client.HTTP).
	Leader string
}

// LeaderBound reports whether Consul serves a request on the leader:
// writes, and reads in the default and consistent modes. ?stale and
// ?cached reads and /v1/status are served by any server.
func LeaderBound(method string, u *url.URL) bool {
	if strings.HasPrefix(u.Path, "/v1/status/") {
		return false
	}
	if method != http.MethodGet {
		return true
	}
	q := u.Query()
	return !q.Has("stale") && !q.Has("cached")
}

// SetHTTPHandler sets the handler forwarded HTTP requests run through:
// the server agent's HTTP API.
func (s *Server) SetHTTPHandler(h http.Handler) { s.httpHandler.Store(&h) }

type forwardedHTTPKey struct{}

// ForwardedHTTP reports whether a request's context is that of an HTTP
// request another server forwarded here (ForwardHTTPToLeader): it must be
// answered here, never forwarded again.
func ForwardedHTTP(ctx context.Context) bool {
	v, _ := ctx.Value(forwardedHTTPKey{}).(bool)
	return v
}

// ForwardHTTPToLeader runs an HTTP API request on the leader and returns
// its answer. A follower forwards the requests Consul serves from the
// leader (default and consistent reads, writes), so a read through any
// server sees every write acknowledged before it. It waits for a leader,
// and retries one that moved, within rpcHoldTimeout.
func (s *Server) ForwardHTTPToLeader(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error) {
	var resp *HTTPResponse
	err := s.onLeader(ctx, func() (err error) {
		resp, err = s.serveHTTP(ctx, req, true) // became the leader meanwhile
		return err
	}, func(leader string) error {
		r := new(HTTPResponse)
		if err := callHTTP(s.markForwarded(ctx), s.pool, leader, req, r); err != nil {
			return err
		}
		resp = r
		return nil
	})
	return resp, err
}

// onLeader runs local when this server is the leader, else remote with
// the leader's address; it waits for a leader, and tries again when the
// leader moved or could not be reached (clientRetryable), within
// rpcHoldTimeout.
func (s *Server) onLeader(ctx context.Context, local func() error, remote func(leader string) error) error {
	hold := time.NewTimer(rpcHoldTimeout)
	defer hold.Stop()
	for {
		changed := s.leaderChanged()
		var err error
		if s.IsLeader() {
			return local()
		}
		if leader := s.Leader(); leader != "" {
			if err = remote(leader); err == nil {
				return nil
			}
			if !clientRetryable(err) || ctx.Err() != nil {
				return err
			}
		}
		select {
		case <-changed:
		case <-time.After(leaderPoll):
		case <-hold.C:
			if err == nil {
				err = s.notLeader(nil)
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-s.shutdownCh:
			return ErrShutdown
		}
	}
}

// multiplexedBody bounds the body of a forwarded write that goes over
// the multiplexed stream to its server (rpc.Pool.CallMultiplexed): the
// stream is shared and in order, so a snapshot upload must not hold up
// the writes behind it.
const multiplexedBody = 64 << 10

// callHTTP sends a forwarded HTTP request to the server at addr. Writes
// with small bodies, the bulk of what client agents forward, share the
// multiplexed stream; reads, whose answers may be large or held for a
// blocking query, go as calls of their own.
func callHTTP(ctx context.Context, pool *rpc.Pool, addr string, req *HTTPRequest, resp *HTTPResponse) error {
	if req.Method != http.MethodGet && req.Method != http.MethodHead && len(req.Body) <= multiplexedBody {
		return pool.CallMultiplexed(ctx, addr, "HTTP.Do", req, resp)
	}
	return pool.Call(ctx, addr, "HTTP.Do", req, resp)
}

func (s *Server) registerHTTPForward() {
	rpc.Handle(s.rpc, "HTTP.Do", func(ctx context.Context, r *HTTPRequest) (*HTTPResponse, error) {
		ctx, err := s.admitHTTP(ctx, r) // request_limits.go
		if err != nil {
			return nil, err
		}
		resp, err := s.serveHTTP(ctx, r, rpc.IsForwarded(ctx))
		if resp != nil {
			resp.Leader = s.Leader()
		}
		return resp, err
	})
}

// serveHTTP runs a forwarded request through this server's HTTP API;
// fromServer marks it as forwarded by a server (ForwardedHTTP).
func (s *Server) serveHTTP(ctx context.Context, r *HTTPRequest, fromServer bool) (*HTTPResponse, error) {
	return s.serveHTTPBody(ctx, r, fromServer, bytes.NewReader(r.Body))
}

// serveHTTPBody is serveHTTP with the request's body read from body.
func (s *Server) serveHTTPBody(ctx context.Context, r *HTTPRequest, fromServer bool, body io.Reader) (*HTTPResponse, error) {
	h := s.httpHandler.Load()
	if h == nil {
		return nil, ErrHTTPNotReady
	}
	req, err := s.httpRequest(ctx, r, fromServer, body)
	if err != nil {
		return nil, err
	}
	rec := &recorder{header: http.Header{}}
	(*h).ServeHTTP(rec, req)
	return &HTTPResponse{Status: rec.statusOrOK(), Header: rec.header, Body: rec.body.Bytes()}, nil
}

// httpRequest rebuilds a forwarded request, with its body read from
// body, for this server's HTTP API.
func (s *Server) httpRequest(ctx context.Context, r *HTTPRequest, fromServer bool, body io.Reader) (*http.Request, error) {
	if fromServer {
		ctx = context.WithValue(ctx, forwardedHTTPKey{}, true)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URI, body)
	if err != nil {
		return nil, err
	}
	req.Header = r.Header
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.RequestURI, req.RemoteAddr = r.URI, r.RemoteAddr
	return req, nil
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

// ForwardHTTPToDatacenter runs an HTTP API request on a server of another
// datacenter, at addr (its server port, from the WAN pool). That server
// answers it as its own request: it forwards to its leader when the
// request needs one.
func (s *Server) ForwardHTTPToDatacenter(ctx context.Context, addr string, req *HTTPRequest) (*HTTPResponse, error) {
	resp := new(HTTPResponse)
	if err := s.pool.Call(ctx, addr, "HTTP.Do", req, resp); err != nil {
		return nil, err
	}
	return resp, nil
}
