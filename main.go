// Command pylon is a service registry and service-mesh control plane that
// speaks Consul's protocols. See package command for the subcommands.
package main

import (
	"os"

	"github.com/pylonmesh/pylon/command"
)

func main() {
	os.Exit(command.Run(os.Args[1:], os.Stdout, os.Stderr))
}
