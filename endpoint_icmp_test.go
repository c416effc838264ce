package sctp

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/udpencap"
)

// quote builds the start of an SCTP packet of ours as an ICMP error quotes
// it: the common header (our port, the peer's, vtag) and, if ct is not 0,
// a chunk header of type ct followed by tag (an INIT's Initiate Tag).
func (tp *testPeer) quote(vtag uint32, ct chunk.Type, tag uint32) []byte {
	b := make([]byte, 12, 20)
	binary.BigEndian.PutUint16(b[0:], tp.localPort)
	binary.BigEndian.PutUint16(b[2:], tp.peerPort)
	binary.BigEndian.PutUint32(b[4:], vtag)
	if ct != 0 {
		b = append(b, byte(ct), 0, 0, 20)
		b = binary.BigEndian.AppendUint32(b, tag)
	}
	return b
}

func (tp *testPeer) icmp(ev icmpEvent) {
	tp.t.Helper()
	if !ev.to.IsValid() {
		ev.to = tp.addr
	}
	tp.ep.handleICMP(tp.now, &ev)
	tp.collect()
}

func (tp *testPeer) wantICMPCounters(in, ignored uint64) {
	tp.t.Helper()
	if s := tp.ep.stats(); s.ICMPIn != in || s.ICMPIgnored != ignored {
		tp.t.Fatalf("ICMPIn %d ICMPIgnored %d, want %d %d", s.ICMPIn, s.ICMPIgnored, in, ignored)
	}
}

// RFC 6951 §5.6, RFC 9260 Appendix C ICMP6/ICMP8: a port unreachable
// quoting our INIT (vtag 0, our Initiate Tag) ends the attempt in
// COOKIE-WAIT with an error naming the port; nothing is sent.
func TestICMPPortUnreachableEndsCookieWait(t *testing.T) {
	tp := newTestPeer(t)
	tp.startConnect(testAssocConfig())
	from := netip.MustParseAddr("192.0.2.10")
	tp.icmp(icmpEvent{kind: icmpPortUnreachable, from: from, quoted: tp.quote(0, chunk.TypeInit, tp.epTag)})
	ev := tp.wantEvent(AssocChange{State: CantStartAssoc}).(AssocChange)
	if !errors.Is(ev.Err, ErrPortUnreachable) || errors.Is(ev.Err, ErrAssociationFailed) {
		t.Fatalf("err %v, want ErrPortUnreachable", ev.Err)
	}
	for _, want := range []string{"ICMP port unreachable", "UDP port 9899", "192.0.2.10", "RemoteUDPPort"} {
		if !strings.Contains(ev.Err.Error(), want) {
			t.Errorf("error %q does not name %q", ev.Err, want)
		}
	}
	tp.wantIdle()
	if tp.ep.associations() != 0 || !tp.ep.deadline().IsZero() {
		t.Fatalf("%d associations, deadline %v after the abort", tp.ep.associations(), tp.ep.deadline())
	}
	tp.wantICMPCounters(1, 0)
}

// Appendix C ICMP5/ICMP6: an ICMP error that cannot be tied to the
// association by its quote is ignored (counted) and the attempt goes on.
func TestICMPPortUnreachableValidated(t *testing.T) {
	tp := newTestPeer(t)
	tp.startConnect(testAssocConfig())
	otherPort := netip.AddrPortFrom(tp.addr.Addr(), 9898)
	otherAddr := netip.MustParseAddrPort("192.0.2.11:9899")
	short := tp.quote(0, chunk.TypeInit, tp.epTag)[:19]
	cases := []struct {
		name string
		ev   icmpEvent
	}{
		{"wrong Initiate Tag", icmpEvent{quoted: tp.quote(0, chunk.TypeInit, tp.epTag+1)}},
		{"quote too short for the Initiate Tag", icmpEvent{quoted: short}},
		{"quote of the common header only", icmpEvent{quoted: tp.quote(0, 0, 0)}},
		{"vtag 0 but not an INIT", icmpEvent{quoted: tp.quote(0, chunk.TypeCookieEcho, tp.epTag)}},
		{"vtag of nobody (no peer tag yet)", icmpEvent{quoted: tp.quote(tp.peerTag, chunk.TypeData, 0)}},
		{"our own tag reflected", icmpEvent{quoted: tp.quote(tp.epTag, chunk.TypeData, 0)}},
		{"other UDP port than the path's", icmpEvent{to: otherPort, quoted: tp.quote(0, chunk.TypeInit, tp.epTag)}},
		{"other peer address", icmpEvent{to: otherAddr, quoted: tp.quote(0, chunk.TypeInit, tp.epTag)}},
		{"no quote (Windows)", icmpEvent{}},
		{"no destination", icmpEvent{to: netip.AddrPortFrom(netip.Addr{}, 1), quoted: tp.quote(0, chunk.TypeInit, tp.epTag)}},
		{"other ICMP kind", icmpEvent{kind: icmpOther, quoted: tp.quote(0, chunk.TypeInit, tp.epTag)}},
	}
	for i, c := range cases {
		ev := c.ev
		if c.name != "other ICMP kind" {
			ev.kind = icmpPortUnreachable
		}
		if c.name == "no destination" {
			tp.ep.handleICMP(tp.now, &ev)
			tp.collect()
		} else {
			tp.icmp(ev)
		}
		if st := tp.assoc.currentState(); st != stateCookieWait {
			t.Fatalf("%s: state %v, want COOKIE-WAIT", c.name, st)
		}
		tp.wantICMPCounters(uint64(i+1), uint64(i+1))
	}
	tp.wantNoEvent(AssocChange{State: CantStartAssoc})
	// Other SCTP ports in the quote: no association.
	q := tp.quote(0, chunk.TypeInit, tp.epTag)
	binary.BigEndian.PutUint16(q[2:], tp.peerPort+1)
	tp.icmp(icmpEvent{kind: icmpPortUnreachable, quoted: q})
	tp.wantICMPCounters(uint64(len(cases)+1), uint64(len(cases)+1))
	// The handshake still completes.
	tp.answerInit(nil)
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	tp.wantEvent(AssocChange{State: CommUp})
}

// Appendix C ICMP8: past COOKIE-WAIT a port unreachable quoting a packet
// with the peer's tag is an ABORT with the T bit: COOKIE-ECHOED ends the
// attempt (CantStartAssoc), ESTABLISHED the association (CommLost). An
// INIT quote there is of an earlier attempt and ignored.
func TestICMPPortUnreachableAfterCookieWait(t *testing.T) {
	t.Run("COOKIE-ECHOED", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(testAssocConfig())
		tp.answerInit(nil)
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		tp.icmp(icmpEvent{kind: icmpPortUnreachable, quoted: tp.quote(0, chunk.TypeInit, tp.epTag)})
		tp.wantState(stateCookieEchoed)
		tp.icmp(icmpEvent{kind: icmpPortUnreachable, quoted: tp.quote(tp.peerTag, chunk.TypeCookieEcho, 0)})
		ev := tp.wantEvent(AssocChange{State: CantStartAssoc}).(AssocChange)
		if !errors.Is(ev.Err, ErrPortUnreachable) {
			t.Fatalf("err %v", ev.Err)
		}
		tp.wantIdle()
		tp.wantICMPCounters(2, 1)
	})
	t.Run("ESTABLISHED", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.connectHandshake(testAssocConfig())
		tp.icmp(icmpEvent{kind: icmpPortUnreachable, quoted: tp.quote(tp.epTag, chunk.TypeData, 0)})
		tp.wantState(stateEstablished)
		tp.icmp(icmpEvent{kind: icmpPortUnreachable, quoted: tp.quote(tp.peerTag, chunk.TypeData, 0)})
		ev := tp.wantEvent(AssocChange{State: CommLost}).(AssocChange)
		if !errors.Is(ev.Err, ErrPortUnreachable) {
			t.Fatalf("err %v", ev.Err)
		}
		tp.wantIdle()
		if tp.ep.associations() != 0 {
			t.Fatalf("association kept")
		}
		tp.wantICMPCounters(2, 1)
	})
}

// Appendix C ICMP7: Packet Too Big lowers the packet size, only downwards,
// never below the floor, only for the current path and a verified quote;
// new messages are cut to the new size, and DATA cut before the drop is
// still retransmitted (not stalled by the smaller packet limit).
func TestICMPPacketTooBigLowersMTU(t *testing.T) {
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	before := tp.assoc.packetSize()
	big := tp.sendData(outMessage{data: make([]byte, 1400)})
	q := tp.quote(tp.peerTag, chunk.TypeData, 0)
	for _, ev := range []icmpEvent{
		{kind: icmpPacketTooBig, mtu: 1400, quoted: tp.quote(tp.epTag, chunk.TypeData, 0)},                          // our own tag
		{kind: icmpPacketTooBig, mtu: 9000, quoted: q},                                                              // not lower
		{kind: icmpPacketTooBig, mtu: 1000, quoted: q, to: netip.MustParseAddrPort("192.0.2.99:9899")},              // not our path
		{kind: icmpPacketTooBig, mtu: 0, quoted: q},                                                                 // no MTU
		{kind: icmpPacketTooBig, mtu: before + encapOverhead, quoted: q},                                            // what we use
		{kind: icmpPacketTooBig, mtu: 1000, quoted: append(tp.quote(tp.peerTag, chunk.TypeData, 0)[:4:4], 0, 0, 0)}, // short
	} {
		tp.icmp(ev)
		if got := tp.assoc.packetSize(); got != before {
			t.Fatalf("%+v changed the packet size to %d", ev, got)
		}
	}
	tp.wantICMPCounters(6, 6)
	tp.icmp(icmpEvent{kind: icmpPacketTooBig, mtu: 1000, quoted: q})
	if got := tp.assoc.packetSize(); got != 1000-encapOverhead {
		t.Fatalf("packet size %d after PTB 1000, want %d", got, 1000-encapOverhead)
	}
	tp.icmp(icmpEvent{kind: icmpPacketTooBig, mtu: 68, quoted: q}) // below the IPv4 floor
	if got := tp.assoc.packetSize(); got != icmpFloorMTU4-encapOverhead {
		t.Fatalf("packet size %d after PTB 68, want the floor %d", got, icmpFloorMTU4-encapOverhead)
	}
	tp.wantICMPCounters(8, 6)
	if s := tp.assoc.stats(); s.PMTUDecreases != 2 {
		t.Fatalf("PMTUDecreases %d", s.PMTUDecreases)
	}
	// The 1400-byte chunk sent before the drop is retransmitted on T3.
	tp.advanceToTimer()
	p := tp.wantPacket(tp.peerTag, chunk.TypeData)
	if d := decodeAs(t, p.chunks[0], &chunk.Data{}); d.TSN != big.TSN || len(d.UserData) != 1400 {
		t.Fatalf("retransmission %v, want TSN %d with 1400 bytes", d.TSN, big.TSN)
	}
	tp.write(tp.epTag, &chunk.Sack{CumTSNAck: big.TSN, ARwnd: 100000})
	// A new message is cut to the new size.
	if err := tp.assoc.send(tp.now, outMessage{data: make([]byte, 1200)}); err != nil {
		t.Fatal(err)
	}
	tp.collect()
	// After the T3-rtx, cwnd is one PMDCS of the new size and grows by
	// one per SACK (§7.2.1): the peer acknowledges what came until all
	// 1,200 bytes are out.
	n, got, seen := 0, 0, 0
	for round := 0; got < 1200 && round < 5; round++ {
		var top uint32
		for _, p := range tp.sent[seen:] {
			size := 12
			for _, c := range p.chunks {
				size += 4 + len(c.Value)
				if c.Type == chunk.TypeData {
					d := decodeAs(t, c, &chunk.Data{})
					got, top = got+len(d.UserData), d.TSN
				}
			}
			if size > icmpFloorMTU4-encapOverhead {
				t.Errorf("packet %v of %d bytes after the drop to %d", p, size, icmpFloorMTU4-encapOverhead)
			}
			n++
		}
		seen = len(tp.sent)
		if got < 1200 && top != 0 {
			tp.write(tp.epTag, &chunk.Sack{CumTSNAck: top, ARwnd: 100000})
		}
	}
	if got != 1200 {
		t.Fatalf("%d of 1200 bytes sent", got)
	}
	if n < 3 {
		t.Fatalf("1200 bytes went out in %d packets, want at least 3 of at most %d bytes", n, icmpFloorMTU4-encapOverhead)
	}
}

// A flood of ICMP reports beyond the runtime's inbox is counted, not
// queued without bound.
func TestICMPInboxBounded(t *testing.T) {
	b := newICMPInbox()
	b.wake = make(chan struct{}, 1)
	for range icmpInboxMax + 10 {
		b.push(udpencap.ICMPError{PortUnreachable: true, To: netip.MustParseAddrPort("127.0.0.1:9"), Payload: make([]byte, 100)})
	}
	q, dropped := b.take()
	if len(q) != icmpInboxMax || dropped != 10 {
		t.Fatalf("%d queued, %d dropped", len(q), dropped)
	}
	if len(q[0].ev.quoted) != icmpQuoteKeep {
		t.Fatalf("quote of %d bytes kept, want %d", len(q[0].ev.quoted), icmpQuoteKeep)
	}
	ep := newTestEndpoint(t, 1)
	ep.countICMPDropped(dropped)
	if s := ep.stats(); s.ICMPIn != 10 || s.ICMPIgnored != 10 {
		t.Fatalf("stats %+v", s)
	}
}
