package state

import (
	"errors"
	"fmt"
)

// ACL errors. Callers test them with errors.Is.
var (
	// ErrACLNotFound means no token, policy or role has the ID, name or
	// secret asked for (Consul's "ACL not found").
	ErrACLNotFound = errors.New("ACL not found")
	// ErrInvalidACL means an ACL write was refused; the error that wraps
	// it says why.
	ErrInvalidACL = errors.New("invalid ACL")
	// ErrACLBootstrapNotAllowed means ACLs were bootstrapped already. The
	// error is an *ACLBootstrapError that carries the reset index.
	ErrACLBootstrapNotAllowed = errors.New("ACL bootstrap no longer allowed")
)

// ACLBootstrapError refuses a bootstrap after the first. Writing
// ResetIndex to the acl-bootstrap-reset file in the data directory allows
// one more.
type ACLBootstrapError struct {
	ResetIndex uint64
}

// Error reads as Consul's: "ACL bootstrap no longer allowed (reset index: N)".
func (e *ACLBootstrapError) Error() string {
	return fmt.Sprintf("%v (reset index: %d)", ErrACLBootstrapNotAllowed, e.ResetIndex)
}

// Is makes errors.Is(err, ErrACLBootstrapNotAllowed) hold.
func (e *ACLBootstrapError) Is(target error) bool { return target == ErrACLBootstrapNotAllowed }

// ParseACLBootstrapError rebuilds an *ACLBootstrapError from its message,
// for an error that crossed the wire as text. It reports false when msg
// is not such a message.
func ParseACLBootstrapError(msg string) (*ACLBootstrapError, bool) {
	var idx uint64
	i := len(msg) - 1
	for i >= 0 && msg[i] != '(' {
		i--
	}
	if i < 0 {
		return nil, false
	}
	if _, err := fmt.Sscanf(msg[i:], "(reset index: %d)", &idx); err != nil {
		return nil, false
	}
	return &ACLBootstrapError{ResetIndex: idx}, true
}
