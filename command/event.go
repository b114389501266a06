package command

import (
	"flag"
	"regexp"

	"github.com/pylonmesh/pylon/api"
)

const eventHelp = `
Usage: pylon event [options] [payload]

  Fires a custom user event into the datacenter. Agents whose node, and
  optionally services and tags, match the filters (regular expressions)
  hand it to their watches. Delivery is best effort; the payload must be
  small (the event fits one gossip message).

      $ pylon event -name=deploy v1.2.3
      $ pylon event -name=restart -service=web -tag=canary
`

func runEvent(u *ui, args []string) int {
	fs := flag.NewFlagSet("event", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	name := fs.String("name", "", "Name of the event (required).")
	node := fs.String("node", "", "Regular `expression` the receiving nodes' names must match.")
	service := fs.String("service", "", "Regular `expression` one of the receiving agents' services must match.")
	tag := fs.String("tag", "", "Regular `expression` a tag of the matching service must match; needs -service.")
	if done, code := parseFlags(u, fs, args, eventHelp); done {
		return code
	}
	if msg := validateEvent(*name, *node, *service, *tag, fs.NArg()); msg != "" {
		u.error("%s", msg)
		return 1
	}
	var payload []byte
	if fs.NArg() == 1 {
		payload = []byte(fs.Arg(0))
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	id, _, err := client.Event().Fire(&api.UserEvent{Name: *name, Payload: payload,
		NodeFilter: *node, ServiceFilter: *service, TagFilter: *tag}, nil)
	if err != nil {
		u.error("Error firing event: %v", err)
		return 1
	}
	u.output("Event ID: %s", id)
	return 0
}

// validateEvent checks the arguments before anything is sent; it returns
// the message to print, or "".
func validateEvent(name, node, service, tag string, nargs int) string {
	switch {
	case name == "":
		return "Event name must be specified"
	case nargs > 1:
		return "Too many command line arguments"
	case tag != "" && service == "":
		return "Cannot provide tag filter without service filter."
	}
	for _, f := range []struct{ what, expr string }{{"node", node}, {"service", service}, {"tag", tag}} {
		if _, err := regexp.Compile(f.expr); err != nil {
			return "Failed to compile " + f.what + " filter regexp: " + err.Error()
		}
	}
	return ""
}
