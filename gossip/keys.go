package gossip

import (
	"fmt"
	"maps"

	"github.com/hashicorp/serf/serf"
)

// KeyResponse is the pool's answer to a keyring operation: one response per
// member reached, as Consul's /v1/operator/keyring reports it.
type KeyResponse struct {
	// Messages maps a member name to the error it reported.
	Messages map[string]string
	// Keys maps each key (base64) to how many members hold it;
	// PrimaryKeys each primary key to how many members use it. Filled by
	// ListKeys only.
	Keys, PrimaryKeys map[string]int
	// NumNodes is how many members were asked, NumResp how many answered,
	// NumErr how many of those failed.
	NumNodes, NumResp, NumErr int
}

// InstallKey adds key to the keyring of every member, as a secondary key:
// members can then read gossip encrypted with it. The first step of a
// rotation.
func (p *Pool) InstallKey(key string) (*KeyResponse, error) {
	return p.keyOp("install", key, p.serf.KeyManager().InstallKey)
}

// UseKey makes key, installed earlier, the primary key of every member:
// gossip is then encrypted with it. The second step of a rotation.
func (p *Pool) UseKey(key string) (*KeyResponse, error) {
	return p.keyOp("use", key, p.serf.KeyManager().UseKey)
}

// RemoveKey removes key from every member's keyring. The primary key
// cannot be removed. The last step of a rotation.
func (p *Pool) RemoveKey(key string) (*KeyResponse, error) {
	return p.keyOp("remove", key, p.serf.KeyManager().RemoveKey)
}

// ListKeys asks every member for its keys.
func (p *Pool) ListKeys() (*KeyResponse, error) {
	return p.keyOp("list", "", func(string) (*serf.KeyResponse, error) { return p.serf.KeyManager().ListKeys() })
}

// keyOp runs one keyring query across the pool. The response is returned
// even with an error: it says which members failed.
func (p *Pool) keyOp(op, key string, run func(string) (*serf.KeyResponse, error)) (*KeyResponse, error) {
	if !p.serf.EncryptionEnabled() {
		return nil, ErrEncryptionDisabled
	}
	if op != "list" {
		if _, err := DecodeKey(key); err != nil {
			return nil, err
		}
	}
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	// memberlist's Keyring changes its keys under its lock but reads them
	// without it when serf handles a key query. Taking the lock here orders
	// this node's handling of our own query after the changes earlier
	// queries made (the queries of others are ordered by decryption, which
	// locks too). Concurrent key operations from several members can still
	// race inside memberlist: rotate from one place at a time.
	p.keyring.GetKeys()
	resp, err := run(key)
	out := convertKeyResponse(resp)
	if err != nil {
		return out, fmt.Errorf("gossip: %s key: %w", op, err)
	}
	if op != "list" {
		p.log.Info("gossip keyring changed", "op", op, "members", out.NumResp)
	}
	return out, nil
}

// convertKeyResponse copies serf's answer.
func convertKeyResponse(r *serf.KeyResponse) *KeyResponse {
	if r == nil {
		return &KeyResponse{}
	}
	return &KeyResponse{
		Messages: maps.Clone(r.Messages), Keys: maps.Clone(r.Keys), PrimaryKeys: maps.Clone(r.PrimaryKeys),
		NumNodes: r.NumNodes, NumResp: r.NumResp, NumErr: r.NumErr,
	}
}
