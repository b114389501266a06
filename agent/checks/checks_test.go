package checks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pylonmesh/pylon/agent/config"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// update is one call a runner made to its Notifier.
type update struct {
	checkID, status, output string
}

// recorder is a Notifier that keeps every update.
type recorder struct {
	mu      sync.Mutex
	updates []update
}

func (r *recorder) UpdateCheck(checkID, status, output string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates = append(r.updates, update{checkID, status, output})
}

func (r *recorder) all() []update {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]update(nil), r.updates...)
}

func (r *recorder) last() (update, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.updates) == 0 {
		return update{}, false
	}
	return r.updates[len(r.updates)-1], true
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitStatus waits until the last update has status and returns it.
func waitStatus(t *testing.T, r *recorder, status string) update {
	t.Helper()
	var got update
	waitFor(t, "status "+status, func() bool {
		u, ok := r.last()
		got = u
		return ok && u.status == status
	})
	return got
}

// startCheck builds the runner for def, starts it and stops it at cleanup.
func startCheck(t *testing.T, def *config.CheckDefinition, opts Options) (*recorder, Runner) {
	t.Helper()
	rec := &recorder{}
	r, err := New("chk", def, rec, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.Start()
	t.Cleanup(r.Stop)
	return rec, r
}

// testCert makes a self-signed certificate for 127.0.0.1.
func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "pylon-test"},
		DNSNames:     []string{"pylon.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// listenTCP opens a loopback TCP listener closed at cleanup.
func listenTCP(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// discard is a logger that drops everything.
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
