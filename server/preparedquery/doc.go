// Package preparedquery executes Consul prepared queries against the state
// store: it reads the instances of the query's service and keeps the
// healthy ones that match its filters, in random order, nearest node first
// when the query or the caller names one.
//
// Execute runs a query already resolved (see state.Store.PreparedQueryResolve);
// Lookup resolves a name or ID and executes what it finds, which is what
// the HTTP execute endpoint and DNS <name>.query lookups do.
//
// Two parts of Consul's execution wait for features Pylon does not have
// yet:
//
//   - Failover to other datacenters (Service.Failover NearestN, Datacenters,
//     Targets) needs the WAN pool and cross-datacenter RPC. Only the local
//     datacenter is queried and Result.Failovers is always 0.
//   - Sorting by network distance (Service.Near, ?near) needs network
//     coordinates. Results stay shuffled; only the named node (the asking
//     agent for "_agent", the node with the client's address for "_ip") is
//     moved to the front when it is among them, as Consul does for the
//     node it sorts from.
//
// The package imports server/state and acl only.
package preparedquery
