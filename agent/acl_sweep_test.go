package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/httpapi"
	"github.com/pylonmesh/pylon/server/state"
)

// The ACL endpoint sweep (issue 6): every route of the HTTP API, called
// with no token, a token with no rights, a token with exactly the rule the
// route needs, and a management token, under default_policy "deny". What
// each route must answer is data (sweepTable); a route without an entry
// fails the test, so a new endpoint cannot escape it. Denied answers carry
// nothing the token may not read, in the body or the headers.

// sweepKind is how a route answers a token without the right.
type sweepKind int

const (
	// sweepPublic routes need no ACL: every token gets through.
	sweepPublic sweepKind = iota
	// sweepSingle routes refuse: 403 "Permission denied".
	sweepSingle
	// sweepList routes filter: 200 with an empty list or object (or a
	// bare null, or a 404 without a body for KV).
	sweepList
	// sweepFiltered routes answer 200 with what the token may see in
	// some larger shape (a prepared query's execution).
	sweepFiltered
	// sweepTxn routes refuse per operation: 409 with the errors.
	sweepTxn
	// sweepFixed routes answer every token alike with fixedCode.
	sweepFixed
)

// sweepCase is one call of a route.
type sweepCase struct {
	kind   sweepKind
	target string // path and query; {placeholders} are seeded names and IDs
	body   string
	// rules is exactly what the route needs; empty for public routes.
	rules string
	// marker shows in the answer of a token with the right, and must not
	// show, in body or headers, to one without.
	marker string
	// hidden must not show even to the exact token (secrets to acl:read).
	hidden string
	// denyOnly: calls with the right are not made (leave stops the agent).
	denyOnly  bool
	fixedCode int // sweepFixed: the status every token gets
	// stream: the answer never ends (a log stream); what arrives within
	// streamRead is judged.
	stream bool
}

// streamRead is how long a streaming route is read.
const streamRead = 300 * time.Millisecond

const (
	sweepValue   = "U1dFRVBWQUxVRQ=="                                       // base64 of the seeded sweep/key value
	sweepKey     = `{"Key":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}` // a well-formed gossip key
	svcRead      = `service "sweep" { policy = "read" } node "node1" { policy = "read" }`
	nodeRead     = `node "node1" { policy = "read" }`
	nodeWrite    = `node "node1" { policy = "write" }`
	agentWrite   = `agent "node1" { policy = "write" }`
	svcWrite     = `service "sweep" { policy = "write" }`
	aclRead      = `acl = "read"`
	aclWrite     = `acl = "write"`
	sessionRead  = `session "node1" { policy = "read" }`
	sessionWrite = `session "node1" { policy = "write" }`
	keyringWrite = `keyring = "write"`
)

// sweepTable is the expected outcome per route, keyed "METHOD path" as the
// route table declares it.
var sweepTable = map[string][]sweepCase{
	// Agent.
	"GET /v1/agent/self":     {{kind: sweepSingle, target: "/v1/agent/self", rules: `agent "node1" { policy = "read" }`, marker: "node1"}},
	"GET /v1/agent/monitor":  {{kind: sweepSingle, target: "/v1/agent/monitor?loglevel=debug", rules: `agent "node1" { policy = "read" }`, stream: true}},
	"GET /v1/agent/members":  {{kind: sweepList, target: "/v1/agent/members", rules: nodeRead, marker: "node1"}},
	"GET /v1/agent/services": {{kind: sweepList, target: "/v1/agent/services", rules: `service "sweep" { policy = "read" }`, marker: "sweep1"}},
	"GET /v1/agent/service/": {{kind: sweepSingle, target: "/v1/agent/service/sweep1", rules: `service "sweep" { policy = "read" }`, marker: "sweep1"}},
	"GET /v1/agent/checks":   {{kind: sweepList, target: "/v1/agent/checks", rules: `service "sweep" { policy = "read" }`, marker: "sweepttl"}},
	"PUT /v1/agent/service/register": {{kind: sweepSingle, target: "/v1/agent/service/register",
		body: `{"ID":"sweepnew","Name":"sweepnew"}`, rules: `service "sweepnew" { policy = "write" }`}},
	"PUT /v1/agent/service/deregister/": {{kind: sweepSingle, target: "/v1/agent/service/deregister/sweepdel",
		rules: `service "sweepdel" { policy = "write" }`}},
	"PUT /v1/agent/service/maintenance/": {{kind: sweepSingle, target: "/v1/agent/service/maintenance/sweep1?enable=false", rules: svcWrite}},
	"PUT /v1/agent/check/register": {{kind: sweepSingle, target: "/v1/agent/check/register",
		body: `{"ID":"sweepnewcheck","Name":"sweepnewcheck","TTL":"10m","Status":"passing"}`, rules: nodeWrite}},
	"PUT /v1/agent/check/deregister/":    {{kind: sweepSingle, target: "/v1/agent/check/deregister/sweepdelcheck", rules: nodeWrite}},
	"PUT /v1/agent/check/pass/":          {{kind: sweepSingle, target: "/v1/agent/check/pass/sweepttl", rules: svcWrite}},
	"PUT /v1/agent/check/warn/":          {{kind: sweepSingle, target: "/v1/agent/check/warn/sweepttl", rules: svcWrite}},
	"PUT /v1/agent/check/fail/":          {{kind: sweepSingle, target: "/v1/agent/check/fail/sweepttl", rules: svcWrite}},
	"PUT /v1/agent/check/update/":        {{kind: sweepSingle, target: "/v1/agent/check/update/sweepttl", body: `{"Status":"passing"}`, rules: svcWrite}},
	"PUT /v1/agent/maintenance":          {{kind: sweepSingle, target: "/v1/agent/maintenance?enable=false", rules: nodeWrite}},
	"PUT /v1/agent/reload":               {{kind: sweepSingle, target: "/v1/agent/reload", rules: agentWrite}},
	"GET /v1/agent/health/service/name/": {{kind: sweepSingle, target: "/v1/agent/health/service/name/sweep", rules: `service "sweep" { policy = "read" }`, marker: "sweep1"}},
	"GET /v1/agent/health/service/id/":   {{kind: sweepSingle, target: "/v1/agent/health/service/id/sweep1", rules: `service "sweep" { policy = "read" }`, marker: "sweep1"}},
	"PUT /v1/agent/join/":                {{kind: sweepSingle, target: "/v1/agent/join/127.0.0.1:1", rules: agentWrite}},
	"PUT /v1/agent/leave":                {{kind: sweepSingle, target: "/v1/agent/leave", rules: agentWrite, denyOnly: true}},
	"PUT /v1/agent/force-leave/":         {{kind: sweepSingle, target: "/v1/agent/force-leave/nosuchnode", rules: `operator = "write"`}},
	"PUT /v1/agent/token/":               {{kind: sweepSingle, target: "/v1/agent/token/replication", body: `{"Token":""}`, rules: aclWrite}},

	// Catalog.
	"PUT /v1/catalog/register": {{kind: sweepSingle, target: "/v1/catalog/register",
		body:  `{"Node":"sweepext","Address":"10.9.9.9","Service":{"Service":"sweepext"}}`,
		rules: `node "sweepext" { policy = "write" } service "sweepext" { policy = "write" }`}},
	"PUT /v1/catalog/deregister":     {{kind: sweepSingle, target: "/v1/catalog/deregister", body: `{"Node":"sweepgone"}`, rules: `node "sweepgone" { policy = "write" }`}},
	"GET /v1/catalog/datacenters":    {{kind: sweepPublic, target: "/v1/catalog/datacenters", marker: "dc1"}},
	"GET /v1/catalog/nodes":          {{kind: sweepList, target: "/v1/catalog/nodes", rules: nodeRead, marker: "node1"}},
	"GET /v1/catalog/services":       {{kind: sweepList, target: "/v1/catalog/services", rules: `service "sweep" { policy = "read" }`, marker: "sweep"}},
	"GET /v1/catalog/service/":       {{kind: sweepList, target: "/v1/catalog/service/sweep", rules: svcRead, marker: "sweep1"}},
	"GET /v1/catalog/connect/":       {{kind: sweepList, target: "/v1/catalog/connect/sweep", rules: svcRead}},
	"GET /v1/catalog/node/":          {{kind: sweepList, target: "/v1/catalog/node/node1", rules: nodeRead, marker: "node1"}},
	"GET /v1/catalog/node-services/": {{kind: sweepList, target: "/v1/catalog/node-services/node1", rules: nodeRead, marker: "node1"}},

	// Health.
	"GET /v1/health/node/":    {{kind: sweepList, target: "/v1/health/node/node1", rules: nodeRead, marker: "sweepnodecheck"}},
	"GET /v1/health/checks/":  {{kind: sweepList, target: "/v1/health/checks/sweep", rules: svcRead, marker: "sweepttl"}},
	"GET /v1/health/service/": {{kind: sweepList, target: "/v1/health/service/sweep", rules: svcRead, marker: "sweep1"}},
	"GET /v1/health/connect/": {{kind: sweepList, target: "/v1/health/connect/sweep", rules: svcRead}},
	"GET /v1/health/state/":   {{kind: sweepList, target: "/v1/health/state/any", rules: nodeRead, marker: "sweepnodecheck"}},

	// Prepared queries.
	"GET /v1/query": {{kind: sweepList, target: "/v1/query", rules: `query "sweepq" { policy = "read" }`, marker: "sweepq"}},
	"POST /v1/query": {{kind: sweepSingle, target: "/v1/query", body: `{"Name":"sweepq2","Service":{"Service":"sweep"}}`,
		rules: `query "sweepq2" { policy = "write" }`}},
	"GET /v1/query/": {
		{kind: sweepSingle, target: "/v1/query/{q}", rules: `query "sweepq" { policy = "read" }`, marker: "sweepq"},
		{kind: sweepSingle, target: "/v1/query/{q}/explain", rules: `query "sweepq" { policy = "read" }`, marker: "sweepq"},
		// Whoever knows a query's ID may execute it; the answer holds
		// only the instances the token may read.
		{kind: sweepFiltered, target: "/v1/query/{qx}/execute",
			rules: `service "sweepx" { policy = "read" } node "node1" { policy = "read" }`, marker: "sweepxid"},
	},
	"PUT /v1/query/":    {{kind: sweepSingle, target: "/v1/query/{q}", body: `{"Name":"sweepq","Service":{"Service":"sweep"}}`, rules: `query "sweepq" { policy = "write" }`}},
	"DELETE /v1/query/": {{kind: sweepSingle, target: "/v1/query/{qdel}", rules: `query "sweepqdel" { policy = "write" }`}},

	// KV, sessions, transactions, snapshots.
	"GET /v1/kv/": {
		{kind: sweepSingle, target: "/v1/kv/sweep/key", rules: `key "sweep/key" { policy = "read" }`, marker: sweepValue},
		{kind: sweepSingle, target: "/v1/kv/sweep/?recurse", rules: `key_prefix "sweep/" { policy = "list" }`, marker: sweepValue},
		{kind: sweepSingle, target: "/v1/kv/sweep/?keys", rules: `key_prefix "sweep/" { policy = "list" }`, marker: "sweep/key"},
	},
	"PUT /v1/kv/": {{kind: sweepSingle, target: "/v1/kv/sweep/new", body: "x", rules: `key "sweep/new" { policy = "write" }`}},
	"DELETE /v1/kv/": {
		{kind: sweepSingle, target: "/v1/kv/sweep/del", rules: `key "sweep/del" { policy = "write" }`},
		{kind: sweepSingle, target: "/v1/kv/sweep/rdel/?recurse", rules: `key_prefix "sweep/rdel/" { policy = "write" }`},
	},
	"PUT /v1/session/create":   {{kind: sweepSingle, target: "/v1/session/create", body: `{"Name":"sweepsess2"}`, rules: sessionWrite}},
	"PUT /v1/session/destroy/": {{kind: sweepSingle, target: "/v1/session/destroy/{sessdel}", rules: sessionWrite}},
	"PUT /v1/session/renew/":   {{kind: sweepSingle, target: "/v1/session/renew/{sess}", rules: sessionWrite, marker: "sweepsess"}},
	"GET /v1/session/info/":    {{kind: sweepList, target: "/v1/session/info/{sess}", rules: sessionRead, marker: "sweepsess"}},
	"GET /v1/session/node/":    {{kind: sweepList, target: "/v1/session/node/node1", rules: sessionRead, marker: "sweepsess"}},
	"GET /v1/session/list":     {{kind: sweepList, target: "/v1/session/list", rules: sessionRead, marker: "sweepsess"}},
	"PUT /v1/txn": {{kind: sweepTxn, target: "/v1/txn", body: `[{"KV":{"Verb":"get","Key":"sweep/key"}}]`,
		rules: `key "sweep/key" { policy = "read" }`, marker: sweepValue}},
	"GET /v1/snapshot": {{kind: sweepSingle, target: "/v1/snapshot", rules: aclWrite}},
	"PUT /v1/snapshot": {{kind: sweepSingle, target: "/v1/snapshot", body: "not a snapshot", rules: aclWrite}},

	// Events, keyring, status.
	"PUT /v1/event/fire/":         {{kind: sweepSingle, target: "/v1/event/fire/sweepev2", rules: `event "sweepev2" { policy = "write" }`}},
	"GET /v1/event/list":          {{kind: sweepList, target: "/v1/event/list", rules: `event "sweepev" { policy = "read" }`, marker: "sweepev"}},
	"GET /v1/operator/keyring":    {{kind: sweepSingle, target: "/v1/operator/keyring", rules: `keyring = "read"`}},
	"POST /v1/operator/keyring":   {{kind: sweepSingle, target: "/v1/operator/keyring", body: sweepKey, rules: keyringWrite}},
	"PUT /v1/operator/keyring":    {{kind: sweepSingle, target: "/v1/operator/keyring", body: sweepKey, rules: keyringWrite}},
	"DELETE /v1/operator/keyring": {{kind: sweepSingle, target: "/v1/operator/keyring", body: sweepKey, rules: keyringWrite}},
	"GET /v1/status/leader":       {{kind: sweepPublic, target: "/v1/status/leader"}},
	"GET /v1/status/peers":        {{kind: sweepPublic, target: "/v1/status/peers"}},

	// Raft peers and autopilot (agent/httpapi/operator*.go).
	"GET /v1/operator/raft/configuration":      {{kind: sweepSingle, target: "/v1/operator/raft/configuration", rules: `operator = "read"`}},
	"DELETE /v1/operator/raft/peer":            {{kind: sweepSingle, target: "/v1/operator/raft/peer?id=nosuchpeer", rules: `operator = "write"`}},
	"POST /v1/operator/raft/transfer-leader":   {{kind: sweepSingle, target: "/v1/operator/raft/transfer-leader?id=nosuchpeer", rules: `operator = "write"`}},
	"GET /v1/operator/autopilot/configuration": {{kind: sweepSingle, target: "/v1/operator/autopilot/configuration", rules: `operator = "read"`}},
	"PUT /v1/operator/autopilot/configuration": {{kind: sweepSingle, target: "/v1/operator/autopilot/configuration",
		body: `{"CleanupDeadServers":true,"LastContactThreshold":"200ms","MaxTrailingLogs":250,"ServerStabilizationTime":"10s"}`, rules: `operator = "write"`}},
	"GET /v1/operator/autopilot/health": {{kind: sweepSingle, target: "/v1/operator/autopilot/health", rules: `operator = "read"`}},
	"GET /v1/operator/autopilot/state":  {{kind: sweepSingle, target: "/v1/operator/autopilot/state", rules: `operator = "read"`}},

	// Network coordinates (agent/httpapi/coordinate.go).
	"GET /v1/coordinate/datacenters": {{kind: sweepPublic, target: "/v1/coordinate/datacenters", marker: "dc1"}},
	"GET /v1/coordinate/nodes":       {{kind: sweepList, target: "/v1/coordinate/nodes", rules: nodeRead}},
	"GET /v1/coordinate/node/":       {{kind: sweepList, target: "/v1/coordinate/node/node1", rules: nodeRead}},
	"PUT /v1/coordinate/update": {{kind: sweepSingle, target: "/v1/coordinate/update",
		body: `{"Node":"node1","Coord":{"Vec":[0,0,0,0,0,0,0,0],"Height":0.0001}}`, rules: nodeWrite}},
	// ACLs. Bootstrap happened during setup: every later one is refused.
	"PUT /v1/acl/bootstrap": {{kind: sweepFixed, target: "/v1/acl/bootstrap", fixedCode: http.StatusForbidden}},
	"PUT /v1/acl/token":     {{kind: sweepSingle, target: "/v1/acl/token", body: `{"Description":"sweepnewtoken"}`, rules: aclWrite}},
	"GET /v1/acl/token/": {
		{kind: sweepSingle, target: "/v1/acl/token/{tok}", rules: aclRead, marker: "sweepdesc", hidden: "{toksecret}"},
		{kind: sweepPublic, target: "/v1/acl/token/self"},
	},
	"PUT /v1/acl/token/": {
		{kind: sweepSingle, target: "/v1/acl/token/{tokupd}", body: `{"Description":"sweepupdated"}`, rules: aclWrite},
		{kind: sweepSingle, target: "/v1/acl/token/{tok}/clone", body: `{}`, rules: aclWrite},
	},
	"DELETE /v1/acl/token/": {{kind: sweepSingle, target: "/v1/acl/token/{tokdel}", rules: aclWrite}},
	"GET /v1/acl/tokens":    {{kind: sweepSingle, target: "/v1/acl/tokens", rules: aclRead, marker: "sweepdesc", hidden: "{toksecret}"}},
	"PUT /v1/acl/policy":    {{kind: sweepSingle, target: "/v1/acl/policy", body: `{"Name":"sweepnewpol"}`, rules: aclWrite}},
	"GET /v1/acl/policy/": {
		{kind: sweepSingle, target: "/v1/acl/policy/{pol}", rules: aclRead, marker: "sweeppol"},
		{kind: sweepSingle, target: "/v1/acl/policy/name/sweeppol", rules: aclRead, marker: "sweeppol"},
	},
	"PUT /v1/acl/policy/":    {{kind: sweepSingle, target: "/v1/acl/policy/{pol}", body: `{"Name":"sweeppol"}`, rules: aclWrite}},
	"DELETE /v1/acl/policy/": {{kind: sweepSingle, target: "/v1/acl/policy/{poldel}", rules: aclWrite}},
	"GET /v1/acl/policies":   {{kind: sweepSingle, target: "/v1/acl/policies", rules: aclRead, marker: "sweeppol"}},
	"PUT /v1/acl/role":       {{kind: sweepSingle, target: "/v1/acl/role", body: `{"Name":"sweepnewrole"}`, rules: aclWrite}},
	"GET /v1/acl/role/": {
		{kind: sweepSingle, target: "/v1/acl/role/{role}", rules: aclRead, marker: "sweeprole"},
		{kind: sweepSingle, target: "/v1/acl/role/name/sweeprole", rules: aclRead, marker: "sweeprole"},
	},
	"PUT /v1/acl/role/":            {{kind: sweepSingle, target: "/v1/acl/role/{role}", body: `{"Name":"sweeprole"}`, rules: aclWrite}},
	"DELETE /v1/acl/role/":         {{kind: sweepSingle, target: "/v1/acl/role/{roledel}", rules: aclWrite}},
	"GET /v1/acl/roles":            {{kind: sweepSingle, target: "/v1/acl/roles", rules: aclRead, marker: "sweeprole"}},
	"POST /v1/acl/rules/translate": {{kind: sweepSingle, target: "/v1/acl/rules/translate", body: `key "a" { policy = "read" }`, rules: aclRead}},
}

// sweepToken is one of the four callers.
type sweepToken struct {
	name    string
	secret  string // "" sends no token
	allowed bool   // holds the right the route needs
}

func TestACLEndpointSweep(t *testing.T) {
	a, mgmt := startACLAgent(t)
	seeds := seedSweep(t, a, mgmt)
	noRights := createToken(t, a, "")

	keys := map[string]bool{}
	for _, ep := range httpapi.Endpoints() {
		for _, m := range ep.Methods {
			keys[m+" "+ep.Path] = true
		}
	}
	for key := range keys {
		if _, ok := sweepTable[key]; !ok {
			t.Errorf("route %q has no entry in sweepTable: say what each token must get", key)
		}
	}
	for key := range sweepTable {
		if !keys[key] {
			t.Errorf("sweepTable has %q, which is not a route", key)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(sweepTable)) {
		method, _, _ := strings.Cut(key, " ")
		for i, sc := range sweepTable[key] {
			sc.target, sc.body, sc.hidden = seeds.Replace(sc.target), seeds.Replace(sc.body), seeds.Replace(sc.hidden)
			exact := noRights
			if sc.rules != "" {
				exact = createToken(t, a, sc.rules)
			}
			t.Run(fmt.Sprintf("%s#%d", key, i), func(t *testing.T) {
				for _, tok := range []sweepToken{
					{"no token", "", false}, {"no rights", noRights, false},
					{"exact rule", exact, true}, {"management", mgmt, true},
				} {
					if sc.denyOnly && tok.allowed {
						continue
					}
					resp := sweepRequest(t, a.HTTPAddr(), method, sc.target, sc.body, tok.secret, sc.stream)
					checkSweep(t, sc, tok, resp)
				}
			})
		}
	}
}

// sweepResp is one answer.
type sweepResp struct {
	code   int
	header http.Header
	body   string
}

// checkSweep judges one answer against the route's expectation.
func checkSweep(t *testing.T, sc sweepCase, tok sweepToken, r sweepResp) {
	t.Helper()
	where := fmt.Sprintf("%s (%s)", sc.target, tok.name)
	headers := fmt.Sprint(r.header)
	if sc.hidden != "" && (strings.Contains(r.body, sc.hidden) || strings.Contains(headers, sc.hidden)) && tok.name != "management" {
		t.Errorf("%s: answer shows a secret: %d %s", where, r.code, r.body)
	}
	if r.body == "ACL not found" {
		t.Errorf("%s: token did not resolve: %d %s", where, r.code, r.body)
		return
	}
	if tok.secret == "" && r.header.Get("X-Consul-Results-Filtered-By-ACLs") != "" {
		t.Errorf("%s: results-filtered header shown to an anonymous caller", where)
	}
	if sc.kind == sweepFixed {
		if r.code != sc.fixedCode {
			t.Errorf("%s: status %d, want %d: %s", where, r.code, sc.fixedCode, r.body)
		}
		return
	}
	if tok.allowed || sc.kind == sweepPublic {
		if r.code == http.StatusForbidden || r.code == http.StatusConflict && sc.kind == sweepTxn {
			t.Errorf("%s: refused a token with the right: %d %s", where, r.code, r.body)
		}
		if sc.marker != "" && tok.allowed && !strings.Contains(r.body, sc.marker) {
			t.Errorf("%s: answer lacks %q: %d %s", where, sc.marker, r.code, r.body)
		}
		return
	}
	if sc.marker != "" && (strings.Contains(r.body, sc.marker) || strings.Contains(headers, sc.marker)) {
		t.Errorf("%s: denied answer leaks %q: %d %v %s", where, sc.marker, r.code, r.header, r.body)
	}
	switch sc.kind {
	case sweepSingle:
		if r.code != http.StatusForbidden || r.body != "Permission denied" {
			t.Errorf("%s: got %d %q, want 403 Permission denied", where, r.code, r.body)
		}
	case sweepTxn:
		if r.code != http.StatusConflict || !strings.Contains(r.body, "Permission denied") {
			t.Errorf("%s: got %d %q, want 409 with Permission denied", where, r.code, r.body)
		}
	case sweepFiltered:
		if r.code != http.StatusOK {
			t.Errorf("%s: got %d %q, want 200", where, r.code, r.body)
		}
	case sweepList:
		if !emptyAnswer(r) {
			t.Errorf("%s: got %d %q, want an empty answer", where, r.code, r.body)
		}
	}
}

// emptyAnswer reports whether a filtered list answer holds nothing: 200
// with an empty JSON list or object or null, or a 404 without a body.
func emptyAnswer(r sweepResp) bool {
	if r.code == http.StatusNotFound {
		return r.body == ""
	}
	if r.code != http.StatusOK {
		return false
	}
	var v any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		return false
	}
	switch v := v.(type) {
	case nil:
		return true
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func sweepCall(t *testing.T, addr, method, target, body, token string) sweepResp {
	t.Helper()
	return sweepRequest(t, addr, method, target, body, token, false)
}

// sweepRequest is sweepCall, reading a stream's answer for streamRead.
func sweepRequest(t *testing.T, addr, method, target, body, token string, stream bool) sweepResp {
	t.Helper()
	ctx := context.Background()
	if stream {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, streamRead)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Consul-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !(stream && errors.Is(err, context.DeadlineExceeded)) {
		t.Fatal(err)
	}
	return sweepResp{code: resp.StatusCode, header: resp.Header, body: strings.TrimSpace(string(b))}
}

// startACLAgent starts a dev agent with ACLs on and default deny, and
// bootstraps them; it returns the management token's secret.
func startACLAgent(t *testing.T, extra ...string) (*Agent, string) {
	t.Helper()
	a, _ := testAgent(t, append([]string{"-hcl", `acl { enabled = true default_policy = "deny" }`}, extra...)...)
	eventually(t, "the anonymous token", func() bool {
		_, err := a.server.ResolveToken(state.ACLAnonymousTokenSecret)
		return err == nil
	})
	tok, _, err := a.server.ACLBootstrap(context.Background())
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return a, tok.SecretID
}

// policySeq names the policies createToken makes.
var policySeq atomic.Int64

// createToken creates a token whose only policy holds rules (none when
// empty) and returns its secret.
func createToken(t *testing.T, a *Agent, rules string) string {
	t.Helper()
	ctx := context.Background()
	tok := state.ACLToken{Description: "sweep caller"}
	if rules != "" {
		p := &state.ACLPolicy{Name: fmt.Sprintf("sweep-%d", policySeq.Add(1)), Rules: rules}
		if _, err := a.server.ACLPolicySet(ctx, p); err != nil {
			t.Fatalf("policy %q: %v", rules, err)
		}
		tok.Policies = []state.ACLLink{{ID: p.ID}}
	}
	if _, err := a.server.ACLTokenSet(ctx, &tok, true); err != nil {
		t.Fatalf("token: %v", err)
	}
	return tok.SecretID
}

// seedSweep creates what the routes read and write, with the management
// token, and returns the replacer of the table's placeholders.
func seedSweep(t *testing.T, a *Agent, mgmt string) *strings.Replacer {
	t.Helper()
	ctx := context.Background()
	put := func(target, body string) string {
		t.Helper()
		method := http.MethodPut
		if target == "/v1/query" {
			method = http.MethodPost
		}
		r := sweepCall(t, a.HTTPAddr(), method, target, body, mgmt)
		if r.code != http.StatusOK {
			t.Fatalf("seed %s: %d %s", target, r.code, r.body)
		}
		return r.body
	}
	id := func(body string) string {
		t.Helper()
		var v struct{ ID string }
		if err := json.Unmarshal([]byte(body), &v); err != nil || v.ID == "" {
			t.Fatalf("no ID in %q: %v", body, err)
		}
		return v.ID
	}
	put("/v1/agent/service/register", `{"ID":"sweep1","Name":"sweep","Port":80,"Check":{"CheckID":"sweepttl","TTL":"10m","Status":"passing"}}`)
	put("/v1/agent/service/register", `{"ID":"sweepdel","Name":"sweepdel"}`)
	put("/v1/agent/service/register", `{"ID":"sweepxid","Name":"sweepx"}`)
	put("/v1/agent/check/register", `{"ID":"sweepdelcheck","Name":"sweepdelcheck","TTL":"10m","Status":"passing"}`)
	put("/v1/agent/check/register", `{"ID":"sweepnodecheck","Name":"sweepnodecheck","TTL":"10m","Status":"passing"}`)
	put("/v1/kv/sweep/key", "SWEEPVALUE")
	put("/v1/kv/sweep/del", "x")
	put("/v1/kv/sweep/rdel/a", "x")
	put("/v1/event/fire/sweepev", "")
	q := id(put("/v1/query", `{"Name":"sweepq","Service":{"Service":"sweep"}}`))
	qdel := id(put("/v1/query", `{"Name":"sweepqdel","Service":{"Service":"sweep"}}`))
	qx := id(put("/v1/query", `{"Name":"sweepqx","Service":{"Service":"sweepx"}}`))
	sess := id(put("/v1/session/create", `{"Name":"sweepsess"}`))
	sessdel := id(put("/v1/session/create", `{"Name":"sweepsessdel"}`))

	pol := &state.ACLPolicy{Name: "sweeppol", Rules: `key "x" { policy = "read" }`}
	poldel := &state.ACLPolicy{Name: "sweeppoldel"}
	for _, p := range []*state.ACLPolicy{pol, poldel} {
		if _, err := a.server.ACLPolicySet(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	role := &state.ACLRole{Name: "sweeprole"}
	roledel := &state.ACLRole{Name: "sweeproledel"}
	for _, r := range []*state.ACLRole{role, roledel} {
		if _, err := a.server.ACLRoleSet(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	tok := &state.ACLToken{Description: "sweepdesc", Policies: []state.ACLLink{{ID: pol.ID}}}
	tokupd := &state.ACLToken{Description: "sweepupd"}
	tokdel := &state.ACLToken{Description: "sweepdel"}
	for _, tk := range []*state.ACLToken{tok, tokupd, tokdel} {
		if _, err := a.server.ACLTokenSet(ctx, tk, true); err != nil {
			t.Fatal(err)
		}
	}
	return strings.NewReplacer("{q}", q, "{qdel}", qdel, "{qx}", qx, "{sess}", sess, "{sessdel}", sessdel,
		"{pol}", pol.ID, "{poldel}", poldel.ID, "{role}", role.ID, "{roledel}", roledel.ID,
		"{tok}", tok.AccessorID, "{toksecret}", tok.SecretID, "{tokupd}", tokupd.AccessorID, "{tokdel}", tokdel.AccessorID)
}
