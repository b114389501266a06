package acl

import (
	"errors"
	"testing"
)

// FuzzParseRules feeds HCL and JSON rule texts to the parser. It must
// never panic; an error must be a *RuleError with a line inside the text;
// a rule set that parses must compile and answer questions.
func FuzzParseRules(f *testing.F) {
	seeds := []string{
		``,
		`operator = "read"`,
		`key_prefix "app/" { policy = "read" }`,
		"service \"web\" { policy = \"write\" intentions = \"read\" }\nservice_prefix \"\" { policy = \"read\" }",
		"acl = \"write\"\nkeyring = \"write\"\nmesh = \"read\"\npeering = \"deny\"",
		"# comment\nnode_prefix \"\" {\n  policy = \"read\"\n}\nagent \"n1\" { policy = \"write\" }",
		`session_prefix "" { policy = "write" } event "deploy" { policy = "read" } query_prefix "" { policy = "read" }`,
		`key "a\"b" { policy = "list", }`,
		`key_prefix "app/" { policy = "raed" }`,
		`kye "x" { policy = "read" }`,
		`key "${x}" { policy = "read" }`,
		"key \"a\" {\n policy = <<EOT\nread\nEOT\n}",
		`{"operator": "read", "key_prefix": {"app/": {"policy": "write"}}}`,
		`{"service": [{"web": {"policy": "read", "intentions": "write"}}]}`,
		`{"key": {"a": {"policy": 1}}}`,
		`{"key": [[[[]]]]}`,
		`{`,
		"{}\n{}",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rules string) {
		rs, err := ParseRules(rules)
		if err != nil {
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("error %T %v is not a *RuleError", err, err)
			}
			if lines := 1 + countLines(rules); re.Line < 1 || re.Line > lines {
				t.Fatalf("error line %d outside 1..%d: %v", re.Line, lines, err)
			}
			return
		}
		a := Compile(Deny, rs)
		for _, r := range rs.Rules {
			if r.Line < 1 {
				t.Fatalf("rule %v has line %d", r, r.Line)
			}
			a.Decide(r.Resource, r.Segment, AccessRead)
			a.KeyWritePrefix(r.Segment)
		}
		a.ServiceRead("web")
		a.KeyWritePrefix("")
	})
}

func countLines(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			n++
		}
	}
	return n
}
