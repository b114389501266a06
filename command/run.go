package command

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// command is one entry of the command table. A command with a nil run is a
// group ("catalog") that only lists its subcommands.
type command struct {
	name     string // words as typed: "catalog nodes"
	synopsis string
	run      func(ui *ui, args []string) int
}

// commands is the command table: every command Pylon knows, sorted by
// name.
func commands() []command {
	all := slices.Concat(baseCommands(), configCommands(), kvCommands(), snapshotCommands(), aclCommands(),
		operatorCommands()) // operator_raft.go
	slices.SortFunc(all, func(a, b command) int { return strings.Compare(a.name, b.name) })
	return all
}

// baseCommands are the commands that only need package api.
func baseCommands() []command {
	return []command{
		{"catalog", "Interact with the catalog", nil},
		{"catalog datacenters", "Lists all known datacenters", runCatalogDatacenters},
		{"catalog nodes", "Lists all nodes in the given datacenter", runCatalogNodes},
		{"catalog services", "Lists all registered services in a datacenter", runCatalogServices},
		{"maint", "Controls node or service maintenance mode", runMaint},
		{"force-leave", "Forces a member of the cluster to enter the \"left\" state", runForceLeave},
		{"info", "Provides debugging information for operators", runInfo},
		{"join", "Tell Pylon agent to join cluster", runJoin},
		{"keygen", "Generates a new encryption key", runKeygen},
		{"keyring", "Manages gossip layer encryption keys", runKeyring},
		{"leave", "Gracefully leaves the Pylon cluster and shuts down", runLeave},
		{"members", "Lists the members of a Pylon cluster", runMembers},
		{"monitor", "Stream logs from a Pylon agent", runMonitor},
		{"reload", "Triggers the agent to reload configuration files", runReload},
		{"rtt", "Estimates network round trip time between nodes", runRTT},
		{"version", "Prints the Pylon version", runVersion},
		{"watch", "Watch for changes in Pylon", runWatch},
	}
}

// ui is where a command writes.
type ui struct {
	out io.Writer
	err io.Writer
}

func (u *ui) output(format string, args ...any) { fmt.Fprintf(u.out, format+"\n", args...) }
func (u *ui) error(format string, args ...any)  { fmt.Fprintf(u.err, format+"\n", args...) }

// Run executes the command named by args and returns the process exit
// code: 0 on success, 1 on error (some commands use more codes).
func Run(args []string, stdout, stderr io.Writer) int {
	u := &ui{out: stdout, err: stderr}
	if len(args) == 0 {
		printCommands(u.err, "", commands())
		return 1
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			return Run(append(args[1:], "-h"), stdout, stderr)
		}
		printCommands(u.out, "", commands())
		return 0
	case "-v", "-version", "--version":
		return runVersion(u, args[1:])
	}
	cmd, rest, ok := lookup(args)
	if !ok {
		u.error("pylon: unknown command %q", strings.Join(args[:1], " "))
		printCommands(u.err, "", commands())
		return 1
	}
	if cmd.run == nil {
		return runGroup(u, cmd, rest)
	}
	return cmd.run(u, rest)
}

// lookup finds the longest command name that prefixes args.
func lookup(args []string) (cmd command, rest []string, ok bool) {
	best := 0
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(words) > best && len(words) <= len(args) && slices.Equal(words, args[:len(words)]) {
			cmd, rest, ok, best = c, args[len(words):], true, len(words)
		}
	}
	return cmd, rest, ok
}

// runGroup answers a group name typed without a subcommand.
func runGroup(u *ui, group command, args []string) int {
	var subs []command
	for _, c := range commands() {
		if strings.HasPrefix(c.name, group.name+" ") {
			subs = append(subs, c)
		}
	}
	if len(args) > 0 && isHelp(args[0]) {
		printCommands(u.out, group.name, subs)
		return 0
	}
	if len(args) > 0 {
		u.error("pylon %s: unknown subcommand %q", group.name, args[0])
	}
	printCommands(u.err, group.name, subs)
	return 1
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// printCommands writes a usage line and the synopsis of each command. At
// the top level (group "") only single-word commands are listed.
func printCommands(w io.Writer, group string, cmds []command) {
	prefix := "pylon"
	if group != "" {
		prefix += " " + group
	}
	type entry struct{ name, synopsis string }
	var list []entry
	width := 0
	for _, c := range cmds {
		name := strings.TrimPrefix(c.name, group+" ")
		if group == "" && strings.Contains(name, " ") {
			continue
		}
		list = append(list, entry{name, c.synopsis})
		width = max(width, len(name))
	}
	fmt.Fprintf(w, "Usage: %s <command> [<args>]\n\nAvailable commands are:\n", prefix)
	for _, e := range list {
		fmt.Fprintf(w, "    %-*s    %s\n", width, e.name, e.synopsis)
	}
}

// parseFlags parses args into fs. It reports done=true with the exit code
// when the command must stop: 0 after -h (help on stdout), 1 after a bad
// flag (error and help on stderr).
func parseFlags(u *ui, fs *flag.FlagSet, args []string, help string) (done bool, code int) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case err == nil:
		return false, 0
	case err == flag.ErrHelp:
		printHelp(u.out, fs, help)
		return true, 0
	}
	u.error("%v", err)
	printHelp(u.err, fs, help)
	return true, 1
}

// printHelp writes a command's help text followed by its flags.
func printHelp(w io.Writer, fs *flag.FlagSet, help string) {
	fmt.Fprintln(w, strings.TrimSpace(help))
	fmt.Fprintln(w)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
