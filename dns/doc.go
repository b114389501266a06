// Package dns is Pylon's DNS interface: the Consul-compatible name server an
// agent runs on UDP and TCP (127.0.0.1:8600 by default).
//
// It answers the Consul query forms — <svc>.service, <tag>.<svc>.service,
// RFC 2782 _<svc>._<tag>, <node>.node, <svc>.connect, <hex>.addr, reverse
// PTR, SOA and NS for the domain (and alt_domain) — and forwards names outside
// the domain to the configured recursors.
//
// Answers come from a Catalog, a small read-only lookup interface that the
// agent satisfies from its push-updated views. A query is a memory lookup,
// never an RPC; the per-query path reuses pooled buffers so a lookup costs a
// handful of allocations. Every answer is filtered through an
// acl.Authorizer for the agent's DNS token.
//
// Central types: Server (New, Start, Shutdown, ServeDNS), Config
// (DefaultConfig, Validate) and Catalog with its record types Instance and
// Node. Package dnstest holds a response recorder and an in-memory Catalog
// for tests.
//
// Imports: only acl from Pylon, and github.com/miekg/dns.
package dns
