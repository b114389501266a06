package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/agent/config"
)

// letters abbreviate statuses in the tables: P passing, W warning,
// C critical, and "-" for a result that is not reported.
var letters = map[byte]string{'P': passing, 'W': warning, 'C': critical, '-': ""}

func TestThresholds(t *testing.T) {
	cases := []struct {
		name                  string
		success, warn, crit   int
		results, wantReported string
	}{
		{"zero reports every result", 0, 0, 0, "PCWPC", "PCWPC"},
		{"one is the same as zero", 1, 0, 1, "PCWPC", "PCWPC"},
		{"success before passing", 3, 0, 0, "CPPPPC", "C--PPC"},
		{"a failure restarts the success count", 2, 0, 0, "CPCPP", "C-C-P"},
		{"failures before critical", 0, 0, 3, "PCCCCP", "P--CCP"},
		{"a success restarts the failure count", 0, 0, 2, "CPCCP", "-P-CP"},
		{"warning first", 0, 1, 3, "PCCCP", "PWWCP"},
		{"warning after two", 0, 2, 3, "CCCC", "-WCC"},
		{"warning result counts as success", 2, 0, 0, "CWWP", "C-WP"},
		{"warning result resets failures", 0, 0, 2, "CWCC", "-W-C"},
		{"warning above critical is ignored", 0, 3, 1, "CC", "CC"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := newThresholds(&config.CheckDefinition{
				SuccessBeforePassing:   tc.success,
				FailuresBeforeWarning:  tc.warn,
				FailuresBeforeCritical: tc.crit,
			})
			var got strings.Builder
			for i := range len(tc.results) {
				status, ok := th.next(letters[tc.results[i]])
				if !ok {
					got.WriteByte('-')
					continue
				}
				got.WriteByte(strings.ToUpper(status)[0])
			}
			if got.String() != tc.wantReported {
				t.Fatalf("results %s reported %s, want %s", tc.results, got.String(), tc.wantReported)
			}
		})
	}
}

func TestReporterSkipsRepeats(t *testing.T) {
	rec := &recorder{}
	r := newReporter("chk", &config.CheckDefinition{FailuresBeforeCritical: 2}, rec, discard())
	r.result(passing, "ok")
	r.result(passing, "ok")     // same: not passed on
	r.result(critical, "down")  // below threshold: not passed on
	r.result(passing, "ok")     // same as last reported: not passed on
	r.result(passing, "ok now") // output changed
	r.result(critical, "down")
	r.result(critical, "down") // threshold reached
	want := []update{
		{"chk", passing, "ok"},
		{"chk", passing, "ok now"},
		{"chk", critical, "down"},
	}
	if got := rec.all(); !slices.Equal(got, want) {
		t.Fatalf("updates = %v, want %v", got, want)
	}
}
