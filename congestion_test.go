package sctp

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

func TestRenoInitialWindow(t *testing.T) {
	// §7.2.1: min(4·PMDCS, max(2·PMDCS, 4404)) for an IPv4 peer, 4344 in
	// place of 4404 for IPv6.
	for _, c := range []struct {
		pmdcs int
		ipv6  bool
		want  int
	}{
		{1200, false, 4404},
		{1200, true, 4344},
		{1440, false, 4404},
		{1440, true, 4344},
		{576, false, 2304},
		{576, true, 2304},
		{9000, false, 18000},
		{2000, true, 4344},
	} {
		if got := newRenoController(c.pmdcs, 1<<20, c.ipv6).window(); got != c.want {
			t.Errorf("PMDCS %d, IPv6 %v: initial cwnd %d, want %d", c.pmdcs, c.ipv6, got, c.want)
		}
	}
	if got := newRenoController(1200, 1<<20, false).threshold(); got != 1<<20 {
		t.Errorf("initial ssthresh %d, want peer rwnd", got)
	}
}

func TestRenoSlowStart(t *testing.T) {
	c := newRenoController(1200, 100000, false)
	c.cwnd = 4380 // the table's arithmetic starts here
	for _, st := range []struct {
		what                             string
		acked, flightBefore, flightAfter int
		inRecovery                       bool
		want                             int
	}{
		{"fully utilized: + min(acked, MTU)", 500, 4380, 3880, false, 4880},
		{"fully utilized: +1 MTU", 3000, 4880, 1880, false, 6080},
		{"not fully utilized: no growth", 1000, 3000, 2000, false, 6080},
		// RFC 9260 §7.2.1 (unlike RFC 4960) does not ask the SACK to
		// advance the cum ack: bytes acknowledged by gap blocks count.
		{"gap acks only, fully utilized: + min(acked, MTU)", 1000, 7000, 6000, false, 7080},
		{"in fast recovery: no growth", 1000, 7080, 6080, true, 7080},
	} {
		c.onAck(st.acked, 0, st.flightBefore, st.flightAfter, st.inRecovery)
		if c.cwnd != st.want {
			t.Fatalf("%s: cwnd %d, want %d", st.what, c.cwnd, st.want)
		}
	}
}

func TestRenoCongestionAvoidance(t *testing.T) {
	c := newRenoController(1000, 100000, false)
	c.cwnd, c.ssthresh = 10000, 8000
	// partial_bytes_acked accumulates; cwnd +1 MTU once it reaches cwnd.
	for i := 0; i < 9; i++ {
		c.onAck(1000, 0, 10000, 9000, false)
		if c.cwnd != 10000 {
			t.Fatalf("cwnd grew after %d bytes: %d", (i+1)*1000, c.cwnd)
		}
	}
	c.onAck(1000, 0, 10000, 9000, false)
	if c.cwnd != 11000 || c.pba != 0 {
		t.Fatalf("cwnd=%d pba=%d, want 11000/0", c.cwnd, c.pba)
	}
	// Without cwnd outstanding, pba is capped at cwnd and cwnd holds.
	c.onAck(20000, 0, 5000, 1000, false)
	if c.cwnd != 11000 || c.pba != 11000 {
		t.Fatalf("under-utilized CA: cwnd=%d pba=%d", c.cwnd, c.pba)
	}
	// All acked → pba reset.
	c.onAck(1000, 0, 1000, 0, false)
	if c.pba != 0 {
		t.Fatalf("pba %d after all acked", c.pba)
	}
}

func TestRenoLossReactions(t *testing.T) {
	c := newRenoController(1000, 100000, false)
	c.cwnd = 20000
	c.onFastRetransmit()
	if c.ssthresh != 10000 || c.cwnd != 10000 {
		t.Fatalf("fast retransmit: cwnd=%d ssthresh=%d", c.cwnd, c.ssthresh)
	}
	c.cwnd = 5000
	c.onFastRetransmit()
	if c.ssthresh != 4000 || c.cwnd != 4000 {
		t.Fatalf("fast retransmit floor 4·MTU: cwnd=%d ssthresh=%d", c.cwnd, c.ssthresh)
	}
	c.cwnd = 30000
	c.onRetransmitTimeout(false)
	if c.ssthresh != 15000 || c.cwnd != 1000 {
		t.Fatalf("T3: cwnd=%d ssthresh=%d", c.cwnd, c.ssthresh)
	}
	c.cwnd = 32000
	c.onIdle(2)
	if c.cwnd != 8000 {
		t.Fatalf("idle 2 RTO: cwnd=%d, want 8000", c.cwnd)
	}
	c.onIdle(5)
	if c.cwnd != 4000 {
		t.Fatalf("idle floor: cwnd=%d, want 4·MTU", c.cwnd)
	}
}

// TestCwndValidationAfterIdle checks that the data path tells the
// controller about idle periods (§7.2.1).
func TestCwndValidationAfterIdle(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	d.cc.(*renoController).cwnd = 40000
	fillMessages(t, d, dataT0, 1)
	sendAll(t, d, dataT0)
	mustSack(t, d, dataT0, 1000, 1<<20)
	// Idle for 3.5 RTOs (RTO 1 s): cwnd halves 3 times (floor 4·MTU).
	now := dataT0.Add(3500 * time.Millisecond)
	fillMessages(t, d, now, 1)
	sendAll(t, d, now)
	if got := d.stats().cwnd; got != 5000 {
		t.Fatalf("cwnd after idle = %d, want 5000", got)
	}
}

// TestSlowStartThroughDataPath runs SACKs through dataState and checks cwnd
// grows only while it is fully used.
func TestSlowStartThroughDataPath(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	// Everything here is sent and acked at one instant (RTT 0): RACK
	// would rightly call the gap at 1001 a loss at once; this test is
	// about §7.2.1 alone.
	d.snd.noRACK = true
	fillMessages(t, d, dataT0, 20)
	p := sendAll(t, d, dataT0)
	if len(p) != 4 {
		t.Fatalf("initial burst %d chunks, want 4", len(p))
	}
	mustSack(t, d, dataT0, 1001, 1<<20)
	if got := d.stats().cwnd; got != 4404+d.pmdcs() {
		t.Fatalf("cwnd %d, want %d", got, 4404+d.pmdcs())
	}
	// Gap-only SACK, cwnd fully used: the bytes the gap blocks
	// acknowledge grow cwnd (RFC 9260 §7.2.1; RFC 4960 waited for the cum
	// ack to advance), by at most one MTU.
	p = sendAll(t, d, dataT0)
	mustSack(t, d, dataT0, 1001, 1<<20, chunk.GapBlock{Start: 2, End: 3})
	if got := d.stats().cwnd; got != 4404+2*d.pmdcs() {
		t.Fatalf("cwnd %d after a gap-only SACK of 2 chunks, want %d (sent %v)", got, 4404+2*d.pmdcs(), tsns(p))
	}
}

// TestGrowthOnGapAcks: in congestion avoidance, partial_bytes_acked counts
// the chunks that Gap Ack Blocks acknowledge behind a hole (RFC 9260
// §7.2.2), so a chunk that is late or lost does not hold back cwnd growth
// until the hole fills; and in Fast Recovery nothing grows.
func TestGrowthOnGapAcks(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	d.snd.noRACK = true            // sent and acked at one instant; §7.2 alone
	f := d.booked(d.maxFragment()) // a chunk counts with its header (§7.2)
	cc := d.cc.(*renoController)
	cc.cwnd, cc.ssthresh = 4*f, 3000
	fillMessages(t, d, dataT0, 20)
	if p := sendAll(t, d, dataT0); len(p) != 4 {
		t.Fatalf("sent %d chunks with cwnd 4 chunks, want 4", len(p))
	}
	// TSN 1000 missing, 1001–1002 acknowledged by a gap block: one miss
	// indication, no loss yet.
	mustSack(t, d, dataT0, 999, 1<<20, chunk.GapBlock{Start: 2, End: 3})
	if cc.pba != 2*f || cc.cwnd != 4*f {
		t.Fatalf("after a gap-only SACK of 2 chunks: pba %d cwnd %d, want %d/%d", cc.pba, cc.cwnd, 2*f, 4*f)
	}
	if p := sendAll(t, d, dataT0); len(p) != 2 {
		t.Fatalf("sent %d chunks into the room the gap blocks freed, want 2", len(p))
	}
	// 1003–1004 too (a second miss): pba reaches cwnd with cwnd fully
	// used → + 1 MTU, while the hole is still open.
	mustSack(t, d, dataT0, 999, 1<<20, chunk.GapBlock{Start: 2, End: 5})
	if cc.cwnd != 4*f+d.pmdcs() || cc.pba != 0 {
		t.Fatalf("after gap blocks acknowledged a cwnd's worth: cwnd %d pba %d, want %d/0", cc.cwnd, cc.pba, 4*f+d.pmdcs())
	}
	// A third miss: Fast Recovery (§7.2.4), cwnd = ssthresh.
	sendAll(t, d, dataT0)
	mustSack(t, d, dataT0, 999, 1<<20, chunk.GapBlock{Start: 2, End: 6})
	if !d.snd.fastRecovery {
		t.Fatal("three miss indications: not in Fast Recovery")
	}
	w := cc.cwnd
	sendAll(t, d, dataT0)
	mustSack(t, d, dataT0, 999, 1<<20, chunk.GapBlock{Start: 2, End: 8})
	if cc.cwnd != w {
		t.Fatalf("cwnd grew in Fast Recovery: %d → %d", w, cc.cwnd)
	}
}

// TestFlightCountsChunkLength: a chunk counts in flight, and so against
// cwnd, with its chunk header and padding (RFC 9260 §7.2), not with its
// user data alone: with one-byte messages (20-byte chunks, 59 to a packet
// of 1,200 bytes) the initial cwnd of 4,404 bytes (IPv4) lets 4 packets out, 236
// chunks (the fourth begins below cwnd and is filled, §6.1 B), not 4,404
// chunks. A SACK gives the same lengths back.
func TestFlightCountsChunkLength(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	for i := range 1000 {
		mustEnqueue(t, d, dataT0, outMessage{stream: uint16(i % 4), data: []byte{byte(i)}})
	}
	p := sendAll(t, d, dataT0)
	const chunkLen = 16 + 4 // DATA chunk header + 1 byte padded to 4
	if want := 4 * 59; len(p) != want {
		t.Fatalf("sent %d one-byte chunks with cwnd 4404, want %d", len(p), want)
	}
	if st := d.stats(); st.flight != len(p)*chunkLen || st.peerRwnd != 1<<20-uint32(len(p)*chunkLen) {
		t.Fatalf("flight %d, peer rwnd %d; want %d, %d", st.flight, st.peerRwnd, len(p)*chunkLen, 1<<20-len(p)*chunkLen)
	}
	mustSack(t, d, dataT0.Add(ms(10)), p[99].TSN, 1<<20)
	if st := d.stats(); st.flight != (len(p)-100)*chunkLen {
		t.Fatalf("flight %d after 100 chunks acked, want %d", st.flight, (len(p)-100)*chunkLen)
	}
}

// TestCwndUnitFollowsPMTU: §7.2's unit is the PMDCS of the path as it is
// now. PLPMTUD (RFC 8899) or an ICMP report changes the MTU while the
// association runs: a larger one lets slow start grow by the larger
// PMDCS per SACK, a smaller one lowers the T3-rtx window and the 4·PMDCS
// floor with it (before, the controller kept the handshake's MTU).
func TestCwndUnitFollowsPMTU(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	d.snd.noRACK = true
	fillMessages(t, d, dataT0, 4)
	p := sendAll(t, d, dataT0)
	cwnd, chunkLen := d.stats().cwnd, d.booked(d.maxFragment())
	d.cfg.mtu = 9000 // probed up (the chunks in flight keep their size)
	mustSack(t, d, dataT0.Add(ms(10)), p[len(p)-1].TSN, 1<<20)
	acked := len(p) * chunkLen
	if got := d.stats().cwnd; got != cwnd+min(acked, 9000-12) {
		t.Fatalf("slow start after the MTU rose to 9000: cwnd %d → %d, want + %d", cwnd, got, min(acked, 9000-12))
	}
	fillMessages(t, d, dataT0, 1)
	sendAll(t, d, dataT0.Add(ms(10)))
	d.cfg.mtu = 600 // lowered (ICMP Packet Too Big)
	before := d.stats().cwnd
	d.handleTimeout(d.deadline())
	want := max(before/2, 4*(600-12))
	if st := d.stats(); st.t3Expiries != 1 || st.cwnd != 600-12 || st.ssthresh != want {
		t.Fatalf("T3-rtx after the MTU fell to 600: %d expiries, cwnd %d ssthresh %d; want 1, %d, %d", st.t3Expiries, st.cwnd, st.ssthresh, 600-12, want)
	}
	// The floor too: a loss the data path reacts to (Fast Recovery) from
	// a small window, after the MTU fell again.
	d.cfg.mtu = 500
	d.cc.(*renoController).cwnd = 3000
	d.lossDetected()
	if got := d.cc.threshold(); !d.snd.fastRecovery || got != 4*(500-12) {
		t.Fatalf("ssthresh %d (fast recovery %v) after a loss with cwnd 3000, want the floor 4·PMDCS = %d", got, d.snd.fastRecovery, 4*(500-12))
	}
}

// TestRuleBFillsPacket: RFC 9260 §6.1 B lets a packet begun below cwnd
// exceed it by up to PMDCS − 1 bytes (SHOULD), one packet only. With
// 100-byte messages (116-byte chunks, 10 to a packet of 1,200 bytes) and
// cwnd 4,404, the fourth packet begins at 3,480 bytes in flight and leaves
// full (4,640 ≤ 4,404 + 1,187), not cut at the first chunk past cwnd
// (4,408); no fifth packet follows.
func TestRuleBFillsPacket(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	for i := range 100 {
		mustEnqueue(t, d, dataT0, outMessage{stream: uint16(i % 4), data: make([]byte, 100)})
	}
	var perPacket []int
	for {
		p := sendPacket(t, d, dataT0)
		if len(p) == 0 {
			break
		}
		perPacket = append(perPacket, len(p))
	}
	if !slices.Equal(perPacket, []int{10, 10, 10, 10}) {
		t.Fatalf("chunks per packet %v, want [10 10 10 10]", perPacket)
	}
	cwnd := d.stats().cwnd
	if f := d.stats().flight; f != 40*116 || f > cwnd+d.pmdcs()-1 {
		t.Fatalf("flight %d, want %d (at most cwnd %d + PMDCS − 1)", f, 40*116, cwnd)
	}
}

// TestAvoidanceAfterUndoAndDuplicates: RFC 9260 §7.2.2 has no Fast
// Recovery condition (§7.2.1's slow start has one), so a window above
// ssthresh in Fast Recovery, left by an undo (RFC 4015 §2), keeps growing;
// and partial_bytes_acked counts the bytes of chunks reported as
// Duplicate TSNs beside those newly acknowledged.
func TestAvoidanceAfterUndoAndDuplicates(t *testing.T) {
	c := newRenoController(1000, 100000, false)
	c.cwnd, c.ssthresh = 10000, 8000
	c.onAck(6000, 4000, 10000, 4000, true)
	if c.cwnd != 11000 || c.pba != 0 {
		t.Fatalf("in Fast Recovery above ssthresh, 6000 acked + 4000 duplicate: cwnd %d pba %d, want 11000/0", c.cwnd, c.pba)
	}
	// Duplicates alone count too.
	c.onAck(0, 3000, 11000, 11000, false)
	if c.pba != 3000 {
		t.Fatalf("SACK with only Duplicate TSNs: pba %d, want 3000", c.pba)
	}
	// Slow start: no growth in Fast Recovery (a MUST), and duplicates
	// are not bytes acknowledged.
	c = newRenoController(1000, 100000, false)
	w := c.cwnd
	c.onAck(1000, 0, w, w-1000, true)
	c.onAck(0, 2000, w, w, false)
	if c.cwnd != w {
		t.Fatalf("slow start grew in Fast Recovery or on duplicates: %d → %d", w, c.cwnd)
	}
}

// TestDuplicateTSNsCountOnce: the data path gives the controller the
// length of the chunks a SACK reports as Duplicate TSNs (§7.2.2), each
// chunk once, and only chunks it sent and saw acknowledged: a receiver
// repeating a TSN, or reporting one never sent, grows nothing.
func TestDuplicateTSNsCountOnce(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	d.snd.noRACK = true
	f := d.booked(d.maxFragment())
	cc := d.cc.(*renoController)
	cc.cwnd, cc.ssthresh = 4*f, 3000
	fillMessages(t, d, dataT0, 20)
	p := sendAll(t, d, dataT0)
	if len(p) != 4 {
		t.Fatalf("sent %d chunks with cwnd 4 chunks, want 4", len(p))
	}
	mustSack(t, d, dataT0, p[1].TSN, 1<<20)
	if cc.pba != 2*f {
		t.Fatalf("pba %d after 2 chunks acked, want %d", cc.pba, 2*f)
	}
	sendAll(t, d, dataT0)
	s := sackOf(p[1].TSN, 1<<20)
	s.DupTSNs = []uint32{p[0].TSN, p[0].TSN, p[1].TSN + 100}
	if err := d.handleSack(dataT0, s); err != nil {
		t.Fatal(err)
	}
	if cc.pba != 3*f {
		t.Fatalf("pba %d after one duplicate reported twice and one never sent, want %d", cc.pba, 3*f)
	}
	s.DupTSNs = []uint32{p[0].TSN}
	if err := d.handleSack(dataT0, s); err != nil {
		t.Fatal(err)
	}
	if cc.pba != 3*f {
		t.Fatalf("pba %d after the same duplicate in a second SACK, want %d", cc.pba, 3*f)
	}
	s.DupTSNs = []uint32{p[1].TSN}
	if err := d.handleSack(dataT0, s); err != nil {
		t.Fatal(err)
	}
	if cc.pba != 0 || cc.cwnd != 4*f+d.pmdcs() {
		t.Fatalf("a second chunk's duplicate brings pba to cwnd: cwnd %d pba %d, want %d/0", cc.cwnd, cc.pba, 4*f+d.pmdcs())
	}
}

// TestInitialWindowByFamily: each destination's initial cwnd follows the
// family of its peer address (RFC 9260 §7.2.1): 4404 bytes for IPv4, 4344
// for IPv6; an IPv4-mapped IPv6 address is IPv4.
func TestInitialWindowByFamily(t *testing.T) {
	a := &association{paths: newTestPathSet(t, assocConfig{})} // primary 127.0.0.1
	for _, ap := range []netip.AddrPort{hbAlt, netip.MustParseAddrPort("[::ffff:127.0.0.2]:9899")} {
		if _, ok := a.paths.add(hbT0, ap, true); !ok {
			t.Fatalf("path %v not added", ap)
		}
	}
	c := testDataConfig()
	c.negotiated.pathIPv6 = a.pathIPv6
	d := newTestDataState(c, dataT0)
	p := d.pmdcs()
	for idx, base := range []int{4404, 4344, 4404} {
		if got, want := d.destState(idx).cc.window(), min(4*p, max(2*p, base)); got != want {
			t.Errorf("path %d (%v): initial cwnd %d, want %d", idx, a.paths.path(idx).addr, got, want)
		}
	}
}

// TestInitialWindowFamilyThroughHandshake: the association hands its paths'
// family to the data path it creates at the handshake (negotiatedParams),
// so a peer reached over IPv6 starts with 4344 bytes, not IPv4's 4404.
func TestInitialWindowFamilyThroughHandshake(t *testing.T) {
	for _, c := range []struct {
		addr string
		base int
	}{{"127.0.0.1:9899", 4404}, {"[::1]:9899", 4344}} {
		tp := newTestPeer(t)
		tp.addr = netip.MustParseAddrPort(c.addr)
		tp.acceptHandshake(testAssocConfig())
		d := tp.assoc.data
		p := d.pmdcs()
		if got, want := d.cc.window(), min(4*p, max(2*p, c.base)); got != want {
			t.Errorf("peer %s: initial cwnd %d, want %d", c.addr, got, want)
		}
	}
}
