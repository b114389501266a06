package state

import memdb "github.com/hashicorp/go-memdb"

// Point lookups shared by reads and writes. Each returns nil without an
// error when the record does not exist.

func getNodeTxn(tx *memdb.Txn, name string) (*Node, error) {
	raw, err := tx.First(tableNodes, indexID, name)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*Node), nil
}

func getServiceTxn(tx *memdb.Txn, node, id string) (*Service, error) {
	raw, err := tx.First(tableServices, indexID, node, id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*Service), nil
}

func getCheckTxn(tx *memdb.Txn, node, id string) (*HealthCheck, error) {
	raw, err := tx.First(tableChecks, indexID, node, id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*HealthCheck), nil
}

// serviceChecksTxn returns the checks of one instance (serviceID "" gives
// the node's own checks), ordered by check ID.
func serviceChecksTxn(tx *memdb.Txn, node, serviceID string) ([]*HealthCheck, error) {
	it, err := tx.Get(tableChecks, indexNodeService, node, serviceID)
	if err != nil {
		return nil, err
	}
	var out []*HealthCheck
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*HealthCheck))
	}
	return out, nil
}

// nodeCache remembers the last node and node checks looked up while
// walking instances that are ordered by node.
type nodeCache struct {
	name   string // the Service.Node the entry was looked up for
	node   *Node
	checks []*HealthCheck
}

// checkServiceNodeTxn joins a service instance with its node and with the
// node's checks followed by its own. c may be nil.
func checkServiceNodeTxn(tx *memdb.Txn, svc *Service, c *nodeCache) (CheckServiceNode, error) {
	if c == nil {
		c = &nodeCache{}
	}
	if c.node == nil || c.name != svc.Node {
		n, err := getNodeTxn(tx, svc.Node)
		if err != nil {
			return CheckServiceNode{}, err
		}
		if c.checks, err = serviceChecksTxn(tx, svc.Node, ""); err != nil {
			return CheckServiceNode{}, err
		}
		c.node, c.name = n, svc.Node
	}
	own, err := serviceChecksTxn(tx, svc.Node, svc.ID)
	if err != nil {
		return CheckServiceNode{}, err
	}
	checks := make([]*HealthCheck, 0, len(c.checks)+len(own))
	checks = append(append(checks, c.checks...), own...)
	return CheckServiceNode{Node: c.node, Service: svc, Checks: checks}, nil
}
