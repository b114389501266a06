package api

// TxnOp is one operation of a transaction: exactly one of its fields is
// set.
type TxnOp struct {
	KV      *KVTxnOp
	Node    *NodeTxnOp
	Service *ServiceTxnOp
	Check   *CheckTxnOp
	// Session deletes a session inside the transaction. Consul's server
	// takes it; Consul's Go client has the field shape but cannot fill it.
	Session *SessionTxnOp
}

// TxnOps is the request body of PUT /v1/txn.
type TxnOps []*TxnOp

// TxnResponse is the reply of PUT /v1/txn: Results when the transaction
// applied (one per operation that returns data), Errors when it was rolled
// back.
type TxnResponse struct {
	Results TxnResults
	Errors  TxnErrors
}

// TxnResult is the data one operation returned; one field is set.
type TxnResult struct {
	KV      *KVPair
	Node    *Node
	Service *AgentService
	Check   *HealthCheck
}

// TxnResults lists the results of a transaction.
type TxnResults []*TxnResult

// TxnError says why one operation failed. OpIndex is its position in the
// request, from 0.
type TxnError struct {
	OpIndex int
	What    string
}

// TxnErrors lists the errors of a rolled-back transaction.
type TxnErrors []*TxnError

// NodeOp is the verb of a node operation inside a transaction.
type NodeOp string

// Node transaction verbs. CAS and DeleteCAS compare Node.ModifyIndex.
const (
	NodeGet       NodeOp = "get"
	NodeSet       NodeOp = "set"
	NodeCAS       NodeOp = "cas"
	NodeDelete    NodeOp = "delete"
	NodeDeleteCAS NodeOp = "delete-cas"
)

// NodeTxnOp is a node operation of a transaction.
type NodeTxnOp struct {
	Verb NodeOp
	Node Node
}

// ServiceOp is the verb of a service operation inside a transaction.
type ServiceOp string

// Service transaction verbs. CAS and DeleteCAS compare
// Service.ModifyIndex.
const (
	ServiceGet       ServiceOp = "get"
	ServiceSet       ServiceOp = "set"
	ServiceCAS       ServiceOp = "cas"
	ServiceDelete    ServiceOp = "delete"
	ServiceDeleteCAS ServiceOp = "delete-cas"
)

// ServiceTxnOp is a service operation of a transaction on the service
// instances of Node.
type ServiceTxnOp struct {
	Verb    ServiceOp
	Node    string
	Service AgentService
}

// CheckOp is the verb of a check operation inside a transaction.
type CheckOp string

// Check transaction verbs. CAS and DeleteCAS compare Check.ModifyIndex.
const (
	CheckGet       CheckOp = "get"
	CheckSet       CheckOp = "set"
	CheckCAS       CheckOp = "cas"
	CheckDelete    CheckOp = "delete"
	CheckDeleteCAS CheckOp = "delete-cas"
)

// CheckTxnOp is a check operation of a transaction; Check.Node and
// Check.CheckID name the check.
type CheckTxnOp struct {
	Verb  CheckOp
	Check HealthCheck
}

// SessionOp is the verb of a session operation inside a transaction.
type SessionOp string

// SessionDelete destroys Session.ID inside a transaction.
const SessionDelete SessionOp = "delete"

// SessionTxnOp is a session operation of a transaction.
type SessionTxnOp struct {
	Verb    SessionOp
	Session SessionEntry
}
