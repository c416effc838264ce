package sctp

import (
	"crypto/hmac"
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Datagram Packetization Layer Path MTU Discovery (RFC 8899) for SCTP over
// UDP (RFC 8899 §6.2; RFC 6951 §5.6), one machine per path.
//
// plpmtud is a plain struct driven by the association with a clock: every
// method takes now, deadline says when timeout has work. It decides which
// probe sizes to send and what the path's PLPMTU is; the association
// builds the probe packets (a HEARTBEAT padded by a PAD chunk, RFC 8899
// §6.2.1.1, RFC 4820), verifies their HEARTBEAT ACKs, feeds the losses of
// DATA on the path (black-hole detection) and ICMP Packet Too Big messages
// (hints, RFC 8899 §4.6) in, and derives its packet size from the paths'
// PLPMTUs (RFC 9260 §6.9, §7.3).
//
// Sizes. The PLPMTU here is the size of the SCTP packet: the UDP payload.
// Configured and reported sizes are IP packet sizes (a path MTU, as the
// user and ICMP speak of them); the IP and UDP headers are subtracted per
// address family (ipUDPOverhead).
//
// Search algorithm: stepped, over the path MTUs links actually have
// (pmtudSteps), then the ceiling. A probe that is acknowledged costs one
// round trip; a size that fails costs MAX_PROBES probe timers (RFC 8899
// §5.1.1: PROBE_TIMER of at least 15 s), so a binary search over
// [1200, 9000] — about seven probes, half of them failing — would take
// minutes where the stepped search fails at most once per search. An ICMP
// Packet Too Big, once it passes validation, adds its size as the next
// candidate (RFC 8899 §4.6.2), so an odd path MTU is still found exactly
// when the network reports it.

// plpmtudState is a state of RFC 8899 §5.2.
type plpmtudState uint8

const (
	pmtudDisabled       plpmtudState = iota // DISABLED: not probing (PLPMTUD off, or before ESTABLISHED)
	pmtudBase                               // BASE: confirming BASE_PLPMTU
	pmtudSearching                          // SEARCHING: probing larger sizes
	pmtudSearchComplete                     // SEARCH_COMPLETE: PLPMTU found; PMTU_RAISE_TIMER runs
	pmtudError                              // ERROR: BASE_PLPMTU failed; packets of MIN_PLPMTU
)

func (s plpmtudState) String() string {
	switch s {
	case pmtudBase:
		return "BASE"
	case pmtudSearching:
		return "SEARCHING"
	case pmtudSearchComplete:
		return "SEARCH_COMPLETE"
	case pmtudError:
		return "ERROR"
	}
	return "DISABLED"
}

// RFC 8899 §5.1 timers and constants, and the RFC 8899 §5.1.2 sizes (IP
// packet bytes).
const (
	// PROBE_TIMER (§5.1.1): "MUST NOT be smaller than 1 second, and
	// SHOULD be larger than 15 seconds". An acknowledged probe stops it at
	// once, so only a size the path cannot carry waits this long.
	pmtudProbeTimer = 20 * time.Second
	// PMTU_RAISE_TIMER (§5.1.1): 600 s, after which SEARCH_COMPLETE
	// searches again for a larger PLPMTU.
	pmtudRaiseTimer = 600 * time.Second
	// MAX_PROBES (§5.1.2): 3 unacknowledged probes of a size fail it.
	pmtudMaxProbes = 3
	// pmtudBlackHoleRun: T3-rtx expiries in a row, with no DATA
	// acknowledged on the path in between, after which a PLPMTU above
	// BASE_PLPMTU is suspected of being a black hole (RFC 8899 §4.3,
	// §5.2: "black hole detected" → BASE). One expiry is ordinary loss;
	// the second one, a backed-off RTO later, finds the retransmission of
	// a full-size packet lost as well.
	pmtudBlackHoleRun = 2

	// BASE_PLPMTU (§5.1.2): IPv6's minimum link MTU, 1280 (RFC 8200);
	// for IPv4, "a BASE_PLPMTU of 1200 bytes is RECOMMENDED".
	pmtudBaseIP4 = 1200
	pmtudBaseIP6 = 1280
	// MIN_PLPMTU (§5.1.2): for IPv6 1280, BASE_PLPMTU itself; for IPv4
	// the 576 bytes every host accepts (RFC 791; RFC 8899 allows 68, but
	// nothing below 576 is worth sending SCTP in, RFC 1191 §3).
	pmtudMinIP4 = 576
	pmtudMinIP6 = 1280
	// pmtudDefaultCeiling is MAX_PLPMTU when none is configured: the
	// Ethernet MTU.
	pmtudDefaultCeiling = defaultLinkMTU
	// pmtudMaxCeiling is the largest IP packet (IPv4's total length; an
	// IPv6 jumbogram is not a UDP datagram we send).
	pmtudMaxCeiling = 65535
)

// pmtudSteps are the path MTUs of real links, in the order the search
// tries them (IP bytes): IPv6's minimum, tunnels (IPsec, GRE, WireGuard
// 1420, 6in4 1480), PPPoE 1492, Ethernet, FDDI 4352, jumbo frames 9000,
// loopback-class sizes. Sizes above the ceiling are skipped; the ceiling
// itself is the last step.
var pmtudSteps = [...]int{1280, 1400, 1420, 1480, 1492, 1500, 4352, 8192, 9000, 16384, 32000, 65535}

// ipUDPOverhead is what the IP and UDP headers add to an SCTP packet over
// UDP on a path of addr's family: IPv4 20 + UDP 8, IPv6 40 + UDP 8 (no
// options or extension headers: we send none).
func ipUDPOverhead(addr netip.Addr) int {
	if addr.Unmap().Is4() {
		return 20 + 8
	}
	return 40 + 8
}

// pmtudConfig is what a path's machine is built from.
type pmtudConfig struct {
	base, min, ceiling int // SCTP packet bytes
	overhead           int // IP + UDP header bytes of the path's family
}

// newPMTUDConfig derives the sizes of a path to addr from ceilingIP, the
// largest path MTU to probe (IP bytes; 0: 1500).
func newPMTUDConfig(addr netip.Addr, ceilingIP int) pmtudConfig {
	if ceilingIP <= 0 {
		ceilingIP = pmtudDefaultCeiling
	}
	ceilingIP = min(ceilingIP, pmtudMaxCeiling)
	c := pmtudConfig{overhead: ipUDPOverhead(addr)}
	baseIP, minIP := pmtudBaseIP6, pmtudMinIP6
	if addr.Unmap().Is4() {
		baseIP, minIP = pmtudBaseIP4, pmtudMinIP4
	}
	c.base = c.size(baseIP)
	c.min = c.size(minIP)
	c.ceiling = max(c.size(ceilingIP), c.base) // a ceiling below BASE_PLPMTU: BASE only
	return c
}

// size is the SCTP packet size a path MTU of ip bytes allows, rounded
// down to a multiple of 4 (a probe is chunks, each a multiple of 4).
func (c pmtudConfig) size(ip int) int { return (ip - c.overhead) &^ 3 }

// plpmtud is the RFC 8899 state of one path.
type plpmtud struct {
	cfg    pmtudConfig
	state  plpmtudState
	plpmtu int // the validated PLPMTU (SCTP packet bytes); what DATA is sized by

	probed     int       // PROBED_SIZE of the probe in flight; 0: none in flight
	probeCount int       // PROBE_COUNT: unacknowledged probes of size probed (or of next)
	next       int       // size of the next probe; 0: none to send
	probeAt    time.Time // the next probe may go (zero: now)
	probeDue   time.Time // PROBE_TIMER of the probe in flight
	raiseAt    time.Time // PMTU_RAISE_TIMER (SEARCH_COMPLETE)
	failed     int       // smallest size known to fail in this search; 0: none
	hint       int       // a validated PTB size to probe next; 0: none
	lossRun    int       // T3-rtx expiries in a row on the path (black-hole detection)
	cumAck     uint32    // the cumulative TSN ack last seen (pmtudDataAcked)

	nonce uint64 // of the probe in flight (the association draws it)

	// counters (PaddrInfo / AssocStats)
	probesSent, probesAcked, probesLost uint64
	blackHoles, ptbUsed                 uint64
}

// start enters BASE (RFC 8899 §5.2: "the DPLPMTUD method enters the BASE
// state when the path is first used"): PLPMTU is BASE_PLPMTU and a probe
// of that size goes out now.
func (m *plpmtud) start(now time.Time) {
	m.enterBase(now)
}

func (m *plpmtud) enterBase(now time.Time) {
	m.state = pmtudBase
	m.hint = 0
	m.plpmtu = m.cfg.base
	m.cancelProbe()
	m.probeCount = 0
	m.next = m.cfg.base
	m.probeAt = now
	m.lossRun = 0
}

func (m *plpmtud) cancelProbe() {
	m.probed = 0
	m.probeDue = time.Time{}
}

// nextCandidate is the next size SEARCHING probes: a validated PTB hint,
// else the next step above the PLPMTU, else the ceiling; 0 when none is
// left below the smallest failed size.
func (m *plpmtud) nextCandidate() int {
	limit := m.cfg.ceiling
	if m.failed > 0 {
		limit = min(limit, m.failed-4)
	}
	if h := m.hint; h > m.plpmtu && h <= limit {
		return h
	}
	for _, ip := range pmtudSteps {
		if s := m.cfg.size(ip); s > m.plpmtu && s <= limit {
			return s
		}
	}
	if m.cfg.ceiling > m.plpmtu && m.cfg.ceiling <= limit {
		return m.cfg.ceiling
	}
	return 0
}

// searchOn picks the next probe in SEARCHING, or enters SEARCH_COMPLETE
// (and arms PMTU_RAISE_TIMER) when no candidate is left.
func (m *plpmtud) searchOn(now time.Time) {
	m.probeCount = 0
	m.next = m.nextCandidate()
	m.hint = 0
	if m.next == 0 {
		m.state = pmtudSearchComplete
		m.raiseAt = now.Add(pmtudRaiseTimer)
		return
	}
	m.state = pmtudSearching
	m.probeAt = now
}

// probe returns the size of a probe to send at now, or 0. The association
// sends it (HEARTBEAT + PAD of exactly that size) and PROBE_TIMER starts.
// One probe is in flight per path at a time.
func (m *plpmtud) probe(now time.Time) int {
	if m.state == pmtudDisabled || m.probed != 0 || m.next == 0 || now.Before(m.probeAt) {
		return 0
	}
	m.probed = m.next
	m.probeDue = now.Add(pmtudProbeTimer)
	m.probesSent++
	return m.probed
}

// acked handles the acknowledgement of the probe in flight of size size
// (RFC 8899 §5.3.1: the PROBED_SIZE is then the PLPMTU). It reports
// whether the PLPMTU changed.
func (m *plpmtud) acked(now time.Time, size int) bool {
	if m.probed == 0 || size != m.probed {
		return false
	}
	m.probesAcked++
	m.cancelProbe()
	old := m.plpmtu
	switch m.state {
	case pmtudBase, pmtudError:
		// BASE → SEARCHING, ERROR → SEARCHING (§5.2): BASE_PLPMTU
		// is confirmed.
		m.plpmtu = size
		m.failed = 0
	case pmtudSearching, pmtudSearchComplete:
		m.plpmtu = max(m.plpmtu, size)
	default:
		return false
	}
	m.searchOn(now)
	return m.plpmtu != old
}

// timeout handles expired timers at now: a probe unacknowledged within
// PROBE_TIMER is lost (PROBE_COUNT + 1; it is never counted as loss of
// DATA, RFC 8899 §4.4); after MAX_PROBES a SEARCHING size has failed
// (SEARCH_COMPLETE, §5.3.1) and BASE_PLPMTU has failed (ERROR, §5.2: the
// PLPMTU drops to MIN_PLPMTU). In SEARCH_COMPLETE, PMTU_RAISE_TIMER starts
// a new search (§5.3.3). It reports whether the PLPMTU changed.
func (m *plpmtud) timeout(now time.Time) bool {
	old := m.plpmtu
	if m.probed != 0 && !now.Before(m.probeDue) {
		m.probesLost++
		size := m.probed
		m.cancelProbe()
		m.probeCount++
		m.probeAt = now
		if m.probeCount >= pmtudMaxProbes {
			switch m.state {
			case pmtudBase:
				m.state = pmtudError
				m.plpmtu = m.cfg.min
				m.probeCount = 0
				// ERROR keeps probing BASE_PLPMTU, a PROBE_TIMER apart.
				m.next = m.cfg.base
				m.probeAt = now.Add(pmtudProbeTimer)
			case pmtudError:
				m.probeCount = 0
				m.probeAt = now.Add(pmtudProbeTimer)
			case pmtudSearching:
				if m.failed == 0 || size < m.failed {
					m.failed = size
				}
				m.searchOn(now)
			}
		}
	}
	if m.state == pmtudSearchComplete && !m.raiseAt.IsZero() && !now.Before(m.raiseAt) {
		// §5.3.3: probe again for a larger PLPMTU; sizes that failed
		// before may pass now.
		m.raiseAt = time.Time{}
		m.failed = 0
		m.searchOn(now)
	}
	return m.plpmtu != old
}

// deadline returns when timeout or probe has work; zero when none.
func (m *plpmtud) deadline() time.Time {
	if m.state == pmtudDisabled {
		return time.Time{}
	}
	if m.probed != 0 {
		return m.probeDue
	}
	if m.next != 0 && m.state != pmtudSearchComplete {
		return m.probeAt
	}
	return m.raiseAt
}

// dataLost tells of a T3-rtx expiry for DATA sent on the path. A run of
// them with nothing acknowledged, while the PLPMTU is above BASE_PLPMTU,
// is taken for a black hole (RFC 8899 §4.3): the PLPMTU drops to
// BASE_PLPMTU at once and the search starts again from BASE, whose probe
// tells whether small packets still pass (§5.2 "black hole detected"). It
// reports whether the PLPMTU changed.
func (m *plpmtud) dataLost(now time.Time) bool {
	if m.state != pmtudSearching && m.state != pmtudSearchComplete {
		return false
	}
	m.lossRun++
	if m.lossRun < pmtudBlackHoleRun || m.plpmtu <= m.cfg.base {
		return false
	}
	m.blackHoles++
	m.enterBase(now)
	return true
}

// dataAcked tells that DATA sent on the path was acknowledged: the path
// carries packets of the PLPMTU (or some of them), no black hole.
func (m *plpmtud) dataAcked() { m.lossRun = 0 }

// ptb applies a validated ICMP Packet Too Big whose reported size, as an
// SCTP packet size, is size (RFC 8899 §4.6.2), and reports whether the
// PLPMTU changed. As a hint only: a size below the PLPMTU in use drops the
// PLPMTU to BASE_PLPMTU (or MIN_PLPMTU below that), and the search that
// follows probes the reported size first — a PTB is believed only once a
// probe confirms it. A size between the PLPMTU and the size being probed
// marks the probe too large and becomes the next candidate. A size not
// below the probed size is inconsistent and ignored.
func (m *plpmtud) ptb(now time.Time, size int) (changed, used bool) {
	if m.state == pmtudDisabled {
		return false, false
	}
	size &^= 3
	old := m.plpmtu
	switch {
	case size < m.plpmtu:
		// §4.6.2: "BASE_PLPMTU <= PL_PTB_SIZE < PLPMTU: this could be an
		// indication of a black hole. The PLPMTU SHOULD be set to
		// BASE_PLPMTU"; below BASE_PLPMTU the path is in ERROR.
		if size < m.cfg.base {
			if size < m.cfg.min {
				return false, false // below anything we would believe
			}
			m.enterBase(now)
			m.state = pmtudError
			m.plpmtu = max(size, m.cfg.min)
			m.probeAt = now.Add(pmtudProbeTimer)
		} else {
			m.enterBase(now)
			m.hint = size
		}
	case m.probed != 0 && size < m.probed:
		// §4.6.2: "PLPMTU < PL_PTB_SIZE < PROBED_SIZE": the probe was too
		// large; the PLPMTU stays valid, and the reported size is the
		// next candidate.
		m.failed = m.probed
		m.cancelProbe()
		if size > m.plpmtu {
			m.hint = size
		}
		if m.state == pmtudSearching {
			m.searchOn(now)
		}
	default:
		return false, false // §4.6.2: PL_PTB_SIZE >= PROBED_SIZE: inconsistent
	}
	m.ptbUsed++
	return m.plpmtu != old, true
}

// ---- the association's side ----

// Probe packets (RFC 8899 §6.2.1.1, §4.1): a HEARTBEAT chunk whose
// Heartbeat Info identifies the probe, padded by a PAD chunk (RFC 4820) to
// the probed size. The peer answers with a HEARTBEAT ACK echoing only the
// info (RFC 9260 §8.3), which acknowledges the probe. The info has the
// layout of association_paths.go's with format 2, the probed size in the
// reserved bytes, and the same HMAC key:
//
//	0  format (1) = 2
//	1  path index (1)
//	2  probed size / 4 (2)
//	4  send time, Unix ns (8)
//	12 nonce (8)
//	20 HMAC-SHA256(key, bytes 0..19)[:16]
//
// A probe's HEARTBEAT is not one of §8.3: its loss counts no path error
// and its acknowledgement is no RTT sample (RFC 8899 §4.4: probe loss is
// not congestion; §6.2.1.1: probes and heartbeats are separate).
const pmtudInfoFormat = 2

// probeHeartbeatLen is the size of a probe's HEARTBEAT chunk.
const probeHeartbeatLen = chunk.HeaderLen + 4 + hbInfoLen

// sealProbeInfo builds the Heartbeat Info of a probe in s.info.
func (s *pathSet) sealProbeInfo(idx, size int, sent time.Time, nonce uint64) []byte {
	b := s.info[:0]
	b = append(b, pmtudInfoFormat, byte(idx))
	b = binary.BigEndian.AppendUint16(b, uint16(size/4))
	b = binary.BigEndian.AppendUint64(b, uint64(sent.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, nonce)
	return append(b, s.infoMAC(b)...)
}

// openProbeInfo verifies a HEARTBEAT ACK's info as the acknowledgement of
// the probe in flight on its path and returns the path and size.
func (s *pathSet) openProbeInfo(info []byte) (idx, size int, ok bool) {
	if len(info) != hbInfoLen || info[0] != pmtudInfoFormat {
		return 0, 0, false
	}
	if !hmac.Equal(s.infoMAC(info[:hbInfoMACOff]), info[hbInfoMACOff:]) {
		return 0, 0, false
	}
	idx = int(info[1])
	if idx >= s.n {
		return 0, 0, false
	}
	m := &s.paths[idx].pmtud
	size = int(binary.BigEndian.Uint16(info[2:])) * 4
	if m.probed == 0 || size != m.probed || binary.BigEndian.Uint64(info[12:]) != m.nonce {
		return 0, 0, false // not the probe in flight: late, replayed or forged
	}
	return idx, size, true
}

// pmtudEnabled reports whether the association runs PLPMTUD.
func (a *association) pmtudEnabled() bool { return a.cfg.pmtud && a.paths != nil }

// pmtudStart starts the machine of every confirmed path (on reaching
// ESTABLISHED: probes are HEARTBEATs, RFC 9260 §8.3) and sizes packets by
// BASE_PLPMTU until probes confirm more (RFC 8899 §5.2).
func (a *association) pmtudStart(now time.Time) {
	if !a.pmtudEnabled() {
		return
	}
	ps := a.paths
	for i := range ps.len() {
		p := ps.path(i)
		if p.confirmed && p.pmtud.state == pmtudDisabled {
			p.pmtud.cfg = newPMTUDConfig(p.addr.Addr(), a.cfg.pmtuCeiling)
			p.pmtud.start(now)
		}
	}
	a.pmtudApply(now, true)
}

// pmtudDeadline returns the earliest PLPMTUD timer of the paths.
func (a *association) pmtudDeadline() time.Time {
	var d time.Time
	if !a.pmtudEnabled() {
		return d
	}
	ps := a.paths
	for i := range ps.len() {
		t := ps.path(i).pmtud.deadline()
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	return d
}

// pmtudTimers runs the expired PLPMTUD timers and sends the probes that
// are due, each to its own path.
func (a *association) pmtudTimers(now time.Time) {
	if !a.pmtudEnabled() || a.peerTag == 0 {
		return
	}
	ps := a.paths
	for i := range ps.len() {
		p := ps.path(i)
		if p.pmtud.state == pmtudDisabled && p.confirmed {
			// A path confirmed after ESTABLISHED starts now.
			p.pmtud.cfg = newPMTUDConfig(p.addr.Addr(), a.cfg.pmtuCeiling)
			p.pmtud.start(now)
		}
		p.pmtud.timeout(now)
		if size := p.pmtud.probe(now); size > 0 {
			p.pmtud.nonce = ps.rng.Uint64()
			a.queueSpecial(p.addr, a.peerTag, a.appendProbe(nil, ps, i, size, now))
			a.counters.PMTUProbes++
			if a.log.debug {
				a.log.Debugf("assoc %d: path %v: PLPMTUD %v: probe of %d bytes (PLPMTU %d)", a.aid, p.addr, p.pmtud.state, size, p.pmtud.plpmtu)
			}
		}
	}
	// A path that starts at BASE_PLPMTU, or that fails even BASE, lowers
	// the packet size (chunks cut before still go: carried, see
	// pmtudApply); so does a path becoming active again, and one going
	// inactive may raise it. Recomputed on every timer event: a loop over
	// the paths.
	a.pmtudApply(now, true)
}

// appendProbe appends the chunks of a probe packet of size bytes (common
// header included) for path idx: HEARTBEAT, then PAD (RFC 8899 §6.2.1.1).
func (a *association) appendProbe(b []byte, ps *pathSet, idx, size int, now time.Time) []byte {
	hb := chunk.Heartbeat{Info: ps.sealProbeInfo(idx, size, now, ps.path(idx).pmtud.nonce)}
	b = hb.AppendTo(b)
	if pad := size - commonHeaderLen - probeHeartbeatLen; pad >= chunk.HeaderLen {
		b = chunk.AppendPad(b, pad)
	}
	return b
}

// pmtudProbeAck takes a HEARTBEAT ACK that acknowledges a probe (RFC 8899
// §4.1) and reports whether it was one; HEARTBEAT ACKs of RFC 9260 §8.3
// go on to the path set.
func (a *association) pmtudProbeAck(now time.Time, info []byte) bool {
	if len(info) == 0 || info[0] != pmtudInfoFormat || a.paths == nil {
		return false
	}
	idx, size, ok := a.paths.openProbeInfo(info)
	if !ok {
		return true // a probe's format: never one of §8.3; dropped
	}
	p := a.paths.path(idx)
	a.counters.PMTUProbesAcked++
	if p.pmtud.acked(now, size) {
		a.log.Debugf("assoc %d: path %v: PLPMTUD %v: PLPMTU %d confirmed", a.aid, p.addr, p.pmtud.state, p.pmtud.plpmtu)
		a.pmtudApply(now, false)
	}
	return true
}

// pmtudDataLost tells path idx's machine of a T3-rtx expiry there
// (black-hole detection).
func (a *association) pmtudDataLost(now time.Time, idx int) {
	if !a.pmtudEnabled() || idx < 0 || idx >= a.paths.len() {
		return
	}
	p := a.paths.path(idx)
	if p.pmtud.dataLost(now) {
		a.counters.PMTUBlackHoles++
		a.log.Debugf("assoc %d: path %v: PLPMTUD: black hole: packets of %d bytes and more are lost, back to BASE_PLPMTU %d",
			a.aid, p.addr, a.cfg.mtu, p.pmtud.plpmtu)
		a.pmtudApply(now, false)
	}
}

// pmtudDataAcked tells path idx's machine, after a SACK, whether DATA sent
// there was newly acknowledged: the cumulative TSN ack advanced. Chunks
// only gap-acknowledged while the earliest stays lost are what a black
// hole looks like (small packets pass, full-size ones do not), so they do
// not end a run of losses.
func (a *association) pmtudDataAcked(idx int) {
	if !a.pmtudEnabled() || a.data == nil || idx < 0 || idx >= a.paths.len() {
		return
	}
	p := a.paths.path(idx)
	if cum := a.data.snd.cumAck; cum != p.pmtud.cumAck {
		p.pmtud.cumAck = cum
		p.pmtud.dataAcked()
	}
}

// pmtudInitialMTU sizes the packets of a new association that runs
// PLPMTUD by the BASE_PLPMTU of its primary path (RFC 8899 §5.2: DATA is
// sent in packets of a confirmed size); probes raise it once ESTABLISHED.
func pmtudInitialMTU(cfg *assocConfig, primary netip.Addr) {
	if cfg.pmtud {
		cfg.mtu = newPMTUDConfig(primary, cfg.pmtuCeiling).base
		if cfg.pmtuMaxPacket > 0 {
			cfg.mtu = max(min(cfg.mtu, cfg.pmtuMaxPacket), minMTU)
		}
	}
}

// pmtudPTB applies a validated Packet Too Big about path idx (RFC 8899
// §4.6: a hint that PLPMTUD validates) and reports whether it was used.
// mtuIP is the reported next-hop MTU (IP bytes).
func (a *association) pmtudPTB(now time.Time, idx, mtuIP int) bool {
	p := a.paths.path(idx)
	if p.pmtud.state == pmtudDisabled {
		return false
	}
	old := p.pmtud.plpmtu
	changed, used := p.pmtud.ptb(now, p.pmtud.cfg.size(mtuIP))
	if changed {
		a.log.Debugf("assoc %d: path %v: PLPMTUD: Packet Too Big (%d): PLPMTU %d, was %d; probing", a.aid, p.addr, mtuIP, p.pmtud.plpmtu, old)
		// Chunks cut before may be larger than the new size; an ICMP
		// Packet Too Big means the IP layer learnt the path MTU and
		// fragments them (RFC 9260 §7.3), so they still go: carried.
		a.pmtudApply(now, true)
	}
	return used
}

// pmtudApply sets the association's packet size — the fragmentation point
// of new messages and the size of new packets — to the smallest PLPMTU of
// its usable paths (RFC 9260 §6.9, §7.3: the smallest PMTU of all
// destinations, so a message can go to any of them). carry keeps packets
// large enough for chunks cut before a drop (pmtuCarry), so that a chunk
// cut larger than the new size can still be retransmitted (RFC 9260 §7.3:
// the IP layer fragments it where it must, e.g. after a Packet Too Big);
// a black hole carries nothing: packets of the old size are known not to
// pass the path, and bundles of small chunks must shrink at once.
func (a *association) pmtudApply(now time.Time, carry bool) {
	ps := a.paths
	size := 0
	for i := range ps.len() {
		p := ps.path(i)
		if p.pmtud.state == pmtudDisabled || !p.confirmed || !p.active {
			continue
		}
		if size == 0 || p.pmtud.plpmtu < size {
			size = p.pmtud.plpmtu
		}
	}
	if size == 0 {
		return
	}
	if a.cfg.pmtuMaxPacket > 0 {
		size = min(size, a.cfg.pmtuMaxPacket)
	}
	size = min(max(size, minMTU), maxMTU)
	if size == a.cfg.mtu {
		return
	}
	if size < a.cfg.mtu {
		if carry {
			a.lowerMTU(now, size)
			return
		}
		a.counters.PMTUDecreases++
		a.pmtu = pmtuCarry{}
	}
	a.log.Debugf("assoc %d: packets of %d bytes, were %d (PLPMTUD)", a.aid, size, a.cfg.mtu)
	a.cfg.mtu = size // the data path's cwnd unit follows (dataState.pmdcs)
}

// setPMTUDEnabled turns PLPMTUD on or off on a live association
// (SCTP_PEER_ADDR_PARAMS SPP_PMTUD_ENABLE / SPP_PMTUD_DISABLE, RFC 6458
// §8.1.12). Off, every path's machine goes to DISABLED and the packet
// size in use stays as it is, fixed from then on.
func (a *association) setPMTUDEnabled(now time.Time, on bool) {
	if on == a.cfg.pmtud || a.paths == nil {
		return
	}
	a.cfg.pmtud = on
	if on {
		if a.hbEnabled() {
			a.pmtudStart(now)
		}
		return
	}
	for i := range a.paths.len() {
		p := a.paths.path(i)
		p.pmtud = plpmtud{}
	}
}

// pmtudWanted decides whether new associations run PLPMTUD: the stack's
// setting, unless the socket's SCTP_PEER_ADDR_PARAMS say otherwise; a
// fixed PathMTU set without SPP_PMTUD_ENABLE means PMTUD disabled (RFC
// 6458 §8.1.12: spp_pathmtu is the MTU when discovery is disabled).
func pmtudWanted(stack bool, flags PaddrFlags, pathMTU uint32) bool {
	switch {
	case flags&SPP_PMTUD_ENABLE != 0:
		return true
	case flags&SPP_PMTUD_DISABLE != 0, pathMTU != 0:
		return false
	}
	return stack
}

// pmtudMaxDatagram is the receive buffer per datagram the runtime needs
// for a stack whose MTU (or PLPMTUD ceiling) is mtu: the runtime's
// default (0) unless mtu is larger.
func pmtudMaxDatagram(mtu int) int {
	if mtu > 9216 {
		return mtu
	}
	return 0
}

// pmtudCeilingOf is PLPMTUD's ceiling (MAX_PLPMTU, RFC 8899 §5.1.2; IP
// bytes) for a socket: its SCTP_PEER_ADDR_PARAMS PathMTU when set, else
// the stack's MTU (0: 1500).
func pmtudCeilingOf(stackMTU int, pathMTU uint32) int {
	if pathMTU != 0 {
		return int(pathMTU)
	}
	return stackMTU
}
