package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/pylonmesh/pylon/server"
)

// maxForwardedBody bounds a request body an agent forwards in one message;
// the API's own limits (512 KiB KV values, txn sizes) are lower, and
// snapshots, the only large bodies, are uploaded as streams
// (forwardUpload).
var maxForwardedBody = 64 << 20 // a variable for tests of uploads larger than it

// httpForwarder forwards all of a client agent's server-bound HTTP
// requests over RPC (server.Client.HTTP) and writes the server's answer.
type httpForwarder struct{ client *server.Client }

func (f httpForwarder) ForwardHTTP(w http.ResponseWriter, r *http.Request) bool {
	forwardWays{whole: f.client.HTTP, stream: f.client.StreamHTTP, upload: f.client.UploadHTTP}.forward(w, r)
	return true
}

// leaderForwarder makes a follower server hand the leader the requests
// Consul serves there: writes, and reads in the default and consistent
// modes. ?stale and ?cached reads and /v1/status stay here, and so does a
// request that was forwarded here already (leadership moved meanwhile).
type leaderForwarder struct{ srv *server.Server }

func (f leaderForwarder) ForwardHTTP(w http.ResponseWriter, r *http.Request) bool {
	if f.srv.IsLeader() || server.ForwardedHTTP(r.Context()) || !server.LeaderBound(r.Method, r.URL) {
		return false
	}
	forwardWays{whole: f.srv.ForwardHTTPToLeader, stream: f.srv.StreamHTTPToLeader, upload: f.srv.UploadHTTPToLeader}.forward(w, r)
	return true
}

// forwardWays are the ways a forwarded request crosses to a server: with
// its answer in chunks (server.Streamed), with its body in parts
// (server.Uploaded), or whole.
type forwardWays struct {
	whole  func(context.Context, *server.HTTPRequest) (*server.HTTPResponse, error)
	stream func(context.Context, *server.HTTPRequest, func(*server.HTTPChunk) error) error
	upload func(context.Context, *server.HTTPRequest, io.Reader) (*server.HTTPResponse, error)
}

// forward sends r the way it crosses and writes the answer to w.
func (ways forwardWays) forward(w http.ResponseWriter, r *http.Request) {
	switch {
	case server.Streamed(r.Method, r.URL):
		forwardStream(w, r, ways.stream)
	case server.Uploaded(r.Method, r.URL):
		forwardUpload(w, r, ways.upload)
	default:
		forwardVia(w, r, ways.whole)
	}
}

// forwardVia sends r through do and writes the answer to w.
func forwardVia(w http.ResponseWriter, r *http.Request, do func(context.Context, *server.HTTPRequest) (*server.HTTPResponse, error)) {
	req, ok := forwardedRequest(w, r)
	if !ok {
		return
	}
	resp, err := do(r.Context(), req)
	writeForwarded(w, resp, err)
}

// forwardUpload sends r through upload with its body as it is read
// (server.Uploaded), and writes the answer to w.
func forwardUpload(w http.ResponseWriter, r *http.Request, upload func(context.Context, *server.HTTPRequest, io.Reader) (*server.HTTPResponse, error)) {
	resp, err := upload(r.Context(), forwardedHead(r), r.Body)
	writeForwarded(w, resp, err)
}

// writeForwarded writes a forwarded request's answer, or why there is none.
func writeForwarded(w http.ResponseWriter, resp *server.HTTPResponse, err error) {
	if err != nil {
		writeForwardError(w, err)
		return
	}
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// forwardStream sends r through open and writes the answer to w as its
// chunks arrive (server.Streamed). An error after the first chunk can only
// cut the answer short.
func forwardStream(w http.ResponseWriter, r *http.Request, open func(context.Context, *server.HTTPRequest, func(*server.HTTPChunk) error) error) {
	req, ok := forwardedRequest(w, r)
	if !ok {
		return
	}
	flusher, _ := w.(http.Flusher)
	started := false
	err := open(r.Context(), req, func(c *server.HTTPChunk) error {
		if !started {
			started = true
			h := w.Header()
			for k, vs := range c.Header {
				h[k] = vs
			}
			w.WriteHeader(c.Status)
		}
		if _, err := w.Write(c.Body); err != nil {
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	})
	if err != nil && !started {
		writeForwardError(w, err)
	}
}

// forwardedRequest reads r into the form a server takes; it answers w
// itself when it cannot.
func forwardedRequest(w http.ResponseWriter, r *http.Request) (*server.HTTPRequest, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(maxForwardedBody)+1))
	if err != nil {
		http.Error(w, fmt.Sprintf("read request body: %v", err), http.StatusBadRequest)
		return nil, false
	}
	if len(body) > maxForwardedBody {
		http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	req := forwardedHead(r)
	req.Body = body
	return req, true
}

// forwardedHead is r without its body in the form a server takes.
func forwardedHead(r *http.Request) *server.HTTPRequest {
	return &server.HTTPRequest{
		// r's own header map: the forwarded request is encoded, or served
		// in this process, while this handler waits, and nothing changes
		// the map meanwhile.
		Method: r.Method, URI: r.URL.RequestURI(), Header: r.Header, RemoteAddr: r.RemoteAddr,
	}
}

// writeForwardError answers a request that could not be forwarded.
func writeForwardError(w http.ResponseWriter, err error) {
	msg := fmt.Sprintf("rpc error: %v", err)
	switch {
	case errors.Is(err, server.ErrNoServers):
		msg = "No known Consul servers"
	case errors.Is(err, server.ErrNoLeader), errors.Is(err, server.ErrNotLeader):
		msg = "No cluster leader"
	case errors.Is(err, server.ErrRPCRateExceeded), errors.Is(err, server.ErrRetryElsewhere):
		http.Error(w, err.Error(), http.StatusTooManyRequests)
		return
	case errors.Is(err, server.ErrRetryLater):
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	http.Error(w, msg, http.StatusInternalServerError)
}
