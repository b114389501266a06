package state

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Prepared query validation and template interpolation.
//
// A template's Service strings may hold ${name.full} (the name looked up),
// ${name.prefix} (the template's Name), ${name.suffix} (what follows the
// prefix) and ${match(N)} (submatch N of Template.Regexp applied to the
// full name, "" when there is none). "$${" is a literal "${". Strings of
// queries that are not templates are taken literally.

// redactedToken is what reads show instead of a token the caller may not
// see; storing it back would silently replace the real token.
const redactedToken = "<hidden>"

// isTemplate reports whether q is a template.
func isTemplate(q *PreparedQuery) bool { return q.Template.Type != "" }

// validatePreparedQuery checks everything about q that does not depend on
// other queries, and returns its compiled Template.Regexp (nil if none).
func validatePreparedQuery(q *PreparedQuery) (*regexp.Regexp, error) {
	if q.ID == "" {
		return nil, fmt.Errorf("%w: missing ID", ErrInvalidQuery)
	}
	if err := validName(q.ID); err != nil {
		return nil, fmt.Errorf("%w: ID: %w", ErrInvalidQuery, err)
	}
	if err := validName(q.Name); err != nil {
		return nil, fmt.Errorf("%w: name: %w", ErrInvalidQuery, err)
	}
	checks := []func(*PreparedQuery) error{validQueryBinding, validServiceQuery, validQueryDNS}
	for _, check := range checks {
		if err := check(q); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
		}
	}
	re, err := compileTemplate(q)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	return re, nil
}

// validQueryBinding checks the query's session and token. There is no
// sessions table yet, so no session exists and a query naming one is
// refused, as Consul refuses an unknown session. An anonymous query must be
// bound to a session, so only named queries and templates are possible.
func validQueryBinding(q *PreparedQuery) error {
	if q.Session != "" {
		return fmt.Errorf("invalid session %q", q.Session)
	}
	if q.Name == "" && !isTemplate(q) {
		return fmt.Errorf("must be bound to a session")
	}
	if q.Token == redactedToken {
		return fmt.Errorf("bad token %q, it looks like a query definition with a redacted token was submitted", q.Token)
	}
	return nil
}

func validServiceQuery(q *PreparedQuery) error {
	svc := &q.Service
	if svc.Service == "" {
		return fmt.Errorf("must provide a service name to query")
	}
	if svc.Failover.NearestN < 0 {
		return fmt.Errorf("bad NearestN %d, must be >= 0", svc.Failover.NearestN)
	}
	if len(svc.Failover.Targets) > 0 && (svc.Failover.NearestN > 0 || len(svc.Failover.Datacenters) > 0) {
		return fmt.Errorf("failover targets cannot be combined with NearestN or Datacenters")
	}
	return nil
}

func validQueryDNS(q *PreparedQuery) error {
	if q.DNS.TTL == "" {
		return nil
	}
	ttl, err := time.ParseDuration(q.DNS.TTL)
	if err != nil {
		return fmt.Errorf("bad DNS TTL %q: %w", q.DNS.TTL, err)
	}
	if ttl < 0 {
		return fmt.Errorf("bad DNS TTL %q, must be >= 0", q.DNS.TTL)
	}
	return nil
}

// compileTemplate checks a template's type, regexp and interpolations by
// rendering it once for its own name, and returns the compiled regexp.
func compileTemplate(q *PreparedQuery) (*regexp.Regexp, error) {
	if !isTemplate(q) {
		return nil, nil
	}
	if q.Template.Type != QueryTemplateNamePrefixMatch {
		return nil, fmt.Errorf("bad Template.Type %q", q.Template.Type)
	}
	var re *regexp.Regexp
	if q.Template.Regexp != "" {
		var err error
		if re, err = regexp.Compile(q.Template.Regexp); err != nil {
			return nil, fmt.Errorf("bad Template.Regexp: %w", err)
		}
	}
	if _, err := renderTemplate(q, re, q.Name); err != nil {
		return nil, err
	}
	return re, nil
}

// renderTemplate returns a copy of template q with its Service strings
// interpolated for name. The copy shares nothing mutable with q.
func renderTemplate(q *PreparedQuery, re *regexp.Regexp, name string) (*PreparedQuery, error) {
	v := templateVars{full: name, prefix: q.Name, suffix: nameSuffix(name, q.Name)}
	if re != nil {
		v.matches = re.FindStringSubmatch(name)
	}
	out := *q
	svc, err := mapServiceStrings(q.Service, v.interpolate)
	if err != nil {
		return nil, err
	}
	if q.Template.RemoveEmptyTags {
		svc.Tags = slices.DeleteFunc(svc.Tags, func(t string) bool { return t == "" })
	}
	out.Service = svc
	return &out, nil
}

// nameSuffix is what follows prefix in name, compared case-insensitively
// as lookups are.
func nameSuffix(name, prefix string) string {
	if len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix) {
		return name[len(prefix):]
	}
	return strings.TrimPrefix(name, prefix)
}

// mapServiceStrings returns a copy of svc with fn applied to every string
// in it (map values, not keys), with slices and maps of its own.
func mapServiceStrings(svc ServiceQuery, fn func(string) (string, error)) (ServiceQuery, error) {
	var err error
	one := func(s string) string {
		if err != nil {
			return s
		}
		var out string
		out, err = fn(s)
		return out
	}
	list := func(in []string) []string {
		if in == nil {
			return nil
		}
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = one(s)
		}
		return out
	}
	meta := func(in map[string]string) map[string]string {
		if in == nil {
			return nil
		}
		out := maps.Clone(in)
		for _, k := range slices.Sorted(maps.Keys(out)) {
			out[k] = one(out[k])
		}
		return out
	}
	out := svc
	out.Service, out.Near = one(svc.Service), one(svc.Near)
	out.Tags, out.IgnoreCheckIDs = list(svc.Tags), list(svc.IgnoreCheckIDs)
	out.NodeMeta, out.ServiceMeta = meta(svc.NodeMeta), meta(svc.ServiceMeta)
	out.Failover.Datacenters = list(svc.Failover.Datacenters)
	if svc.Failover.Targets != nil {
		out.Failover.Targets = make([]QueryFailoverTarget, len(svc.Failover.Targets))
		for i, t := range svc.Failover.Targets {
			out.Failover.Targets[i] = QueryFailoverTarget{Peer: one(t.Peer), Datacenter: one(t.Datacenter)}
		}
	}
	return out, err
}

// templateVars are the values a template is rendered with.
type templateVars struct {
	full, prefix, suffix string
	matches              []string
}

// interpolate expands the ${...} expressions of s.
func (v *templateVars) interpolate(s string) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for rest := s; ; {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		if i > 0 && rest[i-1] == '$' { // "$${" is a literal "${"
			b.WriteString(rest[:i-1])
			b.WriteString("${")
			rest = rest[i+2:]
			continue
		}
		b.WriteString(rest[:i])
		end := strings.IndexByte(rest[i+2:], '}')
		if end < 0 {
			return "", fmt.Errorf("bad format %q: unterminated \"${\"", s)
		}
		val, err := v.eval(strings.TrimSpace(rest[i+2 : i+2+end]))
		if err != nil {
			return "", fmt.Errorf("bad format %q: %w", s, err)
		}
		b.WriteString(val)
		rest = rest[i+2+end+1:]
	}
}

// eval returns the value of one ${...} expression.
func (v *templateVars) eval(expr string) (string, error) {
	switch expr {
	case "name.full":
		return v.full, nil
	case "name.prefix":
		return v.prefix, nil
	case "name.suffix":
		return v.suffix, nil
	}
	if arg, ok := strings.CutPrefix(expr, "match("); ok {
		if arg, ok = strings.CutSuffix(arg, ")"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(arg))
			if err != nil {
				return "", fmt.Errorf("match() wants an integer, got %q", arg)
			}
			if n >= 0 && n < len(v.matches) {
				return v.matches[n], nil
			}
			return "", nil
		}
	}
	return "", fmt.Errorf("unknown variable or function %q", expr)
}
