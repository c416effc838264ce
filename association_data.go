package sctp

import (
	"time"

	"github.com/usctp/sctp/internal/bufpool"
)

// This file is the glue of the data path: dataState, the sans-IO part of an
// association that moves user messages (RFC 9260 §6, §7; RFC 3758). The
// association owns one dataState and calls the entry points below; all of
// them take the current time and none reads the clock.
//
// The parts live in their own files:
//
//	streams.go             outbound message queue, fragmentation, SSN;
//	                       inbound reassembly and ordered/unordered delivery
//	association_recv.go    receive-side TSN tracking, SACK generation and
//	                       timing
//	retransmit.go          rtoState, the in-flight queue, SACK processing,
//	                       T3-rtx, fast retransmit
//	association_loss.go    RACK-TLP (RFC 8985): time-based loss detection
//	                       and tail loss probes, adapted to SACKs
//	congestion.go          the congestion controller interface and RFC 9260
//	                       §7.2 Reno
//	association_prsctp.go  PR-SCTP (RFC 3758) abandonment and FORWARD TSN
//
// Use by the association, per received packet: handleData / handleSack /
// handleForwardTSN for each chunk, then endOfPacket once. Per packet to
// send: appendSack (or appendSackRoom) when sackDue, then appendData with
// the room left; appendData may also emit a FORWARD TSN. Timers: deadline
// and handleTimeout. User side: enqueue copies the message; readMessage
// returns messages whose data stays valid until the next readMessage call.
// A message larger than the receive window is handed out in pieces
// (inMessage.partial) rather than deadlocking the association; while that
// runs nothing else is returned. popAbandoned reports PR-SCTP give-ups.

// negotiated is what the handshake settled for the data path (RFC 9260
// §5.1, §5.2.4; RFC 3758 §3.1): state fixed at setup, not configuration
// (the settings are the association's assocConfig).
type negotiated struct {
	localInitialTSN, peerInitialTSN uint32
	outStreams, inStreams           uint16 // negotiated stream counts (§5.1.1)
	peerRwnd                        uint32 // a_rwnd of the peer's INIT / INIT ACK: the initial peer window
	// forwardTSN is set when both sides support PR-SCTP (RFC 3758 §3.1);
	// without it outMessage.ttl is ignored and FORWARD TSN never sent.
	forwardTSN bool
	// idata is set when both sides announced I-DATA (RFC 8260 §2.2): user
	// messages go in I-DATA chunks, abandonment in I-FORWARD TSN
	// (association_idata.go).
	idata bool
	// pathIPv6 reports whether the peer address of path idx is IPv6 (an
	// IPv4-mapped one is IPv4): §7.2.1's initial cwnd differs by family.
	// Nil: IPv4.
	pathIPv6 func(idx int) bool
}

// Chunk and header sizes of the data path.
const (
	dataChunkHeaderLen  = 16 // chunk header + TSN, stream, SSN, PPID (§3.3.1)
	sackChunkHeaderLen  = 16 // chunk header + cum TSN, a_rwnd, counts (§3.3.4)
	commonHeaderLenData = 12 // SCTP common header (§3.1)
)

// outMessage is one user message handed to enqueue.
type outMessage struct {
	stream    uint16
	ppid      uint32
	unordered bool
	data      []byte        // copied by enqueue; the caller may reuse it
	ttl       time.Duration // lifetime (RFC 6458 sinfo_timetolive; with PR-SCTP RFC 3758 timed reliability); 0 = none
	// prPolicy and prValue: an RFC 7496 policy (SCTP_PR_SCTP_TTL: value
	// in ms; SCTP_PR_SCTP_RTX: retransmissions; SCTP_PR_SCTP_PRIO:
	// priority, 0 highest); SCTP_PR_SCTP_NONE: only ttl applies.
	prPolicy PRPolicy
	prValue  uint32
	// unsent (from popAbandoned): the message was abandoned before any of
	// it was transmitted, so the peer never got it.
	unsent  bool
	context uint32 // opaque, reported back with a send failure
}

// inMessage is one received message, or one piece of a message under
// partial delivery. data belongs to the dataState and stays valid only
// until the next readMessage call.
type inMessage struct {
	stream    uint16
	ssn       uint16
	ppid      uint32
	tsn       uint32 // TSN of the first fragment (of this piece)
	unordered bool
	data      []byte
	// partial: this is a piece of a message larger than the receive window
	// and more pieces follow; the last piece has partial == false. While a
	// partial delivery runs, readMessage returns only its pieces (RFC 6458
	// §8.1.20, fragment interleave level 0).
	partial bool
	// aborted: the partial delivery of this message ended without its end,
	// because the sender abandoned it (PR-SCTP); data is nil (the
	// SCTP_PARTIAL_DELIVERY_ABORTED event, RFC 6458 §6.1.7).
	aborted bool
	// piece: part (or the abort marker) of a partial delivery. With
	// I-DATA complete messages of other streams may come between the
	// pieces (association_idata.go); the reader joins only pieces.
	piece bool
}

// dataVerdict is what handleData made of one DATA chunk.
type dataVerdict uint8

const (
	dataOK            dataVerdict = iota
	dataDuplicate                 // TSN already received; reported in the next SACK
	dataInvalidStream             // stream >= inStreams; the association sends ERROR cause 1; TSN still acked
	dataNoUserData                // empty DATA; the association ABORTs with cause 9
	dataDropped                   // no receive window (or TSN too far ahead); not acked
)

func (v dataVerdict) String() string {
	switch v {
	case dataOK:
		return "ok"
	case dataDuplicate:
		return "duplicate"
	case dataInvalidStream:
		return "invalid-stream"
	case dataNoUserData:
		return "no-user-data"
	case dataDropped:
		return "dropped"
	}
	return "unknown-verdict"
}

// dataStats is a snapshot of the data path's state and counters.
type dataStats struct {
	srtt, rttvar, rto    time.Duration
	cwnd, ssthresh       int
	partialBytesAcked    int
	peerRwnd             uint32 // our view of the peer's window
	localRwnd            uint32 // a_rwnd we would advertise now
	flight               int    // bytes in flight
	outstandingChunks    int    // TSNs sent and not cumulatively acked
	queuedBytes          int    // bytes enqueued and not yet fully acked (+ per-message overhead)
	bufferedBytes        int    // received bytes not yet read
	inFastRecovery       bool
	errorCount           int
	t3Expiries           uint64
	t3Retransmits        uint64 // chunks retransmitted after T3-rtx
	fastRetransmits      uint64 // chunks fast-retransmitted (§7.2.4 miss indications or RACK)
	rackRetransmits      uint64 // of which RACK (RFC 8985 §6.2) found lost
	tlpProbes            uint64 // tail loss probes sent (RFC 8985 §7.3)
	spuriousRetransmits  uint64 // Duplicate TSN reports of chunks we retransmitted (RFC 3708)
	recoveriesUndone     uint64 // Fast Recoveries whose reduction was undone (RFC 4015)
	fastRecoveries       uint64 // Fast Recoveries entered (§7.2.4 step 2: one cwnd reduction each)
	dataChunksSent       uint64 // first transmissions
	dataChunksReceived   uint64
	duplicateTSNs        uint64
	droppedChunks        uint64 // dataDropped verdicts
	sacksSent            uint64
	sacksReceived        uint64
	abandonedMessages    uint64
	forwardTSNsSent      uint64
	messagesDelivered    uint64
	rttSamples           uint64
	ignoredSacks         uint64 // cum TSN ack behind ours (§6.2.1 D i)
	malformedGapBlocks   uint64
	partialReassemblyDrp uint64
	partialDeliveries    uint64 // messages delivered in pieces
}

// dataState is the data path of one association.
type dataState struct {
	cfg  *assocConfig    // the association's config, read live (association_config.go)
	pool bufpool.Classes // message and fragment copies (single owner: no lock)

	negotiated // what the handshake settled

	snd sendState
	rcv recvState

	// Per-destination transport state (RFC 9260 §6.3, §7.2): dst[i] is
	// peer path i (the association's pathSet index). dest is where new
	// DATA goes (the association sets it per packet, setDest); rto and cc
	// point at dst[dest]'s, so code that means "the data path" reads
	// them. Every chunk records the destination it was last sent to
	// (outChunk.dest): its acknowledgement grows that destination's cwnd
	// and clears its error counter, its loss reduces that cwnd, T3-rtx of
	// that destination times it.
	dst  []*destState
	dest int
	rto  *rtoState
	cc   congestionController
	// t3Fired: destinations whose T3-rtx expired in the last
	// handleTimeout (bit i = path i); the association counts one error
	// on each (§8.2) and clears it (takeT3Fired).
	t3Fired uint32
	// ackedDests: destinations with DATA newly acknowledged by the last
	// SACK (§8.2: their error counters clear; takeAckedDests).
	ackedDests uint32
	lossDests  uint32 // destinations of the chunks the current SACK marked lost

	st dataStats

	rc reconfState // RFC 6525 stream reconfiguration (association_reconfig.go)
	pr prState     // RFC 7496 policies and abandonment counters (association_prsctp.go)

	// fwdEpoch numbers FORWARD TSN chunks (handleForwardTSN marks streams
	// with it); fwdScanned counts the fragments it scanned (a test hook
	// bounding its work).
	fwdEpoch   uint32
	fwdScanned int
}

// newDataState returns the data path for a freshly established
// association: cfg is the association's config (defaulted, see
// assocConfig.withDefaults), n what its handshake negotiated.
func newDataState(cfg *assocConfig, n negotiated, now time.Time) *dataState {
	d := &dataState{cfg: cfg, negotiated: n}
	d.pool.SetLimit(int(cfg.rwnd) + cfg.sndBuf)
	d.snd.init(&d.negotiated)
	d.destState(0)
	d.setDest(0)
	d.snd.pending.setKind(cfg.sched)
	// RFC 8260 §3: with I-DATA the scheduler may switch streams after every
	// chunk (each carries its own MID and FSN); with DATA only between
	// whole messages, whose fragments need consecutive TSNs (§6.9).
	d.snd.interleave = n.idata
	d.rcv.init(cfg, &d.negotiated)
	d.rc.init(&d.negotiated)
	_ = now
	return d
}

// stats returns a snapshot of the data path's state and counters.
func (d *dataState) stats() dataStats {
	s := d.st
	s.srtt, s.rttvar, s.rto = d.rto.srtt, d.rto.rttvar, d.rto.rto
	s.cwnd, s.ssthresh = d.cc.window(), d.cc.threshold()
	if r, ok := d.cc.(*renoController); ok {
		s.partialBytesAcked = r.pba
	}
	s.peerRwnd = d.snd.peerRwnd
	s.localRwnd = d.rcv.window()
	s.flight = d.snd.flight
	s.outstandingChunks = d.snd.chunks.len()
	s.queuedBytes = d.snd.queued
	s.bufferedBytes = d.rcv.buffered
	s.inFastRecovery = d.snd.fastRecovery
	s.errorCount = d.snd.errorCount
	return s
}

// idle reports that nothing is queued and nothing is in flight (RFC 9260
// §9.2: SHUTDOWN waits for this).
func (d *dataState) idle() bool {
	return d.flushed() && len(d.rc.held) == 0
}

// flushed reports that every queued message was sent and acknowledged
// (messages parked for a stream reset aside).
func (d *dataState) flushed() bool { return d.snd.pending.len() == 0 && d.snd.chunks.len() == 0 }

// senderDry reports that all user data was sent and acknowledged (the
// SCTP_SENDER_DRY event, RFC 6458 §6.1.9).
func (d *dataState) senderDry() bool { return d.idle() }

// cumTSNAck is our cumulative received TSN (for SHUTDOWN, §9.2).
func (d *dataState) cumTSNAck() uint32 { return d.rcv.tracker.cum }

// deadline is the earliest of the T3-rtx timers (snd.t3 is the earliest of
// the destinations', syncT3), the delayed SACK timer and the RACK-TLP
// timers; zero means none.
func (d *dataState) deadline() time.Time {
	t := d.snd.t3
	t = earliest(t, d.rcv.sackDeadline)
	t = earliest(t, d.snd.rackAt)
	t = earliest(t, d.snd.tlpAt)
	return t
}

// handleTimeout runs the timers due at now: T3-rtx (RFC 9260 §6.3.3) and the
// delayed SACK (§6.2). failed reports that Association.Max.Retrans was
// exceeded (§8.1); the association then closes the association.
func (d *dataState) handleTimeout(now time.Time) (failed bool) {
	if !d.rcv.sackDeadline.IsZero() && !now.Before(d.rcv.sackDeadline) {
		d.rcv.sackDeadline = time.Time{}
		d.rcv.sackNow = true
	}
	if !d.snd.t3.IsZero() && !now.Before(d.snd.t3) {
		// §6.3.3: each destination's T3-rtx expires on its own.
		for i, x := range d.dst {
			if !x.t3.IsZero() && !now.Before(x.t3) {
				if d.t3Expired(now, i) {
					return true
				}
			}
		}
		d.syncT3()
		return false
	}
	if !d.snd.rackAt.IsZero() && !now.Before(d.snd.rackAt) {
		// RFC 8985 §6.3: the reordering window passed; judge again.
		if n := d.rackDetect(now); n > 0 {
			d.st.rackRetransmits += uint64(n)
			d.st.fastRetransmits += uint64(n)
			d.lossDetected()
		}
	}
	if !d.snd.tlpAt.IsZero() && !now.Before(d.snd.tlpAt) {
		d.probeTimeoutExpired(now)
	}
	return false
}

// trimIdle releases the buffers kept for reuse (up to the receive window
// plus the send buffer after a burst) when the data path holds nothing:
// an association idle for a heartbeat period goes back to its small idle
// footprint. The next burst warms the pool up again.
func (d *dataState) trimIdle() {
	r := &d.rcv
	if !d.idle() || r.items != 0 || r.pd.active {
		return
	}
	d.pool.Release()
	d.snd.freeMsgs = nil
	// The queues grown to a window's worth of entries.
	d.snd.chunks = ring[outChunk]{}
	d.snd.pending.trim()
	r.ready, r.pdReady = ring[inMessage]{}, ring[inMessage]{}
	r.unordered = nil
	for i := range r.streams {
		r.streams[i].frags = nil
	}
	// The last message read stays valid for its reader (the garbage
	// collector frees it); it just does not return to the pool.
	r.lent = nil
}

// addErrors adds n to the association error counter (RFC 9260 §8.1) —
// the one counter shared by T3-rtx expiries (counted by t3Expired) and
// unanswered HEARTBEATs on the data path (counted by the association) — and
// reports whether it now exceeds Association.Max.Retrans: the peer is
// unreachable and the association fails.
func (d *dataState) addErrors(n int) (failed bool) {
	d.snd.errorCount += n
	return d.snd.errorCount > d.cfg.maxRetrans
}

// resetErrors clears the association error counter: a HEARTBEAT ACK was
// received (RFC 9260 §8.1). A SACK acknowledging new data clears it in
// handleSack.
func (d *dataState) resetErrors() { d.snd.errorCount = 0 }

// rttSample feeds an RTT measured by HEARTBEAT/HEARTBEAT ACK on the
// current data path into its RTO estimator (RFC 9260 §8.3) and, as any
// acknowledgement of reachability, clears the association error counter
// (§8.1).
func (d *dataState) rttSample(now time.Time, rtt time.Duration) {
	d.pathRTTSample(now, d.dest, rtt)
}

// pathRTTSample feeds an RTT measured by HEARTBEAT/HEARTBEAT ACK on path
// idx into that destination's RTO estimator (RFC 9260 §6.3.1, §8.3: RTO
// per destination) and clears the association error counter (§8.1).
func (d *dataState) pathRTTSample(now time.Time, idx int, rtt time.Duration) {
	_ = now
	d.destState(idx).rto.sample(rtt)
	d.st.rttSamples++
	d.snd.errorCount = 0
}

// destState is the transport state of one destination (RFC 9260 §6.3:
// RTO, SRTT, RTTVAR and T3-rtx per destination; §7.2: cwnd, ssthresh,
// partial_bytes_acked and flight size per destination). The congestion
// controller is instantiated per destination.
type destState struct {
	rto    rtoState
	cc     congestionController
	flight int       // bytes of DATA last sent here and still in flight
	t3     time.Time // this destination's T3-rtx; zero: stopped

	// Scratch of one SACK (handleSack): bytes newly acknowledged and
	// reported duplicate, the flight before it, and the lowest outstanding
	// TSN (R3 restarts T3 when it changes).
	acked, flightBefore int
	dupAcked            int // bytes of chunks reported as Duplicate TSNs (§7.2.2)
	first               uint32
	haveFirst, seen     bool
	credited            bool // a chunk sent once, only here, was acknowledged
}

// pmdcs is RFC 9260's Path Maximum DATA Chunk Size, the unit of §7.2's
// cwnd rules: the largest DATA chunk an SCTP packet of the path MTU holds,
// its header included. Read at each congestion event: PLPMTUD (RFC 8899)
// changes the MTU while the association runs; a controller that kept the
// MTU of the handshake would grow cwnd by 1,440 bytes per round trip on a
// path probed to 64 KiB, and keep a floor of 4·1,440 on one that shrank.
func (d *dataState) pmdcs() int { return d.cfg.mtu - commonHeaderLen }

// destState returns destination idx's state, created on first use with
// RTO.Initial (§6.3.1 C1) and the initial cwnd of §7.2.1 for the family of
// its peer address. idx is a path index (< maxPaths).
func (d *dataState) destState(idx int) *destState {
	for len(d.dst) <= idx {
		d.dst = append(d.dst, &destState{
			rto: newRTOState(&d.cfg.rto),
			cc:  newRenoController(d.pmdcs(), int(d.peerRwnd), d.pathIPv6 != nil && d.pathIPv6(len(d.dst))),
		})
	}
	return d.dst[idx]
}

// setDest makes path idx the destination of new DATA (RFC 9260 §6.4: the
// primary, or the path the association fails over to): d.rto and d.cc
// follow it. The association calls it before each packet.
func (d *dataState) setDest(idx int) {
	if idx < 0 || idx >= maxPaths {
		idx = 0
	}
	x := d.destState(idx)
	d.dest, d.rto, d.cc = idx, &x.rto, x.cc
}

// clampRTOs applies new RTO bounds to every destination (§6.3.1 C6, C7).
func (d *dataState) clampRTOs() {
	for _, x := range d.dst {
		x.rto.rto = x.rto.clamp(x.rto.rto)
	}
}

// destStats returns destination idx's RTO estimator, cwnd and flight for
// SCTP_GET_PEER_ADDR_INFO; ok false when nothing was ever sent there.
func (d *dataState) destStats(idx int) (srtt, rto time.Duration, cwnd, flight int, ok bool) {
	if idx < 0 || idx >= len(d.dst) {
		return 0, 0, 0, 0, false
	}
	x := d.dst[idx]
	return x.rto.srtt, x.rto.rto, x.cc.window(), x.flight, true
}

// removeDest follows the removal of path idx (RFC 5061 Delete IP
// Address, pathSet.remove): the chunks last sent there count for path to
// (its index before the removal) — their flight moves, and its T3-rtx
// runs if theirs did (they are retransmitted there when it expires) —
// and every later destination moves down one index, as the paths do.
func (d *dataState) removeDest(idx, to int) {
	if idx < 0 || idx >= len(d.dst) || to == idx || to < 0 || to >= maxPaths {
		if idx >= 0 && idx < maxPaths {
			// No state for idx: only the indices above it move.
			d.shiftDests(idx)
		}
		return
	}
	s := &d.snd
	old, nx := d.dst[idx], d.destState(to)
	for i := 0; i < s.chunks.len(); i++ {
		if ch := s.chunks.at(i); int(ch.dest) == idx {
			if ch.inFlight {
				d.outOfFlight(ch)
				ch.dest = uint8(to)
				d.intoFlight(ch)
			} else {
				ch.dest = uint8(to)
			}
		}
	}
	if !old.t3.IsZero() && (nx.t3.IsZero() || old.t3.Before(nx.t3)) {
		nx.t3 = old.t3
	}
	d.dst = append(d.dst[:idx], d.dst[idx+1:]...)
	d.shiftDests(idx)
}

// shiftDests moves the chunks' and the data path's destination indices
// above idx down one (path idx was removed).
func (d *dataState) shiftDests(idx int) {
	s := &d.snd
	for i := 0; i < s.chunks.len(); i++ {
		if ch := s.chunks.at(i); int(ch.dest) > idx {
			ch.dest--
		}
	}
	dest := d.dest
	if dest > idx {
		dest--
	} else if dest == idx {
		dest = 0
	}
	if dest >= len(d.dst) {
		dest = 0
	}
	d.setDest(dest)
	d.syncT3()
}

// takeT3Fired returns and clears the destinations whose T3-rtx expired.
func (d *dataState) takeT3Fired() uint32 { m := d.t3Fired; d.t3Fired = 0; return m }

// takeAckedDests returns and clears the destinations whose DATA the last
// SACK newly acknowledged.
func (d *dataState) takeAckedDests() uint32 { m := d.ackedDests; d.ackedDests = 0; return m }

// intoFlight counts ch in the flight, the association's and its
// destination's.
func (d *dataState) intoFlight(ch *outChunk) {
	ch.inFlight = true
	n := d.booked(ch.n)
	d.snd.flight += n
	d.dst[ch.dest].flight += n
}

// outOfFlight takes ch out of the flight.
func (d *dataState) outOfFlight(ch *outChunk) {
	ch.inFlight = false
	n := d.booked(ch.n)
	d.snd.flight -= n
	d.dst[ch.dest].flight -= n
}

// syncT3 sets snd.t3 to the earliest of the destinations' T3-rtx timers
// (the association's timer deadline and the probe timeout's cap).
func (d *dataState) syncT3() {
	var t time.Time
	for _, x := range d.dst {
		t = earliest(t, x.t3)
	}
	d.snd.t3 = t
}

// startT3 starts destination idx's T3-rtx unless it runs (§6.3.2 R1).
func (d *dataState) startT3(now time.Time, idx int) {
	if x := d.dst[idx]; x.t3.IsZero() {
		x.t3 = now.Add(x.rto.rto)
	}
}

// dataSent is appendData's epilogue after it appended DATA: the new
// chunks (TSN first and on) were sent to d.dest and count in its flight;
// §6.3.2 R1 starts its T3-rtx.
func (d *dataState) dataSent(now time.Time, first uint32) {
	s := &d.snd
	x := d.dst[d.dest]
	for i := int(first - s.cumAck - 1); i >= 0 && i < s.chunks.len(); i++ {
		ch := s.chunks.at(i)
		ch.dest = uint8(d.dest)
		if ch.inFlight {
			x.flight += d.booked(ch.n)
		}
	}
	if s.chunks.len() > 0 && d.rtxDestOutstanding() {
		d.startT3(now, d.dest)
	}
	d.syncT3()
}

// rtxDestOutstanding reports whether DATA sent to d.dest is outstanding
// (R1 starts its T3-rtx only then).
func (d *dataState) rtxDestOutstanding() bool {
	if len(d.dst) == 1 {
		return true
	}
	return d.dst[d.dest].flight > 0
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

// Serial number arithmetic (RFC 9260 §1.6, RFC 1982) for TSNs and SSNs.
func tsnLT(a, b uint32) bool  { return int32(a-b) < 0 }
func tsnLTE(a, b uint32) bool { return int32(a-b) <= 0 }
func tsnGT(a, b uint32) bool  { return int32(a-b) > 0 }
func ssnLT(a, b uint16) bool  { return int16(a-b) < 0 }

func pad4(n int) int { return (n + 3) &^ 3 }

// booked is what a chunk of n bytes of user data counts in the flight
// size, and so in cwnd, ssthresh and partial_bytes_acked, and against the
// peer's rwnd: the length of the DATA (or I-DATA) chunk with its padding.
// RFC 9260 §7.2: "the length of the DATA chunk, including the padding,
// SHOULD be used" (§7.2.2 again for partial_bytes_acked). Counting the
// user data alone let more into the network than §7.2's algorithms allow,
// which §7.2 forbids (MUST NOT be more aggressive), and by far with small
// messages: a cwnd of 5,808 bytes let 5,808 one-byte chunks out, 116,160
// bytes of DATA chunks (TestFlightCountsChunkLength). Against rwnd the
// chunk length is the conservative side of §6.2.1's "bytes still
// outstanding" (usrsctp adds a per-chunk overhead there too).
func (d *dataState) booked(n int) int { return d.chunkHeaderLen() + pad4(n) }

// ring is a growable FIFO ring buffer. It allocates only to grow, so in
// steady state pushes and pops are free.
type ring[T any] struct {
	buf  []T
	head int
	n    int
}

func (r *ring[T]) len() int { return r.n }

// at returns a pointer to the i-th element from the front.
func (r *ring[T]) at(i int) *T {
	if i < 0 || i >= r.n {
		panic("BUG: ring index out of range")
	}
	return &r.buf[(r.head+i)&(len(r.buf)-1)]
}

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

// pushSlot appends a zero element and returns a pointer to it.
func (r *ring[T]) pushSlot() *T {
	var zero T
	r.push(zero)
	return r.at(r.n - 1)
}

func (r *ring[T]) pop() T {
	if r.n == 0 {
		panic("BUG: pop from empty ring")
	}
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return v
}

func (r *ring[T]) grow() {
	size := 2 * len(r.buf)
	if size == 0 {
		size = 16
	}
	nb := make([]T, size)
	for i := 0; i < r.n; i++ {
		nb[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
	}
	r.buf, r.head = nb, 0
}
