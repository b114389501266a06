// Package api is Pylon's Go client for the /v1 HTTP API and the home of its
// JSON wire types.
//
// The types keep Consul's names, field names and JSON casing, so a program
// written against github.com/hashicorp/consul/api can switch its import path
// and keep working, and Pylon's HTTP handlers encode their replies with the
// same structs. A field the server always sends has no omitempty tag; a field
// Consul leaves out when empty keeps omitempty.
//
// The package imports nothing from this repository and nothing outside the
// standard library.
package api
