package state

import (
	"fmt"
	"testing"
)

// BenchmarkACLTokenResolve resolves a token with two policies and a role
// of three more among 1000 tokens, as every authorized request does.
func BenchmarkACLTokenResolve(b *testing.B) {
	s := newStore(b)
	mustACL(b, s.ACLInit(1, &ACLInitRequest{}))
	idx := uint64(2)
	uuid := func(kind, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, i) }
	var links []ACLLink
	for i := range 5 {
		mustACL(b, setPolicy(s, idx, ACLPolicy{ID: uuid(1, i), Name: fmt.Sprintf("p%d", i), Rules: `key "" { policy = "read" }`}))
		links = append(links, ACLLink{ID: uuid(1, i)})
		idx++
	}
	mustACL(b, setRole(s, idx, ACLRole{ID: uuid(2, 0), Name: "r", Policies: links[2:],
		ServiceIdentities: []ACLServiceIdentity{{ServiceName: "web"}}}))
	for i := range 1000 {
		idx++
		mustACL(b, setToken(s, idx, ACLToken{AccessorID: uuid(3, i), SecretID: uuid(4, i), Policies: links[:2],
			Roles: []ACLLink{{ID: uuid(2, 0)}}}))
	}
	secret := uuid(4, 500)
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.ACLTokenResolve(nil, secret)
		if err != nil || len(res.Policies) != 5 {
			b.Fatalf("resolve = %v, %v", res, err)
		}
	}
}
