package main

import (
	"net"
	"net/netip"
	"sync"
)

// A socket of this process connecting to a listening socket of this
// process (a pysctp-style loopback test) must send its INIT to the
// stack's own UDP port, which is not the default remote port 9899 when
// the stack fell back to an ephemeral port (9899 taken) or was configured
// with another one. The C ABI knows which SCTP ports its sockets listen
// on and points such associations at its own UDP port.
var (
	listenMu sync.Mutex
	listenOn = map[uint16]int{} // SCTP port → listening sockets of this process
)

func noteListen(k *sock) {
	l, err := k.s.GetLaddrs(0)
	if err != nil || len(l) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.listenPort != 0 {
		return
	}
	k.listenPort = l[0].Port()
	listenMu.Lock()
	listenOn[k.listenPort]++
	listenMu.Unlock()
}

func forgetListen(port uint16) {
	if port == 0 {
		return
	}
	listenMu.Lock()
	defer listenMu.Unlock()
	if listenOn[port]--; listenOn[port] <= 0 {
		delete(listenOn, port)
	}
}

// isLocalIP reports whether ip is an address of this host.
func isLocalIP(ip netip.Addr) bool {
	if !ip.IsValid() || ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip.Unmap(), 0)))
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// selfTarget reports whether any of addrs is a listening socket of this
// process.
func selfTarget(addrs []netip.AddrPort) bool {
	listenMu.Lock()
	n := 0
	for _, a := range addrs {
		n += listenOn[a.Port()]
	}
	listenMu.Unlock()
	if n == 0 {
		return false
	}
	for _, a := range addrs {
		if isLocalIP(a.Addr()) {
			return true
		}
	}
	return false
}

// withSelfPort runs fn (which starts associations to addrs) with the
// socket's default remote UDP port set to the stack's own port if addrs
// is a listener of this process, and restores it afterwards.
func (k *sock) withSelfPort(addrs []netip.AddrPort, fn func() error) error {
	if !selfTarget(addrs) {
		return fn()
	}
	k.selfMu.Lock()
	defer k.selfMu.Unlock()
	own := k.s.Stack().LocalUDPAddr().Port()
	prev, err := k.s.RemoteUDPEncapsPort(0, netip.AddrPort{})
	if err != nil || prev == own {
		return fn()
	}
	if err := k.s.SetRemoteUDPEncapsPort(0, netip.AddrPort{}, own); err != nil {
		return fn()
	}
	if !k.tcp {
		// A one-to-one socket's default is its association's port:
		// keep it. A one-to-many socket's other peers keep theirs.
		defer k.s.SetRemoteUDPEncapsPort(0, netip.AddrPort{}, prev)
	}
	return fn()
}
