package rpc

import (
	"errors"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Sentinel errors that keep their identity across a call, by name.
var (
	sentinelsMu sync.RWMutex
	sentinels   = map[string]error{}
)

// RegisterError lets err cross the wire: a handler error that wraps it
// reaches the caller as an error that wraps it too. name must be unique
// and stable across versions. Register at init time, on both sides.
func RegisterError(name string, err error) {
	sentinelsMu.Lock()
	defer sentinelsMu.Unlock()
	sentinels[name] = err
}

// sentinelSep separates the sentinel's name from the message in a status.
const sentinelSep = "\x1f"

// toStatus turns a handler error into a gRPC status, naming the first
// registered sentinel it wraps.
func toStatus(err error) error {
	sentinelsMu.RLock()
	defer sentinelsMu.RUnlock()
	for name, s := range sentinels {
		if errors.Is(err, s) {
			return status.Error(codes.Unknown, name+sentinelSep+err.Error())
		}
	}
	return status.Error(codes.Unknown, err.Error())
}

// RemoteError is an error returned by a handler on the other side.
type RemoteError struct {
	Msg      string
	sentinel error
}

func (e *RemoteError) Error() string { return e.Msg }

// Unwrap gives the registered sentinel the remote error wrapped, if any.
func (e *RemoteError) Unwrap() error { return e.sentinel }

// fromStatus turns a call's error back: a handler error becomes a
// RemoteError (wrapping its sentinel), a transport error stays as gRPC
// gave it.
func fromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.Unknown {
		return err
	}
	msg := st.Message()
	name, rest, found := strings.Cut(msg, sentinelSep)
	if !found {
		return &RemoteError{Msg: msg}
	}
	sentinelsMu.RLock()
	s := sentinels[name]
	sentinelsMu.RUnlock()
	return &RemoteError{Msg: rest, sentinel: s}
}
