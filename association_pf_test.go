package sctp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// RFC 7829 potentially-failed state (SCTP-PF) and the RFC 9260 §6.4
// path choices of pathSet, with a hand-advanced clock.

// pfPaths returns a pathSet with a confirmed primary (0) and a confirmed
// alternate (1), heartbeats on, nothing due before HB.interval.
func pfPaths(t *testing.T, cfg assocConfig) *pathSet {
	t.Helper()
	s := newTestPathSet(t, cfg)
	if alt, ok := s.add(hbT0, hbAlt, true); !ok || alt != 1 {
		t.Fatalf("add alt: %d %v", alt, ok)
	}
	s.startHeartbeats(hbT0)
	wantNoChange(t, s)
	return s
}

// RFC 7829 §5.1: with the default PF threshold 0, the first error (a
// T3-rtx expiry) makes the primary PF: reported (SCTP_ADDR_POTENTIALLY_
// FAILED, §7.1), DATA moves to the alternate, the primary is probed with
// a HEARTBEAT per RTO (not per HB.interval), and its HEARTBEAT ACK makes
// it active again (SCTP_ADDR_AVAILABLE) with the data back on it.
func TestPFFailoverAndFailback(t *testing.T) {
	s := pfPaths(t, assocConfig{})
	now := hbT0.Add(time.Second)
	if s.strike(0, now) {
		t.Fatal("primary inactive after one error")
	}
	wantChange(t, s, 0, pathPotentiallyFailed)
	wantNoChange(t, s)
	if !s.pf(0) || s.usable(0) || s.current() != 1 {
		t.Fatalf("pf %v usable %v current %d, want PF primary and DATA on 1", s.pf(0), s.usable(0), s.current())
	}
	// §5.1: a HEARTBEAT per RTO to the PF destination.
	if due := s.hbDue(s.path(0)); !due.Equal(now.Add(s.path(0).rto)) {
		t.Fatalf("PF probe due %v, want one RTO (%v) after the error", due.Sub(now), s.path(0).rto)
	}
	now = now.Add(s.path(0).rto)
	info, idx := sendHB(t, s, now)
	if idx != 0 {
		t.Fatalf("probe to %d", idx)
	}
	// Unanswered: another error, still PF (errors ≤ Path.Max.Retrans),
	// probed again one (doubled) RTO later.
	rto := s.path(0).rto
	now = s.path(0).hbAckDue
	if n := s.timeout(now); n != 0 {
		t.Fatalf("%d association errors from the probe of a PF path not carrying data", n)
	}
	if s.path(0).errors != 2 || !s.pf(0) || s.path(0).rto != 2*rto {
		t.Fatalf("errors %d pf %v rto %v after an unanswered probe", s.path(0).errors, s.pf(0), s.path(0).rto)
	}
	wantNoChange(t, s)
	now = s.hbDue(s.path(0))
	info, _ = sendHB(t, s, now)
	ackHB(t, s, now.Add(10*time.Millisecond), info)
	wantChange(t, s, 0, pathAvailable)
	if s.pf(0) || s.current() != 0 || s.path(0).errors != 0 {
		t.Fatalf("after the HEARTBEAT ACK: pf %v current %d errors %d", s.pf(0), s.current(), s.path(0).errors)
	}
	// Back to the heartbeat period.
	if due := s.hbDue(s.path(0)); due.Sub(now) < s.cfg.hbInterval {
		t.Fatalf("next heartbeat %v after failback, want ≥ HB.interval", due.Sub(now))
	}
}

// RFC 7829 §5.1: a PF path whose errors pass Path.Max.Retrans is
// inactive (SCTP_ADDR_UNREACHABLE); a SACK for DATA sent to it (§8.2)
// brings it back.
func TestPFThenUnreachableThenAck(t *testing.T) {
	s := pfPaths(t, assocConfig{})
	now := hbT0
	for i := 0; i <= assocDefaultPathMaxRetrans; i++ {
		if became := s.strike(0, now); became != (i == assocDefaultPathMaxRetrans) {
			t.Fatalf("strike %d: becameInactive %v", i, became)
		}
		if i == 0 {
			wantChange(t, s, 0, pathPotentiallyFailed)
		}
	}
	wantChange(t, s, 0, pathUnreachable)
	wantNoChange(t, s)
	s.ackReceived(0, now)
	wantChange(t, s, 0, pathAvailable)
	if s.current() != 0 {
		t.Fatalf("current %d", s.current())
	}
}

// RFC 7829 §5.1: PF threshold ≥ Path.Max.Retrans turns PF off (plain RFC
// 9260 §8.2); a threshold of 2 keeps the primary through two errors.
func TestPFThreshold(t *testing.T) {
	off := pfPaths(t, assocConfig{pfThreshold: assocDefaultPathMaxRetrans})
	for range assocDefaultPathMaxRetrans {
		off.strike(0, hbT0)
	}
	if off.pf(0) || off.current() != 0 {
		t.Fatalf("PF off: pf %v current %d", off.pf(0), off.current())
	}
	wantNoChange(t, off)
	two := pfPaths(t, assocConfig{pfThreshold: 2})
	two.strike(0, hbT0)
	two.strike(0, hbT0)
	if two.pf(0) || two.current() != 0 {
		t.Fatal("PF before the threshold was exceeded")
	}
	two.strike(0, hbT0)
	if !two.pf(0) || two.current() != 1 {
		t.Fatal("not PF past the threshold")
	}
	// A single path has no PF state: nothing to fail over to.
	one := newTestPathSet(t, assocConfig{})
	one.startHeartbeats(hbT0)
	one.strike(0, hbT0)
	if one.pf(0) || one.current() != 0 {
		t.Fatal("PF on a single-path association")
	}
	wantNoChange(t, one)
}

// RFC 7829 §5.1: when every active path is PF, DATA goes to the one
// with the fewest errors; ties go to the primary.
func TestPFAllPotentiallyFailed(t *testing.T) {
	s := pfPaths(t, assocConfig{})
	s.strike(0, hbT0)
	s.strike(1, hbT0)
	if !s.pf(0) || !s.pf(1) || s.current() != 0 {
		t.Fatalf("all PF, equal errors: current %d, want the primary", s.current())
	}
	s.strike(0, hbT0)
	if s.current() != 1 {
		t.Fatalf("all PF: current %d, want the one with fewer errors", s.current())
	}
}

// RFC 9260 §6.4.1: a retransmission goes to an alternate when the data
// path has unanswered errors, while new DATA stays on the primary (PF off
// here, so the primary is still the data path); §6.4: SACKs go to the
// source of the DATA.
func TestRtxPathAndSackPath(t *testing.T) {
	s := pfPaths(t, assocConfig{pfThreshold: assocDefaultPathMaxRetrans})
	if s.rtxPath(0) != 0 {
		t.Fatal("retransmission moved without an error")
	}
	s.strike(0, hbT0)
	// Any retransmission avoids the failing data path while the
	// alternate answers; new DATA stays on the primary.
	if s.current() != 0 || s.rtxPath(0) != 1 || s.rtxPath(1) != 1 {
		t.Fatalf("current %d rtxPath(0) %d rtxPath(1) %d", s.current(), s.rtxPath(0), s.rtxPath(1))
	}
	if s.sackPath() != 0 {
		t.Fatalf("SACK path %d before any DATA", s.sackPath())
	}
	s.noteDataFrom(hbAlt.Addr())
	if s.sackPath() != 1 {
		t.Fatalf("SACK path %d after DATA from the alternate", s.sackPath())
	}
	s.noteDataFrom(netip.MustParseAddr("203.0.113.9"))
	if s.sackPath() != 1 {
		t.Fatal("an unknown source changed the SACK path")
	}
}

// End to end against the scripted peer, defaults: the primary stops
// answering; the first T3-rtx expiry makes it PF (event), the
// retransmission and then new DATA go to the alternate, the primary is
// probed per RTO, and its HEARTBEAT ACK brings new DATA back (RFC 7829
// §5.1, RFC 9260 §6.4.1, §8.3). The peer's DATA from the alternate is
// acknowledged there (§6.4).
func TestPFFailoverScripted(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	tp.startConnect(cfg)
	alt := netip.MustParseAddrPort("192.0.2.2:9899")
	v4 := alt.Addr().As4()
	tp.answerInit(chunk.AppendParam(nil, chunk.ParamIPv4Addr, v4[:]))
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	tp.assoc.data.snd.noRACK = true // T3-rtx alone (no tail loss probe first)
	tp.advance(0)
	p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeat)
	tp.writeFrom(alt, tp.epTag, &chunk.HeartbeatAck{Info: decodeAs(t, p.chunks[0], &chunk.Heartbeat{}).Info})
	tp.assoc.send(tp.now, outMessage{data: []byte("one")})
	tp.collect()
	if p := tp.wantPacket(tp.peerTag, chunk.TypeData); p.to != tp.addr {
		t.Fatalf("DATA to %v, want the primary", p.to)
	}
	// The primary is dead. T3-rtx: the retransmission goes to the alternate.
	tp.advanceToTimer()
	p = tp.wantPacket(tp.peerTag, chunk.TypeData)
	if p.to != alt {
		t.Fatalf("retransmission to %v, want the alternate", p.to)
	}
	var pf bool
	for _, ev := range tp.events {
		if pc, ok := ev.(PeerAddrChange); ok && pc.State == AddrPotentiallyFailed && pc.Addr == tp.addr {
			pf = true
		}
	}
	if !pf {
		t.Fatalf("no ADDR_POTENTIALLY_FAILED: %v", tp.events)
	}
	// The alternate acknowledges; new DATA goes there too.
	tp.writeFrom(alt, tp.epTag, &chunk.Sack{CumTSNAck: tp.assoc.data.snd.nextTSN - 1, ARwnd: 1 << 20})
	tp.assoc.send(tp.now, outMessage{data: []byte("two")})
	tp.collect()
	if p := tp.wantPacket(tp.peerTag, chunk.TypeData); p.to != alt {
		t.Fatalf("new DATA to %v while the primary is PF", p.to)
	}
	tp.writeFrom(alt, tp.epTag, &chunk.Sack{CumTSNAck: tp.assoc.data.snd.nextTSN - 1, ARwnd: 1 << 20})
	// The peer's DATA from the alternate: the SACK goes back there.
	tp.sent = nil
	tp.writeFrom(alt, tp.epTag, tp.data(0, "x"))
	tp.advance(tp.assoc.cfg.sackDelay)
	if len(tp.sent) == 0 {
		t.Fatalf("no SACK; stats %+v", tp.assoc.stats())
	}
	if p := tp.wantPacket(tp.peerTag, chunk.TypeSack); p.to != alt {
		t.Fatalf("SACK to %v, want the DATA's source %v", p.to, alt)
	}
	// The PF primary is probed within an RTO or two; it answers now.
	var hb sentPacket
	for range 4 {
		tp.advanceToTimer()
		for _, q := range tp.sent {
			if q.types()[0] == chunk.TypeHeartbeat && q.to == tp.addr {
				hb = q
			}
		}
		tp.sent = nil
		if hb.to.IsValid() {
			break
		}
	}
	if !hb.to.IsValid() {
		t.Fatal("the PF primary was not probed")
	}
	tp.write(tp.epTag, &chunk.HeartbeatAck{Info: decodeAs(t, hb.chunks[0], &chunk.Heartbeat{}).Info})
	tp.assoc.send(tp.now, outMessage{data: []byte("three")})
	tp.collect()
	if p := tp.wantPacket(tp.peerTag, chunk.TypeData); p.to != tp.addr {
		t.Fatalf("DATA to %v after the primary answered, want it back on the primary", p.to)
	}
	tp.write(tp.epTag, &chunk.Sack{CumTSNAck: tp.assoc.data.snd.nextTSN - 1, ARwnd: 1 << 20})
	// §6.4 with the primary healthy: DATA from the alternate is
	// acknowledged to the alternate, not to our data path.
	tp.sent = nil
	tp.writeFrom(alt, tp.epTag, tp.data(0, "y"))
	tp.advance(tp.assoc.cfg.sackDelay)
	if p := tp.wantPacket(tp.peerTag, chunk.TypeSack); p.to != alt {
		t.Fatalf("SACK to %v with the primary current, want the DATA's source %v", p.to, alt)
	}
}

// RFC 9260 §6.4 with per-destination state: a new primary (ours,
// SCTP_PRIMARY_ADDR, or the peer's ASCONF Set Primary Address, RFC 5061
// §4.2.4, which ends in the same pathSet.setPrimary) takes new DATA at
// once, with that destination's own cwnd.
func TestSetPrimaryMovesNewData(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	tp.startConnect(cfg)
	alt := netip.MustParseAddrPort("192.0.2.2:9899")
	v4 := alt.Addr().As4()
	tp.answerInit(chunk.AppendParam(nil, chunk.ParamIPv4Addr, v4[:]))
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	if err := tp.assoc.setPrimaryPath(alt.Addr()); err == nil {
		t.Fatal("an unconfirmed address became primary (RFC 9260 §5.4)")
	}
	tp.advance(0)
	p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeat)
	tp.writeFrom(alt, tp.epTag, &chunk.HeartbeatAck{Info: decodeAs(t, p.chunks[0], &chunk.Heartbeat{}).Info})
	if err := tp.assoc.setPrimaryPath(alt.Addr()); err != nil {
		t.Fatal(err)
	}
	tp.assoc.send(tp.now, outMessage{data: []byte("to the new primary")})
	tp.collect()
	if p := tp.wantPacket(tp.peerTag, chunk.TypeData); p.to != alt {
		t.Fatalf("DATA to %v, want the new primary %v", p.to, alt)
	}
	if d := tp.assoc.data; d.dest != 1 || d.dst[1].flight == 0 || d.dst[0].flight != 0 {
		t.Fatalf("data path %d, flight %d/%d: want it counted on the new primary", d.dest, d.dst[0].flight, d.dst[1].flight)
	}
	tp.writeFrom(alt, tp.epTag, &chunk.Sack{CumTSNAck: tp.assoc.data.snd.nextTSN - 1, ARwnd: 1 << 20})
	// And back to the first address.
	if err := tp.assoc.setPrimaryPath(tp.addr.Addr()); err != nil {
		t.Fatal(err)
	}
	tp.assoc.send(tp.now, outMessage{data: []byte("back")})
	tp.collect()
	if p := tp.wantPacket(tp.peerTag, chunk.TypeData); p.to != tp.addr {
		t.Fatalf("DATA to %v, want %v", p.to, tp.addr)
	}
}
