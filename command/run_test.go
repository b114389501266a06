package command

import "testing"

func TestDispatch(t *testing.T) {
	tests := []struct {
		name             string
		args             []string
		wantCode         int
		wantOut, wantErr string // substrings; "" means must be empty
	}{
		{"no args lists commands on stderr", nil, 1, "", "Available commands are:"},
		{"-h lists commands", []string{"-h"}, 0, "Lists the members of a Pylon cluster", ""},
		{"help lists commands", []string{"help"}, 0, "Usage: pylon <command>", ""},
		{"help for a command", []string{"help", "members"}, 0, "Usage: pylon members [options]", ""},
		{"help for a subcommand", []string{"help", "catalog", "nodes"}, 0, "Usage: pylon catalog nodes", ""},
		{"unknown command", []string{"frobnicate"}, 1, "", `unknown command "frobnicate"`},
		{"group without subcommand", []string{"catalog"}, 1, "", "datacenters    Lists all known datacenters"},
		{"group help", []string{"catalog", "-h"}, 0, "    nodes          Lists all nodes", ""},
		{"group with unknown subcommand", []string{"catalog", "bogus"}, 1, "", `unknown subcommand "bogus"`},
		{"bad flag", []string{"members", "-nope"}, 1, "", "flag provided but not defined: -nope"},
		{"--version", []string{"--version"}, 0, "Pylon v", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			check := func(what, got, want string) {
				if want == "" && got != "" {
					t.Fatalf("%s not empty: %q", what, got)
				}
				mustContain(t, what, got, want)
			}
			check("stdout", out, tt.wantOut)
			check("stderr", errOut, tt.wantErr)
		})
	}
}

func TestTopLevelHelpListsOnlyGroups(t *testing.T) {
	out, _, _ := run(t, "-h")
	golden(t, "help", out)
}
