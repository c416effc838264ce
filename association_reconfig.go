package sctp

import (
	"fmt"
	"slices"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Stream reconfiguration (RFC 6525): the RE-CONFIG chunk in both
// directions. Our requests (Outgoing / Incoming SSN Reset, SSN/TSN Reset,
// Add Outgoing / Incoming Streams) wait in a short queue and go out one at
// a time (one RE-CONFIG request outstanding, §5.1.1), guarded by the
// RE-CONFIG timer (§5.1.1: retransmitted with the same Request Sequence
// Number until answered, the RTO doubled, each expiry counted against
// Association.Max.Retrans as for T3-rtx). Requests of the peer are checked
// against the expected Request Sequence Number (§5.2.1), answered with the
// stored result when retransmitted, and allowed by the user's
// SCTP_ENABLE_STREAM_RESET flags (RFC 6525 §6.3.2; denied otherwise).
//
// The state lives in the data path (dataState.rc), so a peer restart,
// which starts a new data path, starts the sequence numbers afresh at the
// new initial TSNs (§5.1.1; the bug of usrsctp#567).

// Flags of SCTP_ENABLE_STREAM_RESET (RFC 6525 §6.3.2): which requests of
// the peer are performed; a request not enabled is answered "Denied".
const (
	SCTP_ENABLE_RESET_STREAM_REQ  uint32 = 0x01 // Outgoing and Incoming SSN Reset Requests
	SCTP_ENABLE_RESET_ASSOC_REQ   uint32 = 0x02 // SSN/TSN Reset Requests
	SCTP_ENABLE_CHANGE_ASSOC_REQ  uint32 = 0x04 // Add Outgoing and Add Incoming Streams Requests
	sctpEnableStreamResetAllFlags        = SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_RESET_ASSOC_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ
)

// Flags of ResetStreams (RFC 6525 §6.3.3 SCTP_RESET_STREAMS srs_flags).
const (
	SCTP_STREAM_RESET_INCOMING uint16 = 0x01 // ask the peer to reset its outgoing streams (our incoming)
	SCTP_STREAM_RESET_OUTGOING uint16 = 0x02 // reset our outgoing streams
)

// Bounds of the reconfiguration state (hostile input and user calls never
// grow it without bound).
const (
	maxReconfQueue = 16    // user requests waiting for their turn
	maxStreamCount = 65535 // streams each way (RFC 6525 §5.2.5, §5.2.6)
)

type reconfKind uint8

const (
	reqOutReset reconfKind = iota + 1
	reqInReset
	reqTSNReset
	reqAddOut
	reqAddIn
)

// reconfReq is one request of ours, queued or outstanding.
type reconfReq struct {
	kind    reconfKind
	streams []uint16 // SSN resets: the streams; empty means all
	n       uint16   // add streams: how many
	// respSeq answers a peer's Incoming SSN Reset Request (§4.1: the
	// Response Sequence Number of an Outgoing SSN Reset Request).
	respSeq uint32
	seq     uint32
	lastTSN uint32
	sent    bool
}

// peerResult is a stored answer to one peer request, resent when the
// request is retransmitted (§5.2.1).
type peerResult struct {
	valid  bool
	seq    uint32
	result uint32
	// tsn: the SSN/TSN reset response carries the next TSNs.
	tsn              bool
	sndNext, rcvNext uint32
	// tsnPending: an SSN/TSN reset answered "In progress" because our own
	// data was not acknowledged yet; a retransmission tries again.
	tsnPending bool
}

// deferredReset is an Outgoing SSN Reset Request of the peer whose
// Sender's Last Assigned TSN we have not received yet (§5.2.2 deferred
// reset processing): ordered fragments of its streams above lastTSN wait
// in frags until the cumulative TSN reaches lastTSN.
type deferredReset struct {
	active  bool
	seq     uint32
	lastTSN uint32
	streams []uint16
	frags   []inFrag
}

// reconfState is the RE-CONFIG state of one data path.
type reconfState struct {
	nextSeq uint32 // our next Re-configuration Request Sequence Number
	out     *reconfReq
	queue   []*reconfReq
	timer   timer
	chunk   []byte // the outstanding RE-CONFIG chunk, for retransmission
	dest    int    // the path it was last sent to (reconfTimer strikes it)
	// hold counts, per outgoing stream, the queued or outstanding resets
	// naming it (holdAll: all streams); messages for a held stream are
	// parked in held until the reset is answered (§5.1.2 A1).
	hold    []uint16
	holdAll int
	held    []*outMsg

	peerSeq  uint32        // the peer's next expected Request Sequence Number
	results  [2]peerResult // answers to the peer's last requests
	deferred deferredReset
	// tsnHold: a peer SSN/TSN reset waits for our data to be acknowledged;
	// new messages are parked meanwhile so that it eventually is.
	tsnHold bool
	// tsnDefer: our SSN/TSN Reset Request is outstanding. The peer may
	// already have performed it and sent DATA in the new numbering (SSN
	// 0, its Sender's Next TSN) before its response reaches us, so every
	// arriving fragment waits in tsnFrags (its TSN acknowledged) until
	// the response says where the new numbering starts.
	tsnDefer bool
	tsnFrags []inFrag
	// tsnFwds: the FORWARD TSN (I-FORWARD TSN) chunks that arrived
	// meanwhile, one record per New Cumulative TSN, sorted by it (their
	// cumulative TSN moved at once). Their skips apply to the parked
	// fragments too, so they run when those are filed (releaseTSNFrags),
	// not before: a skip applied to the streams alone moved past complete
	// messages still parked, which were then dropped as stale
	// (-sctp.assocreset seed 248: two messages lost). They are kept apart
	// by cumulative TSN because some may already be of the peer's new
	// numbering (see releaseTSNFrags); bounded by maxParkedFwdRecords and
	// maxParkedFwdEntries.
	tsnFwds       []parkedForward
	tsnFwdEntries int
	// tsnParkFull: a chunk was dropped because the parked data reached
	// its bound (tsnResetNeeds); tsnStalls counts the "In progress"
	// answers received since (see reconfResponse).
	tsnParkFull bool
	tsnStalls   int
}

func (rc *reconfState) init(n *negotiated) {
	// §5.1.1 / §5.2.1: the sequence numbers start at the initial TSNs.
	rc.nextSeq = n.localInitialTSN
	rc.peerSeq = n.peerInitialTSN
}

// holds reports whether new messages for stream must wait for a reset.
func (rc *reconfState) holds(stream uint16) bool {
	if rc.holdAll > 0 || rc.tsnHold {
		return true
	}
	return int(stream) < len(rc.hold) && rc.hold[stream] > 0
}

func (rc *reconfState) addHold(streams []uint16, outStreams uint16, delta int) {
	if len(streams) == 0 {
		rc.holdAll += delta
		return
	}
	if len(rc.hold) < int(outStreams) {
		rc.hold = append(rc.hold, make([]uint16, int(outStreams)-len(rc.hold))...)
	}
	for _, s := range streams {
		if int(s) < len(rc.hold) {
			rc.hold[s] = uint16(int(rc.hold[s]) + delta)
		}
	}
}

func (rc *reconfState) busy() bool { return rc.out != nil || len(rc.queue) > 0 }

// ---------------------------------------------------------------------------
// Data path hooks.

// parkIfHeld parks m when its stream waits for a reset; it reports
// whether it did.
func (d *dataState) parkIfHeld(m *outMsg) bool {
	if !d.rc.holds(m.stream) {
		return false
	}
	m.inPending = false
	d.rc.held = append(d.rc.held, m)
	return true
}

// releaseHeld moves parked messages whose stream no longer waits to the
// send queue, keeping their order.
func (d *dataState) releaseHeld() {
	rc := &d.rc
	kept := rc.held[:0]
	for _, m := range rc.held {
		if rc.holds(m.stream) {
			kept = append(kept, m)
			continue
		}
		m.inPending = true
		d.snd.pending.push(m)
	}
	clear(rc.held[len(kept):])
	rc.held = kept
}

// drainHeld hands every parked message to fn (the association is closing).
func (d *dataState) drainHeld(fn func(m outMessage, sent bool)) {
	for _, m := range d.rc.held {
		data := m.buf
		m.buf = nil
		fn(outMessage{stream: m.stream, ppid: m.ppid, unordered: m.unordered, data: data, context: m.context}, false)
	}
	clear(d.rc.held)
	d.rc.held = d.rc.held[:0]
}

// pendingOn reports whether a message of one of streams (empty: any) is
// not yet fully cut into chunks.
func (d *dataState) pendingOn(streams []uint16) bool {
	for m := range d.snd.pending.all() {
		if m.abandoned || m.off == len(m.buf) {
			continue
		}
		if len(streams) == 0 || containsStream(streams, m.stream) {
			return true
		}
	}
	return false
}

func containsStream(ss []uint16, s uint16) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// resetOutSSNs restarts the SSNs of our outgoing streams at 0 (§5.1.2,
// after "Success - Performed").
func (d *dataState) resetOutSSNs(streams []uint16) {
	d.resetOutMIDs(streams) // RFC 8260: MIDs restart too
	if len(streams) == 0 {
		clear(d.snd.nextSSN)
		return
	}
	for _, s := range streams {
		if int(s) < len(d.snd.nextSSN) {
			d.snd.nextSSN[s] = 0
		}
	}
}

// resetInSSNs restarts the expected SSNs of incoming streams at 0 (§5.2.2);
// fragments still buffered on them belong to messages that can never
// complete (every TSN up to the sender's last assigned one arrived).
//
// lastTSN bounds the FORWARD TSNs that predate the reset, whose SSNs must
// not touch the new numbering (stalePRSkip): for a stream reset our
// cumulative TSN when it is performed (staleBound), for the SSN/TSN reset
// the peer's last TSN of the old TSN space.
func (d *dataState) resetInSSNs(streams []uint16, lastTSN uint32) {
	r := &d.rcv
	reset := func(i int) {
		st := &r.streams[i]
		st.resetTSN, st.resetSet = lastTSN, true
		if r.pd.active && !r.pd.unordered && int(r.pd.stream) == i {
			d.abortPartial()
		}
		for j := range st.frags {
			d.dropFrag(&st.frags[j])
		}
		st.frags = removeFrags(st.frags, 0, len(st.frags))
		st.nextSSN = 0
		if d.idata {
			d.resetInMIDs(i) // RFC 8260: MIDs restart too
		}
	}
	if len(streams) == 0 {
		for i := range r.streams {
			reset(i)
		}
		return
	}
	for _, s := range streams {
		if int(s) < len(r.streams) {
			reset(int(s))
		}
	}
}

// deferFrag keeps an ordered fragment of a stream under deferred reset
// that lies beyond the sender's last assigned TSN (§5.2.2); it reports
// whether it did.
func (d *dataState) deferFrag(f inFrag) bool {
	df := &d.rc.deferred
	if !df.active || f.unordered && !d.idata || !tsnGT(f.tsn, df.lastTSN) {
		return false
	}
	if len(df.streams) > 0 && !containsStream(df.streams, f.stream) {
		return false
	}
	df.frags = append(df.frags, f)
	return true
}

// deferForTSNReset parks a fragment while our SSN/TSN reset is
// outstanding (see reconfState.tsnDefer); it reports whether it did.
func (d *dataState) deferForTSNReset(f inFrag) bool {
	if !d.rc.tsnDefer {
		return false
	}
	d.rc.tsnFrags = append(d.rc.tsnFrags, f)
	d.rcv.parked += len(f.buf) + recvItemOverhead
	return true
}

// releaseTSNFrags ends the deferral of our SSN/TSN reset: with the reset
// performed (sndNext: the peer's Sender's Next TSN) the fragments below
// sndNext belong to the old numbering and are filed first, with the
// parked FORWARD TSN skips of the old numbering; the reset runs (reset);
// then those at or above sndNext are recorded in the new TSN space and
// filed, and the skips of the new numbering run on them. Otherwise all are
// filed as they are.
//
// A parked FORWARD TSN (I-FORWARD TSN) whose New Cumulative TSN is below
// sndNext is of the old numbering, one at or above it of the new: before
// it performs, the peer's ack point is at most its last old TSN, sndNext
// - 1; when it performs, all its old data is acknowledged (§5.2.4) and its
// ack point restarts at sndNext - 1, so a later FORWARD TSN (sent for a
// message abandoned afterwards) names new SSNs (MIDs) and a cumulative TSN
// of sndNext or more. The skips used to be merged and all applied before
// the reset: a new-numbering skip moved the old stream and was wiped by
// the reset, and the restarted stream waited for the abandoned message
// forever, the acknowledged messages after it neither delivered nor
// reported (-sctp.assocreset seed 1108 of 1500 at 95d2bb9).
func (d *dataState) releaseTSNFrags(performed bool, sndNext uint32, reset func()) {
	rc := &d.rc
	frags := rc.tsnFrags
	rc.tsnFrags, rc.tsnDefer = nil, false
	d.rcv.parked = 0
	rc.tsnParkFull, rc.tsnStalls = false, 0
	fwds := rc.tsnFwds
	rc.tsnFwds, rc.tsnFwdEntries = nil, 0
	old := func(tsn uint32) bool { return !performed || tsnLT(tsn, sndNext) }
	for _, f := range frags {
		if old(f.tsn) {
			d.insertFrag(f)
		}
	}
	for i := range fwds {
		if old(fwds[i].cum) {
			d.applyParkedForward(&fwds[i])
		}
	}
	if !performed {
		return
	}
	reset()
	t := &d.rcv.tracker
	for _, f := range frags {
		if old(f.tsn) {
			continue
		}
		if ok, _ := t.add(f.tsn); !ok || tsnGT(f.tsn, t.cum+maxTSNAhead) {
			d.dropFrag(&f)
			continue
		}
		d.rcv.sackNow = true
		d.insertFrag(f)
	}
	for i := range fwds {
		if !old(fwds[i].cum) {
			d.applyParkedForward(&fwds[i])
		}
	}
}

// releaseTSNFragsAtClose hands the reader the data parked for our SSN/TSN
// reset when the association ends before the response (RFC 6525 §5.1.4).
// The data was acknowledged, so it is filed, not dropped. Whether the peer
// performed is unknown: its "Performed" may have been lost. The parked
// data itself tells, per ordered stream: the reset restarts every stream
// at SSN (MID) 0 (§5.2.4 G5), so a parked fragment whose SSN is behind
// what the stream expects at that point (its next SSN, or an SSN buffered
// or parked at a lower TSN), or a second first fragment of one SSN,
// starts the new numbering of its stream. Parked data before that point
// is filed in the old numbering; the stream then restarts and the rest is
// filed in the new one. Without a sign of the new numbering all of it is
// old (releaseTSNFrags). Filed in the old numbering whatever it said, a
// new SSN 2 was delivered before the new SSN 0 (property test seed 130592:
// the "Performed" lost, then the association failed at 23 % loss; seed
// 169648: an old and a new MID 0 of one stream parked together). A stream
// whose parked data shows no restart is filed as old; if it held new
// messages only, their SSNs still come in order from what it expected, or
// wait (never delivered out of order).
func (d *dataState) releaseTSNFragsAtClose() {
	rc := &d.rc
	r := &d.rcv
	frags := slices.Clone(rc.tsnFrags)
	slices.SortFunc(frags, func(a, b inFrag) int {
		switch {
		case a.tsn == b.tsn:
			return 0
		case tsnLT(a.tsn, b.tsn):
			return -1
		}
		return 1
	})
	seqOf := func(f *inFrag) uint32 {
		if d.idata {
			return f.mid
		}
		return uint32(f.ssn)
	}
	behind := func(a, b uint32) bool { // a before b, serial
		if d.idata {
			return midLT(a, b)
		}
		return ssnLT(uint16(a), uint16(b))
	}
	// Per ordered stream, in TSN order over its buffered and parked
	// fragments: next is what the stream expects (delivered up to), seen
	// the latest SSN (MID) so far. In one numbering a fragment is never
	// behind either, and a first fragment never comes at seen (a message
	// has one, at its lowest TSN); only a parked fragment can start the
	// new numbering (the buffered ones arrived before our request).
	type streamSeq struct {
		next, seen         uint32
		seenAny, restarted bool
		restart            uint32 // TSN where its new numbering starts
	}
	type seqFrag struct {
		f      *inFrag
		parked bool
	}
	seqs := map[uint16]*streamSeq{}
	var order []seqFrag
	for i := range frags {
		f := &frags[i]
		if f.unordered || int(f.stream) >= len(r.streams) {
			continue
		}
		order = append(order, seqFrag{f, true})
		if seqs[f.stream] != nil {
			continue
		}
		st := &r.streams[f.stream]
		q := &streamSeq{next: uint32(st.nextSSN)}
		if d.idata {
			q.next = st.nextMID
		}
		if r.pd.active && !r.pd.unordered && r.pd.stream == f.stream {
			q.seen, q.seenAny = uint32(r.pd.ssn), true
			if d.idata {
				q.seen = r.pd.mid
			}
		}
		seqs[f.stream] = q
		for k := range st.frags {
			order = append(order, seqFrag{&st.frags[k], false})
		}
	}
	slices.SortStableFunc(order, func(a, b seqFrag) int {
		switch {
		case a.f.tsn == b.f.tsn:
			return 0
		case tsnLT(a.f.tsn, b.f.tsn):
			return -1
		}
		return 1
	})
	found := false
	for _, e := range order {
		f := e.f
		q := seqs[f.stream]
		if q.restarted {
			continue
		}
		n := seqOf(f)
		if e.parked && (behind(n, q.next) || q.seenAny && (behind(n, q.seen) || f.beginning && n == q.seen)) {
			q.restart, q.restarted, found = f.tsn, true, true
			continue
		}
		if !q.seenAny || behind(q.seen, n) {
			q.seen, q.seenAny = n, true
		}
	}
	if !found {
		d.releaseTSNFrags(false, 0, nil)
		return
	}
	rc.tsnFrags, rc.tsnDefer = nil, false
	d.rcv.parked = 0
	rc.tsnParkFull, rc.tsnStalls = false, 0
	rc.tsnFwds, rc.tsnFwdEntries = nil, 0 // the skips' numbering is as unknown
	isNew := func(f *inFrag) bool {
		q := seqs[f.stream]
		return !f.unordered && q != nil && q.restarted && !tsnLT(f.tsn, q.restart)
	}
	var restarted []uint16
	for _, f := range frags {
		if !isNew(&f) {
			d.insertFrag(f)
		}
	}
	for st, q := range seqs {
		if q.restarted {
			restarted = append(restarted, st)
		}
	}
	slices.Sort(restarted)
	d.resetInSSNs(restarted, d.rcv.tracker.cum)
	for _, f := range frags {
		if isNew(&f) {
			d.insertFrag(f)
		}
	}
}

// parkedForward is one FORWARD TSN (I-FORWARD TSN) parked while our
// SSN/TSN reset is outstanding, merged with the others of the same New
// Cumulative TSN (retransmissions).
type parkedForward struct {
	cum  uint32
	fwd  []chunk.ForwardTSNStream
	ifwd []chunk.IForwardTSNStream
	// cumBefore is our cumulative TSN when the first of them arrived,
	// before it moved it: applied later, the entries are judged against
	// it (staleOrderedSkip), not against the cumulative TSN the chunk
	// itself moved. Judged against that, a parked skip of an abandoned
	// SSN 8 read as of the old numbering of a reset stream and was
	// ignored; SSN 9 and the messages after it waited, then the reset
	// dropped them (property test seed 169188).
	cumBefore uint32
}

// Bounds of the parked FORWARD TSN chunks (hostile input): records (one
// per distinct New Cumulative TSN) and stream entries over all records.
// A chunk beyond them is dropped whole, its cumulative TSN not moved, as
// if lost: the peer sends it again (RFC 3758 §3.5 C3), and tsnParkFull
// ends a reset that cannot complete (reconfResponse).
const (
	maxParkedFwdRecords = 256
	maxParkedFwdEntries = 4096
)

// parkForward keeps a FORWARD TSN (I-FORWARD TSN) that arrived while our
// SSN/TSN reset parks fragments (see tsnFwds), merged per stream with the
// parked ones of the same cumulative TSN. It reports false when the chunk
// is dropped for the bounds (maxParkedFwdRecords, maxParkedFwdEntries);
// the caller then leaves its cumulative TSN alone.
func (d *dataState) parkForward(newCum uint32, fs []chunk.ForwardTSNStream, ifs []chunk.IForwardTSNStream, cumBefore uint32) bool {
	rc := &d.rc
	i := 0
	for i < len(rc.tsnFwds) && tsnLT(rc.tsnFwds[i].cum, newCum) {
		i++
	}
	if (i == len(rc.tsnFwds) || rc.tsnFwds[i].cum != newCum) && len(rc.tsnFwds) >= maxParkedFwdRecords ||
		rc.tsnFwdEntries+len(fs)+len(ifs) > maxParkedFwdEntries {
		rc.tsnParkFull = true
		d.st.droppedChunks++
		return false
	}
	if i == len(rc.tsnFwds) || rc.tsnFwds[i].cum != newCum {
		rc.tsnFwds = slices.Insert(rc.tsnFwds, i, parkedForward{cum: newCum, cumBefore: cumBefore})
	}
	p := &rc.tsnFwds[i]
	before := len(p.fwd) + len(p.ifwd)
next:
	for _, e := range fs {
		if e.Stream >= d.inStreams {
			continue
		}
		for i := range p.fwd {
			if p.fwd[i].Stream == e.Stream {
				if ssnLT(p.fwd[i].SSN, e.SSN) {
					p.fwd[i].SSN = e.SSN
				}
				continue next
			}
		}
		p.fwd = append(p.fwd, e)
	}
inext:
	for _, e := range ifs {
		if e.Stream >= d.inStreams {
			continue
		}
		for i := range p.ifwd {
			x := &p.ifwd[i]
			if x.Stream == e.Stream && x.Unordered == e.Unordered && (e.Unordered && x.MID == e.MID || !e.Unordered) {
				if !e.Unordered && midLT(x.MID, e.MID) {
					x.MID = e.MID
				}
				continue inext
			}
		}
		p.ifwd = append(p.ifwd, e)
	}
	rc.tsnFwdEntries += len(p.fwd) + len(p.ifwd) - before
	return true
}

// applyParkedForward runs one parked FORWARD TSN (parkForward) once the
// parked fragments of its numbering are filed.
func (d *dataState) applyParkedForward(p *parkedForward) {
	d.rcv.sackNow = true // as on arrival (handleForwardTSN)
	if d.idata {
		c := chunk.IForwardTSN{NewCumTSN: p.cum, Streams: p.ifwd}
		d.applyIForwardTSN(&c, p.cumBefore)
		return
	}
	c := chunk.ForwardTSN{NewCumTSN: p.cum, Streams: p.fwd}
	d.applyForwardTSN(&c, p.cumBefore)
}

// performDeferred runs a deferred incoming reset once the cumulative TSN
// reached its last assigned TSN; it reports whether it ran.
func (d *dataState) performDeferred() bool {
	df := &d.rc.deferred
	if !df.active || d.rc.tsnDefer || tsnLT(d.rcv.tracker.cum, df.lastTSN) {
		// While our SSN/TSN reset is outstanding the fragments that
		// arrive are parked unfiled (tsnDefer), though their TSNs count
		// in the cumulative TSN: resetting the streams now would drop
		// the filed part of a message and file its parked rest after the
		// reset, an orphan that blocks the restarted stream (seeded
		// property test with -sctp.assocreset, seed 1408 of 1500: a
		// message lost). The reset waits until they are filed.
		return false
	}
	df.active = false
	d.resetInSSNs(df.streams, d.staleBound(df.lastTSN))
	frags := df.frags
	df.frags = nil
	for _, f := range frags {
		d.insertFrag(f)
	}
	return true
}

// addOutStreams grows the outgoing streams by n (§5.1.5 after "Performed").
func (d *dataState) addOutStreams(n uint16) {
	d.outStreams += n
	d.snd.nextSSN = append(d.snd.nextSSN, make([]uint16, n)...)
	d.addOutMIDs(n)
	d.snd.fwdSeen = nil // rebuilt at the new size
}

// addInStreams grows the incoming streams by n (§5.2.5).
func (d *dataState) addInStreams(n uint16) {
	d.inStreams += n
	d.rcv.streams = append(d.rcv.streams, make([]inStream, n)...)
}

// staleBound is what a stream reset performed now records for
// stalePRSkip: our cumulative TSN, which is at least the peer's Sender's
// Last Assigned TSN lastTSN (§5.2.2 performs the reset only then). Not
// for the SSN/TSN reset, which starts a new TSN space.
func (d *dataState) staleBound(lastTSN uint32) uint32 {
	if cum := d.rcv.tracker.cum; tsnGT(cum, lastTSN) {
		return cum
	}
	return lastTSN
}

// resetTSNs is the SSN/TSN reset (§5.2.4 G1–G5, §5.1.4): our next TSN
// becomes sndNext and the peer's rcvNext; every SSN restarts at 0; what
// was buffered for reassembly is dropped (as by a FORWARD TSN up to the
// highest TSN seen, G4). Nothing of ours is outstanding (the caller waited
// for that).
func (d *dataState) resetTSNs(sndNext, rcvNext uint32) {
	s := &d.snd
	s.oldTSNHigh, s.oldTSNSet = s.nextTSN-1, true // staleOldSpace
	s.nextTSN = sndNext
	s.cumAck = sndNext - 1
	s.advPeerAck = s.cumAck
	s.fwdDue = false
	s.rttTiming = false
	clear(s.nextSSN)
	d.resetOutMIDs(nil)
	clear(s.renumbered) // of the old TSN space (oldNumbering)
	s.renumAllSet = false
	r := &d.rcv
	if r.pd.active {
		d.abortPartial()
	}
	d.resetInSSNs(nil, rcvNext-1)
	for i := range r.unordered {
		d.dropFrag(&r.unordered[i])
	}
	r.unordered = removeFrags(r.unordered, 0, len(r.unordered))
	for _, f := range d.rc.deferred.frags {
		d.pool.Put(f.buf)
		r.buffered -= len(f.buf)
		r.items--
	}
	d.rc.deferred = deferredReset{}
	r.tracker = recvTracker{ranges: r.tracker.ranges[:0], dups: r.tracker.dups[:0]}
	r.tracker.init(rcvNext)
}

// ---------------------------------------------------------------------------
// Association: user requests.

var errReconfBusy = fmt.Errorf("%w: too many stream reconfiguration requests queued", ErrInvalidArgument)

// reconfCheck reports why a request cannot be made now.
func (a *association) reconfCheck() error {
	switch a.state {
	case stateEstablished:
	case stateClosed:
		return ErrClosed
	case stateCookieWait, stateCookieEchoed:
		return ErrNotEstablished
	default:
		return ErrShuttingDown
	}
	if !a.peerReconfig {
		return fmt.Errorf("%w: the peer did not announce stream reconfiguration (RFC 6525 RE-CONFIG)", ErrNotSupported)
	}
	if len(a.data.rc.queue) >= maxReconfQueue {
		return errReconfBusy
	}
	return nil
}

// resetStreams queues SSN resets of streams (empty: all) in the directions
// flags name (SCTP_RESET_STREAMS, RFC 6525 §6.3.3). An outgoing reset
// holds new messages of its streams until it is answered and goes out
// once the messages queued before it were sent (§5.1.2).
func (a *association) resetStreams(now time.Time, flags uint16, streams []uint16) error {
	a.ep.poke(a)
	if flags&(SCTP_STREAM_RESET_INCOMING|SCTP_STREAM_RESET_OUTGOING) == 0 || flags&^(SCTP_STREAM_RESET_INCOMING|SCTP_STREAM_RESET_OUTGOING) != 0 {
		return fmt.Errorf("%w: reset flags %#x: want SCTP_STREAM_RESET_INCOMING and/or SCTP_STREAM_RESET_OUTGOING", ErrInvalidArgument, flags)
	}
	if err := a.reconfCheck(); err != nil {
		return err
	}
	// A request must fit one RE-CONFIG chunk in one packet.
	if max := (a.cfg.mtu - commonHeaderLenData - 4 - 16) / 2; len(streams) > max {
		return fmt.Errorf("%w: %d streams in one reset, at most %d", ErrInvalidArgument, len(streams), max)
	}
	d := a.data
	for _, s := range streams {
		if flags&SCTP_STREAM_RESET_OUTGOING != 0 && s >= d.outStreams {
			return fmt.Errorf("%w: stream %d of %d outgoing", ErrInvalidStream, s, d.outStreams)
		}
		if flags&SCTP_STREAM_RESET_INCOMING != 0 && s >= d.inStreams {
			return fmt.Errorf("%w: stream %d of %d incoming", ErrInvalidStream, s, d.inStreams)
		}
	}
	if flags == SCTP_STREAM_RESET_INCOMING|SCTP_STREAM_RESET_OUTGOING && len(d.rc.queue)+2 > maxReconfQueue {
		return errReconfBusy
	}
	list := append([]uint16(nil), streams...)
	if flags&SCTP_STREAM_RESET_OUTGOING != 0 {
		a.queueReconf(&reconfReq{kind: reqOutReset, streams: list})
	}
	if flags&SCTP_STREAM_RESET_INCOMING != 0 {
		a.queueReconf(&reconfReq{kind: reqInReset, streams: list})
	}
	a.reconfPoll(now)
	return nil
}

// resetAssoc queues an SSN/TSN Reset Request (SCTP_RESET_ASSOC, §6.3.4);
// new messages wait until it is answered, and it goes out once all our
// data was acknowledged.
func (a *association) resetAssoc(now time.Time) error {
	a.ep.poke(a)
	if err := a.reconfCheck(); err != nil {
		return err
	}
	a.queueReconf(&reconfReq{kind: reqTSNReset})
	a.reconfPoll(now)
	return nil
}

// addStreams queues Add Outgoing / Incoming Streams Requests
// (SCTP_ADD_STREAMS, §6.3.5).
func (a *association) addStreams(now time.Time, in, out uint16) error {
	a.ep.poke(a)
	if in == 0 && out == 0 {
		return fmt.Errorf("%w: add streams: both counts are 0", ErrInvalidArgument)
	}
	if err := a.reconfCheck(); err != nil {
		return err
	}
	d := a.data
	if int(d.outStreams)+int(out) > maxStreamCount || int(d.inStreams)+int(in) > maxStreamCount {
		return fmt.Errorf("%w: add streams: more than %d streams", ErrInvalidArgument, maxStreamCount)
	}
	if out > 0 {
		a.queueReconf(&reconfReq{kind: reqAddOut, n: out})
	}
	if in > 0 {
		a.queueReconf(&reconfReq{kind: reqAddIn, n: in})
	}
	a.reconfPoll(now)
	return nil
}

func (a *association) queueReconf(r *reconfReq) {
	rc := &a.data.rc
	switch r.kind {
	case reqOutReset:
		rc.addHold(r.streams, a.data.outStreams, 1)
	case reqTSNReset:
		rc.holdAll++
	}
	rc.queue = append(rc.queue, r)
}

// streamResetFlags returns the SCTP_ENABLE_STREAM_RESET flags in force.
func (a *association) streamResetFlags() uint32 { return a.cfg.streamReset }

// setStreamResetFlags sets them on the live association.
func (a *association) setStreamResetFlags(f uint32) {
	a.cfg.streamReset = f & sctpEnableStreamResetAllFlags
}

// reconfDeadline is the RE-CONFIG timer's deadline (zero: not running).
func (a *association) reconfDeadline() time.Time {
	if a.data == nil {
		return time.Time{}
	}
	return a.data.rc.timer.at
}

// reconfPoll sends the next queued request when nothing is outstanding
// and its preconditions hold (§5.1.2: the streams' earlier messages are
// all cut into chunks; §5.1.4: all our data acknowledged).
func (a *association) reconfPoll(now time.Time) {
	if a.data == nil || a.state == stateClosed {
		return
	}
	d := a.data
	rc := &d.rc
	if a.state != stateEstablished {
		// Queued requests are not sent any more. An SSN/TSN Reset Request
		// already sent stays deferred until its answer: the peer refuses
		// it once it knows we are shutting down (peerTSNReset), but in
		// SHUTDOWN-PENDING it does not know yet and may perform it, and
		// its data of the new numbering then arrives before the answer.
		// Filing that data in the old numbering (the fragments used to be
		// released here) made the reset, when the answer came, abort a
		// partial delivery of a new message: acknowledged, never
		// delivered (seeded property test with SSN/TSN resets, seed 39896
		// of 40000). reconfResponse, or the end of the association,
		// files the parked fragments (tsnDefer holds exactly while the
		// request is outstanding).
		a.reconfCancelQueued()
		return
	}
	if rc.out != nil || len(rc.queue) == 0 {
		return
	}
	r := rc.queue[0]
	switch r.kind {
	case reqOutReset:
		if d.pendingOn(r.streams) {
			return
		}
	case reqTSNReset:
		if !d.flushed() {
			return
		}
	}
	copy(rc.queue, rc.queue[1:])
	rc.queue[len(rc.queue)-1] = nil
	rc.queue = rc.queue[:len(rc.queue)-1]
	r.seq = rc.nextSeq
	rc.nextSeq++
	r.lastTSN = d.snd.nextTSN - 1
	r.sent = true
	rc.out = r
	if r.kind == reqTSNReset {
		rc.tsnDefer = true
	}
	rc.chunk = a.appendReconfRequest(rc.chunk[:0], r)
	a.counters.ReconfigsOut++
	a.sendReconfChunk()
	rc.timer.stop()
	rc.timer.start(now, a.rto())
}

// reconfCancelQueued fails the requests not sent yet once the association
// is shutting down (no new RE-CONFIG request then): their events carry
// the FAILED flag and the messages they held are released, so the
// shutdown can complete.
func (a *association) reconfCancelQueued() {
	d := a.data
	rc := &d.rc
	if len(rc.queue) == 0 {
		return
	}
	for _, r := range rc.queue {
		a.reconfFailedEvent(r, SCTP_STREAM_RESET_FAILED)
		switch r.kind {
		case reqOutReset:
			rc.addHold(r.streams, d.outStreams, -1)
		case reqTSNReset:
			rc.holdAll--
		}
	}
	clear(rc.queue)
	rc.queue = rc.queue[:0]
	d.releaseHeld()
}

// reconfFailedEvent reports request r as not performed (flag: the DENIED
// or FAILED bit, the same value in all three events).
func (a *association) reconfFailedEvent(r *reconfReq, flag uint16) {
	switch r.kind {
	case reqOutReset:
		a.emit(StreamReset{ID: a.aid, Flags: SCTP_STREAM_RESET_OUTGOING_SSN | flag, Streams: cloneStreams(r.streams)})
	case reqInReset:
		a.emit(StreamReset{ID: a.aid, Flags: SCTP_STREAM_RESET_INCOMING_SSN | flag, Streams: cloneStreams(r.streams)})
	case reqTSNReset:
		a.emit(AssocReset{ID: a.aid, Flags: flag})
	case reqAddOut, reqAddIn:
		a.emit(StreamChange{ID: a.aid, Flags: flag, InStreams: a.inStreams, OutStreams: a.outStreams})
	}
}

func (a *association) appendReconfRequest(b []byte, r *reconfReq) []byte {
	var p []byte
	switch r.kind {
	case reqOutReset:
		x := chunk.OutSSNResetReqParam{ReqSeq: r.seq, RespSeq: r.respSeq, LastTSN: r.lastTSN, Streams: r.streams}
		p = x.AppendTo(nil)
	case reqInReset:
		x := chunk.InSSNResetReqParam{ReqSeq: r.seq, Streams: r.streams}
		p = x.AppendTo(nil)
	case reqTSNReset:
		x := chunk.SSNTSNResetReqParam{ReqSeq: r.seq}
		p = x.AppendTo(nil)
	case reqAddOut:
		x := chunk.AddOutStreamsReqParam{ReqSeq: r.seq, NewStreams: r.n}
		p = x.AppendTo(nil)
	case reqAddIn:
		x := chunk.AddInStreamsReqParam{ReqSeq: r.seq, NewStreams: r.n}
		p = x.AppendTo(nil)
	}
	c := chunk.Reconfig{Params: p}
	return c.AppendTo(b)
}

func (a *association) sendReconfChunk() {
	if len(a.ctrl) > 4*a.cfg.mtu {
		return
	}
	a.ctrl = append(a.ctrl, a.data.rc.chunk...)
	a.data.rc.dest = a.paths.current() // control chunks go to the current path
}

// reconfTimer handles the RE-CONFIG timer (§5.1.1): retransmit the
// outstanding request with its sequence number, double the RTO, and count
// the expiry against Association.Max.Retrans and against the destination
// (RFC 9260 §8.2), as T3-rtx and T-4 RTO do; the retransmission goes to an
// alternate destination when there is one (RFC 9260 §6.4.1). Sent again
// and again to a primary path that was cut, the request failed the
// association while DATA flowed on the other path (property test seed
// 141000: five expiries on the dead path, never struck, plus T3-rtx). It
// reports whether the association failed.
func (a *association) reconfTimer(now time.Time) bool {
	if a.data == nil {
		return false
	}
	rc := &a.data.rc
	if !rc.timer.expired(now) {
		return false
	}
	if rc.out == nil {
		rc.timer.stop()
		return false
	}
	if a.data.addErrors(1) {
		a.fail(now)
		return true
	}
	a.counters.ReconfigRetransmits++
	d := a.backoff(rc.timer.rto)
	last := rc.dest
	if last >= a.paths.len() {
		last = a.paths.current()
	}
	a.paths.strike(last, now)
	a.reportPathChanges()
	rc.dest = a.paths.alternate(last)
	a.queueAuthenticated(a.paths.path(rc.dest).addr, rc.chunk)
	rc.timer.start(now, d)
	return false
}

// ---------------------------------------------------------------------------
// Association: RE-CONFIG received.

// handleReconfig processes a RE-CONFIG chunk (RFC 6525 §5.2): each request
// is answered (a Re-configuration Response, or our own request where the
// RFC says so), each response completes our outstanding request.
func (a *association) handleReconfig(now time.Time, c chunk.Raw) bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownSent, stateShutdownReceived:
	default:
		a.counters.DroppedWrongState++
		return false
	}
	var rcfg chunk.Reconfig
	if err := rcfg.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return false
	}
	a.counters.ReconfigsIn++
	var resp []byte
	it := chunk.NewParamIter(rcfg.Params)
	for it.Next() {
		p := it.Param()
		switch p.Type {
		case chunk.ParamReconfigResp:
			var x chunk.ReconfigRespParam
			if x.Decode(p) == nil {
				a.reconfResponse(now, &x)
			}
		case chunk.ParamOutSSNResetReq:
			var x chunk.OutSSNResetReqParam
			if x.Decode(p) == nil {
				resp = a.peerOutReset(now, &x, resp)
			}
		case chunk.ParamInSSNResetReq:
			var x chunk.InSSNResetReqParam
			if x.Decode(p) == nil {
				resp = a.peerRequest(x.ReqSeq, resp, func(res *peerResult) bool { return a.peerInReset(&x, res) })
			}
		case chunk.ParamSSNTSNResetReq:
			var x chunk.SSNTSNResetReqParam
			if x.Decode(p) == nil {
				resp = a.peerRequest(x.ReqSeq, resp, func(res *peerResult) bool { return a.peerTSNReset(res) })
			}
		case chunk.ParamAddOutStreamsReq:
			var x chunk.AddOutStreamsReqParam
			if x.Decode(p) == nil {
				resp = a.peerRequest(x.ReqSeq, resp, func(res *peerResult) bool { return a.peerAddOut(x.NewStreams, res) })
			}
		case chunk.ParamAddInStreamsReq:
			var x chunk.AddInStreamsReqParam
			if x.Decode(p) == nil {
				resp = a.peerRequest(x.ReqSeq, resp, func(res *peerResult) bool { return a.peerAddIn(x.NewStreams, res) })
			}
		}
		if a.state == stateClosed {
			return true
		}
	}
	if len(resp) > 0 {
		rc := chunk.Reconfig{Params: resp}
		a.queueCtrl(&rc)
	}
	a.reconfPoll(now)
	return false
}

// peerRequest runs the sequence number check of §5.2.1 for a peer request
// with seq: the expected number is processed by do (which fills the
// result and reports whether a response goes out: false when our own
// request answers it), the previous one gets its stored result again, any
// other "Error - Bad Sequence Number". It returns resp with the response
// appended.
func (a *association) peerRequest(seq uint32, resp []byte, do func(res *peerResult) bool) []byte {
	rc := &a.data.rc
	switch {
	case seq == rc.peerSeq:
		rc.results[1] = rc.results[0]
		rc.results[0] = peerResult{valid: true, seq: seq}
		rc.peerSeq++
		if !do(&rc.results[0]) {
			return resp
		}
		return appendResult(resp, &rc.results[0])
	case rc.results[0].valid && seq == rc.results[0].seq, rc.results[1].valid && seq == rc.results[1].seq:
		res := &rc.results[0]
		if seq != res.seq {
			res = &rc.results[1]
		}
		if res.tsnPending {
			// An SSN/TSN reset answered "In progress": try again.
			a.peerTSNReset(res)
		}
		return appendResult(resp, res)
	}
	a.counters.DroppedBadChunk++
	r := peerResult{seq: seq, result: chunk.ReconfigErrorBadSequence}
	return appendResult(resp, &r)
}

func appendResult(b []byte, r *peerResult) []byte {
	x := chunk.ReconfigRespParam{RespSeq: r.seq, Result: r.result, HasTSNs: r.tsn, SenderNextTSN: r.sndNext, ReceiverNextTSN: r.rcvNext}
	return x.AppendTo(b)
}

func (a *association) enabled(flag uint32) bool { return a.cfg.streamReset&flag != 0 }

// validStreams reports whether every stream is below n.
func validStreams(ss []uint16, n uint16) bool {
	for _, s := range ss {
		if s >= n {
			return false
		}
	}
	return true
}

// peerOutReset handles an Outgoing SSN Reset Request (§5.2.2): the peer
// resets its outgoing streams, our incoming ones, once every TSN up to its
// last assigned TSN arrived. It may answer our Incoming SSN Reset Request
// (§5.2.3), in which case it is performed whatever the enable flags say.
func (a *association) peerOutReset(now time.Time, x *chunk.OutSSNResetReqParam, resp []byte) []byte {
	rc := &a.data.rc
	if out := rc.out; out != nil && out.kind == reqInReset && x.RespSeq == out.seq && x.ReqSeq == rc.peerSeq {
		a.reconfDone(now)
		return a.peerRequest(x.ReqSeq, resp, func(res *peerResult) bool { return a.doPeerOutReset(x, res) })
	}
	return a.peerRequest(x.ReqSeq, resp, func(res *peerResult) bool {
		if !a.enabled(SCTP_ENABLE_RESET_STREAM_REQ) {
			res.result = chunk.ReconfigDenied
			return true
		}
		return a.doPeerOutReset(x, res)
	})
}

func (a *association) doPeerOutReset(x *chunk.OutSSNResetReqParam, res *peerResult) bool {
	d := a.data
	rc := &d.rc
	switch {
	case !validStreams(x.Streams, d.inStreams):
		res.result = chunk.ReconfigErrorWrongSSN
	case rc.deferred.active, rc.tsnDefer:
		// One deferred reset at a time; and none while our SSN/TSN reset
		// holds arriving fragments (they would meet reset streams).
		res.result = chunk.ReconfigErrorInProgress
	case tsnGT(x.LastTSN, d.rcv.tracker.cum):
		// §5.2.2: deferred reset processing; answered "In progress" now
		// and "Performed" when done (also to a retransmission).
		rc.deferred = deferredReset{active: true, seq: x.ReqSeq, lastTSN: x.LastTSN, streams: append([]uint16(nil), x.Streams...)}
		res.result = chunk.ReconfigInProgress
	default:
		d.resetInSSNs(x.Streams, d.staleBound(x.LastTSN))
		res.result = chunk.ReconfigSuccessPerformed
		a.emit(StreamReset{ID: a.aid, Flags: SCTP_STREAM_RESET_INCOMING_SSN, Streams: cloneStreams(x.Streams)})
	}
	return true
}

func cloneStreams(s []uint16) []uint16 {
	if len(s) == 0 {
		return nil
	}
	return append([]uint16(nil), s...)
}

// reconfAfterData runs after each packet and timer: a deferred incoming
// reset whose last TSN arrived is performed and announced with an
// unsolicited "Performed" (the stored result answers retransmissions), and
// queued requests whose preconditions now hold go out.
func (a *association) reconfAfterData(now time.Time) {
	if a.data == nil {
		return
	}
	d := a.data
	rc := &d.rc
	if rc.deferred.active {
		seq, streams := rc.deferred.seq, rc.deferred.streams
		if d.performDeferred() {
			for i := range rc.results {
				if rc.results[i].valid && rc.results[i].seq == seq {
					rc.results[i].result = chunk.ReconfigSuccessPerformed
				}
			}
			r := peerResult{seq: seq, result: chunk.ReconfigSuccessPerformed}
			c := chunk.Reconfig{Params: appendResult(nil, &r)}
			a.queueCtrl(&c)
			a.emit(StreamReset{ID: a.aid, Flags: SCTP_STREAM_RESET_INCOMING_SSN, Streams: cloneStreams(streams)})
		}
	}
	a.reconfPoll(now)
}

// peerInReset handles an Incoming SSN Reset Request (§5.2.3): we answer
// with our own Outgoing SSN Reset Request of those streams (after their
// queued messages), or with an error result.
func (a *association) peerInReset(x *chunk.InSSNResetReqParam, res *peerResult) bool {
	d := a.data
	rc := &d.rc
	switch {
	case !a.enabled(SCTP_ENABLE_RESET_STREAM_REQ):
		res.result = chunk.ReconfigDenied
	case !validStreams(x.Streams, d.outStreams):
		res.result = chunk.ReconfigErrorWrongSSN
	case rc.busy() || a.state != stateEstablished:
		res.result = chunk.ReconfigErrorInProgress
	default:
		res.result = chunk.ReconfigSuccessPerformed
		a.queueReconf(&reconfReq{kind: reqOutReset, streams: append([]uint16(nil), x.Streams...), respSeq: x.ReqSeq})
		return false
	}
	return true
}

// peerTSNReset handles an SSN/TSN Reset Request (§5.2.4). Our own data
// must all be acknowledged first (G3 would otherwise discard it): until
// then it is answered "In progress" and new messages wait.
func (a *association) peerTSNReset(res *peerResult) bool {
	d := a.data
	rc := &d.rc
	res.tsnPending = false
	if rc.tsnHold {
		// A final answer below ends the wait of an earlier "In progress".
		rc.tsnHold = false
		defer d.releaseHeld()
	}
	switch {
	case !a.enabled(SCTP_ENABLE_RESET_ASSOC_REQ):
		res.result = chunk.ReconfigDenied
		return true
	case rc.out != nil, a.state != stateEstablished:
		// Busy with our own request, or shutting down (RFC 9260 §9.2:
		// the data must drain, not be renumbered): a final answer, so
		// the requester stops holding its data.
		res.result = chunk.ReconfigErrorInProgress
		return true
	case !d.flushed() || rc.deferred.active:
		res.result = chunk.ReconfigInProgress
		res.tsnPending = true
		rc.tsnHold = true
		return true
	}
	// G1: the peer's next TSN is the smallest TSN we have not acknowledged
	// plus 2^31; G2: ours is our next TSN (highest sent plus 1).
	rcvNext := d.rcv.tracker.cum + 1 + 1<<31
	sndNext := d.snd.nextTSN
	d.resetTSNs(sndNext, rcvNext)
	rc.tsnHold = false
	d.releaseHeld()
	*res = peerResult{valid: true, seq: res.seq, result: chunk.ReconfigSuccessPerformed, tsn: true, sndNext: sndNext, rcvNext: rcvNext}
	a.emit(AssocReset{ID: a.aid, LocalTSN: sndNext, RemoteTSN: rcvNext})
	return true
}

// peerAddOut handles an Add Outgoing Streams Request (§5.2.5): our
// incoming streams grow. It is performed whatever the enable flags say
// when it answers our Add Incoming Streams Request (§5.2.6).
func (a *association) peerAddOut(n uint16, res *peerResult) bool {
	d := a.data
	rc := &d.rc
	ours := rc.out != nil && rc.out.kind == reqAddIn
	switch {
	case !ours && !a.enabled(SCTP_ENABLE_CHANGE_ASSOC_REQ):
		res.result = chunk.ReconfigDenied
	case int(d.inStreams)+int(n) > maxStreamCount || n == 0:
		res.result = chunk.ReconfigDenied
	default:
		if ours {
			rc.out = nil
			rc.timer.stop()
		}
		d.addInStreams(n)
		a.inStreams = d.inStreams
		res.result = chunk.ReconfigSuccessPerformed
		a.emit(StreamChange{ID: a.aid, InStreams: a.inStreams, OutStreams: a.outStreams})
	}
	return true
}

// peerAddIn handles an Add Incoming Streams Request (§5.2.6): we answer
// with our own Add Outgoing Streams Request.
func (a *association) peerAddIn(n uint16, res *peerResult) bool {
	d := a.data
	switch {
	case !a.enabled(SCTP_ENABLE_CHANGE_ASSOC_REQ):
		res.result = chunk.ReconfigDenied
	case int(d.outStreams)+int(n) > maxStreamCount || n == 0:
		res.result = chunk.ReconfigDenied
	case d.rc.busy() || a.state != stateEstablished:
		res.result = chunk.ReconfigErrorInProgress
	default:
		res.result = chunk.ReconfigSuccessPerformed
		a.queueReconf(&reconfReq{kind: reqAddOut, n: n})
		return false
	}
	return true
}

// reconfDone ends the outstanding request.
func (a *association) reconfDone(now time.Time) {
	rc := &a.data.rc
	rc.out = nil
	rc.timer.stop()
	_ = now
}

// reconfResponse handles a Re-configuration Response (§5.2.7) to our
// outstanding request; others are ignored.
func (a *association) reconfResponse(now time.Time, x *chunk.ReconfigRespParam) {
	d := a.data
	rc := &d.rc
	r := rc.out
	if r == nil || x.RespSeq != r.seq {
		a.counters.DroppedWrongState++
		return
	}
	if x.Result == chunk.ReconfigInProgress {
		// Not done yet: ask again after an RTO, with the same sequence
		// number, and do not count it as an error (§5.1.1; pion/sctp#329).
		rc.timer.stop()
		rc.timer.start(now, a.rto())
		if r.kind == reqTSNReset && rc.tsnParkFull {
			// §5.1.4/§5.2.4: the peer waits for its data to be
			// acknowledged and we drop it, the parked data having
			// reached its bound (tsnResetNeeds): neither side can
			// move. Counted like retransmissions, so this ends in an
			// association failure (the parked data goes to the reader,
			// see close) rather than a silent stall.
			rc.tsnStalls++
			if rc.tsnStalls > d.cfg.maxRetrans {
				a.fail(now)
			}
			return
		}
		d.resetErrors()
		return
	}
	a.reconfDone(now)
	ok := x.Result == chunk.ReconfigSuccessPerformed || x.Result == chunk.ReconfigSuccessNothingToDo
	var fail uint16
	switch {
	case ok:
	case x.Result == chunk.ReconfigDenied:
		fail = SCTP_STREAM_RESET_DENIED
	default:
		fail = SCTP_STREAM_RESET_FAILED
	}
	switch r.kind {
	case reqOutReset:
		if ok {
			d.resetOutSSNs(r.streams)
			d.noteRenumbered(r.streams, r.lastTSN)
		}
		rc.addHold(r.streams, d.outStreams, -1)
		d.releaseHeld()
		a.emit(StreamReset{ID: a.aid, Flags: SCTP_STREAM_RESET_OUTGOING_SSN | fail, Streams: cloneStreams(r.streams)})
	case reqInReset:
		// Performed: the peer's Outgoing SSN Reset Request does the work
		// and is announced when processed.
		if !ok {
			a.emit(StreamReset{ID: a.aid, Flags: SCTP_STREAM_RESET_INCOMING_SSN | fail, Streams: cloneStreams(r.streams)})
		}
	case reqTSNReset:
		rc.holdAll--
		if ok && x.HasTSNs {
			// §5.1.4 (the requester's side of G1–G5): our next TSN is the
			// Receiver's Next TSN, the peer's its Sender's Next TSN.
			d.releaseTSNFrags(true, x.SenderNextTSN, func() { d.resetTSNs(x.ReceiverNextTSN, x.SenderNextTSN) })
			a.emit(AssocReset{ID: a.aid, LocalTSN: x.ReceiverNextTSN, RemoteTSN: x.SenderNextTSN})
		} else {
			d.releaseTSNFrags(false, 0, nil)
			if fail == 0 {
				fail = SCTP_ASSOC_RESET_FAILED
			}
			a.emit(AssocReset{ID: a.aid, Flags: fail})
		}
		d.releaseHeld()
	case reqAddOut:
		if ok {
			d.addOutStreams(r.n)
			a.outStreams = d.outStreams
		}
		a.emit(StreamChange{ID: a.aid, Flags: fail, InStreams: a.inStreams, OutStreams: a.outStreams})
	case reqAddIn:
		// Performed: the peer's Add Outgoing Streams Request does it.
		if !ok {
			a.emit(StreamChange{ID: a.aid, Flags: fail, InStreams: a.inStreams, OutStreams: a.outStreams})
		}
	}
}
