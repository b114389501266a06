// Package connlimit caps how many connections one client address may hold
// open to a listener at once: Consul's limits.http_max_conns_per_client
// and limits.rpc_max_conns_per_client, its answer to connection floods
// that exhaust a server (CVE-2020-7219). A connection over the cap is
// handed to a reject function, which answers it (or not) and closes it;
// the listener's Accept never returns it.
package connlimit
