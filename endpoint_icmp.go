package sctp

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

// ICMP errors (RFC 9260 Appendix C, RFC 6951 §5.6). The runtime hands the
// endpoint what the operating system reported about a datagram we sent
// (an icmpEvent); the endpoint ties it to an association through the
// quoted SCTP common header and acts on it only after the rules of
// Appendix C validated it. Nothing here trusts the ICMP sender: every
// field is checked against the association's state, and an ICMP error
// that fails a check is counted (ICMPIgnored) and dropped.

// icmpKind is what an ICMP error reports.
type icmpKind uint8

const (
	icmpOther           icmpKind = iota // any other ICMP error: ignored
	icmpPortUnreachable                 // ICMP port unreachable / ICMPv6 port unreachable
	icmpPacketTooBig                    // ICMP fragmentation needed / ICMPv6 packet too big
)

// icmpEvent is one ICMP error as the runtime reports it.
type icmpEvent struct {
	kind icmpKind
	// to is the destination (peer IP and UDP port) of the datagram the
	// ICMP error is about.
	to netip.AddrPort
	// from is the node that sent the ICMP error, if known.
	from netip.Addr
	// mtu is the next-hop MTU of a Packet Too Big (IP bytes).
	mtu int
	// quoted is the start of the offending datagram's UDP payload: our
	// SCTP packet, as much of it as the ICMP error carried.
	quoted []byte
}

// icmpQuoteMin is the shortest quote that identifies an association: the
// SCTP common header's ports and verification tag (RFC 9260 Appendix C
// ICMP5, ICMP6).
const icmpQuoteMin = 8

// icmpQuoteInit is the shortest quote of an INIT that ICMP6 accepts: the
// common header, the chunk header and the Initiate Tag.
const icmpQuoteInit = commonHeaderLen + 4 + 4

// Safe floors for a path MTU lowered by Packet Too Big (IP bytes): RFC
// 8201 §4 never goes below IPv6's minimum link MTU; for IPv4, 576 is the
// datagram size every host must accept (RFC 791), and RFC 1191 §3 warns
// against believing anything smaller.
const (
	icmpFloorMTU4 = 576
	icmpFloorMTU6 = 1280
)

// handleICMP acts on one ICMP error (RFC 9260 Appendix C).
func (e *endpoint) handleICMP(now time.Time, ev *icmpEvent) {
	e.counters.ICMPIn++
	a, isInit := e.icmpAssoc(ev)
	acted := false
	if a != nil {
		switch ev.kind {
		case icmpPortUnreachable:
			acted = a.icmpUnreachable(now, ev, isInit)
		case icmpPacketTooBig:
			acted = a.icmpPacketTooBig(now, ev)
		}
	}
	if !acted {
		e.counters.ICMPIgnored++
		return
	}
	e.touch(a)
	e.reap()
}

// icmpAssoc finds the association the quoted packet belongs to and checks
// its verification tag (Appendix C ICMP5, ICMP6): a non-zero tag must be
// the peer's tag, the one our packets carry; a zero tag must quote our
// INIT (chunk type and Initiate Tag). isInit reports the latter.
func (e *endpoint) icmpAssoc(ev *icmpEvent) (a *association, isInit bool) {
	q := ev.quoted
	to := netip.AddrPortFrom(ev.to.Addr().Unmap(), ev.to.Port())
	if len(q) < icmpQuoteMin || !to.Addr().IsValid() {
		return nil, false
	}
	src := binary.BigEndian.Uint16(q[0:])
	dst := binary.BigEndian.Uint16(q[2:])
	vtag := binary.BigEndian.Uint32(q[4:])
	a = e.assocs[assocKey{src, dst, to.Addr()}]
	if a == nil || a.state == stateClosed {
		return nil, false
	}
	// The datagram went to the path's current UDP port; an error about an
	// older port (before RFC 6951 §5.4 learnt the peer's) is stale.
	if i, ok := a.pathIdx(to.Addr()); !ok || a.paths.path(i).addr.Port() != to.Port() {
		return nil, false
	}
	if vtag != 0 {
		if a.peerTag == 0 || vtag != a.peerTag {
			return nil, false
		}
		return a, false
	}
	if len(q) < icmpQuoteInit || chunk.Type(q[commonHeaderLen]) != chunk.TypeInit ||
		binary.BigEndian.Uint32(q[commonHeaderLen+4:]) != a.localTag {
		return nil, false
	}
	return a, true
}

// icmpUnreachable handles a port unreachable as protocol unreachable (RFC
// 6951 §5.6): RFC 9260 Appendix C ICMP8 treats it as an ABORT with the T
// bit set, and one quoting our INIT like an ABORT in COOKIE-WAIT. It
// reports whether it acted.
func (a *association) icmpUnreachable(now time.Time, ev *icmpEvent, isInit bool) bool {
	if isInit && a.state != stateCookieWait {
		// An INIT of an earlier attempt: nothing to abort.
		return false
	}
	err := &icmpUnreachableError{to: ev.to, from: ev.from}
	a.log.Debugf("assoc %d: %v: %v", a.aid, a.state, err)
	kind := CommLost
	if a.state == stateCookieWait || a.state == stateCookieEchoed {
		kind = CantStartAssoc
	}
	a.close(now, kind, err, nil)
	return true
}

// icmpPacketTooBig lowers the association's packet size after a Packet
// Too Big / Fragmentation Needed for its current path (Appendix C ICMP7,
// RFC 8201, RFC 1191): only downwards, never below the family's floor.
// With PLPMTUD on, the report is a hint for the machine of the path it is
// about instead (RFC 8899 §4.6.2). It reports whether it acted.
func (a *association) icmpPacketTooBig(now time.Time, ev *icmpEvent) bool {
	if ev.mtu <= 0 {
		return false
	}
	if a.pmtudEnabled() {
		// RFC 8899 §4.6: with PLPMTUD the Packet Too Big is a hint about
		// the path it names, validated by probing (association_pmtud.go).
		idx, ok := a.pathIdx(ev.to.Addr().Unmap())
		return ok && a.pmtudPTB(now, idx, ev.mtu)
	}
	if a.dest().Addr() != ev.to.Addr().Unmap() {
		return false
	}
	floor := icmpFloorMTU6
	if ev.to.Addr().Unmap().Is4() {
		floor = icmpFloorMTU4
	}
	pmtu := max(ev.mtu, floor)
	if pmtu >= a.cfg.pathMTU() {
		// Not lower than what we use: it cannot be about a packet of ours
		// that was too big (or it repeats what we already did).
		return false
	}
	a.lowerMTU(now, pmtu-encapOverhead)
	return true
}

// countICMPDropped counts ICMP reports the runtime dropped before the
// endpoint saw them (its inbox was full).
func (e *endpoint) countICMPDropped(n uint64) {
	e.counters.ICMPIn += n
	e.counters.ICMPIgnored += n
}
