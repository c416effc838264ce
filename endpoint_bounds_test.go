package sctp

import (
	"strings"
	"testing"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/udpencap"
)

// maxPacket is the largest SCTP packet that fits one UDP datagram (the
// receive side accepts up to udpencap.MaxDatagram; chunks are padded to 4
// bytes, so 65,504).
const maxPacket = udpencap.MaxDatagram &^ 3

// maxTestConfig is the largest configuration: the packet size at its
// maximum (the setting for kernel-SCTP interop on loopback).
func maxTestConfig() assocConfig {
	c := testAssocConfig()
	c.mtu = maxMTU
	return c
}

// TestInitAckBoundsUnrecognized: an INIT whose one unrecognized parameter
// (action 11: skip and report) fills a whole UDP datagram is answered with
// an INIT ACK that fits the packet size; the parameter that does not fit
// is left out (and counted), not a panic.
func TestInitAckBoundsUnrecognized(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  assocConfig
	}{{"max-mtu", maxTestConfig()}, {"default-mtu", testAssocConfig()}} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTestPeer(t)
			tp.listen(tc.cfg)
			// INIT chunk header 20 bytes, common header 12, parameter header 4.
			val := make([]byte, maxPacket-12-chunk.InitHeaderLen-4)
			for i := range val {
				val[i] = byte(i)
			}
			params := chunk.AppendParam(nil, chunk.ParamType(0xC123), val)
			pkt := tp.packet(0, tp.peerInit(params))
			if len(pkt) != maxPacket {
				t.Fatalf("INIT packet %d bytes, want %d", len(pkt), maxPacket)
			}
			tp.ep.handleDatagram(tp.now, tp.addr, pkt)
			tp.collect()
			p := tp.wantPacket(tp.peerTag, chunk.TypeInitAck)
			ack := decodeAs(t, p.chunks[0], &chunk.InitAck{})
			if n := 12 + 4 + chunk.InitHeaderLen + len(ack.Params); n > tc.cfg.withDefaults().mtu {
				t.Fatalf("INIT ACK packet %d bytes > packet size %d", n, tc.cfg.withDefaults().mtu)
			}
			if _, ok := findParam(t, ack.Params, chunk.ParamUnrecognized); ok {
				t.Fatalf("INIT ACK reports a parameter that cannot fit")
			}
			if got := tp.ep.stats().UnrecognizedNotReported; got != 1 {
				t.Fatalf("UnrecognizedNotReported = %d, want 1", got)
			}
			// The handshake still completes.
			tp.write(ack.InitiateTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
			tp.wantPacket(tp.peerTag, chunk.TypeCookieAck)
		})
	}
}

// TestInitAckReportsWhatFits: several small unrecognized parameters are all
// reported; with many, the INIT ACK reports a prefix of whole parameters
// and stays within the packet size.
func TestInitAckReportsWhatFits(t *testing.T) {
	tp := newTestPeer(t)
	tp.listen(testAssocConfig())
	var params []byte
	for i := 0; i < 3; i++ {
		params = chunk.AppendParam(params, chunk.ParamType(0xC100+i), []byte{1, 2, 3, byte(i)})
	}
	tp.write(0, tp.peerInit(params))
	ack := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeInitAck).chunks[0], &chunk.InitAck{})
	n := 0
	it := chunk.NewParamIter(ack.Params)
	for it.Next() {
		if it.Param().Type == chunk.ParamUnrecognized {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("reported %d unrecognized parameters, want 3", n)
	}
	// A small parameter and one of 1,400 bytes: the second does not fit a
	// 1,452-byte INIT ACK next to the first, the cookie and our own
	// parameters; the first is still reported.
	tp2 := newTestPeer(t)
	tp2.listen(testAssocConfig())
	params = chunk.AppendParam(nil, chunk.ParamType(0xC100), make([]byte, 96))
	params = chunk.AppendParam(params, chunk.ParamType(0xC101), make([]byte, 1400))
	tp2.write(0, tp2.peerInit(params))
	p := tp2.wantPacket(tp2.peerTag, chunk.TypeInitAck)
	ack = decodeAs(t, p.chunks[0], &chunk.InitAck{})
	if l := 12 + 4 + chunk.InitHeaderLen + len(ack.Params); l > assocDefaultMTU {
		t.Fatalf("INIT ACK packet %d bytes > %d", l, assocDefaultMTU)
	}
	var reported []chunk.ParamType
	it = chunk.NewParamIter(ack.Params)
	for it.Next() {
		if q := it.Param(); q.Type == chunk.ParamUnrecognized {
			var u chunk.UnrecognizedParam
			if err := u.Decode(q); err != nil {
				t.Fatal(err)
			}
			reported = append(reported, chunk.ParamType(uint16(u.Param[0])<<8|uint16(u.Param[1])))
		}
	}
	if len(reported) != 1 || reported[0] != 0xC100 {
		t.Fatalf("reported %v, want [0xC100]", reported)
	}
	if got := tp2.ep.stats().UnrecognizedNotReported; got != 1 {
		t.Fatalf("UnrecognizedNotReported = %d, want 1", got)
	}
}

// sentMax fails if a packet the endpoint sent exceeds limit bytes.
func (tp *testPeer) sentMax(limit int) {
	tp.t.Helper()
	for _, p := range tp.sent {
		n := commonHeaderLen
		for _, c := range p.chunks {
			n += (c.Len() + 3) &^ 3
		}
		if n > limit {
			tp.t.Fatalf("sent a %d-byte packet > %d: %v", n, limit, p)
		}
	}
}

// TestClientInitAckHugeParams: the client's answer to an INIT ACK of a
// whole datagram (one unrecognized parameter to report with cause 8, or a
// Host Name Address to echo in cause 5) fits the packet size.
func TestClientInitAckHugeParams(t *testing.T) {
	cookie := chunk.AppendParam(nil, chunk.ParamStateCookie, []byte("peer-cookie-0123"))
	fill := maxPacket - commonHeaderLen - chunk.InitHeaderLen - len(cookie) - 4
	for _, cfg := range []assocConfig{maxTestConfig(), testAssocConfig()} {
		mtu := cfg.withDefaults().mtu
		t.Run("unrecognized", func(t *testing.T) {
			tp := newTestPeer(t)
			tp.startConnect(cfg)
			extra := chunk.AppendParam(nil, chunk.ParamType(0xC123), make([]byte, fill))
			tp.ep.handleDatagram(tp.now, tp.addr, tp.packet(tp.epTag, &chunk.InitAck{InitiateTag: tp.peerTag, ARwnd: 100000, OutStreams: 8, InStreams: 8, InitialTSN: tp.peerTSN, Params: append(cookie, extra...)}))
			tp.collect()
			tp.sentMax(mtu)
			// The report does not fit: COOKIE ECHO alone.
			tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
			// A small one still goes with it.
			tp2 := newTestPeer(t)
			tp2.startConnect(cfg)
			tp2.answerInit(chunk.AppendParam(nil, chunk.ParamType(0xC123), []byte("abcd")))
			p := tp2.wantPacket(tp2.peerTag, chunk.TypeCookieEcho, chunk.TypeError)
			wantCause(t, p.chunks[1].Value, chunk.CauseUnrecognizedParams)
		})
		t.Run("hostname", func(t *testing.T) {
			tp := newTestPeer(t)
			tp.startConnect(cfg)
			extra := chunk.AppendParam(nil, chunk.ParamHostName, make([]byte, fill))
			tp.ep.handleDatagram(tp.now, tp.addr, tp.packet(tp.epTag, &chunk.InitAck{InitiateTag: tp.peerTag, ARwnd: 100000, OutStreams: 8, InStreams: 8, InitialTSN: tp.peerTSN, Params: append(cookie, extra...)}))
			tp.collect()
			tp.sentMax(mtu)
			ab := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeAbort).chunks[0], &chunk.Abort{})
			wantCause(t, ab.Causes, chunk.CauseUnresolvableAddr)
		})
	}
}

// TestListenerHostNameHuge: the listener's ABORT answering an INIT with a
// whole-datagram Host Name Address fits the packet size.
func TestListenerHostNameHuge(t *testing.T) {
	tp := newTestPeer(t)
	tp.listen(maxTestConfig())
	params := chunk.AppendParam(nil, chunk.ParamHostName, make([]byte, maxPacket-commonHeaderLen-chunk.InitHeaderLen-4))
	tp.ep.handleDatagram(tp.now, tp.addr, tp.packet(0, tp.peerInit(params)))
	tp.collect()
	tp.sentMax(assocDefaultMTU)
	wantCause(t, tp.wantAbort().Causes, chunk.CauseUnresolvableAddr)
}

// TestEchoesAtLargestDatagram: in an association at the largest packet
// size, a HEARTBEAT whose Heartbeat Info fills a datagram is answered with
// the same info (RFC 9260 §8.3: echoed unchanged, a packet of the size
// the peer itself sent), and an unrecognized chunk of a whole datagram
// (action 11: skip and report) is reported with cause 6 when the report
// fits the packet size and skipped otherwise; no panic, every packet fits
// one UDP datagram.
func TestEchoesAtLargestDatagram(t *testing.T) {
	for _, cfg := range []assocConfig{maxTestConfig(), testAssocConfig()} {
		tp := newTestPeer(t)
		tp.acceptHandshake(cfg)
		mtu := cfg.withDefaults().mtu
		info := make([]byte, maxPacket-commonHeaderLen-chunk.HeaderLen-4)
		for i := range info {
			info[i] = byte(i * 7)
		}
		tp.write(tp.epTag, &chunk.Heartbeat{Info: info})
		tp.sentMax(maxPacket)
		p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeatAck)
		ack := decodeAs(t, p.chunks[0], &chunk.HeartbeatAck{})
		if string(ack.Info) != string(info) {
			t.Fatalf("HEARTBEAT ACK info differs (%d bytes, want %d)", len(ack.Info), len(info))
		}
		// Unknown chunk type 0xFF (action 11) of a whole datagram.
		tp.write(tp.epTag, &chunk.Unknown{Raw: chunk.Raw{Type: 0xFF, Value: make([]byte, maxPacket-commonHeaderLen-chunk.HeaderLen)}})
		tp.sentMax(mtu)
		tp.wantIdle()
		// One that fits is reported.
		small := make([]byte, mtu-200)
		tp.write(tp.epTag, &chunk.Unknown{Raw: chunk.Raw{Type: 0xFF, Value: small}})
		tp.sentMax(mtu)
		p = tp.wantPacket(tp.peerTag, chunk.TypeError)
		wantCause(t, p.chunks[0].Value, chunk.CauseUnrecognizedChunk)
		if tp.assoc.currentState() != stateEstablished {
			t.Fatalf("state %v", tp.assoc.currentState())
		}
	}
}

// TestUserAbortReasonLargest: an ABORT with a user reason longer than any
// packet is cut to fit the packet size (RFC 9260 §3.3.10.12 carries it
// whole only when it fits), at the largest and the smallest packet size.
func TestUserAbortReasonLargest(t *testing.T) {
	for _, mtu := range []int{maxMTU, minMTU} {
		cfg := testAssocConfig()
		cfg.mtu = mtu
		tp := newTestPeer(t)
		tp.acceptHandshake(cfg)
		reason := strings.Repeat("r", 100000)
		tp.assoc.abort(tp.now, reason)
		tp.collect()
		tp.sentMax(mtu)
		ab := tp.wantAbort()
		c := wantCause(t, ab.Causes, chunk.CauseUserInitiatedAbort)
		if len(c.Info) == 0 || !strings.HasPrefix(reason, string(c.Info)) {
			t.Fatalf("reason %d bytes, want a non-empty prefix", len(c.Info))
		}
	}
}
