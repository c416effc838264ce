package sctp

import (
	"time"

	"github.com/usctp/sctp/chunk"
)

// PR-SCTP (RFC 3758): timed reliability on the send side, FORWARD TSN
// generation, and FORWARD TSN handling on the receive side.

// abandonExpired abandons every message with chunks outstanding whose
// lifetime ended (RFC 3758 §3.5 A1–A3) and moves the Advanced.Peer.Ack.Point.
func (d *dataState) abandonExpired(now time.Time) {
	s := &d.snd
	any := false
	for i := 0; i < s.chunks.len(); i++ {
		ch := s.chunks.at(i)
		m := ch.msg
		if ch.abandoned || m.abandoned || m.expires.IsZero() || now.Before(m.expires) {
			continue
		}
		if ch.acked && ch.ending && ch.beginning {
			continue // a whole message already gap-acked: nothing to give up
		}
		d.abandonMsg(m)
		any = true
	}
	// The message being cut into chunks may have none in flight any more.
	if s.pending.len() > 0 {
		m := *s.pending.at(0)
		if m.off > 0 && !m.abandoned && !m.expires.IsZero() && !now.Before(m.expires) {
			d.abandonMsg(m)
			any = true
		}
	}
	if any {
		d.advanceAckPoint()
	}
}

// abandonMsg gives up on m as a whole (RFC 3758 §3.5: all fragments of a
// message are abandoned together): its chunks leave the flight, its unsent
// rest is never sent, and a send failure is reported via popAbandoned.
func (d *dataState) abandonMsg(m *outMsg) {
	s := &d.snd
	if m.abandoned {
		return
	}
	m.abandoned = true
	if m.live > 0 {
		for i := 0; i < s.chunks.len(); i++ {
			ch := s.chunks.at(i)
			if ch.msg != m || ch.abandoned {
				continue
			}
			ch.abandoned = true
			if ch.inFlight {
				ch.inFlight = false
				s.flight -= ch.n
				s.peerRwnd += uint32(ch.n) // §6.2.1: no longer outstanding
			}
			if ch.rtx {
				ch.rtx = false
				s.rtxCount--
			}
			if s.rttTiming && s.rttTSN == ch.tsn {
				s.rttTiming = false
			}
		}
	}
	if m.off > 0 && m.off < len(m.buf) {
		// Partly sent: the receiver holds its first fragments and, if every
		// sent TSN gets acked, would wait forever for the rest. Like usrsctp,
		// give the unsent rest one TSN that is never transmitted (an
		// abandoned ending fragment), so the ack point cannot pass without
		// a FORWARD TSN naming the message's stream and SSN (RFC 3758 §3.5
		// A3: all fragments of a message are abandoned together).
		ch := s.chunks.pushSlot()
		*ch = outChunk{msg: m, off: m.off, tsn: s.nextTSN, ending: true, abandoned: true}
		s.nextTSN++
		m.live++
		m.off = len(m.buf)
	}
	s.abandoned.push(outMessage{
		stream:    m.stream,
		ppid:      m.ppid,
		unordered: m.unordered,
		context:   m.context,
		// A copy: the SEND_FAILED event returns the message (RFC 6458
		// §6.1.11) after m's buffer went back to the pool.
		data: append([]byte(nil), m.buf...),
	})
	d.st.abandonedMessages++
}

// popAbandoned returns the next message given up by PR-SCTP (for the core's
// "send failed" event), with a copy of its data.
func (d *dataState) popAbandoned() (outMessage, bool) {
	if d.snd.abandoned.len() == 0 {
		return outMessage{}, false
	}
	return d.snd.abandoned.pop(), true
}

// advanceAckPoint moves Advanced.Peer.Ack.Point over abandoned chunks
// (RFC 3758 §3.5 C1, C2) and schedules a FORWARD TSN when it passed the
// peer's cumulative ack (C3).
func (d *dataState) advanceAckPoint() {
	s := &d.snd
	if tsnLT(s.advPeerAck, s.cumAck) {
		s.advPeerAck = s.cumAck
	}
	for i := int(s.advPeerAck - s.cumAck); i < s.chunks.len(); i++ {
		if !s.chunks.at(i).abandoned {
			break
		}
		s.advPeerAck++
	}
	if tsnGT(s.advPeerAck, s.cumAck) {
		s.fwdDue = true
	}
}

func (d *dataState) prsctpAfterSack(now time.Time) {
	if !d.forwardTSN {
		return
	}
	if d.snd.ttlLive > 0 {
		d.abandonExpired(now)
	}
	d.advanceAckPoint()
}

func (d *dataState) prsctpAfterT3(now time.Time) {
	if !d.forwardTSN {
		return
	}
	// RFC 3758 §3.5 C4: on T3 expiry, a FORWARD TSN is (re)sent if the ack
	// point is ahead of the cum ack.
	d.abandonExpired(now)
	d.advanceAckPoint()
}

// appendForwardTSN appends a FORWARD TSN chunk carrying the
// Advanced.Peer.Ack.Point and, for each stream with ordered abandoned
// messages, the largest skipped SSN (RFC 3758 §3.2, §3.5 C3).
func (d *dataState) appendForwardTSN(b []byte, room *int) []byte {
	s := &d.snd
	if !tsnGT(s.advPeerAck, s.cumAck) {
		s.fwdDue = false
		return b
	}
	f := &s.fwd
	f.NewCumTSN = s.advPeerAck
	f.Streams = f.Streams[:0]
	if s.fwdSeen == nil {
		s.fwdSeen = make([]int32, d.outStreams)
		for i := range s.fwdSeen {
			s.fwdSeen[i] = -1
		}
	}
	n := int(s.advPeerAck - s.cumAck)
	for i := 0; i < n && i < s.chunks.len(); i++ {
		ch := s.chunks.at(i)
		m := ch.msg
		if m.unordered || !ch.abandoned {
			continue
		}
		if k := s.fwdSeen[m.stream]; k >= 0 {
			if ssnLT(f.Streams[k].SSN, m.ssn) {
				f.Streams[k].SSN = m.ssn
			}
			continue
		}
		s.fwdSeen[m.stream] = int32(len(f.Streams))
		f.Streams = append(f.Streams, chunk.ForwardTSNStream{Stream: m.stream, SSN: m.ssn})
	}
	for _, e := range f.Streams {
		s.fwdSeen[e.Stream] = -1
	}
	size := chunk.HeaderLen + 4 + 4*len(f.Streams)
	if size > *room {
		return b // next packet
	}
	b = f.AppendTo(b)
	*room -= size
	s.fwdDue = false
	d.st.forwardTSNsSent++
	return b
}

// handleForwardTSN processes a FORWARD TSN (RFC 3758 §3.6): the cumulative
// TSN moves to NewCumTSN, the listed ordered streams skip to the given SSN,
// and partially reassembled messages below the new cum TSN are dropped. A
// SACK is sent at once.
func (d *dataState) handleForwardTSN(now time.Time, c *chunk.ForwardTSN) {
	_ = now
	r := &d.rcv
	t := &r.tracker
	r.sackNow = true
	newCum := c.NewCumTSN
	if tsnGT(newCum, t.cum+maxTSNAhead) {
		return // absurd; the SACK reports our state
	}
	// Even when newCum is not above our cum TSN (we received every TSN of
	// a message abandoned before it was fully sent), the skipped SSNs and
	// the partial messages must still be dropped. Every buffered fragment
	// at or below newCum belongs to an abandoned message: the sender only
	// advances its ack point over abandoned chunks (RFC 3758 §3.5 C2).
	t.forwardTo(newCum)
	if r.pd.active && tsnLTE(r.pd.next, newCum) {
		d.abortPartial()
	}
	// Unordered fragments at or below the new cum TSN can never complete.
	k := 0
	for k < len(r.unordered) && tsnLTE(r.unordered[k].tsn, newCum) {
		d.dropFrag(&r.unordered[k])
		d.st.partialReassemblyDrp++
		k++
	}
	r.unordered = removeFrags(r.unordered, 0, k)
	// Each stream is processed at most once per chunk, at the highest SSN
	// listed for it, and only when that SSN is not behind the stream's
	// next expected SSN (fragments below nextSSN are never buffered, see
	// insertFrag). A hostile chunk with hundreds of entries for one stream
	// thus costs one scan of that stream's fragments, not one per entry.
	// Pass 1 marks the streams with this chunk's epoch (never 0).
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
		if st.fwdMark != epoch {
			st.fwdMark, st.fwdSSN = epoch, e.SSN
		} else if ssnLT(st.fwdSSN, e.SSN) {
			st.fwdSSN = e.SSN
		}
	}
	// Pass 2: the marked streams, each once (the mark is cleared).
	for _, e := range c.Streams {
		if e.Stream >= d.inStreams {
			continue
		}
		st := &r.streams[e.Stream]
		if st.fwdMark != epoch {
			continue
		}
		st.fwdMark = 0
		ssn := st.fwdSSN
		if ssnLT(ssn, st.nextSSN) {
			continue // already skipped; nothing of it is buffered
		}
		// Drop the fragments of the skipped messages (SSN up to ssn);
		// complete later messages below newCum stay for delivery.
		d.fwdScanned += len(st.frags)
		kept := st.frags[:0]
		for i := range st.frags {
			f := &st.frags[i]
			if !ssnLT(ssn, f.ssn) && tsnLTE(f.tsn, newCum) {
				d.dropFrag(f)
				d.st.partialReassemblyDrp++
				continue
			}
			kept = append(kept, *f)
		}
		st.frags = removeFrags(st.frags, len(kept), len(st.frags))
		st.nextSSN = ssn + 1
		d.deliverOrdered(st)
	}
}
