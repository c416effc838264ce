package sctp

import (
	"fmt"
	"time"

	"github.com/usctp/sctp/chunk"
)

// PR-SCTP (RFC 3758): timed reliability on the send side, FORWARD TSN
// generation, and FORWARD TSN handling on the receive side.

// abandonExpired abandons every message with chunks outstanding whose
// lifetime ended (RFC 3758 §3.5 A1–A3) and moves the Advanced.Peer.Ack.Point.
func (d *dataState) abandonExpired(now time.Time) {
	if !d.forwardTSN {
		return // without PR-SCTP only unsent messages expire (appendNewData)
	}
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
	// A message being cut into chunks may have none in flight any more.
	for m := range s.pending.started() {
		if !m.abandoned && !m.expires.IsZero() && !now.Before(m.expires) {
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
	unsent := m.off == 0
	d.countAbandoned(m)
	if m.live > 0 {
		for i := 0; i < s.chunks.len(); i++ {
			ch := s.chunks.at(i)
			if ch.msg != m || ch.abandoned {
				continue
			}
			ch.abandoned = true
			if ch.inFlight {
				d.outOfFlight(ch)
				s.peerRwnd += uint32(d.booked(ch.n)) // §6.2.1: no longer outstanding
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
		// It was sent nowhere: it belongs to the data path until a
		// FORWARD TSN covers it (forwardTSNSent), not to path 0.
		ch := s.chunks.pushSlot()
		*ch = outChunk{msg: m, off: m.off, tsn: s.nextTSN, ending: true, abandoned: true, fsn: m.fsn, dest: uint8(d.dest)}
		s.nextTSN++
		m.fsn++
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
		data:   append([]byte(nil), m.buf...),
		unsent: unsent,
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
	d.abandonRetransmitLimit()
	d.advanceAckPoint()
}

func (d *dataState) prsctpAfterT3(now time.Time) {
	if !d.forwardTSN {
		return
	}
	// RFC 3758 §3.5 C4: on T3 expiry, a FORWARD TSN is (re)sent if the ack
	// point is ahead of the cum ack.
	d.abandonExpired(now)
	d.abandonRetransmitLimit()
	d.advanceAckPoint()
}

// forwardTSNSent follows a FORWARD TSN (or I-FORWARD TSN) just sent to
// d.dest. The abandoned chunks it covers are now outstanding there: the
// chunk that answers for them is the FORWARD TSN, so a T3-rtx expiry of
// d.dest resends it (RFC 3758 §3.5 A5, C3) and counts the error against
// the path it was lost on (RFC 9260 §8.2), whichever path the abandoned
// DATA went to. RFC 3758 §3.5 C5: at least one T3-rtx timer runs while
// it is unanswered; it is d.dest's, which had none running when nothing
// else was outstanding there.
func (d *dataState) forwardTSNSent(now time.Time) {
	s := &d.snd
	n := int(s.advPeerAck - s.cumAck)
	for i := 0; i < n && i < s.chunks.len(); i++ {
		if ch := s.chunks.at(i); ch.abandoned {
			ch.dest = uint8(d.dest)
		}
	}
	d.startT3(now, d.dest)
	d.syncT3()
}

// fwdOutstanding reports whether the chunk at offset i of the send queue
// is abandoned and covered by the Advanced.Peer.Ack.Point: a FORWARD TSN
// for it is due or unanswered (RFC 3758 §3.5 C3).
func (d *dataState) fwdOutstanding(i int) bool {
	s := &d.snd
	return s.chunks.at(i).abandoned && i < int(s.advPeerAck-s.cumAck)
}

// noteRenumbered records that the peer performed our Outgoing SSN Reset of
// streams (all when empty) whose Sender's Last Assigned TSN was lastTSN.
func (d *dataState) noteRenumbered(streams []uint16, lastTSN uint32) {
	s := &d.snd
	if len(streams) == 0 {
		s.renumberedAll, s.renumAllSet = lastTSN, true
		clear(s.renumbered)
		return
	}
	if s.renumbered == nil {
		s.renumbered = make(map[uint16]uint32, len(streams))
	}
	for _, st := range streams {
		s.renumbered[st] = lastTSN
	}
}

// oldNumbering reports whether ch, of stream, carries a numbering the peer
// has left behind: it was assigned at or before the Sender's Last Assigned
// TSN of a stream reset the peer performed. The peer performed it only
// once its cumulative TSN reached that TSN (RFC 6525 §5.2.2), so nothing
// of the old numbering is left for it to skip; named in a FORWARD TSN
// beside a skip of the new numbering, or alone after the reset, the old
// SSN (MID) could only be read as a new one (property test seed 197298:
// a FORWARD TSN over an old SSN 0 of a reset stream moved the restarted
// stream past its new SSN 0, which was acknowledged and dropped).
func (d *dataState) oldNumbering(stream uint16, tsn uint32) bool {
	s := &d.snd
	if s.renumAllSet {
		if !tsnGT(s.renumberedAll, s.cumAck) {
			s.renumAllSet = false
		} else if !tsnGT(tsn, s.renumberedAll) {
			return true
		}
	}
	last, ok := s.renumbered[stream]
	if !ok {
		return false
	}
	if !tsnGT(last, s.cumAck) {
		delete(s.renumbered, stream)
		return false
	}
	return !tsnGT(tsn, last)
}

// forwardPoint is the New Cumulative TSN of the next FORWARD TSN (I-FORWARD
// TSN): the Advanced.Peer.Ack.Point (RFC 3758 §3.5 C1–C3), but no further
// than the Sender's Last Assigned TSN of our Outgoing SSN Reset Request
// while it is outstanding and the peer's cumulative TSN has not reached
// it. Beyond it, the chunk would name the reset streams' old SSNs (MIDs)
// and reach past the TSN at which the peer performs the reset; arriving
// after that, the peer cannot tell them from new ones (staleOrderedSkip
// judges an entry that skips TSNs it never received as of the new
// numbering): property test seed 227318, a FORWARD TSN one TSN past the
// reset moved the restarted stream past its new SSN 0. Capped, the chunk
// lets the peer reach the reset's TSN and perform; the abandoned chunks
// beyond go in the next FORWARD TSN, once "Performed" is in (oldNumbering
// then leaves the old SSNs out).
func (d *dataState) forwardPoint() uint32 {
	s := &d.snd
	p := s.advPeerAck
	if r := d.rc.out; r != nil && r.sent && r.kind == reqOutReset && tsnGT(r.lastTSN, s.cumAck) && tsnGT(p, r.lastTSN) {
		p = r.lastTSN
	}
	return p
}

// appendForwardTSN appends a FORWARD TSN chunk carrying the
// Advanced.Peer.Ack.Point and, for each stream with ordered abandoned
// messages, the largest skipped SSN (RFC 3758 §3.2, §3.5 C3): that of the
// last one in TSN order. Within one numbering it is the largest; across a
// stream reset (RFC 6525) the chunks before the reset carry the old
// numbering, which the peer has left behind (it performed the reset once
// its cumulative TSN reached them), and the largest SSN of both was an
// old one: the peer skipped the restarted stream past new messages
// (property test seed 54568, I-DATA: an I-FORWARD TSN over an
// old MID 2 and a new MID 0 named MID 2, and the new MID 1 was
// acknowledged and dropped).
func (d *dataState) appendForwardTSN(b []byte, room *int) []byte {
	s := &d.snd
	if !tsnGT(s.advPeerAck, s.cumAck) {
		s.fwdDue = false
		return b
	}
	if d.idata {
		return d.appendIForwardTSN(b, room) // RFC 8260 §2.3
	}
	f := &s.fwd
	f.NewCumTSN = d.forwardPoint()
	f.Streams = f.Streams[:0]
	if s.fwdSeen == nil {
		s.fwdSeen = make([]int32, d.outStreams)
		for i := range s.fwdSeen {
			s.fwdSeen[i] = -1
		}
	}
	n := int(f.NewCumTSN - s.cumAck)
	for i := 0; i < n && i < s.chunks.len(); i++ {
		ch := s.chunks.at(i)
		m := ch.msg
		if m.unordered || !ch.abandoned || d.oldNumbering(m.stream, ch.tsn) {
			continue
		}
		if k := s.fwdSeen[m.stream]; k >= 0 {
			f.Streams[k].SSN = m.ssn // the last in TSN order
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
	if d.rc.tsnDefer {
		// RFC 6525 §5.1.4: fragments are parked; skip them too, later
		// (or drop the chunk, as if lost, beyond the parking bounds).
		if d.parkForward(newCum, c.Streams, nil, t.cum) {
			t.forwardTo(newCum)
		}
		return
	}
	d.applyForwardTSN(c, t.cum)
}

// applyForwardTSN runs a FORWARD TSN that arrived when our cumulative TSN
// was cumBefore (now, or when it was parked, applyParkedForward).
func (d *dataState) applyForwardTSN(c *chunk.ForwardTSN, cumBefore uint32) {
	r := &d.rcv
	t := &r.tracker
	newCum := c.NewCumTSN
	t.forwardTo(newCum)
	pdStream := -1
	if r.pd.active && tsnLTE(r.pd.next, newCum) {
		if !r.pd.unordered {
			pdStream = int(r.pd.stream)
		}
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
		if st.stalePRSkip(newCum) || st.staleOrderedSkip(newCum, cumBefore) {
			continue
		}
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
	if pdStream >= 0 {
		// The aborted partial delivery moved its stream past the
		// message (abortPartial), so pass 2 skipped the stream as done:
		// the message's fragments still buffered are dropped here.
		// They used to stay, holding receive window for good: with a
		// 1,500-byte window the association stalled on a zero window
		// (seeded property test, seed 848 of 1500 with PR-SCTP
		// abandonment).
		d.deliverOrdered(&r.streams[pdStream])
	}
}

// stalePRSkip reports whether a FORWARD TSN (or I-FORWARD TSN) with
// newCum predates the last stream reset performed on st: its SSNs (MIDs)
// are of the old numbering (RFC 6525 §5.2.2: the reset is performed only
// once every TSN up to the Sender's Last Assigned TSN arrived, so nothing
// of the old numbering is left to skip). Without this a retransmitted or
// reordered FORWARD TSN arriving after the reset moved the restarted
// stream's next SSN forward and the new messages with the low SSNs were
// discarded as stale: silently lost (seeded property test, seed 1278 of
// 1500 with PR-SCTP abandonment and stream resets).
//
// The bound is the cumulative TSN at the reset, not the Sender's Last
// Assigned TSN: a FORWARD TSN whose new cumulative TSN passes the last
// assigned one (it also skips later chunks of other streams) may still
// list this stream's old MID; when it arrives again after the reset, all
// it covers was accounted for before (RFC 3758 §3.6 calls it out of date)
// and its entry would skip new messages: seed 17338 of 20000 (I-DATA,
// PR-SCTP, stream resets) lost two reliable messages that way.
// (Messages of the new numbering that a peer sent before our reset was
// performed, below that bound, and abandoned after a partial send, would
// keep their stream waiting; our sender holds a stream until its reset
// is performed, so it sends none.)
func (st *inStream) stalePRSkip(newCum uint32) bool {
	return st.resetSet && tsnLTE(newCum, st.resetTSN)
}

// staleOrderedSkip extends stalePRSkip for an ordered entry whose newCum
// passes the reset's bound. cumBefore is our cumulative TSN before the
// chunk. The peer numbers the stream anew only once it has our "Performed"
// (RFC 6525 §5.1.2 A1, A2: it holds the stream until then), so an entry
// may be of either numbering, and one of the old numbering would move the
// restarted stream past new messages. It can be of the new numbering only
// if it names a message not fully received: one whose TSNs the chunk
// skips (newCum beyond cumBefore), or one received in part, whose
// fragments are buffered above the bound (a message abandoned after a
// partial send). When the chunk skips nothing we did not receive and no
// such fragment is buffered, every new message at or below newCum arrived
// whole and is delivered or waiting to be: the entry is of the old
// numbering. Seed 46698 (PR-SCTP, stream resets, two paths): a
// FORWARD TSN sent beside the reset request, delayed on the second path,
// arrived after the reset with its New Cumulative TSN one TSN (of another
// stream, received) past the bound; its entry for the reset stream moved
// the new numbering to SSN 1, and the stream's next message, SSN 0, was
// acknowledged and dropped: silently lost. An entry that skips TSNs we
// never received stays ambiguous and is applied, as before.
func (st *inStream) staleOrderedSkip(newCum, cumBefore uint32) bool {
	if !st.resetSet || tsnGT(newCum, cumBefore) {
		return false
	}
	for i := range st.frags {
		if f := &st.frags[i]; tsnGT(f.tsn, st.resetTSN) && tsnLTE(f.tsn, newCum) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// RFC 7496 policies: limited retransmissions and priority beside timed
// reliability, and the abandonment counters of SCTP_PR_ASSOC_STATUS /
// SCTP_PR_STREAM_STATUS (RFC 7496 §4.3).

// PRPolicy is a PR-SCTP policy (RFC 6458 §5.3.7 pr_policy, RFC 7496 §4;
// the values are usrsctp's).
type PRPolicy uint16

// PR-SCTP policies.
const (
	SCTP_PR_SCTP_NONE PRPolicy = 0x0000 // reliable
	SCTP_PR_SCTP_TTL  PRPolicy = 0x0001 // timed reliability: PRValue is the lifetime in ms (RFC 3758)
	SCTP_PR_SCTP_PRIO PRPolicy = 0x0002 // priority (usrsctp SCTP_PR_SCTP_BUF): PRValue 0 is the highest (RFC 7496 §3.2)
	SCTP_PR_SCTP_RTX  PRPolicy = 0x0003 // limited retransmissions: PRValue is the limit (RFC 7496 §3.1)
	SCTP_PR_SCTP_ALL  PRPolicy = 0x000f // PRAssocStatus / PRStreamStatus: all policies together
)

func (p PRPolicy) String() string {
	switch p {
	case SCTP_PR_SCTP_NONE:
		return "NONE"
	case SCTP_PR_SCTP_TTL:
		return "TTL"
	case SCTP_PR_SCTP_PRIO:
		return "PRIO"
	case SCTP_PR_SCTP_RTX:
		return "RTX"
	case SCTP_PR_SCTP_ALL:
		return "ALL"
	}
	return fmt.Sprintf("PRPolicy(%#x)", uint16(p))
}

// prCount is one abandonment counter pair (RFC 7496 §4.3
// sprstat_abandoned_unsent / sprstat_abandoned_sent).
type prCount struct{ unsent, sent uint64 }

// prState is the data path's RFC 7496 state.
type prState struct {
	rtxLive int          // live messages with a retransmission limit
	assoc   [4]prCount   // per policy (NONE unused; TTL, PRIO, RTX)
	streams [][4]prCount // per outgoing stream, allocated at the first abandonment
}

// checkPolicy validates m's policy: known, and negotiated (RFC 3758 §3.1:
// a policy needs the peer's PR-SCTP support; without it the send fails
// instead of being silently reliable).
func (d *dataState) checkPolicy(m *outMessage) error {
	switch m.prPolicy {
	case SCTP_PR_SCTP_NONE:
		return nil
	case SCTP_PR_SCTP_TTL, SCTP_PR_SCTP_RTX, SCTP_PR_SCTP_PRIO:
	default:
		return fmt.Errorf("%w: PR-SCTP policy %v: want SCTP_PR_SCTP_NONE, _TTL, _RTX or _PRIO", ErrInvalidArgument, m.prPolicy)
	}
	if m.ttl > 0 && m.prPolicy != SCTP_PR_SCTP_TTL {
		return fmt.Errorf("%w: both a TTL and PR-SCTP policy %v", ErrInvalidArgument, m.prPolicy)
	}
	if m.prPolicy == SCTP_PR_SCTP_TTL && m.prValue == 0 {
		return fmt.Errorf("%w: SCTP_PR_SCTP_TTL with a lifetime of 0 ms", ErrInvalidArgument)
	}
	if !d.forwardTSN {
		return fmt.Errorf("%w: PR-SCTP policy %v: the peer did not negotiate PR-SCTP (RFC 3758 Forward-TSN-Supported)", ErrNotSupported, m.prPolicy)
	}
	return nil
}

// applyPolicy sets the policy of a new message (checkPolicy passed).
func (d *dataState) applyPolicy(now time.Time, om *outMsg, m *outMessage) {
	ttl := m.ttl
	om.policy = m.prPolicy
	switch m.prPolicy {
	case SCTP_PR_SCTP_TTL:
		ttl = time.Duration(m.prValue) * time.Millisecond
	case SCTP_PR_SCTP_RTX:
		om.maxRtx = m.prValue
		d.pr.rtxLive++
	case SCTP_PR_SCTP_PRIO:
		om.prio = m.prValue
	}
	if ttl > 0 {
		// RFC 3758 §4.1 timed reliability (RFC 6458 sinfo_timetolive
		// without PR-SCTP): the lifetime starts now.
		om.expires = now.Add(ttl)
		d.snd.ttlLive++
		if om.policy == SCTP_PR_SCTP_NONE {
			om.policy = SCTP_PR_SCTP_TTL
		}
	}
}

// countAbandoned counts m's abandonment, per policy, association and
// stream (sent: some of it was transmitted).
func (d *dataState) countAbandoned(m *outMsg) {
	p := m.policy
	if p == SCTP_PR_SCTP_RTX {
		d.pr.rtxLive--
	}
	if p > SCTP_PR_SCTP_RTX {
		return
	}
	if d.pr.streams == nil {
		d.pr.streams = make([][4]prCount, d.outStreams)
	}
	c := &d.pr.assoc[p]
	var sc *prCount
	if int(m.stream) < len(d.pr.streams) {
		sc = &d.pr.streams[m.stream][p]
	}
	if m.off > 0 {
		c.sent++
		if sc != nil {
			sc.sent++
		}
	} else {
		c.unsent++
		if sc != nil {
			sc.unsent++
		}
	}
}

// prStatus returns the abandonment counters of policy (SCTP_PR_SCTP_ALL:
// summed) for the association (stream < 0) or one outgoing stream.
func (d *dataState) prStatus(policy PRPolicy, stream int) (unsent, sent uint64) {
	add := func(cs *[4]prCount) {
		for p := SCTP_PR_SCTP_TTL; p <= SCTP_PR_SCTP_RTX; p++ {
			if policy == SCTP_PR_SCTP_ALL || policy == p {
				unsent += cs[p].unsent
				sent += cs[p].sent
			}
		}
	}
	switch {
	case stream < 0:
		add(&d.pr.assoc)
	case stream < len(d.pr.streams):
		add(&d.pr.streams[stream])
	}
	return unsent, sent
}

// abandonRetransmitLimit abandons the messages with a chunk marked for
// retransmission beyond its limit (RFC 7496 §3.1: a message is abandoned
// once it was retransmitted as often as the limit allows; limit 0 never
// retransmits).
func (d *dataState) abandonRetransmitLimit() {
	s := &d.snd
	if d.pr.rtxLive == 0 || s.rtxCount == 0 {
		return
	}
	for i := 0; i < s.chunks.len(); i++ {
		ch := s.chunks.at(i)
		m := ch.msg
		if !ch.rtx || m.abandoned || m.policy != SCTP_PR_SCTP_RTX {
			continue
		}
		if uint32(ch.sends) > m.maxRtx {
			d.abandonMsg(m)
		}
	}
}

// evictForPriority makes room for need bytes of a message of priority
// prio in a full send buffer (RFC 7496 §3.2): queued messages of the
// priority policy not yet sent at all and of a lower priority (a higher
// value) are abandoned, the lowest first. It reports whether the message
// fits now. Messages partly or fully sent are not evicted (their bytes
// stay until acknowledged or abandoned by another policy).
func (d *dataState) evictForPriority(prio uint32, need int) bool {
	s := &d.snd
	for s.queued+need > d.cfg.sndBuf {
		var victim *outMsg
		for m := range s.pending.all() {
			if m.abandoned || m.off > 0 || m.policy != SCTP_PR_SCTP_PRIO || m.prio <= prio {
				continue
			}
			if victim == nil || m.prio >= victim.prio {
				victim = m
			}
		}
		if victim == nil {
			return false
		}
		d.abandonMsg(victim)
		// Its buffer and charge go back now; the record leaves the queue
		// when it reaches the head (popPending).
		s.queued -= len(victim.buf) + sendMsgOverhead
		d.pool.Put(victim.buf)
		victim.buf = nil // popPending gives the overhead back before freeMsg
	}
	return true
}

// prStatus returns the abandonment counters (see dataState.prStatus).
func (a *association) prStatus(policy PRPolicy, stream int) (unsent, sent uint64) {
	if a.data == nil {
		return 0, 0
	}
	return a.data.prStatus(policy, stream)
}
