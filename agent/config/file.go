package config

import "time"

// fileConfig is what the sources say, before defaults. Pointers tell "not
// set" from zero, so that a later source can set false or 0.
type fileConfig struct {
	NodeName        *string
	NodeID          *string
	Datacenter      *string
	DataDir         *string
	Server          *bool
	Bootstrap       *bool
	BootstrapExpect setting[int]

	BindAddr         *string
	AdvertiseAddr    *string
	AdvertiseAddrWAN *string `cfg:"advertise_addr_wan"`
	ClientAddr       *string
	Addresses        struct{ DNS, HTTP, HTTPS, GRPC *string }
	Ports            portsFile

	LogLevel                *string
	LogJSON                 *bool `cfg:"log_json"`
	UI                      *bool
	UIConfig                struct{ Enabled *bool }
	EnableScriptChecks      *bool
	EnableDebug             *bool
	EnableLocalScriptChecks *bool
	NodeMeta                map[string]string
	DisableHostNodeID       *bool

	DefaultQueryTime    *time.Duration
	MaxQueryTime        *time.Duration
	CheckUpdateInterval *time.Duration
	SessionTTLMin       *time.Duration `cfg:"session_ttl_min"`

	RaftSnapshotThreshold *int
	RaftSnapshotInterval  *time.Duration
	RaftTrailingLogs      *int

	HTTPConfig struct{ ResponseHeaders map[string]string } `cfg:"http_config"`
	Limits     limitsFile                                  // build_limits.go

	Domain    *string
	AltDomain *string
	Recursors []string
	DNSConfig dnsFile `cfg:"dns_config"`

	clusterFile

	ACL aclFile
	aclLegacyFile

	Services []serviceEntry `cfg:"service"`
	Checks   []checkEntry   `cfg:"check"`
	Watches  []watchEntry

	// warnings are made while building the Runtime (not decoded).
	warnings []string
}

type portsFile struct {
	DNS, HTTP, HTTPS, GRPC, SerfLAN, SerfWAN, Server *int
	SidecarMinPort, SidecarMaxPort                   *int
	ExposeMinPort, ExposeMaxPort                     *int
}

type dnsFile struct {
	AllowStale                  *bool
	MaxStale                    *time.Duration
	NodeTTL                     *time.Duration           `cfg:"node_ttl"`
	ServiceTTL                  map[string]time.Duration `cfg:"service_ttl"`
	EnableTruncate              *bool
	OnlyPassing                 *bool
	UDPAnswerLimit              *int `cfg:"udp_answer_limit"`
	ARecordLimit                *int `cfg:"a_record_limit"`
	DisableCompression          *bool
	RecursorTimeout             *time.Duration
	RecursorStrategy            *string
	EnableAdditionalNodeMetaTXT *bool                                            `cfg:"enable_additional_node_meta_txt"`
	SOA                         struct{ Refresh, Retry, Expire, MinTTL *uint32 } `cfg:"soa"`
}

// serviceEntry and checkEntry remember where a definition was written, so
// that validation errors name the file and line.
type serviceEntry struct {
	ServiceDefinition
	at pos
}

func (e *serviceEntry) setPos(p pos) { e.at = p }

type checkEntry struct {
	CheckDefinition
	at pos
}

func (e *checkEntry) setPos(p pos)      { e.at = p }
func (e *checkEntry) setDefaults()      { e.CheckDefinition.setDefaults() }
func (c *CheckDefinition) setDefaults() { c.H2PingUseTLS = true }

// ignoredKeys are Consul keys that Pylon accepts but does not act on yet;
// a file that sets one loads with a warning.
var ignoredKeys = keySet(
	"primary_datacenter", "connect", "telemetry",
	"tls", "verify_incoming", "verify_outgoing", "verify_server_hostname",
	"ca_file", "ca_path", "cert_file", "key_file", "auto_encrypt", "auto_config",
	"disable_update_check", "disable_remote_exec", "raft_protocol", "log_file", "log_rotate_bytes",
	"log_rotate_duration", "log_rotate_max_files", "enable_syslog", "syslog_facility", "config_entries",
	"audit", "pid_file", "leave_on_interrupt", "translate_wan_addrs", "enable_central_service_config",
	"advertise_addrs",
	"segment", "segments", "license_path", "rpc", "peering",
	"experiments", "dns_recursor", "cloud", "enable_agent_tls_for_checks", "discard_check_output",
	"disable_coordinates", "unix_sockets", "tagged_addresses", "http_max_conns_per_client", "ui_dir",
)

func keySet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[normalizeKey(k)] = true
	}
	return m
}
