package command

import (
	"flag"

	"github.com/pylonmesh/pylon/agent/config"
)

const validateHelp = `
Usage: pylon validate [options] FILE_OR_DIRECTORY...

  Checks that configuration files are valid: every file named, and every
  .hcl and .json file in each directory named, read together as the agent
  would read them. Exits 1 and prints the first error otherwise.

      $ pylon validate /etc/pylon.d/
`

func runValidate(u *ui, args []string) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	quiet := fs.Bool("quiet", false, "Print nothing when the configuration is valid.")
	if done, code := parseFlags(u, fs, args, validateHelp); done {
		return code
	}
	if fs.NArg() == 0 {
		u.error("Must specify at least one config file or directory")
		return 1
	}
	_, warnings, err := config.LoadFiles(fs.Args())
	if err != nil {
		u.error("Config validation failed: %v", err)
		return 1
	}
	for _, w := range warnings {
		u.error("Warning: %s", w)
	}
	if !*quiet {
		u.output("Configuration is valid!")
	}
	return 0
}
