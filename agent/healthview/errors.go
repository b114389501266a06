package healthview

import "errors"

// Errors returned by New and Get. Get's errors mean the view cannot answer
// (yet): the caller reads elsewhere, from the store or a server.
var (
	ErrNoSource     = errors.New("healthview: no source")
	ErrNoService    = errors.New("healthview: missing service name")
	ErrClosed       = errors.New("healthview: view closed")
	ErrTooManyViews = errors.New("healthview: too many views")
	ErrNotReady     = errors.New("healthview: no snapshot yet")
)
