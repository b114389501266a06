package watch

import (
	"errors"
	"fmt"
)

// Sentinel errors of Parse, wrapped in a *ParamError that names the key.
var (
	ErrUnknownType  = errors.New("unknown watch type")
	ErrMissingParam = errors.New("missing parameter")
	ErrUnknownParam = errors.New("unknown parameter")
	ErrInvalidParam = errors.New("invalid parameter")
)

// ErrNoHandler is returned by Plan.Run when neither Plan.Handler nor a
// script or HTTP handler is set.
var ErrNoHandler = errors.New("watch: no handler")

// ParamError is a problem with one key of a watch definition.
type ParamError struct {
	// Key is the offending key as written ("http_handler_config.path"
	// for a nested one).
	Key string
	// Err wraps one of the sentinel errors and says what is wrong.
	Err error
}

func (e *ParamError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("watch: \"\": %v", e.Err) // an empty key, as JSON allows
	}
	return fmt.Sprintf("watch: %s: %v", e.Key, e.Err)
}

func (e *ParamError) Unwrap() error { return e.Err }

func paramErr(key string, sentinel error, format string, args ...any) *ParamError {
	msg := fmt.Sprintf(format, args...)
	if msg == "" {
		return &ParamError{Key: key, Err: sentinel}
	}
	return &ParamError{Key: key, Err: fmt.Errorf("%w: %s", sentinel, msg)}
}
