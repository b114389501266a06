package checks

import "errors"

var (
	// ErrUnsupportedType is returned by New for check types Pylon does not
	// run (docker, os_service) and for a definition with no type at all.
	ErrUnsupportedType = errors.New("unsupported check type")

	// ErrScriptsDisabled is returned by New for a script check when
	// Options.AllowScripts is false.
	ErrScriptsDisabled = errors.New("script checks are disabled; enable them with enable_script_checks or enable_local_script_checks")

	// ErrNoInterval is returned by New for an interval check without a
	// positive interval.
	ErrNoInterval = errors.New("check needs a positive interval")

	// ErrNoAliasSource is returned by New for an alias check when
	// Options.Alias is nil.
	ErrNoAliasSource = errors.New("alias check needs an alias source")

	// ErrInvalidStatus is returned by (*TTL).SetStatus for a status other
	// than passing, warning or critical.
	ErrInvalidStatus = errors.New("invalid check status")

	// ErrInvalidTarget is returned by New when the check's address cannot
	// be used (a malformed URL, a gRPC target without host:port ...).
	ErrInvalidTarget = errors.New("invalid check target")
)
