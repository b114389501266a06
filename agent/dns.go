package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/dnsview"
	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/server/preparedquery"
	"github.com/pylonmesh/pylon/server/state"
)

// startDNS serves DNS on UDP and TCP at the first DNS address, answering
// from a push-updated view of the local server's catalog so that a query
// never waits on a store read or an RPC. A negative port disables DNS.
func (a *Agent) startDNS(cfg *config.Runtime) error {
	if cfg.Ports.DNS < 0 {
		return nil
	}
	logger := a.logger.With("subsystem", "dns")
	viewCfg := dnsview.DefaultConfig(cfg.Datacenter)
	viewCfg.Logger = logger
	store, err := a.dnsStore(&viewCfg)
	if err != nil {
		return err
	}
	view, err := dnsview.New(store, viewCfg)
	if err != nil {
		return fmt.Errorf("dns view: %w", err)
	}
	// With ACLs on, DNS answers what the DNS token may read.
	srv, err := dns.New(cfg.DNS, view, a.dnsAuthorizer(), logger)
	if err != nil {
		view.Close()
		return fmt.Errorf("dns server: %w", err)
	}
	// The same address for both: with port 0 the server gives TCP the port
	// UDP got, retrying when another process holds it on TCP.
	addr := net.JoinHostPort(firstOr(cfg.DNSAddrs, "127.0.0.1"), strconv.Itoa(cfg.Ports.DNS))
	if err := srv.Start(addr, addr); err != nil {
		view.Close()
		return fmt.Errorf("dns listener: %w", err)
	}
	a.dnsView, a.dnsServer = view, srv // the server logs the bound addresses
	return nil
}

// stopDNS stops the DNS server, then the view it reads. It is a no-op when
// DNS was not started.
func (a *Agent) stopDNS(ctx context.Context) error {
	var err error
	if a.dnsServer != nil {
		if serr := a.dnsServer.Shutdown(ctx); serr != nil && !errors.Is(serr, dns.ErrNotStarted) {
			err = fmt.Errorf("stop dns: %w", serr)
		}
	}
	if a.dnsView != nil {
		a.dnsView.Close()
	}
	return err
}

// DNSAddr is the bound UDP address of the DNS server ("" when DNS is off).
func (a *Agent) DNSAddr() string {
	if a.dnsServer == nil {
		return ""
	}
	if addr := a.dnsServer.Addr(); addr != nil {
		return addr.String()
	}
	return ""
}

// dnsStore is the store the DNS view reads nodes from, and sets where its
// service views stream from. A server reads its own store. A client agent
// streams service views from the servers and asks them for nodes
// (Catalog.NodeState), reverse lookups (Catalog.ByAddress) and prepared
// query executions (PreparedQuery.Execute); its own store stays empty.
func (a *Agent) dnsStore(viewCfg *dnsview.Config) (*state.Store, error) {
	if a.server != nil {
		viewCfg.Queries = a.server.PreparedQuery
		return a.server.Store(), nil
	}
	viewCfg.Source = dnsview.ClientSource(a.client)
	viewCfg.Nodes = a.clientNode
	viewCfg.Queries = a.clientPreparedQuery
	viewCfg.Reverse = a.clientReverse
	store, err := state.New()
	if err != nil {
		return nil, fmt.Errorf("dns view store: %w", err)
	}
	return store, nil
}

// dnsRPCTimeout bounds a client agent's call to the servers for a DNS
// lookup.
const dnsRPCTimeout = 2 * time.Second

// clientNode reads a node from the servers for a DNS lookup on a client
// agent; nil when there is no such node.
func (a *Agent) clientNode(name string) (*state.Node, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dnsRPCTimeout)
	defer cancel()
	ns, err := a.client.NodeState(ctx, name)
	if err != nil {
		return nil, err
	}
	return ns.Node, nil
}

// clientReverse asks the servers for a reverse DNS lookup on a client
// agent.
func (a *Agent) clientReverse(addr netip.Addr) (*state.AddressMatches, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dnsRPCTimeout)
	defer cancel()
	return a.client.ByAddress(ctx, addr)
}

// clientPreparedQuery has a server execute a prepared query for a DNS
// lookup on a client agent.
func (a *Agent) clientPreparedQuery(nameOrID string, opts preparedquery.Options) (preparedquery.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dnsRPCTimeout)
	defer cancel()
	return a.client.PreparedQuery(ctx, nameOrID, opts)
}
