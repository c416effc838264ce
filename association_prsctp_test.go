package sctp

import (
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

func prConfig() dataTestConfig {
	cfg := testDataConfig()
	cfg.forwardTSN = true
	return cfg
}

func TestPRSCTPAbandonUnsent(t *testing.T) {
	d := newTestDataState(prConfig(), dataT0)
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, data: []byte("late"), ttl: 100 * time.Millisecond, context: 42})
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, data: []byte("reliable")})
	now := dataT0.Add(150 * time.Millisecond)
	s := decodeSent(t, d.appendData(now, nil, packetRoom(d)))
	if len(s.fwds) != 0 || len(s.data) != 1 || string(s.data[0].UserData) != "reliable" || s.data[0].SSN != 0 {
		t.Fatalf("sent %+v", s)
	}
	m, ok := d.popAbandoned()
	if !ok || m.context != 42 || m.stream != 1 {
		t.Fatalf("popAbandoned = %+v %v", m, ok)
	}
	if _, ok := d.popAbandoned(); ok {
		t.Fatal("abandoned twice")
	}
	// Without PR-SCTP negotiated, ttl is ignored.
	d2 := newTestDataState(testDataConfig(), dataT0)
	mustEnqueue(t, d2, dataT0, outMessage{stream: 1, data: []byte("late"), ttl: time.Millisecond})
	if got := sendPacket(t, d2, now); len(got) != 1 {
		t.Fatalf("ttl applied without PR-SCTP: %v", tsns(got))
	}
}

func TestPRSCTPForwardTSN(t *testing.T) {
	d := newTestDataState(prConfig(), dataT0)
	big := payload(3000, 1) // three fragments: TSN 1000–1002
	mustEnqueue(t, d, dataT0, outMessage{stream: 3, data: big, ttl: 100 * time.Millisecond, context: 7})
	mustEnqueue(t, d, dataT0, outMessage{stream: 5, unordered: true, data: []byte("u"), ttl: 100 * time.Millisecond, context: 8})
	mustEnqueue(t, d, dataT0, outMessage{stream: 4, data: []byte("keep")})
	p := sendAll(t, d, dataT0)
	if len(p) != 5 {
		t.Fatalf("sent %v", tsns(p))
	}
	// Everything is lost except "keep" (TSN 1004), gap-acked.
	if err := d.handleSack(dataT0, sackOf(999, 1<<20, chunk.GapBlock{Start: 5, End: 5})); err != nil {
		t.Fatal(err)
	}
	now := dataT0.Add(200 * time.Millisecond)
	s := decodeSent(t, d.appendData(now, nil, packetRoom(d)))
	// RFC 3758 §3.5 C3: FORWARD TSN to the last abandoned TSN, with the
	// ordered message's stream and SSN; nothing is retransmitted.
	if len(s.fwds) != 1 || len(s.data) != 0 {
		t.Fatalf("sent %d FORWARD TSN, %d DATA", len(s.fwds), len(s.data))
	}
	f := s.fwds[0]
	if f.NewCumTSN != 1003 || len(f.Streams) != 1 || f.Streams[0] != (chunk.ForwardTSNStream{Stream: 3, SSN: 0}) {
		t.Fatalf("FORWARD TSN %+v", f)
	}
	var ctxs []uint32
	for {
		m, ok := d.popAbandoned()
		if !ok {
			break
		}
		ctxs = append(ctxs, m.context)
	}
	if len(ctxs) != 2 || ctxs[0] != 7 || ctxs[1] != 8 {
		t.Fatalf("abandoned contexts %v", ctxs)
	}
	if st := d.stats(); st.flight != 0 || st.abandonedMessages != 2 {
		t.Fatalf("stats %+v", st)
	}
	// The peer's SACK after the FORWARD TSN acks everything.
	if err := d.handleSack(now, sackOf(1004, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if !d.idle() || d.stats().queuedBytes != 0 {
		t.Fatalf("not idle: %+v", d.stats())
	}
	// A FORWARD TSN lost: T3 re-sends it (C4).
	mustEnqueue(t, d, now, outMessage{stream: 3, data: []byte("x"), ttl: 50 * time.Millisecond})
	sendAll(t, d, now)
	now = now.Add(60 * time.Millisecond)
	if s := decodeSent(t, d.appendData(now, nil, packetRoom(d))); len(s.fwds) != 1 || s.fwds[0].Streams[0].SSN != 1 {
		t.Fatalf("FORWARD TSN %+v", s.fwds)
	}
	now = d.deadline()
	d.handleTimeout(now)
	if s := decodeSent(t, d.appendData(now, nil, packetRoom(d))); len(s.fwds) != 1 || s.fwds[0].NewCumTSN != 1005 || len(s.data) != 0 {
		t.Fatalf("after T3: %+v", s)
	}
}

// TestPRSCTPAbandonPartlySent: a message abandoned after some fragments
// were sent and acked still needs a FORWARD TSN, or the receiver would wait
// for its missing fragments forever.
func TestPRSCTPAbandonPartlySent(t *testing.T) {
	d := newTestDataState(prConfig(), dataT0)
	mustEnqueue(t, d, dataT0, outMessage{stream: 2, data: payload(3000, 1), ttl: 100 * time.Millisecond})
	// Only one fragment fits this packet's room.
	p := decodeSent(t, d.appendData(dataT0, nil, 1184)).data
	if len(p) != 1 || !p[0].Beginning || p[0].Ending {
		t.Fatalf("sent %v", tsns(p))
	}
	if err := d.handleSack(dataT0, sackOf(1000, 1<<20)); err != nil {
		t.Fatal(err)
	}
	now := dataT0.Add(200 * time.Millisecond)
	s := decodeSent(t, d.appendData(now, nil, packetRoom(d)))
	if len(s.data) != 0 || len(s.fwds) != 1 || s.fwds[0].NewCumTSN != 1001 ||
		len(s.fwds[0].Streams) != 1 || s.fwds[0].Streams[0] != (chunk.ForwardTSNStream{Stream: 2, SSN: 0}) {
		t.Fatalf("sent %+v", s)
	}
	if err := d.handleSack(now, sackOf(1001, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if !d.idle() || d.stats().queuedBytes != 0 {
		t.Fatalf("not idle: %+v", d.stats())
	}
	// The next message on the stream uses SSN 1 and TSN 1002.
	mustEnqueue(t, d, now, outMessage{stream: 2, data: []byte("n")})
	if p := sendPacket(t, d, now); len(p) != 1 || p[0].TSN != 1002 || p[0].SSN != 1 {
		t.Fatalf("next message %+v", p)
	}
}

func TestHandleForwardTSN(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	// Stream 2 SSN 0: first fragment only; SSN 1 complete behind it.
	// An unordered partial message at 5004.
	recvPacket(t, d, dataT0,
		fragIn(5000, 2, 0, true, false, false, "part"),
		dataIn(5003, 2, 1, "after"),
		fragIn(5004, 6, 0, true, false, true, "u-part"),
		dataIn(5006, 7, 0, "s7"),
	)
	takeSack(t, d)
	if got := readAll(t, d); len(got) != 1 || got[0] != "7/0:s7" {
		t.Fatalf("before FORWARD TSN: %q", got)
	}
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5005, Streams: []chunk.ForwardTSNStream{{Stream: 2, SSN: 0}}})
	if !d.sackDue(dataT0) {
		t.Fatal("no SACK after FORWARD TSN")
	}
	if got, want := readAll(t, d), []string{"2/1:after"}; !eqStrings(got, want) {
		t.Fatalf("after FORWARD TSN: %q, want %q", got, want)
	}
	if d.cumTSNAck() != 5006 || d.stats().bufferedBytes != 0 {
		t.Fatalf("cum=%d buffered=%d", d.cumTSNAck(), d.stats().bufferedBytes)
	}
	// Old, absurd and invalid-stream FORWARD TSNs change nothing.
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5001})
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5006 + 1<<30})
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5007, Streams: []chunk.ForwardTSNStream{{Stream: 999, SSN: 3}}})
	if d.cumTSNAck() != 5007 {
		t.Fatalf("cum=%d", d.cumTSNAck())
	}
	// Later data on stream 2 continues at SSN 2.
	recvPacket(t, d, dataT0, dataIn(5008, 2, 2, "next"))
	if got, want := readAll(t, d), []string{"2/2:next"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
