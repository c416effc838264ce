package sctp

import (
	"time"

	"github.com/usctp/sctp/chunk"
)

// rtoState is the retransmission timeout estimator of RFC 9260 §6.3.1.
type rtoState struct {
	bounds   *rtoBounds // the association's RTO.Initial, RTO.Min, RTO.Max (assocConfig.rto)
	srtt     time.Duration
	rttvar   time.Duration
	rto      time.Duration
	measured bool // a first measurement was made (C1 done)
}

// rtoGranularity is the clock granularity G of RFC 9260 §6.3.1 C3.
const rtoGranularity = time.Millisecond

func newRTOState(b *rtoBounds) rtoState {
	r := rtoState{bounds: b}
	// RFC 9260 §6.3.1 C1 (before any measurement): RTO = RTO.Initial.
	r.rto = r.clamp(b.initial)
	return r
}

// clamp applies RFC 9260 §6.3.1 C6, C7: RTO never below RTO.Min nor above
// RTO.Max.
func (r *rtoState) clamp(d time.Duration) time.Duration { return r.bounds.clamp(d) }

// sample feeds one RTT measurement R.
func (r *rtoState) sample(rtt time.Duration) {
	if rtt < 0 {
		rtt = 0
	}
	if rtt > time.Hour {
		rtt = time.Hour // nonsense from a broken clock; keep arithmetic sane
	}
	if !r.measured {
		// RFC 9260 §6.3.1 C2: SRTT = R, RTTVAR = R/2.
		r.srtt = rtt
		r.rttvar = rtt / 2
		r.measured = true
	} else {
		// RFC 9260 §6.3.1 C3: RTTVAR = (1 - β)·RTTVAR + β·|SRTT − R'|,
		// SRTT = (1 − α)·SRTT + α·R', with α = 1/8, β = 1/4.
		diff := r.srtt - rtt
		if diff < 0 {
			diff = -diff
		}
		r.rttvar = r.rttvar - r.rttvar/4 + diff/4
		r.srtt = r.srtt - r.srtt/8 + rtt/8
	}
	// RFC 9260 §6.3.1 C3: if RTTVAR computes to 0, adjust it to G.
	if r.rttvar == 0 {
		r.rttvar = rtoGranularity
	}
	// RFC 9260 §6.3.1 C2/C3: RTO = SRTT + 4·RTTVAR, then C6/C7 clamp.
	r.rto = r.clamp(r.srtt + 4*r.rttvar)
}

// backoff doubles the RTO after a T3-rtx expiry (RFC 9260 §6.3.3 E2),
// bounded by RTO.Max (C7) and the backoff bound (rtoBounds.backedOff).
func (r *rtoState) backoff() {
	r.rto = r.clamp(r.bounds.backedOff(r.rto))
}

// collapse undoes the backoff: RTO from SRTT and RTTVAR again (§6.3.1 C3,
// C6, C7). RFC 9260 and RFC 6298 §5 collapse a backed-off RTO with the
// next RTT measurement; after a T3-rtx every outstanding chunk is a
// retransmission (E3), so Karn's rule (C5) allows no measurement until all
// of them are repaired and new data is acknowledged, and each further loss
// doubles the RTO again: at 20 % loss the RTO climbed to many seconds
// (issue 11, bench/README.md). usctp collapses it as soon as a SACK
// advances the cumulative TSN ack (handleSack): the path demonstrably
// delivers within the measured round trip. Every expiry still backs off
// (E2).
func (r *rtoState) collapse() {
	if r.measured {
		r.rto = r.clamp(r.srtt + 4*r.rttvar)
	}
}

// outMsg is a user message owned by the send side: a pooled copy of the
// data plus what fragmentation and PR-SCTP need. Records are recycled.
type outMsg struct {
	buf       []byte
	stream    uint16
	ssn       uint16
	ppid      uint32
	unordered bool
	context   uint32
	expires   time.Time // zero = fully reliable
	off       int       // bytes already cut into chunks with a TSN
	live      int       // chunks with a TSN not yet cumulatively acked
	abandoned bool
	inPending bool   // still in sendState.pending
	seq       uint64 // queue order stamp (sendScheduler.push)
	// RFC 7496 (association_prsctp.go): the message's policy, its
	// retransmission limit (SCTP_PR_SCTP_RTX) and priority (PRIO).
	policy PRPolicy
	maxRtx uint32
	prio   uint32
	// I-DATA (RFC 8260 §2.1): the message's MID and the FSN of its next
	// fragment.
	mid uint32
	fsn uint32
}

// outChunk is one DATA chunk with a TSN, from first transmission until the
// peer's cumulative TSN ack passes it.
type outChunk struct {
	msg         *outMsg
	off, n      int // user data = msg.buf[off:off+n]
	tsn         uint32
	beginning   bool
	ending      bool
	sentAt      time.Time
	sends       int    // transmissions so far (Karn: RTT only when 1)
	missing     int    // miss indications (§7.2.4)
	ackEpoch    uint32 // SACK that last gap-acked it
	acked       bool   // acknowledged by a gap ack block
	inFlight    bool   // counted in flight
	rtx         bool   // marked for retransmission
	fastRtxDone bool   // fast-retransmitted once already (§7.2.4)
	abandoned   bool   // PR-SCTP (RFC 3758 §3.5)
	fsn         uint32 // I-DATA Fragment Sequence Number (RFC 8260 §2.1)
	dest        uint8  // path it was last sent to (§6.4.1; index into dataState.dst)
	immediate   bool   // sent with the I bit (RFC 7053 §4.1): the peer SACKs it at once
}

// sendState is the send half of the data path.
type sendState struct {
	pending  sendScheduler // messages not yet fully cut into chunks, per stream (association_sched.go)
	freeMsgs []*outMsg
	chunks   ring[outChunk] // TSN order; front TSN is cumAck+1
	nextTSN  uint32
	cumAck   uint32 // the peer's cumulative TSN ack point
	nextSSN  []uint16
	// I-DATA (RFC 8260 §2.1): the next MID per stream, ordered and
	// unordered messages counted apart (association_idata.go).
	nextMID, nextUMID []uint32
	// renumbered: per outgoing stream, the Sender's Last Assigned TSN of
	// our last Outgoing SSN Reset the peer performed (RFC 6525 §5.1.2);
	// renumberedAll the same for a reset of all streams. Chunks up to it
	// carry a numbering the peer has left behind: FORWARD TSN entries do
	// not name them (oldNumbering). Entries go once the cumulative ack
	// passes them.
	renumbered    map[uint16]uint32
	renumberedAll uint32
	renumAllSet   bool

	// interleave: user message interleaving (I-DATA, RFC 8260) is in use,
	// so the scheduler may switch stream between the chunks of a message.
	interleave bool

	flight   int    // bytes of DATA chunks in flight (dataState.booked)
	peerRwnd uint32 // RFC 9260 §6.2.1 rwnd
	queued   int    // bytes enqueued and not yet fully acknowledged, overhead included

	rtxCount     int  // chunks marked for retransmission
	rtxBurst     bool // next retransmission packet ignores cwnd (§6.3.3 E3, §7.2.4 step 4)
	fastRecovery bool
	recover      uint32 // Fast Recovery exit point (§7.2.4)
	t3           time.Time
	errorCount   int // association error counter (§8.1)
	ackEpoch     uint32

	// gapHigh is the highest TSN ever acknowledged by a Gap Ack Block
	// (valid once gapHighSet): no chunk above it can be marked acked.
	gapHigh    uint32
	gapHighSet bool

	rttTiming bool // a chunk is being timed (§6.3.1 C4: one per round trip)
	rttTSN    uint32
	rttSentAt time.Time

	lastDataSent   time.Time
	zeroWindowSack bool // the last SACK, since the last T3, left no room (§6.1 A)

	// Time-based loss detection and tail loss probes (RFC 8985;
	// association_loss.go).
	rack         rackState
	rackAt       time.Time // RACK reordering timer (RFC 8985 §6.3)
	tlpAt        time.Time // probe timeout (RFC 8985 §7.2)
	tlpOut       bool      // a probe is outstanding (one per episode, §7.3)
	tlpNew       bool      // the probe is new data: one chunk may exceed cwnd (§7.3)
	lastProgress time.Time // last SACK that acknowledged new data
	noRACK       bool      // tests: RFC 9260 §7.2.4 and T3-rtx alone
	// legacy: tests and benchmarks: the recovery before issue 11 (with
	// noRACK: no undo, cwnd 1 MTU after every T3-rtx, no RTO collapse).
	legacy bool
	undo   recoveryUndo
	// acks: the lengths of the chunks acknowledged last, for §7.2.2's
	// count of Duplicate TSNs (dupAcked).
	acks ackedLens

	// oldTSNHigh, when oldTSNSet, is our last TSN before an SSN/TSN
	// reset (RFC 6525 §5.2.4): SACKs of the old TSN space may still
	// arrive (staleOldSpace).
	oldTSNHigh uint32
	oldTSNSet  bool

	// PR-SCTP (RFC 3758)
	advPeerAck uint32 // Advanced.Peer.Ack.Point
	fwdDue     bool
	ttlLive    int // live messages that have a lifetime
	abandoned  ring[outMessage]
	fwd        chunk.ForwardTSN
	fwdSeen    []int32 // per stream: index into fwd.Streams or -1

	scratch  chunk.Data
	iscratch chunk.IData       // I-DATA encoding (association_idata.go)
	ifwd     chunk.IForwardTSN // I-FORWARD TSN (RFC 8260 §2.3)
}

func (s *sendState) init(n *negotiated) {
	s.nextTSN = n.localInitialTSN
	s.cumAck = n.localInitialTSN - 1
	s.advPeerAck = s.cumAck
	s.nextSSN = make([]uint16, n.outStreams)
	if n.idata {
		s.nextMID = make([]uint32, n.outStreams)
		s.nextUMID = make([]uint32, n.outStreams)
	}
	s.peerRwnd = n.peerRwnd
}

func (s *sendState) newMsg() *outMsg {
	if l := len(s.freeMsgs); l > 0 {
		m := s.freeMsgs[l-1]
		s.freeMsgs[l-1] = nil
		s.freeMsgs = s.freeMsgs[:l-1]
		return m
	}
	return new(outMsg)
}

// releaseChunkRef drops one chunk's reference to its message and recycles
// the message when nothing refers to it any more.
func (d *dataState) releaseChunkRef(m *outMsg) {
	m.live--
	if m.live < 0 {
		panic("BUG: outMsg reference count below zero")
	}
	if m.live == 0 && !m.inPending {
		d.freeMsg(m)
	}
}

func (d *dataState) freeMsg(m *outMsg) {
	d.snd.queued -= len(m.buf) + sendMsgOverhead
	if !m.expires.IsZero() {
		d.snd.ttlLive--
	}
	d.pool.Put(m.buf)
	*m = outMsg{}
	d.snd.freeMsgs = append(d.snd.freeMsgs, m)
}

// staleOldSpace reports whether cum, a cumulative TSN ack outside the
// current TSN space, belongs to the space before our last SSN/TSN reset:
// a SACK sent before the peer performed the reset and delayed or
// reordered past it. RFC 6525 §5.2.4 G1 puts the new space 2^31 away
// (the smallest TSN not acknowledged + 2^31), where serial arithmetic
// (RFC 1982) cannot order old against new: such a SACK read as a
// cumulative ack beyond every TSN sent, and the association was aborted
// with a Protocol Violation (seeded property test with SSN/TSN resets,
// seed 10720 of 20000). A SACK whose cumulative ack lies within 2^30
// TSNs below our last old TSN is dropped instead, as an old SACK is
// (§6.2.1 D i). With the new space 2^31 away that window does not reach
// it: a cumulative ack beyond the new TSNs sent, by less than 2^30, is
// still a protocol violation.
func (s *sendState) staleOldSpace(cum uint32) bool {
	return s.oldTSNSet && s.oldTSNHigh-cum < 1<<30
}

// timedChunkAcked takes an RTT sample if c is the chunk being timed and was
// never retransmitted (Karn's algorithm, RFC 9260 §6.3.1 C5).
func (d *dataState) timedChunkAcked(now time.Time, c *outChunk) {
	if d.snd.rttTiming && c.tsn == d.snd.rttTSN {
		d.snd.rttTiming = false
		if c.sends == 1 {
			// §6.3.1: the RTT of the destination the chunk went to.
			d.dst[c.dest].rto.sample(now.Sub(d.snd.rttSentAt))
			d.st.rttSamples++
		}
	}
}

// handleSack processes a SACK chunk (RFC 9260 §6.2.1 D).
func (d *dataState) handleSack(now time.Time, c *chunk.Sack) error {
	s := &d.snd
	d.st.sacksReceived++
	cum := c.CumTSNAck
	// §6.2.1 D i: a Cumulative TSN Ack below the Cumulative TSN Ack Point
	// means the SACK is old (reordered); drop it.
	if tsnLT(cum, s.cumAck) {
		d.st.ignoredSacks++
		return nil
	}
	// A cumulative ack of a TSN never sent is a protocol violation
	// (§6.2.1 note; the core answers with ABORT cause 13) — unless it is
	// a late SACK of the TSN space before an SSN/TSN reset.
	if !tsnLT(cum, s.nextTSN) {
		if s.staleOldSpace(cum) {
			d.st.ignoredSacks++
			return nil
		}
		return errCumAckBeyondSent
	}
	// RFC 8985 §6.2 step 4 with RFC 3708 §3: a Duplicate TSN report for a
	// chunk we retransmitted means the retransmission was spurious (the
	// original arrived too): reordering, so RACK's window widens, and a
	// retransmission of the last Fast Recovery is crossed off its undo
	// list (recoveryUndo; when none is left the reduction is undone,
	// RFC 4015 §2). The list remembers TSNs the cum ack has passed: the
	// report of a late original usually comes after its retransmission
	// filled the hole. A network duplicate of a retransmission fools this
	// as it fools TCP's DSACK (RFC 3708 §5); the lossy benchmark has 1 %
	// duplication and gains (bench/README.md).
	for _, dup := range c.DupTSNs {
		if !s.legacy && s.undo.spurious(dup) {
			s.rack.spurious(cum, s.nextTSN)
			d.st.spuriousRetransmits++
			if s.undo.left == 0 {
				d.undoRecovery()
			}
		} else if off := int(dup - s.cumAck); tsnGT(dup, s.cumAck) && off <= s.chunks.len() && s.chunks.at(off-1).sends > 1 {
			s.rack.spurious(cum, s.nextTSN)
			d.st.spuriousRetransmits++
		}
	}
	flightBefore := s.flight
	for _, x := range d.dst {
		x.acked, x.dupAcked, x.flightBefore = 0, 0, x.flight
	}
	d.lossDests = 0
	bytesAcked := 0
	var highestNewlyAcked uint32
	haveHNA := false
	cumAdvanced := tsnGT(cum, s.cumAck)

	// Cumulative part: everything up to cum is acknowledged for good.
	for n := int(cum - s.cumAck); n > 0; n-- {
		ch := s.chunks.at(0)
		if !ch.acked && !ch.abandoned {
			bytesAcked += d.destAcked(ch)
			highestNewlyAcked, haveHNA = ch.tsn, true
			d.timedChunkAcked(now, ch)
			s.rack.delivered(now, ch.sentAt, ch.tsn, ch.sends > 1)
			d.ackedEarly(now, ch)
		}
		if ch.inFlight {
			d.outOfFlight(ch)
		}
		if ch.rtx {
			s.rtxCount--
		}
		m := ch.msg
		s.chunks.pop()
		d.releaseChunkRef(m)
	}
	s.cumAck = cum
	if tsnLT(s.advPeerAck, cum) {
		s.advPeerAck = cum
	}

	// Gap Ack Blocks: offsets from cum (§3.3.4). Blocks must be ordered and
	// disjoint; a block that is not is ignored (hostile input).
	s.ackEpoch++
	epoch := s.ackEpoch
	n := s.chunks.len()
	prevEnd := 0
	var highestGapAcked uint32
	haveGapAcked := false
	for _, g := range c.Gaps {
		start, end := int(g.Start), int(g.End)
		if start <= prevEnd || end < start || start > n {
			d.st.malformedGapBlocks++
			continue
		}
		if end > n {
			// Acks TSNs never sent: ignore the tail (§6.2.1 hostile input).
			d.st.malformedGapBlocks++
			end = n
		}
		prevEnd = end
		for off := start; off <= end; off++ {
			ch := s.chunks.at(off - 1)
			ch.ackEpoch = epoch
			highestGapAcked, haveGapAcked = ch.tsn, true
			if ch.acked || ch.abandoned {
				continue
			}
			ch.acked = true
			if !s.gapHighSet || tsnGT(ch.tsn, s.gapHigh) {
				s.gapHigh, s.gapHighSet = ch.tsn, true
			}
			bytesAcked += d.destAcked(ch)
			if !haveHNA || tsnGT(ch.tsn, highestNewlyAcked) {
				highestNewlyAcked, haveHNA = ch.tsn, true
			}
			d.timedChunkAcked(now, ch)
			s.rack.delivered(now, ch.sentAt, ch.tsn, ch.sends > 1)
			d.ackedEarly(now, ch)
			if ch.inFlight {
				d.outOfFlight(ch)
			}
			if ch.rtx {
				ch.rtx = false
				s.rtxCount--
			}
		}
	}

	// Reneging (§6.2.1 D iv) and miss indications (§7.2.4, HTNA). Both
	// concern only chunks at or below the highest TSN ever gap-acked
	// (gapHigh: only those can be acked) or below the miss limit; the
	// scan stops there instead of walking the whole flight per SACK.
	markedFast := 0
	limit := highestNewlyAcked
	if s.fastRecovery && cumAdvanced && haveGapAcked && haveHNA && tsnGT(highestGapAcked, limit) {
		limit = highestGapAcked
	}
	stop := 0
	if haveHNA && tsnGT(limit, s.cumAck) {
		stop = int(limit - s.cumAck) // offsets of TSNs below limit
	}
	if s.gapHighSet && tsnGT(s.gapHigh, s.cumAck) {
		stop = max(stop, int(s.gapHigh-s.cumAck)) // offsets of TSNs up to gapHigh
	}
	n = min(n, stop)
	for i := 0; i < n; i++ {
		ch := s.chunks.at(i)
		if ch.abandoned {
			continue
		}
		if ch.acked {
			if ch.ackEpoch == epoch {
				continue
			}
			// Previously gap-acked, now missing: the receiver reneged
			// (§6.2.1 D iv). It is outstanding again, counts one miss
			// indication, and T3 runs for it (§6.3.2 R4).
			ch.acked = false
			d.intoFlight(ch)
			ch.missing++
			d.startT3(now, int(ch.dest))
			continue
		}
		if ch.rtx || !haveHNA {
			continue
		}
		// §7.2.4: count a miss for TSNs below the highest TSN newly
		// acknowledged; in Fast Recovery with the cum ack advancing, for
		// every TSN the SACK reports missing (limit, above).
		if !tsnLT(ch.tsn, limit) {
			continue
		}
		ch.missing++
		// §7.2.4 asks the sender to wait for (SHOULD) at least three miss
		// indications. Once the path has shown reordering (RACK.
		// reordering_seen: a late chunk delivered, or a Duplicate TSN
		// report of a retransmission), a count of three says little: a
		// chunk held back by a few packets' time collects them, and the
		// retransmission and cwnd halving it triggers are spurious. From
		// then on RACK's time-based reordering window alone judges loss,
		// as RFC 8985 §6.2 step 4 uses the DupThresh rule only while no
		// reordering has been seen (RFC 8985 is meant as an alternative
		// to the DupAck threshold, its §1). Measured in bench/README.md
		// (lossy section, "Reordering seen"); TestReorderingSeenLeavesLossToRACK.
		if ch.missing >= 3 && !ch.fastRtxDone && (s.noRACK || !s.rack.reorder) {
			// §7.2.4 step 1: mark for retransmission (at most once by FR).
			ch.fastRtxDone = true
			d.markRtx(ch)
			d.lossDests |= 1 << ch.dest
			markedFast++
		}
	}

	// RFC 8985 §6.2 step 5: time-based detection, including lost
	// retransmissions, which §7.2.4 never marks a second time.
	if n := d.rackDetect(now); n > 0 {
		d.st.rackRetransmits += uint64(n)
		markedFast += n
	}

	if cumAdvanced && !s.legacy {
		// Per destination: the RTOs of the destinations this SACK
		// acknowledged DATA of (the only one, single-homed).
		for _, x := range d.dst {
			if len(d.dst) == 1 || x.acked > 0 {
				x.rto.collapse()
			}
		}
	}
	if bytesAcked > 0 {
		s.errorCount = 0 // §8.1: reset on acknowledgement of new data
		s.lastProgress = now
		s.tlpOut = false // RFC 8985 §7.3: an ack ends the probe episode
	}
	// §7.2.4: leave Fast Recovery once the cum ack reaches the recovery point.
	if s.fastRecovery && !tsnLT(cum, s.recover) {
		s.fastRecovery = false
		s.rack.recoveryEnded()
	}
	// §7.2.1, §7.2.2: each destination's cwnd grows with the bytes
	// acknowledged of the DATA sent to it, against its own flight;
	// §7.2.2's partial_bytes_acked also counts the chunks reported as
	// Duplicate TSNs (dupAcked).
	dupBytes := d.dupAcked(c.DupTSNs)
	d.ackedDests = 0
	for i, x := range d.dst {
		x.cc.setPMDCS(d.pmdcs())
		if len(d.dst) == 1 {
			x.cc.onAck(bytesAcked, dupBytes, flightBefore, s.flight, s.fastRecovery)
		} else {
			x.cc.onAck(x.acked, x.dupAcked, x.flightBefore, x.flight, s.fastRecovery)
		}
		if x.credited {
			d.ackedDests |= 1 << i
		}
		x.credited = false
	}
	if markedFast > 0 {
		d.st.fastRetransmits += uint64(markedFast)
		d.lossDetected()
	}

	// §6.2.1 D ii/iii: rwnd = a_rwnd − bytes still outstanding.
	if uint64(c.ARwnd) > uint64(s.flight) {
		s.peerRwnd = c.ARwnd - uint32(s.flight)
		s.zeroWindowSack = false
	} else {
		// The peer has no room for what is in flight: a lost probe is not
		// an error, of the association or of any destination, while
		// such SACKs keep coming (§6.1 A: the receiver may keep its
		// window closed for an indefinite time). The answer also clears
		// what a lost SACK counted before: counted and never cleared,
		// one SACK lost in twenty on a window closed for minutes failed
		// the association (property test seed 147032: 11 errors in
		// 200 s of probing).
		s.peerRwnd = 0
		s.zeroWindowSack = true
		s.errorCount = 0
	}

	d.t3AfterSack(now, cumAdvanced)
	d.prsctpAfterSack(now)
	d.armProbe(now)
	return nil
}

// destAcked counts ch, newly acknowledged, for the destination it was
// last sent to and returns its length (dataState.booked): its bytes for
// that cwnd (§7.2.1), its record for a later Duplicate TSN (ackedLens),
// and, when it was sent only once, that destination reached the peer
// (§8.2: its error counter clears, ackedDests). The acknowledgement of a retransmitted chunk may
// be for an earlier transmission on another path (Karn's ambiguity,
// §6.3.1 C5): it vouches for no path, else a dead path whose chunk was
// retransmitted there while the original arrived elsewhere would be
// taken for alive.
func (d *dataState) destAcked(ch *outChunk) (booked int) {
	booked = d.booked(ch.n)
	x := d.dst[ch.dest]
	x.acked += booked
	d.snd.acks.put(ch.tsn, booked, ch.dest)
	if ch.sends == 1 {
		x.credited = true
	}
	return booked
}

// lossDetected reacts to chunks marked lost by miss indications or RACK:
// RFC 9260 §7.2.4 steps 2–3, Fast Recovery with one cwnd reduction per
// recovery (§7.2.3), and one packet of retransmissions that cwnd does not
// hold back (§7.2.4 step 3). A loss found while in Fast Recovery (a lost
// retransmission, RFC 8985 §6.2) belongs to the same recovery episode and
// reduces nothing again (RFC 8985 §3.3, RFC 6675 §5).
func (d *dataState) lossDetected() {
	s := &d.snd
	if !s.fastRecovery {
		s.fastRecovery = true
		s.recover = s.nextTSN - 1
		// §7.2.3, §7.2.4 step 2: the cwnd of each destination the lost
		// chunks were sent to (d.lossDests; the data path when unknown).
		// The undo (RFC 4015) remembers the first of them.
		mask := d.lossDests
		if mask == 0 {
			mask = 1 << d.dest
		}
		first := true
		for i, x := range d.dst {
			if mask&(1<<i) == 0 {
				continue
			}
			if first {
				s.undo = recoveryUndo{valid: true, dest: i, cwnd: x.cc.window(), ssthresh: x.cc.threshold()}
				first = false
			}
			x.cc.setPMDCS(d.pmdcs())
			x.cc.onFastRetransmit()
		}
		d.st.fastRecoveries++
	}
	d.lossDests = 0
	s.rtxBurst = true
	s.tlpAt = time.Time{}
}

// ackedEarly detects a spurious retransmission: a chunk retransmitted once
// and acknowledged sooner than the smallest round trip after that
// retransmission was delivered by its original (the test of RFC 8985 §6.2
// step 2, used as detection in the sense of RFC 3708). When every
// retransmission of the last Fast Recovery proves spurious, its cwnd
// reduction is undone.
func (d *dataState) ackedEarly(now time.Time, ch *outChunk) {
	s := &d.snd
	if ch.sends != 2 || s.rack.minRTT == 0 || now.Sub(ch.sentAt) >= s.rack.minRTT || s.legacy {
		return
	}
	if s.undo.spurious(ch.tsn) {
		s.rack.spurious(s.cumAck, s.nextTSN)
		d.st.spuriousRetransmits++
		if s.undo.left == 0 {
			d.undoRecovery()
		}
	}
}

// undoRecovery restores cwnd and ssthresh from before the last Fast
// Recovery, whose every retransmission proved spurious (ackedEarly; RFC
// 4015 §2 response: the reduction answered reordering, not congestion).
func (d *dataState) undoRecovery() {
	s := &d.snd
	d.destState(s.undo.dest).cc.undo(s.undo.cwnd, s.undo.ssthresh)
	s.undo.valid = false
	if s.fastRecovery && s.rtxCount == 0 {
		s.fastRecovery = false
	}
	d.st.recoveriesUndone++
}

// recoveryUndo remembers the chunks retransmitted once in the current Fast
// Recovery and the cwnd/ssthresh before it (RFC 4015 §2 Eifel response).
// Each one acknowledged too early to be the retransmission's doing
// (ackedEarly) or reported as a Duplicate TSN (RFC 3708 §3) is crossed
// off; when none is left, all retransmissions were spurious. A chunk retransmitted twice, a T3-rtx or
// more retransmissions than fit make the episode a real loss (no undo).
type recoveryUndo struct {
	valid          bool
	dest           int // destination whose reduction is undone
	cwnd, ssthresh int
	left           int
	tsns           [32]uint32
}

// sent records a retransmission of tsn (its sends-th transmission).
func (u *recoveryUndo) sent(tsn uint32, sends int) {
	if !u.valid {
		return
	}
	if sends > 2 || u.left == len(u.tsns) {
		u.valid = false
		return
	}
	u.tsns[u.left] = tsn
	u.left++
}

// spurious crosses tsn off when it is one of the episode's
// retransmissions.
func (u *recoveryUndo) spurious(tsn uint32) bool {
	if !u.valid {
		return false
	}
	for i := 0; i < u.left; i++ {
		if u.tsns[i] == tsn {
			u.left--
			u.tsns[i] = u.tsns[u.left]
			return true
		}
	}
	return false
}

// dupAcked is the length of the chunks a SACK reports as Duplicate TSNs,
// which RFC 9260 §7.2.2 adds to partial_bytes_acked, and per destination
// (destState.dupAcked) the part of the chunks last sent there. A chunk
// counts only if it was acknowledged recently (ackedLens) and only once:
// a receiver repeating a TSN in every SACK cannot grow cwnd with it, and
// a duplicate older than the record is left out (less growth, never
// more).
func (d *dataState) dupAcked(dups []uint32) int {
	total := 0
	for _, tsn := range dups {
		if n, dest, ok := d.snd.acks.take(tsn); ok {
			total += n
			if int(dest) < len(d.dst) {
				d.dst[dest].dupAcked += n
			}
		}
	}
	return total
}

// ackedLens remembers, for the last chunks acknowledged, their TSN,
// booked length and destination: a Duplicate TSN report usually comes a
// round trip after the chunk's first acknowledgement, when the chunk has
// left the send queue. A fixed ring, no allocation: a duplicate of a chunk
// acknowledged more than len(tsn) chunks earlier is not counted.
type ackedLens struct {
	tsn  [64]uint32
	n    [64]int32
	dest [64]uint8
}

func (a *ackedLens) put(tsn uint32, n int, dest uint8) {
	i := tsn % uint32(len(a.tsn))
	a.tsn[i], a.n[i], a.dest[i] = tsn, int32(n), dest
}

// take returns the record of tsn and clears it (each counts once).
func (a *ackedLens) take(tsn uint32) (n int, dest uint8, ok bool) {
	i := tsn % uint32(len(a.tsn))
	if a.tsn[i] != tsn || a.n[i] <= 0 {
		return 0, 0, false
	}
	n, dest = int(a.n[i]), a.dest[i]
	a.n[i] = 0
	return n, dest, true
}

// rackDetect is RFC 8985 §6.2 step 5 over the outstanding chunks: marks
// the chunks RACK judges lost and arms the reordering timer (§6.3) for the
// earliest one not yet judged. It returns the number of chunks marked.
func (d *dataState) rackDetect(now time.Time) int {
	s := &d.snd
	s.rackAt = time.Time{}
	if !s.rack.have || d.snd.noRACK {
		return 0
	}
	reo := s.rack.reoWnd(d.rto.srtt, s.fastRecovery)
	marked := 0
	for i := 0; i < s.chunks.len(); i++ {
		ch := s.chunks.at(i)
		if !s.rack.endRetx && tsnGT(ch.tsn, s.rack.endTSN) {
			// The RACK chunk was a first transmission: every chunk
			// above it was first sent no earlier, and retransmitted
			// (if at all) later still, so none can be judged (§6.2
			// step 5). The scan ends here: without loss it touches only
			// the chunks below the highest TSN delivered.
			break
		}
		if ch.acked || ch.abandoned || ch.rtx || !ch.inFlight {
			continue
		}
		at, ok := s.rack.lostAt(ch.sentAt, ch.tsn, reo)
		if !ok {
			continue
		}
		if now.Before(at) {
			s.rackAt = earliest(s.rackAt, at)
			continue
		}
		ch.fastRtxDone = true // §7.2.4 marks it no more
		d.markRtx(ch)
		d.lossDests |= 1 << ch.dest
		marked++
	}
	return marked
}

// armProbe (re)starts the probe timeout after new data was sent or a SACK
// arrived (RFC 8985 §7.2): only with chunks outstanding, outside Fast
// Recovery, nothing waiting for retransmission, no probe outstanding and
// not recovering from a T3-rtx (no new data acked since: errorCount > 0);
// when T3-rtx would fire first, no probe is scheduled.
func (d *dataState) armProbe(now time.Time) {
	s := &d.snd
	s.tlpAt = time.Time{}
	// RFC 8985 §7.2 (3) arms no PTO in loss recovery: RACK finds a lost
	// retransmission when data sent after it is acknowledged (§6.2). When
	// no SACK comes at all — at the tail of a transfer nothing is sent
	// after the retransmission; with cwnd full the one SACK for a burst the
	// peer read at once can be lost — RACK has nothing to go on and the
	// sender waited for T3-rtx (RTO.Min, 200 ms): the T3s of the
	// two-process lossy runs (bench/README.md, lossy section, "T3 in
	// recovery"). So the PTO is armed in recovery too (a SHOULD not
	// followed): the probe, new data when some is queued, else the highest
	// outstanding chunk again, draws a SACK that lets RACK repair the rest
	// (TestTLPInRecoveryTail, TestTLPInRecoveryCwndFull). Cost: at most
	// one extra chunk per 2·SRTT without acknowledgements.
	if s.tlpOut || s.rtxCount > 0 || s.flight == 0 || s.errorCount > 0 || s.noRACK {
		return
	}
	n := s.chunks.len()
	if n > 0 && s.chunks.at(n-1).immediate {
		// The last chunk carried the I bit (RFC 7053 §4.2: its SACK is
		// not delayed), so RFC 8985 §7.2's allowance for a delayed ACK
		// of a lone segment does not apply; a peer without RFC 7053 costs
		// at most one needless probe.
		n = 0
	}
	pto := probeTimeout(d.rto.srtt, d.rto.measured, n, d.cfg.sackDelay)
	at := now.Add(pto)
	if !s.t3.IsZero() && !at.Before(s.t3) {
		return
	}
	s.tlpAt = at
}

// probeTimeoutExpired sends a tail loss probe (RFC 8985 §7.3): new data
// when some is waiting and the peer's window allows (one chunk beyond
// cwnd), else the highest outstanding chunk again. The probe's SACK —
// the receiver answers a duplicate at once (RFC 9260 §6.2) — reports the
// gaps that RACK and §7.2.4 then repair, instead of waiting for T3-rtx.
// A probe is not a loss: cwnd is unchanged.
func (d *dataState) probeTimeoutExpired(now time.Time) {
	s := &d.snd
	s.tlpAt = time.Time{}
	s.tlpOut = true
	d.st.tlpProbes++
	if s.pending.len() > 0 && s.peerRwnd > 0 {
		s.tlpNew = true
		return
	}
	for i := s.chunks.len() - 1; i >= 0; i-- {
		ch := s.chunks.at(i)
		if ch.acked || ch.abandoned || ch.rtx {
			continue
		}
		d.markRtx(ch)
		// RFC 7053 §4.1: the probe asks for its SACK at once, so a
		// receiver that delays SACKs answers it without waiting.
		ch.immediate = true
		s.rtxBurst = true
		return
	}
	_ = now
}

// markRtx marks ch for retransmission: out of flight, its bytes given back
// to the peer's rwnd (§6.2.1), and no longer timed (Karn).
func (d *dataState) markRtx(ch *outChunk) {
	s := &d.snd
	if ch.rtx || ch.acked || ch.abandoned {
		return
	}
	ch.rtx = true
	s.rtxCount++
	if ch.inFlight {
		d.outOfFlight(ch)
		s.peerRwnd += uint32(d.booked(ch.n))
	}
	if s.rttTiming && s.rttTSN == ch.tsn {
		s.rttTiming = false
	}
}

// t3Expired applies RFC 9260 §6.3.3 E1–E3 to destination x, whose T3-rtx
// expired, and counts the §8.1 association error. Only the chunks last
// sent to x are marked (E3); the association sends them to an alternate
// destination when there is one (§6.4.1, pathSet.rtxPath) and counts an
// error on x (§8.2, t3Fired). A timer left running for a destination
// that no longer has DATA outstanding (its chunks were retransmitted
// elsewhere) just stops: nothing was lost there.
func (d *dataState) t3Expired(now time.Time, x int) (failed bool) {
	s := &d.snd
	xd := d.dst[x]
	if len(d.dst) > 1 {
		out := false
		for i := 0; i < s.chunks.len() && !out; i++ {
			ch := s.chunks.at(i)
			// An unanswered FORWARD TSN sent to x is outstanding
			// there too: its loss is a T3-rtx expiry like any other
			// (error counted, RTO backed off), after which it is sent
			// again (RFC 3758 §3.5 A5, C3). Stopping here left it
			// lost for good (seeded property test, seeds 543 and
			// 648 of 1500: two paths with PR-SCTP abandonment).
			out = int(ch.dest) == x && !ch.acked && (!ch.abandoned || d.fwdOutstanding(i))
		}
		if !out {
			xd.t3 = time.Time{}
			return false
		}
	}
	d.st.t3Expiries++
	// §6.1 A note: an unanswered zero window probe is not an error, of the
	// association or of the destination (no strike, strikeT3), as long as
	// the peer keeps sending SACKs.
	if s.zeroWindowSack {
		s.zeroWindowSack = false
	} else {
		s.errorCount++
		d.t3Fired |= 1 << x
	}
	if s.errorCount > d.cfg.maxRetrans {
		// §8.1: Association.Max.Retrans exceeded; the peer is unreachable.
		xd.t3 = time.Time{}
		d.syncT3()
		return true
	}
	// E1: ssthresh, cwnd of x (§7.2.3). progress: a SACK acknowledged new
	// data within the last RTO, so the path delivers and the timeout most
	// likely hit a lost retransmission, not a dead path (see
	// renoController.onRetransmitTimeout).
	progress := !s.lastProgress.IsZero() && now.Sub(s.lastProgress) < xd.rto.rto && !s.legacy
	xd.cc.setPMDCS(d.pmdcs())
	xd.cc.onRetransmitTimeout(progress)
	xd.rto.backoff() // E2
	s.fastRecovery = false
	s.undo.valid = false // a timeout is a real loss (RFC 4015 leaves it to F-RTO)
	s.tlpAt, s.tlpOut, s.tlpNew, s.rackAt = time.Time{}, false, false, time.Time{}
	// E3: everything outstanding to x is marked for retransmission; as
	// much as fits in one packet is sent at once (rtxBurst ignores cwnd),
	// the rest as cwnd allows.
	for i := 0; i < s.chunks.len(); i++ {
		ch := s.chunks.at(i)
		if !ch.acked && !ch.abandoned && int(ch.dest) == x {
			if !ch.rtx {
				d.st.t3Retransmits++
			}
			d.markRtx(ch)
			ch.missing = 0
		}
	}
	s.rttTiming = false
	s.rtxBurst = true
	xd.t3 = now.Add(xd.rto.rto)
	d.syncT3()
	d.prsctpAfterT3(now)
	return false
}

// t3AfterSack applies §6.3.2 R2 and R3 per destination after a SACK: a
// destination with nothing outstanding stops its T3-rtx; one whose
// earliest outstanding TSN was acknowledged restarts it with its RTO.
// Single-homed this is: stop when nothing is outstanding, restart when
// the cumulative TSN ack advanced.
func (d *dataState) t3AfterSack(now time.Time, cumAdvanced bool) {
	s := &d.snd
	if len(d.dst) == 1 {
		x := d.dst[0]
		if s.chunks.len() == 0 {
			x.t3 = time.Time{}
		} else if cumAdvanced {
			x.t3 = now.Add(x.rto.rto)
		}
		s.t3 = x.t3
		return
	}
	for _, x := range d.dst {
		x.seen = false
	}
	left := len(d.dst)
	for i := 0; i < s.chunks.len() && left > 0; i++ {
		ch := s.chunks.at(i)
		// An abandoned chunk keeps its destination's timer running, as
		// any chunk below the cum ack does single-homed: a lost FORWARD
		// TSN is sent again only when T3-rtx expires (RFC 3758 §3.5 A5,
		// C4).
		if ch.acked {
			continue
		}
		if x := d.dst[ch.dest]; !x.seen {
			x.seen = true
			left--
			switch {
			case !x.haveFirst:
				// First look at this destination: its timer was
				// started by R1 when the DATA went out.
				x.first, x.haveFirst = ch.tsn, true
				if x.t3.IsZero() {
					x.t3 = now.Add(x.rto.rto)
				}
			case x.first != ch.tsn:
				x.first = ch.tsn
				x.t3 = now.Add(x.rto.rto) // R3
			}
		}
	}
	for _, x := range d.dst {
		if !x.seen {
			x.t3, x.haveFirst = time.Time{}, false // R2
		}
	}
	d.syncT3()
}

// appendRetransmissions appends chunks marked for retransmission, lowest TSN
// first (§6.3.3 E3, §7.2.4 step 4), while they fit in room and cwnd allows
// (or the one-packet burst ignores cwnd).
func (d *dataState) appendRetransmissions(now time.Time, b []byte, room *int) []byte {
	s := &d.snd
	burst := s.rtxBurst
	for i := 0; i < s.chunks.len() && s.rtxCount > 0; i++ {
		ch := s.chunks.at(i)
		if !ch.rtx {
			continue
		}
		size := d.booked(ch.n) // the chunk's length on the wire and in flight
		if size > *room {
			break
		}
		// §6.3.3: chunks that did not fit the first packet go out "as soon
		// as cwnd allows", i.e. when they fit under the cwnd of the
		// destination they go to (§7.2).
		if fl := d.dst[d.dest].flight; !burst && fl > 0 && fl+size > d.cc.window() {
			break
		}
		b = d.appendChunk(b, ch)
		*room -= size
		s.rtxBurst = false // the burst packet is this one
		ch.rtx = false
		s.rtxCount--
		ch.sends++
		ch.sentAt = now
		if s.fastRecovery {
			s.undo.sent(ch.tsn, ch.sends)
		}
		ch.dest = uint8(d.dest) // §6.4.1: the chunk's destination is recorded
		d.intoFlight(ch)
		s.subPeerRwnd(size)
		if i == 0 {
			// §7.2.4 step 5 / §6.3.2 R1: retransmitting the earliest
			// outstanding chunk restarts T3 (of the destination it went
			// to, §6.3.3 E3).
			d.dst[d.dest].t3 = now.Add(d.rto.rto)
		} else {
			d.startT3(now, d.dest) // R1
		}
	}
	d.syncT3()
	return b
}

// appendRetransmissionsTo appends a packet's worth of retransmissions
// (no new DATA) for destination idx, an alternate of the path the chunks
// were last sent to (RFC 9260 §6.4.1, §6.3.3 E3); the association then
// sends the packet there. New DATA keeps going to the data path.
func (d *dataState) appendRetransmissionsTo(now time.Time, idx int, b []byte, room int) []byte {
	d.setDest(idx)
	start := len(b)
	b = d.appendRetransmissions(now, b, &room)
	if len(b) > start {
		d.armProbe(now)
	}
	return b
}

// firstRtxDest returns the destination the lowest-TSN chunk marked for
// retransmission was last sent to; ok false when none is marked.
func (d *dataState) firstRtxDest() (int, bool) {
	s := &d.snd
	if s.rtxCount == 0 {
		return 0, false
	}
	for i := 0; i < s.chunks.len(); i++ {
		if ch := s.chunks.at(i); ch.rtx {
			return int(ch.dest), true
		}
	}
	return 0, false
}

func (s *sendState) subPeerRwnd(n int) {
	// §6.2.1 B: rwnd is reduced by the data size of each chunk sent.
	if uint32(n) >= s.peerRwnd {
		s.peerRwnd = 0
	} else {
		s.peerRwnd -= uint32(n)
	}
}

// appendChunk encodes ch as a DATA chunk.
func (d *dataState) appendChunk(b []byte, ch *outChunk) []byte {
	if d.idata {
		return d.appendIData(b, ch) // RFC 8260 §2.1
	}
	m := ch.msg
	c := &d.snd.scratch
	*c = chunk.Data{
		Unordered: m.unordered,
		Beginning: ch.beginning,
		Ending:    ch.ending,
		TSN:       ch.tsn,
		Stream:    m.stream,
		SSN:       m.ssn,
		PPID:      m.ppid,
		UserData:  m.buf[ch.off : ch.off+ch.n],
		Immediate: ch.immediate,
	}
	b = c.AppendTo(b)
	c.UserData = nil
	return b
}

// drainSend empties the send side when the association closes, aborts or
// restarts (RFC 6458 §6.1.11 SCTP_SEND_FAILED_EVENT; RFC 9260 §9.1: data
// still queued is not delivered). Every message not known to be delivered
// is passed to fn once, in send order: messages with chunks not yet
// cumulatively acknowledged (sent = true, SCTP_DATA_SENT: it may or may
// not have reached the peer's user), then messages still waiting in the
// queue (sent reports whether any fragment was transmitted; false is
// SCTP_DATA_UNSENT). Messages already given up by PR-SCTP are reported by
// popAbandoned and skipped here; the caller drains popAbandoned first.
//
// m.data is the message's own buffer, handed over without a copy: the
// send side forgets it (it never returns to the pool), so the event that
// carries it costs no extra memory beyond what the send buffer already
// held. Afterwards nothing is queued or in flight and T3-rtx is stopped.
func (d *dataState) drainSend(fn func(m outMessage, sent bool)) {
	s := &d.snd
	report := func(m *outMsg, sent bool) {
		m.abandoned = true // reported: never twice
		data := m.buf
		m.buf = nil
		fn(outMessage{stream: m.stream, ppid: m.ppid, unordered: m.unordered, data: data, context: m.context}, sent)
	}
	for i := 0; i < s.chunks.len(); i++ {
		if m := s.chunks.at(i).msg; !m.abandoned {
			report(m, true)
		}
	}
	if s.pending.len() > 0 {
		for _, m := range s.pending.inOrder() {
			if !m.abandoned {
				report(m, m.off > 0)
			}
		}
	}
	for s.chunks.len() > 0 {
		s.chunks.pop()
	}
	s.pending.clear()
	s.queued, s.flight, s.rtxCount, s.ttlLive = 0, 0, 0, 0
	for _, x := range d.dst {
		x.flight, x.t3, x.haveFirst = 0, time.Time{}, false
	}
	s.rtxBurst, s.fastRecovery, s.fwdDue, s.rttTiming = false, false, false, false
	s.t3, s.tlpAt, s.rackAt, s.tlpOut, s.tlpNew = time.Time{}, time.Time{}, time.Time{}, false, false
	s.cumAck = s.nextTSN - 1
	s.advPeerAck = s.cumAck
}
