package checks

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

// udpServer reads datagrams on a loopback socket until the test ends,
// answering each when reply is true.
func udpServer(t *testing.T, reply bool) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 1024)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if reply {
				_, _ = pc.WriteTo(buf[:n], from)
			}
		}
	}()
	t.Cleanup(func() { _ = pc.Close(); wg.Wait() })
	return pc.LocalAddr().String()
}

// closedUDPPort returns a loopback address nothing listens on.
func closedUDPPort(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	_ = pc.Close()
	return addr
}

func TestUDPCheck(t *testing.T) {
	cases := []struct {
		name   string
		addr   string
		status string
		output string
	}{
		{"reply", udpServer(t, true), passing, "reply received"},
		{"silence until timeout", udpServer(t, false), passing, "no reply"},
		{"port unreachable", closedUDPPort(t), critical, "refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, output := probeOnce(t, &config.CheckDefinition{
				UDP: tc.addr, Interval: time.Second, Timeout: 100 * time.Millisecond,
			})
			if status != tc.status || !strings.Contains(output, tc.output) {
				t.Fatalf("got %q %q, want %q containing %q", status, output, tc.status, tc.output)
			}
		})
	}
}

func TestUDPRunnerStopsDuringWait(t *testing.T) {
	addr := udpServer(t, false)
	// A long timeout: Stop must cut the wait for a reply short.
	r, err := New("chk", &config.CheckDefinition{UDP: addr, Interval: time.Millisecond, Timeout: time.Hour}, &recorder{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	r.Stop()
}
