package command

import (
	"flag"
	"fmt"
	"maps"
	"slices"
)

const infoHelp = `
Usage: pylon info [options]

  Prints the agent's figures for debugging and operation: its services
  and checks, build, runtime and, by section, the state of Raft (servers)
  and of the gossip pools, as Consul's info command.
`

func runInfo(u *ui, args []string) int {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, infoHelp); done {
		return code
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	self, err := client.Agent().Self()
	if err != nil {
		u.error("Error querying agent: %v", err)
		return 1
	}
	stats := self["Stats"]
	for _, section := range slices.Sorted(maps.Keys(stats)) {
		values, ok := stats[section].(map[string]any)
		if !ok {
			continue
		}
		u.output("%s:", section)
		for _, key := range slices.Sorted(maps.Keys(values)) {
			u.output("\t%s = %s", key, fmt.Sprint(values[key]))
		}
	}
	return 0
}
