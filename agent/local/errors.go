package local

import "errors"

// Errors returned by State; callers map them to HTTP status codes.
var (
	ErrUnknownService   = errors.New("unknown service ID")
	ErrUnknownCheck     = errors.New("unknown check ID")
	ErrMissingServiceID = errors.New("missing service ID")
	ErrMissingCheckID   = errors.New("missing check ID")
)

// ErrInvalid marks a definition the agent refuses (a bad request).
var ErrInvalid = errors.New("invalid definition")
