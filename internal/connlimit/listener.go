package connlimit

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Listener is a net.Listener whose Accept holds each client address to at
// most max open connections. It is safe for concurrent use.
type Listener struct {
	net.Listener
	max    int
	reject func(net.Conn)

	mu   sync.Mutex
	open map[netip.Addr]int
}

// Wrap caps ln at max open connections per client address; max <= 0 returns
// ln unchanged. reject runs, on a goroutine of its own, for each connection
// over the cap and must close it; nil closes it at once.
func Wrap(ln net.Listener, max int, reject func(net.Conn)) net.Listener {
	if max <= 0 {
		return ln
	}
	if reject == nil {
		reject = func(c net.Conn) { c.Close() }
	}
	return &Listener{Listener: ln, max: max, reject: reject, open: map[netip.Addr]int{}}
}

// Accept returns the next connection whose client is under the cap.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := clientAddr(c)
		if !l.take(addr) {
			go l.reject(c)
			continue
		}
		return &conn{Conn: c, release: func() { l.release(addr) }}, nil
	}
}

// Open returns how many connections of addr are open.
func (l *Listener) Open(addr netip.Addr) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[addr.Unmap()]
}

func (l *Listener) take(addr netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr] >= l.max {
		return false
	}
	l.open[addr]++
	return true
}

func (l *Listener) release(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

// clientAddr is the IP address a connection comes from; connections that
// have none (a unix socket) share the zero address.
func clientAddr(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// conn gives its client's slot back when closed, once.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// rejectWait bounds how long RejectHTTP spends on one connection.
const rejectWait = time.Second

// RejectHTTP answers a connection over the cap with 429 Too Many Requests,
// as Consul's HTTP server does, and closes it. It waits for the request
// first: an HTTP client takes an answer that comes before its request for
// a broken connection. Then it reads what else the client sends until the
// client is done or rejectWait passes, so that the client gets the answer
// rather than a reset for unread data.
func RejectHTTP(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(rejectWait))
	r := bufio.NewReader(c)
	if _, err := http.ReadRequest(r); err != nil {
		return
	}
	const body = "Your IP is issuing too many concurrent connections, please rate limit your calls\n"
	_, err := io.WriteString(c, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Connection: close\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
	if err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, r)
}
