package state

import (
	"fmt"

	memdb "github.com/hashicorp/go-memdb"
)

// restoreACLFrame restores one ACL policy, role or token frame. Its ID
// and unique name or secret must not clash with a record restored
// before it (the unique indexes would silently lose one); links to
// records that are missing are kept, as reads skip them.
func restoreACLFrame(tx *memdb.Txn, body []byte, kind byte) error {
	switch kind {
	case frameACLPolicy:
		return restoreRecord(tx, body, tableACLPolicies, func(tx *memdb.Txn, p *ACLPolicy) error {
			return restoredACLUnique(tx, tableACLPolicies, p.ID, indexName, p.Name)
		})
	case frameACLRole:
		return restoreRecord(tx, body, tableACLRoles, func(tx *memdb.Txn, r *ACLRole) error {
			return restoredACLUnique(tx, tableACLRoles, r.ID, indexName, r.Name)
		})
	}
	return restoreRecord(tx, body, tableACLTokens, func(tx *memdb.Txn, t *ACLToken) error {
		return restoredACLUnique(tx, tableACLTokens, t.AccessorID, indexSecret, t.SecretID)
	})
}

func restoredACLUnique(tx *memdb.Txn, table, id, index, key string) error {
	if id == "" || key == "" {
		return fmt.Errorf("%w: %s record without ID, name or secret", ErrCorruptSnapshot, table)
	}
	for _, k := range [][2]string{{indexID, id}, {index, key}} {
		if raw, err := tx.First(table, k[0], k[1]); err != nil || raw != nil {
			return fmt.Errorf("%w: %s: duplicate %s", ErrCorruptSnapshot, table, k[0])
		}
	}
	return nil
}
