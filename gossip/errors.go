package gossip

import "errors"

// Errors returned by the package; test them with errors.Is.
var (
	// ErrInvalidKey is a gossip key that is not base64 of 16, 24 or 32
	// bytes.
	ErrInvalidKey = errors.New("gossip: invalid encryption key")
	// ErrEncryptionDisabled is a keyring operation on a pool that runs
	// without a key.
	ErrEncryptionDisabled = errors.New("gossip: encryption is not enabled")
	// ErrCoordinatesDisabled is a coordinate read on a pool with
	// DisableCoordinates set.
	ErrCoordinatesDisabled = errors.New("gossip: coordinates are disabled")
	// ErrIncompatibleCoordinates is an RTT between coordinates of
	// different dimensions.
	ErrIncompatibleCoordinates = errors.New("gossip: incompatible coordinates")
	// ErrRetryJoinGaveUp is RetryJoin after its last allowed attempt.
	ErrRetryJoinGaveUp = errors.New("gossip: retry join gave up")
	// ErrShutdown is an operation on a pool that was shut down.
	ErrShutdown = errors.New("gossip: pool is shut down")
)
