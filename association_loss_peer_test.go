package sctp

import (
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Loss recovery through a whole association against the scripted peer
// (issue 11): the retransmissions leave as packets, driven by SACKs and
// the association's own timers, never by T3-rtx.

// sackFrom is the peer's SACK: cum and gap blocks (offsets from cum).
func sackFrom(cum uint32, gaps ...chunk.GapBlock) *chunk.Sack {
	return &chunk.Sack{CumTSNAck: cum, ARwnd: 65536, Gaps: gaps}
}

// TestPeerLostRetransmissionRepairedWithoutT3: a hole is repaired by the
// RACK timer (RFC 8985 §6.3), the retransmission is lost too, and the SACK
// for data sent after it sends it again at once (§6.2) — all within tens
// of milliseconds, where the RFC 9260 rules alone wait for T3-rtx.
func TestPeerLostRetransmissionRepairedWithoutT3(t *testing.T) {
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	start := tp.now
	// One round trip of 10 ms measured.
	first := tp.sendData(outMessage{data: []byte("m0")})
	tp.advance(10 * time.Millisecond)
	tp.write(tp.epTag, sackFrom(first.TSN))
	// Four messages; the first of them is lost.
	var tsn [4]uint32
	for i := range tsn {
		tsn[i] = tp.sendData(outMessage{data: []byte{'a' + byte(i)}}).TSN
	}
	tp.advance(10 * time.Millisecond)
	tp.write(tp.epTag, sackFrom(first.TSN, chunk.GapBlock{Start: 2, End: 4}))
	if len(tp.sent) != 0 {
		t.Fatalf("retransmitted inside the reordering window: %v", tp.sent)
	}
	// RACK's timer: RTT + min_RTT/4 after the original.
	if step := tp.advanceToTimer(); step > 5*time.Millisecond {
		t.Fatalf("RACK timer after %v", step)
	}
	if d := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeData).chunks[0], &chunk.Data{}); d.TSN != tsn[0] {
		t.Fatalf("retransmitted TSN %d, want %d", d.TSN, tsn[0])
	}
	// The retransmission is lost; a message sent after it gets through.
	tp.advance(time.Millisecond)
	late := tp.sendData(outMessage{data: []byte("late")})
	tp.advance(10 * time.Millisecond)
	tp.write(tp.epTag, sackFrom(first.TSN, chunk.GapBlock{Start: 2, End: uint16(late.TSN - first.TSN)}))
	if d := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeData).chunks[0], &chunk.Data{}); d.TSN != tsn[0] {
		t.Fatalf("second retransmission TSN %d, want %d", d.TSN, tsn[0])
	}
	st := tp.assoc.stats()
	if st.T3Retransmits != 0 || st.FastRetransmits != 2 {
		t.Fatalf("T3 rtx %d, fast rtx %d; want 0 and 2", st.T3Retransmits, st.FastRetransmits)
	}
	if took := tp.now.Sub(start); took >= assocDefaultRTOMin {
		t.Fatalf("repairs took %v, not below RTO.Min", took)
	}
}

// TestPeerTailLossProbe: the last packets of a burst and their SACKs are
// gone; the association probes with the last chunk after 2·SRTT (RFC 8985
// §7), and the peer's answer gets the hole repaired — long before T3-rtx.
func TestPeerTailLossProbe(t *testing.T) {
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	first := tp.sendData(outMessage{data: []byte("m0")})
	tp.advance(10 * time.Millisecond)
	tp.write(tp.epTag, sackFrom(first.TSN))
	a := tp.sendData(outMessage{data: []byte("a")})
	b := tp.sendData(outMessage{data: []byte("b")})
	// Nothing comes back: the probe timer fires first.
	step := tp.advanceToTimer()
	if step > 50*time.Millisecond {
		t.Fatalf("first timer after %v: no tail loss probe", step)
	}
	if d := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeData).chunks[0], &chunk.Data{}); d.TSN != b.TSN {
		t.Fatalf("probe TSN %d, want the last one %d", d.TSN, b.TSN)
	}
	// The probe arrived, 'a' did not: the SACK shows the hole.
	tp.advance(10 * time.Millisecond)
	tp.write(tp.epTag, sackFrom(first.TSN, chunk.GapBlock{Start: 2, End: 2}))
	if len(tp.sent) == 0 {
		tp.advanceToTimer() // RACK's reordering window
	}
	if d := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeData).chunks[0], &chunk.Data{}); d.TSN != a.TSN {
		t.Fatalf("repair TSN %d, want %d", d.TSN, a.TSN)
	}
	if st := tp.assoc.stats(); st.T3Retransmits != 0 {
		t.Fatalf("T3-rtx fired: %+v", st)
	}
}
