package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
)

// tableServerSecret holds one row: a random secret every server learns
// through Raft and no agent ever gets. A server that forwards a call to
// another attaches it, which is how the receiver knows the call comes from
// a server that has already judged the caller's token.
const tableServerSecret = "server-secret"

// serverSecretRowID is the key of the one row.
const serverSecretRowID = "servers"

// ServerSecretRequest stores a secret, unless one is stored already: the
// first leader's secret stays.
type ServerSecretRequest struct {
	Secret string
}

type serverSecretRow struct {
	ID     string
	Secret string
}

func serverSecretTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tableServerSecret, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: fieldIndex[*serverSecretRow]{
			key: func(r *serverSecretRow) (string, bool) { return r.ID, true }}},
	}}
}

// ServerSecret returns the servers' secret, or "" while none is stored.
func (s *Store) ServerSecret() (string, error) {
	raw, err := s.db.Load().Txn(false).First(tableServerSecret, indexID, serverSecretRowID)
	if err != nil || raw == nil {
		return "", err
	}
	return raw.(*serverSecretRow).Secret, nil
}

// SetServerSecret stores req's secret at index idx unless one is stored.
func (s *Store) SetServerSecret(idx uint64, req *ServerSecretRequest) error {
	return s.write(idx, func(tx *writeTxn) error { return serverSecretSetTxn(tx, req) })
}

func (b *batch) SetServerSecret(idx uint64, req *ServerSecretRequest) error {
	return b.apply(idx, func(tx *writeTxn) error { return serverSecretSetTxn(tx, req) })
}

func (w lockedWriter) SetServerSecret(idx uint64, req *ServerSecretRequest) error {
	return w.s.writeLocked(idx, func(tx *writeTxn) error { return serverSecretSetTxn(tx, req) })
}

func serverSecretSetTxn(tx *writeTxn, req *ServerSecretRequest) error {
	if req.Secret == "" {
		return fmt.Errorf("server secret: %w", ErrMissingSecret)
	}
	raw, err := tx.First(tableServerSecret, indexID, serverSecretRowID)
	if err != nil {
		return fmt.Errorf("read server secret: %w", err)
	}
	if raw != nil {
		return nil
	}
	if err := tx.Insert(tableServerSecret, &serverSecretRow{ID: serverSecretRowID, Secret: req.Secret}); err != nil {
		return fmt.Errorf("write server secret: %w", err)
	}
	tx.mark(changedServerSecret)
	return nil
}

// restoreServerSecret restores the secret's row.
func restoreServerSecret(tx *memdb.Txn, body []byte) error {
	return restoreRecord(tx, body, tableServerSecret, func(_ *memdb.Txn, r *serverSecretRow) error {
		if r.ID != serverSecretRowID || r.Secret == "" {
			return fmt.Errorf("%w: server secret row %q", ErrCorruptSnapshot, r.ID)
		}
		return nil
	})
}
