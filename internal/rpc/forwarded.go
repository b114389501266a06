package rpc

import (
	"context"

	"google.golang.org/grpc/metadata"
)

// forwardedKey is the call metadata that marks a call one server
// forwarded to another, as opposed to a call an agent made.
const forwardedKey = "pylon-forwarded"

// MarkForwarded returns a context whose calls tell the receiving server
// that another server forwarded them: the receiver must run them itself
// rather than forward them again.
func MarkForwarded(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, forwardedKey, "1")
}

// IsForwarded reports whether the call whose handler context this is was
// marked with MarkForwarded by its caller.
func IsForwarded(ctx context.Context) bool {
	md, ok := metadata.FromIncomingContext(ctx)
	return ok && len(md.Get(forwardedKey)) > 0
}
