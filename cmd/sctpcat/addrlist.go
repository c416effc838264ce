package main

import (
	"net"
	"net/netip"
	"strings"
)

// Address lists for multihoming (RFC 9260 §6.4 over UDP encapsulation):
//
//	listen  172.31.1.2,172.31.2.2:5000            bind + bindx
//	connect -bind 172.31.1.1,172.31.2.1 172.31.1.2,172.31.2.2:5000
//	connect [2001:db8::1],[2001:db8:1::1]:5000      IPv6 in brackets
//
// A list names IP literals only, all at the one SCTP port.

// parseIPList parses "IP,IP,..." (IPv6 with or without brackets).
func parseIPList(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, h := range strings.Split(s, ",") {
		h = strings.TrimSpace(h)
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		ip, err := netip.ParseAddr(h)
		if err != nil || ip.Zone() != "" && !ip.Is6() {
			return nil, usageErr("address list %q: %q is not an IP address (a list names IP literals, IPv6 as [::1])", s, h)
		}
		for _, x := range out {
			if x == ip.Unmap() {
				return nil, usageErr("address list %q: %v twice", s, ip)
			}
		}
		out = append(out, ip.Unmap())
	}
	return out, nil
}

// splitPeerList splits a peer address with a host list,
// "H1,H2,...:PORT[/udp:N]", into the first address in the form the rest of
// sctpcat takes ("H1:PORT[/udp:N]") and the further hosts. An address
// without a list is returned as it is.
func splitPeerList(s string) (first string, more []netip.Addr, err error) {
	if !strings.Contains(s, ",") {
		return s, nil, nil
	}
	hp, udp := s, ""
	if i := strings.LastIndex(s, "/udp:"); i >= 0 {
		hp, udp = s[:i], s[i:]
	}
	i := strings.LastIndexByte(hp, ':')
	if i < 0 || strings.LastIndexByte(hp, ']') > i {
		return "", nil, usageErr("address %q: want HOST,HOST,...:PORT (IPv6 as [::1])", s)
	}
	hosts, err := parseIPList(hp[:i])
	if err != nil {
		return "", nil, err
	}
	return net.JoinHostPort(hosts[0].String(), hp[i+1:]) + udp, hosts[1:], nil
}
