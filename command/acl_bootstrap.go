package command

import (
	"flag"
	"io"
)

const aclBootstrapHelp = `
Usage: pylon acl bootstrap [options]

  Creates the first management token of the cluster and prints it. It
  works once; later calls fail with the reset index to write to the
  acl-bootstrap-reset file in the leader's data directory to allow one
  more.

      $ pylon acl bootstrap
`

func runACLBootstrap(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl bootstrap", flag.ContinueOnError)
	var f aclFlags
	f.register(fs)
	c, code, ok := f.start(u, fs, args, aclBootstrapHelp)
	if !ok {
		return code
	}
	if len(fs.Args()) != 0 {
		u.error("Should have no arguments")
		return 1
	}
	tok, _, err := c.ACL().Bootstrap()
	if err != nil {
		u.error("Failed ACL bootstrapping: %v", err)
		return 1
	}
	return f.show(u, tok, func(w io.Writer) { printToken(w, tok) })
}
