package command

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzReadValue checks the value-argument rules: "@path" reads the file
// named by the rest, a lone "-" reads stdin, anything else is the value
// itself, byte for byte.
func FuzzReadValue(f *testing.F) {
	for _, s := range []string{"", "-", "-x", "@", "@file", "@@", "plain", "--", "a@b", "@-"} {
		f.Add(s, []byte("from stdin"))
	}
	f.Fuzz(func(t *testing.T, arg string, in []byte) {
		var asked string
		readFile := func(p string) ([]byte, error) {
			asked = p
			if p == "missing" {
				return nil, errors.New("no such file")
			}
			return []byte("file:" + p), nil
		}
		got, err := readValue(arg, bytes.NewReader(in), readFile)
		switch {
		case arg == "-":
			if err != nil || !bytes.Equal(got, in) {
				t.Fatalf("stdin: %q %v", got, err)
			}
		case strings.HasPrefix(arg, "@"):
			path := arg[1:]
			if path == "" || path == "missing" {
				if err == nil {
					t.Fatalf("%q accepted", arg)
				}
				return
			}
			if err != nil || asked != path || string(got) != "file:"+path {
				t.Fatalf("file %q: %q %v", path, got, err)
			}
		default:
			if err != nil || string(got) != arg {
				t.Fatalf("literal %q: %q %v", arg, got, err)
			}
		}
	})
}

// FuzzParseImport checks that the import parser never panics, that what
// it accepts has keys and the exact decoded values, and that an export
// document of those entries parses back to the same entries.
func FuzzParseImport(f *testing.F) {
	f.Add([]byte(`[{"key":"a","flags":1,"value":"AP8="}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"key":"a/","flags":0,"value":""},{"key":"b","value":"eA=="}]`))
	f.Add([]byte(`[{"key":"","value":""}]`))
	f.Add([]byte(`{"key":"a"}`))
	f.Add([]byte(`[{"key":"a","value":"!"}]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := parseImport(data)
		if err != nil {
			return
		}
		export := make([]kvExportEntry, 0, len(entries))
		for _, e := range entries {
			if e.Key == "" {
				t.Fatalf("accepted an empty key from %q", data)
			}
			export = append(export, kvExportEntry{Key: e.Key, Flags: e.Flags, Value: base64.StdEncoding.EncodeToString(e.Value)})
		}
		doc, err := json.Marshal(export)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseImport(doc)
		if err != nil || len(again) != len(entries) {
			t.Fatalf("re-import of %s: %v", doc, err)
		}
		for i := range entries {
			if again[i].Key != entries[i].Key || again[i].Flags != entries[i].Flags || !bytes.Equal(again[i].Value, entries[i].Value) {
				t.Fatalf("entry %d changed: %+v -> %+v", i, entries[i], again[i])
			}
		}
	})
}

func TestJoinPrefix(t *testing.T) {
	tests := []struct{ prefix, key, want string }{
		{"", "a/b", "a/b"},
		{"p", "a", "p/a"},
		{"p/", "a/", "p/a/"},
		{"p//", "/a", "p//a"},
	}
	for _, tt := range tests {
		if got := joinPrefix(tt.prefix, tt.key); got != tt.want {
			t.Errorf("joinPrefix(%q, %q) = %q, want %q", tt.prefix, tt.key, got, tt.want)
		}
	}
}
