package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/pylonmesh/pylon"

// allowedImports holds DESIGN.md §2: for each package (by path prefix under
// the module, longest prefix wins) the internal packages it may import
// directly. A package may always import its own subpackages.
var allowedImports = map[string][]string{
	"":             {"command"}, // main.go
	"command":      {"command", "api", "agent", "version", "server/snapshot"},
	"api":          {},
	"api/watch":    {"api"}, // watches run through the Go client
	"version":      {},
	"acl":          {},
	"gossip":       {},
	"dns":          {"dns", "acl"},
	"connect":      {"connect", "acl"},
	"internal":     {"internal", "acl", "server/state"},
	"server":       {"server", "acl", "connect", "gossip", "internal"},
	"server/state": {"acl"},
	"agent":        {"agent", "server", "dns", "connect", "acl", "gossip", "api", "version", "internal"},
	"website":      {},
	"bench":        {}, // stand-alone comparison programs
}

// TestImportDirection fails when a package imports against the direction
// of DESIGN.md §2, or when a new top-level package has no rule yet.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := rel(fields[0])
		rule, ok := ruleFor(pkg)
		if !ok {
			t.Errorf("package %q has no import rule in deps_test.go", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			if dep := rel(imp); !allowed(pkg, dep, rule) {
				t.Errorf("%s imports %s against DESIGN.md §2", pkg, dep)
			}
		}
	}
}

func rel(path string) string {
	return strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
}

// ruleFor finds the rule of the longest prefix matching pkg.
func ruleFor(pkg string) (rule []string, ok bool) {
	best := -1
	for prefix, r := range allowedImports {
		if within(pkg, prefix) && len(prefix) > best {
			best, rule, ok = len(prefix), r, true
		}
	}
	return rule, ok
}

func allowed(pkg, dep string, rule []string) bool {
	if pkg != "" && within(dep, pkg) {
		return true
	}
	for _, a := range rule {
		if within(dep, a) {
			return true
		}
	}
	return false
}

func within(pkg, prefix string) bool {
	if prefix == "" {
		return pkg == ""
	}
	return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
}

func TestRuleLookup(t *testing.T) {
	cases := []struct {
		pkg, dep string
		want     bool
	}{
		{"api", "agent", false},
		{"acl", "server/state", false},
		{"dns", "acl", true},
		{"dns", "server/state", false},
		{"server/state", "agent/local", false},
		{"server/state", "server/fsm", false},
		{"server/state", "server/state/stream", true},
		{"server/fsm", "server/state", true},
		{"agent/httpapi", "server/state", true},
		{"agent/httpapi", "command", false},
		{"command", "agent/config", true},
		{"", "command", true},
		{"", "agent", false},
	}
	for _, c := range cases {
		rule, ok := ruleFor(c.pkg)
		if !ok {
			t.Fatalf("no rule for %q", c.pkg)
		}
		if got := allowed(c.pkg, c.dep, rule); got != c.want {
			t.Errorf("%s -> %s allowed = %v, want %v", c.pkg, c.dep, got, c.want)
		}
	}
}
