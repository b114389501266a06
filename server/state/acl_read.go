package state

import (
	"slices"

	memdb "github.com/hashicorp/go-memdb"
)

// Reads of ACL records return copies whose links carry the linked
// records' current names; links to records that are gone are left out.
// The index returned is the highest of the tables the answer depends on.

// ACLPolicyGet returns the policy with ID id (nil if unknown) and the
// policies table index.
func (s *Store) ACLPolicyGet(ws memdb.WatchSet, id string) (uint64, *ACLPolicy, error) {
	return aclPolicyGet(s.readTxn(ws), ws, indexID, id)
}

// ACLPolicyGetByName returns the policy named name (nil if unknown) and
// the policies table index.
func (s *Store) ACLPolicyGetByName(ws memdb.WatchSet, name string) (uint64, *ACLPolicy, error) {
	return aclPolicyGet(s.readTxn(ws), ws, indexName, name)
}

func aclPolicyGet(tx *memdb.Txn, ws memdb.WatchSet, index, key string) (uint64, *ACLPolicy, error) {
	idx := indexTxn(tx, ws, tableACLPolicies)
	p, err := getACLTxn[*ACLPolicy](tx, tableACLPolicies, index, key)
	return idx, p, err
}

// ACLPolicyList returns every policy, ordered by ID, and the policies
// table index.
func (s *Store) ACLPolicyList(ws memdb.WatchSet) (uint64, []*ACLPolicy, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tableACLPolicies)
	it, err := tx.Get(tableACLPolicies, indexID)
	if err != nil {
		return 0, nil, err
	}
	var out []*ACLPolicy
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*ACLPolicy))
	}
	return idx, out, nil
}

// ACLRoleGet returns the role with ID id (nil if unknown) and the index
// of the roles and policies tables.
func (s *Store) ACLRoleGet(ws memdb.WatchSet, id string) (uint64, *ACLRole, error) {
	return aclRoleGet(s.readTxn(ws), ws, indexID, id)
}

// ACLRoleGetByName returns the role named name (nil if unknown) and the
// index of the roles and policies tables.
func (s *Store) ACLRoleGetByName(ws memdb.WatchSet, name string) (uint64, *ACLRole, error) {
	return aclRoleGet(s.readTxn(ws), ws, indexName, name)
}

func aclRoleGet(tx *memdb.Txn, ws memdb.WatchSet, index, key string) (uint64, *ACLRole, error) {
	idx := maxIndexTxn(tx, ws, tableACLRoles, tableACLPolicies)
	r, err := getACLTxn[*ACLRole](tx, tableACLRoles, index, key)
	if err != nil || r == nil {
		return idx, nil, err
	}
	return idx, roleView(tx, r), nil
}

// ACLRoleList returns every role, ordered by ID, or only those linking
// the policy with ID policy when it is not empty, and the index of the
// roles and policies tables.
func (s *Store) ACLRoleList(ws memdb.WatchSet, policy string) (uint64, []*ACLRole, error) {
	tx := s.readTxn(ws)
	idx := maxIndexTxn(tx, ws, tableACLRoles, tableACLPolicies)
	it, err := tx.Get(tableACLRoles, indexID)
	if err != nil {
		return 0, nil, err
	}
	var out []*ACLRole
	for raw := it.Next(); raw != nil; raw = it.Next() {
		r := roleView(tx, raw.(*ACLRole))
		if policy == "" || hasLink(r.Policies, policy) {
			out = append(out, r)
		}
	}
	return idx, out, nil
}

// ACLTokenGet returns the token with AccessorID accessor (nil if unknown)
// and the index of the token, role and policy tables.
func (s *Store) ACLTokenGet(ws memdb.WatchSet, accessor string) (uint64, *ACLToken, error) {
	return aclTokenGet(s.readTxn(ws), ws, indexID, accessor)
}

// ACLTokenGetBySecret returns the token with SecretID secret (nil if
// unknown; the match is exact) and the index of the token, role and
// policy tables.
func (s *Store) ACLTokenGetBySecret(ws memdb.WatchSet, secret string) (uint64, *ACLToken, error) {
	return aclTokenGet(s.readTxn(ws), ws, indexSecret, secret)
}

func aclTokenGet(tx *memdb.Txn, ws memdb.WatchSet, index, key string) (uint64, *ACLToken, error) {
	idx := maxIndexTxn(tx, ws, tableACLTokens, tableACLRoles, tableACLPolicies)
	t, err := getACLTxn[*ACLToken](tx, tableACLTokens, index, key)
	if err != nil || t == nil || (index == indexSecret && t.SecretID != key) {
		return idx, nil, err
	}
	return idx, tokenView(tx, t), nil
}

// ACLTokenList returns the tokens that match f, ordered by AccessorID, and
// the index of the token, role and policy tables. Links to deleted
// policies and roles do not match.
func (s *Store) ACLTokenList(ws memdb.WatchSet, f ACLTokenFilter) (uint64, []*ACLToken, error) {
	tx := s.readTxn(ws)
	idx := maxIndexTxn(tx, ws, tableACLTokens, tableACLRoles, tableACLPolicies)
	it, err := tx.Get(tableACLTokens, indexID)
	if err != nil {
		return 0, nil, err
	}
	var out []*ACLToken
	for raw := it.Next(); raw != nil; raw = it.Next() {
		t := tokenView(tx, raw.(*ACLToken))
		if f.matches(t) {
			out = append(out, t)
		}
	}
	return idx, out, nil
}

func (f ACLTokenFilter) matches(t *ACLToken) bool {
	if f.Policy != "" && !hasLink(t.Policies, f.Policy) {
		return false
	}
	if f.Role != "" && !hasLink(t.Roles, f.Role) {
		return false
	}
	if f.ServiceName != "" && !slices.ContainsFunc(t.ServiceIdentities,
		func(si ACLServiceIdentity) bool { return si.ServiceName == f.ServiceName }) {
		return false
	}
	return true
}

// ACLTokenResolve returns what the token with SecretID secret grants: the
// token, its policies and its roles' policies (each once, deleted ones
// left out) and its and its roles' identities. It returns nil for an
// unknown secret; expiry is the caller's to judge (ACLToken.Expired).
func (s *Store) ACLTokenResolve(ws memdb.WatchSet, secret string) (*ACLResolvedToken, error) {
	tx := s.readTxn(ws)
	_, t, err := aclTokenGet(tx, ws, indexSecret, secret)
	if err != nil || t == nil {
		return nil, err
	}
	res := &ACLResolvedToken{Token: t,
		ServiceIdentities: cloneServiceIdentities(t.ServiceIdentities), NodeIdentities: slices.Clone(t.NodeIdentities)}
	seen := map[string]bool{}
	addPolicies := func(links []ACLLink) error {
		for _, l := range links {
			if seen[l.ID] {
				continue
			}
			seen[l.ID] = true
			p, err := getACLTxn[*ACLPolicy](tx, tableACLPolicies, indexID, l.ID)
			if err != nil {
				return err
			}
			if p != nil {
				res.Policies = append(res.Policies, p)
			}
		}
		return nil
	}
	if err := addPolicies(t.Policies); err != nil {
		return nil, err
	}
	for _, l := range t.Roles {
		r, err := getACLTxn[*ACLRole](tx, tableACLRoles, indexID, l.ID)
		if err != nil {
			return nil, err
		}
		if r == nil {
			continue
		}
		if err := addPolicies(r.Policies); err != nil {
			return nil, err
		}
		res.ServiceIdentities = append(res.ServiceIdentities, cloneServiceIdentities(r.ServiceIdentities)...)
		res.NodeIdentities = append(res.NodeIdentities, r.NodeIdentities...)
	}
	return res, nil
}

// ACLBootstrapIndex returns the reset index: the Raft index of the last
// ACL bootstrap, or 0 when ACLs were never bootstrapped.
func (s *Store) ACLBootstrapIndex() uint64 {
	return indexTxn(s.readTxn(nil), nil, aclBootstrapKey)
}

func hasLink(links []ACLLink, id string) bool {
	return slices.ContainsFunc(links, func(l ACLLink) bool { return l.ID == id })
}

// roleView copies a stored role with its policy links named.
func roleView(tx *memdb.Txn, r *ACLRole) *ACLRole {
	out := *r
	out.Policies = namedLinks(tx, tableACLPolicies, r.Policies)
	return &out
}

// tokenView copies a stored token with its policy and role links named.
func tokenView(tx *memdb.Txn, t *ACLToken) *ACLToken {
	out := *t
	out.Policies = namedLinks(tx, tableACLPolicies, t.Policies)
	out.Roles = namedLinks(tx, tableACLRoles, t.Roles)
	return &out
}

// namedLinks returns the links whose records exist, with their names.
func namedLinks(tx *memdb.Txn, table string, links []ACLLink) []ACLLink {
	var out []ACLLink
	for _, l := range links {
		raw, err := tx.First(table, indexID, l.ID)
		if err != nil || raw == nil {
			continue
		}
		name := ""
		switch r := raw.(type) {
		case *ACLPolicy:
			name = r.Name
		case *ACLRole:
			name = r.Name
		}
		out = append(out, ACLLink{ID: l.ID, Name: name})
	}
	return out
}
