package snapshot

import "errors"

// Errors returned by Read, Inspect and Verify. Callers test them with
// errors.Is.
var (
	// ErrInvalid means the input is not a well-formed, intact snapshot
	// archive; the error that wraps it says why.
	ErrInvalid = errors.New("invalid snapshot archive")
	// ErrTooLarge means the archive's state is larger than the reader's
	// limit.
	ErrTooLarge = errors.New("snapshot too large")
)
