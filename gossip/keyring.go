package gossip

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/memberlist"
)

// GenerateKey returns a new gossip encryption key: 32 random bytes (AES-256)
// in standard base64, the form of the encrypt setting and of `pylon keygen`.
func GenerateKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("gossip: generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// DecodeKey decodes a base64 gossip key and checks its length (16, 24 or 32
// bytes for AES-128, -192 or -256). Errors wrap ErrInvalidKey.
func DecodeKey(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64: %v", ErrInvalidKey, err)
	}
	switch len(b) {
	case 16, 24, 32:
		return b, nil
	}
	return nil, fmt.Errorf("%w: %d bytes, want 16, 24 or 32", ErrInvalidKey, len(b))
}

// ParseKeyring reads the contents of a keyring file: a JSON array of base64
// keys, the primary key first (the format serf writes). An empty array is
// an error: a keyring needs a primary key.
func ParseKeyring(data []byte) ([][]byte, error) {
	var encoded []string
	if err := json.Unmarshal(data, &encoded); err != nil {
		return nil, fmt.Errorf("gossip: keyring: %w", err)
	}
	if len(encoded) == 0 {
		return nil, fmt.Errorf("gossip: keyring: no keys")
	}
	keys := make([][]byte, 0, len(encoded))
	for i, s := range encoded {
		k, err := DecodeKey(s)
		if err != nil {
			return nil, fmt.Errorf("gossip: keyring: key %d: %w", i, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// keyringPath is where the keyring of the pool is kept, or "" without a
// data dir.
func (c Config) keyringPath() string {
	if c.DataDir == "" {
		return ""
	}
	name := "local.keyring"
	if c.WAN {
		name = "remote.keyring"
	}
	return filepath.Join(c.DataDir, "serf", name)
}

// snapshotPath is where the member snapshot of the pool is kept, or ""
// without a data dir.
func (c Config) snapshotPath() string {
	if c.DataDir == "" {
		return ""
	}
	name := "local.snapshot"
	if c.WAN {
		name = "remote.snapshot"
	}
	return filepath.Join(c.DataDir, "serf", name)
}

// loadKeyring builds the keyring the pool starts with. The keyring file, if
// there is one, wins: it holds the result of earlier rotations. A configured
// key missing from it is added as a secondary key (it may be the key the
// others use now). Without a file, the configured key becomes the keyring
// and is written to the file. Nil means no encryption.
func loadKeyring(c Config) (*memberlist.Keyring, error) {
	var keys [][]byte
	path := c.keyringPath()
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			if keys, err = ParseKeyring(data); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("gossip: read keyring: %w", err)
		}
	}
	fromFile := len(keys) > 0
	if c.EncryptKey != "" {
		k, err := DecodeKey(c.EncryptKey)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(keys, func(x []byte) bool { return string(x) == string(k) }) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	if path != "" && !fromFile {
		if err := writeKeyring(path, keys); err != nil {
			return nil, err
		}
	}
	ring, err := memberlist.NewKeyring(keys[1:], keys[0])
	if err != nil {
		return nil, fmt.Errorf("gossip: keyring: %w", err)
	}
	return ring, nil
}

// writeKeyring writes keys (primary first) to path, readable by the owner
// only.
func writeKeyring(path string, keys [][]byte) error {
	encoded := make([]string, len(keys))
	for i, k := range keys {
		encoded[i] = base64.StdEncoding.EncodeToString(k)
	}
	data, err := json.MarshalIndent(encoded, "", "  ")
	if err != nil {
		return fmt.Errorf("gossip: encode keyring: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("gossip: keyring dir: %w", err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("gossip: write keyring: %w", err)
	}
	return nil
}
