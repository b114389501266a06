// Package command is Pylon's command line: `pylon agent`, `members`,
// `catalog`, `services`, `validate`, `reload`, `maint`, `version` and the
// rest, with Consul's flags, environment variables and output formats.
//
// Run dispatches on a single table of commands (run.go). Each command lives
// in its own file and talks to an agent through package api, except `agent`
// (which starts one, through package agent) and `validate` and `services`
// (which read configuration files through package agent/config).
package command
