package checks

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// prober runs one attempt of an interval check. It returns the raw status
// (before thresholds) and the output; ctx carries the run's timeout.
type prober interface {
	probe(ctx context.Context) (status, output string)
}

// probers builds the prober of each interval check type.
var probers = map[string]func(*config.CheckDefinition) (prober, error){
	"http":   newHTTPProbe,
	"tcp":    newTCPProbe,
	"udp":    newUDPProbe,
	"grpc":   newGRPCProbe,
	"h2ping": newH2PingProbe,
	"script": newScriptProbe,
}

// interval runs a prober soon after start, then about once per interval
// (see run), each run bounded by the check's timeout.
type interval struct {
	*loop
	every   time.Duration
	timeout time.Duration
	prober  prober
	report  *reporter
}

var _ Runner = (*interval)(nil)

func newInterval(checkID string, def *config.CheckDefinition, p prober, n Notifier, log *slog.Logger) *interval {
	return &interval{
		loop:    newLoop(),
		every:   def.Interval,
		timeout: runTimeout(def),
		prober:  p,
		report:  newReporter(checkID, def, n, log),
	}
}

// runTimeout is the bound of one run: the definition's timeout when set,
// else the type's default. Like Consul since 1.6, a timeout set by the user
// is honoured even when it exceeds the interval; runs never overlap since
// the next one is scheduled when the previous ends.
func runTimeout(def *config.CheckDefinition) time.Duration {
	if def.Timeout > 0 {
		return def.Timeout
	}
	if def.Type() == "script" {
		return DefaultScriptTimeout
	}
	return DefaultTimeout
}

// Start implements Runner.
func (r *interval) Start() { r.start(r.run) }

// Stop implements Runner.
func (r *interval) Stop() { r.stop() }

// firstRunWindow bounds the delay of a check's first run, so a service
// registered at start-up is healthy within a fraction of a second.
const firstRunWindow = 100 * time.Millisecond

// run probes soon after start (within firstRunWindow), then once at a
// random phase in [interval/2, 3·interval/2), then every interval. The
// random phase is what spreads many checks registered together over the
// interval, without delaying their first result by up to a whole interval.
func (r *interval) run(ctx context.Context) {
	t := time.NewTimer(stagger(min(r.every, firstRunWindow)))
	defer t.Stop()
	next := r.every/2 + stagger(r.every)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.runOnce(ctx)
		t.Reset(next)
		next = r.every
	}
}

// runOnce probes once and reports the result, unless the runner was
// stopped meanwhile.
func (r *interval) runOnce(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	status, output := r.prober.probe(pctx)
	if ctx.Err() != nil {
		return
	}
	r.report.result(status, output)
}

// stagger picks the first run's delay uniformly in [0, d) so that many
// checks registered together do not fire together.
func stagger(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
