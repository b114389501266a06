package command

import (
	"flag"
)

const joinHelp = `
Usage: pylon join [options] address ...

  Tells a running agent to join the gossip pool through one or more
  existing members ("host" or "host:port"). Exits 1 when none of them
  could be joined.
`

func runJoin(u *ui, args []string) int {
	fs := flag.NewFlagSet("join", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	wan := fs.Bool("wan", false, "Join the WAN pool of servers instead of the LAN pool.")
	if done, code := parseFlags(u, fs, args, joinHelp); done {
		return code
	}
	addrs := fs.Args()
	if len(addrs) == 0 {
		u.error("At least one address to join must be specified.")
		printHelp(u.err, fs, joinHelp)
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	joined := 0
	for _, addr := range addrs {
		if err := client.Agent().Join(addr, *wan); err != nil {
			u.error("Error joining address '%s': %v", addr, err)
			continue
		}
		joined++
	}
	if joined == 0 {
		u.error("Failed to join any nodes.")
		return 1
	}
	u.output("Successfully joined cluster by contacting %d nodes.", joined)
	return 0
}
