// Package httpapi serves Consul's /v1 HTTP API: one route table for every
// endpoint, the cross-cutting query parameters (blocking index/wait,
// consistency modes, filter, node-meta, tag, pretty) and headers
// (X-Consul-Index, X-Consul-KnownLeader, X-Consul-LastContact), and the
// conversion between stored records and the api package's wire types.
//
// Handlers reach the rest of the process only through the Catalog and Agent
// interfaces declared here, and ask an acl.Authorizer before touching data.
package httpapi
