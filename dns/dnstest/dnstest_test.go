package dnstest

import (
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
	pdns "github.com/pylonmesh/pylon/dns"
)

func TestRecorder(t *testing.T) {
	udp, tcp := NewRecorder("udp"), NewRecorder("tcp")
	if _, ok := udp.RemoteAddr().(*net.UDPAddr); !ok {
		t.Errorf("udp recorder RemoteAddr %T", udp.RemoteAddr())
	}
	if _, ok := tcp.RemoteAddr().(*net.TCPAddr); !ok {
		t.Errorf("tcp recorder RemoteAddr %T", tcp.RemoteAddr())
	}
	m := new(dns.Msg).SetQuestion("a.example.", dns.TypeA)
	if err := udp.WriteMsg(m); err != nil {
		t.Fatal(err)
	}
	if udp.Writes() != 1 || udp.Msg() == nil || udp.Msg().Question[0].Name != "a.example." || len(udp.Raw()) == 0 {
		t.Errorf("recorded %d writes, msg %v", udp.Writes(), udp.Msg())
	}
	if _, err := udp.Write([]byte{1, 2, 3}); err == nil || udp.Msg() != nil || udp.Err() == nil || udp.Writes() != 2 {
		t.Errorf("garbage write: err %v, msg %v, writes %d", err, udp.Msg(), udp.Writes())
	}
}

func TestCatalog(t *testing.T) {
	c := NewCatalog()
	n1 := pdns.Node{Name: "N1", Address: "10.0.0.1", Datacenter: "dc1"}
	c.AddInstance(pdns.Instance{Node: n1, ServiceID: "w1", ServiceName: "Web", Address: "10.1.0.1", Status: pdns.StatusPassing})
	held := c.ServiceInstances("dc1", "web")
	if len(held) != 1 {
		t.Fatalf("instances %v", held)
	}
	if !c.SetStatus("N1", "w1", pdns.StatusCritical) || c.SetStatus("N1", "nope", pdns.StatusCritical) {
		t.Error("SetStatus found the wrong instances")
	}
	if held[0].Status != pdns.StatusPassing || c.ServiceInstances("dc1", "web")[0].Status != pdns.StatusCritical {
		t.Error("a change showed in a snapshot a reader held, or not in a new one")
	}
	c.AddInstance(pdns.Instance{Node: n1, ServiceID: "w1", ServiceName: "web", Status: pdns.StatusPassing})
	if got := c.ServiceInstances("dc1", "web"); len(got) != 1 || got[0].Status != pdns.StatusPassing {
		t.Errorf("re-adding did not replace: %v", got)
	}
	if n, ok := c.Node("dc1", "n1"); !ok || n.Address != "10.0.0.1" {
		t.Errorf("Node: %v %v", n, ok)
	}
	if n, ok := c.NodeByAddress("dc1", netip.MustParseAddr("10.0.0.1")); !ok || n.Name != "N1" {
		t.Errorf("NodeByAddress: %v %v", n, ok)
	}
	c.RemoveInstance("N1", "w1")
	if got := c.ServiceInstances("dc1", "web"); len(got) != 0 {
		t.Errorf("after remove: %v", got)
	}
	c.AddConnectInstance("web", pdns.Instance{Node: n1, ServiceID: "p", ServiceName: "web-proxy", Address: "10.2.0.1", Status: pdns.StatusPassing})
	if len(c.ConnectInstances("dc1", "web")) != 1 || len(c.ServiceInstances("dc1", "web-proxy")) != 0 {
		t.Error("connect instances are listed as the wrong service")
	}
	if got := c.ServicesByAddress("dc1", netip.MustParseAddr("10.2.0.1")); len(got) != 0 {
		t.Errorf("ServicesByAddress lists mesh endpoints: %v", got)
	}
}
