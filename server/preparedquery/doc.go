// Package preparedquery executes Consul prepared queries against the state
// store: it reads the instances of the query's service and keeps the
// healthy ones that match its filters, in random order, or sorted by
// estimated round-trip time from a node when the query or the caller names
// one (Service.Near, ?near: a node, "_agent" for the asking agent's, "_ip"
// for the node with the client's address). When that node has no network
// coordinate, it is only moved to the front (near.go).
//
// Execute runs a query already resolved (see state.Store.PreparedQueryResolve);
// Lookup resolves a name or ID and executes what it finds, which is what
// the HTTP execute endpoint and DNS <name>.query lookups do.
//
// Failover to other datacenters (Service.Failover NearestN, Datacenters,
// Targets) waits for the WAN pool and cross-datacenter RPC: only the local
// datacenter is queried and Result.Failovers is always 0.
//
// The package imports server/state and acl only.
package preparedquery
