package acl

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveRules is the obvious, slow reading of a rule list, to check the
// radix tree against.
type naiveRules map[[2]string]Access // {segment, "exact"|"prefix"}

func (m naiveRules) add(seg string, prefix bool, a Access) {
	k := [2]string{seg, kind(prefix)}
	if takesPrecedence(a, m[k]) {
		m[k] = a
	}
}

func kind(prefix bool) string {
	if prefix {
		return "prefix"
	}
	return "exact"
}

func (m naiveRules) lookup(name string) Access {
	if a := m[[2]string{name, "exact"}]; a != AccessNone {
		return a
	}
	return m.longestPrefix(name)
}

func (m naiveRules) longestPrefix(name string) Access {
	best, bestLen := AccessNone, -1
	for k, a := range m {
		if k[1] == "prefix" && strings.HasPrefix(name, k[0]) && len(k[0]) > bestLen {
			best, bestLen = a, len(k[0])
		}
	}
	return best
}

func (m naiveRules) under(prefix string) []Access {
	var out []Access
	for k, a := range m {
		if strings.HasPrefix(k[0], prefix) {
			out = append(out, a)
		}
	}
	return out
}

// TestTreeMatchesNaive fills trees with random rules over a tiny alphabet
// (so segments share prefixes and edges split) and compares every
// lookup with the naive reading.
func TestTreeMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, rng.IntN(6))
		for i := range b {
			b[i] = "ab/"[rng.IntN(3)]
		}
		return string(b)
	}
	for round := range 200 {
		var tr tree
		naive := naiveRules{}
		for range rng.IntN(30) {
			seg, prefix, a := word(), rng.IntN(2) == 0, Access(1+rng.IntN(4))
			tr.add(seg, prefix, a)
			naive.add(seg, prefix, a)
		}
		for range 50 {
			name := word()
			if got, want := tr.lookup(name), naive.lookup(name); got != want {
				t.Fatalf("round %d: lookup(%q) = %v, want %v", round, name, got, want)
			}
			if got, want := tr.longestPrefix(name), naive.longestPrefix(name); got != want {
				t.Fatalf("round %d: longestPrefix(%q) = %v, want %v", round, name, got, want)
			}
			var got []Access
			tr.under(name, func(a Access) bool { got = append(got, a); return true })
			if want := naive.under(name); !sameAccesses(got, want) {
				t.Fatalf("round %d: under(%q) = %v, want %v", round, name, got, want)
			}
		}
	}
}

func sameAccesses(a, b []Access) bool {
	if len(a) != len(b) {
		return false
	}
	var ca, cb [8]int
	for _, x := range a {
		ca[x]++
	}
	for _, x := range b {
		cb[x]++
	}
	return ca == cb
}

func TestTreeUnderStops(t *testing.T) {
	var tr tree
	for _, s := range []string{"a", "ab", "abc", "b"} {
		tr.add(s, false, AccessRead)
	}
	n := 0
	done := tr.under("a", func(Access) bool { n++; return n < 2 })
	if done || n != 2 {
		t.Errorf("under stopped after %d calls (done %v), want 2 (false)", n, done)
	}
}
