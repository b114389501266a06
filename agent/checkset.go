package agent

import (
	"log/slog"
	"sync"

	"github.com/pylonmesh/pylon/agent/checks"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/local"
)

// checkSet owns the running check runners, one per check ID.
type checkSet struct {
	local  *local.State
	logger *slog.Logger

	mu      sync.Mutex
	runners map[string]checks.Runner // guarded by mu
}

func newCheckSet(l *local.State, logger *slog.Logger) *checkSet {
	return &checkSet{local: l, logger: logger.With("subsystem", "checks"), runners: make(map[string]checks.Runner)}
}

// prepare builds (but does not start) the runner of a check definition.
// Checks with no runner (none today) give a nil runner.
func (cs *checkSet) prepare(id string, def *config.CheckDefinition, allowScripts bool) (checks.Runner, error) {
	return checks.New(id, def, cs.local, checks.Options{
		Logger:       cs.logger.With("check", id),
		Alias:        cs.local,
		AllowScripts: allowScripts,
	})
}

// run starts r for id, stopping any runner it replaces.
func (cs *checkSet) run(id string, r checks.Runner) {
	cs.mu.Lock()
	old := cs.runners[id]
	cs.runners[id] = r
	cs.mu.Unlock()
	if old != nil {
		old.Stop()
	}
	if r != nil {
		r.Start()
	}
}

// stop stops and forgets the runner of id, if any.
func (cs *checkSet) stop(id string) {
	cs.mu.Lock()
	r := cs.runners[id]
	delete(cs.runners, id)
	cs.mu.Unlock()
	if r != nil {
		r.Stop()
	}
}

// ttl returns the TTL runner of id.
func (cs *checkSet) ttl(id string) (*checks.TTL, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	t, ok := cs.runners[id].(*checks.TTL)
	return t, ok
}

func (cs *checkSet) stopAll() {
	cs.mu.Lock()
	runners := cs.runners
	cs.runners = make(map[string]checks.Runner)
	cs.mu.Unlock()
	for _, r := range runners {
		r.Stop()
	}
}
