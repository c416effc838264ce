package sctp

import (
	"net/netip"

	"github.com/usctp/sctp/chunk"
)

// Our side of an association's paths: local multihoming over UDP
// encapsulation (RFC 6951 with RFC 9260 §6.4).
//
// One wildcard UDP socket receives on every local address; with
// udpencap's PacketInfo capability each datagram reports the local
// address it was sent to (endpoint.rxLocal) and each sent datagram names
// its source (endpoint.txLocal). The engine decides the source:
//
//   - an association whose socket is bound to specific addresses
//     (assocConfig.laddrs) sends to each peer address from one of them,
//     the one sharing the longest prefix with it (on-link subnets: the
//     address on the peer's subnet), so every path has a fixed source the
//     peer knows (it was listed in INIT / INIT ACK);
//   - an association of a wildcard socket is single-homed (nothing is
//     listed): it answers from the local address the peer set it up with,
//     so a peer that reached us at a secondary address is answered from
//     that address, not from the one the OS would pick;
//   - an invalid source lets the OS choose by its routes (and is all a
//     socket without PacketInfo can do: see udpencap.Message).
//
// When to list addresses (RFC 6951 §5.7: addresses that a NAT may
// translate MUST NOT be put inside SCTP packets): only when the user bound
// two or more specific addresses (Bind + Bindx), which says the endpoint
// is multihomed on addresses the peer can reach as they are. A wildcard
// bind or a single address lists nothing: the peer uses the packet's
// source, which is right across a NAT.

// localAddrs is an association's record of its local side.
type localAddrs struct {
	setup     netip.Addr // local address the peer set the association up with (invalid: unknown)
	setupPeer netip.Addr // the peer address it came from
	initSends int        // INITs sent: retransmissions rotate over the peer's given addresses
}

// listsAddrs reports whether INIT / INIT ACK list our addresses: two or
// more specific addresses bound (RFC 6951 §5.7; see above).
func (c *assocConfig) listsAddrs() bool { return len(c.laddrs) >= 2 }

// servesLocal reports whether a packet sent to our local address l is
// for a socket bound to c.laddrs: any address for a wildcard bind, and
// any when l is unknown (no PacketInfo).
func (c *assocConfig) servesLocal(l netip.Addr) bool {
	if len(c.laddrs) == 0 || !l.IsValid() {
		return true
	}
	l = l.Unmap().WithZone("")
	for _, x := range c.laddrs {
		if x.WithZone("") == l {
			return true
		}
	}
	return false
}

// appendAddrParams appends an IPv4/IPv6 Address parameter (RFC 9260
// §3.3.2.1) for each bound address, when they are to be listed.
func (c *assocConfig) appendAddrParams(b []byte) []byte {
	if !c.listsAddrs() {
		return b
	}
	for _, x := range c.laddrs {
		if x.Is4() {
			v := x.As4()
			b = chunk.AppendParam(b, chunk.ParamIPv4Addr, v[:])
		} else {
			v := x.As16()
			b = chunk.AppendParam(b, chunk.ParamIPv6Addr, v[:])
		}
	}
	return b
}

// sourceFor returns the local address to send to peer address peer from
// (invalid: the OS chooses). It costs a few comparisons per packet.
func (a *association) sourceFor(peer netip.Addr) netip.Addr {
	bound := a.cfg.laddrs
	switch len(bound) {
	case 0:
		if peer == a.local.setupPeer {
			return a.local.setup
		}
		return netip.Addr{}
	case 1:
		if bound[0].Is4() == peer.Is4() {
			return bound[0]
		}
		return netip.Addr{}
	}
	return bestSource(bound, peer)
}

// bestSource picks the address of bound of peer's family sharing the
// longest prefix with peer (the first of equals); invalid if none.
func bestSource(bound []netip.Addr, peer netip.Addr) netip.Addr {
	var best netip.Addr
	bestLen := -1
	for _, x := range bound {
		if x.Is4() != peer.Is4() {
			continue
		}
		if n := commonPrefix(x, peer); n > bestLen {
			best, bestLen = x, n
		}
	}
	return best
}

// commonPrefix counts the leading bits x and y share (same family).
func commonPrefix(x, y netip.Addr) int {
	xb, yb := x.As16(), y.As16()
	n := 0
	start := 0
	if x.Is4() {
		start, n = 12, 0
	}
	for i := start; i < 16; i++ {
		d := xb[i] ^ yb[i]
		if d == 0 {
			n += 8
			continue
		}
		for d&0x80 == 0 {
			n++
			d <<= 1
		}
		return n
	}
	return n
}

// noteSetup records the local address the peer set the association up
// with (the INIT ACK's or COOKIE ECHO's destination).
func (a *association) noteSetup(local, peer netip.Addr) {
	if local.IsValid() {
		a.local.setup, a.local.setupPeer = local.Unmap(), peer.Unmap()
	}
}

// initDest returns where the next INIT goes: the peer addresses the user
// gave (Connectx) in turn, the first one first (RFC 9260 §5.1: a
// retransmitted INIT MAY go to another of the peer's addresses; RFC 6458
// §9.9 has connectx try them all).
func (a *association) initDest() netip.AddrPort {
	n := a.paths.len()
	i := a.local.initSends % n
	a.local.initSends++
	return a.paths.path(i).addr
}
