package server

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/pylonmesh/pylon/internal/portmux"
	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/state"
)

func init() {
	// Errors a forwarded call may answer with, so callers can still test
	// them with errors.Is.
	for name, err := range map[string]error{
		"not-leader": ErrNotLeader, "no-leader": ErrNoLeader, "leadership-lost": ErrLeadershipLost,
		"shutdown": ErrShutdown, "timeout": ErrTimeout,
		"invalid-key": state.ErrInvalidKey, "session-not-found": state.ErrSessionNotFound,
		"invalid-session": state.ErrInvalidSession, "query-not-found": state.ErrQueryNotFound,
		"invalid-query": state.ErrInvalidQuery, "template-by-id": state.ErrTemplateByID,
		"missing-node": state.ErrMissingNode, "missing-service": state.ErrMissingService,
		"missing-check-id": state.ErrMissingCheckID, "invalid-name": state.ErrInvalidName,
		"node-mismatch": state.ErrNodeMismatch, "unknown-service": state.ErrUnknownService,
		"unknown-kv-op": state.ErrUnknownKVOp, "invalid-txn-op": state.ErrInvalidTxnOp,
		"http-not-ready": ErrHTTPNotReady, "retry-elsewhere": ErrRetryElsewhere, "retry-later": ErrRetryLater,
	} {
		rpc.RegisterError(name, err)
	}
}

// startRPC serves the server's RPC methods on the gRPC share of the
// server port and makes the pool for outgoing calls.
func (s *Server) startRPC(layer *tcpLayer) {
	s.rpc = rpc.NewServer()
	s.registerForwarded()
	s.registerSubscribe()
	s.registerHTTPForward()
	s.registerHTTPStream() // http_stream.go
	s.registerHTTPUpload() // http_upload.go
	s.registerClientReads()
	s.registerPreparedQueryExecute()
	s.registerBootstrapStatus()
	s.registerCoordinate()     // coordinate.go
	s.rpc.SetAdmit(s.admitRPC) // request_limits.go
	s.pool = rpc.NewPool(func(ctx context.Context, addr string) (net.Conn, error) {
		timeout := raftTimeout
		if dl, ok := ctx.Deadline(); ok {
			timeout = time.Until(dl)
		}
		return portmux.Dial(addr, portmux.GRPC, timeout)
	})
	s.rpcServed = make(chan struct{})
	ln := layer.mux.Listener(portmux.GRPC)
	go func() {
		defer close(s.rpcServed)
		// The port closing under it is how Serve ends at shutdown.
		if err := s.rpc.Serve(ln); err != nil && !errors.Is(err, portmux.ErrClosed) {
			s.logger.Error("rpc server stopped", "error", err)
		}
	}()
}

// stopRPC stops serving and closes the outgoing connections.
func (s *Server) stopRPC() {
	if s.rpc == nil {
		return
	}
	s.rpc.Stop()
	<-s.rpcServed
	_ = s.pool.Close()
}
