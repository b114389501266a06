package command

import (
	"flag"
	"maps"
	"slices"
	"strings"

	"github.com/pylonmesh/pylon/api"
)

const maintHelp = `
Usage: pylon maint [options]

  Puts the agent's node, or one of its services, in maintenance mode, or
  takes it out. A node or service in maintenance is left out of DNS and of
  passing health queries. Without -enable or -disable, lists what is in
  maintenance now.
`

func runMaint(u *ui, args []string) int {
	fs := flag.NewFlagSet("maint", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	enable := fs.Bool("enable", false, "Enable maintenance mode.")
	disable := fs.Bool("disable", false, "Disable maintenance mode.")
	reason := fs.String("reason", "", "A `text` saying why, shown in the maintenance check's notes.")
	service := fs.String("service", "", "Act on this service `ID` instead of the node.")
	if done, code := parseFlags(u, fs, args, maintHelp); done {
		return code
	}
	switch {
	case *enable && *disable:
		u.error("Only one of -enable or -disable may be provided")
		return 1
	case !*enable && *reason != "":
		u.error("Reason may only be provided with -enable")
		return 1
	case !*enable && !*disable && *service != "":
		u.error("Service requires either -enable or -disable")
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	if !*enable && !*disable {
		return listMaintenance(u, client)
	}
	return setMaintenance(u, client.Agent(), *enable, *service, *reason)
}

func setMaintenance(u *ui, a *api.Agent, enable bool, service, reason string) int {
	var err error
	switch {
	case service == "" && enable:
		err = a.EnableNodeMaintenance(reason)
	case service == "":
		err = a.DisableNodeMaintenance()
	case enable:
		err = a.EnableServiceMaintenance(service, reason)
	default:
		err = a.DisableServiceMaintenance(service)
	}
	if err != nil {
		u.error("Error toggling maintenance mode: %v", err)
		return 1
	}
	what, verb := "Node", "left"
	if service != "" {
		what = "Service"
	}
	if enable {
		verb = "entered"
	}
	u.output("%s %s maintenance mode", what, verb)
	return 0
}

// listMaintenance prints the node and services in maintenance, read from
// their maintenance checks.
func listMaintenance(u *ui, client *api.Client) int {
	checks, err := client.Agent().Checks()
	if err != nil {
		u.error("Error getting checks: %v", err)
		return 1
	}
	var blocks []string
	if c, ok := checks[api.NodeMaint]; ok {
		blocks = append(blocks, "Node:\n  Name:   "+c.Node+"\n  Reason: "+c.Notes)
	}
	for _, id := range slices.Sorted(maps.Keys(checks)) {
		if c := checks[id]; strings.HasPrefix(id, api.ServiceMaintPrefix) {
			blocks = append(blocks, "Service:\n  ID:     "+c.ServiceID+"\n  Reason: "+c.Notes)
		}
	}
	if len(blocks) > 0 {
		u.output("%s", strings.Join(blocks, "\n\n"))
	}
	return 0
}
