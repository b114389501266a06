package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pylonmesh/pylon/agent/config"
)

// persister keeps API registrations in the data directory so they come
// back after a restart, as Consul's do. A nil persister (no data dir, as
// in dev mode) keeps nothing. Files are written atomically (temp file,
// fsync, rename), so a crash leaves the old or the new version, never half.
type persister struct {
	dir string
}

type persistedService struct {
	Token   string
	Service *config.ServiceDefinition
}

type persistedCheck struct {
	Token string
	Check *config.CheckDefinition
}

type persistedTTL struct {
	Status string
	Output string
}

const (
	servicesDir = "services"
	checksDir   = "checks"
	ttlDir      = "checks/state"
)

func fileKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16]) + ".json"
}

func (p *persister) save(sub, id string, v any) error {
	if p == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("persist %s %q: %w", sub, id, err)
	}
	dir := filepath.Join(p.dir, sub)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("persist %s %q: %w", sub, id, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, fileKey(id)), b); err != nil {
		return fmt.Errorf("persist %s %q: %w", sub, id, err)
	}
	return nil
}

func (p *persister) remove(sub, id string) {
	if p != nil {
		_ = os.Remove(filepath.Join(p.dir, sub, fileKey(id)))
	}
}

func (p *persister) saveService(def *config.ServiceDefinition, token string) error {
	return p.save(servicesDir, def.ID, persistedService{Token: token, Service: def})
}

func (p *persister) deleteService(id string) { p.remove(servicesDir, id) }

func (p *persister) saveCheck(def *config.CheckDefinition, token string) error {
	return p.save(checksDir, def.ID, persistedCheck{Token: token, Check: def})
}

func (p *persister) deleteCheck(id string) {
	p.remove(checksDir, id)
	p.remove(ttlDir, id)
}

func (p *persister) saveTTLState(id, status, output string) error {
	return p.save(ttlDir, id, persistedTTL{Status: status, Output: output})
}

func (p *persister) loadTTLState(id string) (persistedTTL, bool) {
	var st persistedTTL
	if p == nil {
		return st, false
	}
	b, err := os.ReadFile(filepath.Join(p.dir, ttlDir, fileKey(id)))
	if err != nil || json.Unmarshal(b, &st) != nil {
		return st, false
	}
	return st, true
}

// loadAll decodes every file of a directory with decode; files that do
// not decode are reported in bad and left alone.
func (p *persister) loadAll(sub string, decode func([]byte) error) (bad []string, err error) {
	if p == nil {
		return nil, nil
	}
	dir := filepath.Join(p.dir, sub)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err == nil {
			err = decode(b)
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", path, err))
		}
	}
	return bad, nil
}

// restorePersisted re-registers what the agent API registered before the
// last stop. Called with a.mu held.
func (a *Agent) restorePersisted() error {
	bad, err := a.persist.loadAll(servicesDir, func(b []byte) error {
		var ps persistedService
		if err := json.Unmarshal(b, &ps); err != nil || ps.Service == nil {
			return fmt.Errorf("not a persisted service: %v", err)
		}
		return a.addService(ps.Service, ps.Token, false, sourceAPI)
	})
	if err != nil {
		return err
	}
	badChecks, err := a.persist.loadAll(checksDir, func(b []byte) error {
		var pc persistedCheck
		if err := json.Unmarshal(b, &pc); err != nil || pc.Check == nil {
			return fmt.Errorf("not a persisted check: %v", err)
		}
		if err := a.addCheck(pc.Check, pc.Token, sourceAPI); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, b := range append(bad, badChecks...) {
		a.logger.Warn("skipped persisted registration", "error", b)
	}
	a.restoreTTLStates()
	return nil
}

// restoreTTLStates gives TTL checks back their last status.
func (a *Agent) restoreTTLStates() {
	for id := range a.local.Checks() {
		ttl, ok := a.checks.ttl(id)
		if !ok {
			continue
		}
		if st, ok := a.persist.loadTTLState(id); ok {
			_ = ttl.SetStatus(st.Status, st.Output)
		}
	}
}

// writeFileAtomic writes data to path through a synced temp file and a
// rename.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
