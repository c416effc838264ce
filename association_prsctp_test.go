package sctp

import (
	"strings"
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
	// Without PR-SCTP negotiated, a TTL still expires a message none of
	// which was sent (RFC 6458 sinfo_timetolive), and it is reported.
	d2 := newTestDataState(testDataConfig(), dataT0)
	mustEnqueue(t, d2, dataT0, outMessage{stream: 1, data: []byte("late"), ttl: time.Millisecond, context: 9})
	if got := sendPacket(t, d2, now); len(got) != 0 {
		t.Fatalf("expired unsent message sent without PR-SCTP: %v", tsns(got))
	}
	if m, ok := d2.popAbandoned(); !ok || m.context != 9 {
		t.Fatalf("popAbandoned = %+v %v", m, ok)
	}
	// ... but a message partly sent is not abandoned: the peer could
	// never skip it without FORWARD TSN.
	mustEnqueue(t, d2, now, outMessage{stream: 1, data: payload(3000, 1), ttl: time.Millisecond})
	first := sendPacket(t, d2, now)
	if len(first) == 0 {
		t.Fatal("nothing sent")
	}
	later := now.Add(time.Second)
	rest := sendAll(t, d2, later)
	if len(first)+len(rest) != 3 || d2.st.abandonedMessages != 1 {
		t.Fatalf("without PR-SCTP after a partial send: %d+%d fragments sent, %d abandoned; want 3 and 1",
			len(first), len(rest), d2.st.abandonedMessages)
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
	mustSack(t, d, dataT0, 999, 1<<20, chunk.GapBlock{Start: 5, End: 5})
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
	mustSack(t, d, now, 1004, 1<<20)
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
	mustSack(t, d, dataT0, 1000, 1<<20)
	now := dataT0.Add(200 * time.Millisecond)
	s := decodeSent(t, d.appendData(now, nil, packetRoom(d)))
	if len(s.data) != 0 || len(s.fwds) != 1 || s.fwds[0].NewCumTSN != 1001 ||
		len(s.fwds[0].Streams) != 1 || s.fwds[0].Streams[0] != (chunk.ForwardTSNStream{Stream: 2, SSN: 0}) {
		t.Fatalf("sent %+v", s)
	}
	mustSack(t, d, now, 1001, 1<<20)
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

// TestForwardTSNWorkBounded: a FORWARD TSN listing one stream hundreds of
// times scans that stream's buffered fragments once (at the highest SSN
// listed), and entries behind the stream's next SSN scan nothing (RFC 3758
// §3.6; hostile input must not cost entries × fragments).
func TestForwardTSNWorkBounded(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	const nfrags = 3000
	// TSN 5000 and 5001 (stream 0 SSN 0 and 1) are missing: SSN 2..3001
	// stay buffered, also after SSN 0 is skipped.
	for i := 0; i < nfrags; i++ {
		if v := d.handleData(dataT0, dataIn(5002+uint32(i), 0, uint16(2+i), "x")); v != dataOK {
			t.Fatalf("fragment %d: verdict %v", i, v)
		}
	}
	d.endOfPacket(dataT0)
	if got := readAll(t, d); len(got) != 0 {
		t.Fatalf("delivered %d before FORWARD TSN", len(got))
	}
	entries := make([]chunk.ForwardTSNStream, 360)
	for i := range entries {
		entries[i] = chunk.ForwardTSNStream{Stream: 0, SSN: 0}
	}
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5000, Streams: entries})
	if d.fwdScanned > nfrags {
		t.Fatalf("scanned %d fragments for %d entries on one stream with %d buffered, want ≤ %d", d.fwdScanned, len(entries), nfrags, nfrags)
	}
	if _, ok := d.readMessage(); ok {
		t.Fatal("delivered past the missing SSN 1")
	}
	// SSN 1 arrives: everything is delivered.
	recvPacket(t, d, dataT0, dataIn(5001, 0, 1, "x"))
	n := 0
	for ; n <= nfrags+1; n++ {
		if _, ok := d.readMessage(); !ok {
			break
		}
	}
	if n != nfrags+1 || d.cumTSNAck() != 5001+nfrags {
		t.Fatalf("delivered %d, cum %d", n, d.cumTSNAck())
	}
	// Entries behind the next SSN scan nothing.
	scanned := d.fwdScanned
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5001 + nfrags, Streams: entries})
	if d.fwdScanned != scanned {
		t.Fatalf("stale entries scanned %d fragments", d.fwdScanned-scanned)
	}
	// Several SSNs for one stream: the highest wins, in any order.
	recvPacket(t, d, dataT0,
		fragIn(5000+nfrags+2, 1, 2, true, false, false, "p2"),
		dataIn(5000+nfrags+4, 1, 3, "s3"),
	)
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5001 + nfrags + 3, Streams: []chunk.ForwardTSNStream{
		{Stream: 1, SSN: 0}, {Stream: 1, SSN: 2}, {Stream: 1, SSN: 1},
	}})
	if got, want := readAll(t, d), []string{"1/3:s3"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if d.stats().bufferedBytes != 0 {
		t.Fatalf("buffered %d", d.stats().bufferedBytes)
	}
}

func TestPRSCTPAbandonSendFailed(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.prSCTP = true
	init := tp.startConnect(cfg)
	if _, ok := findParam(t, init.Params, chunk.ParamForwardTSNSupported); !ok {
		t.Fatal("INIT lacks Forward-TSN-Supported with PR-SCTP on")
	}
	tp.answerInit(chunk.AppendParam(nil, chunk.ParamForwardTSNSupported, nil))
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	d := tp.sendData(outMessage{stream: 1, ppid: 3, context: 42, ttl: 100 * time.Millisecond, data: []byte("ephemeral")})
	// No SACK: T3 expires after the lifetime, the message is abandoned.
	var fwd *chunk.ForwardTSN
	for i := 0; i < 5 && fwd == nil; i++ {
		tp.advanceToTimer()
		for _, p := range tp.sent {
			for _, c := range p.chunks {
				if c.Type == chunk.TypeForwardTSN {
					fwd = decodeAs(t, c, &chunk.ForwardTSN{})
				}
			}
		}
		tp.sent = nil
	}
	if fwd == nil || fwd.NewCumTSN != d.TSN {
		t.Fatalf("FORWARD TSN %+v, want new cum TSN %d", fwd, d.TSN)
	}
	ev := tp.wantEvent(SendFailed{}).(SendFailed)
	if ev.Stream != 1 || ev.PPID != 3 || ev.Context != 42 || ev.Err != ErrMessageAbandoned {
		t.Fatalf("event %+v", ev)
	}
}

func TestForwardTSNReceivedWithPRSCTP(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.prSCTP = true
	tp.listen(cfg)
	ack := tp.initAndGetCookie(chunk.AppendParam(nil, chunk.ParamForwardTSNSupported, nil))
	tp.epTag = ack.InitiateTag
	tp.write(tp.epTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	tp.wantPacket(tp.peerTag, chunk.TypeCookieAck)
	// The peer abandoned TSNs 1000–1002 and moves the cumulative point.
	tp.write(tp.epTag, &chunk.ForwardTSN{NewCumTSN: 1002})
	tp.advance(time.Second)
	p := tp.wantPacket(tp.peerTag, chunk.TypeSack)
	if s := decodeAs(t, p.chunks[0], &chunk.Sack{}); s.CumTSNAck != 1002 {
		t.Fatalf("SACK cum %d, want 1002", s.CumTSNAck)
	}
}

// A FORWARD TSN that aborts a partial delivery also drops the message's
// fragments still buffered beyond the gap (RFC 3758 §3.6). They used to
// stay, holding receive window for good (seeded property test, seed 848:
// a 1,500-byte window stalled at zero).
func TestForwardTSNAbortedPartialDropsFragments(t *testing.T) {
	cfg := testDataConfig()
	cfg.rwnd = 4300
	d := newTestDataState(cfg, dataT0)
	frag := string(payload(1000, 1))
	recvPacket(t, d, dataT0,
		fragIn(5000, 0, 0, true, false, false, frag),
		fragIn(5001, 0, 0, false, false, false, frag),
		fragIn(5002, 0, 0, false, false, false, frag),
		fragIn(5003, 0, 0, false, false, false, frag),
	)
	for {
		if _, ok := d.readMessage(); !ok {
			break
		}
	}
	if !d.rcv.pd.active {
		t.Fatal("no partial delivery running")
	}
	// 5004 is lost; 5005 and 5006 of the same message arrive.
	recvPacket(t, d, dataT0, fragIn(5005, 0, 0, false, false, false, "x"), fragIn(5006, 0, 0, false, false, false, "y"))
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5007, Streams: []chunk.ForwardTSNStream{{Stream: 0, SSN: 0}}})
	if m, ok := d.readMessage(); !ok || !m.aborted {
		t.Fatalf("abort notice %+v %v", m, ok)
	}
	if st := d.stats(); st.bufferedBytes != 0 || len(d.rcv.streams[0].frags) != 0 {
		t.Fatalf("after the abort %d bytes, %d fragments of the abandoned message held", st.bufferedBytes, len(d.rcv.streams[0].frags))
	}
	recvPacket(t, d, dataT0, dataIn(5008, 0, 1, "next"))
	if got, want := readAll(t, d), []string{"0/1:next"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// A FORWARD TSN that predates a stream reset (a retransmission or a
// reordered copy arriving after the reset was performed) does not move
// the restarted stream's SSNs (RFC 6525 §5.2.2: everything up to the
// Sender's Last Assigned TSN had arrived). It used to skip the new
// numbering's first messages as stale: silently lost (seeded property
// test, seed 1278). Likewise for I-FORWARD TSN and MIDs.
func TestForwardTSNOlderThanStreamReset(t *testing.T) {
	for _, idata := range []bool{false, true} {
		cfg := prConfig()
		cfg.negotiated.idata = idata
		d := newTestDataState(cfg, dataT0)
		recv := func(tsn uint32, seq uint16, s string) {
			t.Helper()
			var v dataVerdict
			if idata {
				v = d.handleIData(dataT0, &chunk.IData{TSN: tsn, Stream: 2, MID: uint32(seq), Beginning: true, Ending: true, UserData: []byte(s)})
			} else {
				v = d.handleData(dataT0, dataIn(tsn, 2, seq, s))
			}
			if v != dataOK {
				t.Fatalf("TSN %d: %v", tsn, v)
			}
		}
		fwd := func() {
			if idata {
				d.handleIForwardTSN(dataT0, &chunk.IForwardTSN{NewCumTSN: 5002, Streams: []chunk.IForwardTSNStream{{Stream: 2, MID: 1}}})
			} else {
				d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5002, Streams: []chunk.ForwardTSNStream{{Stream: 2, SSN: 1}}})
			}
		}
		recv(5000, 0, "a")
		fwd() // 5001-5002: SSN 1 abandoned
		if got, want := readAll(t, d), []string{"2/0:a"}; !eqStrings(got, want) {
			t.Fatalf("idata %v: got %q, want %q", idata, got, want)
		}
		d.resetInSSNs([]uint16{2}, 5002) // the peer's outgoing reset, performed
		fwd()                            // the FORWARD TSN again, late
		recv(5003, 0, "new")
		if got, want := readAll(t, d), []string{"2/0:new"}; !eqStrings(got, want) {
			t.Fatalf("idata %v: after the reset and a late FORWARD TSN: %q, want %q", idata, got, want)
		}
	}
}

// A FORWARD TSN whose New Cumulative TSN passes the Sender's Last
// Assigned TSN of a stream reset (it also skips a later chunk of another
// stream) may list the reset stream's old SSN. Arriving again after the
// reset was performed, it is out of date (RFC 3758 §3.6: all it covers
// was accounted for) and must not move the restarted stream: bounding
// staleness by the last assigned TSN alone let it skip the new numbering's
// first messages, acknowledged and never delivered (seeded property test,
// seed 17338 of 20000, with I-DATA).
func TestForwardTSNPastLastAssignedAfterReset(t *testing.T) {
	for _, idata := range []bool{false, true} {
		cfg := prConfig()
		cfg.negotiated.idata = idata
		d := newTestDataState(cfg, dataT0)
		recv := func(tsn uint32, stream, seq uint16, b, e bool, s string) {
			t.Helper()
			recvOrdered(t, d, idata, tsn, stream, seq, b, e, s)
		}
		// Stream 2, old numbering: 0 at 5000; 1 abandoned after its first
		// fragment (5001; 5002 never sent). Stream 1: 5003 abandoned.
		fwd := func() {
			if idata {
				d.handleIForwardTSN(dataT0, &chunk.IForwardTSN{NewCumTSN: 5003, Streams: []chunk.IForwardTSNStream{{Stream: 2, MID: 1}, {Stream: 1, MID: 0}}})
			} else {
				d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5003, Streams: []chunk.ForwardTSNStream{{Stream: 2, SSN: 1}, {Stream: 1, SSN: 0}}})
			}
		}
		recv(5000, 2, 0, true, true, "old0")
		recv(5001, 2, 1, true, false, "old1-")
		// The peer's Outgoing SSN Reset Request for stream 2, Sender's
		// Last Assigned TSN 5002, deferred (§5.2.2) until the cumulative
		// TSN gets there.
		d.rc.deferred = deferredReset{active: true, lastTSN: 5002, streams: []uint16{2}}
		fwd()
		if !d.performDeferred() {
			t.Fatalf("idata %v: the deferred reset did not run at cum TSN %d", idata, d.rcv.tracker.cum)
		}
		fwd() // the FORWARD TSN again, late
		recv(5004, 2, 0, true, true, "new0")
		recv(5005, 2, 1, true, true, "new1")
		var got []string
		for _, m := range readAll(t, d) {
			got = append(got, m[strings.IndexByte(m, ':')+1:])
		}
		if want := []string{"old0", "new0", "new1"}; !eqStrings(got, want) {
			t.Fatalf("idata %v: delivered %q, want %q", idata, got, want)
		}
	}
}

// sendQueued sends what is queued, one packet after the other (at most
// 100).
func sendQueued(d *dataState, now time.Time) {
	for i := 0; i < 100 && len(d.appendData(now, nil, packetRoom(d))) > 0; i++ {
	}
}

// forwardIn decodes the FORWARD TSN or I-FORWARD TSN among the chunks of
// b: its New Cumulative TSN and its entries, each stream<<16 | SSN (MID).
func forwardIn(t *testing.T, b []byte) (cum uint32, entries []uint32) {
	t.Helper()
	it := chunk.NewIter(b)
	for it.Next() {
		switch r := it.Chunk(); r.Type {
		case chunk.TypeForwardTSN:
			var f chunk.ForwardTSN
			if err := f.Decode(r); err != nil {
				t.Fatal(err)
			}
			cum = f.NewCumTSN
			for _, e := range f.Streams {
				entries = append(entries, uint32(e.Stream)<<16|uint32(e.SSN))
			}
		case chunk.TypeIForwardTSN:
			var f chunk.IForwardTSN
			if err := f.Decode(r); err != nil {
				t.Fatal(err)
			}
			cum = f.NewCumTSN
			for _, e := range f.Streams {
				entries = append(entries, uint32(e.Stream)<<16|e.MID)
			}
		}
	}
	return cum, entries
}

// recvOrdered files an ordered DATA (with idata I-DATA) chunk of stream
// with SSN (MID) seq; the messages of these tests have at most two
// fragments (FSN 0 on the first, 1 on the other).
func recvOrdered(t *testing.T, d *dataState, idata bool, tsn uint32, stream, seq uint16, b, e bool, s string) {
	t.Helper()
	var v dataVerdict
	if idata {
		fsn := uint32(0) // PPID on a first fragment
		if !b {
			fsn = 1
		}
		v = d.handleIData(dataT0, &chunk.IData{TSN: tsn, Stream: stream, MID: uint32(seq), PPIDOrFSN: fsn, Beginning: b, Ending: e, UserData: []byte(s)})
	} else {
		v = d.handleData(dataT0, fragIn(tsn, stream, seq, b, e, false, s))
	}
	if v != dataOK {
		t.Fatalf("idata %v: TSN %d: %v", idata, tsn, v)
	}
}

// recvForward hands d a FORWARD TSN (with idata an I-FORWARD TSN) to cum
// naming the given stream, SSN (MID) pairs of ordered messages.
func recvForward(d *dataState, idata bool, cum uint32, pairs ...uint16) {
	var f []chunk.ForwardTSNStream
	var fi []chunk.IForwardTSNStream
	for i := 0; i+1 < len(pairs); i += 2 {
		f = append(f, chunk.ForwardTSNStream{Stream: pairs[i], SSN: pairs[i+1]})
		fi = append(fi, chunk.IForwardTSNStream{Stream: pairs[i], MID: uint32(pairs[i+1])})
	}
	if idata {
		d.handleIForwardTSN(dataT0, &chunk.IForwardTSN{NewCumTSN: cum, Streams: fi})
	} else {
		d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: cum, Streams: f})
	}
}

// The FORWARD TSN (I-FORWARD TSN) names, per stream, the SSN (MID) of the
// last abandoned message in TSN order. After a stream reset the chunks of
// the old numbering may still sit below the new ones (their SACK lost),
// and the largest of the two numberings was an old SSN: the peer, past
// its reset, skipped new messages with it (property test seed 54568).
func TestForwardTSNAcrossStreamReset(t *testing.T) {
	for _, idata := range []bool{false, true} {
		cfg := prConfig()
		cfg.negotiated.idata = idata
		d := newTestDataState(cfg, dataT0)
		ttl := 100 * time.Millisecond
		mustEnqueue(t, d, dataT0, outMessage{stream: 3, data: []byte("old0"), ttl: ttl})
		mustEnqueue(t, d, dataT0, outMessage{stream: 3, data: []byte("old1"), ttl: ttl})
		sendQueued(d, dataT0) // TSN 1000, 1001: SSN (MID) 0, 1
		d.resetOutSSNs(nil)   // the peer performed our Outgoing SSN Reset
		mustEnqueue(t, d, dataT0, outMessage{stream: 3, data: []byte("new0"), ttl: ttl})
		sendQueued(d, dataT0) // TSN 1002: SSN (MID) 0 of the new numbering
		// All three abandoned.
		cum, seq := forwardIn(t, d.appendData(dataT0.Add(200*time.Millisecond), nil, packetRoom(d)))
		if cum != 1002 || len(seq) != 1 || seq[0] != 3<<16|0 {
			t.Fatalf("idata %v: forward TSN to %d with entries %x, want 1002 with stream 3 at 0", idata, cum, seq)
		}
	}
}

// Once the peer performed our Outgoing SSN Reset, a FORWARD TSN (I-FORWARD
// TSN) names no chunk assigned up to the reset's Sender's Last Assigned
// TSN: the peer has left that numbering behind, and its old SSN (MID)
// could only be read as one of the new numbering (property test seed
// 197298). The cumulative TSN still moves over those chunks.
func TestForwardTSNOmitsOldNumbering(t *testing.T) {
	for _, idata := range []bool{false, true} {
		for _, all := range []bool{false, true} {
			cfg := prConfig()
			cfg.negotiated.idata = idata
			d := newTestDataState(cfg, dataT0)
			ttl := 100 * time.Millisecond
			mustEnqueue(t, d, dataT0, outMessage{stream: 3, data: []byte("old0"), ttl: ttl})
			sendQueued(d, dataT0) // TSN 1000
			streams := []uint16{3}
			if all {
				streams = nil
			}
			d.resetOutSSNs(streams)
			d.noteRenumbered(streams, 1000) // the peer performed our reset
			mustEnqueue(t, d, dataT0, outMessage{stream: 4, data: []byte("x"), ttl: ttl})
			sendQueued(d, dataT0) // TSN 1001
			cum, entries := forwardIn(t, d.appendData(dataT0.Add(200*time.Millisecond), nil, packetRoom(d)))
			if cum != 1001 || len(entries) != 1 || entries[0]>>16 != 4 {
				t.Fatalf("idata %v, all %v: forward TSN to %d with entries %x, want 1001 naming stream 4 only", idata, all, cum, entries)
			}
		}
	}
}

// While our Outgoing SSN Reset Request is outstanding, the FORWARD TSN
// (I-FORWARD TSN) goes no further than its Sender's Last Assigned TSN:
// beyond, arriving after the peer performed the reset, its old SSN could
// not be told from a new one (property test seed 227318). Once
// "Performed" is in, the next one covers the rest without the old SSN.
func TestForwardTSNCappedWhileResetOutstanding(t *testing.T) {
	for _, idata := range []bool{false, true} {
		cfg := prConfig()
		cfg.negotiated.idata = idata
		d := newTestDataState(cfg, dataT0)
		ttl := 100 * time.Millisecond
		mustEnqueue(t, d, dataT0, outMessage{stream: 3, data: []byte("old0"), ttl: ttl})
		sendQueued(d, dataT0) // TSN 1000
		req := &reconfReq{kind: reqOutReset, streams: []uint16{3}, lastTSN: 1000, sent: true}
		d.rc.out = req // our reset of stream 3 is outstanding
		mustEnqueue(t, d, dataT0, outMessage{stream: 4, data: []byte("x"), ttl: ttl})
		sendQueued(d, dataT0) // TSN 1001
		now := dataT0.Add(200 * time.Millisecond)
		if cum, entries := forwardIn(t, d.appendData(now, nil, packetRoom(d))); cum != 1000 || len(entries) != 1 || entries[0]>>16 != 3 {
			t.Fatalf("idata %v: while the reset is outstanding: forward TSN to %d with entries %x, want 1000 naming stream 3", idata, cum, entries)
		}
		// The peer performs ("Performed"); its SACK acknowledges 1000.
		d.rc.out = nil
		d.resetOutSSNs(req.streams)
		d.noteRenumbered(req.streams, req.lastTSN)
		mustSack(t, d, now, 1000, 1<<20)
		if cum, entries := forwardIn(t, d.appendData(now, nil, packetRoom(d))); cum != 1001 || len(entries) != 1 || entries[0]>>16 != 4 {
			t.Fatalf("idata %v: after the reset: forward TSN to %d with entries %x, want 1001 naming stream 4", idata, cum, entries)
		}
	}
}

// A FORWARD TSN sent beside the peer's reset request and delayed arrives
// for the first time after the reset was performed, its New Cumulative
// TSN one past the bound (a message of another stream, received whole and
// abandoned by the sender after it was sent), its entry for the reset
// stream of the old numbering. That entry skips nothing we did not
// receive and no buffered fragment: applied, it moved the restarted
// stream to SSN 1 and the new SSN 0 was dropped as already skipped
// (property test seed 46698). An entry that does cover a
// buffered fragment of the new numbering (a message abandoned after a
// partial send) still skips it, or the stream would wait for good.
func TestForwardTSNFirstArrivingAfterReset(t *testing.T) {
	for _, idata := range []bool{false, true} {
		cfg := prConfig()
		cfg.negotiated.idata = idata
		d := newTestDataState(cfg, dataT0)
		recv := func(tsn uint32, stream, seq uint16, b, e bool, s string) {
			t.Helper()
			recvOrdered(t, d, idata, tsn, stream, seq, b, e, s)
		}
		fwd := func(cum uint32, pairs ...uint16) { recvForward(d, idata, cum, pairs...) }
		// Old numbering of stream 2: SSN 0 at 5000 abandoned, SSN 1 at
		// 5001. The reset's Sender's Last Assigned TSN is 5001.
		fwd(5000, 2, 0)
		d.rc.deferred = deferredReset{active: true, lastTSN: 5001, streams: []uint16{2}}
		recv(5001, 2, 1, true, true, "old1")
		if !d.performDeferred() {
			t.Fatalf("idata %v: the deferred reset did not run at cum TSN %d", idata, d.rcv.tracker.cum)
		}
		recv(5002, 1, 0, true, true, "s1") // abandoned by the sender once sent
		fwd(5002, 2, 0, 1, 0)              // the delayed FORWARD TSN
		recv(5003, 2, 0, true, false, "new0-")
		recv(5004, 2, 0, false, true, "new0")
		// New SSN 1 abandoned after its first fragment (5005; 5006 never
		// sent), then SSN 2.
		recv(5005, 2, 1, true, false, "new1-")
		fwd(5005, 2, 1)
		recv(5006, 2, 2, true, true, "new2")
		var got []string
		for _, m := range readAll(t, d) {
			got = append(got, m[strings.IndexByte(m, ':')+1:])
		}
		if want := []string{"old1", "s1", "new0-new0", "new2"}; !eqStrings(got, want) {
			t.Fatalf("idata %v: delivered %q, want %q", idata, got, want)
		}
		if st := d.stats(); st.bufferedBytes != 0 {
			t.Fatalf("idata %v: %d bytes still buffered", idata, st.bufferedBytes)
		}
	}
}

// While our SSN/TSN Reset Request is outstanding (RFC 6525 §5.1.4) the
// arriving fragments are parked, their TSNs acknowledged. A FORWARD TSN
// arriving meanwhile skips them too once they are filed: complete messages
// below the skipped SSN are delivered, the abandoned one dropped. Applied
// to the streams at once it moved past the parked complete messages, which
// were then dropped as stale (-sctp.assocreset seed 248). Likewise a
// peer's deferred stream reset waits for the parked fragments (seed 1408).
func TestForwardTSNAndDeferredResetWhileParked(t *testing.T) {
	d := newTestDataState(prConfig(), dataT0)
	d.rc.tsnDefer = true
	d.rc.deferred = deferredReset{active: true, lastTSN: 5004, streams: []uint16{0}}
	recvPacket(t, d, dataT0,
		dataIn(5000, 0, 0, "zero"),
		dataIn(5001, 0, 1, "one"),
		fragIn(5002, 0, 2, true, false, false, "two-"), // 5003: abandoned rest
	)
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5003, Streams: []chunk.ForwardTSNStream{{Stream: 0, SSN: 2}}})
	recvPacket(t, d, dataT0, dataIn(5004, 0, 3, "three"))
	if d.performDeferred() {
		t.Fatal("the deferred stream reset ran while fragments were parked")
	}
	if got := readAll(t, d); len(got) != 0 {
		t.Fatalf("delivered %q while parked", got)
	}
	d.releaseTSNFrags(false, 0, nil) // the peer answered: not performed
	if got, want := readAll(t, d), []string{"0/0:zero", "0/1:one", "0/3:three"}; !eqStrings(got, want) {
		t.Fatalf("after release: %q, want %q", got, want)
	}
	if !d.performDeferred() {
		t.Fatal("the deferred stream reset did not run once the fragments were filed")
	}
	if st := d.stats(); st.bufferedBytes != 0 {
		t.Fatalf("buffered %d", st.bufferedBytes)
	}
}
