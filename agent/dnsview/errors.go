package dnsview

import "errors"

// Errors returned by New.
var (
	ErrNoDatacenter = errors.New("dnsview: no datacenter")
	ErrNoStore      = errors.New("dnsview: nil store")
)
