package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pylonmesh/pylon/agent/aclresolve"
	"github.com/pylonmesh/pylon/agent/config"
	"github.com/pylonmesh/pylon/agent/dnsview"
	"github.com/pylonmesh/pylon/agent/healthview"
	"github.com/pylonmesh/pylon/agent/httpapi"
	"github.com/pylonmesh/pylon/agent/local"
	"github.com/pylonmesh/pylon/agent/logmonitor"
	"github.com/pylonmesh/pylon/agent/userevent"
	"github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/gossip"
	"github.com/pylonmesh/pylon/internal/connlimit"
	"github.com/pylonmesh/pylon/server"
)

// Options are what the command layer hands the agent.
type Options struct {
	Config *config.Runtime
	Logger *slog.Logger
	// Reload re-reads the config sources; used by SIGHUP and
	// PUT /v1/agent/reload. Nil disables reloading.
	Reload func() (*config.Runtime, []string, error)
	// TestTimings selects short gossip and Raft timings, for clusters of
	// agents in one test process on loopback. Not for real networks.
	TestTimings bool
}

// Agent is one running node. Create it with New, then Start; Shutdown
// stops everything Start started.
type Agent struct {
	logger *slog.Logger
	logs   *logmonitor.Hub // the watchers of logger's records (/v1/agent/monitor)
	reload func() (*config.Runtime, []string, error)

	mu  sync.Mutex      // serializes registrations, reloads and shutdown
	cfg *config.Runtime // guarded by mu; replaced (never mutated) on reload

	server    *server.Server              // non-nil: this agent is a server
	client    *server.Client              // non-nil: this agent is a client of remote servers
	lan       atomic.Pointer[gossip.Pool] // the LAN pool; nil when gossip is off
	wan       atomic.Pointer[gossip.Pool] // a server's WAN pool (gossip_wan.go); nil on clients
	floodCh   chan struct{}               // wakes floodWAN
	fast      bool                        // Options.TestTimings
	local     *local.State
	checks    *checkSet
	syncer    *local.Syncer
	persist   *persister           // nil without a data dir
	acl       *aclresolve.Resolver // token resolution (acl_resolve.go); nil without ACLs
	aclTokens aclTokenStore        // the agent's tokens set through the API (acl_tokens.go)
	// fromConfig records which services and checks came from config files,
	// so that a reload removes the ones that are gone.
	fromConfig configOwned

	httpServer *http.Server
	httpAPI    *httpapi.Server  // its parked queries are closed at shutdown
	healthView *healthview.View // answers ?cached health reads; closed at shutdown
	httpLn     net.Listener
	httpNew    newConns

	dnsServer *dns.Server   // nil when DNS is off
	dnsView   *dnsview.View // the catalog view dnsServer answers from

	events  *userevent.Buffer // user events this node received
	watches watchRunner       // the watches of the config files

	gossipOps gossipOps // gossip_ops.go: keyring lock, self-shutdown reason

	cancel     context.CancelFunc // stops the syncer and other loops
	wg         sync.WaitGroup
	shutdownCh chan struct{}
	stopOnce   sync.Once
}

// New checks the options; nothing is started until Start.
func New(opts Options) (*Agent, error) {
	if opts.Config == nil {
		return nil, errors.New("agent: no config")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logs := logmonitor.NewHub()
	return &Agent{
		logger:     slog.New(logs.Handler(logger.Handler())),
		logs:       logs,
		reload:     opts.Reload,
		cfg:        opts.Config,
		shutdownCh: make(chan struct{}),
		fromConfig: newConfigOwned(),
		events:     userevent.NewBuffer(),
		fast:       opts.TestTimings,
		floodCh:    make(chan struct{}, 1),
	}, nil
}

// Start runs the server, restores persisted registrations, loads the
// configured services and checks, and opens the HTTP listener.
func (a *Agent) Start(ctx context.Context) error {
	if err := a.start(ctx); err != nil {
		_ = a.Shutdown()
		return err
	}
	return nil
}

func (a *Agent) start(ctx context.Context) error {
	cfg := a.cfg
	nodeID, err := loadNodeID(cfg)
	if err != nil {
		return err
	}
	if cfg.Server {
		if err := a.startServer(ctx, cfg, nodeID); err != nil {
			return err
		}
	} else {
		a.client = server.NewClient(a.logger.With("subsystem", "client"))
		a.client.SetRateLimit(cfg.RPCRate, cfg.RPCMaxBurst)
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.local = local.NewState(nodeIdentity(cfg, nodeID))
	a.checks = newCheckSet(a.local, a.logger)
	if cfg.DataDir != "" {
		a.persist = &persister{dir: cfg.DataDir}
	}
	if err := a.startGossip(loopCtx, cfg, nodeID); err != nil {
		return fmt.Errorf("start gossip: %w", err)
	}

	a.mu.Lock()
	err = a.restorePersisted()
	if err == nil {
		err = a.loadConfigured(cfg)
	}
	a.mu.Unlock()
	if err != nil {
		return err
	}

	// ACLs before anything that calls the servers: the client's calls
	// carry the agent token from the first (anti-entropy's below would
	// otherwise go out anonymous and wait out the retry interval).
	if err := a.startACL(loopCtx, cfg); err != nil {
		return err
	}
	a.syncer = &local.Syncer{
		State: a.local, Catalog: a.catalogForSync(), Logger: a.logger.With("subsystem", "anti-entropy"),
		FullInterval: time.Minute, RetryInterval: 15 * time.Second, CheckUpdateInterval: cfg.CheckUpdateInterval,
	}
	if err := a.joinLAN(loopCtx, cfg); err != nil { // gossip.go: start_join, retry_join
		return err
	}
	// One full sync before the API opens, so the node is in the catalog
	// when the first request comes (a session needs its node). A server
	// still waiting for its cluster skips it: it would only wait out the
	// hold timeout; the sync runs once a leader is elected.
	if a.server == nil || a.server.Leader() != "" {
		if err := a.syncer.SyncFull(ctx); err != nil {
			a.logger.Warn("initial sync failed; anti-entropy will retry", "error", err)
		}
	} else {
		a.goLoop(func() {
			if a.server.WaitForLeader(loopCtx) == nil {
				a.syncer.Resync()
			}
		})
	}
	a.goLoop(func() { a.syncer.Run(loopCtx) })
	a.goLoop(func() { a.reapCritical(loopCtx) })
	a.goLoop(func() { a.runCoordinateSync(loopCtx, cfg.NodeName) }) // coordinate.go
	if err := a.startHTTP(cfg, loopCtx); err != nil {
		return err
	}
	if err := a.startDNS(cfg); err != nil {
		return err
	}
	a.startWatches(cfg)
	return nil
}

func (a *Agent) startServer(ctx context.Context, cfg *config.Runtime, nodeID string) error {
	scfg := server.DefaultConfig()
	scfg.NodeName = cfg.NodeName
	scfg.NodeID = nodeID
	scfg.Datacenter = cfg.Datacenter
	scfg.DataDir = cfg.DataDir
	scfg.Dev = cfg.DevMode
	scfg.RaftAddr = net.JoinHostPort(cfg.BindAddr, strconv.Itoa(cfg.Ports.Server))
	scfg.AdvertiseAddr = cfg.AdvertiseAddr // the bound port is used
	scfg.MaxConnsPerClient, scfg.HandshakeTimeout = cfg.RPCMaxConnsPerClient, cfg.RPCHandshakeTimeout
	scfg.Logger = a.logger // the server adds its own subsystem
	scfg.SessionTTLMin = cfg.SessionTTLMin
	scfg.RaftSnapshotThreshold = uint64(cfg.RaftSnapshotThreshold)
	scfg.RaftSnapshotInterval = cfg.RaftSnapshotInterval
	scfg.RaftTrailingLogs = uint64(cfg.RaftTrailingLogs)
	scfg.FastRaft = a.fast
	scfg.RaftMultiplier, scfg.Autopilot = cfg.RaftMultiplier, serverAutopilot(cfg.Autopilot) // operator.go
	scfg.ACLsEnabled = cfg.ACL.Enabled
	scfg.ACLInitialManagement = cfg.ACL.Tokens.InitialManagement
	scfg.CoordinateUpdatePeriod = a.serverCoordinatePeriod() // coordinate.go
	// Without -bootstrap (or -dev) a server with no state waits for the
	// others: bootstrap-expect, or being added by a cluster's leader.
	scfg.BootstrapExpect = cfg.BootstrapExpect
	scfg.NoBootstrap = !cfg.Bootstrap && !cfg.DevMode
	srv, err := server.New(scfg)
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	a.server = srv
	srv.SetRequestLimits(requestLimits(cfg))
	if scfg.NoBootstrap || scfg.BootstrapExpect > 0 {
		return nil // the leader comes once the cluster forms
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := srv.WaitForLeader(wctx); err != nil {
		return fmt.Errorf("wait for leader: %w", err)
	}
	return nil
}

// startHTTP opens the HTTP API. Requests inherit base, so that blocking
// queries end when the agent shuts down.
func (a *Agent) startHTTP(cfg *config.Runtime, base context.Context) error {
	if cfg.Ports.HTTP < 0 {
		return nil
	}
	addr := net.JoinHostPort(firstOr(cfg.HTTPAddrs, "127.0.0.1"), strconv.Itoa(cfg.Ports.HTTP))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http listener: %w", err)
	}
	ln = connlimit.Wrap(ln, cfg.HTTPMaxConnsPerClient, connlimit.RejectHTTP)
	api := httpapi.New(httpapi.Config{
		Datacenter: cfg.Datacenter, NodeName: cfg.NodeName,
		DefaultQueryTime: cfg.DefaultQueryTime, MaxQueryTime: cfg.MaxQueryTime,
		PrettyJSON: cfg.PrettyJSON, ResponseHeaders: cfg.HTTPResponseHeaders,
		KVMaxValueSize: cfg.KVMaxValueSize, TxnMaxReqLen: cfg.TxnMaxReqLen,
		ParkBlockingQueries: true, ACLsEnabled: cfg.ACL.Enabled, DefaultACLPolicy: defaultACLPolicy(cfg),
		EnableDebug: cfg.EnableDebug,
	}, a.httpCatalog(), a, a.httpAuthorizer(), a.logger.With("subsystem", "http"))
	// ?cached health reads are answered from views over the same source as
	// DNS (dns.go): the local store on a server, the servers' stream on a client.
	src := dnsview.ClientSource(a.client)
	if a.server != nil {
		src = dnsview.StoreSource(a.server.Store())
	}
	hcfg := healthview.DefaultConfig(src)
	hcfg.Logger = a.logger.With("subsystem", "healthview")
	if a.healthView, err = healthview.New(hcfg); err != nil {
		ln.Close()
		return fmt.Errorf("health view: %w", err)
	}
	api.ServeCachedHealthFrom(a.healthView)
	if a.server != nil {
		a.server.SetHTTPHandler(a.limitRequests(api.Handler())) // requests forwarded by clients and followers
		api.ForwardTo(serverForwarder{a: a, leader: leaderForwarder{a.server}})
	} else {
		api.ForwardTo(httpForwarder{a.client})
	}
	a.httpAPI = api
	a.httpLn = ln
	handler := api.Handler()
	if a.server != nil {
		handler = a.limitRequests(handler)
	}
	if a.acl != nil {
		handler = a.acl.PurgeAfterACLWrites(handler)
		if a.server == nil {
			handler = a.acl.DefaultTokenHeader(handler) // forwarded requests carry it
		}
	}
	a.httpServer = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		ConnState:         a.httpNew.track,
	}
	a.goLoop(func() {
		if err := a.httpServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.logger.Error("http server stopped", "error", err)
		}
	})
	a.logger.Info("http api listening", "addr", ln.Addr().String())
	return nil
}

func (a *Agent) goLoop(f func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
}

// HTTPAddr is the bound HTTP address ("" when HTTP is off).
func (a *Agent) HTTPAddr() string {
	if a.httpLn == nil {
		return ""
	}
	return a.httpLn.Addr().String()
}

// ShutdownCh is closed when the agent has shut down.
func (a *Agent) ShutdownCh() <-chan struct{} { return a.shutdownCh }

// Shutdown stops everything Start started. It is safe to call more than
// once and after a failed Start.
func (a *Agent) Shutdown() error {
	var err error
	a.stopOnce.Do(func() {
		a.stopWatches() // before HTTP: they query it
		if a.cancel != nil {
			a.cancel()
		}
		err = errors.Join(err, a.stopHTTP(5*time.Second))
		if a.healthView != nil {
			a.healthView.Close() // after HTTP: its reads use it
		}
		dnsCtx, dnsCancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = errors.Join(err, a.stopDNS(dnsCtx))
		dnsCancel()
		if a.checks != nil {
			a.checks.stopAll()
		}
		a.wg.Wait()
		err = errors.Join(err, stopPool(&a.lan), stopPool(&a.wan))
		if a.server != nil {
			err = errors.Join(err, a.server.Shutdown())
		}
		if a.client != nil {
			err = errors.Join(err, a.client.Close())
		}
		close(a.shutdownCh)
	})
	return err
}

// Local exposes the local state to the HTTP API.
func (a *Agent) Local() *local.State { return a.local }

func (a *Agent) config() *config.Runtime {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

func firstOr(list []string, def string) string {
	if len(list) > 0 && list[0] != "" {
		return list[0]
	}
	return def
}
