package command

import (
	"errors"
	"flag"
	"io"

	"github.com/pylonmesh/pylon/api"
)

// `pylon acl policy create|list|read|update|delete`.

const aclPolicyCreateHelp = `
Usage: pylon acl policy create -name NAME [options]

  Creates a policy. -rules takes the rules text, @file to read it from a
  file, or - to read standard input.

      $ pylon acl policy create -name kv-app -rules 'key_prefix "app/" { policy = "write" }'
      $ pylon acl policy create -name web -rules @web.hcl -valid-datacenter dc1
`

// policyFields are the flags that set a policy's content.
type policyFields struct {
	name, description, rules string
	datacenters              listFlag
}

func (p *policyFields) register(fs *flag.FlagSet) {
	fs.StringVar(&p.name, "name", "", "The policy's `name`.")
	fs.StringVar(&p.description, "description", "", "A `description` of the policy.")
	fs.StringVar(&p.rules, "rules", "", "The policy `rules`: HCL or JSON, @file, or - for stdin.")
	fs.Var(&p.datacenters, "valid-datacenter", "A `datacenter` the policy applies in; may repeat (default: all).")
}

func runACLPolicyCreate(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl policy create", flag.ContinueOnError)
	var f aclFlags
	var p policyFields
	f.register(fs)
	p.register(fs)
	c, code, ok := f.start(u, fs, args, aclPolicyCreateHelp)
	if !ok {
		return code
	}
	if p.name == "" {
		u.error("Missing required '-name' flag")
		return 1
	}
	rules, err := readRules(p.rules)
	if err != nil {
		u.error("Error loading rules: %v", err)
		return 1
	}
	out, _, err := c.ACL().PolicyCreate(&api.ACLPolicy{Name: p.name, Description: p.description, Rules: rules,
		Datacenters: p.datacenters}, nil)
	if err != nil {
		u.error("Failed to create new policy: %v", err)
		return 1
	}
	return f.show(u, out, func(w io.Writer) { printPolicy(w, out) })
}

const aclPolicyListHelp = `
Usage: pylon acl policy list [options]

  Lists the policies, without their rules.
`

func runACLPolicyList(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl policy list", flag.ContinueOnError)
	var f aclFlags
	f.register(fs)
	c, code, ok := f.start(u, fs, args, aclPolicyListHelp)
	if !ok {
		return code
	}
	list, _, err := c.ACL().PolicyList(f.queryOptions())
	if err != nil {
		u.error("Failed to retrieve the policy list: %v", err)
		return 1
	}
	return f.show(u, list, func(w io.Writer) {
		for _, p := range list {
			printPolicyListEntry(w, p)
		}
	})
}

const aclPolicyReadHelp = `
Usage: pylon acl policy read (-id ID | -name NAME) [options]

  Prints a policy and its rules.

      $ pylon acl policy read -name global-management
`

// policyRef is -id or -name of the policy a command acts on.
type policyRef struct{ id, name string }

func (r *policyRef) register(fs *flag.FlagSet, idOnly bool) {
	fs.StringVar(&r.id, "id", "", "The `ID` of the policy.")
	if !idOnly {
		fs.StringVar(&r.name, "name", "", "The `name` of the policy.")
	}
}

// resolve returns the policy the reference names.
func (r *policyRef) resolve(c *api.Client, q *api.QueryOptions) (*api.ACLPolicy, error) {
	var p *api.ACLPolicy
	var err error
	switch {
	case r.id != "":
		p, _, err = c.ACL().PolicyRead(r.id, q)
	case r.name != "":
		p, _, err = c.ACL().PolicyReadByName(r.name, q)
	default:
		return nil, errors.New("must specify either the -id or -name flag")
	}
	if err == nil && p == nil {
		err = errors.New("policy not found")
	}
	return p, err
}

func runACLPolicyRead(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl policy read", flag.ContinueOnError)
	var f aclFlags
	var ref policyRef
	f.register(fs)
	ref.register(fs, false)
	c, code, ok := f.start(u, fs, args, aclPolicyReadHelp)
	if !ok {
		return code
	}
	p, err := ref.resolve(c, f.queryOptions())
	if err != nil {
		u.error("Error reading policy: %v", err)
		return 1
	}
	return f.show(u, p, func(w io.Writer) { printPolicy(w, p) })
}

const aclPolicyUpdateHelp = `
Usage: pylon acl policy update -id ID [options]

  Updates a policy. Only the fields given change: -name renames it,
  -rules replaces its rules, -valid-datacenter its datacenters.

      $ pylon acl policy update -id 35b8ecb0-... -rules @web.hcl
`

func runACLPolicyUpdate(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl policy update", flag.ContinueOnError)
	var f aclFlags
	var ref policyRef
	var p policyFields
	f.register(fs)
	ref.register(fs, true)
	p.register(fs)
	c, code, ok := f.start(u, fs, args, aclPolicyUpdateHelp)
	if !ok {
		return code
	}
	if ref.id == "" {
		u.error("Must specify the -id flag")
		return 1
	}
	cur, err := ref.resolve(c, nil)
	if err != nil {
		u.error("Error reading policy %q: %v", ref.id, err)
		return 1
	}
	set := flagsSet(fs)
	if set["name"] {
		cur.Name = p.name
	}
	if set["description"] {
		cur.Description = p.description
	}
	if set["rules"] {
		if cur.Rules, err = readRules(p.rules); err != nil {
			u.error("Error loading rules: %v", err)
			return 1
		}
	}
	if set["valid-datacenter"] {
		cur.Datacenters = p.datacenters
	}
	out, _, err := c.ACL().PolicyUpdate(cur, nil)
	if err != nil {
		u.error("Failed to update policy %s: %v", cur.ID, err)
		return 1
	}
	return f.show(u, out, func(w io.Writer) { printPolicy(w, out) })
}

const aclPolicyDeleteHelp = `
Usage: pylon acl policy delete (-id ID | -name NAME) [options]

  Deletes a policy. Tokens and roles that link it stop listing it.
`

func runACLPolicyDelete(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl policy delete", flag.ContinueOnError)
	var h httpFlags
	var ref policyRef
	h.register(fs)
	ref.register(fs, false)
	if done, code := parseFlags(u, fs, args, aclPolicyDeleteHelp); done {
		return code
	}
	c, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	p, err := ref.resolve(c, nil)
	if err != nil {
		u.error("Error deleting policy: %v", err)
		return 1
	}
	if _, err := c.ACL().PolicyDelete(p.ID, nil); err != nil {
		u.error("Error deleting policy %q: %v", p.ID, err)
		return 1
	}
	u.output("Policy %q deleted successfully", p.ID)
	return 0
}

// flagsSet returns the names of the flags given on the command line.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
