package sctp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"io"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

// maxPaths bounds the destination addresses of one association: the
// handshake address plus the peer's INIT/INIT ACK addresses.
const maxPaths = cookieMaxAddrs

// pathState is one destination transport address of the peer (RFC 9260 §8.2,
// §8.3, §5.4) and its heartbeat state.
type pathState struct {
	addr      netip.AddrPort // peer IP + the peer's UDP encapsulation port (RFC 6951)
	confirmed bool           // §5.4: only HEARTBEATs go to an unconfirmed address
	active    bool           // §8.2: false once errors exceeded Path.Max.Retrans
	errors    int            // §8.2 destination error counter

	rto          time.Duration // this destination's RTO (backed off on unanswered HEARTBEATs)
	srtt, rttvar time.Duration // this destination's estimator (from HEARTBEAT ACKs); srtt 0 = no sample
	period       time.Duration // the jittered heartbeat period hbNext was computed with

	hbNext       time.Time // next HEARTBEAT due (zero: none scheduled)
	lastSent     time.Time // last DATA sent to this path (idle detection, §8.3)
	hbNonce      uint64    // nonce of the latest HEARTBEAT; valid while nonceValid
	nonceValid   bool      // the latest HEARTBEAT has not been acknowledged yet
	hbSentAt     time.Time // when the latest HEARTBEAT was sent
	hbAckDue     time.Time // outstanding: unanswered after this → error (zero: none outstanding)
	repConfirmed bool      // state last reported by nextChange
	repActive    bool
	repPF        bool
	activeSince  time.Time // last became active (RFC 7829 §5.1: ties among PF paths)

	pmtud plpmtud // RFC 8899 PLPMTUD of this path (association_pmtud.go)
}

// pathChangeKind is a reportable destination state change; the core maps it
// to a PeerAddrChange event (RFC 6458 §6.1.2 SCTP_PEER_ADDR_CHANGE).
type pathChangeKind uint8

const (
	pathConfirmed         pathChangeKind = iota + 1 // SCTP_ADDR_CONFIRMED: verified by HEARTBEAT ACK (§5.4)
	pathAvailable                                   // SCTP_ADDR_AVAILABLE: inactive → active (§8.2, §8.3)
	pathUnreachable                                 // SCTP_ADDR_UNREACHABLE: errors exceeded Path.Max.Retrans (§8.2)
	pathPotentiallyFailed                           // SCTP_ADDR_POTENTIALLY_FAILED: errors exceeded the PF threshold (RFC 7829 §5, §7.1)
)

// pathChange is one reported destination state change.
type pathChange struct {
	idx    int
	addr   netip.AddrPort
	kind   pathChangeKind
	errors int // the destination error counter at the change
}

// Heartbeat Info (RFC 9260 §3.3.5: sender-specific, opaque to the peer).
// We put in it what §8.3 suggests (send time, destination) and the §5.4
// nonce, authenticated with HMAC-SHA256 under a per-association key,
// truncated to 128 bits:
//
//	0  format (1) = 1
//	1  path index (1)
//	2  reserved (2) = 0
//	4  send time, Unix ns (8)
//	12 nonce (8)
//	20 HMAC-SHA256(key, bytes 0..19)[:16]
const (
	hbInfoFormat = 1
	hbInfoMACOff = 20
	hbInfoLen    = hbInfoMACOff + 16
)

// pathSet is the set of destinations of one association: path selection
// (RFC 9260 §6.4 primary and fallback), heartbeat scheduling and
// verification (§8.3, §5.4), destination error counting (§8.2) and the
// potentially-failed state of RFC 7829 (SCTP-PF, quick failover). Pure
// state: every method takes now; deadline tells the core when to call
// timeout next. Owned by the association; not safe for concurrent use.
type pathSet struct {
	cfg     *assocConfig // the association's config (HB.interval, Path.Max.Retrans, RTO bounds)
	paths   []pathState  // grown on demand up to maxPaths (most associations have one)
	n       int          // len(paths)
	primary int          // §6.4 primary path: the handshake address unless set otherwise
	hbOn    bool
	// sackTo is the path the latest DATA came from: SACKs go there (RFC
	// 9260 §6.4: reply to the source of the chunk replied to); -1: none.
	sackTo int

	// unconfirmedNext rate-limits probes of unconfirmed addresses to
	// HB.Max.Burst (1) per RTO (RFC 9260 §5.4).
	unconfirmedNext time.Time

	rng  rand.ChaCha8 // nonces (must be unpredictable, §5.4) and jitter
	mac  hash.Hash    // HMAC-SHA256 under the association's heartbeat key
	sum  [sha256.Size]byte
	info [hbInfoLen]byte
}

// newPathSet returns a set holding the handshake address as its confirmed,
// active primary path (RFC 9260 §5.4: the address the handshake ran over is
// confirmed). Heartbeats start when the core calls startHeartbeats (on
// reaching ESTABLISHED, §8.3). rand supplies the heartbeat key and seed.
func newPathSet(cfg *assocConfig, rand io.Reader, primary netip.AddrPort) *pathSet {
	s := &pathSet{cfg: cfg, sackTo: -1}
	var secret [64]byte
	if _, err := io.ReadFull(rand, secret[:]); err != nil {
		panic("BUG: heartbeat key: random source failed: " + err.Error())
	}
	s.mac = hmac.New(sha256.New, secret[:32])
	s.rng.Seed([32]byte(secret[32:]))
	clear(secret[:])
	s.add(time.Time{}, primary, true)
	pmtudInitialMTU(cfg, primary.Addr())
	return s
}

// len returns the number of paths.
func (s *pathSet) len() int { return s.n }

// path returns path idx (a pointer into the set; valid until the set changes).
func (s *pathSet) path(idx int) *pathState { return &s.paths[idx] }

// normAddr is the form addresses are kept in: IPv4-mapped IPv6 unmapped (a
// dual-stack socket reports IPv4 peers that way; INIT lists them as IPv4).
func normAddr(a netip.Addr) netip.Addr { return a.Unmap() }

// find returns the index of the path to IP address a. A destination is an
// IP address (RFC 9260 §1.3 transport address, the SCTP port being the
// association's); the UDP port is an attribute of it (RFC 6951 §5.4).
func (s *pathSet) find(a netip.Addr) (int, bool) {
	a = normAddr(a)
	for i := range s.n {
		if s.paths[i].addr.Addr() == a {
			return i, true
		}
	}
	return -1, false
}

// setUDPPort changes the remote UDP encapsulation port of path idx, for a
// core that follows the peer's source port (RFC 6951 §5.4).
func (s *pathSet) setUDPPort(idx int, port uint16) {
	p := &s.paths[idx]
	p.addr = netip.AddrPortFrom(p.addr.Addr(), port)
}

// add adds a destination (e.g. an address parameter of the peer's INIT or
// INIT ACK with the learned UDP port; RFC 9260 §5.4 marks those unconfirmed).
// An IP address already present returns its index, its UDP port unchanged.
// ok is false when the set is full (maxPaths) or addr is invalid; the core
// then ignores the address.
func (s *pathSet) add(now time.Time, addr netip.AddrPort, confirmed bool) (idx int, ok bool) {
	if !addr.Addr().IsValid() {
		return -1, false
	}
	if i, found := s.find(addr.Addr()); found {
		return i, true
	}
	if s.n >= maxPaths {
		return -1, false
	}
	idx = s.n
	s.n++
	s.paths = append(s.paths, pathState{
		addr:         netip.AddrPortFrom(normAddr(addr.Addr()), addr.Port()),
		confirmed:    confirmed,
		active:       true,
		rto:          s.cfg.rto.clamp(s.cfg.rto.initial),
		repConfirmed: confirmed,
		repActive:    true,
		activeSince:  now,
	})
	if s.hbOn {
		s.schedule(idx, now)
	}
	return idx, true
}

// addPeerAddrs adds the peer's INIT / INIT ACK addresses (e.g. a cookie's
// addrs()) as unconfirmed paths using udpPort, the UDP source port the
// handshake arrived from (RFC 6951 §5.4: it applies to every address of the
// INIT). Addresses already known and those beyond maxPaths are skipped. It
// returns the number of paths added.
func (s *pathSet) addPeerAddrs(now time.Time, addrs []netip.Addr, udpPort uint16) int {
	added := 0
	for _, a := range addrs {
		if _, known := s.find(a); known {
			continue
		}
		if _, ok := s.add(now, netip.AddrPortFrom(a, udpPort), false); ok {
			added++
		}
	}
	return added
}

// startHeartbeats begins heartbeating (RFC 9260 §8.3: "MAY begin upon
// reaching the ESTABLISHED state"): unconfirmed paths are probed at once
// (§5.4), confirmed ones after a heartbeat period.
func (s *pathSet) startHeartbeats(now time.Time) {
	if s.hbOn {
		return
	}
	s.hbOn = true
	for i := range s.n {
		s.schedule(i, now)
	}
}

// stopHeartbeats ends heartbeating (RFC 9260 §8.3: discontinued after
// sending SHUTDOWN or SHUTDOWN ACK). Outstanding HEARTBEATs are no longer
// timed; a late HEARTBEAT ACK is still accepted.
func (s *pathSet) stopHeartbeats() {
	s.hbOn = false
	for i := range s.n {
		s.paths[i].hbNext = time.Time{}
		s.paths[i].hbAckDue = time.Time{}
	}
}

// schedule sets path idx's next HEARTBEAT time from now.
func (s *pathSet) schedule(idx int, now time.Time) {
	p := &s.paths[idx]
	switch {
	case !s.hbOn:
		p.hbNext = time.Time{}
	case !p.confirmed:
		// §5.4: probe unconfirmed addresses once per RTO (backed off
		// while unanswered), not per HB.interval.
		if p.hbNext.IsZero() {
			p.hbNext = now
		} else {
			p.hbNext = now.Add(p.rto)
		}
		p.period = p.rto
	case s.pf(idx):
		// RFC 7829 §5.1: a PF destination is probed with one HEARTBEAT
		// per RTO (backed off while unanswered), not per HB.interval, and
		// even with heartbeats disabled: its return is what fails back.
		p.hbNext = now.Add(p.rto)
		p.period = p.rto
	case s.cfg.hbDisabled:
		p.hbNext = time.Time{}
	default:
		p.period = s.hbPeriod(p.rto)
		p.hbNext = now.Add(p.period)
	}
}

// hbPeriod is HB.interval + RTO with RTO jittered by ±50% (RFC 9260 §8.3:
// "RTO of that destination address plus the protocol parameter HB.interval,
// with jittering of +/- 50% of the RTO value").
func (s *pathSet) hbPeriod(rto time.Duration) time.Duration {
	j := time.Duration(s.rng.Uint64() % uint64(rto+1)) // [0, rto]
	return s.cfg.hbInterval + rto/2 + j                // interval + [rto/2, 3rto/2]
}

// setRTO sets path idx's RTO, e.g. from the data path's rtoState for the
// primary; it is used for heartbeat timing until the next RTT sample.
func (s *pathSet) setRTO(idx int, rto time.Duration) {
	s.paths[idx].rto = s.cfg.rto.clamp(rto)
}

// rttSample updates path idx's own estimator (RFC 9260 §6.3.1 C1–C3) and
// RTO.
func (s *pathSet) rttSample(idx int, r time.Duration) {
	p := &s.paths[idx]
	if r <= 0 {
		r = time.Nanosecond
	}
	if p.srtt == 0 {
		p.srtt, p.rttvar = r, r/2 // C2
	} else {
		d := p.srtt - r
		if d < 0 {
			d = -d
		}
		p.rttvar = p.rttvar - p.rttvar/4 + d/4 // C3, RTO.Beta 1/4
		p.srtt = p.srtt - p.srtt/8 + r/8       // RTO.Alpha 1/8
	}
	s.setRTO(idx, p.srtt+4*p.rttvar)
}

// noteDataSent tells that DATA was sent to path idx: the path is not idle,
// so its next heartbeat moves out (RFC 9260 §8.3: heartbeat idle
// destinations, those with no DATA or HEARTBEAT sent within the period).
// Cheap enough to call per packet.
func (s *pathSet) noteDataSent(idx int, now time.Time) { s.paths[idx].lastSent = now }

// ackReceived tells that a SACK acknowledged new DATA last sent to path idx:
// clear its error counter and mark it active (RFC 9260 §8.2; RFC 7829
// §5.1: a PF destination becomes active again); a recovered path is
// reported by nextChange.
func (s *pathSet) ackReceived(idx int, now time.Time) {
	p := &s.paths[idx]
	wasPF := s.pf(idx)
	p.errors = 0
	if p.confirmed && (!p.active || wasPF) {
		p.active = true
		p.activeSince = now
		s.reschedule(idx, now)
	}
}

// strike counts one error on path idx, e.g. a T3-rtx expiry for DATA sent
// there (RFC 9260 §8.2), and reports whether the path just became inactive.
// Past the PF threshold a confirmed active path is potentially failed
// (RFC 7829 §5.1): DATA moves to an alternate at once, and the path is
// probed with a HEARTBEAT per RTO until it answers (failback) or its
// errors exceed Path.Max.Retrans (inactive, §8.2).
func (s *pathSet) strike(idx int, now time.Time) (becameInactive bool) {
	p := &s.paths[idx]
	wasPF := s.pf(idx)
	p.errors++
	if p.confirmed && p.active && p.errors > s.cfg.pathMaxRetrans {
		p.active = false
		s.reschedule(idx, now)
		return true
	}
	if !wasPF && s.pf(idx) {
		s.reschedule(idx, now)
	}
	return false
}

// reschedule moves path idx's next HEARTBEAT to its (new) state's timing
// unless one is outstanding (its answer or timeout reschedules).
func (s *pathSet) reschedule(idx int, now time.Time) {
	if s.paths[idx].hbAckDue.IsZero() {
		s.schedule(idx, now)
	}
}

// pf reports whether path idx is potentially failed (RFC 7829 §5.1): a
// confirmed active destination whose error counter exceeds the PF
// threshold (PFMR, SCTP_PEER_ADDR_THLDS spt_pathpfthld). A threshold at
// or above Path.Max.Retrans turns PF off (RFC 7829 §5.1: PFMR ≥ PMR is
// plain RFC 9260 failover). A single-path association has no PF state:
// with no alternate to move to it would change nothing but the events.
func (s *pathSet) pf(idx int) bool {
	p := &s.paths[idx]
	return s.n > 1 && p.confirmed && p.active && s.cfg.pfThreshold < s.cfg.pathMaxRetrans && p.errors > s.cfg.pfThreshold
}

// usable reports whether new DATA may be sent to path idx: confirmed
// (§5.4), active (§8.2) and not potentially failed (RFC 7829 §5.1).
func (s *pathSet) usable(idx int) bool {
	p := &s.paths[idx]
	return p.confirmed && p.active && !s.pf(idx)
}

// current returns the path DATA goes to (RFC 9260 §6.4): the primary while
// it is usable, else another usable path (the one with the fewest errors);
// when every active path is potentially failed, the PF path with the
// fewest errors, ties going to the one active most recently (RFC 7829
// §5.1, the primary first); when none is active, the primary anyway (RFC
// 7829 §5.2 dormant state: keep sending to it).
func (s *pathSet) current() int {
	if s.usable(s.primary) {
		return s.primary
	}
	if alt := s.alternate(s.primary); alt != s.primary {
		return alt
	}
	best := -1
	for i := range s.n {
		if s.pf(i) && (best < 0 || s.pfBetter(i, best)) {
			best = i
		}
	}
	if best < 0 {
		return s.primary
	}
	return best
}

// pfBetter orders PF paths for current (RFC 7829 §5.1): fewer errors
// first, then the primary, then the one active most recently.
func (s *pathSet) pfBetter(i, j int) bool {
	pi, pj := &s.paths[i], &s.paths[j]
	switch {
	case pi.errors != pj.errors:
		return pi.errors < pj.errors
	case i == s.primary || j == s.primary:
		return i == s.primary
	}
	return pi.activeSince.After(pj.activeSince)
}

// alternate returns a usable path other than from, for retransmissions
// (RFC 9260 §6.4.1: "SHOULD try to retransmit to an active destination
// transport address that is different from the last destination"), or from
// when there is none.
func (s *pathSet) alternate(from int) int {
	best := -1
	for i := range s.n {
		if i == from || !s.usable(i) {
			continue
		}
		if best < 0 || s.paths[i].errors < s.paths[best].errors {
			best = i
		}
	}
	if best < 0 {
		return from
	}
	return best
}

// rtxPath returns where a retransmission of a chunk last sent to path
// last goes (RFC 9260 §6.4.1, §6.3.3 E3): the current data path while it
// has no unanswered errors; when it has (a T3-rtx or HEARTBEAT timed out
// there) and a usable alternate has fewer, that alternate — so a chunk
// whose T3-rtx expired on the primary goes elsewhere (§6.4.1 "different
// from the last destination"), and no retransmission is sent into a path
// that is failing while another answers. New DATA keeps going to
// current() (§6.4.1: only retransmissions move), so with a PF threshold
// above 0 the primary keeps its new DATA until it is PF or inactive.
func (s *pathSet) rtxPath(last int) int {
	cur := s.current()
	if s.paths[cur].errors == 0 {
		return cur
	}
	if alt := s.alternate(cur); s.paths[alt].errors < s.paths[cur].errors {
		return alt
	}
	_ = last
	return cur
}

// noteDataFrom records the path DATA arrived from: the SACK answering it
// goes there (RFC 9260 §6.4). An unknown source leaves it unchanged.
func (s *pathSet) noteDataFrom(a netip.Addr) {
	if s.sackTo >= 0 && s.sackTo < s.n && s.paths[s.sackTo].addr.Addr() == a.Unmap() {
		return
	}
	if i, ok := s.find(a); ok {
		s.sackTo = i
	}
}

// sackPath returns where a SACK goes: the source of the latest DATA when
// known (RFC 9260 §6.4), else the current data path.
func (s *pathSet) sackPath() int {
	if s.sackTo >= 0 && s.sackTo < s.n && s.paths[s.sackTo].confirmed {
		return s.sackTo // an unconfirmed address gets HEARTBEATs only (§5.4)
	}
	return s.current()
}

// setPrimary makes path idx the primary (user request, RFC 9260 §6.4). An
// unconfirmed path cannot become primary.
func (s *pathSet) setPrimary(idx int) bool {
	if idx < 0 || idx >= s.n || !s.paths[idx].confirmed {
		return false
	}
	s.primary = idx
	return true
}

// hbDue returns when path p's next HEARTBEAT may go out, zero when none is
// scheduled or one is outstanding (then hbAckDue is the path's event; at
// most one HEARTBEAT per path is outstanding, so none goes unjudged).
func (s *pathSet) hbDue(p *pathState) time.Time {
	if p.hbNext.IsZero() || !p.hbAckDue.IsZero() {
		return time.Time{}
	}
	due := p.hbNext
	if p.confirmed && !s.pf(s.index(p)) {
		// §8.3: only idle destinations are heartbeated; DATA sent within
		// the period pushes the heartbeat a period past that DATA.
		if !p.lastSent.IsZero() {
			if t := p.lastSent.Add(p.period); t.After(due) {
				due = t
			}
		}
	} else if s.unconfirmedNext.After(due) {
		due = s.unconfirmedNext // §5.4 HB.Max.Burst
	}
	return due
}

// index returns the index of path p (a pointer into s.paths).
func (s *pathSet) index(p *pathState) int {
	for i := range s.n {
		if &s.paths[i] == p {
			return i
		}
	}
	return -1
}

// deadline returns the earliest time timeout or appendHeartbeat has work;
// zero when none.
func (s *pathSet) deadline() time.Time {
	var d time.Time
	for i := range s.n {
		p := &s.paths[i]
		for _, t := range [2]time.Time{p.hbAckDue, s.hbDue(p)} {
			if !t.IsZero() && (d.IsZero() || t.Before(d)) {
				d = t
			}
		}
	}
	return d
}

// timeout handles expired heartbeat timers at now. A HEARTBEAT not
// acknowledged within the path's RTO counts an error on that path and backs
// its RTO off (RFC 9260 §8.3, §8.2); past Path.Max.Retrans a confirmed path
// becomes inactive (report via nextChange). assocErrors is the number of
// unanswered HEARTBEATs on the path currently used for data, which the core
// adds to the association error counter (§8.1) — and fails the association
// past Association.Max.Retrans. The core calls timeout whenever deadline
// has passed, then appendHeartbeat.
func (s *pathSet) timeout(now time.Time) (assocErrors int) {
	cur := s.current()
	for i := range s.n {
		p := &s.paths[i]
		if !p.hbAckDue.IsZero() && !now.Before(p.hbAckDue) {
			p.hbAckDue = time.Time{}
			p.rto = s.cfg.rto.backedOff(p.rto) // §8.3 "exponential backoff of the RTO"
			wasPF := s.pf(i)
			s.strike(i, now)
			// A PF path carries data only when every path is PF (RFC
			// 7829 §5.1); then its T3-rtx expiries already count in the
			// association error counter, and its per-RTO probes do not
			// count again (else PF would make the association fail
			// twice as fast as RFC 9260 §8.1 lets it).
			if i == cur && !wasPF {
				assocErrors++
			}
		}
	}
	return assocErrors
}

// appendHeartbeat appends one HEARTBEAT chunk for a path whose heartbeat is
// due at now and returns that path's index; the core sends the chunk in a
// packet to path(idx).addr (a HEARTBEAT may be bundled with other control
// chunks for that address). ok is false, b unchanged, when none is due. Call
// it until !ok. At most one unconfirmed address is probed per RTO (§5.4).
func (s *pathSet) appendHeartbeat(now time.Time, b []byte) (out []byte, idx int, ok bool) {
	// Of the due paths, the one waiting longest goes first, so unconfirmed
	// addresses take turns under the rate limit.
	idx = -1
	for i := range s.n {
		due := s.hbDue(&s.paths[i])
		if due.IsZero() || now.Before(due) {
			continue
		}
		if idx < 0 || s.paths[i].hbNext.Before(s.paths[idx].hbNext) {
			idx = i
		}
	}
	if idx < 0 {
		return b, -1, false
	}
	p := &s.paths[idx]
	if !p.confirmed {
		// HB.Max.Burst per RTO: the association's (primary's) RTO, not the
		// probed path's — a dead address's backed-off RTO must not delay
		// probing the others.
		s.unconfirmedNext = now.Add(min(p.rto, s.paths[s.primary].rto))
	}
	p.hbNonce = s.rng.Uint64()
	p.nonceValid = true
	p.hbSentAt = now
	p.hbAckDue = now.Add(p.rto)
	p.lastSent = time.Time{}
	s.schedule(idx, now)
	hb := chunk.Heartbeat{Info: s.sealInfo(idx, now, p.hbNonce)}
	return hb.AppendTo(b), idx, true
}

// sealInfo builds the Heartbeat Info for path idx in s.info.
func (s *pathSet) sealInfo(idx int, sent time.Time, nonce uint64) []byte {
	b := s.info[:0]
	b = append(b, hbInfoFormat, byte(idx), 0, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(sent.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, nonce)
	return append(b, s.infoMAC(b)...)
}

func (s *pathSet) infoMAC(b []byte) []byte {
	s.mac.Reset()
	s.mac.Write(b)
	return s.mac.Sum(s.sum[:0])[:hbInfoLen-hbInfoMACOff]
}

// handleHeartbeatAck verifies the Heartbeat Info echoed in a HEARTBEAT ACK
// (RFC 9260 §8.3) and, when it is the latest HEARTBEAT we sent to a path,
// accepts it: the path's error counter is cleared, it is marked active, an
// unconfirmed path becomes confirmed (§5.4: the ACK carries the nonce we
// sent), and rtt — the time since that HEARTBEAT was sent — feeds the path's
// RTO. Forged, malformed, replayed, or superseded info yields ok false and
// changes nothing. On ok the core also clears the association error counter
// (§8.3), feeds rtt to rtoState when idx is the data path, and reports state
// changes from nextChange. rtt is zero when the clock went backwards.
func (s *pathSet) handleHeartbeatAck(now time.Time, info []byte) (rtt time.Duration, idx int, ok bool) {
	if len(info) != hbInfoLen || info[0] != hbInfoFormat || info[2] != 0 || info[3] != 0 {
		return 0, -1, false
	}
	if !hmac.Equal(s.infoMAC(info[:hbInfoMACOff]), info[hbInfoMACOff:]) {
		return 0, -1, false
	}
	idx = int(info[1])
	if idx >= s.n {
		return 0, -1, false
	}
	p := &s.paths[idx]
	sent := int64(binary.BigEndian.Uint64(info[4:]))
	if !p.nonceValid || p.hbNonce != binary.BigEndian.Uint64(info[12:]) || p.hbSentAt.UnixNano() != sent {
		return 0, -1, false // old or replayed: only the latest HEARTBEAT counts, once
	}
	wasConfirmed := p.confirmed
	wasDown := !p.active || s.pf(idx)
	p.nonceValid = false
	p.hbAckDue = time.Time{}
	p.errors = 0
	p.confirmed = true
	p.active = true
	if wasDown || !wasConfirmed {
		p.activeSince = now
	}
	if now.After(p.hbSentAt) {
		rtt = now.Sub(p.hbSentAt)
		s.rttSample(idx, rtt)
	}
	if !wasConfirmed || wasDown {
		// A freshly confirmed path, or one back from PF (RFC 7829 §5.1),
		// moves from RTO probing to the heartbeat period (or none if
		// heartbeats are disabled).
		s.schedule(idx, now)
	}
	return rtt, idx, true
}

// nextChange returns the next destination state change not yet reported
// (confirmed, became available, became unreachable), coalesced per path:
// the core calls it until !ok after handleHeartbeatAck, timeout, strike and
// ackReceived, and emits a PeerAddrChange event for each.
func (s *pathSet) nextChange() (pathChange, bool) {
	for i := range s.n {
		p := &s.paths[i]
		if !p.confirmed {
			continue // unconfirmed paths are not reported (nothing was promised)
		}
		pf := s.pf(i)
		var k pathChangeKind
		switch {
		case !p.repConfirmed:
			k = pathConfirmed
		case p.active && !pf && (!p.repActive || p.repPF):
			k = pathAvailable // from inactive (§8.2) or from PF (RFC 7829 §5.1)
		case !p.active && p.repActive:
			k = pathUnreachable
		case pf && !p.repPF:
			k = pathPotentiallyFailed
		default:
			continue
		}
		p.repConfirmed, p.repActive, p.repPF = true, p.active, pf
		return pathChange{idx: i, addr: p.addr, kind: k, errors: p.errors}, true
	}
	return pathChange{}, false
}

// appendHeartbeatAck appends the HEARTBEAT ACK answering a peer's HEARTBEAT:
// the Heartbeat Info echoed unchanged (RFC 9260 §8.3). The core sends it to
// the source address of the HEARTBEAT.
func appendHeartbeatAck(b []byte, hb *chunk.Heartbeat) []byte {
	ack := chunk.HeartbeatAck{Info: hb.Info}
	return ack.AppendTo(b)
}

// pmtuCarry remembers the packet size an ICMP Packet Too Big lowered
// (endpoint_icmp.go): DATA chunks cut before the drop may be larger than
// the new size, and a packet limit below them would never let them be
// retransmitted. Until the peer has acknowledged every TSN sent before the
// drop, packets may still be as large as the old size; the IP layer
// fragments those (RFC 9260 §7.3). New DATA is cut to the new size at once.
type pmtuCarry struct {
	old int    // packet size before the drop; 0: none carried
	tsn uint32 // the first TSN cut to the new size
}

// lowerMTU lowers the association's SCTP packet size to mtu (RFC 9260
// §7.3, Appendix C ICMP7): the fragmentation point of new messages and the
// size of new packets follow at once.
func (a *association) lowerMTU(now time.Time, mtu int) {
	mtu = max(mtu, minMTU)
	if mtu >= a.cfg.mtu {
		return
	}
	a.log.Debugf("assoc %d: path MTU lowered: packets of %d bytes, were %d", a.aid, mtu, a.cfg.mtu)
	if a.data != nil && a.pmtu.old == 0 {
		a.pmtu = pmtuCarry{old: a.cfg.mtu, tsn: a.data.nextTSN()}
	}
	a.cfg.mtu = mtu
	a.counters.PMTUDecreases++
}

// packetLimit is the largest SCTP packet appendPacket builds: the MTU, or
// the carried size while chunks cut before a drop are unacknowledged.
func (a *association) packetLimit() int {
	if a.pmtu.old == 0 {
		return a.cfg.mtu
	}
	if a.data == nil || a.data.ackedBefore(a.pmtu.tsn) {
		a.pmtu = pmtuCarry{}
		return a.cfg.mtu
	}
	return a.pmtu.old
}

// nextTSN is the TSN the next new DATA chunk gets.
func (d *dataState) nextTSN() uint32 { return d.snd.nextTSN }

// ackedBefore reports whether the peer cumulatively acknowledged every TSN
// before tsn.
func (d *dataState) ackedBefore(tsn uint32) bool { return tsnLTE(tsn-1, d.snd.cumAck) }

// packetPath picks the destination of the next bundle (RFC 9260 §6.4)
// and points the data path's new DATA at the current data path: a due
// SACK goes alone (with queued control chunks) to the source of the DATA
// it acknowledges when that is not the data path (§6.4); chunks marked
// for retransmission go to an alternate of the destination they were
// last sent to when that one has unanswered errors (§6.4.1, §6.3.3 E3:
// rtxOnly, a packet of retransmissions only); otherwise the current data
// path, retransmissions and new DATA together.
func (a *association) packetPath(now time.Time) (idx int, rtxOnly bool) {
	cur := a.paths.current()
	if a.data == nil {
		return cur, false
	}
	a.data.setDest(cur)
	if a.paths.len() == 1 {
		return cur, false
	}
	if a.pendingSack || a.data.sackDue(now) {
		if to := a.paths.sackPath(); to != cur {
			return to, false
		}
	}
	if last, ok := a.data.firstRtxDest(); ok && a.dataAllowed() {
		if to := a.paths.rtxPath(last); to != cur {
			return to, true
		}
	}
	return cur, false
}

// strikeT3 counts an error on every destination whose T3-rtx expired
// (RFC 9260 §8.2; past the PF threshold it is potentially failed, RFC
// 7829 §5.1, past Path.Max.Retrans inactive, and retransmissions move to
// an alternate, §6.4.1). It reports whether any expired.
func (a *association) strikeT3(now time.Time) bool {
	m := a.data.takeT3Fired()
	fired := m != 0
	for i := 0; m != 0 && i < a.paths.len(); i++ {
		if m&(1<<i) != 0 {
			a.paths.strike(i, now)
			a.pmtudDataLost(now, i) // RFC 8899 black-hole detection, per path
			m &^= 1 << i
		}
	}
	return fired
}

// ackedPaths clears the error counter of every destination the last SACK
// acknowledged DATA of (RFC 9260 §8.2: "the destination transport address
// to which the DATA chunk was last sent"); a PF or inactive one becomes
// active again (RFC 7829 §5.1).
func (a *association) ackedPaths(now time.Time) {
	m := a.data.takeAckedDests()
	for i := 0; m != 0 && i < a.paths.len(); i++ {
		if m&(1<<i) != 0 {
			a.paths.ackReceived(i, now)
			m &^= 1 << i
		}
	}
}

// remove deletes path idx (RFC 5061 Delete IP Address): the paths after it
// move down one index; the primary follows its path, or becomes newPrimary
// when it was the one removed. The last path cannot be removed.
func (s *pathSet) remove(idx, newPrimary int) bool {
	if idx < 0 || idx >= s.n || s.n <= 1 || newPrimary == idx {
		return false
	}
	if s.primary == idx {
		s.primary = newPrimary
	}
	if s.primary > idx {
		s.primary--
	}
	s.paths = append(s.paths[:idx], s.paths[idx+1:]...)
	s.n--
	// The SACK destination follows its path (§6.4); the removed one's
	// is forgotten.
	switch {
	case s.sackTo == idx:
		s.sackTo = -1
	case s.sackTo > idx:
		s.sackTo--
	}
	return true
}
