package watch_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/agenttest"
	"github.com/pylonmesh/pylon/api"
	"github.com/pylonmesh/pylon/api/watch"
)

// These tests run watches against a real in-process dev agent on
// loopback. They live in package watch_test because package watch must
// not import the agent.

// liveAgent starts a dev agent on random loopback ports, stopped when the
// test ends, and returns a client for it.
func liveAgent(t *testing.T) *api.Client {
	t.Helper()
	a := agenttest.Start(t)
	c, err := api.NewClient(&api.Config{Address: a.HTTPAddr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Config().HttpClient.CloseIdleConnections)
	return c
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// requireEndpoint skips the test while the agent answers 404 "Invalid URL
// path" for path: that handler has not landed yet.
func requireEndpoint(t *testing.T, c *api.Client, path string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodOptions, "http://"+c.Config().Address+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Config().HttpClient.Do(req)
	if err != nil {
		t.Fatalf("probe %s: %v", path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound && strings.Contains(string(b), "Invalid URL path") {
		t.Skipf("%s is not in the agent's route table yet", path)
	}
}

// call is one handler invocation.
type call struct {
	index  uint64
	result any
}

// calls is what a recording handler received.
type calls chan call

// start parses def, records every handler call, runs the plan against c
// and stops it (waiting for Run to return) when the test ends.
func start(t *testing.T, c *api.Client, def map[string]any) calls {
	t.Helper()
	p, err := watch.Parse(def)
	if err != nil {
		t.Fatalf("parse %v: %v", def, err)
	}
	ch := make(calls, 64)
	p.Handler = func(_ context.Context, idx uint64, result any) error {
		ch <- call{idx, result}
		return nil
	}
	runPlan(t, p, c)
	return ch
}

// runPlan runs p in the background until the test ends.
func runPlan(t *testing.T, p *watch.Plan, c *api.Client) {
	t.Helper()
	p.Logger = quietLogger()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := p.Run(context.Background(), c); err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	t.Cleanup(func() {
		p.Stop()
		wg.Wait()
	})
}

// next returns the next handler call. The deadline only keeps a broken
// watch from hanging the suite.
func (ch calls) next(t *testing.T) call {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("the handler was not called")
	}
	return call{}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// until returns the first handler call for which ok holds, skipping the
// calls before it (the agent's own node and services appear in the
// catalog shortly after it starts).
func (ch calls) until(t *testing.T, ok func(call) bool) call {
	t.Helper()
	for {
		if c := ch.next(t); ok(c) {
			return c
		}
	}
}
