package fsm

import (
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pylonmesh/pylon/server/state"
)

const (
	aclPolicyID = "10000000-0000-4000-8000-00000000000a"
	aclRoleID   = "20000000-0000-4000-8000-00000000000a"
	aclTokenID  = "30000000-0000-4000-8000-00000000000a"
	aclSecret   = "40000000-0000-4000-8000-00000000000a"
	aclBootID   = "30000000-0000-4000-8000-0000000000ff"
	aclBootSc   = "40000000-0000-4000-8000-0000000000ff"
)

// aclEntries are ACL entries that each apply after the ones before them.
func aclEntries(t testing.TB) []*raft.Log {
	exp := time.Unix(1<<31, 0).UTC()
	return []*raft.Log{
		entry(t, 2, ACLInitRequestType, &state.ACLInitRequest{CreateTime: time.Unix(10, 0).UTC()}),
		entry(t, 3, ACLPolicyRequestType, &state.ACLPolicyRequest{Op: state.ACLSet,
			Policy: state.ACLPolicy{ID: aclPolicyID, Name: "p", Rules: `node_prefix "" { policy = "read" }`}}),
		entry(t, 4, ACLRoleRequestType, &state.ACLRoleRequest{Op: state.ACLSet,
			Role: state.ACLRole{ID: aclRoleID, Name: "r", Policies: []state.ACLLink{{Name: "p"}},
				NodeIdentities: []state.ACLNodeIdentity{{NodeName: "n1", Datacenter: "dc1"}}}}),
		entry(t, 5, ACLTokenRequestType, &state.ACLTokenRequest{Op: state.ACLSet,
			Token: state.ACLToken{AccessorID: aclTokenID, SecretID: aclSecret, Roles: []state.ACLLink{{ID: aclRoleID}},
				ServiceIdentities: []state.ACLServiceIdentity{{ServiceName: "web"}}, ExpirationTime: &exp,
				ExpirationTTL: time.Hour, CreateTime: time.Unix(20, 0).UTC()}}),
		entry(t, 6, ACLBootstrapRequestType, &state.ACLBootstrapRequest{
			Token: state.ACLToken{AccessorID: aclBootID, SecretID: aclBootSc, CreateTime: time.Unix(30, 0).UTC()}}),
	}
}

func TestApplyACL(t *testing.T) {
	f := newFSM(t)
	for _, l := range aclEntries(t) {
		checkResponse(t, f.Apply(l), nil)
	}
	res, err := f.Store().ACLTokenResolve(nil, aclSecret)
	if err != nil || res == nil {
		t.Fatalf("resolve = %v, %v", res, err)
	}
	if len(res.Policies) != 1 || res.Policies[0].Name != "p" || len(res.NodeIdentities) != 1 ||
		res.Token.ExpirationTTL != time.Hour || !res.Token.ExpirationTime.Equal(time.Unix(1<<31, 0)) {
		t.Fatalf("resolved %+v", res)
	}
	tests := []struct {
		name string
		l    *raft.Log
		want error
	}{
		{"second bootstrap", entry(t, 7, ACLBootstrapRequestType, &state.ACLBootstrapRequest{
			Token: state.ACLToken{AccessorID: aclTokenID[:35] + "b", SecretID: aclSecret[:35] + "b"}}), state.ErrACLBootstrapNotAllowed},
		{"delete builtin", entry(t, 7, ACLPolicyRequestType, &state.ACLPolicyRequest{Op: state.ACLDelete,
			Policy: state.ACLPolicy{ID: state.ACLGlobalManagementPolicyID}}), state.ErrInvalidACL},
		{"bad role", entry(t, 7, ACLRoleRequestType, &state.ACLRoleRequest{Op: state.ACLSet,
			Role: state.ACLRole{ID: "x", Name: "r2"}}), state.ErrInvalidACL},
		{"delete anonymous", entry(t, 7, ACLTokenRequestType, &state.ACLTokenRequest{Op: state.ACLDelete,
			Token: state.ACLToken{AccessorID: state.ACLAnonymousTokenID}}), state.ErrInvalidACL},
		{"delete token", entry(t, 7, ACLTokenRequestType, &state.ACLTokenRequest{Op: state.ACLDelete,
			Token: state.ACLToken{AccessorID: aclTokenID}}), nil},
		{"corrupt", &raft.Log{Index: 7, Type: raft.LogCommand, Data: []byte{byte(ACLTokenRequestType), 0xc1}}, errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkResponse(t, f.Apply(tt.l), tt.want)
		})
	}
	for _, mt := range []MessageType{ACLPolicyRequestType, ACLRoleRequestType, ACLTokenRequestType,
		ACLBootstrapRequestType, ACLInitRequestType} {
		if s := mt.String(); s == "" || s[:4] != "acl-" {
			t.Errorf("%d.String() = %q", mt, s)
		}
	}
}

// TestApplyBatchACL: the ACL entries in one batch leave the same state as
// applied one by one.
func TestApplyBatchACL(t *testing.T) {
	one, many := newFSM(t), newFSM(t)
	logs := aclEntries(t)
	logs = append(logs, entry(t, 7, ACLBootstrapRequestType, &state.ACLBootstrapRequest{
		Token: state.ACLToken{AccessorID: aclTokenID[:35] + "b", SecretID: aclSecret[:35] + "b"}}))
	var want []any
	for _, l := range logs {
		want = append(want, one.Apply(l))
	}
	got := many.ApplyBatch(logs)
	for i := range logs {
		if (got[i] == nil) != (want[i] == nil) {
			t.Fatalf("entry %d: batch %v, one by one %v", i, got[i], want[i])
		}
	}
	if want[len(want)-1] == nil {
		t.Fatal("the second bootstrap applied")
	}
	if !reflect.DeepEqual(readAll(t, one.Store()), readAll(t, many.Store())) {
		t.Fatal("states differ")
	}
}
