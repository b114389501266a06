package config

import (
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"
)

type buildOptions struct {
	dev       bool
	filesOnly bool // validating files: no data dir needed
}

// build decodes the sources in order and turns the result into a Runtime.
func build(trees []*node, opts buildOptions) (*Runtime, []string, error) {
	var fc fileConfig
	d := &decoder{ignored: ignoredKeys}
	for _, t := range trees {
		if t.kind != kindObject {
			return nil, nil, fmt.Errorf("%s: the top level must be an object, not %s", t.pos, t.kind)
		}
		if err := d.decode(t, reflect.ValueOf(&fc).Elem(), ""); err != nil {
			return nil, nil, err
		}
	}
	rt, err := fc.runtime(opts)
	if err != nil {
		return nil, nil, err
	}
	return rt, append(d.warnings, fc.warnings...), nil
}

func (fc *fileConfig) runtime(opts buildOptions) (*Runtime, error) {
	dev := opts.dev
	rt := &Runtime{
		DevMode:                 dev,
		NodeName:                or(fc.NodeName, hostname()),
		NodeID:                  strings.ToLower(or(fc.NodeID, "")),
		Datacenter:              strings.ToLower(or(fc.Datacenter, "dc1")),
		DataDir:                 or(fc.DataDir, ""),
		Server:                  or(fc.Server, dev),
		Bootstrap:               or(fc.Bootstrap, dev),
		LogJSON:                 or(fc.LogJSON, false),
		UIEnabled:               or(fc.UIConfig.Enabled, or(fc.UI, dev)),
		EnableScriptChecks:      or(fc.EnableScriptChecks, false),
		EnableDebug:             or(fc.EnableDebug, false),
		EnableLocalScriptChecks: or(fc.EnableLocalScriptChecks, false),
		NodeMeta:                fc.NodeMeta,
		DefaultQueryTime:        or(fc.DefaultQueryTime, 300*time.Second),
		MaxQueryTime:            or(fc.MaxQueryTime, 600*time.Second),
		CheckUpdateInterval:     or(fc.CheckUpdateInterval, 5*time.Minute),
		SessionTTLMin:           or(fc.SessionTTLMin, 0),
		RaftSnapshotThreshold:   or(fc.RaftSnapshotThreshold, 0),
		RaftSnapshotInterval:    or(fc.RaftSnapshotInterval, 0),
		RaftTrailingLogs:        or(fc.RaftTrailingLogs, 0),
		HTTPResponseHeaders:     fc.HTTPConfig.ResponseHeaders,
	}
	steps := []func(*Runtime, buildOptions) error{
		fc.identity, fc.addresses, fc.ports, fc.logging, fc.timing, fc.dns, fc.definitions, fc.watches,
		fc.joining, fc.gossip, fc.leaving, fc.servers, fc.acl, fc.limits,
	}
	for _, step := range steps {
		if err := step(rt, opts); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

var (
	datacenterRE = regexp.MustCompile(`^[a-z0-9_-]+$`)
	uuidRE       = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

func (fc *fileConfig) identity(rt *Runtime, opts buildOptions) error {
	if rt.NodeName == "" {
		return fmt.Errorf("node_name: empty, and the hostname is unknown; set -node")
	}
	if !datacenterRE.MatchString(rt.Datacenter) {
		return fmt.Errorf("datacenter %q: only letters, digits, '_' and '-' are allowed", rt.Datacenter)
	}
	if rt.NodeID != "" && !uuidRE.MatchString(rt.NodeID) {
		return fmt.Errorf("node_id %q: not a UUID", rt.NodeID)
	}
	if err := validateMeta(rt.NodeMeta); err != nil {
		return fmt.Errorf("node_meta: %w", err)
	}
	if rt.DataDir == "" && !rt.DevMode && !opts.filesOnly {
		return fmt.Errorf("data_dir is required: set -data-dir, or run with -dev")
	}
	if rt.DataDir != "" && !opts.filesOnly {
		if fi, err := os.Stat(rt.DataDir); err == nil && !fi.IsDir() {
			return fmt.Errorf("data_dir %q is not a directory", rt.DataDir)
		}
	}
	if !rt.Server && rt.Bootstrap {
		return fmt.Errorf("bootstrap needs server mode")
	}
	return nil
}

func (fc *fileConfig) logging(rt *Runtime, _ buildOptions) error {
	level := strings.ToLower(or(fc.LogLevel, map[bool]string{true: "debug", false: "info"}[rt.DevMode]))
	switch level {
	case "warning":
		level = "warn"
	case "err":
		level = "error"
	}
	switch level {
	case "trace", "debug", "info", "warn", "error":
		rt.LogLevel = level
		return nil
	}
	return fmt.Errorf("log_level %q: want trace, debug, info, warn or error", level)
}

func (fc *fileConfig) timing(rt *Runtime, _ buildOptions) error {
	for name, d := range map[string]time.Duration{
		"default_query_time": rt.DefaultQueryTime, "max_query_time": rt.MaxQueryTime,
		"check_update_interval": rt.CheckUpdateInterval,
	} {
		if d <= 0 {
			return fmt.Errorf("%s: must be positive, got %s", name, d)
		}
	}
	// Zero keeps the server's default for these.
	for name, n := range map[string]int64{
		"session_ttl_min": int64(rt.SessionTTLMin), "raft_snapshot_interval": int64(rt.RaftSnapshotInterval),
		"raft_snapshot_threshold": int64(rt.RaftSnapshotThreshold), "raft_trailing_logs": int64(rt.RaftTrailingLogs),
	} {
		if n < 0 {
			return fmt.Errorf("%s: must not be negative, got %d", name, n)
		}
	}
	return nil
}

// definitions validates the services and checks of the files, naming
// where each was written.
func (fc *fileConfig) definitions(rt *Runtime, _ buildOptions) error {
	seen := map[string]pos{}
	for i := range fc.Services {
		e := &fc.Services[i]
		if err := e.Validate(); err != nil {
			return fmt.Errorf("%s: service %q: %w", e.at, e.Name, err)
		}
		id := e.ID
		if id == "" {
			id = e.Name
		}
		if at, dup := seen[id]; dup {
			return fmt.Errorf("%s: service ID %q is already defined at %s", e.at, id, at)
		}
		seen[id] = e.at
		rt.Services = append(rt.Services, e.ServiceDefinition)
	}
	for i := range fc.Checks {
		e := &fc.Checks[i]
		if e.Name == "" && e.ID == "" {
			return fmt.Errorf("%s: check: a name is required", e.at)
		}
		if err := e.Validate(); err != nil {
			return fmt.Errorf("%s: check %q: %w", e.at, e.Name, err)
		}
		rt.Checks = append(rt.Checks, e.CheckDefinition)
	}
	return nil
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// or returns *p, or def when p is nil.
func or[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func parseIP(key, s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		if strings.Contains(s, "{{") {
			return netip.Addr{}, fmt.Errorf("%s %q: address templates are not supported; give an IP", key, s)
		}
		return netip.Addr{}, fmt.Errorf("%s %q: not an IP address", key, s)
	}
	return a, nil
}
