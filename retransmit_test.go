package sctp

import (
	"errors"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

func TestRTOState(t *testing.T) {
	ms := time.Millisecond
	cfg := rtoBounds{initial: time.Second, min: time.Second, max: 60 * time.Second}
	cases := []struct {
		name                  string
		cfg                   rtoBounds
		samples               []time.Duration
		backoffs              int
		srtt, rttvar, wantRTO time.Duration
	}{
		{name: "initial", cfg: cfg, wantRTO: time.Second},
		// C2: SRTT=R, RTTVAR=R/2, RTO=SRTT+4·RTTVAR = 100+200 → clamped to 1 s.
		{name: "first sample clamped to min", cfg: cfg, samples: []time.Duration{100 * ms}, srtt: 100 * ms, rttvar: 50 * ms, wantRTO: time.Second},
		{name: "first sample", cfg: rtoBounds{initial: time.Second, min: 10 * ms, max: 60 * time.Second}, samples: []time.Duration{100 * ms}, srtt: 100 * ms, rttvar: 50 * ms, wantRTO: 300 * ms},
		// C3: RTTVAR = 3/4·50 + 1/4·|100−200| = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5.
		{name: "second sample", cfg: rtoBounds{initial: time.Second, min: 10 * ms, max: 60 * time.Second}, samples: []time.Duration{100 * ms, 200 * ms},
			srtt: 112500 * time.Microsecond, rttvar: 62500 * time.Microsecond, wantRTO: 362500 * time.Microsecond},
		{name: "large sample clamped to max", cfg: cfg, samples: []time.Duration{40 * time.Second}, srtt: 40 * time.Second, rttvar: 20 * time.Second, wantRTO: 60 * time.Second},
		// C3: RTTVAR 0 becomes G.
		{name: "zero rttvar to G", cfg: rtoBounds{initial: time.Second, min: ms, max: 60 * time.Second}, samples: []time.Duration{0}, srtt: 0, rttvar: rtoGranularity, wantRTO: 4 * rtoGranularity},
		{name: "negative sample treated as 0", cfg: rtoBounds{initial: time.Second, min: ms, max: 60 * time.Second}, samples: []time.Duration{-5 * ms}, srtt: 0, rttvar: rtoGranularity, wantRTO: 4 * rtoGranularity},
		// E2: backoff doubles up to RTO.Max.
		{name: "backoff doubles", cfg: cfg, backoffs: 3, wantRTO: 8 * time.Second},
		{name: "backoff capped", cfg: cfg, backoffs: 10, wantRTO: 60 * time.Second},
		{name: "sample after backoff recomputes", cfg: cfg, backoffs: 4, samples: []time.Duration{100 * ms}, srtt: 100 * ms, rttvar: 50 * ms, wantRTO: time.Second},
		// The backoff bound (RTOInfo.MaxBackoff): doubling stops there,
		// and never lowers a larger RTO.
		{name: "backoff bounded", cfg: rtoBounds{initial: time.Second, min: 200 * ms, max: 60 * time.Second, maxBackoff: 3 * time.Second}, backoffs: 10, wantRTO: 3 * time.Second},
		{name: "backoff bound keeps a larger RTO", cfg: rtoBounds{initial: 5 * time.Second, min: 200 * ms, max: 60 * time.Second, maxBackoff: 3 * time.Second}, backoffs: 2, wantRTO: 5 * time.Second},
		{name: "backoff bound above max", cfg: rtoBounds{initial: time.Second, min: time.Second, max: 4 * time.Second, maxBackoff: 10 * time.Second}, backoffs: 5, wantRTO: 4 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRTOState(&c.cfg)
			for range c.backoffs {
				r.backoff()
			}
			for _, s := range c.samples {
				r.sample(s)
			}
			if r.rto != c.wantRTO || r.srtt != c.srtt || r.rttvar != c.rttvar {
				t.Errorf("rto=%v srtt=%v rttvar=%v, want rto=%v srtt=%v rttvar=%v", r.rto, r.srtt, r.rttvar, c.wantRTO, c.srtt, c.rttvar)
			}
		})
	}
}

// fillWindow enqueues n full-sized single-chunk messages.
func fillMessages(t *testing.T, d *dataState, now time.Time, n int) {
	t.Helper()
	for i := range n {
		mustEnqueue(t, d, now, outMessage{stream: uint16(i % 4), data: payload(d.maxFragment(), byte(i))})
	}
}

func TestRTTMeasurementKarn(t *testing.T) {
	cfg := testDataConfig()
	cfg.rto.min = 10 * time.Millisecond
	d := newTestDataState(cfg, dataT0)
	fillMessages(t, d, dataT0, 2)
	p := sendAll(t, d, dataT0)
	if len(p) != 2 {
		t.Fatalf("sent %d, want 2", len(p))
	}
	now := dataT0.Add(80 * time.Millisecond)
	mustSack(t, d, now, 1001, 1<<20)
	if got := d.stats(); got.srtt != 80*time.Millisecond || got.rttSamples != 1 {
		t.Fatalf("srtt=%v samples=%d, want 80ms from the timed chunk", got.srtt, got.rttSamples)
	}
	// A retransmitted chunk gives no sample (Karn, §6.3.1 C5).
	fillMessages(t, d, now, 1)
	sendAll(t, d, now)
	now = now.Add(d.rto.rto)
	if d.handleTimeout(now) {
		t.Fatal("failed after one T3")
	}
	if p := sendAll(t, d, now); len(p) != 1 || p[0].TSN != 1002 {
		t.Fatalf("T3 retransmission = %v", tsns(p))
	}
	mustSack(t, d, now.Add(5*time.Millisecond), 1002, 1<<20)
	if got := d.stats(); got.rttSamples != 1 {
		t.Fatalf("retransmitted chunk produced an RTT sample (samples=%d)", got.rttSamples)
	}
}

func TestCumAckBeyondSent(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	fillMessages(t, d, dataT0, 2)
	sendAll(t, d, dataT0) // TSN 1000, 1001
	if err := d.handleSack(dataT0, sackOf(1002, 1<<20)); !errors.Is(err, errCumAckBeyondSent) {
		t.Fatalf("cum ack beyond sent: err=%v, want errCumAckBeyondSent", err)
	}
	if err := d.handleSack(dataT0, sackOf(1001, 1<<20)); err != nil {
		t.Fatalf("valid SACK: %v", err)
	}
	// An older SACK (cum behind ours) is ignored, not an error (§6.2.1 D i).
	if err := d.handleSack(dataT0, sackOf(999, 0)); err != nil {
		t.Fatalf("old SACK: %v", err)
	}
	if got := d.stats(); got.ignoredSacks != 1 || got.peerRwnd != 1<<20 {
		t.Fatalf("old SACK not ignored: %+v", got)
	}
	// Gap blocks beyond what was sent are ignored, not trusted.
	fillMessages(t, d, dataT0, 1)
	sendAll(t, d, dataT0) // TSN 1002
	mustSack(t, d, dataT0, 1001, 1<<20, chunk.GapBlock{Start: 2, End: 9})
	if got := d.stats(); got.flight != d.booked(d.maxFragment()) || got.malformedGapBlocks != 1 {
		t.Fatalf("bogus gap block changed flight: flight=%d malformed=%d", got.flight, got.malformedGapBlocks)
	}
}

func TestFastRetransmitOnThirdMissIndication(t *testing.T) {
	cfg := testDataConfig()
	cfg.mtu = 1200
	d := newTestDataState(cfg, dataT0)
	// Open cwnd so 8 full chunks fit.
	d.cc.(*renoController).cwnd = 20000
	fillMessages(t, d, dataT0, 8)
	p := sendAll(t, d, dataT0)
	if len(p) != 8 {
		t.Fatalf("sent %d, want 8", len(p))
	}
	frag := d.maxFragment()
	now := dataT0.Add(50 * time.Millisecond)
	// TSN 1000 lost; 1001, 1002, 1003 arrive one by one: three SACKs each
	// newly acking a TSN above the hole (HTNA) → three miss indications.
	for i := 1; i <= 3; i++ {
		mustSack(t, d, now, 999, 1<<20, chunk.GapBlock{Start: 2, End: uint16(1 + i)})
		if i < 3 {
			if d.snd.rtxCount != 0 || d.stats().inFastRecovery {
				t.Fatalf("fast retransmit after %d miss indications", i)
			}
			if got := sendPacket(t, d, now); len(got) != 0 {
				t.Fatalf("sent %v before the third miss indication", tsns(got))
			}
		}
	}
	st := d.stats()
	if !st.inFastRecovery || st.fastRetransmits != 1 {
		t.Fatalf("no fast retransmit after 3rd miss: %+v", st)
	}
	// §7.2.3: ssthresh = max(cwnd/2, 4·MTU), cwnd = ssthresh.
	if st.ssthresh != 10000 || st.cwnd != 10000 {
		t.Errorf("cwnd=%d ssthresh=%d, want 10000/10000", st.cwnd, st.ssthresh)
	}
	// The retransmission goes out at once, ignoring cwnd, before new data.
	fillMessages(t, d, now, 1)
	got := sendPacket(t, d, now)
	if len(got) == 0 || got[0].TSN != 1000 {
		t.Fatalf("first packet after fast retransmit = %v, want TSN 1000 first", tsns(got))
	}
	// A repeated miss indication does not fast-retransmit the chunk again.
	_ = sendAll(t, d, now)
	for i := 0; i < 4; i++ {
		mustSack(t, d, now, 999, 1<<20, chunk.GapBlock{Start: 2, End: 8})
	}
	if st := d.stats(); st.fastRetransmits != 1 {
		t.Fatalf("TSN fast-retransmitted twice: %d", st.fastRetransmits)
	}
	// The cum ack reaching the recovery point ends Fast Recovery.
	mustSack(t, d, now, 1007, 1<<20)
	if d.stats().inFastRecovery {
		t.Fatal("still in fast recovery after cum ack reached the recovery point")
	}
	_ = frag
}

func TestT3RtxBackoffAndMaxRetrans(t *testing.T) {
	cfg := testDataConfig()
	cfg.maxRetrans = 3
	d := newTestDataState(cfg, dataT0)
	fillMessages(t, d, dataT0, 5)
	first := sendAll(t, d, dataT0)
	if len(first) != 4 { // cwnd 4404 with 1168-byte chunks: 4 chunks
		t.Fatalf("sent %d chunks, want 4 within the initial cwnd", len(first))
	}
	if dl := d.deadline(); !dl.Equal(dataT0.Add(time.Second)) {
		t.Fatalf("T3 deadline %v, want now+RTO.Initial", dl)
	}
	now := dataT0
	wantRTO := time.Second
	for i := 1; i <= 3; i++ {
		now = d.deadline()
		if d.handleTimeout(now.Add(-time.Nanosecond)) {
			t.Fatal("failed before the deadline")
		}
		if d.stats().t3Expiries != uint64(i-1) {
			t.Fatal("T3 fired before its deadline")
		}
		if d.handleTimeout(now) {
			t.Fatalf("failed after %d expiries with maxRetrans 3", i)
		}
		wantRTO *= 2
		st := d.stats()
		// E1: cwnd = 1 PMDCS, ssthresh = max(cwnd/2, 4·PMDCS). E2: RTO doubled.
		if st.cwnd != d.pmdcs() || st.ssthresh != 4*d.pmdcs() || st.rto != wantRTO {
			t.Fatalf("after T3 #%d: cwnd=%d ssthresh=%d rto=%v", i, st.cwnd, st.ssthresh, st.rto)
		}
		// E3: the earliest outstanding chunks, one packet's worth.
		p := sendPacket(t, d, now)
		if len(p) != 1 || p[0].TSN != 1000 {
			t.Fatalf("after T3 #%d retransmitted %v, want TSN 1000 alone", i, tsns(p))
		}
		if p2 := sendPacket(t, d, now); len(p2) != 0 {
			t.Fatalf("more than one packet after T3: %v", tsns(p2))
		}
		if dl := d.deadline(); !dl.Equal(now.Add(wantRTO)) {
			t.Fatalf("T3 re-armed at %v, want %v", dl, now.Add(wantRTO))
		}
	}
	if !d.handleTimeout(d.deadline()) {
		t.Fatal("Association.Max.Retrans exceeded but not failed")
	}
}

func TestT3ErrorCounterResetOnAck(t *testing.T) {
	cfg := testDataConfig()
	cfg.maxRetrans = 2
	d := newTestDataState(cfg, dataT0)
	fillMessages(t, d, dataT0, 3)
	sendAll(t, d, dataT0)
	now := d.deadline()
	d.handleTimeout(now)
	sendAll(t, d, now)
	now = d.deadline()
	d.handleTimeout(now)
	sendAll(t, d, now)
	if d.stats().errorCount != 2 {
		t.Fatalf("errorCount=%d, want 2", d.stats().errorCount)
	}
	mustSack(t, d, now, 1000, 1<<20)
	if d.stats().errorCount != 0 {
		t.Fatal("error counter not reset by an acknowledgement")
	}
	now = d.deadline()
	if d.handleTimeout(now) {
		t.Fatal("failed although the counter was reset")
	}
}

func TestT3StopsWhenAllAcked(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	fillMessages(t, d, dataT0, 2)
	sendAll(t, d, dataT0)
	now := dataT0.Add(300 * time.Millisecond)
	mustSack(t, d, now, 1000, 1<<20)
	// R3: the earliest outstanding TSN was acked → restart with RTO.
	if dl := d.snd.t3; !dl.Equal(now.Add(d.rto.rto)) {
		t.Fatalf("T3 not restarted: %v", dl)
	}
	mustSack(t, d, now, 1001, 1<<20)
	// R2: everything acked → stopped.
	if dl := d.deadline(); !dl.IsZero() {
		t.Fatalf("T3 still running: %v", dl)
	}
	if !d.idle() || !d.senderDry() {
		t.Fatal("not idle after all acked")
	}
}

func TestZeroWindowProbe(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	fillMessages(t, d, dataT0, 3)
	p := sendPacket(t, d, dataT0)
	if len(p) != 1 {
		t.Fatalf("sent %d", len(p))
	}
	// The peer acks it and closes its window.
	mustSack(t, d, dataT0, 1000, 0)
	// §6.1 A: with rwnd 0 one DATA chunk may still be in flight.
	probe := sendAll(t, d, dataT0)
	if len(probe) != 1 || probe[0].TSN != 1001 {
		t.Fatalf("zero window: sent %v, want exactly one probe chunk", tsns(probe))
	}
	// The probe is dropped by the peer: its SACK still shows rwnd 0; T3
	// resends the probe, and that is not counted as an error.
	mustSack(t, d, dataT0, 1000, 0)
	if more := sendAll(t, d, dataT0); len(more) != 0 {
		t.Fatalf("sent %d more chunks into a zero window", len(more))
	}
	now := d.deadline()
	d.handleTimeout(now)
	if d.stats().errorCount != 0 {
		t.Fatalf("zero window probe counted as error: %d", d.stats().errorCount)
	}
	if again := sendAll(t, d, now); len(again) != 1 || again[0].TSN != 1001 {
		t.Fatalf("probe retransmission = %v", tsns(again))
	}
	// The window opens: the rest flows.
	mustSack(t, d, now, 1001, 1<<20)
	if rest := sendAll(t, d, now); len(rest) != 1 || rest[0].TSN != 1002 {
		t.Fatalf("after window opened sent %v", tsns(rest))
	}
}

// §6.1 A: while the peer answers the zero window probes with SACKs, the
// unanswered probes count against neither the association nor the path,
// however long the window stays closed. A SACK lost now and then used to
// count one error each, never cleared (nothing new is acknowledged), and
// the association failed after Association.Max.Retrans of them (property
// test seed 147032: 200 s of probing at 6 % loss).
func TestZeroWindowProbingLostSacks(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	fillMessages(t, d, dataT0, 3)
	sendPacket(t, d, dataT0)
	mustSack(t, d, dataT0, 1000, 0)
	if probe := sendAll(t, d, dataT0); len(probe) != 1 {
		t.Fatalf("zero window: sent %v, want one probe", tsns(probe))
	}
	now := dataT0
	rounds := 3 * (d.cfg.maxRetrans + 2)
	struck := 0
	for i := range rounds {
		if i%3 != 2 { // every third answer is lost
			mustSack(t, d, now, 1000, 0)
		}
		// Up to the next T3-rtx expiry (the delayed SACK timer may come
		// first).
		for before, j := d.st.t3Expiries, 0; d.st.t3Expiries == before && j < 10; j++ {
			now = d.deadline()
			if d.handleTimeout(now) {
				t.Fatalf("round %d: the association failed while the peer answered the probes (error count %d)", i, d.stats().errorCount)
			}
		}
		if d.takeT3Fired() != 0 {
			struck++
		}
		sendAll(t, d, now)
	}
	if ec := d.stats().errorCount; ec > 1 {
		t.Fatalf("error count %d after %d rounds with the answers coming", ec, rounds)
	}
	if struck != rounds/3 {
		t.Fatalf("path struck %d times, want %d (only after a lost answer)", struck, rounds/3)
	}
}

func TestPeerRwndAccounting(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	fillMessages(t, d, dataT0, 3)
	sendAll(t, d, dataT0)
	frag := d.booked(d.maxFragment()) // counted with its chunk header (§7.2)
	if got := d.stats().peerRwnd; got != 1<<20-uint32(3*frag) {
		t.Fatalf("peerRwnd after sending = %d", got)
	}
	// §6.2.1: rwnd = a_rwnd − outstanding after the SACK.
	mustSack(t, d, dataT0, 1000, 50000)
	if got := d.stats().peerRwnd; got != 50000-uint32(2*frag) {
		t.Fatalf("peerRwnd after SACK = %d, want %d", got, 50000-2*frag)
	}
}

func TestRenegedChunkRetransmitted(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	d.snd.noRACK = true // §6.2.1 D iv and T3 alone (RTT 0 here)
	fillMessages(t, d, dataT0, 3)
	sendAll(t, d, dataT0)
	mustSack(t, d, dataT0, 999, 1<<20, chunk.GapBlock{Start: 2, End: 3})
	// The peer reneges on 1001–1002 (§6.2.1 D iv): they are outstanding
	// again (in flight, one miss indication) and T3 covers them.
	now := dataT0.Add(10 * time.Millisecond)
	mustSack(t, d, now, 999, 1<<20)
	frag := d.booked(d.maxFragment())
	if st := d.stats(); st.flight != 3*frag || d.snd.chunks.at(1).missing != 1 || d.deadline().IsZero() {
		t.Fatalf("after renege: flight=%d missing=%d t3=%v", st.flight, d.snd.chunks.at(1).missing, d.deadline())
	}
	now = d.deadline()
	d.handleTimeout(now)
	p := sendAll(t, d, now)
	if len(p) != 1 || p[0].TSN != 1000 {
		t.Fatalf("after T3: %v", tsns(p))
	}
	mustSack(t, d, now, 1000, 1<<20)
	// cwnd was one PMDCS after T3, filled by the one chunk; the SACK grows
	// it by one PMDCS (§7.2.1 slow start): both reneged chunks go.
	p = sendAll(t, d, now)
	if len(p) != 2 || p[0].TSN != 1001 || p[1].TSN != 1002 {
		t.Fatalf("reneged chunks not resent: %v", tsns(p))
	}
	mustSack(t, d, now, 1002, 1<<20)
	if !d.idle() {
		t.Fatal("not idle after all acked")
	}
}

// BenchmarkSackManyGaps measures handleSack on 256 DATA chunks in flight:
// a SACK reporting every other TSN in 128 gap blocks, then the SACK that
// acknowledges everything. Only the two SACKs are timed; ns/op is per
// pair of SACKs.
func BenchmarkSackManyGaps(b *testing.B) {
	const inFlight = 256
	cfg := testDataConfig()
	cfg.peerRwnd = 16 << 20
	d := newTestDataState(cfg, dataT0)
	d.cc.(*renoController).cwnd = 16 << 20
	msg := payload(1000, 1)
	pkt := make([]byte, 0, 2048)
	gaps := chunk.Sack{ARwnd: 16 << 20, Gaps: make([]chunk.GapBlock, 0, inFlight/2)}
	all := chunk.Sack{ARwnd: 16 << 20}
	now := dataT0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		now = now.Add(time.Millisecond)
		// Each round's SACK with gaps is a loss (§7.2.4, RACK) that
		// halves cwnd: give every round the same window.
		d.cc.(*renoController).cwnd = 16 << 20
		base := d.snd.nextTSN
		for range inFlight {
			if err := d.enqueue(now, outMessage{stream: 1, data: msg}); err != nil {
				b.Fatal(err)
			}
		}
		for {
			pkt = d.appendData(now, pkt[:0], packetRoom(d))
			if len(pkt) == 0 {
				break
			}
		}
		if got := d.snd.nextTSN - base; got != inFlight {
			b.Fatalf("%d TSNs sent, want %d (cwnd/rwnd limited?)", got, inFlight)
		}
		gaps.CumTSNAck = base - 1
		gaps.Gaps = gaps.Gaps[:0]
		for k := uint16(0); k < inFlight/2; k++ {
			gaps.Gaps = append(gaps.Gaps, chunk.GapBlock{Start: 2*k + 2, End: 2*k + 2})
		}
		all.CumTSNAck = base + inFlight - 1
		b.StartTimer()
		if err := d.handleSack(now, &gaps); err != nil {
			b.Fatal(err)
		}
		if err := d.handleSack(now, &all); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(inFlight/2, "gaps/SACK")
	if !d.idle() {
		b.Fatalf("not idle after the final SACK: %+v", d.stats())
	}
}
