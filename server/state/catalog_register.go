package state

import (
	"fmt"
	"strings"
)

// EnsureRegistration writes a node, optionally one service on it and any
// number of checks in one transaction at Raft index idx. Checks get
// ServiceName and ServiceTags from their service; a check naming a service
// that is not on the node fails the whole registration and nothing is
// written. Records equal to the stored ones (Raft indexes aside) are left
// alone, keeping their ModifyIndex, moving no index and waking no watcher.
//
// The store keeps the maps and slices of reg's records; the caller must not
// modify them afterwards.
func (s *Store) EnsureRegistration(idx uint64, reg *Registration) error {
	return s.write(idx, func(tx *writeTxn) error { return ensureRegistrationTxn(tx, reg) })
}

func ensureRegistrationTxn(tx *writeTxn, reg *Registration) error {
	if err := validateRegistrationTxn(tx, reg); err != nil {
		return fmt.Errorf("register node %q: %w", reg.Node.Node, err)
	}
	node, err := ensureNodeTxn(tx, &reg.Node, reg.SkipNodeUpdate)
	if err != nil {
		return fmt.Errorf("register node %q: %w", reg.Node.Node, err)
	}
	if reg.Service != nil {
		if err := ensureServiceTxn(tx, node.Node, reg.Service); err != nil {
			return fmt.Errorf("register service %q on node %q: %w", serviceID(reg.Service), node.Node, err)
		}
	}
	for _, c := range reg.Checks {
		if err := ensureCheckTxn(tx, node.Node, c); err != nil {
			return fmt.Errorf("register check %q on node %q: %w", c.CheckID, node.Node, err)
		}
	}
	return nil
}

// serviceID is the ID a service is stored under: its ID, or its name when
// it has none.
func serviceID(s *Service) string {
	if s.ID != "" {
		return s.ID
	}
	return s.Name
}

// validName rejects names the index keys cannot hold.
func validName(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%q: %w", s, ErrInvalidName)
	}
	return nil
}

// validateRegistrationTxn checks everything that can fail before anything
// is written, so a failed registration leaves no trace even when several
// share one transaction.
func validateRegistrationTxn(tx *writeTxn, reg *Registration) error {
	name := reg.Node.Node
	if name == "" {
		return ErrMissingNode
	}
	if err := validName(name); err != nil {
		return err
	}
	if svc := reg.Service; svc != nil {
		if err := validateService(name, svc); err != nil {
			return err
		}
	}
	for i, c := range reg.Checks {
		if err := validateCheckTxn(tx, reg, c); err != nil {
			return fmt.Errorf("check %d: %w", i, err)
		}
	}
	return nil
}

func validateService(node string, svc *Service) error {
	if svc.Name == "" {
		return ErrMissingService
	}
	if svc.Node != "" && !strings.EqualFold(svc.Node, node) {
		return fmt.Errorf("service %q on %q: %w", svc.Name, svc.Node, ErrNodeMismatch)
	}
	if err := validName(svc.Name); err != nil {
		return err
	}
	return validName(svc.ID)
}

func validateCheckTxn(tx *writeTxn, reg *Registration, c *HealthCheck) error {
	if c == nil || c.CheckID == "" {
		return ErrMissingCheckID
	}
	if c.Node != "" && !strings.EqualFold(c.Node, reg.Node.Node) {
		return fmt.Errorf("on %q: %w", c.Node, ErrNodeMismatch)
	}
	if err := validName(c.CheckID); err != nil {
		return err
	}
	if c.ServiceID == "" {
		return nil
	}
	if err := validName(c.ServiceID); err != nil {
		return err
	}
	if reg.Service != nil && strings.EqualFold(serviceID(reg.Service), c.ServiceID) {
		return nil
	}
	svc, err := getServiceTxn(tx.Txn, reg.Node.Node, c.ServiceID)
	if err != nil {
		return err
	}
	if svc == nil {
		return fmt.Errorf("service %q: %w", c.ServiceID, ErrUnknownService)
	}
	return nil
}

// ensureNodeTxn stores the node unless it is unchanged (or exists and
// skipUpdate is set) and returns the stored record.
func ensureNodeTxn(tx *writeTxn, in *Node, skipUpdate bool) (*Node, error) {
	existing, err := getNodeTxn(tx.Txn, in.Node)
	if err != nil {
		return nil, err
	}
	if existing != nil && (skipUpdate || nodeEqual(existing, in)) {
		return existing, nil
	}
	n := *in
	n.CreateIndex, n.ModifyIndex = tx.idx, tx.idx
	if existing != nil {
		n.CreateIndex = existing.CreateIndex
	}
	if err := tx.Insert(tableNodes, &n); err != nil {
		return nil, err
	}
	tx.mark(changedNodes)
	return &n, touchNodeInstancesTxn(tx, n.Node)
}

// ensureServiceTxn stores the service on node unless it is unchanged. When
// its name or tags change, its checks are rewritten to carry the new ones.
func ensureServiceTxn(tx *writeTxn, node string, in *Service) error {
	sv := *in
	sv.Node, sv.ID = node, serviceID(in)
	existing, err := getServiceTxn(tx.Txn, node, sv.ID)
	if err != nil {
		return err
	}
	if existing != nil && serviceEqual(existing, &sv) {
		return nil
	}
	sv.CreateIndex, sv.ModifyIndex = tx.idx, tx.idx
	if existing != nil {
		sv.CreateIndex = existing.CreateIndex
	}
	tx.touch(node, sv.ID, existing)
	if err := tx.Insert(tableServices, &sv); err != nil {
		return err
	}
	tx.mark(changedServices)
	if existing != nil && (existing.Name != sv.Name || !stringsEqual(existing.Tags, sv.Tags)) {
		return refreshServiceChecksTxn(tx, &sv)
	}
	return nil
}

// refreshServiceChecksTxn copies a service's name and tags into its checks.
func refreshServiceChecksTxn(tx *writeTxn, svc *Service) error {
	checks, err := serviceChecksTxn(tx.Txn, svc.Node, svc.ID)
	if err != nil {
		return err
	}
	for _, old := range checks {
		hc := *old
		hc.ServiceName, hc.ServiceTags, hc.ModifyIndex = svc.Name, svc.Tags, tx.idx
		if err := tx.Insert(tableChecks, &hc); err != nil {
			return err
		}
		tx.mark(changedChecks)
	}
	return nil
}

// ensureCheckTxn stores the check on node unless it is unchanged, filling
// in its node, its service's name and tags, and the default status.
func ensureCheckTxn(tx *writeTxn, node string, in *HealthCheck) error {
	hc := *in
	hc.Node = node
	if hc.Status == "" {
		hc.Status = HealthCritical
	}
	var svc *Service
	hc.ServiceName, hc.ServiceTags = "", nil
	if hc.ServiceID != "" {
		var err error
		if svc, err = getServiceTxn(tx.Txn, node, hc.ServiceID); err != nil {
			return err
		}
		if svc == nil {
			return fmt.Errorf("service %q: %w", hc.ServiceID, ErrUnknownService)
		}
		hc.ServiceID, hc.ServiceName, hc.ServiceTags = svc.ID, svc.Name, svc.Tags
	}
	existing, err := getCheckTxn(tx.Txn, node, hc.CheckID)
	if err != nil {
		return err
	}
	if existing != nil && checkEqual(existing, &hc) {
		return nil
	}
	hc.CreateIndex, hc.ModifyIndex = tx.idx, tx.idx
	if existing != nil {
		hc.CreateIndex = existing.CreateIndex
	}
	if err := tx.Insert(tableChecks, &hc); err != nil {
		return err
	}
	tx.mark(changedChecks)
	if hc.Status == HealthCritical {
		// A critical check ends the sessions bound to it (session.go).
		if err := invalidateCheckSessionsTxn(tx, node, hc.CheckID); err != nil {
			return err
		}
	}
	if existing != nil {
		if err := touchCheckTargetTxn(tx, existing); err != nil {
			return err
		}
	}
	return touchCheckTargetTxn(tx, &hc)
}

// touchCheckTargetTxn records the instances a check bears on as changed:
// its service's instance, or every instance on the node for a node check.
func touchCheckTargetTxn(tx *writeTxn, hc *HealthCheck) error {
	if hc.ServiceID == "" {
		return touchNodeInstancesTxn(tx, hc.Node)
	}
	svc, err := getServiceTxn(tx.Txn, hc.Node, hc.ServiceID)
	if err != nil || svc == nil {
		return err
	}
	tx.touch(svc.Node, svc.ID, svc)
	return nil
}
