package command

import (
	"flag"
	"maps"
	"slices"
	"strings"

	"github.com/pylonmesh/pylon/api"
)

const catalogServicesHelp = `
Usage: pylon catalog services [options]

  Lists the services registered in a datacenter, or on one node.
`

func runCatalogServices(u *ui, args []string) int {
	fs := flag.NewFlagSet("catalog services", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	node := fs.String("node", "", "Only services registered on this `node` (name or ID).")
	tags := fs.Bool("tags", false, "Show each service's tags.")
	var meta kvFlag
	fs.Var(&meta, "node-meta", "Only services on nodes with this `key=value` metadata; repeat for several.")
	if done, code := parseFlags(u, fs, args, catalogServicesHelp); done {
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
	q.NodeMeta = meta
	services, err := listServices(client, *node, q)
	if err != nil {
		u.error("Error listing services: %v", err)
		return 1
	}
	if len(services) == 0 {
		u.error("No services match the given query - try expanding your search.")
		return 0
	}
	names := slices.Sorted(maps.Keys(services))
	if !*tags {
		for _, name := range names {
			u.output("%s", name)
		}
		return 0
	}
	rows := make([][]string, 0, len(names))
	for _, name := range names {
		rows = append(rows, []string{name, strings.Join(slices.Sorted(slices.Values(services[name])), ",")})
	}
	writeTable(u.out, rows)
	return 0
}

// listServices maps service names to tags, for the datacenter or a node.
func listServices(client *api.Client, node string, q *api.QueryOptions) (map[string][]string, error) {
	if node == "" {
		services, _, err := client.Catalog().Services(q)
		return services, err
	}
	n, _, err := client.Catalog().Node(node, q)
	if err != nil || n == nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, s := range n.Services {
		tags := out[s.Service]
		for _, t := range s.Tags {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		out[s.Service] = tags
	}
	return out, nil
}
