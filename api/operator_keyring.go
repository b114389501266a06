package api

import "net/http"

// KeyringResponse is one gossip pool's answer to a keyring list
// (GET /v1/operator/keyring).
type KeyringResponse struct {
	// WAN is true for the WAN pool, false for a datacenter's LAN pool.
	WAN bool
	// Datacenter is the pool's datacenter; Segment and Partition are
	// Enterprise scopes (empty).
	Datacenter string
	Segment    string
	Partition  string `json:",omitempty"`
	// Messages maps a member to the error it reported.
	Messages map[string]string `json:",omitempty"`
	// Keys maps each installed key to how many members hold it;
	// PrimaryKeys each primary key to how many members encrypt with it.
	Keys        map[string]int
	PrimaryKeys map[string]int
	// NumNodes is how many members the pool has.
	NumNodes int
}

// keyringRequest is the body of the keyring writes.
type keyringRequest struct {
	Key string
}

// KeyringInstall adds key to every member's keyring as a secondary key
// (POST /v1/operator/keyring): the first step of a rotation.
func (op *Operator) KeyringInstall(key string, q *WriteOptions) error {
	return op.keyringWrite(http.MethodPost, key, q)
}

// KeyringUse makes an installed key the primary key of every member
// (PUT /v1/operator/keyring).
func (op *Operator) KeyringUse(key string, q *WriteOptions) error {
	return op.keyringWrite(http.MethodPut, key, q)
}

// KeyringRemove removes key from every member's keyring
// (DELETE /v1/operator/keyring); the primary key cannot be removed.
func (op *Operator) KeyringRemove(key string, q *WriteOptions) error {
	return op.keyringWrite(http.MethodDelete, key, q)
}

// KeyringList asks every member for its keys, one response per pool.
func (op *Operator) KeyringList(q *QueryOptions) ([]*KeyringResponse, error) {
	r := op.c.newRequest(http.MethodGet, "/v1/operator/keyring")
	r.setQueryOptions(q)
	var out []*KeyringResponse
	if _, err := op.c.fetch(r, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func (op *Operator) keyringWrite(method, key string, q *WriteOptions) error {
	r := op.c.newRequest(method, "/v1/operator/keyring")
	r.setWriteOptions(q)
	r.body = keyringRequest{Key: key}
	_, err := op.c.exec(r, nil)
	return err
}
