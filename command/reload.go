package command

import "flag"

const reloadHelp = `
Usage: pylon reload [options]

  Makes the agent re-read its configuration files, as SIGHUP does.
`

func runReload(u *ui, args []string) int {
	fs := flag.NewFlagSet("reload", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, reloadHelp); done {
		return code
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	if err := client.Agent().Reload(); err != nil {
		u.error("Error reloading: %v", err)
		return 1
	}
	u.output("Configuration reload triggered")
	return 0
}
