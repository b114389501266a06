package command

import (
	"errors"
	"flag"
	"io"

	"github.com/pylonmesh/pylon/api"
)

// `pylon acl role create|list|read|update|delete`.

// grantFlags are the flags that link policies (and, for tokens, roles)
// and give identities.
type grantFlags struct {
	policyIDs, policyNames listFlag
	roleIDs, roleNames     listFlag
	services, nodes        listFlag
}

func (g *grantFlags) register(fs *flag.FlagSet, roles bool) {
	fs.Var(&g.policyIDs, "policy-id", "`ID` of a policy to link; may repeat.")
	fs.Var(&g.policyNames, "policy-name", "`Name` of a policy to link; may repeat.")
	if roles {
		fs.Var(&g.roleIDs, "role-id", "`ID` of a role to link; may repeat.")
		fs.Var(&g.roleNames, "role-name", "`Name` of a role to link; may repeat.")
	}
	fs.Var(&g.services, "service-identity", "A service identity, `NAME[:DC1,DC2]`; may repeat.")
	fs.Var(&g.nodes, "node-identity", "A node identity, `NODE:DATACENTER`; may repeat.")
}

// identities parses the identity flags.
func (g *grantFlags) identities() ([]*api.ACLServiceIdentity, []*api.ACLNodeIdentity, error) {
	si, err := parseServiceIdentities(g.services)
	if err != nil {
		return nil, nil, err
	}
	ni, err := parseNodeIdentities(g.nodes)
	return si, ni, err
}

const aclRoleCreateHelp = `
Usage: pylon acl role create -name NAME [options]

  Creates a role linking policies and identities.

      $ pylon acl role create -name ops -policy-name kv-app -service-identity web
`

func runACLRoleCreate(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl role create", flag.ContinueOnError)
	var f aclFlags
	var g grantFlags
	f.register(fs)
	g.register(fs, false)
	name := fs.String("name", "", "The role's `name`.")
	desc := fs.String("description", "", "A `description` of the role.")
	c, code, ok := f.start(u, fs, args, aclRoleCreateHelp)
	if !ok {
		return code
	}
	if *name == "" {
		u.error("Missing required '-name' flag")
		return 1
	}
	si, ni, err := g.identities()
	if err != nil {
		u.error("%v", err)
		return 1
	}
	r := &api.ACLRole{Name: *name, Description: *desc, Policies: links(g.policyIDs, g.policyNames),
		ServiceIdentities: si, NodeIdentities: ni}
	out, _, err := c.ACL().RoleCreate(r, nil)
	if err != nil {
		u.error("Failed to create new role: %v", err)
		return 1
	}
	return f.show(u, out, func(w io.Writer) { printRole(w, out) })
}

func runACLRoleList(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl role list", flag.ContinueOnError)
	var f aclFlags
	f.register(fs)
	c, code, ok := f.start(u, fs, args, "Usage: pylon acl role list [options]\n\n  Lists the roles.")
	if !ok {
		return code
	}
	list, _, err := c.ACL().RoleList(f.queryOptions())
	if err != nil {
		u.error("Failed to retrieve the role list: %v", err)
		return 1
	}
	return f.show(u, list, func(w io.Writer) {
		for _, r := range list {
			printRoleListEntry(w, r)
		}
	})
}

// roleRef is -id or -name of the role a command acts on.
type roleRef struct{ id, name string }

func (r *roleRef) register(fs *flag.FlagSet, idOnly bool) {
	fs.StringVar(&r.id, "id", "", "The `ID` of the role.")
	if !idOnly {
		fs.StringVar(&r.name, "name", "", "The `name` of the role.")
	}
}

func (r *roleRef) resolve(c *api.Client, q *api.QueryOptions) (*api.ACLRole, error) {
	var role *api.ACLRole
	var err error
	switch {
	case r.id != "":
		role, _, err = c.ACL().RoleRead(r.id, q)
	case r.name != "":
		role, _, err = c.ACL().RoleReadByName(r.name, q)
	default:
		return nil, errors.New("must specify either the -id or -name flag")
	}
	if err == nil && role == nil {
		err = errors.New("role not found")
	}
	return role, err
}

const aclRoleReadHelp = `
Usage: pylon acl role read (-id ID | -name NAME) [options]

  Prints a role.
`

func runACLRoleRead(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl role read", flag.ContinueOnError)
	var f aclFlags
	var ref roleRef
	f.register(fs)
	ref.register(fs, false)
	c, code, ok := f.start(u, fs, args, aclRoleReadHelp)
	if !ok {
		return code
	}
	r, err := ref.resolve(c, f.queryOptions())
	if err != nil {
		u.error("Error reading role: %v", err)
		return 1
	}
	return f.show(u, r, func(w io.Writer) { printRole(w, r) })
}

const aclRoleUpdateHelp = `
Usage: pylon acl role update -id ID [options]

  Updates a role. Only what is given changes; the policy flags replace
  the role's policies, or add to them with -append.
`

func runACLRoleUpdate(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl role update", flag.ContinueOnError)
	var f aclFlags
	var g grantFlags
	var ref roleRef
	f.register(fs)
	g.register(fs, false)
	ref.register(fs, true)
	name := fs.String("name", "", "The role's new `name`.")
	desc := fs.String("description", "", "The role's new `description`.")
	appendLinks := fs.Bool("append", false, "Add the given policies and identities instead of replacing them.")
	c, code, ok := f.start(u, fs, args, aclRoleUpdateHelp)
	if !ok {
		return code
	}
	if ref.id == "" {
		u.error("Must specify the -id flag")
		return 1
	}
	r, err := ref.resolve(c, nil)
	if err != nil {
		u.error("Error reading role %q: %v", ref.id, err)
		return 1
	}
	si, ni, err := g.identities()
	if err != nil {
		u.error("%v", err)
		return 1
	}
	set := flagsSet(fs)
	if set["name"] {
		r.Name = *name
	}
	if set["description"] {
		r.Description = *desc
	}
	r.Policies = replaceOrAppend(r.Policies, links(g.policyIDs, g.policyNames), *appendLinks)
	r.ServiceIdentities = replaceOrAppend(r.ServiceIdentities, si, *appendLinks)
	r.NodeIdentities = replaceOrAppend(r.NodeIdentities, ni, *appendLinks)
	out, _, err := c.ACL().RoleUpdate(r, nil)
	if err != nil {
		u.error("Failed to update role %s: %v", r.ID, err)
		return 1
	}
	return f.show(u, out, func(w io.Writer) { printRole(w, out) })
}

// replaceOrAppend applies an update's list: none given keeps cur, else
// the given ones replace cur or, with add, join it.
func replaceOrAppend[T any](cur, given []T, add bool) []T {
	switch {
	case len(given) == 0:
		return cur
	case add:
		return append(cur, given...)
	}
	return given
}

func runACLRoleDelete(u *ui, args []string) int {
	fs := flag.NewFlagSet("acl role delete", flag.ContinueOnError)
	var h httpFlags
	var ref roleRef
	h.register(fs)
	ref.register(fs, false)
	if done, code := parseFlags(u, fs, args, "Usage: pylon acl role delete (-id ID | -name NAME) [options]\n\n  Deletes a role."); done {
		return code
	}
	c, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	r, err := ref.resolve(c, nil)
	if err != nil {
		u.error("Error deleting role: %v", err)
		return 1
	}
	if _, err := c.ACL().RoleDelete(r.ID, nil); err != nil {
		u.error("Error deleting role %q: %v", r.ID, err)
		return 1
	}
	u.output("Role %q deleted successfully", r.ID)
	return 0
}
