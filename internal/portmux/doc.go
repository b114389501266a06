// Package portmux shares one TCP port among several protocols, as a
// server's port 8300 carries Raft and agent RPC: the first byte a client
// sends names the protocol, and each protocol gets a net.Listener of its
// own that yields only its connections (with that byte consumed). Dial
// writes the byte for the client side.
//
// The byte values are Consul's, so the layout of the port stays familiar.
package portmux
