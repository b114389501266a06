package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/pylonmesh/pylon/server"
)

// maxForwardedBody bounds a request body an agent forwards; the API's own
// limits (512 KiB KV values, txn sizes) are lower, and snapshots are the
// only large bodies.
const maxForwardedBody = 64 << 20

// httpForwarder forwards all of a client agent's server-bound HTTP
// requests over RPC (server.Client.HTTP) and writes the server's answer.
type httpForwarder struct{ client *server.Client }

func (f httpForwarder) ForwardHTTP(w http.ResponseWriter, r *http.Request) bool {
	forwardVia(w, r, f.client.HTTP)
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
	forwardVia(w, r, f.srv.ForwardHTTPToLeader)
	return true
}

// forwardVia sends r through do and writes the answer to w.
func forwardVia(w http.ResponseWriter, r *http.Request, do func(context.Context, *server.HTTPRequest) (*server.HTTPResponse, error)) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxForwardedBody+1))
	if err != nil {
		http.Error(w, fmt.Sprintf("read request body: %v", err), http.StatusBadRequest)
		return
	}
	if len(body) > maxForwardedBody {
		http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	resp, err := do(r.Context(), &server.HTTPRequest{
		Method: r.Method, URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body, RemoteAddr: r.RemoteAddr,
	})
	if err != nil {
		msg := fmt.Sprintf("rpc error: %v", err)
		switch {
		case errors.Is(err, server.ErrNoServers):
			msg = "No known Consul servers"
		case errors.Is(err, server.ErrNoLeader), errors.Is(err, server.ErrNotLeader):
			msg = "No cluster leader"
		case errors.Is(err, server.ErrRPCRateExceeded):
			http.Error(w, err.Error(), http.StatusTooManyRequests)
			return
		}
		http.Error(w, msg, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}
