package state

import "errors"

// Errors returned by the store. Callers test them with errors.Is.
var (
	// ErrMissingNode means a write named no node.
	ErrMissingNode = errors.New("missing node name")
	// ErrMissingService means a service had no name.
	ErrMissingService = errors.New("missing service name")
	// ErrMissingCheckID means a check had no ID.
	ErrMissingCheckID = errors.New("missing check ID")
	// ErrMissingSecret means a server secret write carried no secret.
	ErrMissingSecret = errors.New("missing secret")
	// ErrInvalidName means a name or ID holds a NUL byte, which the
	// indexes use as a separator.
	ErrInvalidName = errors.New("name contains a NUL byte")
	// ErrNodeMismatch means a service or check of a registration names a
	// different node than the registration.
	ErrNodeMismatch = errors.New("record names a different node than the registration")
	// ErrUnknownService means a check refers to a service that is not
	// registered on its node.
	ErrUnknownService = errors.New("check refers to a service not on the node")
	// ErrInvalidQuery means a prepared query was refused; the error that
	// wraps it says why.
	ErrInvalidQuery = errors.New("invalid prepared query")
	// ErrQueryNotFound means no prepared query has the ID or answers the
	// name asked for.
	ErrQueryNotFound = errors.New("query not found")
	// ErrTemplateByID means a prepared query template was resolved by its
	// ID; templates answer names only.
	ErrTemplateByID = errors.New("prepared query templates can only be resolved by name, not by ID")
	// ErrCorruptSnapshot means a snapshot stream could not be read back.
	ErrCorruptSnapshot = errors.New("corrupt snapshot")
	// ErrUnknownTopic means a subscription asked for a topic the publisher
	// does not serve.
	ErrUnknownTopic = errors.New("unknown event topic")
	// ErrSubscriptionLagged means a subscriber fell so far behind that the
	// events it had not read were dropped; it must subscribe again.
	ErrSubscriptionLagged = errors.New("subscription fell behind, resubscribe")
	// ErrSubscriptionReset means the store was restored from a snapshot
	// and every subscription was ended; subscribe again.
	ErrSubscriptionReset = errors.New("state restored, resubscribe")
	// ErrSubscriptionClosed means Next was called after Close.
	ErrSubscriptionClosed = errors.New("subscription closed")
)
