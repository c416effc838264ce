package sctp

import (
	"net/netip"
	"testing"

	"github.com/usctp/sctp/chunk"
)

// addrParam is an IPv4/IPv6 Address parameter (RFC 9260 §3.3.2.1).
func addrParam(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		v := a.As4()
		return chunk.AppendParam(b, chunk.ParamIPv4Addr, v[:])
	}
	v := a.As16()
	return chunk.AppendParam(b, chunk.ParamIPv6Addr, v[:])
}

// TestInitFromUnknownSourceNoTagLeak: during setup, an INIT from an
// off-path source that lists our peer's address must not be answered with
// an INIT ACK carrying our tag (RFC 9260 §5.2.1, §5.2.2): ABORT cause 11 to
// the INIT's own tag, and the association is untouched.
func TestInitFromUnknownSourceNoTagLeak(t *testing.T) {
	for _, echoed := range []bool{false, true} {
		tp := newTestPeer(t)
		tp.listen(testAssocConfig())
		tp.startConnect(testAssocConfig())
		want := stateCookieWait
		if echoed {
			tp.answerInit(nil)
			tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
			want = stateCookieEchoed
		}
		attacker := netip.MustParseAddrPort("198.51.100.66:9899")
		const attackerTag = 0xA77AC4ED
		init := &chunk.Init{InitiateTag: attackerTag, ARwnd: 100000, OutStreams: 8, InStreams: 8, InitialTSN: 7,
			Params: addrParam(nil, tp.addr.Addr())}
		tp.writeFrom(attacker, 0, init)
		for _, p := range tp.sent {
			for _, c := range p.chunks {
				if c.Type == chunk.TypeInitAck {
					t.Fatalf("echoed=%v: INIT ACK sent to %v: %v", echoed, p.to, p)
				}
				if bytesContainU32(c.Value, tp.epTag) {
					t.Fatalf("echoed=%v: our tag %#x revealed in %v", echoed, tp.epTag, p)
				}
			}
			if p.h.VerificationTag == tp.epTag {
				t.Fatalf("echoed=%v: our tag %#x revealed as vtag of %v", echoed, tp.epTag, p)
			}
		}
		p := tp.wantPacket(attackerTag, chunk.TypeAbort)
		if p.to != attacker {
			t.Fatalf("ABORT sent to %v, want %v", p.to, attacker)
		}
		wantCause(t, decodeAs(t, p.chunks[0], &chunk.Abort{}).Causes, chunk.CauseRestartNewAddrs)
		tp.wantIdle()
		// What the attacker can build (an ABORT with the only tag it saw,
		// spoofed from the peer's address) is dropped.
		tp.write(attackerTag, &chunk.Abort{})
		if tp.assoc.currentState() != want || tp.ep.associations() != 1 {
			t.Fatalf("echoed=%v: state %v associations %d", echoed, tp.assoc.currentState(), tp.ep.associations())
		}
	}
}

// TestInitCollisionListsExtraAddresses: a collision INIT from the peer's
// known address that lists more addresses (usrsctp lists all its IPv4 and
// IPv6 addresses) is still answered with the §5.2.1 INIT ACK.
func TestInitCollisionListsExtraAddresses(t *testing.T) {
	tp := newTestPeer(t)
	init := tp.startConnect(testAssocConfig())
	params := addrParam(nil, tp.addr.Addr())
	params = addrParam(params, netip.MustParseAddr("203.0.113.7"))
	params = addrParam(params, netip.MustParseAddr("2001:db8::7"))
	tp.write(0, tp.peerInit(params))
	p := tp.wantPacket(tp.peerTag, chunk.TypeInitAck)
	ack := decodeAs(t, p.chunks[0], &chunk.InitAck{})
	if ack.InitiateTag != init.InitiateTag || p.to != tp.addr {
		t.Fatalf("INIT ACK tag %#x to %v, want %#x to %v", ack.InitiateTag, p.to, init.InitiateTag, tp.addr)
	}
	tp.write(tp.epTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	tp.wantPacket(tp.peerTag, chunk.TypeCookieAck)
	tp.wantEvent(AssocChange{State: CommUp})
}

// TestCookieEchoCaseB_EstablishedKeepsData: a case B COOKIE ECHO (our tag,
// a new peer tag) while ESTABLISHED only replaces the peer's tag (RFC 9260
// §5.2.4 B); data in flight is kept and retransmitted under the new tag.
func TestCookieEchoCaseB_EstablishedKeepsData(t *testing.T) {
	tp := newTestPeer(t)
	tp.startConnect(testAssocConfig())
	// The peer's INIT crosses ours with another tag; keep its cookie.
	firstTag := tp.peerTag
	tp.peerTag = 0x55667788
	tp.write(0, tp.peerInit(nil))
	ack := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeInitAck).chunks[0], &chunk.InitAck{})
	// Our INIT completes with the first tag.
	tp.peerTag = firstTag
	tp.answerInit(nil)
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	tp.wantEvent(AssocChange{State: CommUp})
	if err := tp.assoc.send(tp.now, outMessage{stream: 1, ppid: 9, data: []byte("in flight")}); err != nil {
		t.Fatal(err)
	}
	tp.collect()
	d := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeData).chunks[0], &chunk.Data{})
	before := tp.assoc.data
	// Now the collision cookie arrives: case B.
	tp.peerTag = 0x55667788
	tp.write(tp.epTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	tp.wantPacket(tp.peerTag, chunk.TypeCookieAck)
	if tp.assoc.peerTag != tp.peerTag || tp.assoc.currentState() != stateEstablished {
		t.Fatalf("peer tag %#x state %v", tp.assoc.peerTag, tp.assoc.currentState())
	}
	if tp.assoc.data != before || before.stats().flight == 0 {
		t.Fatalf("data state replaced (flight %d)", tp.assoc.data.stats().flight)
	}
	// T3-rtx retransmits the same DATA under the new tag.
	tp.advanceToTimer()
	r := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeData).chunks[0], &chunk.Data{})
	if r.TSN != d.TSN || string(r.UserData) != "in flight" {
		t.Fatalf("retransmitted TSN %d %q, want %d", r.TSN, r.UserData, d.TSN)
	}
}
