// Package watch runs Consul-style watches: a view of the data (a key, a key
// prefix, the service list, the node list, the instances of a service, health
// checks, user events) followed with blocking queries, and a handler called
// each time the view changes.
//
// A Plan is parsed from the same map a watch definition has in an agent's
// config file or that `pylon watch` builds from its flags (Parse), then run
// against an agent's HTTP API through the api client (Plan.Run). The handler
// is a Go function (Plan.Handler), or the script or HTTP handler the
// definition names (ScriptHandler, HTTPHandler).
//
// The loop keeps Consul's index rules: the handler is called once with the
// first result and then only when the index changes and the result differs;
// an index that goes backwards (a restored snapshot, a new leader with an
// older view) starts over from 0; failed queries are retried with a capped
// exponential back-off; Stop ends the loop and an in-flight handler at once.
//
// The package imports package api and the standard library only.
package watch
