package api

import "net/http"

// Catalog reaches the /v1/catalog endpoints: the datacenter-wide registry
// of nodes and services.
type Catalog struct {
	c *Client
}

// Catalog returns a handle for the catalog endpoints.
func (c *Client) Catalog() *Catalog { return &Catalog{c: c} }

// Register writes a node, and optionally a service and checks, straight to
// the catalog.
func (c *Catalog) Register(reg *CatalogRegistration, q *WriteOptions) (*WriteMeta, error) {
	r := c.c.newRequest(http.MethodPut, "/v1/catalog/register")
	r.setWriteOptions(q)
	r.body = reg
	return c.c.exec(r, nil)
}

// Deregister removes a node, or one service or check of it.
func (c *Catalog) Deregister(dereg *CatalogDeregistration, q *WriteOptions) (*WriteMeta, error) {
	r := c.c.newRequest(http.MethodPut, "/v1/catalog/deregister")
	r.setWriteOptions(q)
	r.body = dereg
	return c.c.exec(r, nil)
}

// Datacenters lists the known datacenters, nearest first.
func (c *Catalog) Datacenters() ([]string, error) {
	var out []string
	_, err := c.c.fetch(c.c.newRequest(http.MethodGet, "/v1/catalog/datacenters"), &out)
	return out, err
}

// Nodes lists the catalog's nodes.
func (c *Catalog) Nodes(q *QueryOptions) ([]*Node, *QueryMeta, error) {
	var out []*Node
	qm, err := c.get("/v1/catalog/nodes", q, nil, &out)
	return out, qm, err
}

// Services maps each service name to the union of its instances' tags.
func (c *Catalog) Services(q *QueryOptions) (map[string][]string, *QueryMeta, error) {
	var out map[string][]string
	qm, err := c.get("/v1/catalog/services", q, nil, &out)
	return out, qm, err
}

// Service lists the instances of a service, optionally with a tag.
func (c *Catalog) Service(service, tag string, q *QueryOptions) ([]*CatalogService, *QueryMeta, error) {
	return c.service("/v1/catalog/service/", service, oneTag(tag), q)
}

// ServiceMultipleTags lists the instances of a service that have all tags.
func (c *Catalog) ServiceMultipleTags(service string, tags []string, q *QueryOptions) ([]*CatalogService, *QueryMeta, error) {
	return c.service("/v1/catalog/service/", service, tags, q)
}

// Connect lists the mesh-capable endpoints of a service: its proxies and
// its Connect-native instances.
func (c *Catalog) Connect(service, tag string, q *QueryOptions) ([]*CatalogService, *QueryMeta, error) {
	return c.service("/v1/catalog/connect/", service, oneTag(tag), q)
}

// ConnectMultipleTags is Connect filtered by several tags.
func (c *Catalog) ConnectMultipleTags(service string, tags []string, q *QueryOptions) ([]*CatalogService, *QueryMeta, error) {
	return c.service("/v1/catalog/connect/", service, tags, q)
}

func (c *Catalog) service(prefix, service string, tags []string, q *QueryOptions) ([]*CatalogService, *QueryMeta, error) {
	var out []*CatalogService
	qm, err := c.get(prefix+service, q, map[string][]string{"tag": tags}, &out)
	return out, qm, err
}

// Node returns a node and its services; nil when the node is unknown.
func (c *Catalog) Node(node string, q *QueryOptions) (*CatalogNode, *QueryMeta, error) {
	var out *CatalogNode
	qm, err := c.get("/v1/catalog/node/"+node, q, nil, &out)
	return out, qm, err
}

// NodeServiceList returns a node and a list of its services.
func (c *Catalog) NodeServiceList(node string, q *QueryOptions) (*CatalogNodeServiceList, *QueryMeta, error) {
	var out *CatalogNodeServiceList
	qm, err := c.get("/v1/catalog/node-services/"+node, q, nil, &out)
	return out, qm, err
}

// get performs a catalog read. On error the returned meta is nil.
func (c *Catalog) get(path string, q *QueryOptions, extra map[string][]string, out any) (*QueryMeta, error) {
	return getWith(c.c, path, q, extra, out)
}

// getWith performs a GET with query options and repeated extra parameters.
func getWith(c *Client, path string, q *QueryOptions, extra map[string][]string, out any) (*QueryMeta, error) {
	r := c.newRequest(http.MethodGet, path)
	r.setQueryOptions(q)
	for k, vs := range extra {
		for _, v := range vs {
			r.params.Add(k, v)
		}
	}
	return c.fetch(r, out)
}

// oneTag turns an optional tag into a list.
func oneTag(tag string) []string {
	if tag == "" {
		return nil
	}
	return []string{tag}
}
