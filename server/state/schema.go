package state

import memdb "github.com/hashicorp/go-memdb"

// Table names.
const (
	tableNodes    = "nodes"
	tableServices = "services"
	tableChecks   = "checks"
	tableIndex    = "index"

	tablePreparedQueries = "prepared-queries" // prepared_query.go
	// tableKVs, tableTombstones: kv_schema.go; tableSessions,
	// tableSessionChecks: session_schema.go; tableACLPolicies,
	// tableACLRoles, tableACLTokens: acl_schema.go.
)

// Index names. Every table's primary index is "id"; a record's node is
// found through the "id_prefix" form of the node+ID primary key.
const (
	indexID          = "id"
	indexIDPrefix    = "id_prefix"
	indexService     = "service"      // services, checks: service name
	indexConnect     = "connect"      // services: name a mesh endpoint serves
	indexKind        = "kind"         // services: Kind ("" for typical)
	indexNodeService = "node_service" // checks: node + service ID ("" = node check)
	indexStatus      = "status"       // checks: Status
)

// indexEntry is a row of the index table: the Raft index of the last
// change to a table ("nodes", "services", "checks", "prepared-queries",
// "kvs", "tombstones", "sessions") or
// to the instances of one service ("service.<name>", "connect.<name>").
type indexEntry struct {
	Key   string
	Value uint64
}

// Index table keys.
const (
	serviceIndexPrefix = "service."
	connectIndexPrefix = "connect."
)

func serviceIndexKey(name string) string { return serviceIndexPrefix + lower(name) }
func connectIndexKey(name string) string { return connectIndexPrefix + lower(name) }

// connectName is the service a mesh endpoint serves: the destination of a
// connect proxy, or the service itself when it is Connect-native.
func connectName(s *Service) (string, bool) {
	switch {
	case s.Kind == KindConnectProxy && s.Proxy.DestinationServiceName != "":
		return s.Proxy.DestinationServiceName, true
	case s.Connect.Native:
		return s.Name, true
	}
	return "", false
}

func schema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		tableNodes:    nodesTable(),
		tableServices: servicesTable(),
		tableChecks:   checksTable(),
		tableIndex:    indexTable(),

		tablePreparedQueries: preparedQueriesTable(),
		tableKVs:             kvsTable(),
		tableTombstones:      tombstonesTable(),
		tableSessions:        sessionsTable(),
		tableSessionChecks:   sessionChecksTable(),
		tableACLPolicies:     aclPoliciesTable(),
		tableACLRoles:        aclRolesTable(),
		tableACLTokens:       aclTokensTable(),
		tableAutopilot:       autopilotTable(),    // autopilot.go
		tableServerSecret:    serverSecretTable(), // server_secret.go
		tableCoordinates:     coordinatesTable(),  // coordinate.go
	}}
}

func nodesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableNodes, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: fieldIndex[*Node]{
			key: func(n *Node) (string, bool) { return n.Node, true }}},
	}}
}

func servicesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableServices, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: pairIndex[*Service]{
			key: func(s *Service) (string, string) { return s.Node, s.ID }}},
		indexService: {Name: indexService, Indexer: fieldIndex[*Service]{
			key: func(s *Service) (string, bool) { return s.Name, true }}},
		indexConnect: {Name: indexConnect, AllowMissing: true, Indexer: fieldIndex[*Service]{
			key: connectName}},
		indexKind: {Name: indexKind, Indexer: fieldIndex[*Service]{
			key: func(s *Service) (string, bool) { return s.Kind, true }}},
	}}
}

func checksTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableChecks, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: pairIndex[*HealthCheck]{
			key: func(c *HealthCheck) (string, string) { return c.Node, c.CheckID }}},
		indexNodeService: {Name: indexNodeService, Indexer: pairIndex[*HealthCheck]{
			key: func(c *HealthCheck) (string, string) { return c.Node, c.ServiceID }}},
		indexStatus: {Name: indexStatus, Indexer: fieldIndex[*HealthCheck]{
			key: func(c *HealthCheck) (string, bool) { return c.Status, true }}},
		indexService: {Name: indexService, AllowMissing: true, Indexer: fieldIndex[*HealthCheck]{
			key: func(c *HealthCheck) (string, bool) { return c.ServiceName, c.ServiceName != "" }}},
	}}
}

func indexTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableIndex, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: fieldIndex[*indexEntry]{
			key: func(e *indexEntry) (string, bool) { return e.Key, true }}},
	}}
}
