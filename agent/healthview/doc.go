// Package healthview keeps an agent's push-updated health lists, one per
// service asked for, so that a ?cached /v1/health/service or
// /v1/health/connect read is a memory lookup, never a store read or an
// RPC to the servers.
//
// The first Get for a (service, connect) key subscribes to its change
// events (state.TopicServiceHealth or state.TopicServiceHealthConnect)
// from the view's dnsview.Source: the in-process store on a server agent,
// the servers over RPC on a client agent. It waits a bounded while for the
// opening snapshot; from then on a goroutine applies each batch of events
// to a sorted list of state.CheckServiceNode (in the store's order) and
// swaps the new list in, with the index of the last event applied. A Get
// with a minimum index is a blocking query on the view: it waits for a
// newer list without asking any server.
//
// A key's view knows whether its stream is up. While it is, the server
// would have sent any change, so the list is current and its age is zero;
// once the stream fails the view keeps answering its last list, and the
// age grows from the moment the stream was lost until a server is reached
// again (from the index the view had, or with a fresh snapshot).
//
// A view nobody asked for during Config.IdleTimeout is dropped with its
// subscription; Config.MaxViews bounds how many exist.
//
// Central type: View (New, Get, Close). Imports: server/state for the
// records and events, agent/dnsview for the Source the DNS views use too.
package healthview
