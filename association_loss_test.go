package sctp

import (
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Tests of RACK-TLP (RFC 8985) as adapted to SCTP (association_loss.go):
// the pure rackState with a hand clock, then the data path driven by
// hand-made SACKs.

var rackT0 = time.Unix(1_700_000_000, 0)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// TestRACKFollowsMostRecentlySent: RACK.xmit_ts/end_seq/rtt follow the
// delivered chunk sent last (RFC 8985 §6.2 step 2), not the highest TSN.
func TestRACKFollowsMostRecentlySent(t *testing.T) {
	var r rackState
	r.delivered(rackT0.Add(ms(30)), rackT0.Add(ms(10)), 7, false)
	if !r.xmitTS.Equal(rackT0.Add(ms(10))) || r.endTSN != 7 || r.rtt != ms(20) || r.minRTT != ms(20) {
		t.Fatalf("after first: %+v", r)
	}
	// A higher TSN sent earlier does not move RACK back.
	r.delivered(rackT0.Add(ms(31)), rackT0.Add(ms(5)), 9, false)
	if r.endTSN != 7 || r.fack != 9 {
		t.Fatalf("older transmission moved RACK: %+v", r)
	}
	// A retransmission (lower TSN, later transmit time) moves it.
	r.delivered(rackT0.Add(ms(60)), rackT0.Add(ms(40)), 3, true)
	if r.endTSN != 3 || !r.xmitTS.Equal(rackT0.Add(ms(40))) || r.rtt != ms(20) {
		t.Fatalf("retransmission not followed: %+v", r)
	}
	// Same transmit time: the higher TSN wins.
	r.delivered(rackT0.Add(ms(61)), rackT0.Add(ms(40)), 4, false)
	if r.endTSN != 4 {
		t.Fatalf("tie not broken by TSN: %+v", r)
	}
}

// TestRACKIgnoresAckOfOriginal: a retransmitted chunk acknowledged sooner
// than min RTT after its retransmission was delivered by the original
// (RFC 8985 §6.2 step 2): it neither moves RACK nor feeds min RTT.
func TestRACKIgnoresAckOfOriginal(t *testing.T) {
	var r rackState
	r.delivered(rackT0.Add(ms(20)), rackT0, 1, false) // min RTT 20 ms
	r.delivered(rackT0.Add(ms(105)), rackT0.Add(ms(100)), 2, true)
	if r.endTSN != 1 || r.minRTT != ms(20) {
		t.Fatalf("early ack of a retransmission was used: %+v", r)
	}
	// A retransmission's own sample never lowers min RTT (Karn).
	r.delivered(rackT0.Add(ms(230)), rackT0.Add(ms(200)), 3, true)
	if r.endTSN != 3 || r.minRTT != ms(20) {
		t.Fatalf("retransmission sample: %+v", r)
	}
}

// TestRACKReorderingWindow: RFC 8985 §6.2 steps 3–4.
func TestRACKReorderingWindow(t *testing.T) {
	var r rackState
	r.delivered(rackT0.Add(ms(40)), rackT0, 10, false) // min RTT 40 ms
	if w := r.reoWnd(ms(40), false); w != ms(10) {
		t.Fatalf("reoWnd %v, want min_RTT/4", w)
	}
	if w := r.reoWnd(ms(40), true); w != 0 {
		t.Fatalf("in recovery without reordering: reoWnd %v, want 0", w)
	}
	// Step 3: a never-retransmitted chunk below fack is reordering.
	r.delivered(rackT0.Add(ms(41)), rackT0, 8, false)
	if !r.reorder || r.reoWnd(ms(40), true) != ms(10) {
		t.Fatalf("reordering not seen: %+v", r)
	}
	// Step 4 with Duplicate TSNs as DSACK: one step per round trip.
	r.spurious(100, 120)
	r.spurious(110, 125) // same round (cum ack below 120)
	if w := r.reoWnd(ms(40), false); w != ms(20) {
		t.Fatalf("after one round with spurious rtx: reoWnd %v, want 2·min_RTT/4", w)
	}
	r.spurious(120, 130)
	r.spurious(130, 140)
	r.spurious(140, 150)
	if w := r.reoWnd(ms(30), false); w != ms(30) {
		t.Fatalf("reoWnd %v, want capped at SRTT", w)
	}
	// 16 recoveries without a new spurious retransmission reset it.
	for range rackReoWndPersist {
		r.recoveryEnded()
	}
	if w := r.reoWnd(ms(40), false); w != ms(10) {
		t.Fatalf("after %d recoveries: reoWnd %v, want min_RTT/4", rackReoWndPersist, w)
	}
}

// TestRACKLostAt: RFC 8985 §6.2 step 5.
func TestRACKLostAt(t *testing.T) {
	var r rackState
	if _, ok := r.lostAt(rackT0, 1, 0); ok {
		t.Fatal("judged before anything was delivered")
	}
	r.delivered(rackT0.Add(ms(25)), rackT0.Add(ms(5)), 5, false) // rtt 20
	if at, ok := r.lostAt(rackT0, 4, ms(3)); !ok || !at.Equal(rackT0.Add(ms(23))) {
		t.Fatalf("lostAt = %v %v, want sent + rtt + reoWnd", at, ok)
	}
	if at, ok := r.lostAt(rackT0.Add(ms(5)), 4, 0); !ok || !at.Equal(rackT0.Add(ms(25))) {
		t.Fatalf("same transmit time, lower TSN: %v %v", at, ok)
	}
	if _, ok := r.lostAt(rackT0.Add(ms(5)), 6, 0); ok {
		t.Fatal("same transmit time, higher TSN judged")
	}
	if _, ok := r.lostAt(rackT0.Add(ms(6)), 2, 0); ok {
		t.Fatal("a chunk sent after the RACK chunk judged")
	}
}

// TestProbeTimeout: RFC 8985 §7.2.
func TestProbeTimeout(t *testing.T) {
	if p := probeTimeout(0, false, 3, ms(200)); p != time.Second {
		t.Fatalf("no RTT: PTO %v, want 1 s", p)
	}
	if p := probeTimeout(ms(10), true, 3, ms(200)); p != ms(20) {
		t.Fatalf("PTO %v, want 2·SRTT", p)
	}
	if p := probeTimeout(ms(10), true, 1, ms(200)); p != ms(220) {
		t.Fatalf("one chunk out: PTO %v, want 2·SRTT + SACK delay", p)
	}
}

// lossTestData is a data path with a 10 ms RTT measured (one chunk sent at
// rackT0 and acknowledged at rackT0+10ms), RTO.Min 1 s.
func lossTestData(t *testing.T) (*dataState, time.Time) {
	d := newTestDataState(testDataConfig(), rackT0)
	fillMessages(t, d, rackT0, 1)
	sendAll(t, d, rackT0)
	now := rackT0.Add(ms(10))
	mustSack(t, d, now, 1000, 1<<20)
	if d.rto.srtt != ms(10) {
		t.Fatalf("srtt %v", d.rto.srtt)
	}
	return d, now
}

// TestRACKMarksLossAfterReorderingWindow: a hole below delivered chunks is
// a loss once RACK.rtt + reo_wnd has passed (not at the first SACK), found
// by the RACK timer (RFC 8985 §6.3) without three miss indications.
func TestRACKMarksLossAfterReorderingWindow(t *testing.T) {
	d, now := lossTestData(t)
	fillMessages(t, d, now, 4)
	if p := sendAll(t, d, now); len(p) != 4 {
		t.Fatalf("sent %v", tsns(p))
	}
	sentAt := now
	now = now.Add(ms(10))
	mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 2, End: 4}) // 1001 missing
	if d.snd.rtxCount != 0 {
		t.Fatal("marked lost inside the reordering window")
	}
	// reo_wnd = min_RTT/4 = 2.5 ms.
	want := sentAt.Add(ms(10) + 2500*time.Microsecond)
	if !d.snd.rackAt.Equal(want) || !d.deadline().Equal(want) {
		t.Fatalf("RACK timer %v (deadline %v), want %v", d.snd.rackAt, d.deadline(), want)
	}
	d.handleTimeout(want)
	if st := d.stats(); d.snd.rtxCount != 1 || st.rackRetransmits != 1 || !st.inFastRecovery || st.t3Expiries != 0 {
		t.Fatalf("after RACK timer: rtx %d, stats %+v", d.snd.rtxCount, st)
	}
	if p := sendAll(t, d, want); len(p) != 1 || p[0].TSN != 1001 {
		t.Fatalf("retransmitted %v, want [1001]", tsns(p))
	}
}

// TestRACKDetectsLostRetransmission: a retransmission lost again is found
// when data sent after it is acknowledged (RFC 8985 §6.2), not by T3-rtx
// (issue 11; usrsctp issue 492). §7.2.4 alone never marks it a second
// time. The second loss is part of the same recovery: cwnd is not cut
// again.
func TestRACKDetectsLostRetransmission(t *testing.T) {
	for _, rack := range []bool{true, false} {
		d, now := lossTestData(t)
		d.snd.noRACK = !rack
		fillMessages(t, d, now, 4)
		sendAll(t, d, now)
		// Three SACKs reporting 1001 missing: §7.2.4 fast retransmit.
		for i := 2; i <= 4; i++ {
			now = now.Add(ms(1))
			mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 2, End: uint16(i)})
		}
		if d.snd.rtxCount != 1 {
			t.Fatalf("rack=%v: 1001 not marked after three miss indications", rack)
		}
		if p := sendAll(t, d, now); len(p) != 1 || p[0].TSN != 1001 {
			t.Fatalf("rack=%v: retransmitted %v", rack, tsns(p))
		}
		cwnd := d.stats().cwnd
		// The retransmission is lost. New data sent after it...
		now = now.Add(ms(2))
		fillMessages(t, d, now, 2)
		if p := sendAll(t, d, now); len(p) != 2 {
			t.Fatalf("rack=%v: new data %v", rack, tsns(p))
		}
		// ...is acknowledged one RTT later, 1001 still missing.
		now = now.Add(ms(10))
		mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 2, End: 6})
		ch := d.snd.chunks.at(0)
		if rack {
			if !ch.rtx || d.stats().t3Expiries != 0 {
				t.Fatalf("lost retransmission not detected: rtx=%v sends=%d", ch.rtx, ch.sends)
			}
			if got := d.stats().cwnd; got != cwnd {
				t.Fatalf("cwnd %d after the second loss, want %d (same recovery)", got, cwnd)
			}
			if p := sendAll(t, d, now); len(p) != 1 || p[0].TSN != 1001 || ch.sends != 3 {
				t.Fatalf("second retransmission %v (sends %d)", tsns(p), ch.sends)
			}
		} else if ch.rtx {
			t.Fatal("§7.2.4 alone marked a retransmitted chunk again: the RACK case proves nothing")
		}
	}
}

// TestTLPProbesTail: the tail of a burst is lost and no SACK comes; the
// probe timeout (2·SRTT, RFC 8985 §7.2) resends the last chunk long before
// T3-rtx (1 s); its SACK reveals the hole, which RACK repairs. The probe
// leaves cwnd alone (§7.3).
func TestTLPProbesTail(t *testing.T) {
	d, now := lossTestData(t)
	fillMessages(t, d, now, 3)
	sendAll(t, d, now)
	sentAt := now
	pto := sentAt.Add(ms(20))
	if !d.deadline().Equal(pto) || !d.snd.t3.After(pto) {
		t.Fatalf("deadline %v (T3 %v), want the PTO %v", d.deadline(), d.snd.t3, pto)
	}
	cwnd := d.stats().cwnd
	d.handleTimeout(pto)
	p := sendAll(t, d, pto)
	if len(p) != 1 || p[0].TSN != 1003 {
		t.Fatalf("probe %v, want [1003]", tsns(p))
	}
	if st := d.stats(); st.tlpProbes != 1 || st.cwnd != cwnd || st.inFastRecovery || st.t3Expiries != 0 {
		t.Fatalf("after the probe: %+v", st)
	}
	// No second probe before an acknowledgement (one per episode).
	if !d.snd.tlpAt.IsZero() {
		t.Fatalf("second probe armed at %v", d.snd.tlpAt)
	}
	// The probe's SACK: 1003 arrived, 1001–1002 did not.
	now = pto.Add(ms(10))
	mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 3, End: 3})
	if d.snd.rtxCount != 2 || !d.stats().inFastRecovery {
		t.Fatalf("after the probe's SACK: %d chunks marked, want 1001 and 1002", d.snd.rtxCount)
	}
	if p := sendAll(t, d, now); len(p) != 2 || p[0].TSN != 1001 || p[1].TSN != 1002 {
		t.Fatalf("retransmitted %v", tsns(p))
	}
}

// TestTLPSendsNewDataWhenQueued: with data waiting behind a full cwnd the
// probe is one new chunk beyond cwnd (RFC 8985 §7.3).
func TestTLPSendsNewDataWhenQueued(t *testing.T) {
	d, now := lossTestData(t)
	fillMessages(t, d, now, 10)
	first := sendAll(t, d, now)
	if d.snd.pending.len() == 0 {
		t.Fatal("cwnd did not hold anything back")
	}
	at := d.snd.tlpAt
	if at.IsZero() {
		t.Fatal("no probe armed")
	}
	d.handleTimeout(at)
	p := sendAll(t, d, at)
	if len(p) != 1 || p[0].TSN != first[len(first)-1].TSN+1 {
		t.Fatalf("probe %v, want the next new TSN", tsns(p))
	}
}

// TestT3WithSackProgressKeepsHalfWindow: T3-rtx fires while SACKs kept
// acknowledging new data (gap acks above a lost retransmission): cwnd goes
// to ssthresh, not to one MTU (renoController.onRetransmitTimeout). Without
// such SACKs it is §7.2.3's one MTU.
func TestT3WithSackProgressKeepsHalfWindow(t *testing.T) {
	for _, progress := range []bool{true, false} {
		d, now := lossTestData(t)
		d.snd.noRACK = true // T3-rtx alone
		fillMessages(t, d, now, 4)
		sendAll(t, d, now)
		if progress {
			mustSack(t, d, now.Add(ms(10)), 1000, 1<<20, chunk.GapBlock{Start: 2, End: 4})
		}
		t3 := d.snd.t3
		d.handleTimeout(t3)
		st := d.stats()
		if st.t3Expiries != 1 {
			t.Fatalf("progress=%v: T3 did not fire", progress)
		}
		want := d.pmdcs()
		if progress {
			want = st.ssthresh
		}
		if st.cwnd != want || st.ssthresh != 4*d.pmdcs() {
			t.Fatalf("progress=%v: cwnd %d ssthresh %d, want cwnd %d", progress, st.cwnd, st.ssthresh, want)
		}
	}
}

// TestDuplicateTSNOfRetransmissionWidensWindow: a SACK's Duplicate TSN
// report for a chunk we retransmitted marks the retransmission spurious
// (RFC 3708) and widens RACK's reordering window (RFC 8985 §6.2 step 4).
func TestDuplicateTSNOfRetransmissionWidensWindow(t *testing.T) {
	d, now := lossTestData(t)
	fillMessages(t, d, now, 4)
	sendAll(t, d, now)
	for i := 2; i <= 4; i++ {
		now = now.Add(ms(1))
		mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 2, End: uint16(i)})
	}
	sendAll(t, d, now) // 1001 again
	before := d.snd.rack.reoWnd(d.rto.srtt, false)
	// A duplicate of a chunk sent once says nothing.
	s := sackOf(1000, 1<<20, chunk.GapBlock{Start: 2, End: 4})
	s.DupTSNs = []uint32{1002}
	if err := d.handleSack(now, s); err != nil {
		t.Fatal(err)
	}
	if d.stats().spuriousRetransmits != 0 {
		t.Fatal("duplicate of a chunk sent once counted as spurious retransmission")
	}
	s = sackOf(1004, 1<<20)
	s.DupTSNs = []uint32{1001}
	if err := d.handleSack(now.Add(ms(5)), s); err != nil {
		t.Fatal(err)
	}
	if d.stats().spuriousRetransmits != 1 || d.snd.rack.reoWnd(d.rto.srtt, false) <= before {
		t.Fatalf("spurious %d, reoWnd %v (was %v)", d.stats().spuriousRetransmits, d.snd.rack.reoWnd(d.rto.srtt, false), before)
	}
}

// TestSpuriousFastRetransmitUndone: a fast retransmission caused by
// reordering — the chunk's acknowledgement arrives sooner after the
// retransmission than any round trip, so the original got through —
// gives back the cwnd reduction (RFC 4015 §2). Acknowledged a full round
// trip later, the retransmission may have done the repair: the reduction
// stays until a Duplicate TSN report shows the original arrived too.
func TestSpuriousFastRetransmitUndone(t *testing.T) {
	for _, early := range []bool{true, false} {
		d, now := lossTestData(t)
		d.cc.(*renoController).cwnd = 20 * 1200 // room to halve above 4·MTU
		fillMessages(t, d, now, 4)
		sendAll(t, d, now)
		before := d.stats()
		now = now.Add(ms(9)) // the SACKs come one RTT (10 ms) later
		for i := 2; i <= 4; i++ {
			now = now.Add(ms(1))
			mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 2, End: uint16(i)})
		}
		if st := d.stats(); !st.inFastRecovery || st.cwnd >= before.cwnd {
			t.Fatalf("no Fast Recovery: %+v", st)
		}
		sendAll(t, d, now) // 1001 retransmitted
		ackAt := now.Add(ms(2))
		if !early {
			ackAt = now.Add(ms(12))
		}
		mustSack(t, d, ackAt, 1004, 1<<20)
		st := d.stats()
		if early && (st.recoveriesUndone != 1 || st.cwnd < before.cwnd || st.ssthresh < before.ssthresh) {
			t.Fatalf("spurious retransmission: undone %d, cwnd %d ssthresh %d, want back to %d/%d", st.recoveriesUndone, st.cwnd, st.ssthresh, before.cwnd, before.ssthresh)
		}
		if !early && (st.recoveriesUndone != 0 || st.cwnd >= before.cwnd) {
			t.Fatalf("real loss undone: %+v", st)
		}
		if !early {
			// The late original arrives after all: the peer reports it as
			// a Duplicate TSN (RFC 3708 §3), after the cum ack passed it.
			s := sackOf(1004, 1<<20)
			s.DupTSNs = []uint32{1001}
			if err := d.handleSack(ackAt.Add(ms(1)), s); err != nil {
				t.Fatal(err)
			}
			if st := d.stats(); st.recoveriesUndone != 1 || st.cwnd < before.cwnd {
				t.Fatalf("Duplicate TSN of the retransmission: undone %d, cwnd %d, want back to %d", st.recoveriesUndone, st.cwnd, before.cwnd)
			}
		}
	}
}

// TestRTOBackoffCollapsesOnProgress: T3-rtx backs the RTO off (RFC 9260
// §6.3.3 E2); a SACK that advances the cumulative TSN ack brings it back
// to SRTT + 4·RTTVAR (rtoState.collapse) although no RTT could be measured
// (every chunk was retransmitted, Karn). A SACK without progress keeps it.
func TestRTOBackoffCollapsesOnProgress(t *testing.T) {
	cfg := testDataConfig()
	cfg.rto.min = ms(50)
	d := newTestDataState(cfg, rackT0)
	d.snd.noRACK = true
	fillMessages(t, d, rackT0, 1)
	sendAll(t, d, rackT0)
	mustSack(t, d, rackT0.Add(ms(10)), 1000, 1<<20) // SRTT 10 ms: RTO = 50 ms (RTO.Min)
	now := rackT0.Add(ms(10))
	fillMessages(t, d, now, 3)
	sendAll(t, d, now)
	for i := 0; i < 3; i++ {
		now = d.snd.t3
		d.handleTimeout(now)
		sendAll(t, d, now)
	}
	if d.rto.rto != 8*ms(50) {
		t.Fatalf("RTO %v after three expiries, want 400ms", d.rto.rto)
	}
	mustSack(t, d, now.Add(ms(10)), 1000, 1<<20, chunk.GapBlock{Start: 2, End: 2})
	if d.rto.rto != 8*ms(50) {
		t.Fatalf("RTO %v after a SACK without cum progress, want 400ms", d.rto.rto)
	}
	mustSack(t, d, now.Add(ms(11)), 1001, 1<<20, chunk.GapBlock{Start: 1, End: 1})
	if d.rto.rto != ms(50) || d.stats().rttSamples != 1 {
		t.Fatalf("RTO %v (%d samples) after cum progress, want 50ms without a new sample", d.rto.rto, d.stats().rttSamples)
	}
}

// TestImmediateBitOnTail: RFC 7053 §4.1. The chunk that empties the send
// queue while others are in flight carries the I bit, so the receiver does
// not hold the transfer's last SACK for SACK.Delay; the chunks before it
// and a message sent on an idle association (whose SACK can ride on the
// reply) do not. With the last chunk so marked, a lone outstanding chunk
// gets a PTO of 2·SRTT without RFC 8985 §7.2's delayed-ACK allowance, and
// a retransmitted probe asks for its SACK at once too.
func TestImmediateBitOnTail(t *testing.T) {
	d, now := lossTestData(t)
	fillMessages(t, d, now, 3)
	p := sendAll(t, d, now)
	if len(p) != 3 {
		t.Fatalf("sent %v", tsns(p))
	}
	for i, c := range p {
		if want := i == len(p)-1; c.Immediate != want {
			t.Fatalf("chunk %d (TSN %d): I bit %v, want %v", i, c.TSN, c.Immediate, want)
		}
	}
	// Everything acknowledged; one message on the now idle association.
	now = now.Add(ms(10))
	mustSack(t, d, now, 1003, 1<<20)
	fillMessages(t, d, now, 1)
	p = sendAll(t, d, now)
	if len(p) != 1 || p[0].Immediate {
		t.Fatalf("lone message on an idle association: %+v, want no I bit", p)
	}
	// Without the I bit, the lone chunk's PTO allows for a delayed SACK.
	if got, want := d.snd.tlpAt, now.Add(2*d.rto.srtt+d.cfg.sackDelay); !got.Equal(want) {
		t.Fatalf("PTO at %v, want %v", got, want)
	}

	// A burst whose last chunk carries the I bit, then the first two
	// acknowledged: one chunk left, PTO 2·SRTT.
	d, now = lossTestData(t)
	fillMessages(t, d, now, 3)
	sendAll(t, d, now)
	now = now.Add(ms(10))
	mustSack(t, d, now, 1002, 1<<20)
	if want := now.Add(2 * d.rto.srtt); !d.snd.tlpAt.Equal(want) {
		t.Fatalf("PTO at %v, want %v (2·SRTT: the lone chunk asked for an immediate SACK)", d.snd.tlpAt, want)
	}
	d.handleTimeout(d.snd.tlpAt)
	p = sendAll(t, d, d.snd.chunks.at(0).sentAt.Add(2*d.rto.srtt))
	if len(p) != 1 || p[0].TSN != 1003 || !p[0].Immediate {
		t.Fatalf("probe %+v, want TSN 1003 with the I bit", p)
	}
}

// TestImmediateBitFillsWindow: the chunk that fills cwnd carries the I bit
// (RFC 7053 §4.1 names "the sending of a DATA chunk fills the congestion
// or receiver window" among the reasons), the others do not. Without it the
// last chunk of an odd-sized window waits in the peer's delayed SACK (RFC
// 9260 §6.2, every second packet) for the next window, which the sender
// cannot send before that SACK: a cwnd-limited sender on a lossy path sits
// at the 4·MTU floor most of the time (bench/README.md, lossy section).
func TestImmediateBitFillsWindow(t *testing.T) {
	d, now := lossTestData(t)
	fillMessages(t, d, now, 10)
	p := sendAll(t, d, now)
	frag := d.maxFragment()
	want := (d.cc.window() + frag - 1) / frag // chunks until flight >= cwnd
	if len(p) != want {
		t.Fatalf("sent %v with cwnd %d, want %d chunks", tsns(p), d.cc.window(), want)
	}
	for i, c := range p {
		if fills := i == len(p)-1; c.Immediate != fills {
			t.Fatalf("chunk %d (TSN %d): I bit %v, want %v (cwnd %d)", i, c.TSN, c.Immediate, fills, d.cc.window())
		}
	}
	// Two chunks acknowledged: two new ones fit, the second fills cwnd.
	now = now.Add(ms(10))
	mustSack(t, d, now, p[1].TSN, 1<<20)
	q := sendAll(t, d, now)
	if len(q) == 0 {
		t.Fatal("nothing sent after the SACK")
	}
	for i, c := range q {
		if fills := i == len(q)-1; c.Immediate != fills {
			t.Fatalf("after SACK, chunk %d (TSN %d): I bit %v, want %v (flight %d, cwnd %d)", i, c.TSN, c.Immediate, fills, d.snd.flight, d.cc.window())
		}
	}
	if d.snd.flight < d.cc.window() {
		t.Fatalf("flight %d below cwnd %d with messages queued", d.snd.flight, d.cc.window())
	}
}

// TestTLPInRecoveryTail: at the tail of a transfer (nothing new queued) a
// fast retransmission is lost again; RACK cannot see it (nothing was sent
// after it), so without a probe only T3-rtx (1 s here) would resend it.
// In recovery with no new data the PTO is armed anyway (retransmit.go
// armProbe) and resends the chunk at 2·SRTT; cwnd is not cut again.
func TestTLPInRecoveryTail(t *testing.T) {
	d, now := lossTestData(t)
	fillMessages(t, d, now, 4)
	sendAll(t, d, now)
	for i := 2; i <= 4; i++ { // 1001 missing, reported three times
		now = now.Add(ms(1))
		mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 2, End: uint16(i)})
	}
	if p := sendAll(t, d, now); len(p) != 1 || p[0].TSN != 1001 {
		t.Fatalf("fast retransmission %v, want [1001]", tsns(p))
	}
	if !d.stats().inFastRecovery || d.snd.pending.len() != 0 {
		t.Fatal("want fast recovery with nothing queued")
	}
	cwnd := d.stats().cwnd
	// The retransmission is lost: no SACK comes. The probe is due at
	// 2·SRTT (20 ms), long before T3-rtx.
	pto := now.Add(ms(20))
	if !d.snd.tlpAt.Equal(pto) || !d.deadline().Equal(pto) || !d.snd.t3.After(pto) {
		t.Fatalf("PTO %v, deadline %v, T3 %v; want the PTO at %v", d.snd.tlpAt, d.deadline(), d.snd.t3, pto)
	}
	d.handleTimeout(pto)
	p := sendAll(t, d, pto)
	if len(p) != 1 || p[0].TSN != 1001 || !p[0].Immediate {
		t.Fatalf("probe %+v, want 1001 with the I bit", p)
	}
	if st := d.stats(); st.t3Expiries != 0 || st.tlpProbes != 1 || st.cwnd != cwnd {
		t.Fatalf("after the probe: T3 %d, probes %d, cwnd %d (want %d)", st.t3Expiries, st.tlpProbes, st.cwnd, cwnd)
	}
	// Its SACK ends the recovery.
	mustSack(t, d, pto.Add(ms(10)), 1004, 1<<20)
	if st := d.stats(); st.inFastRecovery || st.flight != 0 {
		t.Fatalf("after the probe's SACK: %+v", st)
	}
}

// TestTLPInRecoveryCwndFull: in recovery with cwnd full and messages
// queued, no SACK comes for 2·SRTT (the peer's one SACK for a burst was
// lost): the probe is one new chunk beyond cwnd (RFC 8985 §7.3), not a
// wait for T3-rtx.
func TestTLPInRecoveryCwndFull(t *testing.T) {
	d, now := lossTestData(t)
	fillMessages(t, d, now, 12)
	first := sendAll(t, d, now)
	for i := 2; i <= 4; i++ { // the first chunk missing, reported three times
		now = now.Add(ms(1))
		mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 2, End: uint16(i)})
	}
	p := sendAll(t, d, now)
	if len(p) == 0 || p[0].TSN != first[0].TSN {
		t.Fatalf("after the miss indications sent %v, want %d first", tsns(p), first[0].TSN)
	}
	if !d.stats().inFastRecovery || d.snd.pending.len() == 0 || d.snd.flight < d.cc.window() {
		t.Fatalf("want recovery, cwnd full, messages queued: %+v, %d queued", d.stats(), d.snd.pending.len())
	}
	last := p[len(p)-1].TSN
	pto := now.Add(ms(20))
	if !d.snd.tlpAt.Equal(pto) || !d.snd.t3.After(pto) {
		t.Fatalf("PTO %v, T3 %v; want the PTO at %v", d.snd.tlpAt, d.snd.t3, pto)
	}
	d.handleTimeout(pto)
	q := sendAll(t, d, pto)
	if len(q) != 1 || q[0].TSN != last+1 {
		t.Fatalf("probe %v, want one new chunk %d", tsns(q), last+1)
	}
	if st := d.stats(); st.t3Expiries != 0 || st.tlpProbes != 1 {
		t.Fatalf("after the probe: T3 %d, probes %d", st.t3Expiries, st.tlpProbes)
	}
}

// TestReorderingSeenLeavesLossToRACK: once the path has shown reordering
// (a chunk delivered below the highest delivered TSN, never retransmitted:
// RACK.reordering_seen), three miss indications no longer fast-retransmit;
// RACK's reordering window judges loss alone, as RFC 8985 §6.2 step 4 uses
// the DupAck threshold only until reordering is seen. A chunk held back
// for less than the window then costs neither a retransmission nor a cwnd
// cut, and a lost one is still found, by the RACK timer. Without
// reordering seen, the same SACKs fast-retransmit at the third miss
// indication (RFC 9260 §7.2.4).
func TestReorderingSeenLeavesLossToRACK(t *testing.T) {
	for _, tc := range []struct {
		name           string
		seen, arrives  bool
		wantRtx        int
		wantRecoveries uint64
	}{
		{"no reordering seen: fast retransmit at the third miss", false, true, 1, 1},
		{"reordering seen, chunk late", true, true, 0, 0},
		{"reordering seen, chunk lost", true, false, 1, 1},
	} {
		d, now := lossTestData(t)
		if tc.seen {
			// 1001 and 1002 sent together, 1002 reported first.
			fillMessages(t, d, now, 2)
			sendAll(t, d, now)
			now = now.Add(ms(10))
			mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 2, End: 2})
			now = now.Add(500 * time.Microsecond)
			mustSack(t, d, now, 1002, 1<<20)
		}
		if d.snd.rack.reorder != tc.seen {
			t.Fatalf("%s: reordering seen %v", tc.name, d.snd.rack.reorder)
		}
		cwnd := d.stats().cwnd
		base := d.snd.cumAck
		sent := now
		fillMessages(t, d, now, 4)
		if p := sendAll(t, d, now); len(p) != 4 {
			t.Fatalf("%s: sent %v, want 4 chunks", tc.name, tsns(p))
		}
		// base+1 missing; the three after it reported one SACK each:
		// three miss indications within 0.6 ms.
		for i := 2; i <= 4; i++ {
			now = sent.Add(ms(10) + time.Duration(i-2)*300*time.Microsecond)
			mustSack(t, d, now, base, 1<<20, chunk.GapBlock{Start: 2, End: uint16(i)})
		}
		if !tc.seen {
			if d.snd.rtxCount != tc.wantRtx || !d.snd.fastRecovery {
				t.Fatalf("%s: rtx %d, fast recovery %v after three miss indications", tc.name, d.snd.rtxCount, d.snd.fastRecovery)
			}
			continue
		}
		// RACK.rtt 10.6 ms (the last chunk reported) + reo_wnd min_RTT/4.
		wantAt := sent.Add(ms(10) + 600*time.Microsecond + 2500*time.Microsecond)
		if d.snd.rtxCount != 0 || d.snd.fastRecovery || !d.snd.rackAt.Equal(wantAt) {
			t.Fatalf("%s: after three miss indications rtx %d, fast recovery %v, RACK timer %v (want %v)",
				tc.name, d.snd.rtxCount, d.snd.fastRecovery, d.snd.rackAt, wantAt)
		}
		if tc.arrives {
			now = sent.Add(ms(12))
			mustSack(t, d, now, base+4, 1<<20)
		} else {
			d.handleTimeout(wantAt)
		}
		st := d.stats()
		if d.snd.rtxCount != tc.wantRtx || st.fastRecoveries != tc.wantRecoveries {
			t.Fatalf("%s: rtx %d, recoveries %d; want %d, %d", tc.name, d.snd.rtxCount, st.fastRecoveries, tc.wantRtx, tc.wantRecoveries)
		}
		if tc.arrives && st.cwnd < cwnd {
			t.Fatalf("%s: cwnd %d → %d for a late chunk", tc.name, cwnd, st.cwnd)
		}
	}
}
