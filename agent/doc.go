// Package agent is the per-node process: it loads the runtime config, runs
// the embedded server when configured as one, keeps the node's local
// services and checks (package local) in sync with the catalog, runs the
// check runners (package checks), persists API registrations in the data
// directory, and serves the HTTP API (package httpapi).
//
// Only main's command layer imports it. It may import server, dns,
// connect, acl and the api types (DESIGN.md §2).
package agent
