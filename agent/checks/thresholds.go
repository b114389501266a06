package checks

import (
	"log/slog"

	"github.com/pylonmesh/pylon/agent/config"
)

// thresholds turns a stream of raw results into reported statuses, the way
// Consul applies success_before_passing, failures_before_warning and
// failures_before_critical:
//
//   - A passing or warning result counts as a success. Once the run of
//     consecutive successes reaches success_before_passing it is reported
//     as it is; before that nothing is reported.
//   - A critical result counts as a failure. Once the run of consecutive
//     failures reaches failures_before_critical it is reported as critical;
//     else, once it reaches failures_before_warning, it is reported as
//     warning; before that nothing is reported.
//
// A zero threshold (or one) reports on the first result. A zero
// failures_before_warning takes the value of failures_before_critical, so
// a check goes to warning first only when asked to.
type thresholds struct {
	successBeforePassing   int
	failuresBeforeWarning  int
	failuresBeforeCritical int
	successes, failures    int
}

func newThresholds(def *config.CheckDefinition) thresholds {
	t := thresholds{
		successBeforePassing:   def.SuccessBeforePassing,
		failuresBeforeWarning:  def.FailuresBeforeWarning,
		failuresBeforeCritical: def.FailuresBeforeCritical,
	}
	if t.failuresBeforeWarning <= 0 {
		t.failuresBeforeWarning = t.failuresBeforeCritical
	}
	return t
}

// next records one raw result and returns the status to report, or
// ok=false when the result has not reached its threshold yet.
func (t *thresholds) next(status string) (reported string, ok bool) {
	if status == passing || status == warning {
		t.successes++
		t.failures = 0
		return status, t.successes >= t.successBeforePassing
	}
	t.failures++
	t.successes = 0
	switch {
	case t.failures >= t.failuresBeforeCritical:
		return critical, true
	case t.failures >= t.failuresBeforeWarning:
		return warning, true
	}
	return "", false
}

// reporter sits between a prober and the Notifier: it applies the
// thresholds and passes on only results that differ from the last one
// reported. The first reportable result is always passed on.
type reporter struct {
	checkID  string
	n        Notifier
	log      *slog.Logger
	t        thresholds
	reported bool
	status   string
	output   string
}

func newReporter(checkID string, def *config.CheckDefinition, n Notifier, log *slog.Logger) *reporter {
	return &reporter{checkID: checkID, n: n, log: log, t: newThresholds(def)}
}

// result takes one raw result. It is called from one goroutine at a time.
func (r *reporter) result(status, output string) {
	reported, ok := r.t.next(status)
	if !ok {
		r.log.Debug("check result below threshold", "result", status,
			"successes", r.t.successes, "failures", r.t.failures)
		return
	}
	if r.reported && reported == r.status && output == r.output {
		return
	}
	if !r.reported || reported != r.status {
		r.log.Info("check status changed", "status", reported, "output", output)
	}
	r.reported, r.status, r.output = true, reported, output
	r.n.UpdateCheck(r.checkID, reported, output)
}
