package sctp

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// schedRig drives a sendScheduler the way appendNewData does: chunks of at
// most frag bytes, packets of at most perPkt chunks.
type schedRig struct {
	s          sendScheduler
	interleave bool
	frag       int
	perPkt     int
}

// schedCut is one chunk the rig cut: the message's stream and tag (its
// ppid) and whether it started a new packet.
type schedCut struct {
	stream uint16
	tag    uint32
	n      int
	newPkt bool
}

func newSchedRig(k StreamScheduler, interleave bool) *schedRig {
	r := &schedRig{interleave: interleave, frag: 100, perPkt: 4}
	r.s.setKind(k)
	return r
}

func (r *schedRig) add(stream uint16, size int, tag uint32) *outMsg {
	m := &outMsg{stream: stream, buf: make([]byte, size), ppid: tag, inPending: true}
	r.s.push(m)
	return m
}

// packet fills one packet.
func (r *schedRig) packet() []schedCut {
	var out []schedCut
	for len(out) < r.perPkt {
		m := r.s.peek(r.interleave)
		if m == nil {
			break
		}
		if m.abandoned || m.off == len(m.buf) {
			r.s.pop(m, r.interleave)
			continue
		}
		n := min(len(m.buf)-m.off, r.frag)
		m.off += n
		r.s.sent(m, n, r.interleave)
		out = append(out, schedCut{stream: m.stream, tag: m.ppid, n: n, newPkt: len(out) == 0})
		if m.off == len(m.buf) {
			r.s.pop(m, r.interleave)
		}
	}
	r.s.packetDone()
	return out
}

// run sends packets until the scheduler runs dry.
func (r *schedRig) run(t *testing.T) []schedCut {
	t.Helper()
	var all []schedCut
	for range 100000 {
		p := r.packet()
		if len(p) == 0 {
			if r.s.len() != 0 {
				t.Fatalf("an empty packet with %d messages queued", r.s.len())
			}
			return all
		}
		all = append(all, p...)
	}
	t.Fatal("scheduler never ran dry")
	return nil
}

// tags lists the message tag of every chunk, a run of chunks of one
// message written once.
func tags(cs []schedCut) string {
	s := ""
	for i, c := range cs {
		if i > 0 && cs[i-1].tag == c.tag {
			continue
		}
		s += fmt.Sprint(c.tag, " ")
	}
	return s
}

func chunkTags(cs []schedCut) string {
	s := ""
	for _, c := range cs {
		s += fmt.Sprint(c.tag, " ")
	}
	return s
}

// TestSchedFCFS: RFC 8260 §3.1, messages leave in the order they were
// queued whatever their stream, with and without interleaving.
func TestSchedFCFS(t *testing.T) {
	for _, il := range []bool{false, true} {
		r := newSchedRig(SCTP_SS_FCFS, il)
		r.add(1, 350, 1)
		r.add(2, 50, 2)
		r.add(1, 50, 3)
		r.add(3, 250, 4)
		if got, want := chunkTags(r.run(t)), "1 1 1 1 2 3 4 4 4 "; got != want {
			t.Errorf("interleave %v: chunks %q, want %q", il, got, want)
		}
	}
}

// TestSchedRoundRobinWholeMessages: RFC 8260 §3.2 without interleaving:
// the streams take turns a whole message each (RFC 9260 §6.9: a started
// message's fragments take consecutive TSNs).
func TestSchedRoundRobinWholeMessages(t *testing.T) {
	r := newSchedRig(SCTP_SS_RR, false)
	r.add(1, 300, 11)
	r.add(1, 300, 12)
	r.add(1, 300, 13)
	r.add(2, 50, 21)
	r.add(2, 50, 22)
	r.add(3, 150, 31)
	got := r.run(t)
	if g, want := tags(got), "11 21 31 12 22 13 "; g != want {
		t.Errorf("messages %q, want %q", g, want)
	}
	// Each message's chunks are consecutive.
	seen := map[uint32]bool{}
	for i, c := range got {
		if seen[c.tag] && got[i-1].tag != c.tag {
			t.Fatalf("message %d interrupted: %q", c.tag, chunkTags(got))
		}
		seen[c.tag] = true
	}
}

// TestSchedRoundRobinInterleaved: RFC 8260 §3.2 with I-DATA: the turn
// passes after every chunk.
func TestSchedRoundRobinInterleaved(t *testing.T) {
	r := newSchedRig(SCTP_SS_RR, true)
	r.add(1, 300, 11)
	r.add(2, 250, 21)
	r.add(3, 100, 31)
	if got, want := chunkTags(r.run(t)), "11 21 31 11 21 11 21 "; got != want {
		t.Errorf("chunks %q, want %q", got, want)
	}
}

// TestSchedRoundRobinLateStream: RFC 8260 §3.2: a stream that gets a
// message while another's large message is being cut waits at most for
// the end of that message without interleaving, at most one chunk with
// it.
func TestSchedRoundRobinLateStream(t *testing.T) {
	for _, il := range []bool{false, true} {
		r := newSchedRig(SCTP_SS_RR, il)
		r.perPkt = 1
		r.add(1, 1000, 11) // 10 chunks
		r.add(1, 1000, 12)
		first := r.packet()
		r.add(2, 10, 21)
		all := append(first, r.run(t)...)
		pos := -1
		for i, c := range all {
			if c.tag == 21 {
				pos = i
			}
		}
		want := 10 // after message 11's 10 chunks
		if il {
			// Stream 1, served alone, took its next turn before stream 2
			// joined the ring: one chunk more.
			want = 2
		}
		if pos != want {
			t.Errorf("interleave %v: stream 2's message is chunk %d, want %d: %q", il, pos, want, chunkTags(all))
		}
	}
}

// TestSchedRoundRobinPerPacket: RFC 8260 §3.3: a packet carries the data
// of one stream; the stream changes with every packet.
func TestSchedRoundRobinPerPacket(t *testing.T) {
	for _, il := range []bool{false, true} {
		r := newSchedRig(SCTP_SS_RR_PKT, il)
		for i := range 6 {
			r.add(1, 100, 10+uint32(i))
			r.add(2, 100, 20+uint32(i))
		}
		r.add(3, 100, 30)
		var pkts [][]schedCut
		for {
			p := r.packet()
			if len(p) == 0 {
				break
			}
			pkts = append(pkts, p)
		}
		var streams []uint16
		for _, p := range pkts {
			for _, c := range p {
				if c.stream != p[0].stream {
					t.Fatalf("interleave %v: a packet with streams %d and %d", il, p[0].stream, c.stream)
				}
			}
			streams = append(streams, p[0].stream)
		}
		if got, want := fmt.Sprint(streams), "[1 2 3 1 2]"; got != want {
			t.Errorf("interleave %v: packet streams %s, want %s", il, got, want)
		}
	}
	// Without interleaving a message larger than a packet is finished in
	// the next packet before the turn passes.
	r := newSchedRig(SCTP_SS_RR_PKT, false)
	r.add(1, 600, 11)
	r.add(2, 100, 21)
	if got, want := chunkTags(r.run(t)), "11 11 11 11 11 11 21 "; got != want {
		t.Errorf("chunks %q, want %q", got, want)
	}
}

// TestSchedPriority: RFC 8260 §3.4: the stream with the highest priority
// (lowest value) first, equal priorities round robin; without
// interleaving a started message of a lower priority is finished first.
func TestSchedPriority(t *testing.T) {
	r := newSchedRig(SCTP_SS_PRIO, false)
	r.s.setValue(1, 5)
	r.s.setValue(2, 1)
	r.s.setValue(3, 1)
	r.add(1, 100, 11)
	r.add(2, 100, 21)
	r.add(2, 100, 22)
	r.add(3, 100, 31)
	r.add(3, 100, 32)
	if got, want := tags(r.run(t)), "21 31 22 32 11 "; got != want {
		t.Errorf("messages %q, want %q", got, want)
	}

	for _, il := range []bool{false, true} {
		r := newSchedRig(SCTP_SS_PRIO, il)
		r.perPkt = 1
		r.s.setValue(1, 9)
		r.s.setValue(2, 0)
		r.add(1, 500, 11)
		first := r.packet()
		r.add(2, 100, 21)
		all := append(first, r.run(t)...)
		want := "11 11 11 11 11 21 "
		if il {
			want = "11 21 11 11 11 11 "
		}
		if got := chunkTags(all); got != want {
			t.Errorf("interleave %v: chunks %q, want %q", il, got, want)
		}
	}
}

// servedBytes cuts chunks until budget bytes were sent and returns the
// bytes per stream.
func servedBytes(r *schedRig, budget int) map[uint16]int {
	got := map[uint16]int{}
	total := 0
	for total < budget {
		p := r.packet()
		if len(p) == 0 {
			break
		}
		for _, c := range p {
			got[c.stream] += c.n
			total += c.n
		}
	}
	return got
}

// TestSchedFairBandwidth: RFC 8260 §3.5: streams with messages of
// different sizes get the same capacity in bytes (RR would give the stream
// of large messages ten times more).
func TestSchedFairBandwidth(t *testing.T) {
	for _, il := range []bool{false, true} {
		r := newSchedRig(SCTP_SS_FB, il)
		for i := range 400 {
			r.add(1, 1000, uint32(i))
			r.add(2, 100, uint32(i))
			r.add(2, 100, uint32(i))
		}
		got := servedBytes(r, 40000)
		ratio := float64(got[1]) / float64(got[2])
		if ratio < 0.9 || ratio > 1.1 {
			t.Errorf("interleave %v: bytes %v, ratio %.2f, want about 1", il, got, ratio)
		}
	}
}

// TestSchedWeightedFairQueueing: RFC 8260 §3.6: capacity in proportion to
// the weights (the stream scheduler values).
func TestSchedWeightedFairQueueing(t *testing.T) {
	for _, il := range []bool{false, true} {
		r := newSchedRig(SCTP_SS_WFQ, il)
		r.s.setValue(1, 1)
		r.s.setValue(2, 3)
		// stream 3: weight never set, counts as 1
		for i := range 400 {
			r.add(1, 300, uint32(i))
			r.add(2, 300, uint32(i))
			r.add(3, 300, uint32(i))
		}
		got := servedBytes(r, 50000)
		if q := float64(got[2]) / float64(got[1]); q < 2.7 || q > 3.3 {
			t.Errorf("interleave %v: bytes %v: stream 2 / stream 1 = %.2f, want about 3", il, got, q)
		}
		if q := float64(got[3]) / float64(got[1]); q < 0.9 || q > 1.1 {
			t.Errorf("interleave %v: bytes %v: stream 3 / stream 1 = %.2f, want about 1", il, got, q)
		}
	}
}

// TestSchedIdleStreamBanksNoCredit: RFC 8260 §3.5: a stream idle while
// another sent a lot shares from the moment it has data; it does not get
// the link to itself to catch up.
func TestSchedIdleStreamBanksNoCredit(t *testing.T) {
	r := newSchedRig(SCTP_SS_FB, true)
	for range 100 {
		r.add(1, 100, 1)
	}
	for range 20 {
		r.packet() // 80 of stream 1's 100 chunks
	}
	for range 20 {
		r.add(2, 100, 2)
	}
	got := servedBytes(r, 2000)
	if got[1] < 800 || got[2] < 800 {
		t.Errorf("after stream 2 woke up: bytes %v, want both about 1000", got)
	}
}

// TestSchedVirtualTimeNeverWraps: FB / WFQ virtual time is shifted down
// before it could overflow, keeping the streams' differences.
func TestSchedVirtualTimeNeverWraps(t *testing.T) {
	r := newSchedRig(SCTP_SS_FB, true)
	for range 100 {
		r.add(1, 100, 1)
		r.add(2, 100, 2)
	}
	r.packet()
	r.s.streams[1].vt += vtRebase
	r.s.streams[2].vt += vtRebase
	r.s.vnow += vtRebase
	got := servedBytes(r, 4000)
	if r.s.vnow >= vtRebase || r.s.streams[1].vt >= vtRebase {
		t.Fatalf("virtual time not rebased: now %d, stream 1 %d", r.s.vnow, r.s.streams[1].vt)
	}
	if d := got[1] - got[2]; d < -200 || d > 200 {
		t.Fatalf("bytes after the rebase %v, want equal", got)
	}
}

// TestSchedSwitchKeepsQueue: RFC 8260 §4.3.2: switching the scheduler
// with messages queued keeps every message; FCFS then restores the queue
// order across streams.
func TestSchedSwitchKeepsQueue(t *testing.T) {
	r := newSchedRig(SCTP_SS_RR, false)
	r.add(1, 100, 1)
	r.add(1, 100, 2)
	r.add(2, 100, 3)
	r.add(1, 150, 4)
	r.add(3, 100, 5)
	r.perPkt = 1
	first := r.packet() // message 1
	r.s.setKind(SCTP_SS_FCFS)
	if got, want := tags(append(first, r.run(t)...)), "1 2 3 4 5 "; got != want {
		t.Errorf("messages %q, want %q", got, want)
	}
	// A message partly cut when the scheduler changes is still finished
	// first.
	r = newSchedRig(SCTP_SS_FCFS, false)
	r.perPkt = 1
	r.add(1, 300, 1)
	r.add(2, 100, 2)
	first = r.packet()
	r.s.setKind(SCTP_SS_PRIO)
	r.s.setValue(2, 0)
	r.s.setValue(1, 7)
	if got, want := chunkTags(append(first, r.run(t)...)), "1 1 1 2 "; got != want {
		t.Errorf("chunks %q, want %q", got, want)
	}
}

// TestSchedSwitchToFCFSWithNewerMessageStarted: RR started a message
// newer than one still queued on another stream; after the switch to FCFS
// the started one is finished first (RFC 9260 §6.9), then queue order.
func TestSchedSwitchToFCFSWithNewerMessageStarted(t *testing.T) {
	for _, il := range []bool{false, true} {
		r := newSchedRig(SCTP_SS_RR, il)
		r.perPkt = 1
		r.add(1, 100, 1)
		r.add(1, 100, 2)
		r.add(2, 300, 3)
		var all []schedCut
		all = append(all, r.packet()...) // message 1
		all = append(all, r.packet()...) // first chunk of message 3 (stream 2's turn)
		r.s.setKind(SCTP_SS_FCFS)
		all = append(all, r.run(t)...)
		want := "1 3 3 3 2 "
		if got := chunkTags(all); got != want {
			t.Errorf("interleave %v: chunks %q, want %q", il, got, want)
		}
	}
}

// TestSchedAbandonedMessagesLeaveLazily: a message abandoned while queued
// (PR-SCTP, RFC 3758 §3.5; priority eviction, RFC 7496 §3.2) stays in its
// stream's queue until it reaches the head, then leaves without a chunk
// and without taking a turn.
func TestSchedAbandonedMessagesLeaveLazily(t *testing.T) {
	for _, k := range []StreamScheduler{SCTP_SS_FCFS, SCTP_SS_RR, SCTP_SS_RR_PKT, SCTP_SS_PRIO, SCTP_SS_FB, SCTP_SS_WFQ} {
		r := newSchedRig(k, false)
		r.add(1, 100, 1).abandoned = true
		r.add(1, 100, 2)
		r.add(2, 100, 3).abandoned = true
		r.add(2, 100, 4)
		got := tags(r.run(t))
		if got != "2 4 " && got != "4 2 " {
			t.Errorf("%v: messages %q, want 2 and 4", k, got)
		}
		if r.s.len() != 0 || r.s.nActive != 0 {
			t.Errorf("%v: %d messages, %d streams left", k, r.s.len(), r.s.nActive)
		}
	}
}

// TestSchedIteration: all, started, inOrder and clear see every queued
// message (eviction, stream reset, PR-SCTP expiry and close use them).
func TestSchedIteration(t *testing.T) {
	r := newSchedRig(SCTP_SS_RR, true)
	r.add(4, 300, 1)
	r.add(2, 300, 2)
	r.add(4, 100, 3)
	r.perPkt = 2
	r.packet() // one chunk each of 1 and 2
	n := 0
	for range r.s.all() {
		n++
	}
	var started []uint32
	for m := range r.s.started() {
		started = append(started, m.ppid)
	}
	var order []uint32
	for _, m := range r.s.inOrder() {
		order = append(order, m.ppid)
	}
	if n != 3 || len(started) != 2 || fmt.Sprint(order) != "[1 2 3]" {
		t.Fatalf("all %d, started %v, in order %v", n, started, order)
	}
	r.s.clear()
	if r.s.len() != 0 || r.s.peek(true) != nil || r.s.nActive != 0 {
		t.Fatal("not empty after clear")
	}
	r.add(2, 10, 9)
	if m := r.s.peek(false); m == nil || m.ppid != 9 {
		t.Fatalf("after clear: %v", m)
	}
}

// TestSchedSteadyStateNoAlloc: queueing and scheduling allocate nothing
// per message once the queues have grown (design rule 5).
func TestSchedSteadyStateNoAlloc(t *testing.T) {
	for _, k := range []StreamScheduler{SCTP_SS_FCFS, SCTP_SS_RR, SCTP_SS_RR_PKT, SCTP_SS_PRIO, SCTP_SS_FB, SCTP_SS_WFQ} {
		for _, il := range []bool{false, true} {
			r := newSchedRig(k, il)
			msgs := make([]outMsg, 64)
			cycle := func() {
				for i := range msgs {
					msgs[i] = outMsg{stream: uint16(i % 8), buf: msgs[i].buf[:cap(msgs[i].buf)]}
					r.s.push(&msgs[i])
				}
				for r.s.len() > 0 {
					// r.packet without recording the chunks
					for range r.perPkt {
						m := r.s.peek(r.interleave)
						if m == nil {
							break
						}
						n := min(len(m.buf)-m.off, r.frag)
						m.off += n
						r.s.sent(m, n, r.interleave)
						if m.off == len(m.buf) {
							r.s.pop(m, r.interleave)
						}
					}
					r.s.packetDone()
				}
			}
			for i := range msgs {
				msgs[i].buf = make([]byte, 50+i*10)
			}
			cycle()
			if a := testing.AllocsPerRun(50, cycle); a != 0 {
				t.Errorf("%v interleave %v: %v allocs per 64 messages, want 0", k, il, a)
			}
		}
	}
}

func TestParseStreamScheduler(t *testing.T) {
	for _, c := range []struct {
		in   string
		want StreamScheduler
	}{{"fcfs", SCTP_SS_FCFS}, {"RR", SCTP_SS_RR}, {"rr-pkt", SCTP_SS_RR_PKT}, {"SCTP_SS_PRIO", SCTP_SS_PRIO}, {"fb", SCTP_SS_FB}, {"wfq", SCTP_SS_WFQ}} {
		k, err := ParseStreamScheduler(c.in)
		if err != nil || k != c.want || k.String() == "" {
			t.Errorf("%q: %v, %v", c.in, k, err)
		}
	}
	if _, err := ParseStreamScheduler("lifo"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("lifo: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Engine level: the data path with its scheduler (streams.go).

// schedSendAll sends everything queued in d, acknowledging every round so
// cwnd opens, and returns the DATA chunks in TSN order.
func schedSendAll(t *testing.T, d *dataState, now time.Time) []chunk.Data {
	t.Helper()
	var all []chunk.Data
	for round := 0; !d.flushed(); round++ {
		if round > 10000 {
			t.Fatal("never flushed")
		}
		all = append(all, sendAll(t, d, now)...)
		mustSack(t, d, now, d.snd.nextTSN-1, 1<<20)
	}
	return all
}

// smallAfterLarge queues two 64 KiB messages on stream 1, sends one
// packet, queues a 100-byte message on stream 2, and returns all chunks
// sent and the index of the small message's chunk.
func smallAfterLarge(t *testing.T, k StreamScheduler, interleave bool) ([]chunk.Data, int) {
	t.Helper()
	cfg := testDataConfig()
	cfg.sched = k
	d := newTestDataState(cfg, dataT0)
	d.snd.interleave = interleave
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, ppid: 1, data: payload(64<<10, 1)})
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, ppid: 2, data: payload(64<<10, 2)})
	first := sendPacket(t, d, dataT0)
	mustEnqueue(t, d, dataT0, outMessage{stream: 2, ppid: 3, data: payload(100, 3)})
	all := append(first, schedSendAll(t, d, dataT0)...)
	pos := -1
	for i, c := range all {
		if c.Stream == 2 {
			pos = i
		}
	}
	if pos < 0 {
		t.Fatal("the small message was never sent")
	}
	for i := 1; i < len(all); i++ {
		if all[i].TSN != all[i-1].TSN+1 {
			t.Fatalf("TSNs not consecutive at %d", i)
		}
	}
	return all, pos
}

// TestSchedEngineRoundRobinSmallNotBehindLarge: RFC 8260 §3.2 with DATA:
// a 100-byte message on stream 2 queued while a 64 KiB message on stream 1
// is being sent waits for that message only, not the one behind it (FCFS,
// §3.1, sends both first). Every message's fragments keep consecutive TSNs
// (RFC 9260 §6.9).
func TestSchedEngineRoundRobinSmallNotBehindLarge(t *testing.T) {
	all, pos := smallAfterLarge(t, SCTP_SS_RR, false)
	perMsg := 0
	for _, c := range all {
		if c.Stream == 1 && c.PPID == 1 {
			perMsg++
		}
	}
	if pos != perMsg {
		t.Errorf("RR: small message is chunk %d, want %d (right after the first large message)", pos, perMsg)
	}
	// Fragments of each message are consecutive, B first, E last.
	for i, c := range all {
		if c.Stream != 1 {
			continue
		}
		if i > 0 && !c.Beginning && (all[i-1].PPID != c.PPID || all[i-1].Stream != 1) {
			t.Fatalf("chunk %d: fragment of message %d after one of another message", i, c.PPID)
		}
	}
	all, pos = smallAfterLarge(t, SCTP_SS_FCFS, false)
	if pos != len(all)-1 {
		t.Errorf("FCFS: small message is chunk %d of %d, want last", pos, len(all))
	}
}

// TestSchedEngineInterleaveSmallNotBehindLarge: RFC 8260 §3.2 with
// interleaving (sendState.interleave, set from the I-DATA negotiation): the
// small message waits at most one chunk.
func TestSchedEngineInterleaveSmallNotBehindLarge(t *testing.T) {
	all, pos := smallAfterLarge(t, SCTP_SS_RR, true)
	first := 0
	for _, c := range all {
		if c.Stream == 1 && c.PPID == 1 {
			first++
		}
	}
	// The first packet already went; the next chunk after it (at most one
	// more stream 1 chunk) is the small message.
	firstPkt := (cfgMTUChunks(testDataConfig()))
	if pos > firstPkt+1 {
		t.Errorf("interleave: small message is chunk %d, want at most %d (first packet + one chunk); %d chunks of message 1", pos, firstPkt+1, first)
	}
	if pos >= first {
		t.Errorf("interleave: small message after all of message 1 (chunk %d)", pos)
	}
}

// cfgMTUChunks is how many full chunks one packet carries.
func cfgMTUChunks(c dataTestConfig) int {
	room := c.mtu - commonHeaderLenData
	return room / (dataChunkHeaderLen + c.assocConfig.fragmentationPoint())
}

// TestSchedEngineAllSchedulersDeliverEverything: under every scheduler,
// with and without interleaving, every message's data goes out exactly
// once, each stream's messages in order with their SSNs 0, 1, 2, ...
// (RFC 9260 §6.5), and the send buffer accounting returns to 0.
func TestSchedEngineAllSchedulersDeliverEverything(t *testing.T) {
	for _, k := range []StreamScheduler{SCTP_SS_FCFS, SCTP_SS_RR, SCTP_SS_RR_PKT, SCTP_SS_PRIO, SCTP_SS_FB, SCTP_SS_WFQ} {
		for _, il := range []bool{false, true} {
			cfg := testDataConfig()
			cfg.sched = k
			d := newTestDataState(cfg, dataT0)
			d.snd.interleave = il
			d.snd.pending.setValue(3, 2)
			sizes := map[uint32]int{}
			for i := range 60 {
				n := 50 + (i*977)%5000
				sizes[uint32(i)] = n
				mustEnqueue(t, d, dataT0, outMessage{stream: uint16(i % 5), ppid: uint32(i), data: payload(n, byte(i))})
			}
			all := schedSendAll(t, d, dataT0)
			got := map[uint32]int{}
			nextSSN := map[uint16]uint16{}
			for _, c := range all {
				got[c.PPID] += len(c.UserData)
				if c.Beginning {
					if c.SSN != nextSSN[c.Stream] {
						t.Fatalf("%v/%v: stream %d SSN %d, want %d", k, il, c.Stream, c.SSN, nextSSN[c.Stream])
					}
					nextSSN[c.Stream]++
				}
			}
			for p, n := range sizes {
				if got[p] != n {
					t.Fatalf("%v/%v: message %d: %d of %d bytes", k, il, p, got[p], n)
				}
			}
			if d.snd.queued != 0 || d.snd.pending.len() != 0 {
				t.Fatalf("%v/%v: queued %d bytes, %d messages after all acked", k, il, d.snd.queued, d.snd.pending.len())
			}
		}
	}
}

// TestSchedEnginePriorityAndEviction: RFC 8260 §3.4 and RFC 7496 §3.2
// together: an evicted low-priority message never goes out, the high
// priority stream first.
func TestSchedEnginePriorityAndEviction(t *testing.T) {
	cfg := testDataConfig()
	cfg.sched = SCTP_SS_PRIO
	cfg.sndBuf = 4000
	cfg.negotiated.forwardTSN = true
	d := newTestDataState(cfg, dataT0)
	d.snd.pending.setValue(1, 3)
	d.snd.pending.setValue(2, 0)
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, ppid: 1, data: payload(1500, 1), prPolicy: SCTP_PR_SCTP_PRIO, prValue: 9})
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, ppid: 2, data: payload(1500, 2), prPolicy: SCTP_PR_SCTP_PRIO, prValue: 9})
	// Does not fit: evicts one of the priority-9 messages.
	mustEnqueue(t, d, dataT0, outMessage{stream: 2, ppid: 3, data: payload(1000, 3), prPolicy: SCTP_PR_SCTP_PRIO, prValue: 1})
	all := schedSendAll(t, d, dataT0)
	var order []uint32
	for _, c := range all {
		if c.Beginning {
			order = append(order, c.PPID)
		}
	}
	if fmt.Sprint(order) != "[3 2]" && fmt.Sprint(order) != "[3 1]" {
		t.Fatalf("messages sent %v, want 3 then one of 1, 2", order)
	}
	if d.snd.queued != 0 {
		t.Fatalf("queued %d after everything acked", d.snd.queued)
	}
}

// TestSchedEngineDrainSendInQueueOrder: closing reports the queued
// messages once each, in the order they were queued, whatever the
// scheduler (RFC 6458 §6.1.11).
func TestSchedEngineDrainSendInQueueOrder(t *testing.T) {
	cfg := testDataConfig()
	cfg.sched = SCTP_SS_RR
	d := newTestDataState(cfg, dataT0)
	for i := range 6 {
		mustEnqueue(t, d, dataT0, outMessage{stream: uint16(5 - i%3), ppid: uint32(i), data: payload(3000, byte(i))})
	}
	sendPacket(t, d, dataT0)
	var got []uint32
	d.drainSend(func(m outMessage, sent bool) { got = append(got, m.ppid) })
	if fmt.Sprint(got) != "[0 1 2 3 4 5]" {
		t.Fatalf("drained %v", got)
	}
	if !d.idle() || d.snd.queued != 0 {
		t.Fatalf("not idle after drain: %d queued", d.snd.queued)
	}
}

// TestSchedEngineMultiStreamSteadyStateAllocs: the send+SACK cycle of
// messages on several streams allocates nothing under each scheduler.
func TestSchedEngineMultiStreamSteadyStateAllocs(t *testing.T) {
	for _, k := range []StreamScheduler{SCTP_SS_FCFS, SCTP_SS_RR, SCTP_SS_RR_PKT, SCTP_SS_PRIO, SCTP_SS_FB, SCTP_SS_WFQ} {
		cfg := testDataConfig()
		cfg.sched = k
		d := newTestDataState(cfg, dataT0)
		now := dataT0
		msg := payload(3000, 1)
		pkt := make([]byte, 0, 2048)
		var sack chunk.Sack
		cycle := func() {
			now = now.Add(time.Millisecond)
			for s := range uint16(4) {
				if err := d.enqueue(now, outMessage{stream: s, data: msg}); err != nil {
					t.Fatal(err)
				}
			}
			for !d.idle() {
				for {
					pkt = d.appendData(now, pkt[:0], packetRoom(d))
					if len(pkt) == 0 {
						break
					}
				}
				sack.CumTSNAck, sack.ARwnd = d.snd.nextTSN-1, 1<<20
				if err := d.handleSack(now, &sack); err != nil {
					t.Fatal(err)
				}
			}
		}
		for range 50 {
			cycle()
		}
		if a := testing.AllocsPerRun(100, cycle); a != 0 {
			t.Errorf("%v: %v allocs per cycle, want 0", k, a)
		}
	}
}

// scriptedOrder runs a scripted peer that acknowledges every DATA chunk
// and returns the DATA chunks the association sent, in TSN order, after
// setup ran (it queues the messages).
func scriptedOrder(t *testing.T, setup func(a *association, now time.Time)) []chunk.Data {
	t.Helper()
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	setup(tp.assoc, tp.now)
	tp.collect()
	var all []chunk.Data
	for round := 0; round < 1000; round++ {
		if len(tp.sent) == 0 {
			break
		}
		var last uint32
		for len(tp.sent) > 0 {
			p := tp.readPacket()
			for _, c := range p.chunks {
				if c.Type != chunk.TypeData {
					continue
				}
				d := decodeAs(t, c, &chunk.Data{})
				d.UserData = nil
				all = append(all, *d)
				last = d.TSN
			}
		}
		tp.write(tp.epTag, &chunk.Sack{CumTSNAck: last, ARwnd: 1 << 20})
		tp.collect()
	}
	return all
}

// TestSchedScriptedPeerRoundRobin: RFC 8260 §3.2 through an association
// and a scripted peer: with SCTP_SS_RR (set on the live association) a
// small message on stream 2 queued behind two 20 KB messages on stream 1
// goes out right after the first of them (a message's fragments stay on
// consecutive TSNs, RFC 9260 §6.9); with FCFS (§3.1) after both.
func TestSchedScriptedPeerRoundRobin(t *testing.T) {
	for _, k := range []StreamScheduler{SCTP_SS_RR, SCTP_SS_FCFS} {
		all := scriptedOrder(t, func(a *association, now time.Time) {
			if err := a.setStreamScheduler(k); err != nil {
				t.Fatal(err)
			}
			for i, m := range []outMessage{
				{stream: 1, ppid: 1, data: make([]byte, 20000)},
				{stream: 1, ppid: 2, data: make([]byte, 20000)},
				{stream: 2, ppid: 3, data: []byte("small")},
			} {
				if err := a.send(now, m); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
		})
		var msgs []uint32
		for i, c := range all {
			if i > 0 && c.TSN != all[i-1].TSN+1 {
				t.Fatalf("%v: TSN %d after %d", k, c.TSN, all[i-1].TSN)
			}
			if c.Beginning {
				msgs = append(msgs, c.PPID)
			}
			if !c.Beginning && all[i-1].PPID != c.PPID {
				t.Fatalf("%v: fragment of message %d after message %d", k, c.PPID, all[i-1].PPID)
			}
		}
		want := "[1 3 2]"
		if k == SCTP_SS_FCFS {
			want = "[1 2 3]"
		}
		if fmt.Sprint(msgs) != want {
			t.Errorf("%v: messages in TSN order %v, want %s", k, msgs, want)
		}
	}
}

// TestSchedScriptedPeerPriority: RFC 8260 §3.4 through an association: the
// stream scheduler value set on the live association orders the streams.
func TestSchedScriptedPeerPriority(t *testing.T) {
	all := scriptedOrder(t, func(a *association, now time.Time) {
		if err := a.setStreamScheduler(SCTP_SS_PRIO); err != nil {
			t.Fatal(err)
		}
		for s, prio := range map[uint16]uint16{0: 7, 1: 3, 2: 5} {
			if err := a.setStreamSchedulerValue(s, prio); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.setStreamSchedulerValue(99, 1); !errors.Is(err, ErrInvalidStream) {
			t.Fatalf("stream 99: %v", err)
		}
		for s := range uint16(3) {
			if err := a.send(now, outMessage{stream: s, ppid: uint32(s), data: make([]byte, 3000)}); err != nil {
				t.Fatal(err)
			}
		}
	})
	var streams []uint16
	for _, c := range all {
		if c.Beginning {
			streams = append(streams, c.Stream)
		}
	}
	if fmt.Sprint(streams) != "[1 2 0]" {
		t.Errorf("streams in TSN order %v, want [1 2 0] (priorities 3, 5, 7)", streams)
	}
}

// TestSchedEngineHeldStreamParked: RFC 6525 §5.1.2 A1 with a scheduler:
// messages of a stream waiting for its reset are parked outside the
// scheduler (the other streams go on), and join it in order when released.
func TestSchedEngineHeldStreamParked(t *testing.T) {
	cfg := testDataConfig()
	cfg.sched = SCTP_SS_RR
	d := newTestDataState(cfg, dataT0)
	d.rc.addHold([]uint16{1}, d.outStreams, 1)
	for i := range 4 {
		mustEnqueue(t, d, dataT0, outMessage{stream: uint16(1 + i%2), ppid: uint32(i), data: payload(2000, byte(i))})
	}
	if d.snd.pending.len() != 2 || len(d.rc.held) != 2 {
		t.Fatalf("%d scheduled, %d parked; want 2 and 2", d.snd.pending.len(), len(d.rc.held))
	}
	for _, c := range schedSendAll(t, d, dataT0) {
		if c.Stream != 2 {
			t.Fatalf("stream %d sent while held", c.Stream)
		}
	}
	if d.idle() {
		t.Fatal("idle with parked messages")
	}
	d.rc.addHold([]uint16{1}, d.outStreams, -1)
	d.releaseHeld()
	var ppids []uint32
	for _, c := range schedSendAll(t, d, dataT0) {
		if c.Beginning {
			ppids = append(ppids, c.PPID)
		}
	}
	if fmt.Sprint(ppids) != "[0 2]" || !d.idle() || d.snd.queued != 0 {
		t.Fatalf("after release: messages %v, idle %v, queued %d", ppids, d.idle(), d.snd.queued)
	}
}

// TestSchedEngineInterleaveExpiry: RFC 3758 §3.5 with interleaving: every
// partly sent message past its lifetime is abandoned, not only one (with
// I-DATA several streams can have a message in progress).
func TestSchedEngineInterleaveExpiry(t *testing.T) {
	cfg := testDataConfig()
	cfg.sched = SCTP_SS_RR
	cfg.negotiated.forwardTSN = true
	d := newTestDataState(cfg, dataT0)
	d.snd.interleave = true
	for s := range uint16(2) {
		mustEnqueue(t, d, dataT0, outMessage{stream: s + 1, ppid: uint32(s), data: payload(10000, 1), ttl: 100 * time.Millisecond})
	}
	first := append(sendPacket(t, d, dataT0), sendPacket(t, d, dataT0)...)
	if len(first) != 2 || first[0].Stream == first[1].Stream {
		t.Fatalf("the first two packets do not interleave the streams: %d chunks", len(first))
	}
	mustSack(t, d, dataT0, first[len(first)-1].TSN, 1<<20)
	later := dataT0.Add(200 * time.Millisecond)
	sent := decodeSent(t, d.appendData(later, nil, packetRoom(d)))
	if len(sent.data) != 0 || len(sent.fwds) != 1 {
		t.Fatalf("after expiry: %d DATA, %d FORWARD TSN; want only a FORWARD TSN", len(sent.data), len(sent.fwds))
	}
	n := 0
	for {
		if _, ok := d.popAbandoned(); !ok {
			break
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d messages abandoned, want 2", n)
	}
}
