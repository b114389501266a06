// Package dnsview is the agent's push-updated catalog view for the DNS
// server: it implements dns.Catalog over the state store so that a DNS
// query is a memory lookup, never a store read or an RPC.
//
// Service and connect lookups are answered from per-service views. The
// first query for a name subscribes to the change events for it
// (state.TopicServiceHealth, or state.TopicServiceHealthConnect for connect
// lookups) from the view's Source: the in-process store (StoreSource, the
// default) on a server agent, or the servers over RPC (ClientSource) on a
// client agent. It waits a short while for the opening snapshot, and from
// then on a goroutine applies each batch of events by building a new
// immutable slice of dns.Instance and swapping it in atomically; readers
// only load a pointer. A view nobody has queried for Config.IdleTimeout is dropped with
// its subscription, so memory follows the names clients actually ask for.
// Config.MaxViews bounds the number of views against clients that query
// many distinct names; past it, lookups read the store directly.
//
// Node lookups (Node, NodeByAddress, ServicesByAddress) read the in-process
// store: a node read is one memdb lookup, and the reverse lookups use an
// address index that is rebuilt only after the nodes or services tables
// changed.
//
// Central type: View (New, Close). Only the local datacenter is known;
// lookups in any other datacenter find nothing.
//
// Imports: server/state for the records and events, server for the
// client's subscription stream, dns for the Catalog contract, and
// go-memdb for watch sets.
package dnsview
