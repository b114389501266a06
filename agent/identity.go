package agent

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/version"
)

// nodeIdentity is how this node registers itself in the catalog.
func nodeIdentity(cfg *config.Runtime, nodeID string) local.Node {
	meta := map[string]string{"consul-network-segment": "", "consul-version": version.Version}
	for k, v := range cfg.NodeMeta {
		meta[k] = v
	}
	addr := cfg.AdvertiseAddr
	wan := cfg.AdvertiseAddrWAN
	if wan == "" {
		wan = addr
	}
	return local.Node{
		ID:         nodeID,
		Name:       cfg.NodeName,
		Address:    addr,
		Datacenter: cfg.Datacenter,
		TaggedAddresses: map[string]string{
			"lan": addr, "lan_ipv4": addr, "wan": wan, "wan_ipv4": wan,
		},
		Meta: meta,
	}
}

// loadNodeID returns the configured node ID, or the one kept in the data
// directory, or a new random one (saved there when there is a data dir).
func loadNodeID(cfg *config.Runtime) (string, error) {
	if cfg.NodeID != "" {
		return strings.ToLower(cfg.NodeID), nil
	}
	var path string
	if cfg.DataDir != "" {
		path = filepath.Join(cfg.DataDir, "node-id")
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b)), nil
		}
	}
	id := newUUID()
	if path != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return "", fmt.Errorf("create data dir: %w", err)
		}
		if err := writeFileAtomic(path, []byte(id)); err != nil {
			return "", fmt.Errorf("save node id: %w", err)
		}
	}
	return id, nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
