package sctp

import (
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
