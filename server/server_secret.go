package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"

	"github.com/pylonmesh/pylon/internal/rpc"
	"github.com/pylonmesh/pylon/server/fsm"
	"github.com/pylonmesh/pylon/server/state"
)

// Servers forward calls to each other, mostly writes to the leader. A
// forwarded call skips the token checks of the methods agents call
// (rpc_acl.go), and the methods only servers call (KV.Apply, ACL.TokenSet,
// Operator.RaftRemovePeer ...) carry writes whose token the entering
// server has judged already. Anything that reaches the server port could
// make those calls, so a server must tell another server's call from the
// rest: the forwarding server attaches the servers' secret, a random value
// the first leader stores through Raft, which every server and nothing
// else learns.
//
// Without ACLs anybody may make any write over the HTTP API anyway, so
// the secret is not asked for then.

// ErrServerSecretNotReady is a server-only call to, or from, a server that
// does not know the servers' secret yet (the first leader is storing it);
// the forwarding server tries again.
var ErrServerSecretNotReady = errors.New("server secret not known yet")

// ErrServerSecretMismatch is a forwarded call whose proof is not the
// receiver's secret. Right after a snapshot restore a follower may still
// hold the secret the restore replaced, so the forwarding server tries
// again; a forger only ever gets this refusal.
var ErrServerSecretMismatch = errors.New("forwarded with a servers' secret this server does not hold")

func init() {
	rpc.RegisterError("server-secret-not-ready", ErrServerSecretNotReady)
	rpc.RegisterError("server-secret-mismatch", ErrServerSecretMismatch)
}

// serverSecret returns the servers' secret, "" until it is stored.
func (s *Server) serverSecret() string {
	secret, err := s.store.ServerSecret()
	if err != nil {
		s.logger.Error("read server secret", "error", err)
	}
	return secret
}

// markForwarded marks a call this server forwards, with the proof that it
// is a server.
func (s *Server) markForwarded(ctx context.Context) context.Context {
	return rpc.MarkForwarded(ctx, s.serverSecret())
}

// fromServer reports whether a call carries the servers' secret.
func (s *Server) fromServer(ctx context.Context) bool {
	secret := s.serverSecret()
	return secret != "" && subtle.ConstantTimeCompare([]byte(rpc.ForwardProof(ctx)), []byte(secret)) == 1
}

// checkServerCall admits a call to a method only servers call.
func (s *Server) checkServerCall(ctx context.Context) error {
	switch {
	case !s.cfg.ACLsEnabled || s.fromServer(ctx):
		return nil
	case s.serverSecret() == "":
		return ErrServerSecretNotReady
	case rpc.IsForwarded(ctx):
		return ErrServerSecretMismatch
	}
	return ErrPermissionDenied
}

// canForward reports whether this server can prove itself to the one it
// forwards to: with ACLs on, only once it knows the secret.
func (s *Server) canForward() error {
	if s.cfg.ACLsEnabled && s.serverSecret() == "" {
		return ErrServerSecretNotReady
	}
	return nil
}

// handleForwarded registers a method only servers call: the leader's half
// of a write another server forwards (forward.go). fn marks its context
// with forwarded itself, as the methods agents call do.
func handleForwarded[Req, Resp any](s *Server, name string, fn func(ctx context.Context, r *Req) (*Resp, error)) {
	rpc.Handle(s.rpc, name, func(ctx context.Context, r *Req) (*Resp, error) {
		if err := s.checkServerCall(ctx); err != nil {
			return nil, err
		}
		return fn(ctx, r)
	})
}

// ensureServerSecret stores a secret when none is: the new leader's first
// write.
func (s *Server) ensureServerSecret() {
	if s.serverSecret() != "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), raftTimeout)
	defer cancel()
	if _, err := s.apply(ctx, fsm.ServerSecretRequestType, &state.ServerSecretRequest{Secret: rand.Text()}); err != nil {
		s.logger.Warn("store server secret", "error", err)
	}
}
