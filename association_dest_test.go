package sctp

import (
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Per-destination transport state of the data path (RFC 9260 §6.3, §7.2)
// with a hand-advanced clock: two destinations, DATA to each, and the
// rules that must keep them apart.

// twoDestData returns a data path with TSNs 1000–1001 sent to
// destination 0 and 1002–1003 to destination 1, all at dataT0.
func twoDestData(t *testing.T) *dataState {
	t.Helper()
	cfg := testDataConfig()
	cfg.rto.min = 10 * time.Millisecond
	d := newTestDataState(cfg, dataT0)
	for dest := range 2 {
		d.setDest(dest)
		fillMessages(t, d, dataT0, 2)
		if n := len(sendAll(t, d, dataT0)); n != 2 {
			t.Fatalf("dest %d: sent %d chunks, want 2", dest, n)
		}
	}
	frag := d.booked(d.maxFragment())
	if d.dst[0].flight != 2*frag || d.dst[1].flight != 2*frag || d.snd.flight != 4*frag {
		t.Fatalf("flight %d/%d (total %d), want %d each", d.dst[0].flight, d.dst[1].flight, d.snd.flight, 2*frag)
	}
	for i := range 4 {
		if ch := d.snd.chunks.at(i); int(ch.dest) != i/2 {
			t.Fatalf("TSN %d recorded to destination %d", ch.tsn, ch.dest)
		}
	}
	return d
}

// §6.3.2 R1 per destination: each destination's T3-rtx started with its
// own DATA; §6.3.3: only the expired destination's chunks are marked
// (E3), only its RTO doubles (E2) and only its cwnd collapses (E1,
// §7.2.3).
func TestDestT3ExpiresPerDestination(t *testing.T) {
	d := twoDestData(t)
	if d.dst[0].t3.IsZero() || d.dst[1].t3.IsZero() {
		t.Fatalf("T3-rtx not started per destination: %v %v", d.dst[0].t3, d.dst[1].t3)
	}
	// Destination 1 runs a shorter RTO (its own estimator, §6.3.1).
	d.dst[1].rto.sample(5 * time.Millisecond)
	d.dst[1].t3 = dataT0.Add(d.dst[1].rto.rto)
	d.syncT3()
	cwnd0, rto0, rto1 := d.dst[0].cc.window(), d.dst[0].rto.rto, d.dst[1].rto.rto
	now := d.dst[1].t3
	if d.handleTimeout(now) {
		t.Fatal("association failed")
	}
	if m := d.takeT3Fired(); m != 1<<1 {
		t.Fatalf("T3 fired for destinations %b, want destination 1 only", m)
	}
	for i := range 4 {
		if ch := d.snd.chunks.at(i); ch.rtx != (i >= 2) {
			t.Fatalf("TSN %d (destination %d) marked %v", ch.tsn, ch.dest, ch.rtx)
		}
	}
	if d.dst[1].cc.window() != d.pmdcs() || d.dst[0].cc.window() != cwnd0 {
		t.Fatalf("cwnd %d/%d after destination 1's T3, want %d / unchanged %d", d.dst[0].cc.window(), d.dst[1].cc.window(), d.pmdcs(), cwnd0)
	}
	if d.dst[0].rto.rto != rto0 || d.dst[1].rto.rto != d.dst[1].rto.clamp(2*rto1) {
		t.Fatalf("RTO %v/%v, want destination 0 unchanged (%v), destination 1 doubled", d.dst[0].rto.rto, d.dst[1].rto.rto, rto0)
	}
	if d.dst[0].flight != 2*d.booked(d.maxFragment()) || d.dst[1].flight != 0 {
		t.Fatalf("flight %d/%d after marking destination 1", d.dst[0].flight, d.dst[1].flight)
	}
}

// §6.4.1: the retransmission goes to an alternate destination and the
// chunk's destination is recorded there: its flight, its T3-rtx (§6.3.3
// E3 "on the destination address to which the retransmission is sent").
func TestDestRetransmissionToAlternateRecorded(t *testing.T) {
	d := twoDestData(t)
	now := d.dst[0].t3
	d.dst[1].t3 = now.Add(time.Hour) // keep destination 1 quiet
	d.syncT3()
	if d.handleTimeout(now) {
		t.Fatal("association failed")
	}
	if last, ok := d.firstRtxDest(); !ok || last != 0 {
		t.Fatalf("first chunk to retransmit was sent to %d (%v), want 0", last, ok)
	}
	b := d.appendRetransmissionsTo(now, 1, nil, d.cfg.mtu)
	got := decodeSent(t, b).data
	if len(got) == 0 || got[0].TSN != 1000 {
		t.Fatalf("retransmitted %v", got)
	}
	for _, c := range got {
		off := int(c.TSN - d.snd.cumAck - 1)
		if ch := d.snd.chunks.at(off); ch.dest != 1 || !ch.inFlight {
			t.Fatalf("TSN %d: destination %d in flight %v after the retransmission to 1", c.TSN, ch.dest, ch.inFlight)
		}
	}
	if d.dst[1].flight != (2+len(got))*d.booked(d.maxFragment()) {
		t.Fatalf("destination 1 flight %d", d.dst[1].flight)
	}
	if !d.dst[1].t3.Equal(now.Add(d.dst[1].rto.rto)) {
		t.Fatalf("T3 of the alternate %v, want restarted at %v", d.dst[1].t3, now.Add(d.dst[1].rto.rto))
	}
	// Destination 0 has nothing outstanding left once both retransmissions
	// went to 1: its timer, if it fires, counts nothing (§6.3.2 R2).
	if d.snd.rtxCount == 0 {
		d.dst[0].t3 = now.Add(time.Millisecond)
		d.syncT3()
		d.handleTimeout(now.Add(time.Millisecond))
		if m := d.takeT3Fired(); m != 0 || !d.dst[0].t3.IsZero() {
			t.Fatalf("stale T3 of destination 0 fired (%b) or runs (%v)", m, d.dst[0].t3)
		}
	}
}

// §6.3.1: an RTT sample belongs to the destination the timed chunk went
// to; §7.2.1: an acknowledgement grows the cwnd of the destination the
// acknowledged DATA was sent to; §8.2: it clears that destination's
// error counter (ackedDests).
func TestDestRTTAndCwndPerDestination(t *testing.T) {
	cfg := testDataConfig()
	cfg.rto.min = 10 * time.Millisecond
	d := newTestDataState(cfg, dataT0)
	d.setDest(1)
	fillMessages(t, d, dataT0, 8)
	sent := sendAll(t, d, dataT0)
	if len(sent) == 0 {
		t.Fatal("nothing sent")
	}
	cwnd0, cwnd1 := d.dst[0].cc.window(), d.dst[1].cc.window()
	mustSack(t, d, dataT0.Add(40*time.Millisecond), sent[len(sent)-1].TSN, 1<<20)
	if d.dst[1].rto.srtt != 40*time.Millisecond || d.dst[0].rto.measured {
		t.Fatalf("SRTT %v / %v (measured %v), want the sample on destination 1 only", d.dst[0].rto.srtt, d.dst[1].rto.srtt, d.dst[0].rto.measured)
	}
	if d.dst[1].cc.window() <= cwnd1 || d.dst[0].cc.window() != cwnd0 {
		t.Fatalf("cwnd %d→%d / %d→%d, want only destination 1 grown", cwnd0, d.dst[0].cc.window(), cwnd1, d.dst[1].cc.window())
	}
	if m := d.takeAckedDests(); m != 1<<1 {
		t.Fatalf("acked destinations %b, want 1", m)
	}
	if !d.dst[1].t3.IsZero() || !d.snd.t3.IsZero() {
		t.Fatalf("T3 still running with nothing outstanding (R2)")
	}
}

// §6.3.2 R2 and R3 per destination: a SACK that acknowledges everything
// sent to one destination stops its T3-rtx; the other destination's,
// whose earliest outstanding TSN was not acknowledged, keeps running.
func TestDestT3StopsPerDestination(t *testing.T) {
	d := twoDestData(t)
	t0 := d.dst[0].t3
	now := dataT0.Add(30 * time.Millisecond)
	// Gap-ack TSNs 1002–1003 (destination 1), 1000–1001 still missing.
	mustSack(t, d, now, 999, 1<<20, chunk.GapBlock{Start: 3, End: 4})
	if !d.dst[1].t3.IsZero() {
		t.Fatalf("destination 1's T3 runs with nothing outstanding there: %v", d.dst[1].t3)
	}
	if !d.dst[0].t3.Equal(t0) {
		t.Fatalf("destination 0's T3 moved %v → %v without its earliest TSN acked", t0, d.dst[0].t3)
	}
	// R3: 1000 acked → destination 0's T3 restarts from now.
	now = now.Add(10 * time.Millisecond)
	mustSack(t, d, now, 1000, 1<<20, chunk.GapBlock{Start: 2, End: 3})
	if !d.dst[0].t3.Equal(now.Add(d.dst[0].rto.rto)) {
		t.Fatalf("destination 0's T3 %v, want restarted at %v", d.dst[0].t3, now.Add(d.dst[0].rto.rto))
	}
	if !d.snd.t3.Equal(d.dst[0].t3) {
		t.Fatalf("association deadline %v, want destination 0's %v", d.snd.t3, d.dst[0].t3)
	}
}

// §7.2.4 step 2 with §7.2.3: a fast retransmit reduces the cwnd of the
// destination the lost chunk was sent to, not the others'.
func TestDestFastRetransmitReducesItsDestination(t *testing.T) {
	d := twoDestData(t)
	d.snd.noRACK = true // count miss indications alone
	d.dst[0].cc.(*renoController).cwnd = 20 * d.cfg.mtu
	d.dst[1].cc.(*renoController).cwnd = 20 * d.cfg.mtu
	// TSN 1000 (destination 0) missing, three SACKs reporting later TSNs.
	now := dataT0.Add(20 * time.Millisecond)
	for end := uint16(1); end <= 3; end++ {
		mustSack(t, d, now, 999, 1<<20, chunk.GapBlock{Start: 2, End: end + 1})
	}
	if !d.snd.chunks.at(0).rtx || !d.snd.fastRecovery {
		t.Fatal("TSN 1000 not fast-retransmitted")
	}
	if d.dst[0].cc.window() >= 20*d.cfg.mtu || d.dst[1].cc.window() != 20*d.cfg.mtu {
		t.Fatalf("cwnd %d / %d after a loss on destination 0, want destination 0 reduced only", d.dst[0].cc.window(), d.dst[1].cc.window())
	}
}

// No allocation per packet with two destinations: DATA alternating
// between them, SACKed, steady state (design rule 5).
func TestDestSteadyStateAllocs(t *testing.T) {
	c := newSendSackCycle(1100)
	c.d.destState(1)
	n := 0
	cycle := func() {
		c.d.setDest(n % 2)
		n++
		c.run(t)
	}
	for range 50 {
		cycle()
	}
	if a := testing.AllocsPerRun(200, cycle); a != 0 {
		t.Errorf("send+SACK cycle over two destinations: %v allocs/op, want 0", a)
	}
	if len(c.d.dst) != 2 || !c.d.dst[1].rto.measured || !c.d.dst[0].rto.measured {
		t.Fatalf("cycle did not use both destinations")
	}
}

// RFC 5061 Delete IP Address removes a path and the later paths move
// down one index (pathSet.remove): the chunks last sent to the removed
// destination count for the one named, with their flight and a running
// T3-rtx, and the indices follow.
func TestDestRemoved(t *testing.T) {
	d := twoDestData(t)
	d.destState(2)
	frag := d.booked(d.maxFragment())
	t3 := d.dst[0].t3
	d.setDest(1)
	d.removeDest(0, 1)
	if len(d.dst) != 2 || d.dest != 0 {
		t.Fatalf("%d destinations, data path %d after removing 0", len(d.dst), d.dest)
	}
	for i := range 4 {
		if ch := d.snd.chunks.at(i); ch.dest != 0 {
			t.Fatalf("TSN %d on destination %d, want 0 (the old 1)", ch.tsn, ch.dest)
		}
	}
	if d.dst[0].flight != 4*frag || d.dst[1].flight != 0 || d.snd.flight != 4*frag {
		t.Fatalf("flight %d/%d (total %d) after the removal", d.dst[0].flight, d.dst[1].flight, d.snd.flight)
	}
	if d.dst[0].t3.IsZero() || d.dst[0].t3.After(t3) || !d.snd.t3.Equal(d.dst[0].t3) {
		t.Fatalf("T3 %v (association %v), want running no later than %v", d.dst[0].t3, d.snd.t3, t3)
	}
}
