package agent

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/pylonmesh/pylon/server"
)

// maxForwardedBody bounds a request body a client agent forwards; the API's
// own limits (512 KiB KV values, txn sizes) are lower, and snapshots are
// the only large bodies.
const maxForwardedBody = 64 << 20

// httpForwarder forwards a client agent's server-bound HTTP requests over
// RPC (server.Client.HTTP) and writes the server's answer.
type httpForwarder struct{ client *server.Client }

func (f httpForwarder) ForwardHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxForwardedBody+1))
	if err != nil {
		http.Error(w, fmt.Sprintf("read request body: %v", err), http.StatusBadRequest)
		return
	}
	if len(body) > maxForwardedBody {
		http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	resp, err := f.client.HTTP(r.Context(), &server.HTTPRequest{
		Method: r.Method, URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body, RemoteAddr: r.RemoteAddr,
	})
	if err != nil {
		msg := fmt.Sprintf("rpc error: %v", err)
		if errors.Is(err, server.ErrNoServers) {
			msg = "No known Consul servers"
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
