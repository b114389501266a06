// Package dnstest helps test the DNS server and its users: a Recorder that
// stands in for the network as a dns.ResponseWriter, and Catalog, an
// in-memory dns.Catalog whose instances can be changed while it is read.
package dnstest

import (
	"fmt"
	"net"
	"sync"

	"github.com/miekg/dns"
)

// Recorder is a dns.ResponseWriter that keeps what a handler writes. Its
// RemoteAddr tells the handler which transport the query came over.
type Recorder struct {
	remote net.Addr

	mu     sync.Mutex
	writes int
	raw    []byte
	msg    *dns.Msg
	err    error
}

var _ dns.ResponseWriter = (*Recorder)(nil)

// NewRecorder returns a recorder for a query received over network, "udp"
// or "tcp", from 127.0.0.1:53000.
func NewRecorder(network string) *Recorder {
	ip := net.IPv4(127, 0, 0, 1)
	if network == "tcp" {
		return &Recorder{remote: &net.TCPAddr{IP: ip, Port: 53000}}
	}
	return &Recorder{remote: &net.UDPAddr{IP: ip, Port: 53000}}
}

// Msg is the last message written, unpacked from the wire bytes when the
// handler wrote bytes; nil before any write.
func (r *Recorder) Msg() *dns.Msg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.msg
}

// Raw is the last message written, as wire bytes.
func (r *Recorder) Raw() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.raw
}

// Writes counts the messages written.
func (r *Recorder) Writes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writes
}

// Err is the error unpacking the last written bytes, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// WriteMsg packs m, so that what is recorded is what would be sent.
func (r *Recorder) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	_, err = r.Write(b)
	return err
}

// Write records a copy of b and unpacks it.
func (r *Recorder) Write(b []byte) (int, error) {
	raw := append([]byte(nil), b...)
	m := new(dns.Msg)
	err := m.Unpack(raw)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes++
	r.raw, r.msg, r.err = raw, m, err
	if err != nil {
		r.msg = nil
		return len(b), fmt.Errorf("unpack: %w", err)
	}
	return len(b), nil
}

// LocalAddr is 127.0.0.1:8600 over the recorder's transport.
func (r *Recorder) LocalAddr() net.Addr {
	ip := net.IPv4(127, 0, 0, 1)
	if _, ok := r.remote.(*net.TCPAddr); ok {
		return &net.TCPAddr{IP: ip, Port: 8600}
	}
	return &net.UDPAddr{IP: ip, Port: 8600}
}

// RemoteAddr is the client's address given to NewRecorder.
func (r *Recorder) RemoteAddr() net.Addr { return r.remote }

// Close does nothing.
func (r *Recorder) Close() error { return nil }

// TsigStatus reports no TSIG error.
func (r *Recorder) TsigStatus() error { return nil }

// TsigTimersOnly does nothing.
func (r *Recorder) TsigTimersOnly(bool) {}

// Hijack does nothing.
func (r *Recorder) Hijack() {}
