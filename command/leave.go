package command

import (
	"flag"

	"github.com/pylonmesh/pylon/api"
)

const leaveHelp = `
Usage: pylon leave [options]

  Makes the agent leave the gossip pool gracefully and shut down. The other
  members see it as left, not failed, and its node leaves the catalog.
`

func runLeave(u *ui, args []string) int {
	fs := flag.NewFlagSet("leave", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, leaveHelp); done {
		return code
	}
	if fs.NArg() > 0 {
		u.error("Too many arguments (expected 0, got %d)", fs.NArg())
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	if err := client.Agent().Leave(); err != nil {
		u.error("Error leaving: %v", err)
		return 1
	}
	u.output("Graceful leave complete")
	return 0
}

const forceLeaveHelp = `
Usage: pylon force-leave [options] node

  Moves a failed member of the gossip pool to the left state, so that it is
  no longer retried and its node leaves the catalog. With -prune it is also
  forgotten at once. A member that is still alive refutes it and stays.
`

func runForceLeave(u *ui, args []string) int {
	fs := flag.NewFlagSet("force-leave", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	prune := fs.Bool("prune", false, "Forget the node at once instead of keeping it as left.")
	wan := fs.Bool("wan", false, "Act on the WAN pool only.")
	if done, code := parseFlags(u, fs, args, forceLeaveHelp); done {
		return code
	}
	if fs.NArg() != 1 {
		u.error("A single node name must be specified to force leave.")
		printHelp(u.err, fs, forceLeaveHelp)
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	opts := api.ForceLeaveOpts{Prune: *prune, WAN: *wan}
	if err := client.Agent().ForceLeaveOpts(fs.Arg(0), opts); err != nil {
		u.error("Error force leaving: %v", err)
		return 1
	}
	return 0
}
