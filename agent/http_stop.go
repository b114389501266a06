package agent

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// newConns tracks HTTP connections that have not sent a request yet.
// http.Server.Shutdown counts such a connection as busy for five seconds
// (clients such as Go's transport open spare connections they may never
// use), so shutdown closes them itself instead of waiting.
type newConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (n *newConns) track(c net.Conn, s http.ConnState) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s == http.StateNew {
		if n.conns == nil {
			n.conns = map[net.Conn]struct{}{}
		}
		n.conns[c] = struct{}{}
		return
	}
	delete(n.conns, c)
}

func (n *newConns) closeAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for c := range n.conns {
		_ = c.Close()
		delete(n.conns, c)
	}
}

// stopHTTP shuts the HTTP server down, waiting up to grace for requests in
// flight (blocking queries end at once: their base context is cancelled).
func (a *Agent) stopHTTP(grace time.Duration) error {
	if a.httpServer == nil {
		return nil
	}
	defer a.httpAPI.Close()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.httpServer.Shutdown(ctx) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			a.httpNew.closeAll()
		}
	}
}
