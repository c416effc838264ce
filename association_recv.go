package sctp

import (
	"time"

	"github.com/usctp/sctp/chunk"
)

// Receive side: TSN tracking, duplicate TSNs, the receive window and the
// decision when to send a SACK (RFC 9260 §6.2, §6.7).

const (
	// maxTSNAhead bounds how far above the cumulative TSN a DATA chunk is
	// accepted: gap ack block offsets are 16 bits (§3.3.4).
	maxTSNAhead = 65535
	// maxGapRanges bounds the out-of-order TSN ranges kept (memory bound
	// against a peer that sends every other TSN).
	maxGapRanges = 1024
	// maxDupTSNs bounds the duplicate TSNs remembered for the next SACK.
	maxDupTSNs = 64
)

// tsnRange is an inclusive range of received TSNs above the cumulative TSN.
type tsnRange struct{ start, end uint32 }

// recvTracker records which TSNs arrived: the cumulative TSN and sorted,
// disjoint, non-adjacent ranges above it (the gap ack blocks to report).
type recvTracker struct {
	cum     uint32
	highest uint32 // highest TSN received
	ranges  []tsnRange
	dups    []uint32
	dupLost int // duplicates not remembered (list full)
}

func (t *recvTracker) init(peerInitialTSN uint32) {
	t.cum = peerInitialTSN - 1
	t.highest = t.cum
}

// has reports whether tsn was received already.
func (t *recvTracker) has(tsn uint32) bool {
	if tsnLTE(tsn, t.cum) {
		return true
	}
	i := t.search(tsn)
	return i < len(t.ranges) && tsnLTE(t.ranges[i].start, tsn)
}

// search returns the index of the first range whose end is >= tsn.
func (t *recvTracker) search(tsn uint32) int {
	lo, hi := 0, len(t.ranges)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if tsnLT(t.ranges[mid].end, tsn) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// add records a new TSN (not already received, above cum, within
// maxTSNAhead). ok is false when it cannot be recorded (too many ranges);
// filled reports that it closed a gap, advancing cum over buffered TSNs.
func (t *recvTracker) add(tsn uint32) (ok, filled bool) {
	ok, filled = t.insert(tsn)
	if ok && tsnGT(tsn, t.highest) {
		t.highest = tsn
	}
	return ok, filled
}

func (t *recvTracker) insert(tsn uint32) (ok, filled bool) {
	if tsn == t.cum+1 {
		t.cum = tsn
		if len(t.ranges) > 0 && t.ranges[0].start == t.cum+1 {
			t.cum = t.ranges[0].end
			n := copy(t.ranges, t.ranges[1:])
			t.ranges = t.ranges[:n]
			filled = true
		}
		return true, filled
	}
	i := t.search(tsn)
	// Extend a neighbour where possible.
	joinPrev := i > 0 && t.ranges[i-1].end+1 == tsn
	joinNext := i < len(t.ranges) && t.ranges[i].start == tsn+1
	switch {
	case joinPrev && joinNext:
		t.ranges[i-1].end = t.ranges[i].end
		n := copy(t.ranges[i:], t.ranges[i+1:])
		t.ranges = t.ranges[:i+n]
	case joinPrev:
		t.ranges[i-1].end = tsn
	case joinNext:
		t.ranges[i].start = tsn
	default:
		if len(t.ranges) >= maxGapRanges {
			return false, false
		}
		t.ranges = append(t.ranges, tsnRange{})
		copy(t.ranges[i+1:], t.ranges[i:])
		t.ranges[i] = tsnRange{tsn, tsn}
	}
	return true, false
}

// forwardTo advances cum to newCum (FORWARD TSN, RFC 3758 §3.6), dropping
// ranges below it and absorbing a range that now touches cum.
func (t *recvTracker) forwardTo(newCum uint32) {
	if !tsnGT(newCum, t.cum) {
		return
	}
	t.cum = newCum
	k := 0
	for k < len(t.ranges) && tsnLTE(t.ranges[k].end, newCum) {
		k++
	}
	if k < len(t.ranges) && tsnLTE(t.ranges[k].start, newCum+1) {
		t.cum = t.ranges[k].end
		k++
	}
	n := copy(t.ranges, t.ranges[k:])
	t.ranges = t.ranges[:n]
	if tsnGT(t.cum, t.highest) {
		t.highest = t.cum
	}
}

func (t *recvTracker) addDup(tsn uint32) {
	if len(t.dups) < maxDupTSNs {
		t.dups = append(t.dups, tsn)
	} else {
		t.dupLost++
	}
}

// recvState is the receive half of the data path.
type recvState struct {
	cfg     *assocConfig // the association's config
	tracker recvTracker

	streams   []inStream
	unordered []inFrag // unordered fragments of all streams, by TSN
	ready     ring[inMessage]
	pd        partialState
	pdReady   ring[inMessage] // pieces of the partially delivered message
	lent      []byte          // data of the message last returned by readMessage
	buffered  int             // user data bytes held: fragments + ready messages
	items     int             // fragments + ready messages held
	// parked is the part of used() taken by the fragments parked while
	// our SSN/TSN reset is outstanding (reconfState.tsnFrags), which the
	// advertised window leaves to tsnParkLimit (window).
	parked int

	sackNow        bool
	sackDeadline   time.Time
	unackedPackets int // packets with DATA since the last SACK
	pktData        bool
	pktImmediate   bool
	lastAdvertised uint32

	sack chunk.Sack
}

func (r *recvState) init(cfg *assocConfig, n *negotiated) {
	r.cfg = cfg
	r.tracker.init(n.peerInitialTSN)
	r.streams = make([]inStream, n.inStreams)
	r.lastAdvertised = cfg.rwnd
}

// window is the a_rwnd to advertise: buffer space not taken by received
// data that the user has not read yet (§6.2). While our SSN/TSN reset is
// outstanding the fragments that arrive are parked (tsnResetNeeds) and
// the reader cannot drain them; they are charged to the parking bound,
// tsnParkLimit, instead of the buffer, so the peer can send the backlog
// it must have acknowledged before it performs (RFC 6525 §5.2.4) at its
// usual pace. Charged to the buffer, they closed the window and the
// backlog crept through as zero window probes, one chunk per RTO: with a
// 64 KiB buffer and a 216 KB message queued at the peer, the reset did not
// complete in 40 s and the association failed (property test seed 101800).
func (r *recvState) window() uint32 {
	w := int(r.cfg.rwnd) - (r.used() - r.parked)
	if r.parked > 0 {
		w = min(w, tsnParkLimit(r.cfg.rwnd)-r.parked)
	}
	if w <= 0 {
		return 0
	}
	return uint32(w)
}

// recvItemOverhead is what each held fragment or message costs on top of
// its user data (buffer rounding, bookkeeping). Charging it keeps memory
// bounded by the window even when a peer sends 1-byte chunks (like
// usrsctp's per-chunk overhead in its rwnd accounting).
const recvItemOverhead = 64

// used is the receive buffer space taken, overhead included.
func (r *recvState) used() int { return r.buffered + r.items*recvItemOverhead }

// windowOpened schedules a window update SACK after the user read data,
// following receiver SWS avoidance (§6.2, RFC 1122 §4.2.3.3): only when the
// advertised window was at most half open and grows by at least
// min(MTU, buffer/2).
func (r *recvState) windowOpened() {
	w := r.window()
	half := r.cfg.rwnd / 2
	step := min(uint32(r.cfg.mtu), half)
	if r.lastAdvertised <= half && w >= r.lastAdvertised+step {
		r.sackNow = true
	}
}

// rxChunk is one received DATA or I-DATA chunk as the receive path sees
// it (RFC 9260 §3.3.1, RFC 8260 §2.1).
type rxChunk struct {
	TSN                                     uint32
	Stream                                  uint16
	SSN                                     uint16 // DATA
	MID, FSN                                uint32 // I-DATA; FSN is 0 on the first fragment
	PPID                                    uint32 // DATA; I-DATA: first fragment only
	Immediate, Unordered, Beginning, Ending bool
	UserData                                []byte
}

// handleData processes one DATA chunk (§6.2). It copies the user data out
// of the packet buffer into pooled storage.
func (d *dataState) handleData(now time.Time, dc *chunk.Data) dataVerdict {
	c := rxChunk{TSN: dc.TSN, Stream: dc.Stream, SSN: dc.SSN, PPID: dc.PPID, Immediate: dc.Immediate,
		Unordered: dc.Unordered, Beginning: dc.Beginning, Ending: dc.Ending, UserData: dc.UserData}
	return d.receive(now, &c)
}

// receive files one DATA or I-DATA chunk (§6.2).
func (d *dataState) receive(now time.Time, c *rxChunk) dataVerdict {
	_ = now
	r := &d.rcv
	t := &r.tracker
	if len(c.UserData) == 0 {
		// §6.2: DATA without user data; the core ABORTs with cause 9.
		return dataNoUserData
	}
	r.pktData = true
	if c.Immediate {
		r.pktImmediate = true // RFC 7053: the sender asks for a SACK now
	}
	d.st.dataChunksReceived++
	if t.has(c.TSN) {
		// §6.2: duplicates are reported and answered at once.
		t.addDup(c.TSN)
		r.pktImmediate = true
		d.st.duplicateTSNs++
		return dataDuplicate
	}
	if tsnGT(c.TSN, t.cum+maxTSNAhead) {
		r.pktImmediate = true
		d.st.droppedChunks++
		return dataDropped
	}
	if c.Stream >= d.inStreams {
		// §6.4.1 (and §3.3.10.1): invalid stream; the TSN is acknowledged
		// but the data discarded; the core reports ERROR cause 1.
		if ok, filled := t.add(c.TSN); !ok {
			r.pktImmediate = true
			d.st.droppedChunks++
			return dataDropped
		} else if filled {
			r.pktImmediate = true
		}
		return dataInvalidStream
	}
	n := len(c.UserData)
	// §6.2: no buffer space: drop DATA beyond the highest TSN received and
	// SACK at once. "No space" is judged in user-data bytes, as the sender
	// counts the window (§6.1 A: rwnd minus bytes outstanding): the
	// advertised window also charges recvItemOverhead per held item, so a
	// sender that stays inside it never sees its last chunks dropped and
	// left to the T3-rtx timer. Memory, overhead included, is bounded by an
	// overcommit of half the buffer; a chunk below the highest TSN (it
	// fills a hole that blocks delivery) may use that overcommit too.
	limit := int(d.cfg.rwnd) + int(d.cfg.rwnd/2)
	if !d.partialNeeds(c) && !d.tsnResetNeeds(c) && (r.used()+n+recvItemOverhead > limit ||
		(r.buffered+n > int(d.cfg.rwnd) && !tsnLT(c.TSN, t.highest))) && !d.holeNeeds(c, limit) {
		r.pktImmediate = true
		d.st.droppedChunks++
		d.maybeStartPartial(true)
		return dataDropped
	}
	ok, filled := t.add(c.TSN)
	if !ok {
		r.pktImmediate = true
		d.st.droppedChunks++
		return dataDropped
	}
	if filled {
		r.pktImmediate = true // §6.7: SACK at once when a gap closes
	}
	buf := d.pool.Get(n)
	copy(buf, c.UserData)
	r.buffered += n
	r.items++
	d.insertFrag(inFrag{
		tsn:       c.TSN,
		ssn:       c.SSN,
		mid:       c.MID,
		fsn:       c.FSN,
		stream:    c.Stream,
		ppid:      c.PPID,
		beginning: c.Beginning,
		ending:    c.Ending,
		unordered: c.Unordered,
		buf:       buf,
	})
	d.maybeStartPartial(false)
	return dataOK
}

// partialNeeds reports whether c is the next piece of the running partial
// delivery while the reader has taken every piece so far. Such a chunk is
// accepted whatever the window: RFC 6458 §8.1.20 (no fragment interleave)
// holds every other message back until the partial delivery ends, and those
// messages are cumulatively acknowledged, so they can be neither read nor
// reneged (RFC 9260 §6.2 allows dropping only data not yet acknowledged).
// Dropping this chunk for lack of window (§6.2) would deadlock: the reader
// waits for it and the window it fills never drains; the sender's zero
// window probes (§6.1 A) are dropped forever (found by the seeded property
// test, seed 405 of 800: a 4 KiB window full of complete messages queued
// behind a partial delivery). The piece goes straight to the reader
// (continuePartial), and only while nothing of the partial delivery is
// waiting to be read, so memory stays bounded: at most one chunk beyond the
// usual limit.
func (d *dataState) partialNeeds(c *rxChunk) bool {
	pd := &d.rcv.pd
	if d.idata {
		// RFC 8260 §2.1: the next piece is named by MID and FSN.
		return pd.active && d.rcv.pdReady.len() == 0 && c.Stream == pd.stream &&
			c.Unordered == pd.unordered && c.MID == pd.mid && !c.Beginning && c.FSN == pd.nextFSN
	}
	return pd.active && d.rcv.pdReady.len() == 0 && c.TSN == pd.next && c.Stream == pd.stream &&
		c.Unordered == pd.unordered && (pd.unordered || c.SSN == pd.ssn)
}

// holeNeeds reports whether c, beyond the overcommit, must still be
// accepted: it is the next in-sequence chunk and fills the hole that keeps
// the fragments buffered above it from delivery. Dropped, it deadlocks a
// small window: the buffer holds fragments of a message whose first
// fragment is missing, nothing can be delivered or read to make room, and
// the sender's retransmission of that fragment, its zero window probe
// (RFC 9260 §6.1 A), is dropped for good (property test seed 189272: a
// 4 KiB buffer holding four 1,164-byte middle fragments). RFC 9260 §6.2
// would renege on the highest TSN held instead; one chunk more, up to one
// MTU beyond the overcommit, keeps memory bounded the same way without
// taking back what was acknowledged: a peer can place another hole only
// where there is room.
func (d *dataState) holeNeeds(c *rxChunk, limit int) bool {
	t := &d.rcv.tracker
	return c.TSN == t.cum+1 && tsnLT(c.TSN, t.highest) &&
		d.rcv.used()+len(c.UserData)+recvItemOverhead <= limit+d.cfg.mtu
}

// tsnResetNeeds reports whether c must be accepted beyond the buffer
// because our SSN/TSN Reset Request is outstanding (RFC 6525 §5.1.4): the
// fragments that arrive meanwhile are parked (reconfState.tsnDefer), so the
// reader cannot drain the space they take. The responder performs the
// reset only once all its data is acknowledged (§5.2.4; "In progress"
// until then), so dropping its chunks for lack of buffer (RFC 9260 §6.2)
// would keep the response from ever coming: a deadlock (seeded property
// test with -sctp.assocreset, seeds 36, 108, 216, 220, 300 of 400). Every
// chunk qualifies while the parked data, overhead included, stays within
// tsnParkLimit (tsnParkBuffers receive buffers, at least tsnParkFloor), so
// memory stays bounded; the advertised window says as much (window). One
// buffer was not enough: the responder keeps sending the messages it had
// queued before the request (they are in the old numbering and must all
// be acknowledged before it performs), seed 36 parked 30 chunks, 17.5 KB,
// with a 16 KiB buffer. A peer with a larger backlog than the bound stalls
// the reset; reconfResponse then ends the association after
// Association.Max.Retrans "In progress" answers instead of hanging.
func (d *dataState) tsnResetNeeds(c *rxChunk) bool {
	if !d.rc.tsnDefer {
		return false
	}
	if d.rcv.parked+len(c.UserData)+recvItemOverhead > tsnParkLimit(d.cfg.rwnd) {
		d.rc.tsnParkFull = true
		return false
	}
	return true
}

// tsnParkBuffers bounds the data parked for our SSN/TSN reset, in receive
// buffers (see tsnResetNeeds), but never below tsnParkFloor bytes.
const tsnParkBuffers = 4

// tsnParkFloor: the parked data may reach this much whatever the receive
// buffer. What must be parked is the peer's backlog of old data (queued
// before it received our request, all to be acknowledged before it
// performs, §5.2.4), which follows the peer's send buffer, not our window:
// with a small window (1,500 B, 4 KiB) four buffers stalled the reset and
// failed the association although the peer behaved (-sctp.assocreset
// seeds 544 and 1112 of 1500: 62 KB and 58 KB parked). Measured over the
// 375 SSN/TSN reset seeds of that run with no bound: at most 635 KB parked
// (seed 1360, 1,500-byte window). 1 MiB is the default receive buffer, so
// a small window costs no more memory during our reset than the default
// one does anyway (4 MiB); only a peer with a larger backlog still stalls
// the reset, which then fails the association (reconfResponse) rather
// than hanging. Parking happens only while our user's SSN/TSN reset is
// outstanding, so a peer cannot make us park on its own.
const tsnParkFloor = assocDefaultRwnd

// tsnParkLimit is the bound of the data parked for our SSN/TSN reset
// (payload and per-item overhead), for a receive buffer of rwnd bytes.
func tsnParkLimit(rwnd uint32) int { return max(tsnParkBuffers*int(rwnd), tsnParkFloor) }

// endOfPacket decides, after all chunks of a packet were handled, between
// an immediate and a delayed SACK (§6.2): immediate on duplicates, gaps
// (out-of-order arrival), a closed gap, a dropped chunk, the I bit, or on
// every second packet with DATA; otherwise within sackDelay.
func (d *dataState) endOfPacket(now time.Time) {
	r := &d.rcv
	if !r.pktData {
		return
	}
	r.pktData = false
	r.unackedPackets++
	if r.pktImmediate || len(r.tracker.ranges) > 0 || r.unackedPackets >= 2 {
		r.sackNow = true
	} else if r.sackDeadline.IsZero() {
		r.sackDeadline = now.Add(d.cfg.sackDelay)
	}
	r.pktImmediate = false
}

// sackDue reports that a SACK should go out now.
func (d *dataState) sackDue(now time.Time) bool {
	r := &d.rcv
	return r.sackNow || (!r.sackDeadline.IsZero() && !now.Before(r.sackDeadline))
}

// appendSack appends one SACK chunk reporting the cumulative TSN, as many
// gap ack blocks and duplicate TSNs as fit one MTU-sized packet, and the
// current window (§6.2, §3.3.4); it resets the acknowledgement state.
func (d *dataState) appendSack(b []byte) []byte {
	return d.appendSackRoom(b, d.cfg.mtu-commonHeaderLenData)
}

// appendSackRoom is appendSack limited to room bytes (at least 16, the
// SACK header): gap blocks first, then duplicate TSNs, as many as fit.
func (d *dataState) appendSackRoom(b []byte, room int) []byte {
	r := &d.rcv
	t := &r.tracker
	s := &r.sack
	s.CumTSNAck = t.cum
	s.ARwnd = r.window()
	room = min(room, d.cfg.mtu-commonHeaderLenData)
	space := max(room-sackChunkHeaderLen, 0) / 4
	s.Gaps = s.Gaps[:0]
	for i := range t.ranges {
		if space == 0 {
			break
		}
		rg := t.ranges[i]
		s.Gaps = append(s.Gaps, chunk.GapBlock{
			Start: uint16(rg.start - t.cum),
			End:   uint16(rg.end - t.cum),
		})
		space--
	}
	s.DupTSNs = s.DupTSNs[:0]
	for _, tsn := range t.dups {
		if space == 0 {
			break
		}
		s.DupTSNs = append(s.DupTSNs, tsn)
		space--
	}
	b = s.AppendTo(b)
	t.dups = t.dups[:0]
	t.dupLost = 0
	r.sackNow = false
	r.sackDeadline = time.Time{}
	r.unackedPackets = 0
	r.lastAdvertised = s.ARwnd
	d.st.sacksSent++
	return b
}
