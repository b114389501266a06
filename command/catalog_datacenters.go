package command

import "flag"

const catalogDatacentersHelp = `
Usage: pylon catalog datacenters [options]

  Lists the datacenters known to the agent, nearest first.
`

func runCatalogDatacenters(u *ui, args []string) int {
	fs := flag.NewFlagSet("catalog datacenters", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, catalogDatacentersHelp); done {
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
	dcs, err := client.Catalog().Datacenters()
	if err != nil {
		u.error("Error listing datacenters: %v", err)
		return 1
	}
	if len(dcs) == 0 {
		u.error("No datacenters found")
		return 1
	}
	for _, dc := range dcs {
		u.output("%s", dc)
	}
	return 0
}
