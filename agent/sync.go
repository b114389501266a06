package agent

import (
	"context"
	"time"
)

// apiSyncTimeout bounds the catalog sync an API write waits for.
const apiSyncTimeout = 10 * time.Second

// syncAfter pushes local changes to the catalog before an API write
// answers, as Consul does, so that a catalog or health read right after
// the write sees it. A failed sync is only logged: the change is in local
// state, and anti-entropy retries it.
func (a *Agent) syncAfter(err error) error {
	if err != nil || a.syncer == nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), apiSyncTimeout)
	defer cancel()
	if serr := a.syncer.SyncChanges(ctx); serr != nil {
		a.logger.Warn("sync after api write failed; anti-entropy will retry", "error", serr)
	}
	return nil
}
