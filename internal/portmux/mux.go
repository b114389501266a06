package portmux

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Protocol is the first byte of a connection.
type Protocol byte

// Protocols on a server port (Consul's values).
const (
	Raft Protocol = 1
	GRPC Protocol = 8
)

// defaultHandshakeTimeout bounds the wait for a new connection's first
// byte, so a client that connects and says nothing cannot hold a slot.
const defaultHandshakeTimeout = 5 * time.Second

// ErrClosed is returned by the listeners' Accept once the mux is closed.
var ErrClosed = errors.New("portmux: closed")

// Mux splits the connections of one listener by their first byte.
type Mux struct {
	ln        net.Listener
	logger    *slog.Logger
	handshake time.Duration

	mu        sync.Mutex
	listeners map[Protocol]*listener
	closed    chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New wraps ln; a connection that sends no byte within handshake (zero:
// 5s) is closed. Call Listener for each protocol, then Serve.
func New(ln net.Listener, logger *slog.Logger, handshake time.Duration) *Mux {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Mux{ln: ln, logger: logger, handshake: cmp.Or(handshake, defaultHandshakeTimeout),
		listeners: map[Protocol]*listener{}, closed: make(chan struct{})}
}

// Listener returns the listener of one protocol; asking twice for one
// protocol returns the same listener.
func (m *Mux) Listener(p Protocol) net.Listener {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.listeners[p]; ok {
		return l
	}
	l := &listener{m: m, p: p, conns: make(chan net.Conn)}
	m.listeners[p] = l
	return l
}

// Addr is the shared listener's address.
func (m *Mux) Addr() net.Addr { return m.ln.Addr() }

// Serve accepts connections until Close and hands each to the listener of
// its first byte. A connection with an unknown byte, or none within the
// handshake timeout, is closed.
func (m *Mux) Serve() error {
	for {
		conn, err := m.ln.Accept()
		if err != nil {
			select {
			case <-m.closed:
				return nil
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("portmux accept: %w", err)
		}
		// Add under mu, after checking closed: Close sets closed under
		// mu before it waits, so no Add can race with its Wait.
		m.mu.Lock()
		select {
		case <-m.closed:
			m.mu.Unlock()
			conn.Close()
			return nil
		default:
		}
		m.wg.Add(1)
		m.mu.Unlock()
		go func() {
			defer m.wg.Done()
			m.route(conn)
		}()
	}
}

// route reads the first byte and delivers the connection.
func (m *Mux) route(conn net.Conn) {
	_ = conn.SetReadDeadline(time.Now().Add(m.handshake))
	var b [1]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		m.logger.Debug("connection closed before its protocol byte", "remote", conn.RemoteAddr(), "error", err)
		conn.Close()
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	m.mu.Lock()
	l := m.listeners[Protocol(b[0])]
	m.mu.Unlock()
	if l == nil {
		m.logger.Warn("connection for an unknown protocol", "remote", conn.RemoteAddr(), "byte", b[0])
		conn.Close()
		return
	}
	select {
	case l.conns <- conn:
	case <-m.closed:
		conn.Close()
	}
}

// Close stops Serve, closes the shared listener and makes every
// protocol listener's Accept return ErrClosed. It waits for connections
// being routed.
func (m *Mux) Close() error {
	var err error
	m.closeOnce.Do(func() {
		m.mu.Lock()
		close(m.closed)
		m.mu.Unlock()
		err = m.ln.Close()
		m.wg.Wait()
	})
	return err
}

// listener is one protocol's view of the mux.
type listener struct {
	m     *Mux
	p     Protocol
	conns chan net.Conn
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.m.closed:
		return nil, ErrClosed
	}
}

// Close closes the whole mux: protocols share one port and live and die
// together.
func (l *listener) Close() error { return l.m.Close() }

func (l *listener) Addr() net.Addr { return l.m.Addr() }

// Dial connects to a mux at addr and announces protocol p.
func Dial(addr string, p Protocol, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := conn.Write([]byte{byte(p)}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("portmux: announce protocol %d to %s: %w", p, addr, err)
	}
	_ = conn.SetWriteDeadline(time.Time{})
	return conn, nil
}
