package acl

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseRules parses the Rules text of an ACL policy, in HCL or in JSON
// (text whose first non-space character is '{'). An empty text is an
// empty rule set. Every error is a *RuleError naming the line and the
// resource, wrapping one of the Err… sentinels.
func ParseRules(rules string) (*RuleSet, error) {
	var raws []rawRule
	var err error
	if strings.HasPrefix(strings.TrimLeft(rules, " \t\r\n"), "{") {
		raws, err = readJSON(rules)
	} else {
		raws, err = readHCL(rules)
	}
	if err != nil {
		return nil, err
	}
	rs := &RuleSet{Rules: make([]Rule, 0, len(raws))}
	for _, raw := range raws {
		r, err := raw.build()
		if err != nil {
			return nil, err
		}
		rs.Rules = append(rs.Rules, r)
	}
	return rs, nil
}

// rawRule is one rule as written, before its words and values are
// checked. Both readers produce it, so HCL and JSON are validated alike.
type rawRule struct {
	word string
	line int
	// block is true for `word "label" { fields }`, false for
	// `word = "value"`.
	block  bool
	labels []string
	value  string
	fields []rawField
}

// rawField is one `name = "value"` inside a rule block.
type rawField struct {
	name  string
	value string
	line  int
}

// name renders the rule for error messages, as well as it can.
func (r rawRule) name() string {
	if !r.block || len(r.labels) == 0 {
		return r.word
	}
	quoted := make([]string, len(r.labels))
	for i, l := range r.labels {
		quoted[i] = strconv.Quote(l)
	}
	return r.word + " " + strings.Join(quoted, " ")
}

// errorf makes a *RuleError for this rule whose message is format's and
// whose sentinel (for errors.Is) is sentinel.
func (r rawRule) errorf(line int, sentinel error, format string, args ...any) error {
	return &RuleError{Line: line, Resource: r.name(), Err: wrapped{sentinel, fmt.Sprintf(format, args...)}}
}

// wrapped is a sentinel with a more precise message.
type wrapped struct {
	sentinel error
	msg      string
}

func (w wrapped) Error() string { return w.msg }
func (w wrapped) Unwrap() error { return w.sentinel }

// build checks a raw rule against the resource table.
func (r rawRule) build() (Rule, error) {
	w, ok := resourceWords[r.word]
	if !ok {
		return Rule{}, r.errorf(r.line, ErrUnknownResource, "unknown resource %q", r.word)
	}
	rule := Rule{Resource: w.res, Prefix: w.prefix, Line: r.line}
	info := resources[w.res]
	if !info.named {
		if r.block {
			return Rule{}, r.errorf(r.line, ErrInvalidRule, "%s takes a policy value (%s = \"read\"), not a block", r.word, r.word)
		}
		a, err := r.access(r.line, r.value, info.list)
		rule.Access = a
		return rule, err
	}
	if !r.block {
		return Rule{}, r.errorf(r.line, ErrInvalidRule, "%s needs a name: %s \"name\" { policy = \"read\" }", r.word, r.word)
	}
	if len(r.labels) != 1 {
		return Rule{}, r.errorf(r.line, ErrInvalidRule, "%s needs exactly one name, got %d", r.word, len(r.labels))
	}
	rule.Segment = r.labels[0]
	return r.fill(rule, info)
}

// fill reads the fields of a named rule's block into rule.
func (r rawRule) fill(rule Rule, info resourceInfo) (Rule, error) {
	seen := make(map[string]bool, 2)
	for _, f := range r.fields {
		if seen[f.name] {
			return Rule{}, r.errorf(f.line, ErrInvalidRule, "duplicate field %q", f.name)
		}
		seen[f.name] = true
		switch {
		case f.name == "policy":
			a, err := r.access(f.line, f.value, info.list)
			if err != nil {
				return Rule{}, err
			}
			rule.Access = a
		case f.name == "intentions" && rule.Resource == ResourceService:
			a, err := r.access(f.line, f.value, false)
			if err != nil {
				return Rule{}, err
			}
			rule.Intentions = a
		default:
			return Rule{}, r.errorf(f.line, ErrInvalidRule, "unknown field %q", f.name)
		}
	}
	if rule.Access == AccessNone && rule.Intentions == AccessNone {
		return Rule{}, r.errorf(r.line, ErrInvalidRule, "missing policy")
	}
	return rule, nil
}

// access parses a policy value, refusing list where it is not allowed.
func (r rawRule) access(line int, v string, listOK bool) (Access, error) {
	a, ok := accessNames[v]
	if !ok {
		return AccessNone, r.errorf(line, ErrUnknownPolicy, "unknown policy %q", v)
	}
	if a == AccessList && !listOK {
		return AccessNone, r.errorf(line, ErrPolicyNotAllowed, "policy %q not allowed here (only key rules take list)", v)
	}
	return a, nil
}
