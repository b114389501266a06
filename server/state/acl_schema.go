package state

import memdb "github.com/hashicorp/go-memdb"

// Table and index names of ACLs.
const (
	tableACLPolicies = "acl-policies"
	tableACLRoles    = "acl-roles"
	tableACLTokens   = "acl-tokens"

	indexSecret = "secret" // tokens: unique SecretID; policies and roles
	// use indexName (prepared_query.go) for their unique names.

	// aclBootstrapKey is the index table entry holding the Raft index of
	// the last ACL bootstrap (the reset index); absent before the first.
	aclBootstrapKey = "acl-token-bootstrap"
)

func aclPoliciesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableACLPolicies, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: fieldIndex[*ACLPolicy]{
			key: func(p *ACLPolicy) (string, bool) { return p.ID, true }}},
		indexName: {Name: indexName, Unique: true, Indexer: fieldIndex[*ACLPolicy]{
			key: func(p *ACLPolicy) (string, bool) { return p.Name, true }}},
	}}
}

func aclRolesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableACLRoles, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: fieldIndex[*ACLRole]{
			key: func(r *ACLRole) (string, bool) { return r.ID, true }}},
		indexName: {Name: indexName, Unique: true, Indexer: fieldIndex[*ACLRole]{
			key: func(r *ACLRole) (string, bool) { return r.Name, true }}},
	}}
}

func aclTokensTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableACLTokens, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: fieldIndex[*ACLToken]{
			key: func(t *ACLToken) (string, bool) { return t.AccessorID, true }}},
		indexSecret: {Name: indexSecret, Unique: true, Indexer: fieldIndex[*ACLToken]{
			key: func(t *ACLToken) (string, bool) { return t.SecretID, true }}},
	}}
}

// aclTableBits pairs the ACL tables with their writeTxn.tables bits.
var aclTableBits = []struct {
	bit   uint16
	table string
}{{changedACLPolicies, tableACLPolicies}, {changedACLRoles, tableACLRoles}, {changedACLTokens, tableACLTokens}}
