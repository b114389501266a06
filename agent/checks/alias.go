package checks

import (
	"context"
	"log/slog"

	"github.com/pylonmesh/pylon/agent/config"
)

// alias mirrors the health of a service (or node) registered on this
// agent. It has no interval: it recomputes on every change the
// AliasSource signals, and reports only when the result changes.
type alias struct {
	*loop
	checkID string
	node    string
	service string
	n       Notifier
	src     AliasSource
	log     *slog.Logger

	reported       bool
	status, output string
}

var _ Runner = (*alias)(nil)

func newAlias(checkID string, def *config.CheckDefinition, n Notifier, src AliasSource, log *slog.Logger) *alias {
	return &alias{
		loop:    newLoop(),
		checkID: checkID,
		node:    def.AliasNode,
		service: def.AliasService,
		n:       n,
		src:     src,
		log:     log,
	}
}

// Start implements Runner.
func (a *alias) Start() { a.start(a.run) }

// Stop implements Runner.
func (a *alias) Stop() { a.stop() }

func (a *alias) run(ctx context.Context) {
	changed := make(chan struct{}, 1)
	cancel := a.src.Notify(changed)
	defer cancel()
	a.update()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
			a.update()
		}
	}
}

// update recomputes the aliased status and reports it if it changed.
func (a *alias) update() {
	status, output := a.compute()
	if a.reported && status == a.status && output == a.output {
		return
	}
	a.reported, a.status, a.output = true, status, output
	a.log.Info("check status changed", "status", status, "output", output)
	a.n.UpdateCheck(a.checkID, status, output)
}

func (a *alias) compute() (status, output string) {
	status, found := a.src.AliasStatus(a.node, a.service)
	if !found {
		if a.service == "" {
			return critical, "Node not found"
		}
		return critical, "Service not found"
	}
	switch status {
	case passing:
		return status, "All checks passing"
	case warning:
		return status, "At least one aliased check is warning"
	}
	return critical, "At least one aliased check is critical"
}
