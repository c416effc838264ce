package sctp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Scripted-peer tests of RFC 8260 I-DATA and I-FORWARD TSN.

func idataCfg() assocConfig {
	c := testAssocConfig()
	c.setPRSCTP(true)
	c.setIData(true)
	return c
}

// idataExt is a peer's Supported Extensions naming I-DATA and I-FORWARD
// TSN, plus Forward-TSN-Supported (PR-SCTP).
func idataExt() []byte {
	b := chunk.AppendParam(nil, chunk.ParamForwardTSNSupported, nil)
	return chunk.AppendParam(b, chunk.ParamSupportedExtensions, []byte{byte(chunk.TypeIData), byte(chunk.TypeIForwardTSN)})
}

// idataConnect establishes an association using I-DATA (cfg from
// idataCfg, modified by mod).
func idataConnect(t *testing.T, mod func(*assocConfig)) *testPeer {
	t.Helper()
	tp := newTestPeer(t)
	cfg := idataCfg()
	if mod != nil {
		mod(&cfg)
	}
	tp.startConnect(cfg)
	tp.answerInit(idataExt())
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	tp.wantEvent(AssocChange{State: CommUp})
	if !tp.assoc.idata {
		t.Fatal("I-DATA not negotiated")
	}
	return tp
}

func supportedExt(t *testing.T, params []byte) chunk.SupportedExtensionsParam {
	t.Helper()
	var ext chunk.SupportedExtensionsParam
	if p, ok := findParam(t, params, chunk.ParamSupportedExtensions); ok {
		if err := ext.Decode(p); err != nil {
			t.Fatal(err)
		}
	}
	return ext
}

// idataFrag is an I-DATA chunk from the peer with the next TSN; fsn 0
// means the first fragment (B set, PPID 53).
func (tp *testPeer) idataFrag(stream uint16, unordered bool, mid, fsn uint32, last bool, payload string) *chunk.IData {
	c := &chunk.IData{Unordered: unordered, Beginning: fsn == 0, Ending: last, TSN: tp.peerTSN, Stream: stream, MID: mid, PPIDOrFSN: fsn, UserData: []byte(payload)}
	if fsn == 0 {
		c.PPIDOrFSN = 53
	}
	tp.peerTSN++
	return c
}

// readIMsgs returns the messages the association has ready, as
// "stream/mid:data" strings (pieces marked with '+' while more follow).
func readIMsgs(tp *testPeer) []string {
	var out []string
	for {
		m, ok := tp.assoc.readMessage()
		if !ok {
			return out
		}
		s := fmt.Sprintf("%d/%d:%s", m.stream, m.ssn, m.data)
		if m.unordered {
			s = "u" + s
		}
		if m.partial {
			s += "+"
		}
		if m.aborted {
			s += "!aborted"
		}
		out = append(out, s)
	}
}

func wantMsgs(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered %q\nwant      %q", got, want)
	}
}

// RFC 8260 §2.2: I-DATA (and with PR-SCTP I-FORWARD TSN) is announced in
// Supported Extensions of INIT and INIT ACK, kept in the State Cookie, and
// used only when both sides list it.
func TestIDataNegotiation(t *testing.T) {
	t.Run("connect, peer offers", func(t *testing.T) {
		tp := newTestPeer(t)
		init := tp.startConnect(idataCfg())
		ext := supportedExt(t, init.Params)
		if !ext.Has(chunk.TypeIData) || !ext.Has(chunk.TypeIForwardTSN) {
			t.Fatalf("INIT Supported Extensions %v: want I-DATA and I-FORWARD TSN", ext.Types)
		}
		tp.answerInit(idataExt())
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		tp.write(tp.epTag, &chunk.CookieAck{})
		if !tp.assoc.idata || !tp.assoc.stats().IData {
			t.Fatal("I-DATA not negotiated although both sides listed it")
		}
		if err := tp.assoc.send(tp.now, outMessage{stream: 1, ppid: 7, data: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		tp.collect()
		tp.wantPacket(tp.peerTag, chunk.TypeIData)
	})
	t.Run("connect, peer does not offer", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(idataCfg())
		tp.answerInit(chunk.AppendParam(nil, chunk.ParamForwardTSNSupported, nil))
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		tp.write(tp.epTag, &chunk.CookieAck{})
		if tp.assoc.idata {
			t.Fatal("I-DATA used although the peer did not list it")
		}
		tp.sendData(outMessage{stream: 1, data: []byte("x")}) // a DATA chunk
	})
	t.Run("not enabled here", func(t *testing.T) {
		tp := newTestPeer(t)
		init := tp.startConnect(testAssocConfig())
		if ext := supportedExt(t, init.Params); ext.Has(chunk.TypeIData) {
			t.Fatal("I-DATA announced without being enabled")
		}
		tp.answerInit(idataExt())
		// (with an ERROR: PR-SCTP is off here too, Forward-TSN-Supported is unrecognized)
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho, chunk.TypeError)
		tp.write(tp.epTag, &chunk.CookieAck{})
		if tp.assoc.idata {
			t.Fatal("I-DATA used although not enabled here")
		}
	})
	t.Run("listener keeps it in the cookie", func(t *testing.T) {
		tl := newTestPeer(t)
		tl.listen(idataCfg())
		ack := tl.initAndGetCookie(idataExt())
		if ext := supportedExt(t, ack.Params); !ext.Has(chunk.TypeIData) || !ext.Has(chunk.TypeIForwardTSN) {
			t.Fatalf("INIT ACK Supported Extensions %v: want I-DATA and I-FORWARD TSN", ext.Types)
		}
		tl.epTag = ack.InitiateTag
		// The listener's setting changes before the COOKIE ECHO: what
		// the INIT ACK announced (the cookie) still decides.
		lc := tl.ep.listeners[tl.localPort]
		lc.idata = false
		tl.ep.listeners[tl.localPort] = lc
		tl.write(tl.epTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
		tl.wantPacket(tl.peerTag, chunk.TypeCookieAck)
		tl.assoc = tl.wantEvent(accepted{}).(accepted).association()
		if !tl.assoc.idata {
			t.Fatal("listener: I-DATA negotiated in the INIT ACK was not kept in the cookie")
		}
	})
	t.Run("listener, peer does not offer", func(t *testing.T) {
		tl := newTestPeer(t)
		tl.listen(idataCfg())
		ack := tl.initAndGetCookie(nil)
		tl.epTag = ack.InitiateTag
		tl.write(tl.epTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
		tl.wantPacket(tl.peerTag, chunk.TypeCookieAck)
		tl.assoc = tl.wantEvent(accepted{}).(accepted).association()
		if tl.assoc.idata {
			t.Fatal("listener uses I-DATA with a peer that did not list it")
		}
	})
}

// RFC 8260 §2.1: each message gets a MID, counted per stream and apart for
// ordered and unordered messages; each fragment an FSN from 0; only the
// first fragment carries the PPID.
func TestIDataSendMIDAndFSN(t *testing.T) {
	tp := idataConnect(t, func(c *assocConfig) { c.mtu = minMTU })
	fp := tp.assoc.data.maxFragment()
	if fp+idataChunkHeaderLen+commonHeaderLenData > minMTU {
		t.Fatalf("fragment %d does not fit the packet with the I-DATA header", fp)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), (2*fp+100)/16)
	msgs := []outMessage{
		{stream: 1, ppid: 51, data: big},
		{stream: 1, ppid: 52, unordered: true, data: []byte("u0")},
		{stream: 1, ppid: 53, data: []byte("o1")},
		{stream: 2, ppid: 54, data: []byte("s2")},
		{stream: 1, ppid: 55, unordered: true, data: []byte("u1")},
	}
	for _, m := range msgs {
		if err := tp.assoc.send(tp.now, m); err != nil {
			t.Fatal(err)
		}
	}
	tp.collect()
	type got struct {
		stream    uint16
		unordered bool
		b, e      bool
		mid, v    uint32
		n         int
	}
	var gs []got
	var lastTSN uint32
	for len(tp.sent) > 0 {
		p := tp.readPacket()
		if len(p.to.Addr().String()) == 0 {
			t.Fatal("no destination")
		}
		for _, c := range p.chunks {
			if c.Type == chunk.TypeData {
				t.Fatal("a DATA chunk on an association using I-DATA (RFC 8260 §2.1)")
			}
			if c.Type != chunk.TypeIData {
				continue
			}
			d := decodeAs(t, c, &chunk.IData{})
			if lastTSN != 0 && d.TSN != lastTSN+1 {
				t.Fatalf("TSN %d after %d", d.TSN, lastTSN)
			}
			lastTSN = d.TSN
			gs = append(gs, got{d.Stream, d.Unordered, d.Beginning, d.Ending, d.MID, d.PPIDOrFSN, len(d.UserData)})
		}
		if len(tp.sent) == 0 {
			tp.write(tp.epTag, sack(lastTSN))
		}
	}
	want := []got{
		{1, false, true, false, 0, 51, fp},
		{1, false, false, false, 0, 1, fp},
		{1, false, false, true, 0, 2, len(big) - 2*fp},
		{1, true, true, true, 0, 52, 2},
		{1, false, true, true, 1, 53, 2},
		{2, false, true, true, 0, 54, 2},
		{1, true, true, true, 1, 55, 2},
	}
	if fmt.Sprint(gs) != fmt.Sprint(want) {
		t.Fatalf("I-DATA chunks\n got %v\nwant %v", gs, want)
	}
}

// RFC 8260 §2.1: the receiver reassembles by stream, MID and FSN, not by
// TSN: fragments of messages on one stream and across streams may be
// interleaved; ordered messages are delivered in MID order, unordered ones
// as soon as complete.
func TestIDataReceiveInterleaved(t *testing.T) {
	tp := idataConnect(t, nil)
	e := tp.epTag
	// Stream 1: MID 1 and MID 0 interleaved, MID 1 completes first.
	tp.write(e, tp.idataFrag(1, false, 1, 0, false, "B"))
	tp.write(e, tp.idataFrag(1, false, 0, 0, false, "A"))
	tp.write(e, tp.idataFrag(1, false, 1, 1, true, "b"))
	// Stream 2 interleaved with stream 1; an unordered message on stream 1
	// with its fragments out of FSN order.
	tp.write(e, tp.idataFrag(2, false, 0, 0, false, "C"))
	tp.write(e, tp.idataFrag(1, true, 7, 1, true, "u"))
	wantMsgs(t, readIMsgs(tp)) // nothing complete in order yet
	tp.write(e, tp.idataFrag(1, true, 7, 0, false, "U"))
	wantMsgs(t, readIMsgs(tp), "u1/7:Uu")
	tp.write(e, tp.idataFrag(2, false, 0, 1, true, "c"))
	wantMsgs(t, readIMsgs(tp), "2/0:Cc")
	tp.write(e, tp.idataFrag(1, false, 0, 1, false, "a"))
	tp.write(e, tp.idataFrag(1, false, 0, 2, true, "!"))
	wantMsgs(t, readIMsgs(tp), "1/0:Aa!", "1/1:Bb")
	// A second chunk naming a fragment already held (same MID and FSN,
	// another TSN) is dropped, not delivered twice.
	tp.write(e, tp.idataFrag(3, false, 0, 1, true, "x"))
	tp.write(e, tp.idataFrag(3, false, 0, 1, true, "y"))
	tp.write(e, tp.idataFrag(3, false, 0, 0, false, "X"))
	wantMsgs(t, readIMsgs(tp), "3/0:Xx")
	if d := tp.assoc.data; d.rcv.buffered != 0 || d.rcv.items != 0 || len(d.rcv.unordered) != 0 {
		t.Fatalf("after delivery %d bytes, %d items, %d unordered fragments held", d.rcv.buffered, d.rcv.items, len(d.rcv.unordered))
	}
	// The PPID is that of the first fragment.
	tp.write(e, tp.idataFrag(0, false, 0, 0, true, "p"))
	if m, ok := tp.assoc.readMessage(); !ok || m.ppid != 53 {
		t.Fatalf("message %+v: want PPID 53 from the first fragment", m)
	}
}

// RFC 8260 §2.1: an association using I-DATA treats DATA as a protocol
// violation, and one not using it treats I-DATA so (when it announced
// I-DATA; otherwise I-DATA is an unknown chunk, RFC 9260 §3.2); §2.3 the
// same for FORWARD TSN and I-FORWARD TSN.
func TestIDataWrongChunkKind(t *testing.T) {
	check := func(t *testing.T, tp *testPeer, c chunk.Chunk) {
		t.Helper()
		tp.write(tp.epTag, c)
		ab := tp.wantAbort()
		cause := wantCause(t, ab.Causes, chunk.CauseProtocolViolation)
		if !bytes.Contains(cause.Info, []byte("RFC 8260")) {
			t.Fatalf("cause info %q", cause.Info)
		}
		tp.wantState(stateClosed)
	}
	t.Run("DATA on I-DATA", func(t *testing.T) {
		tp := idataConnect(t, nil)
		check(t, tp, tp.data(1, "x"))
	})
	t.Run("FORWARD TSN on I-DATA", func(t *testing.T) {
		tp := idataConnect(t, nil)
		check(t, tp, &chunk.ForwardTSN{NewCumTSN: tp.peerTSN})
	})
	t.Run("I-DATA without I-DATA", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(idataCfg())
		tp.answerInit(nil)
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		tp.write(tp.epTag, &chunk.CookieAck{})
		check(t, tp, tp.idataFrag(1, false, 0, 0, true, "x"))
	})
	t.Run("I-FORWARD TSN without I-DATA", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(idataCfg())
		tp.answerInit(chunk.AppendParam(nil, chunk.ParamForwardTSNSupported, nil))
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		tp.write(tp.epTag, &chunk.CookieAck{})
		check(t, tp, &chunk.IForwardTSN{NewCumTSN: tp.peerTSN})
	})
	t.Run("I-DATA not announced", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.connectHandshake(testAssocConfig())
		tp.write(tp.epTag, tp.idataFrag(1, false, 0, 0, true, "x"))
		p := tp.wantPacket(tp.peerTag, chunk.TypeError)
		wantCause(t, decodeAs(t, p.chunks[0], &chunk.Error{}).Causes, chunk.CauseUnrecognizedChunk)
		tp.wantState(stateEstablished)
	})
}

// RFC 8260 §2.3: I-FORWARD TSN skips ordered messages up to the listed MID
// and the listed unordered message; fragments of other messages below the
// new cumulative TSN (interleaved) stay.
func TestIForwardTSNReceive(t *testing.T) {
	tp := idataConnect(t, nil)
	e := tp.epTag
	tp.write(e, tp.idataFrag(1, false, 0, 0, false, "A")) // MID 0: abandoned later
	tp.write(e, tp.idataFrag(2, true, 4, 0, false, "K"))  // unordered, stays
	tp.write(e, tp.idataFrag(2, true, 5, 0, false, "D"))  // unordered, abandoned
	tp.write(e, tp.idataFrag(1, false, 1, 0, true, "B"))  // MID 1 complete, waits for MID 0
	skipped := tp.peerTSN                                 // the abandoned rest: never sent
	tp.peerTSN++
	tp.collect()
	tp.sent = nil
	tp.write(e, &chunk.IForwardTSN{NewCumTSN: skipped, Streams: []chunk.IForwardTSNStream{{Stream: 1, MID: 0}, {Stream: 2, Unordered: true, MID: 5}}})
	p := tp.wantPacket(tp.peerTag, chunk.TypeSack)
	if s := decodeAs(t, p.chunks[0], &chunk.Sack{}); s.CumTSNAck != skipped {
		t.Fatalf("SACK cum %d, want %d", s.CumTSNAck, skipped)
	}
	wantMsgs(t, readIMsgs(tp), "1/1:B")
	tp.write(e, tp.idataFrag(2, true, 4, 1, true, "k"))
	wantMsgs(t, readIMsgs(tp), "u2/4:Kk")
	if d := tp.assoc.data; d.rcv.buffered != 0 || len(d.rcv.unordered) != 0 {
		t.Fatalf("%d bytes, %d unordered fragments left", d.rcv.buffered, len(d.rcv.unordered))
	}
	// A late fragment of a skipped ordered message is dropped.
	tp.write(e, tp.idataFrag(1, false, 0, 1, true, "late"))
	wantMsgs(t, readIMsgs(tp))
}

// RFC 8260 §2.3 with RFC 3758 §3.5: abandoned messages are announced in an
// I-FORWARD TSN (never FORWARD TSN) naming the largest ordered MID per
// stream and each unordered message.
func TestIForwardTSNSend(t *testing.T) {
	tp := idataConnect(t, nil)
	for _, m := range []outMessage{
		{stream: 1, data: []byte("o0"), prPolicy: SCTP_PR_SCTP_RTX},
		{stream: 1, data: []byte("o1"), prPolicy: SCTP_PR_SCTP_RTX},
		{stream: 2, unordered: true, data: []byte("u0"), prPolicy: SCTP_PR_SCTP_RTX},
	} {
		if err := tp.assoc.send(tp.now, m); err != nil {
			t.Fatal(err)
		}
	}
	tp.collect()
	var last uint32
	for len(tp.sent) > 0 {
		for _, c := range tp.readPacket().chunks {
			if c.Type == chunk.TypeIData {
				last = decodeAs(t, c, &chunk.IData{}).TSN
			}
		}
	}
	// No SACK: T3-rtx marks them for retransmission; limit 0 abandons.
	tp.advanceToTimer()
	var fwd *chunk.IForwardTSN
	for len(tp.sent) > 0 {
		for _, c := range tp.readPacket().chunks {
			switch c.Type {
			case chunk.TypeForwardTSN:
				t.Fatal("FORWARD TSN on an association using I-DATA (RFC 8260 §2.3)")
			case chunk.TypeIForwardTSN:
				fwd = decodeAs(t, c, &chunk.IForwardTSN{})
			}
		}
	}
	if fwd == nil {
		t.Fatal("no I-FORWARD TSN after abandonment")
	}
	want := []chunk.IForwardTSNStream{{Stream: 1, MID: 1}, {Stream: 2, Unordered: true, MID: 0}}
	if fwd.NewCumTSN != last || fmt.Sprint(fwd.Streams) != fmt.Sprint(want) {
		t.Fatalf("I-FORWARD TSN cum %d %v, want cum %d %v", fwd.NewCumTSN, fwd.Streams, last, want)
	}
}

// RFC 6458 §8.1.20 level 2 with RFC 8260: a message larger than the
// receive window is handed out in pieces, and complete messages of other
// streams are readable meanwhile (with DATA they wait until it ends).
func TestIDataPartialDeliveryDoesNotBlock(t *testing.T) {
	run := func(t *testing.T, idata bool) []string {
		tp := newTestPeer(t)
		cfg := testAssocConfig()
		cfg.rwnd = 4000
		cfg.setPRSCTP(true)
		cfg.setIData(idata)
		tp.startConnect(cfg)
		if idata {
			tp.answerInit(idataExt())
		} else {
			tp.answerInit(nil)
		}
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		tp.write(tp.epTag, &chunk.CookieAck{})
		e := tp.epTag
		var got []string
		frag := string(bytes.Repeat([]byte("x"), 1000))
		for i := range 6 {
			if idata {
				tp.write(e, tp.idataFrag(1, false, 0, uint32(i), false, frag))
			} else {
				tp.write(e, &chunk.Data{Beginning: i == 0, TSN: tp.peerTSN, Stream: 1, UserData: []byte(frag)})
				tp.peerTSN++
			}
			if i == 3 {
				got = append(got, readIMsgs(tp)...)
			}
		}
		// A small message on stream 2.
		if idata {
			tp.write(e, tp.idataFrag(2, false, 0, 0, true, "small"))
		} else {
			tp.write(e, &chunk.Data{Beginning: true, Ending: true, TSN: tp.peerTSN, Stream: 2, UserData: []byte("small")})
			tp.peerTSN++
		}
		got = append(got, readIMsgs(tp)...)
		for i, s := range got {
			if len(s) > 20 {
				got[i] = s[:6] + "…"
			}
		}
		return got
	}
	gotI := run(t, true)
	pieces, small := 0, false
	for _, s := range gotI {
		if strings.HasSuffix(s, "+") || strings.HasSuffix(s, "…") {
			pieces++
		}
		if s == "2/0:small" {
			small = pieces > 0
		}
	}
	if !small {
		t.Fatalf("I-DATA: the small message on stream 2 was not readable during the partial delivery on stream 1 (%d pieces first)", pieces)
	}
	for _, s := range run(t, false) {
		if s == "2/0:small" {
			t.Fatalf("DATA: the small message passed the partial delivery; the test no longer shows the difference")
		}
	}
}

// TestIDataSteadyStateAllocs: with I-DATA the send+SACK and the
// receive+deliver cycles allocate nothing in steady state, as with DATA
// (TestDataPathSteadyStateAllocs).
func TestIDataSteadyStateAllocs(t *testing.T) {
	for _, size := range []int{100, 5000, 64 << 10} {
		c := newSendSackCycle(size)
		cfg := testDataConfig()
		cfg.negotiated.idata = true
		c.d = newTestDataState(cfg, dataT0)
		for range 50 {
			c.run(t)
		}
		if a := testing.AllocsPerRun(200, func() { c.run(t) }); a != 0 {
			t.Errorf("I-DATA send+SACK cycle of %d-byte messages: %v allocs/op, want 0", size, a)
		}
	}
	for _, frags := range []int{1, 4, 40} {
		cfg := testDataConfig()
		cfg.negotiated.idata = true
		d := newTestDataState(cfg, dataT0)
		tsn, mid := cfg.peerInitialTSN, uint32(0)
		frag := payload(1100, 5)
		var c chunk.IData
		pkt := make([]byte, 0, 2048)
		now := dataT0
		run := func() {
			now = now.Add(time.Millisecond)
			// Fragments in reverse order: reassembly by FSN.
			for i := frags - 1; i >= 0; i-- {
				c = chunk.IData{TSN: tsn + uint32(i), Stream: 1, MID: mid, PPIDOrFSN: uint32(i), Beginning: i == 0, Ending: i == frags-1, UserData: frag}
				if i == 0 {
					c.PPIDOrFSN = 9
				}
				if v := d.handleIData(now, &c); v != dataOK {
					t.Fatalf("verdict %v", v)
				}
				d.endOfPacket(now)
				if d.sackDue(now) {
					pkt = d.appendSack(pkt[:0])
				}
			}
			tsn += uint32(frags)
			mid++
			m, ok := d.readMessage()
			if !ok || len(m.data) != frags*len(frag) || m.ppid != 9 {
				t.Fatalf("message not delivered: %v %d", ok, len(m.data))
			}
			pkt = d.appendSack(pkt[:0])
		}
		for range 50 {
			run()
		}
		if a := testing.AllocsPerRun(200, run); a != 0 {
			t.Errorf("I-DATA receive+deliver cycle of %d fragments: %v allocs/op, want 0", frags, a)
		}
	}
}

// TestIDataHostileInput feeds random I-DATA and I-FORWARD TSN chunks
// (random streams, MIDs, FSNs, flags, duplicates of one MID and FSN) to a
// data path with a small window: no panic, memory within the window's
// bound (RFC 9260 §6.2 rules apply to I-DATA unchanged), and the
// bookkeeping stays consistent.
func TestIDataHostileInput(t *testing.T) {
	cfg := testDataConfig()
	cfg.rwnd = 8 << 10
	cfg.negotiated.idata = true
	cfg.negotiated.forwardTSN = true
	d := newTestDataState(cfg, dataT0)
	r := rand.New(rand.NewPCG(7, 8))
	limit := int(cfg.rwnd) + int(cfg.rwnd/2) + 2*(1200+recvItemOverhead)
	base := cfg.peerInitialTSN
	for i := range 20000 {
		if r.IntN(50) == 0 {
			fwd := &chunk.IForwardTSN{NewCumTSN: base + uint32(r.IntN(200))}
			for range r.IntN(4) {
				fwd.Streams = append(fwd.Streams, chunk.IForwardTSNStream{Stream: uint16(r.IntN(20)), Unordered: r.IntN(2) == 0, MID: uint32(r.IntN(8))})
			}
			d.handleIForwardTSN(dataT0, fwd)
		} else {
			c := &chunk.IData{TSN: base + uint32(r.IntN(400)), Stream: uint16(r.IntN(18)), MID: uint32(r.IntN(8)),
				PPIDOrFSN: uint32(r.IntN(5)), Beginning: r.IntN(3) == 0, Ending: r.IntN(3) == 0, Unordered: r.IntN(3) == 0,
				UserData: make([]byte, 1+r.IntN(1100))}
			d.handleIData(dataT0, c)
		}
		d.endOfPacket(dataT0)
		if r.IntN(3) == 0 {
			for {
				if _, ok := d.readMessage(); !ok {
					break
				}
			}
		}
		if used := d.rcv.used(); used > limit {
			t.Fatalf("step %d: %d bytes held, bound %d", i, used, limit)
		}
		if d.rcv.items < 0 || d.rcv.buffered < 0 {
			t.Fatalf("step %d: items %d buffered %d", i, d.rcv.items, d.rcv.buffered)
		}
		if r.IntN(100) == 0 {
			base = d.rcv.tracker.cum + 1
		}
	}
	// Everything held is accounted for.
	n, b := d.rcv.ready.len()+d.rcv.pdReady.len(), 0
	for i := range d.rcv.streams {
		n += len(d.rcv.streams[i].frags)
		for _, f := range d.rcv.streams[i].frags {
			b += len(f.buf)
		}
	}
	n += len(d.rcv.unordered)
	for _, f := range d.rcv.unordered {
		b += len(f.buf)
	}
	for i := 0; i < d.rcv.ready.len(); i++ {
		b += len(d.rcv.ready.at(i).data)
	}
	for i := 0; i < d.rcv.pdReady.len(); i++ {
		b += len(d.rcv.pdReady.at(i).data)
	}
	if n != d.rcv.items || b != d.rcv.buffered {
		t.Fatalf("bookkeeping: %d items / %d bytes held, counters say %d / %d", n, b, d.rcv.items, d.rcv.buffered)
	}
}
