package dnsview

import (
	"errors"
	"time"

	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/preparedquery"
	"github.com/pylonmesh/pylon/server/state"
)

// QueryRunner executes a prepared query by name or ID; the local server's
// PreparedQuery method is one.
type QueryRunner func(nameOrID string, opts preparedquery.Options) (preparedquery.Result, error)

// PreparedQuery runs <name>.query lookups through Config.Queries. Unlike
// service lookups these read the store each time: every execution
// shuffles and may sort near the asking client, so there is no single
// answer to keep. Queries for other datacenters are not found until the
// WAN issue brings failover.
func (v *View) PreparedQuery(req dns.PreparedQueryRequest) (dns.PreparedQueryResult, bool) {
	if v.cfg.Queries == nil || (req.Datacenter != "" && req.Datacenter != v.dc) {
		return dns.PreparedQueryResult{}, false
	}
	res, err := v.cfg.Queries(req.Name, preparedquery.Options{Agent: req.Agent, Source: req.Source})
	if err != nil {
		if !errors.Is(err, state.ErrQueryNotFound) && !errors.Is(err, state.ErrTemplateByID) {
			v.log.Warn("prepared query failed", "query", req.Name, "error", err)
		}
		return dns.PreparedQueryResult{}, false
	}
	out := dns.PreparedQueryResult{Datacenter: res.Datacenter, Instances: make([]dns.Instance, 0, len(res.Nodes))}
	for i := range res.Nodes {
		out.Instances = append(out.Instances, instanceOf(&res.Nodes[i], res.Datacenter))
	}
	if res.DNS.TTL != "" {
		if ttl, err := time.ParseDuration(res.DNS.TTL); err == nil {
			out.TTL, out.HasTTL = ttl, true
		}
	}
	return out, true
}
