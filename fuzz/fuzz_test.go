package fuzz

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/usctp/sctp/chunk"
)

// commonHeaderLen is the length of the SCTP common header (RFC 9260
// §3.1) in front of a golden packet's chunks.
const commonHeaderLen = 12

// goldenSeeds loads the golden packets (testdata/README.md).
func goldenSeeds(f *testing.F) []Golden {
	g, err := GoldenPackets("../testdata")
	if err != nil {
		f.Fatal(err)
	}
	return g
}

// FuzzChunk is the table-driven target for every chunk decoder: data[0] is
// the chunk type (any of the 256, so Unknown is covered too), data[1] the
// flags, the rest the value. Decoded chunks must be decode→encode→decode
// stable, and their parameter and cause lists are checked as well.
func FuzzChunk(f *testing.F) {
	add := func(r chunk.Raw) { f.Add(append([]byte{byte(r.Type), r.Flags}, r.Value...)) }
	for _, g := range goldenSeeds(f) {
		it := chunk.NewIter(g.Payload[commonHeaderLen:])
		for it.Next() {
			add(it.Chunk())
		}
	}
	for _, c := range SyntheticChunks() {
		it := chunk.NewIter(c.AppendTo(nil))
		for it.Next() {
			add(it.Chunk())
		}
	}
	for _, ty := range ChunkTypes {
		f.Add([]byte{byte(ty), 0})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		r := chunk.Raw{Type: chunk.Type(data[0]), Flags: data[1], Value: data[2:]}
		if len(r.Value) > 0xFFFF-chunk.HeaderLen {
			return // not representable in a chunk
		}
		if CheckChunk(t, r) == nil {
			return
		}
		c := NewChunk(r.Type)
		if err := c.Decode(r); err != nil {
			t.Fatalf("%v: decodes once, not twice: %v", r.Type, err)
		}
		ps, cs := Nested(c)
		if ps != nil {
			CheckParamList(t, ps)
		}
		if cs != nil {
			CheckCauseList(t, cs)
		}
		// The packet-level walk must agree with the Raw given here: a
		// chunk encoded from r iterates back to r.
		enc := (chunk.Raw{Type: r.Type, Flags: r.Flags, Value: r.Value}).AppendTo(nil)
		it := chunk.NewIter(enc)
		if !it.Next() || it.Chunk().Type != r.Type || it.Chunk().Flags != r.Flags || !bytes.Equal(it.Chunk().Value, r.Value) {
			t.Fatalf("Raw.AppendTo does not iterate back: %v", it.Err())
		}
	})
}

// FuzzParams: arbitrary bytes as a parameter list; every parameter of a
// known type decodes with its typed value or fails with a typed error, and
// decoded parameters are decode→encode→decode stable. data[0] selects a
// chunk whose Decode also validates the list (INIT, INIT ACK, RE-CONFIG,
// ASCONF, ASCONF-ACK, HEARTBEAT).
func FuzzParams(f *testing.F) {
	hosts := []chunk.Type{chunk.TypeInit, chunk.TypeInitAck, chunk.TypeReconfig, chunk.TypeAsconf, chunk.TypeAsconfAck, chunk.TypeHeartbeat}
	for _, g := range goldenSeeds(f) {
		it := chunk.NewIter(g.Payload[commonHeaderLen:])
		for it.Next() {
			r := it.Chunk()
			switch r.Type {
			case chunk.TypeInit, chunk.TypeInitAck:
				f.Add(append([]byte{byte(r.Type)}, r.Value[16:]...))
			case chunk.TypeHeartbeat, chunk.TypeReconfig:
				f.Add(append([]byte{byte(r.Type)}, r.Value...))
			}
		}
	}
	a4, a6 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")
	for _, p := range []chunk.TypedParam{
		&chunk.AddIPAddrParam{CorrelationID: 1, Addr: a6},
		&chunk.DeleteIPAddrParam{CorrelationID: 2, Addr: a4},
		&chunk.SetPrimaryAddrParam{CorrelationID: 3, Addr: a4},
		&chunk.ErrorCauseIndicationParam{CorrelationID: 4, Causes: chunk.AppendCause(nil, chunk.CauseResourceShortage, nil)},
		&chunk.SuccessIndicationParam{CorrelationID: 5},
		&chunk.OutSSNResetReqParam{ReqSeq: 1, RespSeq: 2, LastTSN: 3, Streams: []uint16{1}},
		&chunk.InSSNResetReqParam{ReqSeq: 1, Streams: []uint16{1, 2}},
		&chunk.SSNTSNResetReqParam{ReqSeq: 1},
		&chunk.ReconfigRespParam{RespSeq: 1, Result: 1, HasTSNs: true, SenderNextTSN: 2, ReceiverNextTSN: 3},
		&chunk.AddInStreamsReqParam{ReqSeq: 1, NewStreams: 1},
		&chunk.HostNameParam{Name: []byte("example.org\x00")},
		&chunk.CookiePreservativeParam{Increment: 1},
		&chunk.ZeroChecksumParam{EDMID: 1},
		&chunk.PaddingParam{Padding: make([]byte, 3)},
		&chunk.UnrecognizedParam{Param: chunk.AppendParam(nil, 0xfffe, []byte{1})},
	} {
		f.Add(append([]byte{byte(chunk.TypeAsconf)}, p.AppendTo(nil)...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		list := data[1:]
		CheckParamList(t, list)
		// The same list inside its host chunk: Decode must not panic and
		// must fail only with typed errors.
		host := hosts[int(data[0])%len(hosts)]
		var v []byte
		switch host {
		case chunk.TypeInit, chunk.TypeInitAck:
			v = append([]byte{0, 0, 0, 1, 0, 0, 0x10, 0, 0, 1, 0, 1, 0, 0, 0, 1}, list...)
		case chunk.TypeAsconf, chunk.TypeAsconfAck:
			v = append([]byte{0, 0, 0, 1}, list...)
		default:
			v = list
		}
		if len(v) > 0xFFFF-chunk.HeaderLen {
			return
		}
		CheckChunk(t, chunk.Raw{Type: host, Value: v})
	})
}

// FuzzCauses: arbitrary bytes as an error cause list (the value of an
// ABORT or ERROR); every cause of a known code decodes with its typed
// value or fails with a typed error, and decoded causes are
// decode→encode→decode stable.
func FuzzCauses(f *testing.F) {
	for _, g := range goldenSeeds(f) {
		it := chunk.NewIter(g.Payload[commonHeaderLen:])
		for it.Next() {
			if r := it.Chunk(); r.Type == chunk.TypeAbort || r.Type == chunk.TypeError {
				f.Add(r.Value)
			}
		}
	}
	ipv4 := chunk.AppendParam(nil, chunk.ParamIPv4Addr, []byte{192, 0, 2, 1})
	for _, c := range []chunk.TypedCause{
		&chunk.InvalidStreamCause{Stream: 1},
		&chunk.MissingParamCause{Types: []chunk.ParamType{chunk.ParamStateCookie}},
		&chunk.StaleCookieCause{Staleness: 1},
		&chunk.OutOfResourceCause{},
		&chunk.UnresolvableAddrCause{Addr: chunk.AppendParam(nil, chunk.ParamHostName, []byte("a\x00"))[:6]},
		&chunk.UnrecognizedChunkCause{Chunk: []byte{0xfe, 0, 0, 4}},
		&chunk.InvalidMandatoryParamCause{},
		&chunk.UnrecognizedParamsCause{Params: ipv4},
		&chunk.NoUserDataCause{TSN: 1},
		&chunk.CookieWhileShuttingDownCause{},
		&chunk.RestartNewAddrsCause{Addrs: ipv4},
		&chunk.UserInitiatedAbortCause{Reason: []byte("x")},
		&chunk.ProtocolViolationCause{Info: []byte("yz")},
		&chunk.RestartNewEncapPortCause{CurrentPort: 9899, NewPort: 9900},
		&chunk.DeleteLastAddrCause{Param: ipv4},
		&chunk.ResourceShortageCause{Param: ipv4},
		&chunk.DeleteSourceAddrCause{Param: ipv4},
		&chunk.IllegalAsconfAckCause{},
		&chunk.NoAuthorizationCause{Param: ipv4},
		&chunk.UnsupportedHMACCause{HMACID: 2},
	} {
		f.Add(c.AppendTo(nil))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		CheckCauseList(t, data)
		if len(data) <= 0xFFFF-chunk.HeaderLen {
			CheckChunk(t, chunk.Raw{Type: chunk.TypeAbort, Value: data})
			CheckChunk(t, chunk.Raw{Type: chunk.TypeError, Value: data})
		}
	})
}
