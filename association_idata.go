package sctp

import (
	"time"

	"github.com/usctp/sctp/chunk"
)

// I-DATA and I-FORWARD TSN (RFC 8260 §2): user message interleaving.
//
// Negotiation (§2.2): with assocConfig.idata both chunk types are listed in
// Supported Extensions (I-FORWARD TSN only with PR-SCTP); I-DATA is used
// only when the peer lists it too, and the result rides in the State Cookie
// (extIData). An association using I-DATA sends no DATA and treats a
// received DATA (or FORWARD TSN) as a protocol violation, and the other way
// round (§2.1, §2.3).
//
// Send: each message gets a Message Identifier per stream, ordered and
// unordered messages counted apart; each fragment a Fragment Sequence
// Number from 0; the PPID is carried only by the first fragment (§2.1).
//
// Receive: fragments are reassembled by (stream, unordered, MID, FSN), not
// by TSN, so messages on one stream and across streams may be interleaved;
// ordered delivery follows the MID. A partial delivery (a message larger
// than the receive window handed out in pieces) does not hold back complete
// messages of other streams (RFC 6458 SCTP_FRAGMENT_INTERLEAVE level 2):
// the reader tells the pieces apart by stream. I-FORWARD TSN names each
// skipped message by stream, U bit and MID (§2.3).

// idataChunkHeaderLen is the I-DATA chunk header: the DATA header plus the
// 4-byte MID (RFC 8260 §2.1).
const idataChunkHeaderLen = chunk.IDataHeaderLen

// appendIDataExt adds I-DATA (and with PR-SCTP I-FORWARD TSN) to the
// chunk types of our Supported Extensions parameter (RFC 8260 §2.2).
func (c *assocConfig) appendIDataExt(ext []byte, n int) int {
	if !c.idata {
		return n
	}
	ext[n] = byte(chunk.TypeIData)
	n++
	if c.prSCTP {
		ext[n] = byte(chunk.TypeIForwardTSN)
		n++
	}
	return n
}

// chunkHeaderLen is the header length of the chunks carrying user data.
func (d *dataState) chunkHeaderLen() int {
	if d.idata {
		return idataChunkHeaderLen
	}
	return dataChunkHeaderLen
}

// ---------------------------------------------------------------------------
// Send.

// assignMID gives m its stream's next MID (RFC 8260 §2.1: ordered and
// unordered messages have separate counters).
func (d *dataState) assignMID(m *outMsg) {
	s := &d.snd
	if m.unordered {
		m.mid = s.nextUMID[m.stream]
		s.nextUMID[m.stream]++
	} else {
		m.mid = s.nextMID[m.stream]
		s.nextMID[m.stream]++
	}
	m.ssn = uint16(m.mid)
	m.fsn = 0
}

// appendIData encodes ch as an I-DATA chunk (RFC 8260 §2.1): the first
// fragment carries the PPID, the others their FSN.
func (d *dataState) appendIData(b []byte, ch *outChunk) []byte {
	m := ch.msg
	c := &d.snd.iscratch
	v := ch.fsn
	if ch.beginning {
		v = m.ppid
	}
	*c = chunk.IData{
		Unordered: m.unordered,
		Beginning: ch.beginning,
		Ending:    ch.ending,
		TSN:       ch.tsn,
		Stream:    m.stream,
		MID:       m.mid,
		PPIDOrFSN: v,
		UserData:  m.buf[ch.off : ch.off+ch.n],
		Immediate: ch.immediate, // RFC 7053 §4.1 (the I bit is the same in I-DATA, RFC 8260 §2.1)
	}
	b = c.AppendTo(b)
	c.UserData = nil
	return b
}

// resetOutMIDs restarts the MIDs of outgoing streams at 0 (RFC 8260 §2.3.2
// with RFC 6525: a stream reset resets the MIDs, ordered and unordered).
func (d *dataState) resetOutMIDs(streams []uint16) {
	s := &d.snd
	if !d.idata {
		return
	}
	if len(streams) == 0 {
		clear(s.nextMID)
		clear(s.nextUMID)
		return
	}
	for _, x := range streams {
		if int(x) < len(s.nextMID) {
			s.nextMID[x], s.nextUMID[x] = 0, 0
		}
	}
}

// addOutMIDs grows the MID counters with the outgoing streams.
func (d *dataState) addOutMIDs(n uint16) {
	if d.idata {
		d.snd.nextMID = append(d.snd.nextMID, make([]uint32, n)...)
		d.snd.nextUMID = append(d.snd.nextUMID, make([]uint32, n)...)
	}
}

// appendIForwardTSN appends an I-FORWARD TSN (RFC 8260 §2.3.1): the
// Advanced.Peer.Ack.Point and, per stream, the MID of the last abandoned
// ordered message (see appendForwardTSN), plus one entry (U bit set) for
// each abandoned unordered message.
func (d *dataState) appendIForwardTSN(b []byte, room *int) []byte {
	s := &d.snd
	f := &s.ifwd
	f.NewCumTSN = d.forwardPoint()
	f.Streams = f.Streams[:0]
	if s.fwdSeen == nil {
		s.fwdSeen = make([]int32, d.outStreams)
		for i := range s.fwdSeen {
			s.fwdSeen[i] = -1
		}
	}
	n := int(f.NewCumTSN - s.cumAck)
	var last *outMsg
	for i := 0; i < n && i < s.chunks.len(); i++ {
		ch := s.chunks.at(i)
		m := ch.msg
		if !ch.abandoned || m == last || d.oldNumbering(m.stream, ch.tsn) {
			continue
		}
		last = m
		if m.unordered {
			dup := false
			for _, e := range f.Streams {
				if e.Unordered && e.Stream == m.stream && e.MID == m.mid {
					dup = true
					break
				}
			}
			if !dup {
				f.Streams = append(f.Streams, chunk.IForwardTSNStream{Stream: m.stream, Unordered: true, MID: m.mid})
			}
			continue
		}
		if k := s.fwdSeen[m.stream]; k >= 0 {
			f.Streams[k].MID = m.mid // the last in TSN order (appendForwardTSN)
			continue
		}
		s.fwdSeen[m.stream] = int32(len(f.Streams))
		f.Streams = append(f.Streams, chunk.IForwardTSNStream{Stream: m.stream, MID: m.mid})
	}
	for _, e := range f.Streams {
		if !e.Unordered {
			s.fwdSeen[e.Stream] = -1
		}
	}
	size := chunk.HeaderLen + 4 + 8*len(f.Streams)
	if size > *room {
		return b // next packet
	}
	b = f.AppendTo(b)
	*room -= size
	s.fwdDue = false
	d.st.forwardTSNsSent++
	return b
}

// ---------------------------------------------------------------------------
// Receive.

// midLT compares MIDs in serial number arithmetic (RFC 8260 §2.1: the MID
// wraps; RFC 1982).
func midLT(a, b uint32) bool { return int32(a-b) < 0 }

// handleIData processes one I-DATA chunk (RFC 8260 §2.1; otherwise as DATA,
// RFC 9260 §6.2). The first fragment has FSN 0 and carries the PPID.
func (d *dataState) handleIData(now time.Time, ic *chunk.IData) dataVerdict {
	c := rxChunk{TSN: ic.TSN, Stream: ic.Stream, MID: ic.MID, SSN: uint16(ic.MID), Immediate: ic.Immediate,
		Unordered: ic.Unordered, Beginning: ic.Beginning, Ending: ic.Ending, UserData: ic.UserData}
	if ic.Beginning {
		c.PPID = ic.PPIDOrFSN
	} else {
		c.FSN = ic.PPIDOrFSN
		if c.FSN == 0 {
			// Only the first fragment has FSN 0 (§2.1): a later one
			// claiming it could only shadow the real first fragment.
			c.FSN = ^uint32(0)
		}
	}
	return d.receive(now, &c)
}

// ifragBefore orders the fragments of one stream: by MID, then FSN.
func ifragBefore(a, b *inFrag) bool {
	if a.mid != b.mid {
		return midLT(a.mid, b.mid)
	}
	return a.fsn < b.fsn
}

// ufragBefore orders unordered I-DATA fragments: by stream, MID, FSN.
func ufragBefore(a, b *inFrag) bool {
	if a.stream != b.stream {
		return a.stream < b.stream
	}
	return ifragBefore(a, b)
}

// fragBefore orders by (stream,) MID and FSN: ufragBefore when byStream,
// else ifragBefore. A plain function, not a function value, so the key
// does not escape (no allocation per chunk).
func fragBefore(a, b *inFrag, byStream bool) bool {
	if byStream {
		return ufragBefore(a, b)
	}
	return ifragBefore(a, b)
}

// searchFrags returns the index of the first fragment of fs not before key.
func searchFrags(fs []inFrag, key *inFrag, byStream bool) int {
	lo, hi := 0, len(fs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if fragBefore(&fs[m], key, byStream) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// insertIFragAt inserts f into fs sorted by (stream when byStream,) MID
// and FSN; ok is false when a fragment with the same key is there already
// (a hostile or confused peer sent two chunks with one MID and FSN under
// different TSNs).
func insertIFragAt(fs []inFrag, f *inFrag, byStream bool) (_ []inFrag, i int, ok bool) {
	i = len(fs)
	if i > 0 && !fragBefore(&fs[i-1], f, byStream) {
		i = searchFrags(fs, f, byStream)
		if i < len(fs) && !fragBefore(f, &fs[i], byStream) {
			return fs, i, false
		}
	}
	fs = append(fs, inFrag{})
	copy(fs[i+1:], fs[i:])
	fs[i] = *f
	return fs, i, true
}

// insertOrderedI files an ordered I-DATA fragment and delivers what became
// complete in MID order.
func (d *dataState) insertOrderedI(f inFrag) {
	st := &d.rcv.streams[f.stream]
	if midLT(f.mid, st.nextMID) {
		d.dropFrag(&f) // a message delivered or skipped already
		return
	}
	var ok bool
	if st.frags, _, ok = insertIFragAt(st.frags, &f, false); !ok {
		d.dropFrag(&f)
		d.st.partialReassemblyDrp++
		return
	}
	d.deliverOrderedI(st)
	d.continuePartial()
}

// deliverOrderedI moves every complete message at the head of the stream
// whose MID is the next expected one to the ready queue.
func (d *dataState) deliverOrderedI(st *inStream) {
	for len(st.frags) > 0 {
		f0 := &st.frags[0]
		if f0.mid != st.nextMID {
			if midLT(f0.mid, st.nextMID) {
				d.dropFrag(f0)
				d.st.partialReassemblyDrp++
				st.frags = removeFrags(st.frags, 0, 1)
				continue
			}
			return
		}
		k, _, ended := fragRunI(st.frags)
		if !f0.beginning || !ended {
			return
		}
		d.completeMessage(st.frags[:k], false)
		st.frags = removeFrags(st.frags, 0, k)
		st.nextMID++
	}
}

// fragRunI returns the length k of the run fs[0:k] of fragments of one
// message with consecutive FSNs starting at fs[0], including an ending
// fragment if reached.
func fragRunI(fs []inFrag) (k int, bytes int, ended bool) {
	for k < len(fs) {
		f := &fs[k]
		if k > 0 && (f.stream != fs[0].stream || f.mid != fs[0].mid || f.fsn != fs[0].fsn+uint32(k) || f.beginning) {
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

// insertUnorderedI files an unordered I-DATA fragment and delivers its
// message at once when complete.
func (d *dataState) insertUnorderedI(f inFrag) {
	r := &d.rcv
	var i int
	var ok bool
	if r.unordered, i, ok = insertIFragAt(r.unordered, &f, true); !ok {
		d.dropFrag(&f)
		d.st.partialReassemblyDrp++
		return
	}
	fs := r.unordered
	s := i
	for !fs[s].beginning {
		p := &fs[s-min(s, 1)]
		if s == 0 || p.stream != fs[s].stream || p.mid != fs[s].mid || p.fsn+1 != fs[s].fsn {
			d.continuePartial()
			return
		}
		s--
	}
	if k, _, ended := fragRunI(fs[s:]); ended {
		d.completeMessage(fs[s:s+k], true)
		r.unordered = removeFrags(fs, s, s+k)
	}
	d.continuePartial()
}

// maybeStartPartialI picks the message of a partial delivery (see
// maybeStartPartial) among I-DATA fragments: the longest beginning of the
// next ordered message of a stream or of any unordered message.
func (d *dataState) maybeStartPartialI() {
	r := &d.rcv
	var best *inFrag
	bestBytes := 0
	unordered := false
	for i := range r.streams {
		st := &r.streams[i]
		if len(st.frags) == 0 || st.frags[0].mid != st.nextMID || !st.frags[0].beginning {
			continue
		}
		if _, n, _ := fragRunI(st.frags); n > bestBytes {
			best, bestBytes = &st.frags[0], n
		}
	}
	for i := range r.unordered {
		if !r.unordered[i].beginning {
			continue
		}
		if _, n, _ := fragRunI(r.unordered[i:]); n > bestBytes {
			best, bestBytes, unordered = &r.unordered[i], n, true
		}
	}
	if best == nil {
		return
	}
	r.pd = partialState{active: true, unordered: unordered, stream: best.stream, ssn: best.ssn, ppid: best.ppid,
		next: best.tsn, mid: best.mid}
	d.st.partialDeliveries++
	d.continuePartial()
}

// continuePartialI hands out the fragments of the partially delivered
// I-DATA message that are now contiguous.
func (d *dataState) continuePartialI() {
	r := &d.rcv
	pd := &r.pd
	key := inFrag{stream: pd.stream, mid: pd.mid, fsn: pd.nextFSN}
	var fs *[]inFrag
	var i int
	if pd.unordered {
		fs = &r.unordered
	} else {
		fs = &r.streams[pd.stream].frags
	}
	i = searchFrags(*fs, &key, pd.unordered)
	if i >= len(*fs) {
		return
	}
	f := &(*fs)[i]
	if f.stream != pd.stream || f.mid != pd.mid || f.fsn != pd.nextFSN || (pd.nextFSN > 0 && f.beginning) {
		return
	}
	k, _, ended := fragRunI((*fs)[i:])
	m := d.joinFrags((*fs)[i:i+k], pd.unordered)
	m.partial = !ended
	m.piece = true
	m.ppid = pd.ppid // only the first fragment carries it (§2.1)
	r.pdReady.push(m)
	pd.nextFSN += uint32(k)
	*fs = removeFrags(*fs, i, i+k)
	if ended {
		pd.active = false
		if !pd.unordered {
			st := &r.streams[pd.stream]
			st.nextMID = pd.mid + 1
			d.deliverOrderedI(st)
		}
	}
}

// handleIForwardTSN processes an I-FORWARD TSN (RFC 8260 §2.3): the
// cumulative TSN moves to NewCumTSN; an ordered entry skips its stream's
// messages up to the MID, an unordered entry (U bit) drops the fragments of
// that one unordered message. A SACK is sent at once. Unlike FORWARD TSN,
// fragments below the new cumulative TSN are not dropped wholesale:
// interleaved messages may still be live there.
func (d *dataState) handleIForwardTSN(now time.Time, c *chunk.IForwardTSN) {
	_ = now
	r := &d.rcv
	t := &r.tracker
	r.sackNow = true
	if tsnGT(c.NewCumTSN, t.cum+maxTSNAhead) {
		return // absurd; the SACK reports our state
	}
	if d.rc.tsnDefer {
		// RFC 6525 §5.1.4: fragments are parked; skip them too, later
		// (or drop the chunk, as if lost, beyond the parking bounds).
		if d.parkForward(c.NewCumTSN, nil, c.Streams, t.cum) {
			t.forwardTo(c.NewCumTSN)
		}
		return
	}
	d.applyIForwardTSN(c, t.cum)
}

// applyIForwardTSN runs an I-FORWARD TSN that arrived when our cumulative
// TSN was cumBefore (as applyForwardTSN).
func (d *dataState) applyIForwardTSN(c *chunk.IForwardTSN, cumBefore uint32) {
	r := &d.rcv
	t := &r.tracker
	t.forwardTo(c.NewCumTSN)
	// Ordered entries: each stream once, at its highest MID (a hostile
	// chunk with many entries for one stream costs one scan), as for
	// FORWARD TSN.
	d.fwdEpoch++
	if d.fwdEpoch == 0 {
		d.fwdEpoch = 1
	}
	epoch := d.fwdEpoch
	for _, e := range c.Streams {
		if e.Stream >= d.inStreams {
			continue
		}
		st := &r.streams[e.Stream]
		if st.stalePRSkip(c.NewCumTSN) {
			continue // predates a stream reset: old MIDs
		}
		if e.Unordered {
			d.skipUnorderedI(e.Stream, e.MID)
			continue
		}
		if st.fwdMark != epoch {
			st.fwdMark, st.fwdMID = epoch, e.MID
		} else if midLT(st.fwdMID, e.MID) {
			st.fwdMID = e.MID
		}
	}
	for _, e := range c.Streams {
		if e.Stream >= d.inStreams || e.Unordered {
			continue
		}
		st := &r.streams[e.Stream]
		if st.fwdMark != epoch {
			continue
		}
		st.fwdMark = 0
		mid := st.fwdMID
		if midLT(mid, st.nextMID) || st.staleOrderedSkip(c.NewCumTSN, cumBefore) {
			continue // already skipped, or of the numbering before a reset
		}
		if r.pd.active && !r.pd.unordered && r.pd.stream == e.Stream && !midLT(mid, r.pd.mid) {
			d.abortPartial()
		}
		d.fwdScanned += len(st.frags)
		k := 0
		for k < len(st.frags) && !midLT(mid, st.frags[k].mid) {
			d.dropFrag(&st.frags[k])
			d.st.partialReassemblyDrp++
			k++
		}
		st.frags = removeFrags(st.frags, 0, k)
		st.nextMID = mid + 1
		d.deliverOrderedI(st)
	}
}

// skipUnorderedI drops the fragments of the unordered message (stream,
// mid), ending its partial delivery if one runs.
func (d *dataState) skipUnorderedI(stream uint16, mid uint32) {
	r := &d.rcv
	if r.pd.active && r.pd.unordered && r.pd.stream == stream && r.pd.mid == mid {
		d.abortPartial()
	}
	key := inFrag{stream: stream, mid: mid}
	i := searchFrags(r.unordered, &key, true)
	j := i
	for j < len(r.unordered) && r.unordered[j].stream == stream && r.unordered[j].mid == mid {
		d.dropFrag(&r.unordered[j])
		d.st.partialReassemblyDrp++
		j++
	}
	r.unordered = removeFrags(r.unordered, i, j)
}

// resetInMIDs restarts the expected MID of an incoming stream at 0 (RFC
// 8260 with RFC 6525 §5.2.2) and drops its unordered fragments up to the
// cumulative TSN: every TSN the sender assigned before the reset arrived,
// so those messages can never complete, and a new message may reuse their
// MIDs.
func (d *dataState) resetInMIDs(stream int) {
	r := &d.rcv
	r.streams[stream].nextMID = 0
	kept := r.unordered[:0]
	for i := range r.unordered {
		f := &r.unordered[i]
		if int(f.stream) == stream && tsnLTE(f.tsn, r.tracker.cum) {
			if r.pd.active && r.pd.unordered && r.pd.stream == f.stream && r.pd.mid == f.mid {
				d.abortPartial()
			}
			d.dropFrag(f)
			continue
		}
		kept = append(kept, *f)
	}
	r.unordered = removeFrags(r.unordered, len(kept), len(r.unordered))
}

// ---------------------------------------------------------------------------
// Association: chunk dispatch.

// handleIData processes one I-DATA chunk (RFC 8260 §2.1).
func (a *association) handleIData(now time.Time, c chunk.Raw) bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownSent:
	default:
		a.counters.DroppedWrongState++
		return false
	}
	if !a.idata {
		// §2.1: I-DATA on an association that did not negotiate it.
		a.dataKindViolation(now, "I-DATA chunk on an association that did not negotiate I-DATA (RFC 8260 §2.1)")
		return true
	}
	if err := a.idataC.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return true
	}
	if len(a.idataC.UserData) == 0 {
		// RFC 9260 §6.2 applies to I-DATA as to DATA: ABORT, cause 9.
		a.abortNoUserData(now, c)
		return true
	}
	a.counters.DataChunksIn++
	return a.afterDataChunk(now, c, a.data.handleIData(now, &a.idataC), a.idataC.Stream)
}

// handleIForwardTSN processes an I-FORWARD TSN (RFC 8260 §2.3).
func (a *association) handleIForwardTSN(now time.Time, c chunk.Raw) bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownSent:
	default:
		return false
	}
	if err := a.ifwdC.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return true
	}
	a.data.handleIForwardTSN(now, &a.ifwdC)
	return false
}

// dataKindViolation ABORTs the association with a Protocol Violation
// cause: the peer sent DATA (FORWARD TSN) where I-DATA (I-FORWARD TSN) was
// negotiated, or the other way round (RFC 8260 §2.1, §2.3).
func (a *association) dataKindViolation(now time.Time, why string) {
	a.counters.DroppedBadChunk++
	a.sendAbort(now, chunk.AppendCause(nil, chunk.CauseProtocolViolation, []byte(why)), ErrAborted)
}
