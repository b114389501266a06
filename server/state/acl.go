package state

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// ACLPolicyApply writes or deletes a policy at Raft index idx. A set
// fails with ErrInvalidACL, writing nothing, when the ID is not a UUID
// (or is a reserved built-in ID that does not exist), the name is
// malformed or taken by another policy, or the rules or datacenters of a
// built-in policy would change. Deleting a built-in fails the same way;
// deleting an unknown policy changes nothing.
func (s *Store) ACLPolicyApply(idx uint64, req *ACLPolicyRequest) error {
	return s.write(idx, func(tx *writeTxn) error { return aclPolicyApplyTxn(tx, req) })
}

// ACLRoleApply writes or deletes a role at Raft index idx. A set fails
// with ErrInvalidACL when the ID is not a UUID, the name is malformed or
// taken, a linked policy does not exist or an identity is malformed.
func (s *Store) ACLRoleApply(idx uint64, req *ACLRoleRequest) error {
	return s.write(idx, func(tx *writeTxn) error { return aclRoleApplyTxn(tx, req) })
}

// ACLTokenApply writes or deletes a token at Raft index idx. A set fails
// with ErrInvalidACL when the IDs are not UUIDs, the SecretID is taken or
// would change, Local or ExpirationTime would change, a linked policy or
// role does not exist or an identity is malformed. The anonymous token
// cannot be deleted.
func (s *Store) ACLTokenApply(idx uint64, req *ACLTokenRequest) error {
	return s.write(idx, func(tx *writeTxn) error { return aclTokenApplyTxn(tx, req) })
}

// ACLBootstrap creates the initial management token at Raft index idx,
// with the built-in policies and the anonymous token where missing, and
// records idx as the reset index. After the first bootstrap it fails with
// an *ACLBootstrapError unless req.ResetIndex is the current reset index.
func (s *Store) ACLBootstrap(idx uint64, req *ACLBootstrapRequest) error {
	return s.write(idx, func(tx *writeTxn) error { return aclBootstrapTxn(tx, req) })
}

// ACLInit creates the built-in policies and the anonymous token where
// missing, at Raft index idx. When all exist it changes nothing.
func (s *Store) ACLInit(idx uint64, req *ACLInitRequest) error {
	return s.write(idx, func(tx *writeTxn) error { return aclInitTxn(tx, req.CreateTime) })
}

func aclPolicyApplyTxn(tx *writeTxn, req *ACLPolicyRequest) error {
	switch req.Op {
	case ACLSet:
		return aclPolicySetTxn(tx, &req.Policy)
	case ACLDelete:
		return aclPolicyDeleteTxn(tx, req.Policy.ID)
	}
	return invalidACL("unknown policy operation %q", req.Op)
}

func aclRoleApplyTxn(tx *writeTxn, req *ACLRoleRequest) error {
	switch req.Op {
	case ACLSet:
		return aclRoleSetTxn(tx, &req.Role)
	case ACLDelete:
		return aclRoleDeleteTxn(tx, req.Role.ID)
	}
	return invalidACL("unknown role operation %q", req.Op)
}

func aclTokenApplyTxn(tx *writeTxn, req *ACLTokenRequest) error {
	switch req.Op {
	case ACLSet:
		return aclTokenSetTxn(tx, &req.Token)
	case ACLDelete:
		return aclTokenDeleteTxn(tx, req.Token.AccessorID)
	}
	return invalidACL("unknown token operation %q", req.Op)
}

// isBuiltinPolicy reports whether id names a built-in policy.
func isBuiltinPolicy(id string) bool {
	return id == ACLGlobalManagementPolicyID || id == ACLGlobalReadOnlyPolicyID
}

func aclPolicySetTxn(tx *writeTxn, in *ACLPolicy) error {
	existing, err := getACLTxn[*ACLPolicy](tx.Txn, tableACLPolicies, indexID, in.ID)
	if err != nil {
		return err
	}
	if existing == nil && !ValidACLID(in.ID) {
		return invalidACL("policy ID %q is not a UUID or is reserved", in.ID)
	}
	if existing == nil || existing.Name != in.Name {
		if !aclPolicyNameRE.MatchString(in.Name) {
			return invalidACL("policy name %q must be 1 to 128 letters, digits, '-' or '_'", in.Name)
		}
	}
	if existing != nil && isBuiltinPolicy(existing.ID) {
		if in.Rules != existing.Rules {
			return invalidACL("changing the rules of the built-in policy %q is not permitted", existing.Name)
		}
		if len(in.Datacenters) != 0 {
			return invalidACL("the built-in policy %q cannot be scoped to datacenters", existing.Name)
		}
	}
	if err := aclNameFreeTxn[*ACLPolicy](tx.Txn, tableACLPolicies, in.Name, in.ID,
		func(p *ACLPolicy) string { return p.ID }); err != nil {
		return err
	}
	p := *in
	p.Datacenters = slices.Clone(in.Datacenters)
	p.Hash = policyHash(&p)
	p.CreateIndex, p.ModifyIndex = tx.idx, tx.idx
	if existing != nil {
		p.CreateIndex = existing.CreateIndex
	}
	tx.mark(changedACLPolicies)
	if err := tx.Insert(tableACLPolicies, &p); err != nil {
		return fmt.Errorf("set policy %q: %w", p.ID, err)
	}
	return nil
}

func aclPolicyDeleteTxn(tx *writeTxn, id string) error {
	if isBuiltinPolicy(id) {
		return invalidACL("deleting the built-in policy %q is not permitted", id)
	}
	p, err := getACLTxn[*ACLPolicy](tx.Txn, tableACLPolicies, indexID, id)
	if err != nil || p == nil {
		return err
	}
	tx.mark(changedACLPolicies)
	if err := tx.Delete(tableACLPolicies, p); err != nil {
		return fmt.Errorf("delete policy %q: %w", id, err)
	}
	return nil
}

func aclRoleSetTxn(tx *writeTxn, in *ACLRole) error {
	existing, err := getACLTxn[*ACLRole](tx.Txn, tableACLRoles, indexID, in.ID)
	if err != nil {
		return err
	}
	if existing == nil && !ValidACLID(in.ID) {
		return invalidACL("role ID %q is not a UUID or is reserved", in.ID)
	}
	if !aclRoleNameRE.MatchString(in.Name) {
		return invalidACL("role name %q must be 1 to 256 letters, digits, '-' or '_'", in.Name)
	}
	if err := aclNameFreeTxn[*ACLRole](tx.Txn, tableACLRoles, in.Name, in.ID,
		func(r *ACLRole) string { return r.ID }); err != nil {
		return err
	}
	r := *in
	if r.Policies, err = aclLinksTxn(tx.Txn, tableACLPolicies, "policy", in.Policies); err != nil {
		return err
	}
	if err := validateServiceIdentities(in.ServiceIdentities); err != nil {
		return err
	}
	if err := validateNodeIdentities(in.NodeIdentities); err != nil {
		return err
	}
	r.ServiceIdentities, r.NodeIdentities = cloneServiceIdentities(in.ServiceIdentities), slices.Clone(in.NodeIdentities)
	r.Hash = roleHash(&r)
	r.CreateIndex, r.ModifyIndex = tx.idx, tx.idx
	if existing != nil {
		r.CreateIndex = existing.CreateIndex
	}
	tx.mark(changedACLRoles)
	if err := tx.Insert(tableACLRoles, &r); err != nil {
		return fmt.Errorf("set role %q: %w", r.ID, err)
	}
	return nil
}

func aclRoleDeleteTxn(tx *writeTxn, id string) error {
	r, err := getACLTxn[*ACLRole](tx.Txn, tableACLRoles, indexID, id)
	if err != nil || r == nil {
		return err
	}
	tx.mark(changedACLRoles)
	if err := tx.Delete(tableACLRoles, r); err != nil {
		return fmt.Errorf("delete role %q: %w", id, err)
	}
	return nil
}

func aclTokenSetTxn(tx *writeTxn, in *ACLToken) error {
	existing, err := getACLTxn[*ACLToken](tx.Txn, tableACLTokens, indexID, in.AccessorID)
	if err != nil {
		return err
	}
	t := *in
	if existing == nil {
		err = validateNewTokenTxn(tx.Txn, in)
	} else {
		err = keepTokenFields(&t, existing)
	}
	if err != nil {
		return err
	}
	if t.Policies, err = aclLinksTxn(tx.Txn, tableACLPolicies, "policy", in.Policies); err != nil {
		return err
	}
	if t.Roles, err = aclLinksTxn(tx.Txn, tableACLRoles, "role", in.Roles); err != nil {
		return err
	}
	if err := validateServiceIdentities(in.ServiceIdentities); err != nil {
		return err
	}
	if err := validateNodeIdentities(in.NodeIdentities); err != nil {
		return err
	}
	t.ServiceIdentities, t.NodeIdentities = cloneServiceIdentities(in.ServiceIdentities), slices.Clone(in.NodeIdentities)
	t.Hash = tokenHash(&t)
	t.ModifyIndex = tx.idx
	tx.mark(changedACLTokens)
	if err := tx.Insert(tableACLTokens, &t); err != nil {
		return fmt.Errorf("set token %q: %w", t.AccessorID, err)
	}
	return nil
}

// validateNewTokenTxn checks the IDs of a token to be created.
func validateNewTokenTxn(tx *memdb.Txn, in *ACLToken) error {
	if !ValidACLID(in.AccessorID) {
		return invalidACL("token AccessorID %q is not a UUID or is reserved", in.AccessorID)
	}
	if !ValidACLID(in.SecretID) {
		return invalidACL("token SecretID is not a UUID or is reserved")
	}
	if other, err := getACLTxn[*ACLToken](tx, tableACLTokens, indexSecret, in.SecretID); err != nil {
		return err
	} else if other != nil {
		return invalidACL("token SecretID is already in use")
	}
	return nil
}

// keepTokenFields carries over what an update of token old cannot change
// into t, and refuses an update that tries.
func keepTokenFields(t, old *ACLToken) error {
	if t.SecretID != "" && t.SecretID != old.SecretID {
		return invalidACL("changing a token's SecretID is not permitted")
	}
	if t.Local != old.Local {
		return invalidACL("changing a token's Local flag is not permitted")
	}
	if t.ExpirationTime != nil && (old.ExpirationTime == nil || !t.ExpirationTime.Equal(*old.ExpirationTime)) {
		return invalidACL("changing a token's expiration time is not permitted")
	}
	t.SecretID, t.CreateTime, t.CreateIndex = old.SecretID, old.CreateTime, old.CreateIndex
	t.ExpirationTime, t.ExpirationTTL = old.ExpirationTime, old.ExpirationTTL
	return nil
}

func aclTokenDeleteTxn(tx *writeTxn, accessor string) error {
	if accessor == ACLAnonymousTokenID {
		return invalidACL("deleting the anonymous token is not permitted")
	}
	t, err := getACLTxn[*ACLToken](tx.Txn, tableACLTokens, indexID, accessor)
	if err != nil || t == nil {
		return err
	}
	tx.mark(changedACLTokens)
	if err := tx.Delete(tableACLTokens, t); err != nil {
		return fmt.Errorf("delete token %q: %w", accessor, err)
	}
	return nil
}

func aclBootstrapTxn(tx *writeTxn, req *ACLBootstrapRequest) error {
	if cur := indexTxn(tx.Txn, nil, aclBootstrapKey); cur != 0 && req.ResetIndex != cur {
		return &ACLBootstrapError{ResetIndex: cur}
	}
	if existing, err := getACLTxn[*ACLToken](tx.Txn, tableACLTokens, indexID, req.Token.AccessorID); err != nil {
		return err
	} else if existing != nil {
		return invalidACL("token AccessorID %q is already in use", req.Token.AccessorID)
	}
	// Validate before writing anything, so a refused bootstrap writes
	// nothing even inside a batch.
	if err := validateNewTokenTxn(tx.Txn, &req.Token); err != nil {
		return err
	}
	if err := aclInitTxn(tx, req.Token.CreateTime); err != nil {
		return err
	}
	t := req.Token
	t.Policies = []ACLLink{{ID: ACLGlobalManagementPolicyID}}
	t.Roles, t.ServiceIdentities, t.NodeIdentities = nil, nil, nil
	if err := aclTokenSetTxn(tx, &t); err != nil {
		return err
	}
	if err := tx.Insert(tableIndex, &indexEntry{Key: aclBootstrapKey, Value: tx.idx}); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	return nil
}

// aclInitTxn creates the built-in policies and the anonymous token where
// missing.
func aclInitTxn(tx *writeTxn, created time.Time) error {
	for _, p := range []ACLPolicy{
		{ID: ACLGlobalManagementPolicyID, Name: ACLGlobalManagementPolicyName, Rules: ACLGlobalManagementRules,
			Description: "Builtin Policy that grants unlimited access"},
		{ID: ACLGlobalReadOnlyPolicyID, Name: ACLGlobalReadOnlyPolicyName, Rules: ACLGlobalReadOnlyRules,
			Description: "Builtin Policy that grants unlimited read-only access to all components"},
	} {
		if err := ensureACLRecordTxn(tx, tableACLPolicies, p.ID, changedACLPolicies, func() any {
			if other, _ := getACLTxn[*ACLPolicy](tx.Txn, tableACLPolicies, indexName, p.Name); other != nil {
				p.Name += "-builtin" // a user policy took the name first
			}
			p.Hash = policyHash(&p)
			p.CreateIndex, p.ModifyIndex = tx.idx, tx.idx
			return &p
		}); err != nil {
			return err
		}
	}
	return ensureACLRecordTxn(tx, tableACLTokens, ACLAnonymousTokenID, changedACLTokens, func() any {
		t := &ACLToken{AccessorID: ACLAnonymousTokenID, SecretID: ACLAnonymousTokenSecret,
			Description: "Anonymous Token", CreateTime: created, CreateIndex: tx.idx, ModifyIndex: tx.idx}
		t.Hash = tokenHash(t)
		return t
	})
}

// ensureACLRecordTxn inserts the record build makes when table has none
// with the ID.
func ensureACLRecordTxn(tx *writeTxn, table, id string, changed uint16, build func() any) error {
	raw, err := tx.First(table, indexID, id)
	if err != nil || raw != nil {
		return err
	}
	tx.mark(changed)
	if err := tx.Insert(table, build()); err != nil {
		return fmt.Errorf("create built-in %s %q: %w", table, id, err)
	}
	return nil
}

// aclNameFreeTxn fails when a record other than the one with ID id has the
// name.
func aclNameFreeTxn[T any](tx *memdb.Txn, table, name, id string, idOf func(T) string) error {
	other, err := getACLTxn[T](tx, table, indexName, name)
	if err != nil {
		return err
	}
	var zero T
	if any(other) != any(zero) && !strings.EqualFold(idOf(other), id) {
		return invalidACL("a %s named %q already exists", strings.TrimPrefix(table, "acl-"), name)
	}
	return nil
}

// aclLinksTxn resolves links to records of table to stored links: IDs
// only, each record once, in the order given. A link with an ID must name
// an existing record; one with only a Name is looked up by name.
func aclLinksTxn(tx *memdb.Txn, table, kind string, links []ACLLink) ([]ACLLink, error) {
	var out []ACLLink
	for _, l := range links {
		var raw any
		var err error
		if l.ID != "" {
			raw, err = tx.First(table, indexID, l.ID)
		} else {
			raw, err = tx.First(table, indexName, l.Name)
		}
		if err != nil {
			return nil, err
		}
		if raw == nil {
			return nil, invalidACL("cannot find %s %q", kind, cmp.Or(l.ID, l.Name))
		}
		id := aclRecordID(raw)
		if !slices.ContainsFunc(out, func(o ACLLink) bool { return o.ID == id }) {
			out = append(out, ACLLink{ID: id})
		}
	}
	return out, nil
}

// aclRecordID is the ID of a policy, role or token record.
func aclRecordID(raw any) string {
	switch r := raw.(type) {
	case *ACLPolicy:
		return r.ID
	case *ACLRole:
		return r.ID
	case *ACLToken:
		return r.AccessorID
	}
	return ""
}

func cloneServiceIdentities(in []ACLServiceIdentity) []ACLServiceIdentity {
	if in == nil {
		return nil
	}
	out := make([]ACLServiceIdentity, len(in))
	for i, si := range in {
		out[i] = ACLServiceIdentity{ServiceName: si.ServiceName, Datacenters: slices.Clone(si.Datacenters)}
	}
	return out
}

// getACLTxn returns the record of table whose index holds key, or the zero
// T.
func getACLTxn[T any](tx *memdb.Txn, table, index, key string) (T, error) {
	var zero T
	raw, err := tx.First(table, index, key)
	if err != nil || raw == nil {
		return zero, err
	}
	return raw.(T), nil
}
