package rpc

import (
	"context"

	"google.golang.org/grpc/metadata"
)

// forwardedKey is the call metadata that marks a call one server
// forwarded to another, as opposed to a call an agent made. Its value is
// the forwarding server's proof that it is a server (the receiver checks
// it, see server/server_secret.go): the mark alone only says "do not
// forward this again".
const forwardedKey = "pylon-forwarded"

// MarkForwarded returns a context whose calls tell the receiving server
// that another server forwarded them, with proof: the receiver must run
// them itself rather than forward them again.
func MarkForwarded(ctx context.Context, proof string) context.Context {
	if proof == "" {
		proof = "-"
	}
	return metadata.AppendToOutgoingContext(ctx, forwardedKey, proof)
}

// IsForwarded reports whether the call whose handler context this is was
// marked with MarkForwarded by its caller.
func IsForwarded(ctx context.Context) bool {
	md, ok := metadata.FromIncomingContext(ctx)
	return ok && len(md.Get(forwardedKey)) > 0
}

// ForwardProof returns the proof the caller marked the call with, or ""
// for an unmarked call.
func ForwardProof(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(forwardedKey); len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}
