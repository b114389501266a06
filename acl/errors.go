package acl

import (
	"errors"
	"fmt"
)

// Errors a rule set can fail with. ParseRules wraps them in a *RuleError
// that names the line and the resource, so callers test with errors.Is.
var (
	// ErrSyntax means the text is neither valid HCL nor valid JSON.
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownResource means a rule names a resource kind that does
	// not exist (say "kye_prefix").
	ErrUnknownResource = errors.New("unknown resource")
	// ErrUnknownPolicy means a policy value is not read, write, list or deny.
	ErrUnknownPolicy = errors.New("unknown policy")
	// ErrPolicyNotAllowed means a known policy value that the resource
	// does not take (list outside key rules, intentions outside service).
	ErrPolicyNotAllowed = errors.New("policy not allowed")
	// ErrInvalidRule means a rule has the wrong shape: a missing policy,
	// a missing or extra name label, an unknown field, a non-string value.
	ErrInvalidRule = errors.New("invalid rule")
)

// RuleError is a rule set error with its place: the 1-based line and the
// resource it concerns (`key_prefix "app/"`, or empty for a syntax error).
type RuleError struct {
	Line     int
	Resource string
	Err      error
}

// Error reads like `rules:3: key_prefix "app/": unknown policy "raed"`.
func (e *RuleError) Error() string {
	if e.Resource == "" {
		return fmt.Sprintf("rules:%d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("rules:%d: %s: %v", e.Line, e.Resource, e.Err)
}

// Unwrap returns the sentinel error underneath.
func (e *RuleError) Unwrap() error { return e.Err }
