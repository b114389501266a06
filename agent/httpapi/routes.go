package httpapi

import (
	"errors"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"
)

// route is one endpoint. A path ending in "/" takes the rest of the URL
// path as its argument (a service ID, node name ...).
type route struct {
	path    string
	methods []string
	handle  func(s *Server, c *call) error
}

// routeTable lists every endpoint of the API. It is the single place an
// endpoint is declared; tests and the ACL sweep walk it.
func routeTable() []route {
	get, put := []string{http.MethodGet}, []string{http.MethodPut}
	return []route{
		// Agent: this node's own state.
		{"/v1/agent/self", get, (*Server).agentSelf},
		{"/v1/agent/monitor", get, (*Server).agentMonitor}, // monitor.go
		{"/v1/agent/members", get, (*Server).agentMembers},
		{"/v1/agent/services", get, (*Server).agentServices},
		{"/v1/agent/service/", get, (*Server).agentService},
		{"/v1/agent/checks", get, (*Server).agentChecks},
		{"/v1/agent/service/register", put, (*Server).agentServiceRegister},
		{"/v1/agent/service/deregister/", put, (*Server).agentServiceDeregister},
		{"/v1/agent/service/maintenance/", put, (*Server).agentServiceMaintenance},
		{"/v1/agent/check/register", put, (*Server).agentCheckRegister},
		{"/v1/agent/check/deregister/", put, (*Server).agentCheckDeregister},
		{"/v1/agent/check/pass/", put, (*Server).agentCheckPass},
		{"/v1/agent/check/warn/", put, (*Server).agentCheckWarn},
		{"/v1/agent/check/fail/", put, (*Server).agentCheckFail},
		{"/v1/agent/check/update/", put, (*Server).agentCheckUpdate},
		{"/v1/agent/maintenance", put, (*Server).agentNodeMaintenance},
		{"/v1/agent/reload", put, (*Server).agentReload},
		{"/v1/agent/health/service/name/", get, (*Server).agentHealthByName},
		{"/v1/agent/health/service/id/", get, (*Server).agentHealthByID},
		// Gossip (gossip.go): join, leave, force-leave; members above.
		{"/v1/agent/join/", put, (*Server).agentJoin},
		{"/v1/agent/leave", put, (*Server).agentLeave},
		{"/v1/agent/force-leave/", put, (*Server).agentForceLeave},

		// Catalog.
		{"/v1/catalog/register", put, (*Server).catalogRegister},
		{"/v1/catalog/deregister", put, (*Server).catalogDeregister},
		{"/v1/catalog/datacenters", get, (*Server).catalogDatacenters},
		{"/v1/catalog/nodes", get, (*Server).catalogNodes},
		{"/v1/catalog/services", get, (*Server).catalogServices},
		{"/v1/catalog/service/", get, (*Server).catalogService},
		{"/v1/catalog/connect/", get, (*Server).catalogConnect},
		{"/v1/catalog/node/", get, (*Server).catalogNode},
		{"/v1/catalog/node-services/", get, (*Server).catalogNodeServices},

		// Health.
		{"/v1/health/node/", get, (*Server).healthNode},
		{"/v1/health/checks/", get, (*Server).healthChecks},
		{"/v1/health/service/", get, (*Server).healthService},
		{"/v1/health/connect/", get, (*Server).healthConnect},
		{"/v1/health/state/", get, (*Server).healthState},

		// Prepared queries (prepared_query.go). "/v1/query/" also takes
		// :id-or-name/execute and :id-or-name/explain, GET only.
		{"/v1/query", []string{http.MethodGet, http.MethodPost}, (*Server).preparedQueries},
		{"/v1/query/", []string{http.MethodGet, http.MethodPut, http.MethodDelete}, (*Server).preparedQuery},

		// KV store (kv.go), sessions (session.go), transactions (txn.go).
		{"/v1/kv/", []string{http.MethodGet, http.MethodPut, http.MethodDelete}, (*Server).kv},
		{"/v1/session/create", put, (*Server).sessionCreate},
		{"/v1/session/destroy/", put, (*Server).sessionDestroy},
		{"/v1/session/renew/", put, (*Server).sessionRenew},
		{"/v1/session/info/", get, (*Server).sessionInfo},
		{"/v1/session/node/", get, (*Server).sessionNode},
		{"/v1/session/list", get, (*Server).sessionList},
		{"/v1/txn", put, (*Server).txn},
		{"/v1/snapshot", []string{http.MethodGet, http.MethodPut}, (*Server).snapshot}, // snapshot.go

		// User events (event.go).
		{"/v1/event/fire/", put, (*Server).eventFire},
		{"/v1/event/list", get, (*Server).eventList},

		// Gossip encryption keys (keyring.go): list, install, use, remove.
		{"/v1/operator/keyring", []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}, (*Server).operatorKeyring},

		// ACL (acl*.go); the agent's own tokens.
		{"/v1/acl/bootstrap", put, (*Server).aclBootstrap},
		{"/v1/acl/token", put, (*Server).aclTokenCreate},
		{"/v1/acl/token/", []string{http.MethodGet, http.MethodPut, http.MethodDelete}, (*Server).aclToken},
		{"/v1/acl/tokens", get, (*Server).aclTokenList},
		{"/v1/acl/policy", put, (*Server).aclPolicyCreate},
		{"/v1/acl/policy/", []string{http.MethodGet, http.MethodPut, http.MethodDelete}, (*Server).aclPolicy},
		{"/v1/acl/policies", get, (*Server).aclPolicyList},
		{"/v1/acl/role", put, (*Server).aclRoleCreate},
		{"/v1/acl/role/", []string{http.MethodGet, http.MethodPut, http.MethodDelete}, (*Server).aclRole},
		{"/v1/acl/roles", get, (*Server).aclRoleList},
		{"/v1/acl/rules/translate", []string{http.MethodPost}, (*Server).aclRulesTranslate},
		{"/v1/agent/token/", put, (*Server).agentToken},

		// Network coordinates (coordinate.go).
		{"/v1/coordinate/datacenters", get, (*Server).coordinateDatacenters},
		{"/v1/coordinate/nodes", get, (*Server).coordinateNodes},
		{"/v1/coordinate/node/", get, (*Server).coordinateNode},
		{"/v1/coordinate/update", put, (*Server).coordinateUpdate},

		// Status.
		{"/v1/status/leader", get, (*Server).statusLeader},
		{"/v1/status/peers", get, (*Server).statusPeers},

		// Operator: Raft peers and autopilot (operator.go, operator_autopilot.go).
		{"/v1/operator/raft/configuration", get, (*Server).operatorRaftConfiguration},
		{"/v1/operator/raft/peer", []string{http.MethodDelete}, (*Server).operatorRaftPeer},
		{"/v1/operator/raft/transfer-leader", []string{http.MethodPost}, (*Server).operatorTransferLeader},
		{"/v1/operator/autopilot/configuration", []string{http.MethodGet, http.MethodPut}, (*Server).operatorAutopilotConfiguration},
		{"/v1/operator/autopilot/health", get, (*Server).operatorAutopilotHealth},
		{"/v1/operator/autopilot/state", get, (*Server).operatorAutopilotState},
	}
}

// routes builds the mux from the route table.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range routeTable() {
		mux.Handle(rt.path, s.endpoint(rt))
	}
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Invalid URL path: not a recognized HTTP API endpoint")
	})
	if s.cfg.EnableDebug {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// endpoint wraps one route: method check, OPTIONS, token resolution,
// argument extraction and error mapping.
func (s *Server) endpoint(rt route) http.Handler {
	allow := strings.Join(append(slices.Clone(rt.methods), http.MethodOptions), ",")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			w.Header().Set("Allow", allow)
			w.WriteHeader(http.StatusOK)
			return
		}
		if !slices.Contains(rt.methods, r.Method) {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
			return
		}
		s.serveRoute(w, r, rt)
	})
}

// serveRoute runs one route's handler and writes its error, if any. It
// reports whether the request was parked (park.go), in which case nothing
// was written.
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt route) (parked bool) {
	c, err := s.newCall(w, r, rt.path)
	if err == nil {
		c.route = &rt
		err = rt.handle(s, c)
	}
	if errors.Is(err, errParked) {
		return true
	}
	if err != nil {
		s.writeErr(w, r, err)
	}
	return false
}
