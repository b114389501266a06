package dns

import "errors"

var (
	// ErrInvalidConfig is wrapped by every error Config.Validate returns.
	ErrInvalidConfig = errors.New("invalid dns config")
	// ErrStarted is returned by Start on a server that is already running.
	ErrStarted = errors.New("dns server already started")
	// ErrNotStarted is returned by Shutdown on a server that is not running.
	ErrNotStarted = errors.New("dns server not started")
	// ErrShutdown is returned by Start on a server that was shut down.
	ErrShutdown = errors.New("dns server shut down")
	// ErrNoListener is returned by Start when neither address is given.
	ErrNoListener = errors.New("dns server needs a udp or tcp address")
)
