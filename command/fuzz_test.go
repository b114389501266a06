package command

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzKVFlag checks that any accepted key=value pair is stored as split
// at the first "=", and that pairs without a key are rejected.
func FuzzKVFlag(f *testing.F) {
	for _, s := range []string{"k=v", "k=", "=v", "k", "a=b=c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var kv kvFlag
		err := kv.Set(s)
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			if err == nil {
				t.Fatalf("%q accepted", s)
			}
			return
		}
		if err != nil || kv[k] != v || len(kv) != 1 {
			t.Fatalf("%q: %v %v", s, kv, err)
		}
	})
}

// FuzzWriteTable checks that every row keeps its cells in order and that
// no line ends in a space.
func FuzzWriteTable(f *testing.F) {
	f.Add("Node,Address\nn1,10.0.0.1:8301")
	f.Add("a\n,b,\nccc,,d")
	f.Fuzz(func(t *testing.T, in string) {
		if strings.ContainsFunc(strings.ReplaceAll(in, "\n", ""), unicode.IsSpace) {
			return // cells are single words in the CLI's tables
		}
		var rows [][]string
		for _, line := range strings.Split(in, "\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		var b strings.Builder
		writeTable(&b, rows)
		out := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(out) != len(rows) {
			t.Fatalf("%d lines for %d rows", len(out), len(rows))
		}
		for i, line := range out {
			if strings.HasSuffix(line, " ") {
				t.Fatalf("line %q ends in a space", line)
			}
			if got, want := strings.Join(strings.Fields(line), ""), strings.Join(rows[i], ""); got != want {
				t.Fatalf("line %q lost cells of %q", line, rows[i])
			}
		}
	})
}
