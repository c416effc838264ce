package sctp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// RFC 3758 §3.5 A5, C3, C5 on a multi-homed association: a FORWARD TSN
// that is lost is sent again when a T3-rtx timer expires, even when the
// only chunks outstanding are the abandoned ones it covers, and a T3-rtx
// timer runs for it on the destination it was sent to. Before the fix the
// timer of the destination the abandoned DATA went to expired, found no
// live chunk there and stopped without resending anything: the peer's
// cumulative TSN never passed the abandoned message and the association
// sat in SHUTDOWN-PENDING for good (seeded property test, seeds 543 and
// 648 of 1500: two paths, path cuts, PR-SCTP abandonment).
func TestForwardTSNLostResentOnT3MultiHomed(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.prSCTP = true
	tp.startConnect(cfg)
	alt := netip.MustParseAddrPort("192.0.2.2:9899")
	v4 := alt.Addr().As4()
	params := chunk.AppendParam(nil, chunk.ParamIPv4Addr, v4[:])
	params = chunk.AppendParam(params, chunk.ParamForwardTSNSupported, nil)
	tp.answerInit(params)
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	tp.assoc.data.snd.noRACK = true // T3-rtx alone (no tail loss probe first)
	tp.advance(0)
	p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeat)
	tp.writeFrom(alt, tp.epTag, &chunk.HeartbeatAck{Info: decodeAs(t, p.chunks[0], &chunk.Heartbeat{}).Info})
	if !tp.assoc.data.forwardTSN {
		t.Fatal("PR-SCTP not negotiated")
	}

	// A message with a lifetime goes to the primary and is lost there;
	// the user closes: SHUTDOWN-PENDING until it is acknowledged or
	// skipped (RFC 9260 §9.2).
	d := tp.sendData(outMessage{stream: 1, data: []byte("short-lived"), ttl: 50 * time.Millisecond})
	tp.assoc.shutdown(tp.now)
	tp.collect()
	tp.wantIdle()
	tp.wantState(stateShutdownPending)

	// The primary's T3-rtx expires past the lifetime: the message is
	// abandoned and a FORWARD TSN skips it (A5, C3), to the alternate
	// (the primary failed, §6.4.1). It is lost, and so are the next
	// ones: each time a T3-rtx expires it must come again (C5 kept a
	// timer running for it), to whichever path has fewer errors.
	var fwdTo []netip.AddrPort
	for i := 0; i < 20 && len(fwdTo) < 3; i++ {
		tp.sent = nil
		if tp.ep.deadline().IsZero() {
			t.Fatalf("no timer armed with the FORWARD TSN unanswered (RFC 3758 §3.5 C5); FORWARD TSNs sent to %v", fwdTo)
		}
		tp.advanceToTimer()
		for _, q := range tp.sent {
			for _, c := range q.chunks {
				switch c.Type {
				case chunk.TypeData:
					t.Fatalf("abandoned DATA retransmitted: %v", q)
				case chunk.TypeForwardTSN:
					f := decodeAs(t, c, &chunk.ForwardTSN{})
					if f.NewCumTSN != d.TSN || len(f.Streams) != 1 || f.Streams[0] != (chunk.ForwardTSNStream{Stream: 1, SSN: d.SSN}) {
						t.Fatalf("FORWARD TSN %+v, want new cum TSN %d skipping stream 1 SSN %d", f, d.TSN, d.SSN)
					}
					fwdTo = append(fwdTo, q.to)
					// C5, §6.3.2 R1: the T3-rtx of the destination it
					// went to runs; the abandoned chunks it covers are
					// outstanding there (§8.2: a loss counts there).
					idx, ok := tp.assoc.paths.find(q.to.Addr())
					if !ok || tp.assoc.data.dst[idx].t3.IsZero() {
						t.Fatalf("FORWARD TSN to %v (path %d, %v): its T3-rtx is not running", q.to, idx, ok)
					}
					if ch := tp.assoc.data.snd.chunks.at(0); int(ch.dest) != idx {
						t.Fatalf("abandoned TSN %d recorded to path %d, the FORWARD TSN went to %d", ch.tsn, ch.dest, idx)
					}
				}
			}
		}
		tp.wantState(stateShutdownPending)
	}
	if len(fwdTo) < 3 {
		t.Fatalf("FORWARD TSN sent %d times (to %v) in 20 timer expiries, want it resent after each loss", len(fwdTo), fwdTo)
	}
	if fwdTo[0] != alt {
		t.Fatalf("first FORWARD TSN to %v, want the alternate %v (the primary failed, §6.4.1)", fwdTo[0], alt)
	}

	// The next FORWARD TSN arrives; the peer's SACK acknowledges it and
	// the shutdown proceeds (RFC 9260 §9.2).
	tp.sent = nil
	tp.writeFrom(fwdTo[len(fwdTo)-1], tp.epTag, &chunk.Sack{CumTSNAck: d.TSN, ARwnd: 1 << 20})
	var shut bool
	for _, q := range tp.sent {
		for _, c := range q.chunks {
			shut = shut || c.Type == chunk.TypeShutdown
		}
	}
	if !shut {
		t.Fatalf("no SHUTDOWN after the FORWARD TSN was acknowledged: sent %v, state %v", tp.sent, tp.assoc.currentState())
	}
	tp.wantState(stateShutdownSent)
}
