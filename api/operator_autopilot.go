package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// AutopilotConfiguration is how the leader manages the servers.
type AutopilotConfiguration struct {
	// CleanupDeadServers removes failed servers from Raft while a
	// quorum of voters remains.
	CleanupDeadServers bool
	// LastContactThreshold is the longest a server may go without
	// contact from the leader and still be healthy.
	LastContactThreshold *ReadableDuration
	// MaxTrailingLogs is how many entries a server may be behind and
	// still be healthy.
	MaxTrailingLogs uint64
	// MinQuorum is the fewest voters dead-server cleanup leaves.
	MinQuorum uint
	// ServerStabilizationTime is how long a new server must be healthy
	// before it becomes a voter.
	ServerStabilizationTime *ReadableDuration
	// RedundancyZoneTag, DisableUpgradeMigration and UpgradeVersionTag
	// are Consul Enterprise settings, accepted and ignored.
	RedundancyZoneTag       string
	DisableUpgradeMigration bool
	UpgradeVersionTag       string
	// CreateIndex and ModifyIndex are the Raft indexes of the stored
	// configuration (0 until an operator sets one); ModifyIndex is the
	// check-and-set index.
	CreateIndex uint64
	ModifyIndex uint64
}

// ServerHealth is the leader's view of one server.
type ServerHealth struct {
	ID          string
	Name        string
	Address     string
	SerfStatus  string
	Version     string
	Leader      bool
	LastContact *ReadableDuration
	LastTerm    uint64
	LastIndex   uint64
	Healthy     bool
	Voter       bool
	StableSince time.Time
}

// OperatorHealthReply is the health of the servers.
type OperatorHealthReply struct {
	// Healthy is true when every server is.
	Healthy bool
	// FailureTolerance is how many voters may fail with a quorum left.
	FailureTolerance int
	Servers          []ServerHealth
}

// AutopilotServerStatus is a server's role in the autopilot state.
type AutopilotServerStatus string

// Server statuses.
const (
	AutopilotServerNone     AutopilotServerStatus = "none"
	AutopilotServerLeader   AutopilotServerStatus = "leader"
	AutopilotServerVoter    AutopilotServerStatus = "voter"
	AutopilotServerNonVoter AutopilotServerStatus = "non-voter"
	AutopilotServerStaging  AutopilotServerStatus = "staging"
)

// AutopilotServerType is the kind of server; "voter" in Consul CE.
type AutopilotServerType string

// AutopilotTypeVoter is a server that votes once stable.
const AutopilotTypeVoter AutopilotServerType = "voter"

// AutopilotServer is one server in the autopilot state.
type AutopilotServer struct {
	ID          string
	Name        string
	Address     string
	NodeStatus  string
	Version     string
	LastContact *ReadableDuration
	LastTerm    uint64
	LastIndex   uint64
	Healthy     bool
	StableSince time.Time
	ReadReplica bool
	Status      AutopilotServerStatus
	Meta        map[string]string
	NodeType    AutopilotServerType
}

// AutopilotState is autopilot's full view of the servers.
type AutopilotState struct {
	Healthy          bool
	FailureTolerance int
	// OptimisticFailureTolerance is the failure tolerance were every
	// voter healthy.
	OptimisticFailureTolerance int
	Servers                    map[string]AutopilotServer
	Leader                     string
	Voters                     []string
}

// AutopilotGetConfiguration returns the autopilot configuration
// (GET /v1/operator/autopilot/configuration). It needs operator:read.
func (op *Operator) AutopilotGetConfiguration(q *QueryOptions) (*AutopilotConfiguration, error) {
	r := op.c.newRequest(http.MethodGet, "/v1/operator/autopilot/configuration")
	r.setQueryOptions(q)
	var out AutopilotConfiguration
	if _, err := op.c.fetch(r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AutopilotSetConfiguration stores the autopilot configuration
// (PUT /v1/operator/autopilot/configuration). It needs operator:write.
func (op *Operator) AutopilotSetConfiguration(conf *AutopilotConfiguration, q *WriteOptions) error {
	r := op.c.newRequest(http.MethodPut, "/v1/operator/autopilot/configuration")
	r.setWriteOptions(q)
	r.body = conf
	_, err := op.c.exec(r, nil)
	return err
}

// AutopilotCASConfiguration stores the configuration only if its
// ModifyIndex still matches the stored one (?cas=); it reports whether it
// did.
func (op *Operator) AutopilotCASConfiguration(conf *AutopilotConfiguration, q *WriteOptions) (bool, error) {
	r := op.c.newRequest(http.MethodPut, "/v1/operator/autopilot/configuration")
	r.setWriteOptions(q)
	r.params.Set("cas", strconv.FormatUint(conf.ModifyIndex, 10))
	r.body = conf
	var ok bool
	if _, err := op.c.exec(r, &ok); err != nil {
		return false, err
	}
	return ok, nil
}

// AutopilotServerHealth returns the servers' health
// (GET /v1/operator/autopilot/health). An unhealthy cluster answers 429,
// which is not an error here: the reply says Healthy false.
func (op *Operator) AutopilotServerHealth(q *QueryOptions) (*OperatorHealthReply, error) {
	r := op.c.newRequest(http.MethodGet, "/v1/operator/autopilot/health")
	r.setQueryOptions(q)
	r.accept = []int{http.StatusTooManyRequests}
	resp, _, err := op.c.send(r)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	var out OperatorHealthReply
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("decode %s: %w", r.path, err)
	}
	return &out, nil
}

// AutopilotState returns autopilot's full view of the servers
// (GET /v1/operator/autopilot/state). It needs operator:read.
func (op *Operator) AutopilotState(q *QueryOptions) (*AutopilotState, error) {
	r := op.c.newRequest(http.MethodGet, "/v1/operator/autopilot/state")
	r.setQueryOptions(q)
	var out AutopilotState
	if _, err := op.c.fetch(r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
