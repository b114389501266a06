package state

import (
	"fmt"
	"time"

	memdb "github.com/hashicorp/go-memdb"
)

// tableAutopilot holds one row: the autopilot configuration the operator
// set. Until the first write the table is empty and the servers use the
// configuration of their agent.
const tableAutopilot = "autopilot-config"

// autopilotRowID is the key of the one row.
const autopilotRowID = "autopilot"

// AutopilotConfig is how the leader manages the Raft peers (Consul's
// autopilot configuration).
type AutopilotConfig struct {
	// CleanupDeadServers removes servers the LAN pool reports failed or
	// left from Raft, while enough healthy voters remain.
	CleanupDeadServers bool
	// LastContactThreshold is the longest a server may go without
	// contact from the leader and still be healthy.
	LastContactThreshold time.Duration
	// MaxTrailingLogs is how many entries a server may be behind the
	// leader and still be healthy.
	MaxTrailingLogs uint64
	// MinQuorum is the fewest voters dead-server cleanup leaves; zero
	// means no floor beyond a majority.
	MinQuorum uint
	// ServerStabilizationTime is how long a new server must be healthy
	// before it becomes a voter.
	ServerStabilizationTime time.Duration

	CreateIndex uint64
	ModifyIndex uint64
}

// AutopilotRequest sets the configuration. With CAS set it only applies
// when Config.ModifyIndex equals the stored ModifyIndex (0: none stored).
type AutopilotRequest struct {
	Config AutopilotConfig
	CAS    bool
}

// autopilotRow wraps the configuration with its table key.
type autopilotRow struct {
	ID     string
	Config AutopilotConfig
}

func autopilotTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableAutopilot, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: fieldIndex[*autopilotRow]{
			key: func(r *autopilotRow) (string, bool) { return r.ID, true }}},
	}}
}

// AutopilotConfig returns the stored configuration, or nil when none was
// set, with the index of its last change.
func (s *Store) AutopilotConfig(ws memdb.WatchSet) (uint64, *AutopilotConfig, error) {
	tx := s.db.Load().Txn(false)
	idx := indexTxn(tx, ws, tableAutopilot)
	ch, raw, err := tx.FirstWatch(tableAutopilot, indexID, autopilotRowID)
	if err != nil {
		return 0, nil, fmt.Errorf("read autopilot config: %w", err)
	}
	ws.Add(ch)
	if raw == nil {
		return idx, nil, nil
	}
	c := raw.(*autopilotRow).Config
	return idx, &c, nil
}

// AutopilotSetConfig writes the configuration at index idx; ok is false
// when a CAS did not match.
func (s *Store) AutopilotSetConfig(idx uint64, req *AutopilotRequest) (bool, error) {
	var ok bool
	err := s.write(idx, func(tx *writeTxn) (err error) {
		ok, err = autopilotSetTxn(tx, req)
		return err
	})
	return ok, err
}

func autopilotSetTxn(tx *writeTxn, req *AutopilotRequest) (bool, error) {
	raw, err := tx.First(tableAutopilot, indexID, autopilotRowID)
	if err != nil {
		return false, fmt.Errorf("read autopilot config: %w", err)
	}
	c := req.Config
	c.CreateIndex, c.ModifyIndex = tx.idx, tx.idx
	if raw != nil {
		old := raw.(*autopilotRow).Config
		if req.CAS && req.Config.ModifyIndex != old.ModifyIndex {
			return false, nil
		}
		c.CreateIndex = old.CreateIndex
	} else if req.CAS && req.Config.ModifyIndex != 0 {
		return false, nil
	}
	if err := tx.Insert(tableAutopilot, &autopilotRow{ID: autopilotRowID, Config: c}); err != nil {
		return false, fmt.Errorf("write autopilot config: %w", err)
	}
	tx.mark(changedAutopilot)
	return true, nil
}

func (b *batch) AutopilotSetConfig(idx uint64, req *AutopilotRequest) (bool, error) {
	var ok bool
	err := b.apply(idx, func(tx *writeTxn) (err error) {
		ok, err = autopilotSetTxn(tx, req)
		return err
	})
	return ok, err
}

func (w lockedWriter) AutopilotSetConfig(idx uint64, req *AutopilotRequest) (bool, error) {
	var ok bool
	err := w.s.writeLocked(idx, func(tx *writeTxn) (err error) {
		ok, err = autopilotSetTxn(tx, req)
		return err
	})
	return ok, err
}

// restoreAutopilot restores the configuration row.
func restoreAutopilot(tx *memdb.Txn, body []byte) error {
	return restoreRecord(tx, body, tableAutopilot, func(_ *memdb.Txn, r *autopilotRow) error {
		if r.ID != autopilotRowID {
			return fmt.Errorf("%w: autopilot config row %q", ErrCorruptSnapshot, r.ID)
		}
		return nil
	})
}
