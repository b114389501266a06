package command

import (
	"flag"

	"github.com/pylonmesh/pylon/agent/config"
)

const servicesDeregisterHelp = `
Usage: pylon services deregister [options] [FILE...]

  Removes services from the local agent, named by -id or by the service
  definition files that registered them. Services defined in the agent's
  own config files come back on the next reload; remove them there.

      $ pylon services deregister web.hcl
      $ pylon services deregister -id=web
`

func runServicesDeregister(u *ui, args []string) int {
	fs := flag.NewFlagSet("services deregister", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	id := fs.String("id", "", "ID of the service to deregister.")
	if done, code := parseFlags(u, fs, args, servicesDeregisterHelp); done {
		return code
	}
	ids, code := deregistrationIDs(u, *id, fs.Args())
	if code != 0 {
		return code
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	for _, sid := range ids {
		if err := client.Agent().ServiceDeregister(sid); err != nil {
			u.error("Error deregistering service %q: %v", sid, err)
			return 1
		}
		u.output("Deregistered service: %s", sid)
	}
	return 0
}

// deregistrationIDs returns the service IDs named by -id or by files.
func deregistrationIDs(u *ui, id string, files []string) ([]string, int) {
	switch {
	case id != "" && len(files) > 0:
		u.error("Only one of -id or service definition files may be given")
		return nil, 1
	case id != "":
		return []string{id}, 0
	case len(files) == 0:
		u.error("Either -id or a service definition file must be given")
		return nil, 1
	}
	rt, _, err := config.LoadFiles(files)
	if err != nil {
		u.error("Error loading service definitions: %v", err)
		return nil, 1
	}
	var ids []string
	for _, s := range rt.Services {
		if s.ID != "" {
			ids = append(ids, s.ID)
		} else {
			ids = append(ids, s.Name)
		}
	}
	if len(ids) == 0 {
		u.error("No service definitions found in %v", files)
		return nil, 1
	}
	return ids, 0
}
