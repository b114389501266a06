package config

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

func (fc *fileConfig) addresses(rt *Runtime, opts buildOptions) error {
	bindDefault := "0.0.0.0"
	if rt.DevMode {
		bindDefault = "127.0.0.1"
	}
	rt.BindAddr = or(fc.BindAddr, bindDefault)
	bind, err := parseIP("bind_addr", rt.BindAddr)
	if err != nil {
		return err
	}
	if fc.AdvertiseAddr != nil {
		if _, err := parseIP("advertise_addr", *fc.AdvertiseAddr); err != nil {
			return err
		}
		rt.AdvertiseAddr = *fc.AdvertiseAddr
	} else if rt.AdvertiseAddr, err = defaultAdvertise(bind); err != nil && !opts.filesOnly {
		// Validating files does not depend on the host's interfaces.
		return err
	}
	rt.AdvertiseAddrWAN = or(fc.AdvertiseAddrWAN, rt.AdvertiseAddr)
	if fc.AdvertiseAddrWAN != nil {
		if _, err := parseIP("advertise_addr_wan", rt.AdvertiseAddrWAN); err != nil {
			return err
		}
	}
	if rt.ClientAddrs, err = ipList("client_addr", or(fc.ClientAddr, "127.0.0.1")); err != nil {
		return err
	}
	if rt.HTTPAddrs, err = ipListOr("addresses.http", fc.Addresses.HTTP, rt.ClientAddrs); err != nil {
		return err
	}
	rt.DNSAddrs, err = ipListOr("addresses.dns", fc.Addresses.DNS, rt.ClientAddrs)
	return err
}

// defaultAdvertise is the bind address, or when binding to every
// interface, the one private IPv4 address of this host.
func defaultAdvertise(bind netip.Addr) (string, error) {
	if !bind.IsUnspecified() {
		return bind.String(), nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", fmt.Errorf("advertise_addr: list interfaces: %w", err)
	}
	var private []string
	for _, a := range addrs {
		pfx, err := netip.ParsePrefix(a.String())
		if err != nil {
			continue
		}
		ip := pfx.Addr()
		if ip.Is4() && (ip.IsPrivate() || netip.MustParsePrefix("100.64.0.0/10").Contains(ip)) {
			private = append(private, ip.String())
		}
	}
	switch len(private) {
	case 0:
		return "", fmt.Errorf("advertise_addr: no private IPv4 address found; set -bind or -advertise")
	case 1:
		return private[0], nil
	}
	return "", fmt.Errorf("advertise_addr: several private IPv4 addresses found (%s); set -bind or -advertise", strings.Join(private, ", "))
}

// ipList splits a space-separated list of IPs, as client_addr is written.
func ipList(key, s string) ([]string, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return nil, fmt.Errorf("%s: empty", key)
	}
	for _, f := range fields {
		if _, err := parseIP(key, f); err != nil {
			return nil, err
		}
	}
	return fields, nil
}

func ipListOr(key string, s *string, def []string) ([]string, error) {
	if s == nil {
		return def, nil
	}
	return ipList(key, *s)
}

func (fc *fileConfig) ports(rt *Runtime, _ buildOptions) error {
	p := fc.Ports
	grpc := -1
	if rt.DevMode {
		grpc = 8502
	}
	rt.Ports = Ports{
		DNS: or(p.DNS, 8600), HTTP: or(p.HTTP, 8500), HTTPS: or(p.HTTPS, -1), GRPC: or(p.GRPC, grpc),
		SerfLAN: or(p.SerfLAN, 8301), SerfWAN: or(p.SerfWAN, 8302), Server: or(p.Server, 8300),
		SidecarMin: or(p.SidecarMinPort, 21000), SidecarMax: or(p.SidecarMaxPort, 21255),
		ExposeMin: or(p.ExposeMinPort, 21500), ExposeMax: or(p.ExposeMaxPort, 21755),
	}
	for name, v := range map[string]int{
		"dns": rt.Ports.DNS, "http": rt.Ports.HTTP, "https": rt.Ports.HTTPS, "grpc": rt.Ports.GRPC,
		"serf_lan": rt.Ports.SerfLAN, "serf_wan": rt.Ports.SerfWAN, "server": rt.Ports.Server,
	} {
		if v < -1 || v > 65535 {
			return fmt.Errorf("ports.%s: %d is not a port (0 picks a free one, -1 disables)", name, v)
		}
	}
	for _, r := range []struct {
		name     string
		min, max int
	}{{"sidecar", rt.Ports.SidecarMin, rt.Ports.SidecarMax}, {"expose", rt.Ports.ExposeMin, rt.Ports.ExposeMax}} {
		if r.min < 1 || r.max > 65535 || r.min > r.max {
			return fmt.Errorf("ports.%s_min_port..%s_max_port: %d..%d is not a port range", r.name, r.name, r.min, r.max)
		}
	}
	return nil
}
