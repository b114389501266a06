package api

import (
	"bufio"
	"context"
	"net/http"
)

// Monitor streams the agent's log lines at loglevel (trace, debug, info,
// warn or err; "" is info) and above, as text, or as JSON lines when json
// is set (GET /v1/agent/monitor). Lines arrive on the channel until ctx
// ends or the agent goes away; the channel is then closed.
func (a *Agent) Monitor(ctx context.Context, loglevel string, json bool) (<-chan string, error) {
	r := a.c.newRequest(http.MethodGet, "/v1/agent/monitor")
	r.ctx = ctx
	if loglevel != "" {
		r.params.Set("loglevel", loglevel)
	}
	if json {
		r.params.Set("logjson", "")
	}
	resp, _, err := a.c.send(r)
	if err != nil {
		return nil, err
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return lines, nil
}
