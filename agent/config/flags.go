package config

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// flagSources are what the command line says: the config sources it
// names, in order, and the settings its flags make, as a tree decoded
// after every file.
type flagSources struct {
	dev     bool
	sources []source // -config-file and -config-dir, in order
	format  string   // -config-format
	hcl     []string // -hcl fragments
	tree    *node    // every other flag
}

// source is one config file or directory named on the command line.
type source struct {
	path  string
	isDir bool
}

// agentFlags are Consul's agent flags and the key each one sets.
var agentFlags = []struct {
	name, key string
	kind      kind
	usage     string
}{
	{"server", "server", kindBool, "Run in server mode."},
	{"bootstrap", "bootstrap", kindBool, "Bootstrap a single-server cluster."},
	{"bootstrap-expect", "bootstrap_expect", kindNumber, "Servers to wait for before bootstrapping."},
	{"data-dir", "data_dir", kindString, "Directory for state that survives restarts."},
	{"node", "node_name", kindString, "Name of this node (default: hostname)."},
	{"node-id", "node_id", kindString, "UUID of this node (default: generated and kept)."},
	{"datacenter", "datacenter", kindString, "Datacenter of this agent (default dc1)."},
	{"bind", "bind_addr", kindString, "Address the cluster listeners bind to."},
	{"client", "client_addr", kindString, "Addresses of the HTTP, DNS and gRPC listeners."},
	{"advertise", "advertise_addr", kindString, "Address advertised to the cluster."},
	{"advertise-wan", "advertise_addr_wan", kindString, "Address advertised to other datacenters."},
	{"http-port", "ports.http", kindNumber, "HTTP API port (-1 disables)."},
	{"https-port", "ports.https", kindNumber, "HTTPS API port (-1 disables)."},
	{"dns-port", "ports.dns", kindNumber, "DNS port (-1 disables)."},
	{"grpc-port", "ports.grpc", kindNumber, "gRPC (xDS) port (-1 disables)."},
	{"serf-lan-port", "ports.serf_lan", kindNumber, "LAN gossip port."},
	{"serf-wan-port", "ports.serf_wan", kindNumber, "WAN gossip port."},
	{"server-port", "ports.server", kindNumber, "Server RPC (Raft) port."},
	{"log-level", "log_level", kindString, "trace, debug, info, warn or error."},
	{"log-json", "log_json", kindBool, "Log in JSON."},
	{"ui", "ui", kindBool, "Serve the web UI."},
	{"domain", "domain", kindString, "DNS domain (default consul.)."},
	{"alt-domain", "alt_domain", kindString, "Alternate DNS domain."},
	{"recursor", "recursors", kindString, "Upstream DNS server; may repeat."},
	{"retry-join", "retry_join", kindString, "Address to join; may repeat."},
	{"join", "start_join", kindString, "Address to join at start; may repeat."},
	{"retry-interval", "retry_interval", kindString, "Time between -retry-join attempts (default 30s)."},
	{"retry-max", "retry_max", kindNumber, "Most -retry-join attempts before giving up (0: no limit)."},
	{"join-wan", "start_join_wan", kindString, "Server address to join over the WAN at start; may repeat."},
	{"retry-join-wan", "retry_join_wan", kindString, "Server address to join over the WAN; may repeat."},
	{"retry-interval-wan", "retry_interval_wan", kindString, "Time between -retry-join-wan attempts (default 30s)."},
	{"retry-max-wan", "retry_max_wan", kindNumber, "Most -retry-join-wan attempts before giving up (0: no limit)."},
	{"rejoin", "rejoin_after_leave", kindBool, "Rejoin the cluster at start even after a graceful leave."},
	{"serf-lan-bind", "serf_lan", kindString, "Address the LAN gossip listener binds to (default: -bind)."},
	{"serf-wan-bind", "serf_wan", kindString, "Address the WAN gossip listener binds to (default: -bind)."},
	{"enable-script-checks", "enable_script_checks", kindBool, "Allow script checks from any source."},
	{"enable-local-script-checks", "enable_local_script_checks", kindBool, "Allow script checks from config files."},
	{"disable-host-node-id", "disable_host_node_id", kindBool, "Do not derive the node ID from the host."},
	{"default-query-time", "default_query_time", kindString, "Default blocking query wait."},
	{"max-query-time", "max_query_time", kindString, "Longest blocking query wait."},
	{"encrypt", "encrypt", kindString, "Gossip encryption key."},
	{"pid-file", "pid_file", kindString, "File to write the agent's PID to."},
	{"log-file", "log_file", kindString, "File to log to."},
	{"raft-protocol", "raft_protocol", kindNumber, "Raft protocol version."},
}

func parseFlags(args []string) (*flagSources, error) {
	fl := &flagSources{tree: &node{pos: pos{file: "command line"}, kind: kindObject}}
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&fl.dev, "dev", false, "Development mode: an in-memory server on 127.0.0.1.")
	fs.Func("config-file", "Config file to load; may repeat.", func(s string) error {
		fl.sources = append(fl.sources, source{path: s})
		return nil
	})
	fs.Func("config-dir", "Directory of .hcl and .json files to load; may repeat.", func(s string) error {
		fl.sources = append(fl.sources, source{path: s, isDir: true})
		return nil
	})
	fs.StringVar(&fl.format, "config-format", "", "Format of config files without a .hcl or .json extension.")
	fs.Func("hcl", "HCL config fragment; may repeat.", func(s string) error {
		fl.hcl = append(fl.hcl, s)
		return nil
	})
	fs.Func("node-meta", "key:value metadata of this node; may repeat.", func(s string) error {
		k, v, ok := strings.Cut(s, ":")
		if !ok || k == "" {
			return fmt.Errorf("want key:value, got %q", s)
		}
		fl.tree.child("node_meta").set(k, stringNode(fl.tree.pos, v))
		return nil
	})
	for _, f := range agentFlags {
		fs.Var(&treeFlag{root: fl.tree, name: f.name, key: f.key, kind: f.kind}, f.name, f.usage)
	}
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("agent flags: %w", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("agent flags: unexpected argument %q", fs.Arg(0))
	}
	return fl, nil
}

// treeFlag is a flag that sets a key of the flags tree.
type treeFlag struct {
	root      *node
	name, key string
	kind      kind
}

func (f *treeFlag) String() string   { return "" }
func (f *treeFlag) IsBoolFlag() bool { return f.kind == kindBool }

func (f *treeFlag) Set(s string) error {
	at := pos{file: "-" + f.name}
	n := &node{pos: at, kind: f.kind, text: s}
	switch f.kind {
	case kindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", s)
		}
		n.bool = b
	case kindNumber:
		if _, err := strconv.Atoi(s); err != nil {
			return fmt.Errorf("want a whole number, got %q", s)
		}
	}
	if strings.HasSuffix(f.key, "_time") || strings.HasSuffix(f.key, "_interval") || strings.HasSuffix(f.key, "_interval_wan") {
		if _, err := time.ParseDuration(s); err != nil {
			return fmt.Errorf("want a duration like 10s, got %q", s)
		}
	}
	parent := f.root
	parts := strings.Split(f.key, ".")
	for _, p := range parts[:len(parts)-1] {
		parent = parent.child(p)
	}
	parent.set(parts[len(parts)-1], n)
	return nil
}
