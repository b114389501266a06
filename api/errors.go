package api

import (
	"errors"
	"fmt"
)

// ErrUnknownScheme is returned by NewClient for an address whose scheme is
// not http, https or unix.
var ErrUnknownScheme = errors.New("unknown protocol scheme")

// ErrInvalidStatus is returned by UpdateTTL and Health.State for a status
// outside the known set.
var ErrInvalidStatus = errors.New("invalid status")

// StatusError is a non-2xx reply. Body is the plain-text error the server
// sent, trimmed of surrounding space.
type StatusError struct {
	Code int
	Body string
}

// Error reads like Consul's client: `Unexpected response code: 404 (Unknown
// check ID "x")`.
func (e StatusError) Error() string {
	return fmt.Sprintf("Unexpected response code: %d (%s)", e.Code, e.Body)
}
