package state

import "fmt"

// DeleteNode removes a node with all its services and checks at Raft index
// idx. Deleting an unknown node changes nothing.
func (s *Store) DeleteNode(idx uint64, node string) error {
	return s.write(idx, func(tx *writeTxn) error { return deleteNodeTxn(tx, node) })
}

// DeleteService removes one service instance and its checks at Raft index
// idx. Deleting an unknown service changes nothing.
func (s *Store) DeleteService(idx uint64, node, serviceID string) error {
	return s.write(idx, func(tx *writeTxn) error { return deleteServiceTxn(tx, node, serviceID) })
}

// DeleteCheck removes one check at Raft index idx. Deleting an unknown
// check changes nothing.
func (s *Store) DeleteCheck(idx uint64, node, checkID string) error {
	return s.write(idx, func(tx *writeTxn) error { return deleteCheckTxn(tx, node, checkID) })
}

// Deregister applies a Deregistration at Raft index idx: the whole node
// when it names neither a service nor a check, otherwise the named service
// and/or check.
func (s *Store) Deregister(idx uint64, d *Deregistration) error {
	return s.write(idx, func(tx *writeTxn) error { return deregisterTxn(tx, d) })
}

func deregisterTxn(tx *writeTxn, d *Deregistration) error {
	if d.ServiceID == "" && d.CheckID == "" {
		return deleteNodeTxn(tx, d.Node)
	}
	if d.ServiceID != "" {
		if err := deleteServiceTxn(tx, d.Node, d.ServiceID); err != nil {
			return err
		}
	}
	if d.CheckID != "" {
		return deleteCheckTxn(tx, d.Node, d.CheckID)
	}
	return nil
}

func deleteNodeTxn(tx *writeTxn, name string) error {
	if name == "" {
		return fmt.Errorf("deregister node: %w", ErrMissingNode)
	}
	n, err := getNodeTxn(tx.Txn, name)
	if err != nil || n == nil {
		return err
	}
	if err := touchNodeInstancesTxn(tx, name); err != nil {
		return err
	}
	// The node's sessions end with it (session.go), which covers every
	// session bound to one of its checks.
	if err := invalidateNodeSessionsTxn(tx, name); err != nil {
		return err
	}
	if err := deleteNodeCoordinatesTxn(tx, name); err != nil { // coordinate.go
		return err
	}
	if num, err := tx.DeleteAll(tableChecks, indexIDPrefix, name); err != nil {
		return fmt.Errorf("deregister node %q: checks: %w", name, err)
	} else if num > 0 {
		tx.mark(changedChecks)
	}
	if num, err := tx.DeleteAll(tableServices, indexIDPrefix, name); err != nil {
		return fmt.Errorf("deregister node %q: services: %w", name, err)
	} else if num > 0 {
		tx.mark(changedServices)
	}
	if err := tx.Delete(tableNodes, n); err != nil {
		return fmt.Errorf("deregister node %q: %w", name, err)
	}
	tx.mark(changedNodes)
	return nil
}

func deleteServiceTxn(tx *writeTxn, node, id string) error {
	if node == "" {
		return fmt.Errorf("deregister service %q: %w", id, ErrMissingNode)
	}
	svc, err := getServiceTxn(tx.Txn, node, id)
	if err != nil || svc == nil {
		return err
	}
	tx.touch(svc.Node, svc.ID, svc)
	checks, err := serviceChecksTxn(tx.Txn, node, id)
	if err != nil {
		return err
	}
	for _, hc := range checks { // sessions bound to a check end with it
		if err := invalidateCheckSessionsTxn(tx, hc.Node, hc.CheckID); err != nil {
			return err
		}
	}
	if num, err := tx.DeleteAll(tableChecks, indexNodeService, node, id); err != nil {
		return fmt.Errorf("deregister service %q on %q: checks: %w", id, node, err)
	} else if num > 0 {
		tx.mark(changedChecks)
	}
	if err := tx.Delete(tableServices, svc); err != nil {
		return fmt.Errorf("deregister service %q on %q: %w", id, node, err)
	}
	tx.mark(changedServices)
	return nil
}

func deleteCheckTxn(tx *writeTxn, node, id string) error {
	if node == "" {
		return fmt.Errorf("deregister check %q: %w", id, ErrMissingNode)
	}
	hc, err := getCheckTxn(tx.Txn, node, id)
	if err != nil || hc == nil {
		return err
	}
	if err := tx.Delete(tableChecks, hc); err != nil {
		return fmt.Errorf("deregister check %q on %q: %w", id, node, err)
	}
	tx.mark(changedChecks)
	if err := invalidateCheckSessionsTxn(tx, hc.Node, hc.CheckID); err != nil { // sessions bound to it end
		return err
	}
	return touchCheckTargetTxn(tx, hc)
}
