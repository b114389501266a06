package command

import (
	"flag"

	"github.com/pylonmesh/pylon/api"
)

const catalogNodesHelp = `
Usage: pylon catalog nodes [options]

  Lists the nodes in the catalog of a datacenter, optionally only those
  providing a service or carrying some node metadata.
`

func runCatalogNodes(u *ui, args []string) int {
	fs := flag.NewFlagSet("catalog nodes", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	detailed := fs.Bool("detailed", false, "Show full node IDs, tagged addresses and metadata.")
	near := fs.String("near", "", "Sort by estimated round-trip time from this `node` (_agent is the agent's own).")
	service := fs.String("service", "", "Only nodes providing this `service` (name or ID).")
	filter := fs.String("filter", "", "Filter `expression` over the nodes.")
	var meta kvFlag
	fs.Var(&meta, "node-meta", "Only nodes with this `key=value` metadata; repeat for several.")
	if done, code := parseFlags(u, fs, args, catalogNodesHelp); done {
		return code
	}
	if fs.NArg() > 0 {
		u.error("Too many arguments (expected 0, got %d)", fs.NArg())
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	q := h.queryOptions()
	q.Near, q.NodeMeta, q.Filter = *near, meta, *filter
	nodes, err := listNodes(client, *service, q)
	if err != nil {
		u.error("Error listing nodes: %v", err)
		return 1
	}
	if len(nodes) == 0 {
		u.error("No nodes match the given query - try expanding your search.")
		return 0
	}
	writeTable(u.out, nodeRows(nodes, *detailed))
	return 0
}

// listNodes returns the catalog's nodes, or those providing service.
func listNodes(client *api.Client, service string, q *api.QueryOptions) ([]*api.Node, error) {
	if service == "" {
		nodes, _, err := client.Catalog().Nodes(q)
		return nodes, err
	}
	instances, _, err := client.Catalog().Service(service, "", q)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var nodes []*api.Node
	for _, s := range instances {
		if seen[s.Node] {
			continue
		}
		seen[s.Node] = true
		nodes = append(nodes, &api.Node{ID: s.ID, Node: s.Node, Address: s.Address, Datacenter: s.Datacenter,
			TaggedAddresses: s.TaggedAddresses, Meta: s.NodeMeta})
	}
	return nodes, nil
}

func nodeRows(nodes []*api.Node, detailed bool) [][]string {
	if detailed {
		rows := [][]string{{"Node", "ID", "Address", "DC", "TaggedAddresses", "Meta"}}
		for _, n := range nodes {
			rows = append(rows, []string{n.Node, n.ID, n.Address, n.Datacenter,
				joinPairs(n.TaggedAddresses, ", "), joinPairs(n.Meta, ", ")})
		}
		return rows
	}
	rows := [][]string{{"Node", "ID", "Address", "DC"}}
	for _, n := range nodes {
		id := n.ID
		if len(id) > 8 {
			id = id[:8]
		}
		rows = append(rows, []string{n.Node, id, n.Address, n.Datacenter})
	}
	return rows
}
