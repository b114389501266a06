package api

import "time"

// Token types of Consul's legacy ACL system, kept for programs that name
// them.
const (
	ACLClientType     = "client"
	ACLManagementType = "management"
)

// ACLLink points from a token or role to a policy or role. Either field
// identifies the target on input; replies carry both.
type ACLLink struct {
	ID   string
	Name string
}

// ACLTokenPolicyLink, ACLTokenRoleLink and ACLRolePolicyLink are the
// links of tokens and roles.
type (
	ACLTokenPolicyLink = ACLLink
	ACLTokenRoleLink   = ACLLink
	ACLRolePolicyLink  = ACLLink
)

// ACLToken is a token (/v1/acl/token). SecretID is the bearer credential;
// a reply shows it only to a caller with acl:write. ExpirationTTL, on
// create, sets ExpirationTime to CreateTime plus the TTL.
type ACLToken struct {
	CreateIndex       uint64
	ModifyIndex       uint64
	AccessorID        string
	SecretID          string
	Description       string
	Policies          []*ACLTokenPolicyLink `json:",omitempty"`
	Roles             []*ACLTokenRoleLink   `json:",omitempty"`
	ServiceIdentities []*ACLServiceIdentity `json:",omitempty"`
	NodeIdentities    []*ACLNodeIdentity    `json:",omitempty"`
	TemplatedPolicies []*ACLTemplatedPolicy `json:",omitempty"`
	Local             bool
	AuthMethod        string        `json:",omitempty"`
	ExpirationTTL     time.Duration `json:",omitempty"`
	ExpirationTime    *time.Time    `json:",omitempty"`
	CreateTime        time.Time     `json:",omitempty"`
	Hash              []byte        `json:",omitempty"`
	// Namespace and Partition are Consul Enterprise scopes (empty).
	Namespace string `json:",omitempty"`
	Partition string `json:",omitempty"`
}

// ACLTokenListEntry is a token as /v1/acl/tokens lists it.
type ACLTokenListEntry struct {
	CreateIndex       uint64
	ModifyIndex       uint64
	AccessorID        string
	SecretID          string
	Description       string
	Policies          []*ACLTokenPolicyLink `json:",omitempty"`
	Roles             []*ACLTokenRoleLink   `json:",omitempty"`
	ServiceIdentities []*ACLServiceIdentity `json:",omitempty"`
	NodeIdentities    []*ACLNodeIdentity    `json:",omitempty"`
	TemplatedPolicies []*ACLTemplatedPolicy `json:",omitempty"`
	Local             bool
	AuthMethod        string     `json:",omitempty"`
	ExpirationTime    *time.Time `json:",omitempty"`
	CreateTime        time.Time
	Hash              []byte
	Namespace         string `json:",omitempty"`
	Partition         string `json:",omitempty"`
}

// ACLServiceIdentity grants the rights of one service: write on it and
// its sidecar proxy, read on every service and node. Datacenters limits
// where it applies (empty: everywhere).
type ACLServiceIdentity struct {
	ServiceName string
	Datacenters []string `json:",omitempty"`
}

// ACLNodeIdentity grants the rights of one node in one datacenter.
type ACLNodeIdentity struct {
	NodeName   string
	Datacenter string
}

// ACLTemplatedPolicy names a built-in policy template (Consul 1.17+).
// Pylon accepts the shape and does not act on it yet.
type ACLTemplatedPolicy struct {
	TemplateName      string
	TemplateVariables *ACLTemplatedPolicyVariables `json:",omitempty"`
	Datacenters       []string                     `json:",omitempty"`
}

// ACLTemplatedPolicyVariables are the inputs of a policy template.
type ACLTemplatedPolicyVariables struct {
	Name string
}

// ACLPolicy is a named set of rules (/v1/acl/policy). Rules is HCL or
// JSON in Consul's rules language; Datacenters limits where the policy
// applies (empty: everywhere).
type ACLPolicy struct {
	ID          string
	Name        string
	Description string
	Rules       string
	Datacenters []string
	Hash        []byte
	CreateIndex uint64
	ModifyIndex uint64
	Namespace   string `json:",omitempty"`
	Partition   string `json:",omitempty"`
}

// ACLPolicyListEntry is a policy as /v1/acl/policies lists it: without
// its rules.
type ACLPolicyListEntry struct {
	ID          string
	Name        string
	Description string
	Datacenters []string
	Hash        []byte
	CreateIndex uint64
	ModifyIndex uint64
	Namespace   string `json:",omitempty"`
	Partition   string `json:",omitempty"`
}

// ACLRole is a named bundle of policies and identities (/v1/acl/role).
type ACLRole struct {
	ID                string
	Name              string
	Description       string
	Policies          []*ACLRolePolicyLink  `json:",omitempty"`
	ServiceIdentities []*ACLServiceIdentity `json:",omitempty"`
	NodeIdentities    []*ACLNodeIdentity    `json:",omitempty"`
	TemplatedPolicies []*ACLTemplatedPolicy `json:",omitempty"`
	Hash              []byte
	CreateIndex       uint64
	ModifyIndex       uint64
	Namespace         string `json:",omitempty"`
	Partition         string `json:",omitempty"`
}

// ACLTokenFilterOptions narrows TokenListFiltered; empty fields match
// every token.
type ACLTokenFilterOptions struct {
	AuthMethod  string `json:",omitempty"`
	Policy      string `json:",omitempty"`
	Role        string `json:",omitempty"`
	ServiceName string `json:",omitempty"`
}

// BootstrapRequest is the optional body of /v1/acl/bootstrap: the
// SecretID the initial management token should have.
type BootstrapRequest struct {
	BootstrapSecret string
}
