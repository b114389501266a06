// Command dnsbench serves DNS for the load benchmark in dns/bench/dnsperf.sh:
// either Pylon's DNS server over an in-memory catalog with a 10-instance
// "web" service (-mode pylon), or a trivial miekg/dns server that answers
// every query with three A records (-mode trivial), the baseline.
//
// It prints "ready <udp addr>" once serving and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/miekg/dns"
	pdns "github.com/pylonmesh/pylon/dns"
	"github.com/pylonmesh/pylon/dns/dnstest"
)

func main() {
	mode := flag.String("mode", "pylon", "pylon or trivial")
	addr := flag.String("addr", "127.0.0.1:0", "UDP and TCP address to serve")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "dnsbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch *mode {
	case "pylon":
		err = servePylon(ctx, *addr)
	case "trivial":
		err = serveTrivial(ctx, *addr)
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "dnsbench:", err)
		os.Exit(1)
	}
}

func servePylon(ctx context.Context, addr string) error {
	cat := dnstest.NewCatalog()
	for i := range 10 {
		tag := "v2"
		if i < 5 {
			tag = "v1"
		}
		cat.AddInstance(pdns.Instance{
			Node:        pdns.Node{Name: fmt.Sprintf("node%d", i), Address: fmt.Sprintf("10.0.0.%d", i+1), Datacenter: "dc1"},
			ServiceID:   "web",
			ServiceName: "web",
			Port:        8080,
			Tags:        []string{tag},
			Status:      pdns.StatusPassing,
		})
	}
	s, err := pdns.New(pdns.DefaultConfig("dc1"), cat, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if err := s.Start(addr, addr); err != nil {
		return err
	}
	fmt.Println("ready", s.Addr())
	<-ctx.Done()
	return s.Shutdown(context.Background())
}

// serveTrivial answers every query with three fixed A records.
func serveTrivial(ctx context.Context, addr string) error {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	ips := []net.IP{net.IPv4(10, 0, 0, 1), net.IPv4(10, 0, 0, 2), net.IPv4(10, 0, 0, 3)}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		for _, ip := range ips {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: req.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET}, A: ip})
		}
		w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: handler}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	errc := make(chan error, 1)
	go func() { errc <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-errc:
		return err
	}
	fmt.Println("ready", pc.LocalAddr())
	<-ctx.Done()
	return srv.Shutdown()
}
