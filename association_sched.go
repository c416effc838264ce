package sctp

import (
	"fmt"
	"slices"
	"strings"
)

// StreamScheduler is a stream scheduler of RFC 8260 §3: how an association
// picks the outgoing stream whose data is sent next (SCTP_STREAM_SCHEDULER,
// RFC 8260 §4.3.2; names as in usrsctp and Linux). Without user message
// interleaving (I-DATA) a message once started is finished before another
// is picked, so the scheduler chooses between whole messages; with it,
// between chunks.
type StreamScheduler uint16

// Stream schedulers (RFC 8260 §3.1–§3.6). The numbering is usctp's own
// (usrsctp and Linux number them differently from each other).
const (
	// SCTP_SS_FCFS sends messages in the order they were queued, whatever
	// their stream (§3.1). The default.
	SCTP_SS_FCFS StreamScheduler = 0
	// SCTP_SS_RR serves the streams with queued data in turn, one message
	// each (a chunk each with interleaving) (§3.2).
	SCTP_SS_RR StreamScheduler = 1
	// SCTP_SS_RR_PKT is round robin that changes stream only with a new
	// packet: a packet carries one stream's data (§3.3).
	SCTP_SS_RR_PKT StreamScheduler = 2
	// SCTP_SS_PRIO serves the stream with the highest priority first: the
	// lowest SCTP_STREAM_SCHEDULER_VALUE (default 0); equal priorities in
	// turn (§3.4).
	SCTP_SS_PRIO StreamScheduler = 3
	// SCTP_SS_FB gives every stream with queued data the same share of
	// the capacity in bytes (fair bandwidth, RFC 8260's fair capacity,
	// §3.5).
	SCTP_SS_FB StreamScheduler = 4
	// SCTP_SS_WFQ shares the capacity in proportion to the streams'
	// weights, the SCTP_STREAM_SCHEDULER_VALUE (1..65535, default 1)
	// (weighted fair queueing, §3.6).
	SCTP_SS_WFQ StreamScheduler = 5
)

var schedNames = [...]string{"fcfs", "rr", "rr_pkt", "prio", "fb", "wfq"}

// String returns the scheduler's short name ("fcfs", "rr", "rr_pkt",
// "prio", "fb", "wfq").
func (k StreamScheduler) String() string {
	if int(k) < len(schedNames) {
		return schedNames[k]
	}
	return fmt.Sprintf("StreamScheduler(%d)", uint16(k))
}

func (k StreamScheduler) valid() bool { return int(k) < len(schedNames) }

// ParseStreamScheduler returns the scheduler named name: a short name as
// String returns, case-insensitive, optionally prefixed "SCTP_SS_".
func ParseStreamScheduler(name string) (StreamScheduler, error) {
	n := strings.ToLower(strings.TrimPrefix(strings.ToUpper(name), "SCTP_SS_"))
	n = strings.ReplaceAll(n, "-", "_")
	for i, s := range schedNames {
		if n == s {
			return StreamScheduler(i), nil
		}
	}
	return 0, invalidArg("stream scheduler %q: want one of %s", name, strings.Join(schedNames[:], ", "))
}

// checkSchedValue validates a SCTP_STREAM_SCHEDULER_VALUE for scheduler k.
func checkSchedValue(k StreamScheduler, v uint16) error {
	if k == SCTP_SS_WFQ && v == 0 {
		return invalidArg("SCTP_SS_WFQ weight 0: a weight is 1..65535")
	}
	return nil
}

// ---------------------------------------------------------------------------
// Engine side of the seam (runtime_seam.go calls these on the loop).

// streamScheduler returns the association's scheduler.
func (a *association) streamScheduler() StreamScheduler {
	if a.data == nil {
		return a.cfg.sched
	}
	return a.data.snd.pending.kind
}

// setStreamScheduler switches the association's scheduler (RFC 8260
// §4.3.2); messages already queued are scheduled by the new one.
func (a *association) setStreamScheduler(k StreamScheduler) error {
	if !k.valid() {
		return invalidArg("stream scheduler %d: want SCTP_SS_FCFS, _RR, _RR_PKT, _PRIO, _FB or _WFQ", uint16(k))
	}
	a.cfg.sched = k
	if a.data != nil {
		a.data.snd.pending.setKind(k)
	}
	return nil
}

// streamSchedulerValue returns stream's SCTP_STREAM_SCHEDULER_VALUE (RFC
// 8260 §4.3.3).
func (a *association) streamSchedulerValue(stream uint16) (uint16, error) {
	if a.data == nil {
		return 0, ErrNotEstablished
	}
	if stream >= a.data.outStreams {
		return 0, fmt.Errorf("%w: stream %d of %d outgoing streams", ErrInvalidStream, stream, a.data.outStreams)
	}
	v := a.data.snd.pending.value(stream)
	if v == 0 && a.data.snd.pending.kind == SCTP_SS_WFQ {
		v = 1 // a weight never set counts as 1
	}
	return v, nil
}

// setStreamSchedulerValue sets stream's SCTP_STREAM_SCHEDULER_VALUE: its
// priority under SCTP_SS_PRIO, its weight under SCTP_SS_WFQ.
func (a *association) setStreamSchedulerValue(stream, v uint16) error {
	if a.data == nil {
		return ErrNotEstablished
	}
	if stream >= a.data.outStreams {
		return fmt.Errorf("%w: stream %d of %d outgoing streams", ErrInvalidStream, stream, a.data.outStreams)
	}
	if err := checkSchedValue(a.data.snd.pending.kind, v); err != nil {
		return err
	}
	a.data.snd.pending.setValue(stream, v)
	return nil
}

// The send side's stream scheduler (RFC 8260 §3): per-stream queues of
// messages not yet fully cut into chunks, and the rule that picks the
// stream whose data goes out next. A plain struct, owned by the
// association's data path (sendState.pending) and tested on its own
// (association_sched_test.go).
//
// Use, by streams.go: push queues a message on its stream; peek names the
// message to cut the next chunk from; sent reports a chunk cut from it;
// pop removes it once it is fully cut or abandoned (it is always the head
// of its stream); packetDone ends a packet.
//
// Without user message interleaving (DATA, RFC 9260) the fragments of a
// message need consecutive TSNs (§6.9), so a message once started is
// finished before any other is picked: the scheduler chooses between whole
// messages. With interleaving (I-DATA, RFC 8260 §2) it chooses again for
// every chunk. Within one stream messages always go in the order they were
// queued (RFC 9260 §6.5 for ordered messages; kept for unordered ones).
//
// Hot path: no allocation per message once the queues have grown (rings),
// O(1) per chunk for FCFS, RR and RR_PKT; PRIO, FB and WFQ scan the active
// (non-empty) streams once per decision.

// schedStream is one outgoing stream's queue and scheduling state.
type schedStream struct {
	q ring[*outMsg]
	// value is SCTP_STREAM_SCHEDULER_VALUE (RFC 8260 §4.3.3): the
	// priority under SCTP_SS_PRIO (lower is served first) or the weight
	// under SCTP_SS_WFQ (0 counts as 1).
	value      uint16
	active     bool   // has queued messages: linked in the active ring
	next, prev uint16 // active ring links
	vt         uint64 // FB / WFQ virtual time: weighted bytes served
}

// sendScheduler holds the messages not yet fully cut into chunks.
type sendScheduler struct {
	kind    StreamScheduler
	streams []schedStream // indexed by stream id, grown on use
	msgs    int           // queued messages, all streams
	seq     uint64        // queue order stamp (outMsg.seq)
	// The active streams form a circular list in round-robin order; head
	// is the one served next under RR, the start of the tie-break scan
	// under PRIO, FB and WFQ.
	nActive int
	head    uint16
	// order is, under FCFS, the stream of every queued message in queue
	// order (RFC 8260 §3.1).
	order ring[uint16]
	// cur is the stream whose head message is partly cut (without
	// interleaving it must be finished first), if hasCur.
	cur    uint16
	hasCur bool
	// pkt is the stream of the packet being filled under RR_PKT, if
	// hasPkt (chosen with the packet's first chunk); pktUsed: a chunk
	// went into it.
	pkt     uint16
	hasPkt  bool
	pktUsed bool
	vnow    uint64 // FB / WFQ: virtual time of the last chunk served
}

// vtScale makes FB / WFQ virtual time fine-grained enough for weights up
// to 65535 with integer arithmetic.
const vtScale = 1 << 16

// vtRebase is the virtual time at which every stream's virtual time is
// shifted down (after about 64 TiB at weight 1) so it never wraps.
const vtRebase = 1 << 62

// rebaseVT subtracts the current virtual time from every stream's; only
// differences matter.
func (s *sendScheduler) rebaseVT() {
	base := s.vnow
	for i := range s.streams {
		st := &s.streams[i]
		st.vt -= min(st.vt, base)
	}
	s.vnow = 0
}

// len returns the number of queued messages.
func (s *sendScheduler) len() int { return s.msgs }

// stream returns stream id's state, growing the table.
func (s *sendScheduler) stream(id uint16) *schedStream {
	if int(id) >= len(s.streams) {
		s.streams = slices.Grow(s.streams, int(id)+1-len(s.streams))[:int(id)+1]
	}
	return &s.streams[id]
}

// push queues m at the tail of its stream.
func (s *sendScheduler) push(m *outMsg) {
	st := s.stream(m.stream)
	m.seq = s.seq
	s.seq++
	st.q.push(m)
	s.msgs++
	if s.kind == SCTP_SS_FCFS {
		s.order.push(m.stream)
	}
	if !st.active {
		s.activate(m.stream)
	}
}

// activate links stream id into the active ring at its tail (served after
// every stream already waiting, RFC 8260 §3.2).
func (s *sendScheduler) activate(id uint16) {
	st := &s.streams[id]
	st.active = true
	// RFC 8260 §3.5, §3.6: a stream that was idle does not bank capacity;
	// it competes from the current virtual time on.
	st.vt = max(st.vt, s.vnow)
	if s.nActive == 0 {
		st.next, st.prev, s.head = id, id, id
	} else {
		h := &s.streams[s.head]
		t := h.prev
		st.next, st.prev = s.head, t
		s.streams[t].next = id
		h.prev = id
	}
	s.nActive++
}

// deactivate unlinks an emptied stream.
func (s *sendScheduler) deactivate(id uint16) {
	st := &s.streams[id]
	st.active = false
	s.nActive--
	if s.nActive == 0 {
		return
	}
	s.streams[st.prev].next = st.next
	s.streams[st.next].prev = st.prev
	if s.head == id {
		s.head = st.next
	}
}

// peek returns the message the next chunk is cut from, or nil when
// nothing may be sent (nothing queued, or under RR_PKT the packet's stream
// ran dry). interleave: I-DATA is in use (RFC 8260 §2), so another stream
// may be picked while a message is partly cut.
func (s *sendScheduler) peek(interleave bool) *outMsg {
	if s.msgs == 0 {
		return nil
	}
	if !interleave && s.hasCur {
		// RFC 9260 §6.9: a started message's fragments take consecutive
		// TSNs.
		return *s.streams[s.cur].q.at(0)
	}
	id := s.pick()
	if id < 0 {
		return nil
	}
	return *s.streams[id].q.at(0)
}

// pick chooses a stream with queued messages (-1: none may be served now).
func (s *sendScheduler) pick() int32 {
	switch s.kind {
	case SCTP_SS_RR:
		// RFC 8260 §3.2: the non-empty streams take turns.
		return int32(s.head)
	case SCTP_SS_RR_PKT:
		// RFC 8260 §3.3: round robin, changing stream only with a new
		// packet, so a packet carries one stream's data. When that stream
		// runs dry the packet ends.
		if !s.hasPkt {
			s.pkt, s.hasPkt = s.head, true
		}
		if !s.streams[s.pkt].active {
			return -1
		}
		return int32(s.pkt)
	case SCTP_SS_PRIO:
		// RFC 8260 §3.4: the highest priority (lowest value) first; equal
		// priorities round robin.
		best, id := int32(-1), s.head
		for range s.nActive {
			if best < 0 || s.streams[id].value < s.streams[best].value {
				best = int32(id)
			}
			id = s.streams[id].next
		}
		return best
	case SCTP_SS_FB, SCTP_SS_WFQ:
		// RFC 8260 §3.5, §3.6: the stream that got the least (weighted)
		// capacity so far; equal round robin.
		best, id := int32(-1), s.head
		for range s.nActive {
			if best < 0 || s.streams[id].vt < s.streams[best].vt {
				best = int32(id)
			}
			id = s.streams[id].next
		}
		return best
	default:
		// RFC 8260 §3.1: first come first served, whatever the stream.
		return int32(*s.order.at(0))
	}
}

// sent records that n bytes of m (the message peek returned) were cut
// into a chunk.
func (s *sendScheduler) sent(m *outMsg, n int, interleave bool) {
	st := &s.streams[m.stream]
	switch s.kind {
	case SCTP_SS_FB:
		s.vnow = st.vt
		st.vt += uint64(n) * vtScale
	case SCTP_SS_WFQ:
		s.vnow = st.vt
		st.vt += uint64(n) * vtScale / uint64(max(st.value, 1))
	case SCTP_SS_RR_PKT:
		s.pkt, s.hasPkt, s.pktUsed = m.stream, true, true
	}
	if s.vnow >= vtRebase {
		s.rebaseVT()
	}
	if m.off < len(m.buf) {
		s.cur, s.hasCur = m.stream, true
	} else if s.hasCur && s.cur == m.stream {
		s.hasCur = false
	}
	if interleave {
		// With interleaving the turn passes after every chunk.
		s.served(m.stream)
	}
}

// served passes the turn to the stream after id in the active ring (the
// round-robin position; under PRIO, FB and WFQ the tie-break order).
func (s *sendScheduler) served(id uint16) {
	if s.kind == SCTP_SS_FCFS || s.kind == SCTP_SS_RR_PKT {
		return // FCFS has no turns; RR_PKT turns per packet (packetDone)
	}
	if st := &s.streams[id]; st.active {
		s.head = st.next
	}
}

// pop removes m, the head of its stream, once it is fully cut or
// abandoned.
func (s *sendScheduler) pop(m *outMsg, interleave bool) {
	id := m.stream
	st := &s.streams[id]
	if st.q.len() == 0 || *st.q.at(0) != m {
		panic("BUG: scheduler pop of a message not at its stream's head")
	}
	st.q.pop()
	s.msgs--
	if s.kind == SCTP_SS_FCFS {
		s.popOrder(id)
	}
	if s.hasCur && s.cur == id {
		s.hasCur = false
	}
	if !interleave && m.off > 0 {
		// A whole message was served (one abandoned before any of it
		// was sent took no turn): the next stream's turn.
		s.served(id)
	}
	if st.q.len() == 0 {
		s.deactivate(id)
	}
}

// popOrder removes the first FCFS order entry of stream id: the head
// normally (FCFS serves the oldest message); after a switch to FCFS,
// messages that started earlier may still be finished first.
func (s *sendScheduler) popOrder(id uint16) {
	j := 0
	for j < s.order.len() && *s.order.at(j) != id {
		j++
	}
	if j == s.order.len() {
		panic("BUG: FCFS order lacks a queued stream")
	}
	for ; j > 0; j-- {
		*s.order.at(j) = *s.order.at(j - 1)
	}
	s.order.pop()
}

// packetDone ends the packet being filled (RR_PKT: the next packet goes to
// the next stream).
func (s *sendScheduler) packetDone() {
	if s.kind != SCTP_SS_RR_PKT {
		return
	}
	if s.pktUsed && s.hasPkt {
		// A stream that emptied left the ring; head moved on then.
		if st := &s.streams[s.pkt]; st.active {
			s.head = st.next
		}
	}
	s.hasPkt, s.pktUsed = false, false
}

// setKind switches the scheduler (RFC 8260 §4.3.2); queued messages stay,
// a partly cut message is still finished first.
func (s *sendScheduler) setKind(k StreamScheduler) {
	if s.kind == k {
		return
	}
	s.kind = k
	s.hasPkt, s.pktUsed = false, false
	s.vnow = 0
	for i := range s.streams {
		s.streams[i].vt = 0
	}
	s.order = ring[uint16]{}
	if k != SCTP_SS_FCFS || s.msgs == 0 {
		return
	}
	// FCFS needs the queue order across streams: rebuild it from the
	// stamps (rare: an API call).
	all := make([]*outMsg, 0, s.msgs)
	for m := range s.all() {
		all = append(all, m)
	}
	slices.SortFunc(all, func(a, b *outMsg) int {
		// Messages already partly cut go first, in queue order.
		if sa, sb := a.off > 0, b.off > 0; sa != sb {
			if sa {
				return -1
			}
			return 1
		}
		return cmpSeq(a.seq, b.seq)
	})
	for _, m := range all {
		s.order.push(m.stream)
	}
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// setValue sets stream id's SCTP_STREAM_SCHEDULER_VALUE.
func (s *sendScheduler) setValue(id uint16, v uint16) { s.stream(id).value = v }

// value returns stream id's SCTP_STREAM_SCHEDULER_VALUE.
func (s *sendScheduler) value(id uint16) uint16 {
	if int(id) < len(s.streams) {
		return s.streams[id].value
	}
	return 0
}

// all iterates over every queued message, stream by stream.
func (s *sendScheduler) all() func(yield func(*outMsg) bool) {
	return func(yield func(*outMsg) bool) {
		for i := range s.streams {
			q := &s.streams[i].q
			for j := 0; j < q.len(); j++ {
				if !yield(*q.at(j)) {
					return
				}
			}
		}
	}
}

// started iterates over the messages partly cut into chunks: the heads of
// the streams (without interleaving at most one).
func (s *sendScheduler) started() func(yield func(*outMsg) bool) {
	return func(yield func(*outMsg) bool) {
		if s.nActive == 0 {
			return
		}
		id := s.head
		for range s.nActive {
			st := &s.streams[id]
			if m := *st.q.at(0); m.off > 0 && !yield(m) {
				return
			}
			id = st.next
		}
	}
}

// inOrder returns every queued message in queue order (send order under
// FCFS); it allocates (closing the association only).
func (s *sendScheduler) inOrder() []*outMsg {
	all := make([]*outMsg, 0, s.msgs)
	for m := range s.all() {
		all = append(all, m)
	}
	slices.SortFunc(all, func(a, b *outMsg) int { return cmpSeq(a.seq, b.seq) })
	return all
}

// clear forgets every queued message (the caller owns them); the kind and
// the per-stream values stay.
func (s *sendScheduler) clear() {
	for i := range s.streams {
		st := &s.streams[i]
		for st.q.len() > 0 {
			st.q.pop()
		}
		st.active = false
	}
	for s.order.len() > 0 {
		s.order.pop()
	}
	s.msgs, s.nActive, s.hasCur, s.hasPkt, s.pktUsed = 0, 0, false, false, false
}

// trim releases the queues' storage when nothing is queued (an idle
// association); the kind and the per-stream values stay.
func (s *sendScheduler) trim() {
	if s.msgs != 0 {
		return
	}
	for i := range s.streams {
		s.streams[i].q = ring[*outMsg]{}
	}
	s.order = ring[uint16]{}
}
