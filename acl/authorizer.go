package acl

// Decision is the answer to one authorization question.
type Decision int

// Decisions an Authorizer can give. Default means no rule matched and the
// caller's default policy applies.
const (
	Default Decision = iota
	Allow
	Deny
)

// Authorizer answers whether a token may read or write a resource. Methods
// are named for the resource kind; the argument is the resource name.
type Authorizer interface {
	AgentRead(node string) bool
	AgentWrite(node string) bool
	NodeRead(node string) bool
	NodeWrite(node string) bool
	ServiceRead(service string) bool
	ServiceWrite(service string) bool
	OperatorRead() bool
	OperatorWrite() bool
	// QueryRead and QueryWrite are about prepared queries, by query name
	// (a template's name is its prefix). Queries without a name are
	// governed by their ID alone: whoever knows it may use it.
	QueryRead(name string) bool
	QueryWrite(name string) bool
	// KeyRead, KeyList and KeyWrite are about one KV key. KeyWritePrefix
	// asks whether every key under prefix may be written (a recursive
	// delete), which a deny rule on any key below it refuses.
	KeyRead(key string) bool
	KeyList(prefix string) bool
	KeyWrite(key string) bool
	KeyWritePrefix(prefix string) bool
	// SessionRead and SessionWrite are about sessions, by their node.
	SessionRead(node string) bool
	SessionWrite(node string) bool
	// EventRead and EventWrite are about user events, by event name.
	EventRead(name string) bool
	EventWrite(name string) bool
	// ACLRead and ACLWrite are about the ACL system itself; ACLWrite is
	// what Consul calls a management token, needed for snapshots too.
	ACLRead() bool
	ACLWrite() bool
}

// AllowAll returns the Authorizer used while ACLs are disabled.
func AllowAll() Authorizer { return allowAll{} }

type allowAll struct{}

var _ Authorizer = allowAll{}

func (allowAll) AgentRead(string) bool      { return true }
func (allowAll) AgentWrite(string) bool     { return true }
func (allowAll) NodeRead(string) bool       { return true }
func (allowAll) NodeWrite(string) bool      { return true }
func (allowAll) ServiceRead(string) bool    { return true }
func (allowAll) ServiceWrite(string) bool   { return true }
func (allowAll) OperatorRead() bool         { return true }
func (allowAll) OperatorWrite() bool        { return true }
func (allowAll) QueryRead(string) bool      { return true }
func (allowAll) QueryWrite(string) bool     { return true }
func (allowAll) KeyRead(string) bool        { return true }
func (allowAll) KeyList(string) bool        { return true }
func (allowAll) KeyWrite(string) bool       { return true }
func (allowAll) KeyWritePrefix(string) bool { return true }
func (allowAll) SessionRead(string) bool    { return true }
func (allowAll) SessionWrite(string) bool   { return true }
func (allowAll) EventRead(string) bool      { return true }
func (allowAll) EventWrite(string) bool     { return true }
func (allowAll) ACLRead() bool              { return true }
func (allowAll) ACLWrite() bool             { return true }
