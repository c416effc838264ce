package sctp

import (
	"net/netip"
	"testing"
	"time"
)

// Hand-clock tests of the RFC 8899 machine (plpmtud, association_pmtud.go).

var (
	pmtudV4 = netip.MustParseAddr("127.0.0.1")
	pmtudV6 = netip.MustParseAddr("::1")
)

// newTestPLPMTUD returns a started machine for a path of addr's family with
// the given ceiling (IP bytes) at t0.
func newTestPLPMTUD(addr netip.Addr, ceiling int, t0 time.Time) *plpmtud {
	m := &plpmtud{cfg: newPMTUDConfig(addr, ceiling)}
	m.start(t0)
	return m
}

// pmtudWalk answers every probe the machine sends at once while the path
// carries it (size <= pathMax, SCTP bytes), and lets lost probes time out
// on the hand clock, until no probe is due before the PMTU_RAISE_TIMER. It
// returns the sizes probed in order and the clock.
func pmtudWalk(t *testing.T, m *plpmtud, now time.Time, pathMax int) ([]int, time.Time) {
	t.Helper()
	var sizes []int
	for range 100 {
		if size := m.probe(now); size > 0 {
			sizes = append(sizes, size)
			if size <= pathMax {
				now = now.Add(10 * time.Millisecond) // one round trip
				m.acked(now, size)
			}
			continue
		}
		d := m.deadline()
		if d.IsZero() || m.state == pmtudSearchComplete {
			return sizes, now
		}
		if d.Before(now) {
			t.Fatalf("deadline %v before now %v", d, now)
		}
		now = d
		m.timeout(now)
	}
	t.Fatalf("no end after 100 steps: %v, probed %v", m.state, sizes)
	return nil, now
}

// TestPLPMTUDSizesPerFamily: BASE_PLPMTU is 1200 bytes for IPv4 and 1280
// for IPv6 (RFC 8899 §5.1.2), less the IP and UDP headers of the family
// (20 + 8, 40 + 8); so is the ceiling.
func TestPLPMTUDSizesPerFamily(t *testing.T) {
	for _, c := range []struct {
		addr                netip.Addr
		ceiling             int
		base, min, ceilSize int
	}{
		{pmtudV4, 0, 1172, 548, 1472},
		{pmtudV4, 9000, 1172, 548, 8972},
		{netip.MustParseAddr("::ffff:127.0.0.1"), 1500, 1172, 548, 1472},
		{pmtudV6, 0, 1232, 1232, 1452},
		{pmtudV6, 9000, 1232, 1232, 8952},
		{pmtudV6, 1000, 1232, 1232, 1232},                // a ceiling below BASE: BASE only
		{pmtudV4, 1 << 20, 1172, 548, (65535 - 28) &^ 3}, // IPv4's largest packet
	} {
		cfg := newPMTUDConfig(c.addr, c.ceiling)
		if cfg.base != c.base || cfg.min != c.min || cfg.ceiling != c.ceilSize {
			t.Errorf("%v ceiling %d: base %d min %d ceiling %d, want %d %d %d", c.addr, c.ceiling, cfg.base, cfg.min, cfg.ceiling, c.base, c.min, c.ceilSize)
		}
	}
}

// TestPLPMTUDSearchToCeiling: BASE probes BASE_PLPMTU first (RFC 8899
// §5.2), its acknowledgement moves to SEARCHING, each acknowledged probe
// becomes the PLPMTU (§5.3.1) and the search steps through the common
// MTUs up to the ceiling, then SEARCH_COMPLETE with PMTU_RAISE_TIMER
// armed (§5.3.3). Nothing above the ceiling is ever probed.
func TestPLPMTUDSearchToCeiling(t *testing.T) {
	t0 := time.Unix(1000, 0)
	m := newTestPLPMTUD(pmtudV4, 9000, t0)
	if m.state != pmtudBase || m.plpmtu != 1172 {
		t.Fatalf("start: %v PLPMTU %d, want BASE 1172", m.state, m.plpmtu)
	}
	if d := m.deadline(); !d.Equal(t0) {
		t.Fatalf("first probe due %v, want at once", d)
	}
	sizes, now := pmtudWalk(t, m, t0, 1<<20)
	want := []int{1172, 1252, 1372, 1392, 1452, 1464, 1472, 4324, 8164, 8972}
	if len(sizes) != len(want) {
		t.Fatalf("probed %v, want %v", sizes, want)
	}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("probed %v, want %v", sizes, want)
		}
	}
	if m.state != pmtudSearchComplete || m.plpmtu != 8972 {
		t.Fatalf("end: %v PLPMTU %d, want SEARCH_COMPLETE 8972", m.state, m.plpmtu)
	}
	if got := m.deadline(); !got.Equal(now.Add(pmtudRaiseTimer)) {
		t.Fatalf("deadline %v, want PMTU_RAISE_TIMER at %v", got, now.Add(pmtudRaiseTimer))
	}
	// At the ceiling, the raise timer finds nothing larger to probe.
	now = now.Add(pmtudRaiseTimer)
	m.timeout(now)
	if m.probe(now) != 0 || m.state != pmtudSearchComplete || m.plpmtu != 8972 {
		t.Fatalf("after the raise timer at the ceiling: %v PLPMTU %d", m.state, m.plpmtu)
	}
	if m.probesSent != 10 || m.probesAcked != 10 || m.probesLost != 0 {
		t.Fatalf("probes %d acked %d lost %d", m.probesSent, m.probesAcked, m.probesLost)
	}
}

// TestPLPMTUDMaxProbes: a size the path cannot carry fails after
// MAX_PROBES probes, each a PROBE_TIMER apart (RFC 8899 §5.1.1, §5.1.2,
// §5.3.1), and the search completes at the largest size acknowledged;
// PMTU_RAISE_TIMER later it probes that size again (§5.3.3), and finds it
// if the path grew meanwhile.
func TestPLPMTUDMaxProbes(t *testing.T) {
	t0 := time.Unix(1000, 0)
	m := newTestPLPMTUD(pmtudV4, 1500, t0)
	sizes, now := pmtudWalk(t, m, t0, 1300) // the path carries 1300 bytes
	want := []int{1172, 1252, 1372, 1372, 1372}
	if len(sizes) != len(want) {
		t.Fatalf("probed %v, want %v", sizes, want)
	}
	if m.state != pmtudSearchComplete || m.plpmtu != 1252 || m.probesLost != pmtudMaxProbes {
		t.Fatalf("%v PLPMTU %d lost %d, want SEARCH_COMPLETE 1252 after %d lost", m.state, m.plpmtu, m.probesLost, pmtudMaxProbes)
	}
	// Three PROBE_TIMERs passed for the failing size.
	if el := now.Sub(t0); el < 3*pmtudProbeTimer || el > 3*pmtudProbeTimer+time.Second {
		t.Fatalf("search took %v, want 3 × PROBE_TIMER (%v)", el, pmtudProbeTimer)
	}
	// The raise timer searches again; the path now carries 1500.
	now = now.Add(pmtudRaiseTimer)
	m.timeout(now)
	if m.state != pmtudSearching {
		t.Fatalf("after PMTU_RAISE_TIMER: %v, want SEARCHING", m.state)
	}
	sizes, _ = pmtudWalk(t, m, now, 1472)
	if m.plpmtu != 1472 || sizes[0] != 1372 {
		t.Fatalf("raised search probed %v, PLPMTU %d; want from 1372 to 1472", sizes, m.plpmtu)
	}
}

// TestPLPMTUDBaseFailsToError: when not even BASE_PLPMTU is acknowledged
// after MAX_PROBES, the path is in ERROR with the PLPMTU at MIN_PLPMTU
// (RFC 8899 §5.2), and BASE_PLPMTU is probed again a PROBE_TIMER later;
// its acknowledgement resumes the search.
func TestPLPMTUDBaseFailsToError(t *testing.T) {
	t0 := time.Unix(1000, 0)
	m := newTestPLPMTUD(pmtudV4, 1500, t0)
	now := t0
	for i := range pmtudMaxProbes {
		if s := m.probe(now); s != 1172 {
			t.Fatalf("probe %d: size %d, want BASE 1172", i, s)
		}
		now = m.deadline()
		m.timeout(now)
	}
	if m.state != pmtudError || m.plpmtu != 548 {
		t.Fatalf("%v PLPMTU %d, want ERROR at MIN_PLPMTU 548", m.state, m.plpmtu)
	}
	if m.probe(now) != 0 {
		t.Fatal("ERROR probed again at once")
	}
	if d := m.deadline(); !d.Equal(now.Add(pmtudProbeTimer)) {
		t.Fatalf("next BASE probe at %v, want a PROBE_TIMER later", d)
	}
	now = m.deadline()
	m.timeout(now)
	if s := m.probe(now); s != 1172 {
		t.Fatalf("ERROR probe size %d, want 1172", s)
	}
	if !m.acked(now, 1172) || m.state != pmtudSearching || m.plpmtu != 1172 {
		t.Fatalf("after BASE acknowledged: %v PLPMTU %d", m.state, m.plpmtu)
	}
	// IPv6: MIN_PLPMTU is BASE_PLPMTU.
	m6 := newTestPLPMTUD(pmtudV6, 1500, t0)
	now = t0
	for range pmtudMaxProbes {
		m6.probe(now)
		now = m6.deadline()
		m6.timeout(now)
	}
	if m6.state != pmtudError || m6.plpmtu != 1232 {
		t.Fatalf("IPv6: %v PLPMTU %d, want ERROR 1232", m6.state, m6.plpmtu)
	}
}

// TestPLPMTUDBlackHole: two T3-rtx expiries in a row with nothing newly
// acknowledged take a PLPMTU above BASE back to BASE_PLPMTU at once and
// probe BASE (RFC 8899 §4.3, §5.2); one expiry, or two with an
// acknowledgement between, do not. At BASE there is nothing lower to
// fall to.
func TestPLPMTUDBlackHole(t *testing.T) {
	t0 := time.Unix(1000, 0)
	m := newTestPLPMTUD(pmtudV4, 1500, t0)
	_, now := pmtudWalk(t, m, t0, 1<<20)
	if m.plpmtu != 1472 {
		t.Fatalf("PLPMTU %d", m.plpmtu)
	}
	if m.dataLost(now) {
		t.Fatal("one T3-rtx expiry taken for a black hole")
	}
	m.dataAcked()
	if m.dataLost(now) {
		t.Fatal("T3-rtx expiries with an acknowledgement between taken for a black hole")
	}
	if !m.dataLost(now) {
		t.Fatal("two T3-rtx expiries in a row: no black hole")
	}
	if m.state != pmtudBase || m.plpmtu != 1172 || m.blackHoles != 1 {
		t.Fatalf("%v PLPMTU %d black holes %d, want BASE 1172", m.state, m.plpmtu, m.blackHoles)
	}
	if s := m.probe(now); s != 1172 {
		t.Fatalf("probe %d after a black hole, want BASE 1172", s)
	}
	// In BASE, losses change nothing (the machine is confirming BASE).
	m.dataLost(now)
	if m.dataLost(now) || m.plpmtu != 1172 {
		t.Fatal("black hole below BASE")
	}
}

// TestPLPMTUDPacketTooBig: an ICMP Packet Too Big is a hint (RFC 8899
// §4.6.2): a size at or above the probe in flight is inconsistent and
// ignored; one between the PLPMTU and the probed size fails that probe
// and is probed next; one below the PLPMTU drops it to BASE_PLPMTU and
// the search probes the reported size right after BASE; one below BASE
// puts the path in ERROR at that size; one below MIN_PLPMTU is ignored.
func TestPLPMTUDPacketTooBig(t *testing.T) {
	t0 := time.Unix(1000, 0)
	m := newTestPLPMTUD(pmtudV4, 9000, t0)
	m.acked(t0, m.probe(t0)) // BASE confirmed
	if s := m.probe(t0); s != 1252 {
		t.Fatalf("probe %d", s)
	}
	if ch, used := m.ptb(t0, 1252); ch || used {
		t.Fatal("PTB at the probed size used")
	}
	m.acked(t0, 1252)
	if s := m.probe(t0); s != 1372 {
		t.Fatalf("probe %d", s)
	}
	// PLPMTU 1252 < PTB 1300 < probed 1372: probe 1300 next.
	if ch, used := m.ptb(t0, 1300); ch || !used {
		t.Fatalf("PTB between PLPMTU and probe: changed %v used %v", ch, used)
	}
	if s := m.probe(t0); s != 1300 {
		t.Fatalf("probe after PTB %d, want 1300", s)
	}
	m.acked(t0, 1300)
	if m.plpmtu != 1300 {
		t.Fatalf("PLPMTU %d", m.plpmtu)
	}
	// Nothing between 1300 and the failed 1372 is a step: complete.
	if m.state != pmtudSearchComplete {
		t.Fatalf("%v, want SEARCH_COMPLETE below the failed size", m.state)
	}
	// BASE <= PTB < PLPMTU: back to BASE, then the reported size.
	if ch, used := m.ptb(t0, 1200); !ch || !used || m.state != pmtudBase || m.plpmtu != 1172 {
		t.Fatalf("PTB below the PLPMTU: changed %v used %v, %v PLPMTU %d", ch, used, m.state, m.plpmtu)
	}
	m.acked(t0, m.probe(t0))
	if s := m.probe(t0); s != 1200 {
		t.Fatalf("probe after BASE %d, want the PTB size 1200", s)
	}
	m.acked(t0, 1200)
	// PTB below BASE: ERROR at the reported size.
	if ch, _ := m.ptb(t0, 1000); !ch || m.state != pmtudError || m.plpmtu != 1000 {
		t.Fatalf("PTB below BASE: %v PLPMTU %d", m.state, m.plpmtu)
	}
	// Below MIN_PLPMTU: ignored.
	if ch, used := m.ptb(t0, 500); ch || used || m.plpmtu != 1000 {
		t.Fatalf("PTB below MIN_PLPMTU used: %v", m.plpmtu)
	}
	// A disabled machine ignores everything.
	var off plpmtud
	if _, used := off.ptb(t0, 1300); used || off.probe(t0) != 0 || !off.deadline().IsZero() {
		t.Fatal("DISABLED machine acted")
	}
}

// TestPLPMTUDWrongAckIgnored: only the acknowledgement of the probe in
// flight, of its size, counts.
func TestPLPMTUDWrongAckIgnored(t *testing.T) {
	t0 := time.Unix(1000, 0)
	m := newTestPLPMTUD(pmtudV4, 1500, t0)
	if m.acked(t0, 1172) || m.plpmtu != 1172 || m.state != pmtudBase {
		t.Fatal("acknowledgement with no probe in flight taken")
	}
	s := m.probe(t0)
	if m.acked(t0, s+4) || m.state != pmtudBase {
		t.Fatal("acknowledgement of another size taken")
	}
	if m.probe(t0) != 0 {
		t.Fatal("second probe while one is in flight")
	}
}
