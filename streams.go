package sctp

import (
	"fmt"
	"time"
)

// ---------------------------------------------------------------------------
// Outbound: message queue, TSN assignment, fragmentation, SSN (RFC 9260 §6).

// enqueue queues one user message. The data is copied (into pooled
// storage), so the caller may reuse m.data at once.
func (d *dataState) enqueue(now time.Time, m outMessage) error {
	s := &d.snd
	switch {
	case len(m.data) == 0:
		// §6.1: a DATA chunk carries at least one byte of user data.
		return ErrEmptyMessage
	case len(m.data) > d.cfg.maxMessage:
		return fmt.Errorf("%w: %d bytes, maximum %d", ErrMessageTooLarge, len(m.data), d.cfg.maxMessage)
	case m.stream >= d.outStreams:
		// §6.4: the stream identifier must be below the negotiated count.
		return fmt.Errorf("%w: stream %d of %d negotiated (use 0..%d; InitMsg.NumOstreams asks the peer for more)", ErrInvalidStream, m.stream, d.outStreams, d.outStreams-1)
	}
	if err := d.checkPolicy(&m); err != nil {
		return err
	}
	if s.queued > 0 && s.queued+len(m.data)+sendMsgOverhead > d.cfg.sndBuf &&
		!(m.prPolicy == SCTP_PR_SCTP_PRIO && d.evictForPriority(m.prValue, len(m.data)+sendMsgOverhead)) {
		return errSendBufferFull
	}
	om := s.newMsg()
	om.buf = d.pool.Get(len(m.data))
	copy(om.buf, m.data)
	om.stream = m.stream
	om.ppid = m.ppid
	om.unordered = m.unordered
	om.context = m.context
	om.inPending = true
	d.applyPolicy(now, om, &m)
	s.queued += len(om.buf) + sendMsgOverhead
	if d.parkIfHeld(om) {
		return nil // RFC 6525 §5.1.2 A1: held until the stream's reset is answered
	}
	s.pending.push(om)
	return nil
}

// sendMsgOverhead is charged against the send buffer per message on top of
// its data (message and chunk records, buffer rounding), so a flood of tiny
// messages cannot hold far more memory than sndBuf.
const sendMsgOverhead = 256

// maxFragment is the largest user data in one DATA chunk so that the chunk
// fits an MTU-sized packet with the common header (§6.9).
func (d *dataState) maxFragment() int {
	return d.cfg.fragmentationPoint() - (d.chunkHeaderLen() - dataChunkHeaderLen)
}

// appendData appends DATA chunks fitting in room bytes to b: first a due
// FORWARD TSN (RFC 3758 §3.5), then retransmissions (§6.1 C: before new
// data), then new data, within cwnd (§6.1 B) and the peer's rwnd (§6.1 A).
// It returns b unchanged when nothing may be sent.
func (d *dataState) appendData(now time.Time, b []byte, room int) []byte {
	s := &d.snd
	start, first := len(b), s.nextTSN
	if s.ttlLive > 0 {
		d.abandonExpired(now)
	}
	if s.fwdDue {
		n := len(b)
		b = d.appendForwardTSN(b, &room)
		if len(b) > n {
			d.forwardTSNSent(now)
		}
	}
	if s.rtxCount > 0 {
		b = d.appendRetransmissions(now, b, &room)
	}
	if s.rtxCount == 0 && s.pending.len() > 0 {
		b = d.appendNewData(now, b, &room)
	}
	if len(b) > start {
		// Per destination: flight, §6.3.2 R1 (association_data.go).
		d.dataSent(now, first)
		d.armProbe(now) // RFC 8985 §7.2: after sending, (re)start the PTO
	}
	return b
}

func (d *dataState) appendNewData(now time.Time, b []byte, room *int) []byte {
	s := &d.snd
	// §7.2.1: after an idle period of at least one RTO, shrink cwnd.
	if s.flight == 0 && s.chunks.len() == 0 && !s.lastDataSent.IsZero() {
		if idle := now.Sub(s.lastDataSent); idle > d.rto.rto {
			d.cc.setPMDCS(d.pmdcs())
			d.cc.onIdle(int(min(idle/d.rto.rto, 64)))
			s.lastDataSent = now
		}
	}
	maxFrag := d.maxFragment()
	// §6.1 B: new data only while flight < cwnd, but a packet begun below
	// cwnd SHOULD be filled past it, by at most PMDCS − 1 bytes (the
	// breach one packet only): with small messages the packet that
	// reaches cwnd leaves full instead of cut at the first chunk over it
	// (TestRuleBFillsPacket).
	wnd := d.cc.window()
	fill := s.flight < wnd
	// RFC 8260 §3: the stream scheduler picks the message of every chunk
	// (association_sched.go); without interleaving a started message is
	// finished first (§6.9: its fragments take consecutive TSNs).
	for {
		m := s.pending.peek(s.interleave)
		if m == nil {
			break
		}
		if m.abandoned || m.off == len(m.buf) {
			d.popPending(m)
			continue
		}
		if !m.expires.IsZero() && !now.Before(m.expires) && (m.off == 0 || d.forwardTSN) {
			// RFC 3758 §3.5: past its lifetime before (fully) sent;
			// without PR-SCTP only before any of it was sent (RFC 6458
			// sinfo_timetolive).
			d.abandonMsg(m)
			d.advanceAckPoint()
			d.popPending(m)
			continue
		}
		// §6.1 B: no new data with cwnd or more bytes outstanding, unless
		// this packet began below cwnd (fill, above).
		if s.flight >= wnd && !s.tlpNew && !fill {
			break
		}
		remaining := len(m.buf) - m.off
		hdr := d.chunkHeaderLen() // DATA or I-DATA (RFC 8260 §2.1)
		avail := (*room - hdr) &^ 3
		frag := min(remaining, maxFrag)
		if pad4(frag) > *room-hdr {
			// Fill the rest of this packet with a smaller fragment, but do
			// not cut slivers; the next packet has room.
			if avail < maxFrag/4 || avail <= 0 {
				break
			}
			frag = avail
		}
		book := d.booked(frag) // the chunk's length on the wire and in flight
		if s.flight >= wnd && !s.tlpNew && s.flight+book > wnd+d.pmdcs()-1 {
			break // §6.1 B: cwnd + PMDCS − 1 at most
		}
		// §6.1 A: respect the peer's rwnd, but one DATA chunk may always be
		// in flight (zero window probe).
		if uint32(book) > s.peerRwnd && s.flight > 0 {
			break
		}
		if m.off == 0 && d.idata {
			d.assignMID(m) // RFC 8260 §2.1: a MID instead of the SSN
		} else if m.off == 0 && !m.unordered {
			// §6.5: ordered messages get the stream's next SSN.
			m.ssn = s.nextSSN[m.stream]
			s.nextSSN[m.stream]++
		}
		// RFC 7053 §4.1: the I bit on the chunk that empties the send
		// queue while others are in flight (the end of a transfer or a
		// burst), and on a probe (RFC 8985 §7.3), so the receiver's
		// delayed SACK (RFC 9260 §6.2, up to SACK.Delay) does not hold up
		// the sender's last acknowledgement; bench/README.md ("Short
		// transfers and the delayed SACK") shows the 200 ms it saves at
		// the end of a short transfer. Also on the chunk that fills cwnd
		// (RFC 7053 §4.1 lists it among the reasons): the peer SACKs every
		// second packet (RFC 9260 §6.2), so the last chunk of an odd-sized
		// window would otherwise wait for the next window, which cannot
		// leave before that SACK; a cwnd-limited sender on a lossy path
		// sits at the 4·MTU floor with windows of 4–6 chunks (issue 11,
		// TestImmediateBitFillsWindow). A message sent on an idle
		// association does not ask, so its SACK can still ride on the
		// peer's reply.
		immediate := s.tlpNew || (m.off+frag == len(m.buf) && s.pending.len() == 1 && s.flight > 0) ||
			s.flight+book >= wnd
		ch := s.chunks.pushSlot()
		*ch = outChunk{
			immediate: immediate,
			msg:       m,
			off:       m.off,
			n:         frag,
			tsn:       s.nextTSN,
			beginning: m.off == 0,
			ending:    m.off+frag == len(m.buf),
			sentAt:    now,
			sends:     1,
			inFlight:  true,
			fsn:       m.fsn,
		}
		s.nextTSN++ // §6.1: consecutive TSNs, one per chunk
		m.off += frag
		m.fsn++ // RFC 8260 §2.1: FSN counts the message's fragments from 0
		m.live++
		s.pending.sent(m, frag, s.interleave)
		b = d.appendChunk(b, ch)
		*room -= book
		s.flight += book
		s.subPeerRwnd(book)
		if !s.rttTiming {
			// §6.3.1 C4: time one chunk per round trip.
			s.rttTiming, s.rttTSN, s.rttSentAt = true, ch.tsn, now
		}
		d.st.dataChunksSent++
		s.lastDataSent = now
		s.tlpNew = false // a probe is one chunk (RFC 8985 §7.3)
		if m.off == len(m.buf) {
			d.popPending(m)
		}
	}
	s.pending.packetDone()
	return b
}

// popPending removes m, the head of its stream's queue, from the pending
// messages; a message that has no chunk left in flight and will not be
// sent further is recycled.
func (d *dataState) popPending(m *outMsg) {
	d.snd.pending.pop(m, d.snd.interleave)
	m.inPending = false
	if m.live == 0 && (m.abandoned || m.off == len(m.buf)) {
		if m.buf == nil {
			// Evicted for a message of higher priority (RFC 7496 §3.2):
			// its charge was returned then; freeMsg returns it again.
			d.snd.queued += sendMsgOverhead
		}
		d.freeMsg(m)
	}
}

// ---------------------------------------------------------------------------
// Inbound: reassembly and delivery (§6.5, §6.6, §6.9).

// inFrag is one received DATA chunk waiting for reassembly; buf is a pooled
// copy of its user data.
type inFrag struct {
	tsn       uint32
	ssn       uint16
	stream    uint16
	ppid      uint32
	beginning bool
	ending    bool
	unordered bool
	buf       []byte
	// I-DATA (RFC 8260 §2.1): Message Identifier and Fragment Sequence
	// Number (0 on the first fragment, whose PPID is in ppid).
	mid, fsn uint32
}

// inStream is one inbound stream: its next expected SSN and its ordered
// fragments sorted by TSN. Streams are independent, so a gap in one never
// holds back another (no head-of-line blocking across streams, §6.5).
type inStream struct {
	nextSSN uint16
	frags   []inFrag
	// fwdMark and fwdSSN collect the highest SSN a FORWARD TSN lists for
	// this stream (see handleForwardTSN); fwdMark is the chunk's epoch.
	fwdMark uint32
	fwdSSN  uint16
	fwdMID  uint32 // as fwdSSN, for I-FORWARD TSN
	// resetTSN, when resetSet, is our cumulative TSN when the last stream
	// reset on this stream was performed, at least the peer's last TSN
	// before it (stalePRSkip).
	resetTSN uint32
	resetSet bool
	// nextMID is the next expected ordered MID with I-DATA (RFC 8260
	// §2.1); frags are then sorted by MID and FSN.
	nextMID uint32
}

// insertFrag files a fragment and delivers whatever became complete.
func (d *dataState) insertFrag(f inFrag) {
	r := &d.rcv
	if d.deferForTSNReset(f) {
		return // RFC 6525 §5.1.4: our SSN/TSN reset is outstanding
	}
	if !f.unordered {
		if d.deferFrag(f) {
			return // RFC 6525 §5.2.2: waits for the deferred stream reset
		}
		if d.idata {
			d.insertOrderedI(f) // RFC 8260 §2.1
			return
		}
		st := &r.streams[f.stream]
		if ssnLT(f.ssn, st.nextSSN) {
			// An ordered SSN already delivered or skipped: stale, discard
			// (its TSN is still acknowledged).
			d.dropFrag(&f)
			return
		}
		st.frags = insertByTSN(st.frags, f)
		d.deliverOrdered(st)
		d.continuePartial()
		return
	}
	if d.idata {
		if d.deferFrag(f) {
			return // RFC 6525 §5.2.2 with RFC 8260: its MIDs restart too
		}
		d.insertUnorderedI(f) // RFC 8260 §2.1
		return
	}
	i := 0
	r.unordered, i = insertByTSNAt(r.unordered, f)
	d.deliverUnordered(i)
	d.continuePartial()
}

func insertByTSN(fs []inFrag, f inFrag) []inFrag {
	fs, _ = insertByTSNAt(fs, f)
	return fs
}

func insertByTSNAt(fs []inFrag, f inFrag) ([]inFrag, int) {
	// Fast path: arrivals are usually in order.
	i := len(fs)
	if i > 0 && !tsnGT(f.tsn, fs[i-1].tsn) {
		lo, hi := 0, len(fs)
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if tsnLT(fs[mid].tsn, f.tsn) {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		i = lo
	}
	fs = append(fs, inFrag{})
	copy(fs[i+1:], fs[i:])
	fs[i] = f
	return fs, i
}

func (d *dataState) dropFrag(f *inFrag) {
	d.rcv.buffered -= len(f.buf)
	d.rcv.items--
	d.pool.Put(f.buf)
	f.buf = nil
}

// deliverOrdered moves every complete message at the head of the stream
// whose SSN is the next expected one to the ready queue (§6.5, §6.6).
func (d *dataState) deliverOrdered(st *inStream) {
	for len(st.frags) > 0 {
		f0 := &st.frags[0]
		if f0.ssn != st.nextSSN {
			if ssnLT(f0.ssn, st.nextSSN) {
				d.dropFrag(f0)
				d.st.partialReassemblyDrp++
				st.frags = removeFrags(st.frags, 0, 1)
				continue
			}
			return
		}
		if !f0.beginning {
			return
		}
		end := -1
		for j := range st.frags {
			fj := &st.frags[j]
			if fj.tsn != f0.tsn+uint32(j) || fj.ssn != f0.ssn || (j > 0 && fj.beginning) {
				break
			}
			if fj.ending {
				end = j
				break
			}
		}
		if end < 0 {
			return
		}
		d.completeMessage(st.frags[:end+1], false)
		st.frags = removeFrags(st.frags, 0, end+1)
		st.nextSSN++
	}
}

// deliverUnordered checks whether the fragment at index i of the unordered
// list completed a message and delivers it at once (§6.6 U bit).
func (d *dataState) deliverUnordered(i int) {
	fs := d.rcv.unordered
	s := i
	for !fs[s].beginning {
		if s == 0 || fs[s-1].tsn != fs[s].tsn-1 || fs[s-1].ending || fs[s-1].stream != fs[s].stream {
			return
		}
		s--
	}
	e := i
	for !fs[e].ending {
		if e+1 == len(fs) || fs[e+1].tsn != fs[e].tsn+1 || fs[e+1].beginning || fs[e+1].stream != fs[e].stream {
			return
		}
		e++
	}
	d.completeMessage(fs[s:e+1], true)
	d.rcv.unordered = removeFrags(fs, s, e+1)
}

// removeFrags removes fs[i:j], keeping order, and clears the tail.
func removeFrags(fs []inFrag, i, j int) []inFrag {
	n := copy(fs[i:], fs[j:])
	tail := fs[i+n:]
	for k := range tail {
		tail[k] = inFrag{}
	}
	return fs[:i+n]
}

// completeMessage joins the fragments of one message and queues it for
// readMessage.
func (d *dataState) completeMessage(fs []inFrag, unordered bool) {
	d.rcv.ready.push(d.joinFrags(fs, unordered))
}

// joinFrags makes one inMessage of consecutive fragments. A single
// fragment's buffer is handed over as is; several are copied into one
// pooled buffer.
func (d *dataState) joinFrags(fs []inFrag, unordered bool) inMessage {
	var data []byte
	if len(fs) == 1 {
		data = fs[0].buf
	} else {
		total := 0
		for i := range fs {
			total += len(fs[i].buf)
		}
		data = d.pool.Get(total)
		off := 0
		for i := range fs {
			off += copy(data[off:], fs[i].buf)
			d.pool.Put(fs[i].buf)
		}
	}
	for i := range fs {
		fs[i].buf = nil
	}
	d.rcv.items -= len(fs) - 1
	return inMessage{
		stream:    fs[0].stream,
		ssn:       fs[0].ssn,
		ppid:      fs[0].ppid,
		tsn:       fs[0].tsn,
		unordered: unordered,
		data:      data,
	}
}

// partialState is a running partial delivery: one message too large for
// the receive window handed to the user in pieces (RFC 9260 §6.9 notes the
// receiver may dispatch part of a message when it runs out of buffer).
type partialState struct {
	active    bool
	unordered bool
	stream    uint16
	ssn       uint16
	ppid      uint32
	next      uint32 // TSN of the next piece
	// I-DATA (RFC 8260 §2.1): the message's MID and the FSN of its next
	// piece.
	mid, nextFSN uint32
}

// fragRun returns the length k of the run fs[0:k] of consecutive fragments
// of one message starting at fs[0] (no B after the first, same stream and,
// when ordered, same SSN), including an ending fragment if reached.
func fragRun(fs []inFrag, ordered bool) (k int, bytes int, ended bool) {
	for k < len(fs) {
		f := &fs[k]
		if k > 0 && (f.tsn != fs[0].tsn+uint32(k) || f.beginning || f.stream != fs[0].stream || ordered && f.ssn != fs[0].ssn) {
			break
		}
		bytes += len(f.buf)
		k++
		if f.ending {
			return k, bytes, true
		}
	}
	return k, bytes, false
}

// maybeStartPartial starts a partial delivery when the receive window is
// (nearly) full — full means less than one MTU free, or force after a
// chunk was dropped for lack of space — and the user has read everything
// complete, so nothing else could ever free space: the longest beginning
// of a deliverable message (the next SSN of an ordered stream, or any
// unordered one) goes out as the first piece.
func (d *dataState) maybeStartPartial(force bool) {
	r := &d.rcv
	if r.pd.active || r.ready.len() > 0 || r.pdReady.len() > 0 {
		return
	}
	if !force && r.window() >= uint32(d.cfg.mtu) {
		return
	}
	if d.idata {
		d.maybeStartPartialI() // RFC 8260: by MID and FSN
		return
	}
	best, bestBytes, bestStart := -1, 0, 0
	for i := range r.streams {
		st := &r.streams[i]
		if len(st.frags) == 0 || st.frags[0].ssn != st.nextSSN || !st.frags[0].beginning {
			continue
		}
		if _, n, _ := fragRun(st.frags, true); n > bestBytes {
			best, bestBytes = i, n
		}
	}
	uBest := false
	for i := range r.unordered {
		if !r.unordered[i].beginning {
			continue
		}
		if _, n, _ := fragRun(r.unordered[i:], false); n > bestBytes {
			uBest, bestBytes, bestStart = true, n, i
		}
	}
	switch {
	case uBest:
		f := &r.unordered[bestStart]
		r.pd = partialState{active: true, unordered: true, stream: f.stream, ssn: f.ssn, ppid: f.ppid, next: f.tsn}
	case best >= 0:
		f := &r.streams[best].frags[0]
		r.pd = partialState{active: true, stream: f.stream, ssn: f.ssn, ppid: f.ppid, next: f.tsn}
	default:
		return
	}
	d.st.partialDeliveries++
	d.continuePartial()
}

// continuePartial hands out the fragments of the partially delivered
// message that are now contiguous.
func (d *dataState) continuePartial() {
	r := &d.rcv
	if !r.pd.active {
		return
	}
	if d.idata {
		d.continuePartialI()
		return
	}
	var fs *[]inFrag
	i := 0
	if r.pd.unordered {
		fs = &r.unordered
		for i < len(*fs) && tsnLT((*fs)[i].tsn, r.pd.next) {
			i++
		}
	} else {
		fs = &r.streams[r.pd.stream].frags
	}
	if i >= len(*fs) {
		return
	}
	f := &(*fs)[i]
	if f.tsn != r.pd.next || f.stream != r.pd.stream || !r.pd.unordered && f.ssn != r.pd.ssn {
		return
	}
	k, _, ended := fragRun((*fs)[i:], !r.pd.unordered)
	m := d.joinFrags((*fs)[i:i+k], r.pd.unordered)
	m.partial = !ended
	m.piece = true
	r.pdReady.push(m)
	r.pd.next += uint32(k)
	*fs = removeFrags(*fs, i, i+k)
	if ended {
		r.pd.active = false
		if !r.pd.unordered {
			st := &r.streams[r.pd.stream]
			st.nextSSN = r.pd.ssn + 1
			d.deliverOrdered(st)
		}
	}
}

// abortPartial ends a partial delivery whose message the sender abandoned
// (FORWARD TSN past its next piece).
func (d *dataState) abortPartial() {
	r := &d.rcv
	r.pdReady.push(inMessage{stream: r.pd.stream, ssn: r.pd.ssn, ppid: r.pd.ppid, unordered: r.pd.unordered, tsn: r.pd.next, aborted: true, piece: true})
	r.items++
	if !r.pd.unordered && d.idata {
		st := &r.streams[r.pd.stream]
		if midLT(st.nextMID, r.pd.mid+1) {
			st.nextMID = r.pd.mid + 1 // RFC 8260 §2.3
		}
	} else if !r.pd.unordered {
		st := &r.streams[r.pd.stream]
		if ssnLT(st.nextSSN, r.pd.ssn+1) {
			st.nextSSN = r.pd.ssn + 1
		}
	}
	r.pd.active = false
}

// endPartialOnClose ends a partial delivery still running when the
// association closes: the reader gets the abort marker
// (SCTP_PARTIAL_DELIVERY_ABORTED, RFC 6458 §6.1.7), then the complete
// messages that waited behind it, which the stack received and
// acknowledged and so must still hand over (found by the seeded property
// test: a message acknowledged and never readable was silently lost).
func (d *dataState) endPartialOnClose() {
	r := &d.rcv
	if !r.pd.active {
		return
	}
	ordered := !r.pd.unordered
	stream := r.pd.stream
	d.abortPartial()
	if ordered && d.idata {
		d.deliverOrderedI(&r.streams[stream])
	} else if ordered {
		d.deliverOrdered(&r.streams[stream])
	}
}

// readMessage returns the next deliverable message. Its data stays valid
// until the next readMessage call. Reading frees receive window; when the
// window re-opens enough a window update SACK is scheduled (§6.2 SWS
// avoidance).
func (d *dataState) readMessage() (inMessage, bool) {
	r := &d.rcv
	if r.lent != nil {
		d.pool.Put(r.lent)
		r.lent = nil
	}
	var m inMessage
	switch {
	case r.pdReady.len() > 0:
		m = r.pdReady.pop()
	case r.ready.len() == 0 || r.pd.active && !d.idata:
		// RFC 6458 §8.1.20: nothing else while a partial delivery runs,
		// except with I-DATA (fragment interleave level 2: complete
		// messages of other streams pass a partial delivery; the reader
		// tells the pieces apart by stream, RFC 6458 §8.1.20).
		return inMessage{}, false
	default:
		m = r.ready.pop()
	}
	r.buffered -= len(m.data)
	r.items--
	r.lent = m.data
	if !m.partial && !m.aborted {
		d.st.messagesDelivered++
	}
	r.windowOpened()
	// The user emptied the queue but the window is still full: only a
	// partial delivery can make room.
	d.maybeStartPartial(false)
	return m, true
}
