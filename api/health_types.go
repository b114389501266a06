package api

import (
	"encoding/json"
	"strings"
	"time"
)

// Check states. HealthAny is only a query value (/v1/health/state/any);
// HealthMaint is only an aggregated status.
const (
	HealthAny      = "any"
	HealthPassing  = "passing"
	HealthWarning  = "warning"
	HealthCritical = "critical"
	HealthMaint    = "maintenance"
)

// Maintenance check IDs: the node's, and the prefix of a service's
// (followed by the service ID).
const (
	NodeMaint          = "_node_maintenance"
	ServiceMaintPrefix = "_service_maintenance:"
)

// HealthCheck is a check as the catalog stores it.
type HealthCheck struct {
	Node        string
	CheckID     string
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	ServiceTags []string
	Type        string
	Interval    string // the check's interval as a duration string; "" if none
	Timeout     string // the check's timeout as a duration string; "" if none
	Namespace   string `json:",omitempty"`
	Partition   string `json:",omitempty"`
	ExposedPort int
	PeerName    string `json:",omitempty"`

	Definition HealthCheckDefinition

	CreateIndex uint64
	ModifyIndex uint64
}

// HealthCheckDefinition is how a check probes: the type-specific settings.
// In JSON, Interval, Timeout and DeregisterCriticalServiceAfter are duration
// strings. Set either the *Duration fields or the ReadableDuration ones;
// the *Duration fields win when both are set. Decoding fills both.
type HealthCheckDefinition struct {
	HTTP                                   string
	Header                                 map[string][]string
	Method                                 string
	Body                                   string
	TLSServerName                          string
	TLSSkipVerify                          bool
	TCP                                    string
	TCPUseTLS                              bool
	UDP                                    string
	GRPC                                   string
	OSService                              string
	GRPCUseTLS                             bool
	IntervalDuration                       time.Duration `json:"-"`
	TimeoutDuration                        time.Duration `json:"-"`
	DeregisterCriticalServiceAfterDuration time.Duration `json:"-"`
	SessionName                            string        `json:",omitempty"`

	Interval                       ReadableDuration
	Timeout                        ReadableDuration
	DeregisterCriticalServiceAfter ReadableDuration
}

// definitionWire is the JSON shape of HealthCheckDefinition, in Consul's
// key order.
type definitionWire struct {
	Interval                       string
	Timeout                        string
	DeregisterCriticalServiceAfter string
	HTTP                           string
	Header                         map[string][]string
	Method                         string
	Body                           string
	TLSServerName                  string
	TLSSkipVerify                  bool
	TCP                            string
	TCPUseTLS                      bool
	UDP                            string
	GRPC                           string
	OSService                      string
	GRPCUseTLS                     bool
	SessionName                    string `json:",omitempty"`
}

// MarshalJSON writes the durations as strings ("10s", "0s").
func (d HealthCheckDefinition) MarshalJSON() ([]byte, error) {
	pick := func(exact time.Duration, readable ReadableDuration) string {
		if exact != 0 {
			return exact.String()
		}
		return time.Duration(readable).String()
	}
	return json.Marshal(definitionWire{
		Interval:                       pick(d.IntervalDuration, d.Interval),
		Timeout:                        pick(d.TimeoutDuration, d.Timeout),
		DeregisterCriticalServiceAfter: pick(d.DeregisterCriticalServiceAfterDuration, d.DeregisterCriticalServiceAfter),
		HTTP:                           d.HTTP, Header: d.Header, Method: d.Method, Body: d.Body,
		TLSServerName: d.TLSServerName, TLSSkipVerify: d.TLSSkipVerify,
		TCP: d.TCP, TCPUseTLS: d.TCPUseTLS, UDP: d.UDP, GRPC: d.GRPC,
		OSService: d.OSService, GRPCUseTLS: d.GRPCUseTLS, SessionName: d.SessionName,
	})
}

// UnmarshalJSON reads durations given as strings or nanosecond numbers,
// under their plain names or the *Duration names (which win).
func (d *HealthCheckDefinition) UnmarshalJSON(b []byte) error {
	type plain HealthCheckDefinition // drops the methods
	var aux struct {
		plain
		IntervalDuration                       *ReadableDuration
		TimeoutDuration                        *ReadableDuration
		DeregisterCriticalServiceAfterDuration *ReadableDuration
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*d = HealthCheckDefinition(aux.plain)
	sync := func(exact *time.Duration, readable *ReadableDuration, override *ReadableDuration) {
		if override != nil {
			*readable = *override
		}
		*exact = time.Duration(*readable)
	}
	sync(&d.IntervalDuration, &d.Interval, aux.IntervalDuration)
	sync(&d.TimeoutDuration, &d.Timeout, aux.TimeoutDuration)
	sync(&d.DeregisterCriticalServiceAfterDuration, &d.DeregisterCriticalServiceAfter, aux.DeregisterCriticalServiceAfterDuration)
	return nil
}

// HealthChecks is a list of checks.
type HealthChecks []*HealthCheck

// AggregatedStatus folds the checks into one state: maintenance if any
// maintenance check is present, else the worst of critical, warning and
// passing; passing for no checks; "" if a check has an unknown status.
func (c HealthChecks) AggregatedStatus() string {
	var warning, critical, maint bool
	for _, hc := range c {
		if hc.CheckID == NodeMaint || strings.HasPrefix(hc.CheckID, ServiceMaintPrefix) {
			maint = true
			continue
		}
		switch hc.Status {
		case HealthPassing:
		case HealthWarning:
			warning = true
		case HealthCritical:
			critical = true
		default:
			return ""
		}
	}
	switch {
	case maint:
		return HealthMaint
	case critical:
		return HealthCritical
	case warning:
		return HealthWarning
	}
	return HealthPassing
}

// ServiceEntry is one instance of a service with its node and every check
// that applies to it (node checks and service checks).
type ServiceEntry struct {
	Node    *Node
	Service *AgentService
	Checks  HealthChecks
}
