package acl

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseRules(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		want  []Rule
	}{
		{"empty", "", []Rule{}},
		{"empty json", "{}", []Rule{}},
		{
			name: "hcl every resource",
			rules: `acl = "write"
agent "n1" { policy = "read" }
agent_prefix "" { policy = "deny" }
event "deploy" { policy = "write" }
event_prefix "" { policy = "read" }
key "app/config" { policy = "write" }
key_prefix "app/" { policy = "list" }
keyring = "read"
mesh = "write"
node "n1" { policy = "write" }
node_prefix "" { policy = "read" }
operator = "read"
peering = "deny"
query "q" { policy = "write" }
query_prefix "" { policy = "read" }
service "web" {
  policy     = "write"
  intentions = "read"
}
service_prefix "" { policy = "read" }
session "n1" { policy = "write" }
session_prefix "" { policy = "read" }
`,
			want: []Rule{
				{Resource: ResourceACL, Access: AccessWrite, Line: 1},
				{Resource: ResourceAgent, Segment: "n1", Access: AccessRead, Line: 2},
				{Resource: ResourceAgent, Prefix: true, Access: AccessDeny, Line: 3},
				{Resource: ResourceEvent, Segment: "deploy", Access: AccessWrite, Line: 4},
				{Resource: ResourceEvent, Prefix: true, Access: AccessRead, Line: 5},
				{Resource: ResourceKey, Segment: "app/config", Access: AccessWrite, Line: 6},
				{Resource: ResourceKey, Prefix: true, Segment: "app/", Access: AccessList, Line: 7},
				{Resource: ResourceKeyring, Access: AccessRead, Line: 8},
				{Resource: ResourceMesh, Access: AccessWrite, Line: 9},
				{Resource: ResourceNode, Segment: "n1", Access: AccessWrite, Line: 10},
				{Resource: ResourceNode, Prefix: true, Access: AccessRead, Line: 11},
				{Resource: ResourceOperator, Access: AccessRead, Line: 12},
				{Resource: ResourcePeering, Access: AccessDeny, Line: 13},
				{Resource: ResourceQuery, Segment: "q", Access: AccessWrite, Line: 14},
				{Resource: ResourceQuery, Prefix: true, Access: AccessRead, Line: 15},
				{Resource: ResourceService, Segment: "web", Access: AccessWrite, Intentions: AccessRead, Line: 16},
				{Resource: ResourceService, Prefix: true, Access: AccessRead, Line: 20},
				{Resource: ResourceSession, Segment: "n1", Access: AccessWrite, Line: 21},
				{Resource: ResourceSession, Prefix: true, Access: AccessRead, Line: 22},
			},
		},
		{
			name:  "hcl service with intentions only",
			rules: `service "db" { intentions = "write" }`,
			want:  []Rule{{Resource: ResourceService, Segment: "db", Intentions: AccessWrite, Line: 1}},
		},
		{
			name:  "hcl heredoc-free escapes and comments",
			rules: "# a comment\n// another\nkey \"a\\\"b\" { policy = \"read\" } /* c */\n",
			want:  []Rule{{Resource: ResourceKey, Segment: `a"b`, Access: AccessRead, Line: 3}},
		},
		{
			name:  "hcl tabs and crlf",
			rules: "key \"a\" {\r\n\tpolicy = \"read\"\r\n}\r\nnode \"\u00fc\" {\r\n\tpolicy = \"write\"\r\n}\r\n",
			want: []Rule{
				{Resource: ResourceKey, Segment: "a", Access: AccessRead, Line: 1},
				{Resource: ResourceNode, Segment: "\u00fc", Access: AccessWrite, Line: 4},
			},
		},
		{
			name:  "hcl1 one-line forms",
			rules: "operator = \"read\" mesh = \"write\"\nservice \"db\" { policy = \"read\" intentions = \"write\" } key \"k\" { policy = \"list\", }\noperator = \"write\"",
			want: []Rule{
				{Resource: ResourceOperator, Access: AccessRead, Line: 1},
				{Resource: ResourceMesh, Access: AccessWrite, Line: 1},
				{Resource: ResourceService, Segment: "db", Access: AccessRead, Intentions: AccessWrite, Line: 2},
				{Resource: ResourceKey, Segment: "k", Access: AccessList, Line: 2},
				{Resource: ResourceOperator, Access: AccessWrite, Line: 3},
			},
		},
		{
			name: "json",
			rules: `{
  "operator": "read",
  "key_prefix": {
    "app/": {"policy": "read"},
    "": {"policy": "deny"}
  },
  "service": [
    {"web": {"policy": "write", "intentions": "deny"}}
  ]
}`,
			want: []Rule{
				{Resource: ResourceOperator, Access: AccessRead, Line: 2},
				{Resource: ResourceKey, Prefix: true, Segment: "app/", Access: AccessRead, Line: 4},
				{Resource: ResourceKey, Prefix: true, Access: AccessDeny, Line: 5},
				{Resource: ResourceService, Segment: "web", Access: AccessWrite, Intentions: AccessDeny, Line: 8},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseRules(tt.rules)
			if err != nil {
				t.Fatalf("ParseRules: %v", err)
			}
			if !reflect.DeepEqual(rs.Rules, tt.want) {
				t.Errorf("rules:\n got %+v\nwant %+v", rs.Rules, tt.want)
			}
		})
	}
}

func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		want  error
		msg   string // the whole error text, when given
		line  int
	}{
		{
			name:  "unknown policy",
			rules: "operator = \"read\"\n\nkey_prefix \"app/\" {\n  policy = \"raed\"\n}\n",
			want:  ErrUnknownPolicy, line: 4,
			msg: `rules:4: key_prefix "app/": unknown policy "raed"`,
		},
		{
			name:  "unknown resource",
			rules: "\nkye_prefix \"app/\" { policy = \"read\" }",
			want:  ErrUnknownResource, line: 2,
			msg: `rules:2: kye_prefix "app/": unknown resource "kye_prefix"`,
		},
		{
			name:  "list outside keys",
			rules: `service "web" { policy = "list" }`,
			want:  ErrPolicyNotAllowed, line: 1,
		},
		{"list on operator", "\n\noperator = \"list\"", ErrPolicyNotAllowed, "", 3},
		{"list intentions", `service "web" { intentions = "list" }`, ErrPolicyNotAllowed, "", 1},
		{"intentions on key", `key "k" { intentions = "read" }`, ErrInvalidRule, `rules:1: key "k": unknown field "intentions"`, 1},
		{"unknown field", "node \"n\" {\n  policy = \"read\"\n  polcy = \"write\"\n}", ErrInvalidRule, "", 3},
		{"missing policy", "\nnode \"n\" {\n}", ErrInvalidRule, `rules:2: node "n": missing policy`, 2},
		{"no label", `node { policy = "read" }`, ErrInvalidRule, "", 1},
		{"two labels", `node "a" "b" { policy = "read" }`, ErrInvalidRule, "", 1},
		{"named as attribute", `node = "read"`, ErrInvalidRule, "", 1},
		{"global as block", `operator "x" { policy = "read" }`, ErrInvalidRule, "", 1},
		{"bare word", `operator = read`, ErrInvalidRule, "", 1},
		{"interpolation", `operator = "${x}"`, ErrInvalidRule, "", 1},
		{"number", `operator = 1`, ErrInvalidRule, "", 1},
		{"nested block", "key \"a\" {\n  policy = \"read\"\n  x {\n  }\n}", ErrInvalidRule, "", 3},
		{"hcl syntax", "key \"a\" {\n  policy = \"read\"\n", ErrSyntax, "", 1},
		{"hcl garbage", "\n\n}}}", ErrSyntax, "", 3},
		{"hcl unclosed block", "\nkey \"a\" {\n  policy = \"read\"\n", ErrSyntax, `rules:2: key "a": syntax error: block not closed`, 2},
		{"hcl unterminated string", "key \"a\" {\n  policy = \"read\n}", ErrSyntax, "", 2},
		{"hcl stray brace", "operator = \"read\"\n{", ErrSyntax, `rules:2: syntax error: expected a resource name, got "{"`, 2},
		{"hcl missing brace", "key \"a\" policy = \"read\"", ErrSyntax, "", 1},
		{"hcl label not a string", "key \"a\" \"${b}\" { policy = \"read\" }", ErrSyntax, "", 1},
		{"hcl field without value", "key \"a\" {\n policy\n}", ErrInvalidRule, "", 3},
		{"hcl field bad token", "key \"a\" {\n = \"read\"\n}", ErrSyntax, "", 2},
		{"hcl invalid character", "operator = \"read\"\n\x01", ErrSyntax, "", 2},
		{"json syntax", "{\n  \"operator\": \"read\",\n  \"key\": }\n", ErrSyntax, "", 3},
		{"json eof", "{\n  \"operator\": \"read\",\n", ErrSyntax, "", 2},
		{"json trailing", "{}\n{}", ErrSyntax, "", 2},
		{"json unknown policy", "{\n\"key_prefix\": {\n \"app/\": {\"policy\": \"raed\"}}}", ErrUnknownPolicy, `rules:3: key_prefix "app/": unknown policy "raed"`, 3},
		{"json unknown resource", "{\n\"kye\": {}}", ErrUnknownResource, "", 2},
		{"json named as string", "{\n\"key\": \"read\"}", ErrInvalidRule, "", 2},
		{"json number", "{\"operator\": 1}", ErrInvalidRule, "", 1},
		{"json policy number", "{\"key\": {\"a\": {\n\"policy\": 1}}}", ErrInvalidRule, "", 2},
		{"json segment not object", "{\"key\": {\"a\": \"read\"}}", ErrInvalidRule, "", 1},
		{"json list of strings", "{\"key\": [\"a\"]}", ErrInvalidRule, "", 1},
		{"json duplicate field", "{\"key\": {\"a\": {\"policy\": \"read\",\n\"policy\": \"write\"}}}", ErrInvalidRule, "", 2},
		{"json too deep", "{\"key\": " + nested(40) + "}", ErrSyntax, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules(tt.rules)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("err %T is not a *RuleError", err)
			}
			if re.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", re.Line, tt.line, err)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("error = %q, want %q", err, tt.msg)
			}
		})
	}
}

func nested(n int) string {
	s := ""
	for range n {
		s += "["
	}
	for range n {
		s += "]"
	}
	return s
}

func TestParseAccess(t *testing.T) {
	for _, a := range []Access{AccessRead, AccessList, AccessWrite, AccessDeny} {
		got, err := ParseAccess(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAccess(%q) = %v, %v", a.String(), got, err)
		}
	}
	if _, err := ParseAccess("Read"); !errors.Is(err, ErrUnknownPolicy) {
		t.Errorf("ParseAccess(Read) err = %v, want ErrUnknownPolicy", err)
	}
}

func TestRuleString(t *testing.T) {
	tests := []struct {
		r    Rule
		want string
	}{
		{Rule{Resource: ResourceKey, Prefix: true, Segment: "app/"}, `key_prefix "app/"`},
		{Rule{Resource: ResourceService, Segment: "web"}, `service "web"`},
		{Rule{Resource: ResourceOperator}, `operator`},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
