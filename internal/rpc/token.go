package rpc

import (
	"context"

	"google.golang.org/grpc/metadata"
)

// tokenKey is the call metadata that carries the caller's ACL token, the
// RPC counterpart of the X-Consul-Token header.
const tokenKey = "x-consul-token"

// WithToken returns a context whose calls carry token; an empty token
// leaves ctx as it is (the server then judges the call as anonymous).
func WithToken(ctx context.Context, token string) context.Context {
	if token == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, tokenKey, token)
}

// Token returns the ACL token the caller of the call whose handler
// context this is sent with WithToken, or "".
func Token(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(tokenKey); len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}
