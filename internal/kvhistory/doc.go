// Package kvhistory checks that a KV store is linearizable: concurrent
// clients run a random workload of get, put, compare-and-set and delete on
// a few keys, every operation is recorded with its call and return times,
// and the history is checked against a sequential model with porcupine.
//
// Written values are unique (client and sequence number), so a
// compare-and-set on a ModifyIndex read earlier is, for the model, a
// compare-and-set on the value read with it. An operation that failed
// with an error may or may not have taken effect; it is recorded as
// returning at the end of time, which admits both.
//
// The store under test is an interface: tests drive a real agent over
// HTTP, on one server here and against a cluster under faults later.
package kvhistory
