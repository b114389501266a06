package httpapi

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/pylonmesh/pylon/agent/userevent"
	"github.com/pylonmesh/pylon/api"
)

// User events: PUT /v1/event/fire/:name and GET /v1/event/list.

func (s *Server) eventFire(c *call) error {
	if c.arg == "" {
		return badRequest("Missing name")
	}
	if !c.authz.EventWrite(c.arg) {
		return errPermissionDenied
	}
	if dc := RequestDatacenter(c.r); dc != "" && dc != s.cfg.Datacenter {
		return &httpError{500, "No path to datacenter"}
	}
	payload, err := io.ReadAll(io.LimitReader(c.r.Body, userevent.SizeLimit+1))
	if err != nil {
		return badRequest("Failed to read body: %v", err)
	}
	v := c.r.URL.Query()
	e := &userevent.Event{
		Name: c.arg, NodeFilter: v.Get("node"), ServiceFilter: v.Get("service"), TagFilter: v.Get("tag"),
	}
	if len(payload) > 0 {
		e.Payload = payload
	}
	if err := s.agent.FireEvent(e); err != nil {
		if errors.Is(err, userevent.ErrInvalid) {
			return badRequest("%v", err)
		}
		return err
	}
	return s.writeJSON(c, toAPIEvent(e))
}

// eventList answers the events this agent has received, oldest first,
// optionally only those of one ?name. Its blocking index is the newest
// event's ID folded to a number, so it is meaningful against one agent
// only (as Consul's).
func (s *Server) eventList(c *call) error {
	q, err := s.parseQuery(c.r)
	if err != nil {
		return err
	}
	name := c.r.URL.Query().Get("name")
	ctx := c.r.Context()
	if q.MinIndex > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, q.MaxWait)
		defer cancel()
	}
	for {
		c.filtered = false
		events, next := s.agent.UserEvents().List()
		out := make([]*api.UserEvent, 0, len(events))
		for _, e := range events {
			if (name == "" || e.Name == name) && c.visible(c.authz.EventRead(e.Name)) {
				out = append(out, toAPIEvent(e))
			}
		}
		idx := uint64(1) // never 0, as every index; see setMeta
		if len(out) > 0 {
			idx = max(userevent.IDToIndex(out[len(out)-1].ID), 1)
		}
		if q.MinIndex == 0 || idx != q.MinIndex {
			return s.writeEvents(c, idx, out)
		}
		select {
		case <-next:
		case <-ctx.Done():
			q.MinIndex = 0 // one more pass, then answer
		}
		// Judge what to answer by the token as it is after the wait.
		if err := c.resolve(s); err != nil {
			return err
		}
	}
}

func (s *Server) writeEvents(c *call, idx uint64, out []*api.UserEvent) error {
	c.w.Header().Set("X-Consul-Index", strconv.FormatUint(idx, 10))
	return s.writeJSON(c, out)
}

func toAPIEvent(e *userevent.Event) *api.UserEvent {
	return &api.UserEvent{
		ID: e.ID, Name: e.Name, Payload: e.Payload, NodeFilter: e.NodeFilter,
		ServiceFilter: e.ServiceFilter, TagFilter: e.TagFilter, Version: e.Version, LTime: e.LTime,
	}
}
