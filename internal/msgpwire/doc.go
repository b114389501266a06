// Package msgpwire reads and writes msgpack by hand in the form the
// reflective codec (hashicorp/go-msgpack) gives Go structs: maps keyed by
// field name, strings as str, byte slices as bin, nil as nil. A reader
// takes str and bin alike, as the reflective decoder does. Messages on hot
// paths (forwarded HTTP requests, multiplexed calls, KV log entries)
// encode themselves with it, and stay readable by the reflective codec and
// to agents that use it.
package msgpwire
