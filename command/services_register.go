package command

import (
	"flag"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/api"
)

const servicesRegisterHelp = `
Usage: pylon services register [options] [FILE...]

  Registers services with the local agent, from service definition files
  (HCL or JSON, the same "service" blocks an agent config file takes) or
  from flags for a single service. Registering an ID that exists replaces
  that service.

      $ pylon services register web.hcl
      $ pylon services register -name=web -port=8080 -tag=v1
`

func runServicesRegister(u *ui, args []string) int {
	fs := flag.NewFlagSet("services register", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	name := fs.String("name", "", "Name of the service to register.")
	id := fs.String("id", "", "ID of the service; defaults to the name.")
	address := fs.String("address", "", "Address of the service; defaults to the node's address.")
	port := fs.Int("port", 0, "Port of the service.")
	var tags listFlag
	fs.Var(&tags, "tag", "A `tag` of the service; repeat for several.")
	var meta kvFlag
	fs.Var(&meta, "meta", "A `key=value` metadata pair; repeat for several.")
	if done, code := parseFlags(u, fs, args, servicesRegisterHelp); done {
		return code
	}
	defs, tokens, code := registrationsFromInput(u, fs.Args(), &api.AgentServiceRegistration{
		Name: *name, ID: *id, Address: *address, Port: *port, Tags: tags, Meta: meta,
	})
	if code != 0 {
		return code
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	for i, reg := range defs {
		if err := client.Agent().ServiceRegisterOpts(reg, api.ServiceRegisterOpts{Token: tokens[i]}); err != nil {
			u.error("Error registering service %q: %v", reg.Name, err)
			return 1
		}
		u.output("Registered service: %s", reg.Name)
	}
	return 0
}

// registrationsFromInput returns the services named by files, or the one
// described by flags, with each service's own token ("" for none).
func registrationsFromInput(u *ui, files []string, fromFlags *api.AgentServiceRegistration) ([]*api.AgentServiceRegistration, []string, int) {
	if len(files) == 0 {
		if fromFlags.Name == "" {
			u.error("Service name must be specified with the -name flag or a definition file")
			return nil, nil, 1
		}
		return []*api.AgentServiceRegistration{fromFlags}, []string{""}, 0
	}
	if fromFlags.Name != "" || fromFlags.ID != "" {
		u.error("Flags (-name, -id, ...) and service definition files cannot be combined")
		return nil, nil, 1
	}
	rt, warnings, err := config.LoadFiles(files)
	if err != nil {
		u.error("Error loading service definitions: %v", err)
		return nil, nil, 1
	}
	for _, w := range warnings {
		u.error("Warning: %s", w)
	}
	if len(rt.Services) == 0 {
		u.error("No service definitions found in %v", files)
		return nil, nil, 1
	}
	regs := make([]*api.AgentServiceRegistration, 0, len(rt.Services))
	tokens := make([]string, 0, len(rt.Services))
	for i := range rt.Services {
		regs = append(regs, serviceRegistration(&rt.Services[i]))
		tokens = append(tokens, rt.Services[i].Token)
	}
	return regs, tokens, 0
}
