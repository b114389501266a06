package state

// The ACL writes of the batch Writer (batch.go).

func (b *batch) ACLPolicyApply(idx uint64, req *ACLPolicyRequest) error {
	return b.apply(idx, func(tx *writeTxn) error { return aclPolicyApplyTxn(tx, req) })
}

func (b *batch) ACLRoleApply(idx uint64, req *ACLRoleRequest) error {
	return b.apply(idx, func(tx *writeTxn) error { return aclRoleApplyTxn(tx, req) })
}

func (b *batch) ACLTokenApply(idx uint64, req *ACLTokenRequest) error {
	return b.apply(idx, func(tx *writeTxn) error { return aclTokenApplyTxn(tx, req) })
}

func (b *batch) ACLBootstrap(idx uint64, req *ACLBootstrapRequest) error {
	return b.apply(idx, func(tx *writeTxn) error { return aclBootstrapTxn(tx, req) })
}

func (b *batch) ACLInit(idx uint64, req *ACLInitRequest) error {
	return b.apply(idx, func(tx *writeTxn) error { return aclInitTxn(tx, req.CreateTime) })
}

func (w lockedWriter) ACLPolicyApply(idx uint64, req *ACLPolicyRequest) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return aclPolicyApplyTxn(tx, req) })
}

func (w lockedWriter) ACLRoleApply(idx uint64, req *ACLRoleRequest) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return aclRoleApplyTxn(tx, req) })
}

func (w lockedWriter) ACLTokenApply(idx uint64, req *ACLTokenRequest) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return aclTokenApplyTxn(tx, req) })
}

func (w lockedWriter) ACLBootstrap(idx uint64, req *ACLBootstrapRequest) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return aclBootstrapTxn(tx, req) })
}

func (w lockedWriter) ACLInit(idx uint64, req *ACLInitRequest) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return aclInitTxn(tx, req.CreateTime) })
}
