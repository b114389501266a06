package state

import "time"

// ACLLink names a policy or a role from a token or a role. Links are
// stored by ID; Name is filled in on every read from the linked record,
// and a link whose record is gone is left out of reads (as Consul does).
// On write a link may give only a Name, which is resolved to the ID.
type ACLLink struct {
	ID   string
	Name string
}

// ACLServiceIdentity grants a token or a role the rights of one service
// (write on the service and its sidecar, read on every service and node).
// Datacenters limits where it applies; empty means everywhere.
type ACLServiceIdentity struct {
	ServiceName string
	Datacenters []string
}

// ACLNodeIdentity grants a token or a role the rights of one node in one
// datacenter (write on the node, read on every service).
type ACLNodeIdentity struct {
	NodeName   string
	Datacenter string
}

// ACLPolicy is a named set of rules. Rules is the policy text (HCL or
// JSON) as written; the acl package parses it. Datacenters limits where
// the policy applies; empty means everywhere.
type ACLPolicy struct {
	ID          string // a UUID
	Name        string // unique, ^[A-Za-z0-9\-_]{1,128}$ (built-ins aside)
	Description string
	Rules       string
	Datacenters []string
	Hash        []byte // set by the store from the content
	CreateIndex uint64
	ModifyIndex uint64
}

// ACLRole is a named bundle of policies and identities that tokens link
// to.
type ACLRole struct {
	ID                string // a UUID
	Name              string // unique, ^[A-Za-z0-9\-_]{1,256}$
	Description       string
	Policies          []ACLLink
	ServiceIdentities []ACLServiceIdentity
	NodeIdentities    []ACLNodeIdentity
	Hash              []byte // set by the store from the content
	CreateIndex       uint64
	ModifyIndex       uint64
}

// ACLToken is a bearer credential. AccessorID names it publicly; SecretID
// is what clients present. Both are UUIDs (the anonymous token's SecretID
// aside) and never change once created; neither do Local, CreateTime and
// ExpirationTime.
type ACLToken struct {
	AccessorID        string
	SecretID          string
	Description       string
	Policies          []ACLLink
	Roles             []ACLLink
	ServiceIdentities []ACLServiceIdentity
	NodeIdentities    []ACLNodeIdentity
	Local             bool
	// ExpirationTime is when the token stops resolving; nil means never.
	ExpirationTime *time.Time
	// ExpirationTTL is the lifetime asked for at creation, kept for
	// display; the server turns it into ExpirationTime.
	ExpirationTTL time.Duration
	CreateTime    time.Time
	Hash          []byte // set by the store from the content
	CreateIndex   uint64
	ModifyIndex   uint64
}

// Expired reports whether the token has expired at now.
func (t *ACLToken) Expired(now time.Time) bool {
	return t.ExpirationTime != nil && !now.Before(*t.ExpirationTime)
}

// Built-in ACL records (Consul's IDs and names).
const (
	ACLGlobalManagementPolicyID   = "00000000-0000-0000-0000-000000000001"
	ACLGlobalManagementPolicyName = "global-management"
	ACLGlobalReadOnlyPolicyID     = "00000000-0000-0000-0000-000000000002"
	ACLGlobalReadOnlyPolicyName   = "builtin/global-read-only"
	ACLAnonymousTokenID           = "00000000-0000-0000-0000-000000000002"
	ACLAnonymousTokenSecret       = "anonymous"

	// aclReservedIDPrefix starts every built-in ID; users cannot create
	// records with IDs of this shape.
	aclReservedIDPrefix = "00000000-0000-0000-0000-0000000000"
)

// ACLGlobalManagementRules is the rules text of the global-management
// policy: write on everything.
const ACLGlobalManagementRules = `acl = "write"
agent_prefix "" {
  policy = "write"
}
event_prefix "" {
  policy = "write"
}
key_prefix "" {
  policy = "write"
}
keyring = "write"
node_prefix "" {
  policy = "write"
}
operator = "write"
mesh = "write"
peering = "write"
query_prefix "" {
  policy = "write"
}
service_prefix "" {
  policy = "write"
  intentions = "write"
}
session_prefix "" {
  policy = "write"
}
`

// ACLGlobalReadOnlyRules is the rules text of the builtin/global-read-only
// policy: read on everything.
const ACLGlobalReadOnlyRules = `acl = "read"
agent_prefix "" {
  policy = "read"
}
event_prefix "" {
  policy = "read"
}
key_prefix "" {
  policy = "read"
}
keyring = "read"
node_prefix "" {
  policy = "read"
}
operator = "read"
mesh = "read"
peering = "read"
query_prefix "" {
  policy = "read"
}
service_prefix "" {
  policy = "read"
  intentions = "read"
}
session_prefix "" {
  policy = "read"
}
`

// ACLOp is the operation of an ACL log entry.
type ACLOp string

// ACL operations.
const (
	ACLSet    ACLOp = "set"    // create, or replace the record with the same ID
	ACLDelete ACLOp = "delete" // by ID (AccessorID for tokens); unknown is a no-op
)

// ACLPolicyRequest writes or deletes a policy, the body of a policy log
// entry.
type ACLPolicyRequest struct {
	Op     ACLOp
	Policy ACLPolicy
}

// ACLRoleRequest writes or deletes a role, the body of a role log entry.
type ACLRoleRequest struct {
	Op   ACLOp
	Role ACLRole
}

// ACLTokenRequest writes or deletes a token, the body of a token log
// entry. A set with the AccessorID of an existing token updates it: an
// empty SecretID keeps the stored one, CreateTime, Local and
// ExpirationTime are kept.
type ACLTokenRequest struct {
	Op    ACLOp
	Token ACLToken
}

// ACLBootstrapRequest creates the initial management token (linked to
// global-management, which is created with the other built-ins when
// missing). It applies only when ACLs were never bootstrapped, or when
// ResetIndex equals the index of the last bootstrap.
type ACLBootstrapRequest struct {
	Token      ACLToken
	ResetIndex uint64
}

// ACLInitRequest creates the built-in policies and the anonymous token
// where missing; CreateTime is the anonymous token's creation time,
// chosen by the leader.
type ACLInitRequest struct {
	CreateTime time.Time
}

// ACLTokenFilter narrows ACLTokenList; empty fields match everything.
type ACLTokenFilter struct {
	Policy      string // ID of a policy the token links directly
	Role        string // ID of a role the token links
	ServiceName string // name of one of the token's service identities
}

// ACLResolvedToken is what a secret resolves to: the token and everything
// it grants, its own policies and identities and those of its roles.
type ACLResolvedToken struct {
	Token             *ACLToken
	Policies          []*ACLPolicy // distinct, the token's first, then its roles'
	ServiceIdentities []ACLServiceIdentity
	NodeIdentities    []ACLNodeIdentity
}
