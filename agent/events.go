package agent

import (
	"fmt"

	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/agent/userevent"
)

// FireEvent fires a user event: it gives the event its ID and Lamport
// time, keeps it here at once and broadcasts it through the LAN pool to
// every agent (this one ignores the copy gossip hands back). The event
// must not be changed afterwards.
func (a *Agent) FireEvent(e *userevent.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	e.ID = newUUID()
	e.Version = 1
	e.LTime = a.events.NextLTime()
	// Keep it before the broadcast: serf hands our own event back at once,
	// and the copy must find it kept.
	a.receiveEvent(e)
	if pool := a.lan.Load(); pool != nil {
		name, payload, err := userevent.Encode(e)
		if err != nil {
			return err
		}
		if err := pool.UserEvent(name, payload, false); err != nil {
			return fmt.Errorf("fire event %q: %w", e.Name, err)
		}
	}
	return nil
}

// receiveEvent keeps an event that is meant for this agent.
func (a *Agent) receiveEvent(e *userevent.Event) {
	if !e.For(a.config().NodeName, localServices{a.local}) {
		a.logger.Debug("user event not for this node", "event", e.Name, "id", e.ID)
		return
	}
	a.events.Add(e)
	a.logger.Debug("user event received", "event", e.Name, "id", e.ID, "ltime", e.LTime)
}

// UserEvents returns the events this agent has received.
func (a *Agent) UserEvents() *userevent.Buffer { return a.events }

// localServices matches event filters against the agent's services.
type localServices struct{ l *local.State }

func (s localServices) EachService(fn func(name string, tags []string) bool) {
	for _, svc := range s.l.Services() {
		if fn(svc.Name, svc.Tags) {
			return
		}
	}
}
