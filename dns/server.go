package dns

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
	"github.com/pylonmesh/pylon/acl"
)

// Server answers DNS queries from a Catalog. Create it with New, serve with
// Start (or hand ServeDNS to your own miekg server), stop with Shutdown.
type Server struct {
	cfg       Config // normalized: lower-case FQDN domains and datacenter
	cat       Catalog
	queries   PreparedQueryCatalog // nil when cat runs no prepared queries
	lag       LagReporter          // nil when cat does not report lag
	authz     func() acl.Authorizer
	log       *slog.Logger
	domains   []string // Domain and AltDomain, longest first
	ttl       ttlTable
	recursors []string // "ip:port"

	ctx    context.Context // cancelled by Shutdown; bounds recursor exchanges
	cancel context.CancelFunc

	mu      sync.Mutex // guards the fields below
	servers []*dns.Server
	udpAddr net.Addr
	tcpAddr net.Addr
	serving sync.WaitGroup
}

var _ dns.Handler = (*Server)(nil)

// udpReadBuffer is the receive buffer asked for the UDP socket.
const udpReadBuffer = 4 << 20

// New returns a server answering from cat. authz returns the Authorizer of
// the agent's DNS token; it is called per query, so a token change takes
// effect at once. A nil authz allows everything (ACLs disabled); a nil
// logger discards.
func New(cfg Config, cat Catalog, authz func() acl.Authorizer, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cat == nil {
		return nil, fmt.Errorf("%w: nil catalog", ErrInvalidConfig)
	}
	if authz == nil {
		authz = acl.AllowAll
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg.Domain = fqdnLower(cfg.Domain)
	if cfg.AltDomain != "" {
		cfg.AltDomain = fqdnLower(cfg.AltDomain)
	}
	cfg.Datacenter = strings.ToLower(cfg.Datacenter)
	s := &Server{cfg: cfg, cat: cat, authz: authz, log: logger, ttl: newTTLTable(cfg.ServiceTTL)}
	s.queries, _ = cat.(PreparedQueryCatalog)
	s.lag, _ = cat.(LagReporter)
	s.domains = []string{cfg.Domain, cfg.AltDomain}
	if len(cfg.AltDomain) > len(cfg.Domain) {
		s.domains[0], s.domains[1] = cfg.AltDomain, cfg.Domain
	}
	for _, r := range cfg.Recursors {
		addr, _ := recursorAddr(r) // validated above
		s.recursors = append(s.recursors, addr)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Start binds udpAddr and tcpAddr (either may be "" to skip it; port 0 picks
// a free port, the same one for both when both addresses are equal) and
// serves both until Shutdown. It returns once both accept queries.
func (s *Server) Start(udpAddr, tcpAddr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(s.servers) > 0:
		return ErrStarted
	case s.ctx.Err() != nil:
		return ErrShutdown
	case udpAddr == "" && tcpAddr == "":
		return ErrNoListener
	}
	pc, l, err := listen(udpAddr, tcpAddr)
	if err != nil {
		return err
	}
	var servers []*dns.Server
	if pc != nil {
		s.udpAddr = pc.LocalAddr()
		servers = append(servers, &dns.Server{PacketConn: pc, Handler: s})
	}
	if l != nil {
		s.tcpAddr = l.Addr()
		servers = append(servers, &dns.Server{Listener: l, Handler: s})
	}
	for _, srv := range servers {
		s.serve(srv)
	}
	s.servers = servers
	s.log.Info("dns server started", "udp", s.udpAddr, "tcp", s.tcpAddr)
	return nil
}

// listen binds the UDP and TCP sockets. When both addresses are the same
// with port 0, TCP takes the port UDP got, retrying a few times if another
// process holds it.
func listen(udpAddr, tcpAddr string) (net.PacketConn, net.Listener, error) {
	samePort := udpAddr != "" && udpAddr == tcpAddr && strings.HasSuffix(udpAddr, ":0")
	for attempt := 0; ; attempt++ {
		var pc net.PacketConn
		if udpAddr != "" {
			var err error
			if pc, err = listenUDP(udpAddr); err != nil {
				return nil, nil, err
			}
			if samePort {
				tcpAddr = pc.LocalAddr().String()
			}
		}
		if tcpAddr == "" {
			return pc, nil, nil
		}
		l, err := net.Listen("tcp", tcpAddr)
		if err == nil {
			return pc, l, nil
		}
		if pc != nil {
			pc.Close()
		}
		if !samePort || attempt == 4 {
			return nil, nil, fmt.Errorf("listen dns tcp %s: %w", tcpAddr, err)
		}
	}
}

func listenUDP(addr string) (net.PacketConn, error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen dns udp %s: %w", addr, err)
	}
	u, ok := pc.(*net.UDPConn)
	if !ok {
		return pc, nil
	}
	// Room for bursts: the kernel's default buffer drops queries when a
	// few hundred arrive at once. The kernel caps the size at
	// net.core.rmem_max.
	_ = u.SetReadBuffer(udpReadBuffer)
	if local, ok := u.LocalAddr().(*net.UDPAddr); ok && !local.IP.IsUnspecified() {
		return plainUDP{u}, nil
	}
	return u, nil
}

// plainUDP hides the *net.UDPConn of a socket bound to one address from
// miekg's server, which then reads and writes plain datagrams instead of
// carrying each packet's destination address in control messages — a
// third of the cost of a query. A wildcard socket keeps them: it must answer
// from the address the query was sent to.
type plainUDP struct {
	net.PacketConn
}

// serve runs srv in a goroutine and waits until it accepts queries.
func (s *Server) serve(srv *dns.Server) {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	errc := make(chan error, 1)
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		errc <- srv.ActivateAndServe()
	}()
	select {
	case <-started:
	case err := <-errc:
		s.log.Error("dns server stopped", "error", err)
	}
}

// Addr is the bound UDP address, or nil when UDP is not served.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.udpAddr
}

// TCPAddr is the bound TCP address, or nil when TCP is not served.
func (s *Server) TCPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tcpAddr
}

// Shutdown stops both listeners, cancels recursor exchanges in flight and
// waits until every serving goroutine has returned or ctx is done. The
// server cannot be started again.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers := s.servers
	s.servers = nil
	s.mu.Unlock()
	if len(servers) == 0 {
		return ErrNotStarted
	}
	s.cancel()
	var firstErr error
	for _, srv := range servers {
		if err := srv.ShutdownContext(ctx); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("shutdown dns server: %w", err)
		}
	}
	done := make(chan struct{})
	go func() { s.serving.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		if firstErr == nil {
			firstErr = fmt.Errorf("shutdown dns server: %w", ctx.Err())
		}
	}
	s.log.Info("dns server stopped")
	return firstErr
}
