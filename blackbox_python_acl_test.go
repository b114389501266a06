package main

import (
	"testing"
)

// pythonACLScript drives python-consul with tokens against the agent whose
// HTTP port is argv[1]; argv[2] is the management token. python-consul
// sends a client's token as ?token= (its raw http calls take it as a
// parameter too). It prints what it saw as JSON.
const pythonACLScript = `
import json, sys
import consul
from consul.base import CB

port, mgmt = int(sys.argv[1]), sys.argv[2]
admin = consul.Consul(host='127.0.0.1', port=port, token=mgmt)
anon = consul.Consul(host='127.0.0.1', port=port)
out = {}

def denied(f):
    try:
        f()
        return False
    except consul.ACLPermissionDenied:
        return True

out['admin_put'] = admin.kv.put('app/config', 'v1')
out['admin_put_other'] = admin.kv.put('secret/key', 's')
out['anon_get_denied'] = denied(lambda: anon.kv.get('app/config'))

policy = admin.http.put(CB.json(), '/v1/acl/policy', params=[('token', mgmt)],
    data=json.dumps({'Name': 'app-read', 'Rules': 'key_prefix "app/" { policy = "read" }'}))
token = admin.http.put(CB.json(), '/v1/acl/token', params=[('token', mgmt)],
    data=json.dumps({'Description': 'python reader', 'Policies': [{'Name': policy['Name']}]}))
reader = consul.Consul(host='127.0.0.1', port=port, token=token['SecretID'])

_, item = reader.kv.get('app/config')
out['reader_get'] = item['Value'].decode() if item else None
out['reader_put_denied'] = denied(lambda: reader.kv.put('app/config', 'v2'))
out['reader_other_denied'] = denied(lambda: reader.kv.get('secret/key'))
_, self_tok = reader.http.get(CB.json(index=True), '/v1/acl/token/self', params=[('token', token['SecretID'])])
out['self_accessor'] = self_tok['AccessorID'] == token['AccessorID']
out['self_secret_kept'] = self_tok.get('SecretID') == token['SecretID']
_, listed = admin.http.get(CB.json(index=True), '/v1/acl/tokens', params=[('token', mgmt)])
out['tokens_listed'] = sum(1 for t in listed if t['AccessorID'] == token['AccessorID'])
print(json.dumps(out))
`

// TestPythonConsulClientWithACLs drives an agent with ACLs on (default
// deny) with Debian's python3-consul and tokens: the management token
// writes, a token made through /v1/acl reads only what its policy grants,
// anonymous requests are refused.
func TestPythonConsulClientWithACLs(t *testing.T) {
	requirePythonConsul(t)
	const mgmt = "6a1f0c2e-9d3b-4b7e-8c5a-1e2d3f4a5b6c"
	p := startAgent(t, "-dev", "-hcl", `acl { enabled = true default_policy = "deny" tokens { initial_management = "`+mgmt+`" } }`)
	var r struct {
		AdminPut          bool   `json:"admin_put"`
		AdminPutOther     bool   `json:"admin_put_other"`
		AnonGetDenied     bool   `json:"anon_get_denied"`
		ReaderGet         string `json:"reader_get"`
		ReaderPutDenied   bool   `json:"reader_put_denied"`
		ReaderOtherDenied bool   `json:"reader_other_denied"`
		SelfAccessor      bool   `json:"self_accessor"`
		SelfSecretKept    bool   `json:"self_secret_kept"`
		TokensListed      int    `json:"tokens_listed"`
	}
	runPython(t, p, pythonACLScript, &r, mgmt)
	want := r
	want.AdminPut, want.AdminPutOther, want.AnonGetDenied = true, true, true
	want.ReaderGet, want.ReaderPutDenied, want.ReaderOtherDenied = "v1", true, true
	want.SelfAccessor, want.SelfSecretKept, want.TokensListed = true, true, 1
	if r != want {
		t.Errorf("python-consul with ACLs saw %+v, want %+v", r, want)
	}
}
