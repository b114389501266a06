// Package acl decides what a token may do. Every endpoint — HTTP, DNS, RPC,
// xDS — resolves the caller's token to an Authorizer and asks it before
// touching data; list endpoints filter, single reads deny.
//
// This is a leaf package: it imports nothing else from Pylon. Until the ACL
// system exists (rules, policies, tokens), only the allow-all Authorizer is
// provided, so enabling ACLs later needs no new call sites.
package acl
