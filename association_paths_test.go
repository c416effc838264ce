package sctp

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

var (
	hbT0    = time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	hbPrim  = netip.MustParseAddrPort("127.0.0.1:9899")
	hbAlt   = netip.MustParseAddrPort("[::1]:9899")
	hbUnc1  = netip.MustParseAddrPort("192.0.2.2:9899")
	hbUnc2  = netip.MustParseAddrPort("[fd00::2]:9899")
	hbUnc3  = netip.MustParseAddrPort("198.51.100.7:9899")
	hbSeeds byte
)

func newTestPathSet(t *testing.T, cfg assocConfig) *pathSet {
	t.Helper()
	hbSeeds++
	return newPathSet(testPathConfig(cfg), newSeededReader(hbSeeds), hbPrim)
}

// testPathConfig returns cfg with the defaults, as an association holds it.
func testPathConfig(cfg assocConfig) *assocConfig {
	c := cfg.withDefaults()
	return &c
}

// sendHB asks for one HEARTBEAT at now and decodes it; it fails the test if
// none is due (or the chunk is malformed).
func sendHB(t *testing.T, s *pathSet, now time.Time) (info []byte, idx int) {
	t.Helper()
	b, idx, ok := s.appendHeartbeat(now, []byte{0xAA})
	if !ok {
		t.Fatalf("at %v: no HEARTBEAT due (deadline %v)", now.Sub(hbT0), s.deadline().Sub(hbT0))
	}
	if b[0] != 0xAA {
		t.Fatalf("appendHeartbeat clobbered the buffer prefix")
	}
	it := chunk.NewIter(b[1:])
	if !it.Next() {
		t.Fatalf("no chunk: %v", it.Err())
	}
	var hb chunk.Heartbeat
	if err := hb.Decode(it.Chunk()); err != nil {
		t.Fatalf("HEARTBEAT does not decode: %v", err)
	}
	if it.Next() || it.Err() != nil {
		t.Fatalf("trailing bytes after HEARTBEAT: %v", it.Err())
	}
	if len(hb.Info) != hbInfoLen {
		t.Fatalf("info length %d", len(hb.Info))
	}
	return bytes.Clone(hb.Info), idx
}

func noHB(t *testing.T, s *pathSet, now time.Time) {
	t.Helper()
	if b, idx, ok := s.appendHeartbeat(now, nil); ok || len(b) != 0 {
		t.Fatalf("at %v: unexpected HEARTBEAT to path %d", now.Sub(hbT0), idx)
	}
}

func ackHB(t *testing.T, s *pathSet, now time.Time, info []byte) (time.Duration, int) {
	t.Helper()
	rtt, idx, ok := s.handleHeartbeatAck(now, info)
	if !ok {
		t.Fatalf("at %v: valid HEARTBEAT ACK rejected", now.Sub(hbT0))
	}
	return rtt, idx
}

func wantChange(t *testing.T, s *pathSet, idx int, kind pathChangeKind) {
	t.Helper()
	c, ok := s.nextChange()
	if !ok || c.idx != idx || c.kind != kind || c.addr != s.path(idx).addr {
		t.Fatalf("nextChange = %+v, %v; want path %d kind %d", c, ok, idx, kind)
	}
}

func wantNoChange(t *testing.T, s *pathSet) {
	t.Helper()
	if c, ok := s.nextChange(); ok {
		t.Fatalf("unexpected change %+v", c)
	}
}

func TestHeartbeatIntervalJitter(t *testing.T) {
	// RTO.Min as RFC 9260 §16 recommends (1 s), so that RTO stays at
	// RTO.Initial = RTO.Min through the 20 ms samples below.
	s := newTestPathSet(t, assocConfig{rto: rtoBounds{min: rfc9260RTOMin}})
	if !s.deadline().IsZero() {
		t.Fatalf("deadline before startHeartbeats: %v", s.deadline())
	}
	now := hbT0
	noHB(t, s, now)
	s.startHeartbeats(now)
	const rto = time.Second // RTO.Initial; samples below RTO.Min keep it there
	lo, hi := assocDefaultHBInterval+rto/2, assocDefaultHBInterval+3*rto/2
	minSeen, maxSeen := time.Duration(1<<62), time.Duration(0)
	for i := range 300 {
		d := s.deadline()
		period := d.Sub(now)
		if period < lo || period > hi {
			t.Fatalf("cycle %d: heartbeat period %v outside [%v, %v]", i, period, lo, hi)
		}
		minSeen, maxSeen = min(minSeen, period), max(maxSeen, period)
		noHB(t, s, d.Add(-time.Nanosecond))
		if n := s.timeout(d.Add(-time.Nanosecond)); n != 0 {
			t.Fatalf("errors before anything was sent")
		}
		now = d
		info, idx := sendHB(t, s, now)
		if idx != 0 {
			t.Fatalf("HEARTBEAT to path %d", idx)
		}
		noHB(t, s, now) // one per period
		if got := s.deadline(); !got.Equal(now.Add(rto)) {
			t.Fatalf("cycle %d: deadline %v, want the ack timer at +RTO", i, got.Sub(now))
		}
		now = now.Add(20 * time.Millisecond)
		rtt, _ := ackHB(t, s, now, info)
		if rtt != 20*time.Millisecond {
			t.Fatalf("rtt %v", rtt)
		}
		if s.path(0).rto != rto {
			t.Fatalf("rto %v, want RTO.Min", s.path(0).rto)
		}
		now = now.Add(-20 * time.Millisecond) // periods are measured from the send
	}
	// ±50% of RTO is used, not a fixed offset.
	if minSeen > lo+rto/4 || maxSeen < hi-rto/4 {
		t.Errorf("jitter range [%v, %v] does not span [%v, %v]", minSeen, maxSeen, lo, hi)
	}
}

func TestHeartbeatOnlyIdlePaths(t *testing.T) {
	s := newTestPathSet(t, assocConfig{})
	s.startHeartbeats(hbT0)
	first := s.deadline()
	period := first.Sub(hbT0)
	// DATA keeps flowing: no heartbeat at the original due time.
	s.noteDataSent(0, hbT0.Add(10*time.Second))
	noHB(t, s, first)
	if d := s.deadline(); !d.Equal(hbT0.Add(10*time.Second + period)) {
		t.Fatalf("deadline %v after DATA, want a period past the DATA", d.Sub(hbT0))
	}
	s.timeout(first)
	noHB(t, s, first)
	sendHB(t, s, hbT0.Add(10*time.Second+period))
}

func TestHeartbeatDisabledAndStopped(t *testing.T) {
	s := newTestPathSet(t, assocConfig{hbDisabled: true})
	s.startHeartbeats(hbT0)
	if !s.deadline().IsZero() {
		t.Fatalf("heartbeats disabled but deadline %v", s.deadline())
	}
	// Unconfirmed addresses are probed anyway (§5.4).
	idx, _ := s.add(hbT0, hbUnc1, false)
	info, got := sendHB(t, s, hbT0)
	if got != idx {
		t.Fatalf("probe went to path %d, want %d", got, idx)
	}
	ackHB(t, s, hbT0.Add(time.Millisecond), info)
	wantChange(t, s, idx, pathConfirmed)
	if !s.deadline().IsZero() {
		t.Fatalf("confirmed path heartbeated with heartbeats disabled: %v", s.deadline())
	}

	s2 := newTestPathSet(t, assocConfig{})
	s2.startHeartbeats(hbT0)
	info, _ = sendHB(t, s2, s2.deadline())
	s2.stopHeartbeats() // SHUTDOWN sent (§8.3)
	if !s2.deadline().IsZero() {
		t.Fatalf("deadline after stopHeartbeats: %v", s2.deadline())
	}
	if n := s2.timeout(hbT0.Add(time.Hour)); n != 0 || s2.path(0).errors != 0 {
		t.Fatalf("error counted after stop")
	}
	ackHB(t, s2, hbT0.Add(time.Hour), info) // a late ACK is still fine
}

func TestHeartbeatUnconfirmedProbing(t *testing.T) {
	s := newTestPathSet(t, assocConfig{})
	for _, a := range []netip.AddrPort{hbUnc1, hbUnc2, hbUnc3} {
		if _, ok := s.add(hbT0, a, false); !ok {
			t.Fatalf("add %v failed", a)
		}
	}
	if i, ok := s.add(hbT0, hbUnc2, false); !ok || i != 2 {
		t.Fatalf("re-adding returns %d, %v", i, ok)
	}
	for i := 1; i < s.len(); i++ {
		if s.usable(i) {
			t.Fatalf("unconfirmed path %d usable for DATA", i)
		}
	}
	now := hbT0
	s.startHeartbeats(now)
	// One probe per RTO to unconfirmed addresses (HB.Max.Burst = 1).
	info1, idx := sendHB(t, s, now)
	if idx != 1 {
		t.Fatalf("first probe to %d", idx)
	}
	noHB(t, s, now)
	if d := s.deadline(); !d.Equal(now.Add(time.Second)) {
		t.Fatalf("next probe at %v, want +RTO", d.Sub(now))
	}
	now = now.Add(300 * time.Millisecond)
	rtt, i := ackHB(t, s, now, info1)
	if i != 1 || rtt != 300*time.Millisecond {
		t.Fatalf("ack: path %d rtt %v", i, rtt)
	}
	wantChange(t, s, 1, pathConfirmed)
	wantNoChange(t, s)
	if !s.usable(1) || s.current() != 0 {
		t.Fatalf("confirmed path not usable, or primary not current")
	}
	// Confirmed path 1 is now on the heartbeat period, not probing.
	if d := s.path(1).hbNext.Sub(now); d < assocDefaultHBInterval {
		t.Fatalf("confirmed path next heartbeat in %v", d)
	}
	now = hbT0.Add(time.Second)
	if got := s.timeout(now); got != 0 {
		t.Fatalf("timeout counted %d association errors", got)
	}
	_, idx2 := sendHB(t, s, now)
	if idx2 != 2 {
		t.Fatalf("second probe to %d", idx2)
	}
	noHB(t, s, now)
	now = now.Add(time.Second)
	// Path 2 never answers: its error counts, it stays unconfirmed and is
	// never reported; path 3 gets its turn.
	if got := s.timeout(now); got != 0 {
		t.Fatalf("unanswered probe counted against the association: %d", got)
	}
	if s.path(2).errors != 1 || s.path(2).rto != 2*time.Second {
		t.Fatalf("path 2: errors %d rto %v", s.path(2).errors, s.path(2).rto)
	}
	_, idx3 := sendHB(t, s, now)
	if idx3 != 3 {
		t.Fatalf("third probe to %d", idx3)
	}
	now, n := drive(t, s, now, func(i int) bool { return i <= 1 }, func() bool {
		return s.path(2).errors > assocDefaultPathMaxRetrans+1 && s.path(3).errors > assocDefaultPathMaxRetrans+1
	})
	if n != 0 {
		t.Fatalf("association errors %d", n)
	}
	if s.path(2).confirmed || s.path(3).confirmed || s.path(2).errors <= assocDefaultPathMaxRetrans {
		t.Fatalf("unanswered paths: %+v %+v", s.path(2), s.path(3))
	}
	if s.path(2).rto != assocDefaultRTOMax {
		t.Fatalf("probe backoff not capped: %v", s.path(2).rto)
	}
	wantNoChange(t, s)
	if s.setPrimary(2) {
		t.Fatalf("unconfirmed path accepted as primary")
	}
}

func TestHeartbeatAckRTTSample(t *testing.T) {
	s := newTestPathSet(t, assocConfig{rto: rtoBounds{min: 10 * time.Millisecond}})
	s.startHeartbeats(hbT0)
	now := s.deadline()
	info, _ := sendHB(t, s, now)
	rtt, idx := ackHB(t, s, now.Add(80*time.Millisecond), info)
	if idx != 0 || rtt != 80*time.Millisecond {
		t.Fatalf("rtt %v path %d", rtt, idx)
	}
	p := s.path(0)
	// C2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR.
	if p.srtt != 80*time.Millisecond || p.rttvar != 40*time.Millisecond || p.rto != 240*time.Millisecond {
		t.Fatalf("after first sample: srtt %v rttvar %v rto %v", p.srtt, p.rttvar, p.rto)
	}
	// The same ACK again (replay) is rejected and changes nothing.
	if _, _, ok := s.handleHeartbeatAck(now.Add(time.Second), info); ok {
		t.Fatalf("replayed HEARTBEAT ACK accepted")
	}
	now = s.deadline()
	info, _ = sendHB(t, s, now)
	ackHB(t, s, now.Add(40*time.Millisecond), info)
	// C3: RTTVAR = 3/4·40 + 1/4·|80−40| = 40, SRTT = 7/8·80 + 1/8·40 = 75.
	if p.srtt != 75*time.Millisecond || p.rttvar != 40*time.Millisecond || p.rto != 235*time.Millisecond {
		t.Fatalf("after second sample: srtt %v rttvar %v rto %v", p.srtt, p.rttvar, p.rto)
	}
	// The core may override the RTO (e.g. from the data path's estimator);
	// it is clamped to [RTO.Min, RTO.Max].
	s.setRTO(0, time.Hour)
	if p.rto != assocDefaultRTOMax {
		t.Fatalf("setRTO not clamped: %v", p.rto)
	}
}

func TestHeartbeatForgedAckRejected(t *testing.T) {
	s := newTestPathSet(t, assocConfig{})
	other := newTestPathSet(t, assocConfig{})
	s.startHeartbeats(hbT0)
	other.startHeartbeats(hbT0)
	now := s.deadline()
	info, _ := sendHB(t, s, now)
	ack := now.Add(10 * time.Millisecond)
	reject := func(what string, b []byte) {
		t.Helper()
		if _, _, ok := s.handleHeartbeatAck(ack, b); ok {
			t.Fatalf("%s accepted", what)
		}
	}
	for i := range info {
		for _, flip := range []byte{1, 0x80} {
			b := bytes.Clone(info)
			b[i] ^= flip
			reject("info with a flipped byte", b)
		}
	}
	reject("empty info", nil)
	reject("truncated info", info[:len(info)-1])
	reject("extended info", append(bytes.Clone(info), 0))
	otherInfo, _ := sendHB(t, other, other.deadline())
	reject("another association's info", otherInfo)
	// A well-formed, correctly MACed info for a path index we do not have.
	forged := bytes.Clone(info)
	forged[1] = 9
	copy(forged[hbInfoMACOff:], s.infoMAC(forged[:hbInfoMACOff]))
	reject("info for a nonexistent path", forged)
	if s.path(0).hbAckDue.IsZero() {
		t.Fatalf("a rejected ACK settled the outstanding HEARTBEAT")
	}
	ackHB(t, s, ack, info)

	// An older HEARTBEAT's info is rejected once a newer one was sent.
	now = s.deadline()
	old, _ := sendHB(t, s, now)
	now = now.Add(time.Second)
	s.timeout(now) // unanswered
	now = s.deadline()
	newer, _ := sendHB(t, s, now)
	if _, _, ok := s.handleHeartbeatAck(now.Add(time.Millisecond), old); ok {
		t.Fatalf("superseded HEARTBEAT's ACK accepted")
	}
	ackHB(t, s, now.Add(time.Millisecond), newer)
	if s.path(0).errors != 0 {
		t.Fatalf("errors not cleared by ACK: %d", s.path(0).errors)
	}
}

func TestHeartbeatLateAckAccepted(t *testing.T) {
	s := newTestPathSet(t, assocConfig{})
	s.startHeartbeats(hbT0)
	now := s.deadline()
	info, _ := sendHB(t, s, now)
	s.timeout(now.Add(time.Second)) // not answered within RTO
	if s.path(0).errors != 1 {
		t.Fatalf("errors %d", s.path(0).errors)
	}
	rtt, _ := ackHB(t, s, now.Add(1500*time.Millisecond), info)
	if rtt != 1500*time.Millisecond || s.path(0).errors != 0 {
		t.Fatalf("late ack: rtt %v errors %d", rtt, s.path(0).errors)
	}
}

// drive advances the clock deadline by deadline, running timeout and
// sending every due HEARTBEAT, ACKing those to paths answer approves, until
// done reports true. It returns the time and the association errors counted.
func drive(t *testing.T, s *pathSet, now time.Time, answer func(idx int) bool, done func() bool) (time.Time, int) {
	t.Helper()
	assocErrors := 0
	for step := 0; !done(); step++ {
		if step > 500 {
			t.Fatalf("condition not reached in 500 steps")
		}
		d := s.deadline()
		if d.IsZero() || d.Before(now) {
			t.Fatalf("deadline %v (now %v)", d, now)
		}
		now = d
		assocErrors += s.timeout(now)
		for {
			b, i, ok := s.appendHeartbeat(now, nil)
			if !ok {
				break
			}
			if answer != nil && answer(i) {
				it := chunk.NewIter(b)
				it.Next()
				var hb chunk.Heartbeat
				if err := hb.Decode(it.Chunk()); err != nil {
					t.Fatal(err)
				}
				ackHB(t, s, now.Add(time.Millisecond), hb.Info)
			}
		}
	}
	return now, assocErrors
}

// failPath lets HEARTBEATs to idx go unanswered until it becomes inactive,
// checking its RTO only grows meanwhile.
func failPath(t *testing.T, s *pathSet, now time.Time, idx int, answer func(int) bool) (time.Time, int) {
	t.Helper()
	prevRTO := s.path(idx).rto
	return drive(t, s, now, answer, func() bool {
		if r := s.path(idx).rto; r < prevRTO {
			t.Fatalf("rto shrank without a sample: %v → %v", prevRTO, r)
		}
		prevRTO = s.path(idx).rto
		return !s.path(idx).active
	})
}

func TestHeartbeatErrorsMakePathInactive(t *testing.T) {
	s := newTestPathSet(t, assocConfig{})
	s.startHeartbeats(hbT0)
	now, assocErrors := failPath(t, s, hbT0, 0, nil)
	p := s.path(0)
	// Inactive once the counter exceeds Path.Max.Retrans (§8.2).
	if p.errors != assocDefaultPathMaxRetrans+1 {
		t.Fatalf("inactive after %d errors", p.errors)
	}
	if assocErrors != assocDefaultPathMaxRetrans+1 {
		t.Fatalf("association errors %d, want one per unanswered HEARTBEAT on the data path", assocErrors)
	}
	// Doubled per unanswered HEARTBEAT: 1 → 2 → 4 → 8 → 16 → 32 → 60 (RTO.Max).
	if p.rto != assocDefaultRTOMax {
		t.Fatalf("rto after 6 backoffs: %v", p.rto)
	}
	wantChange(t, s, 0, pathUnreachable)
	wantNoChange(t, s)
	// Still probed while inactive; an ACK brings it back.
	now = s.deadline()
	s.timeout(now)
	info, _ := sendHB(t, s, now)
	ackHB(t, s, now.Add(5*time.Millisecond), info)
	if !p.active || p.errors != 0 {
		t.Fatalf("not recovered: active %v errors %d", p.active, p.errors)
	}
	wantChange(t, s, 0, pathAvailable)
	wantNoChange(t, s)
}

func TestHeartbeatPrimaryFailover(t *testing.T) {
	// RFC 9260 §8.2 alone: the PF threshold at Path.Max.Retrans turns
	// RFC 7829 off (TestPFFailover has it on).
	s := newTestPathSet(t, assocConfig{pfThreshold: assocDefaultPathMaxRetrans})
	alt, ok := s.add(hbT0, hbAlt, true)
	if !ok || alt != 1 {
		t.Fatalf("add alt: %d %v", alt, ok)
	}
	s.startHeartbeats(hbT0)
	if s.current() != 0 || s.alternate(0) != 1 || s.alternate(1) != 0 {
		t.Fatalf("current %d alternate %d/%d", s.current(), s.alternate(0), s.alternate(1))
	}
	// The primary stops answering, the alternate keeps answering.
	now, assocErrors := failPath(t, s, hbT0, 0, func(i int) bool { return i == 1 })
	if assocErrors != assocDefaultPathMaxRetrans+1 {
		t.Fatalf("association errors %d", assocErrors)
	}
	wantChange(t, s, 0, pathUnreachable)
	wantNoChange(t, s)
	if s.current() != 1 {
		t.Fatalf("DATA not moved to the active alternate: current %d", s.current())
	}
	// Unanswered HEARTBEATs on the (inactive, no longer data) primary no
	// longer count against the association.
	now, n := drive(t, s, now, func(i int) bool { return i == 1 }, func() bool {
		p := s.path(0)
		return !p.hbAckDue.IsZero() && !p.hbAckDue.After(s.deadline())
	})
	if n != 0 {
		t.Fatalf("association errors while moving on: %d", n)
	}
	now = s.path(0).hbAckDue
	errs := s.path(0).errors
	if n := s.timeout(now); n != 0 || s.path(0).errors != errs+1 {
		t.Fatalf("inactive primary's unanswered HEARTBEAT: %d association errors, path errors %d→%d", n, errs, s.path(0).errors)
	}
	// The primary recovers through a SACK for DATA sent to it (§8.2).
	s.ackReceived(0, now)
	wantChange(t, s, 0, pathAvailable)
	if s.current() != 0 {
		t.Fatalf("not back on the primary: current %d", s.current())
	}
	// User picks the alternate as primary.
	if !s.setPrimary(1) || s.current() != 1 {
		t.Fatalf("setPrimary(1) failed")
	}
	// T3-rtx strikes on the new primary make it fail over too.
	for i := 0; i <= assocDefaultPathMaxRetrans; i++ {
		if became := s.strike(1, now); became != (i == assocDefaultPathMaxRetrans) {
			t.Fatalf("strike %d: becameInactive %v", i, became)
		}
	}
	wantChange(t, s, 1, pathUnreachable)
	if s.current() != 0 {
		t.Fatalf("current %d after primary strikes", s.current())
	}
	// All paths inactive: DATA still goes to the primary.
	for range assocDefaultPathMaxRetrans + 1 {
		s.strike(0, now)
	}
	if s.current() != 1 {
		t.Fatalf("all inactive: current %d, want the primary", s.current())
	}
}

func TestPathSetBounds(t *testing.T) {
	s := newTestPathSet(t, assocConfig{})
	if _, ok := s.add(hbT0, netip.AddrPortFrom(netip.Addr{}, 9899), false); ok {
		t.Fatalf("invalid address added")
	}
	for i := 1; i < maxPaths; i++ {
		if _, ok := s.add(hbT0, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 9899), false); !ok {
			t.Fatalf("add %d failed", i)
		}
	}
	if _, ok := s.add(hbT0, netip.MustParseAddrPort("10.9.9.9:9899"), false); ok || s.len() != maxPaths {
		t.Fatalf("more than %d paths", maxPaths)
	}
	if i, ok := s.find(netip.MustParseAddr("10.0.0.3")); !ok || i != 3 {
		t.Fatalf("find: %d %v", i, ok)
	}
	if i, ok := s.find(netip.MustParseAddr("::ffff:10.0.0.3")); !ok || i != 3 {
		t.Fatalf("find IPv4-mapped: %d %v", i, ok)
	}
	if _, ok := s.find(netip.MustParseAddr("10.0.0.99")); ok {
		t.Fatalf("found an unknown address")
	}
}

func TestPathSetAddresses(t *testing.T) {
	s := newTestPathSet(t, assocConfig{})
	// A destination is an IP address; the UDP port is its attribute.
	if i, ok := s.add(hbT0, netip.MustParseAddrPort("[::ffff:127.0.0.1]:4000"), false); !ok || i != 0 {
		t.Fatalf("re-adding the primary (mapped, other port): %d %v", i, ok)
	}
	if s.path(0).addr != hbPrim {
		t.Fatalf("primary address changed to %v", s.path(0).addr)
	}
	s.setUDPPort(0, 4000)
	if s.path(0).addr != netip.MustParseAddrPort("127.0.0.1:4000") {
		t.Fatalf("setUDPPort: %v", s.path(0).addr)
	}
	// The addresses of a cookie join as unconfirmed paths with the
	// handshake's UDP port; the already known one is skipped.
	c := testCookie(0)
	for _, a := range []string{"127.0.0.1", "192.0.2.2", "fd00::2", "::ffff:198.51.100.7"} {
		c.addPeerAddr(netip.MustParseAddr(a))
	}
	if c.addrs()[3] != netip.MustParseAddr("198.51.100.7") {
		t.Fatalf("cookie kept a mapped address: %v", c.addrs()[3])
	}
	if n := s.addPeerAddrs(hbT0, c.addrs(), 9899); n != 3 || s.len() != 4 {
		t.Fatalf("addPeerAddrs added %d, len %d", n, s.len())
	}
	for i, want := range []string{"192.0.2.2:9899", "[fd00::2]:9899", "198.51.100.7:9899"} {
		p := s.path(i + 1)
		if p.addr != netip.MustParseAddrPort(want) || p.confirmed || s.usable(i+1) {
			t.Fatalf("path %d: %v confirmed %v", i+1, p.addr, p.confirmed)
		}
	}
}

func TestHeartbeatAckAnswer(t *testing.T) {
	hb := chunk.Heartbeat{Info: []byte("peer-opaque-info-17")}
	b := appendHeartbeatAck([]byte{1, 2}, &hb)
	it := chunk.NewIter(b[2:])
	if !it.Next() || it.Chunk().Type != chunk.TypeHeartbeatAck {
		t.Fatalf("no HEARTBEAT ACK: %v", it.Err())
	}
	var ack chunk.HeartbeatAck
	if err := ack.Decode(it.Chunk()); err != nil || !bytes.Equal(ack.Info, hb.Info) {
		t.Fatalf("echo mismatch: %q, %v", ack.Info, err)
	}
}

func TestHeartbeatNoAlloc(t *testing.T) {
	s := newTestPathSet(t, assocConfig{hbInterval: time.Millisecond})
	s.startHeartbeats(hbT0)
	buf := make([]byte, 0, 128)
	now := hbT0
	var info []byte
	n := testing.AllocsPerRun(100, func() {
		now = now.Add(time.Hour)
		s.timeout(now)
		b, _, ok := s.appendHeartbeat(now, buf[:0])
		if !ok {
			panic("no heartbeat")
		}
		info = b[8:]
		if _, _, ok := s.handleHeartbeatAck(now, info); !ok {
			panic("ack rejected")
		}
		s.deadline()
	})
	if n != 0 {
		t.Errorf("heartbeat cycle allocates %v times", n)
	}
}

func BenchmarkHeartbeatCycle(b *testing.B) {
	s := newPathSet(testPathConfig(assocConfig{hbInterval: time.Millisecond}), newSeededReader(99), hbPrim)
	s.startHeartbeats(hbT0)
	buf := make([]byte, 0, 128)
	now := hbT0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Hour)
		s.timeout(now)
		p, _, ok := s.appendHeartbeat(now, buf[:0])
		if !ok {
			b.Fatal("no heartbeat")
		}
		if _, _, ok := s.handleHeartbeatAck(now, p[8:]); !ok {
			b.Fatal("ack rejected")
		}
	}
}

// FuzzHeartbeatAckInfo: handleHeartbeatAck never panics and accepts only
// the info of the outstanding HEARTBEAT.
func FuzzHeartbeatAckInfo(f *testing.F) {
	s := newPathSet(testPathConfig(assocConfig{}), newSeededReader(77), hbPrim)
	s.add(hbT0, hbUnc1, false)
	s.startHeartbeats(hbT0)
	b, _, _ := s.appendHeartbeat(hbT0, nil)
	valid := bytes.Clone(b[8:])
	f.Add(valid)
	f.Add(valid[:20])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, info []byte) {
		before := *s.path(1)
		_, idx, ok := s.handleHeartbeatAck(hbT0.Add(time.Millisecond), info)
		if ok {
			if !bytes.Equal(info, valid) || idx != 1 {
				t.Fatalf("forged info accepted for path %d: %x", idx, info)
			}
			*s.path(1) = before // keep the outstanding HEARTBEAT for later inputs
		} else if *s.path(1) != before {
			t.Fatalf("rejected info changed the path")
		}
	})
}

// TestHeartbeatDeadProbeDoesNotStarveOthers: the one-probe-per-RTO limit on
// unconfirmed addresses uses the association's RTO, so an unanswered
// address with a backed-off RTO does not hold back probing a new one.
func TestHeartbeatDeadProbeDoesNotStarveOthers(t *testing.T) {
	s := newTestPathSet(t, assocConfig{})
	dead, _ := s.add(hbT0, hbUnc1, false)
	s.startHeartbeats(hbT0)
	now, _ := drive(t, s, hbT0, func(i int) bool { return i == 0 }, func() bool {
		p := s.path(dead)
		return p.rto >= 16*time.Second && !p.hbAckDue.IsZero()
	})
	if !s.path(dead).hbSentAt.Equal(now) {
		t.Fatalf("test setup: dead address not probed just now")
	}
	fresh, _ := s.add(now, hbUnc2, false)
	if d := s.deadline(); d.Sub(now) > time.Second {
		t.Fatalf("new address waits %v for its first probe", d.Sub(now))
	}
	now = s.deadline()
	s.timeout(now)
	if _, idx := sendHB(t, s, now); idx != fresh {
		t.Fatalf("probe went to %d, want the new address %d", idx, fresh)
	}
}

func TestHeartbeatAnswered(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.write(tp.epTag, &chunk.Heartbeat{Info: []byte("opaque-info")})
	p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeatAck)
	if got := decodeAs(t, p.chunks[0], &chunk.HeartbeatAck{}).Info; string(got) != "opaque-info" {
		t.Fatalf("info %q", got)
	}
}

func TestHeartbeatIdlePathAndRTT(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.hbDisabled = false
	tp.acceptHandshake(cfg)
	// HB.interval (30 s) + RTO after establishment.
	step := tp.advanceToTimer()
	if step < 30*time.Second || step > 32*time.Second {
		t.Fatalf("first HEARTBEAT after %v", step)
	}
	p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeat)
	info := decodeAs(t, p.chunks[0], &chunk.Heartbeat{}).Info
	tp.now = tp.now.Add(80 * time.Millisecond)
	tp.write(tp.epTag, &chunk.HeartbeatAck{Info: info})
	if srtt := tp.assoc.stats().SRTT; srtt != 80*time.Millisecond {
		t.Fatalf("SRTT %v after an 80 ms HEARTBEAT RTT", srtt)
	}
	// A forged HEARTBEAT ACK is ignored.
	tp.write(tp.epTag, &chunk.HeartbeatAck{Info: []byte("forged-forged-forged")})
	if srtt := tp.assoc.stats().SRTT; srtt != 80*time.Millisecond {
		t.Fatalf("SRTT changed by forged ack")
	}
}

func TestFailoverToAlternatePath(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.pathMaxRetrans = 2
	cfg.pfThreshold = 2 // RFC 9260 alone: PF off (TestPFFailoverScripted has it)
	cfg.maxRetrans = 20
	tp.startConnect(cfg)
	alt := netip.MustParseAddrPort("192.0.2.2:9899")
	v4 := alt.Addr().As4()
	tp.answerInit(chunk.AppendParam(nil, chunk.ParamIPv4Addr, v4[:]))
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	// This test counts T3-rtx strikes: tail loss probes (RFC 8985 §7),
	// which go to the same path and strike nothing, are off.
	tp.assoc.data.snd.noRACK = true
	// The alternate address is probed and confirmed.
	tp.advance(0)
	p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeat)
	if p.to != alt {
		t.Fatalf("probe to %v", p.to)
	}
	tp.writeFrom(alt, tp.epTag, &chunk.HeartbeatAck{Info: decodeAs(t, p.chunks[0], &chunk.Heartbeat{}).Info})
	tp.assoc.send(tp.now, outMessage{data: []byte("important")})
	tp.collect()
	if p := tp.wantPacket(tp.peerTag, chunk.TypeData); p.to != tp.addr {
		t.Fatalf("DATA to %v, want the primary", p.to)
	}
	// The primary is dead: T3 expiries strike it until it is inactive;
	// then the retransmission goes to the alternate.
	var dataTo []netip.AddrPort
	for i := 0; i < 8; i++ {
		tp.advanceToTimer()
		for _, p := range tp.sent {
			if p.types()[0] == chunk.TypeData {
				dataTo = append(dataTo, p.to)
			}
		}
		tp.sent = nil
	}
	// §6.4.1: the first retransmission goes to the alternate. The peer
	// answers nothing, so T3-rtx expires there too and the next goes back
	// to the primary (the data path, still active), and so on; Path.Max.
	// Retrans = 2: the primary's third strike makes it inactive.
	if len(dataTo) < 3 || dataTo[0] != alt || dataTo[1] != tp.addr || dataTo[2] != alt {
		t.Fatalf("retransmissions went to %v, want alternate, primary, alternate, ...", dataTo)
	}
	var unreachable bool
	for _, ev := range tp.events {
		if pc, ok := ev.(PeerAddrChange); ok && pc.State == AddrUnreachable && pc.Addr == tp.addr {
			unreachable = true
		}
	}
	if !unreachable {
		t.Fatalf("no ADDR_UNREACHABLE for the primary: %v", tp.events)
	}
}

// TestHeartbeatBackoffBounded: an unanswered HEARTBEAT doubles the path's
// RTO (RFC 9260 §8.3), up to the backoff bound when one is set
// (RTOInfo.MaxBackoff): 1 s, 2 s, 3 s, 3 s.
func TestHeartbeatBackoffBounded(t *testing.T) {
	s := newTestPathSet(t, assocConfig{rto: rtoBounds{maxBackoff: 3 * time.Second}})
	if _, ok := s.add(hbT0, hbUnc1, false); !ok {
		t.Fatal("add failed")
	}
	now := hbT0
	s.startHeartbeats(now)
	for i, want := range []time.Duration{2, 3, 3} {
		if _, idx := sendHB(t, s, now); idx != 1 {
			t.Fatalf("probe %d to path %d", i+1, idx)
		}
		now = s.deadline()
		s.timeout(now)
		if got := s.path(1).rto; got != want*time.Second {
			t.Fatalf("after %d unanswered probes: rto %v, want %v", i+1, got, want*time.Second)
		}
	}
}
