package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	sctp "github.com/usctp/sctp"
	"github.com/usctp/sctp/chunk"
)

// The targets below never let a decoder's output go unchecked: whatever
// decodes must encode to something that decodes again to the same value and
// re-encodes to the same bytes (decode→encode→decode stable), and whatever
// fails must fail with a typed error (*chunk.ParseError wrapping one of the
// chunk.Err* sentinels, or one of the sctp.Err* packet errors).

var chunkSentinels = []error{
	chunk.ErrTooShort, chunk.ErrBadLength, chunk.ErrBadPadding, chunk.ErrWrongType,
	chunk.ErrForbiddenParam, chunk.ErrMissingParam, chunk.ErrDuplicateParam, chunk.ErrInvalidField,
	chunk.ErrHostNameAddr,
}

var packetSentinels = []error{
	sctp.ErrPacketTooShort, sctp.ErrBadChecksum, sctp.ErrZeroPort, sctp.ErrNoChunks,
	sctp.ErrNotAlone, sctp.ErrInitVTag, sctp.ErrZeroVTag,
}

// checkChunkErr fails unless err is a *chunk.ParseError wrapping a sentinel.
func checkChunkErr(t *testing.T, what string, err error) {
	t.Helper()
	var pe *chunk.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("%s: error %v (%T) is not a *chunk.ParseError", what, err, err)
	}
	for _, s := range chunkSentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error %v wraps no chunk sentinel", what, err)
}

func checkPacketErr(t *testing.T, what string, err error) {
	t.Helper()
	for _, s := range packetSentinels {
		if errors.Is(err, s) {
			return
		}
	}
	checkChunkErr(t, what, err)
}

// same reports whether two decoded values hold the same data (nil and
// empty slices compare equal; slices are compared by content). The raw
// parameter/cause lists held by chunks are compared without the padding
// after their last element: a chunk length may or may not count it (RFC
// 9260 §3.2 says it should not), so a decoded list may end with it while
// the re-encoded one does not; both lists hold the same elements.
func same(a, b any) bool { return fmt.Sprintf("%+v", trimmed(a)) == fmt.Sprintf("%+v", trimmed(b)) }

// listLen returns the length of a TLV list without its final padding (the
// whole list when it is malformed).
func listLen(b []byte) int {
	off, last := 0, 0
	for off < len(b) {
		if off+4 > len(b) {
			return len(b)
		}
		l := int(b[off+2])<<8 | int(b[off+3])
		if l < 4 || off+l > len(b) {
			return len(b)
		}
		last = off + l
		off += (l + 3) &^ 3
	}
	return last
}

func trimmed(v any) any {
	switch c := v.(type) {
	case *chunk.Init:
		x := *c
		x.Params = x.Params[:listLen(x.Params)]
		return &x
	case *chunk.InitAck:
		x := *c
		x.Params = x.Params[:listLen(x.Params)]
		return &x
	case *chunk.Reconfig:
		x := *c
		x.Params = x.Params[:listLen(x.Params)]
		return &x
	case *chunk.Asconf:
		x := *c
		x.Params = x.Params[:listLen(x.Params)]
		return &x
	case *chunk.AsconfAck:
		x := *c
		x.Params = x.Params[:listLen(x.Params)]
		return &x
	case *chunk.Abort:
		x := *c
		x.Causes = x.Causes[:listLen(x.Causes)]
		return &x
	case *chunk.Error:
		x := *c
		x.Causes = x.Causes[:listLen(x.Causes)]
		return &x
	}
	return v
}

// checkChunk decodes r with its typed value and checks the stability
// property; it returns the encoding (nil when r does not decode).
func checkChunk(t *testing.T, r chunk.Raw) []byte {
	t.Helper()
	c1 := NewChunk(r.Type)
	if err := c1.Decode(r); err != nil {
		checkChunkErr(t, fmt.Sprintf("Decode %v", r.Type), err)
		// Decoding is deterministic: a second decode fails the same way.
		again := NewChunk(r.Type)
		if err2 := again.Decode(r); err2 == nil || err2.Error() != err.Error() {
			t.Fatalf("%v: second Decode gave %v, first %v", r.Type, err2, err)
		}
		return nil
	}
	if c1.ChunkType() != r.Type {
		t.Fatalf("decoded %v reports ChunkType %v", r.Type, c1.ChunkType())
	}
	b1 := c1.AppendTo(nil)
	if len(b1)%4 != 0 {
		t.Fatalf("%v: encoding of %d bytes is not padded to 4", r.Type, len(b1))
	}
	// b1 is exactly one well-framed chunk of the same type.
	it := chunk.NewIter(b1)
	if !it.Next() {
		t.Fatalf("%v: re-encoded chunk does not iterate: %v\n%x", r.Type, it.Err(), b1)
	}
	r2 := it.Chunk()
	if it.Next() || it.Err() != nil {
		t.Fatalf("%v: re-encoded chunk is not a single chunk (err %v)\n%x", r.Type, it.Err(), b1)
	}
	if r2.Type != r.Type {
		t.Fatalf("re-encoded %v has type %v", r.Type, r2.Type)
	}
	c2 := NewChunk(r.Type)
	if err := c2.Decode(r2); err != nil {
		t.Fatalf("%v: re-encoded chunk does not decode: %v\nvalue %+v\nencoding %x", r.Type, err, c1, b1)
	}
	if !same(c1, c2) {
		t.Fatalf("%v: decode→encode→decode changed the value\nfirst  %+v\nsecond %+v", r.Type, c1, c2)
	}
	if b2 := c2.AppendTo(nil); !bytes.Equal(b1, b2) {
		t.Fatalf("%v: encode→decode→encode changed the bytes\n%x\n%x", r.Type, b1, b2)
	}
	// Decoding the original into a value that already holds slices (the
	// zero-copy reuse path) gives the same value as a fresh decode.
	if err := c2.Decode(r); err != nil {
		t.Fatalf("%v: Decode into a used value failed: %v", r.Type, err)
	}
	if !same(c1, c2) {
		t.Fatalf("%v: Decode into a used value differs\nfresh %+v\nused  %+v", r.Type, c1, c2)
	}
	// Appending after existing bytes writes the same chunk.
	prefix := []byte{0xde, 0xad}
	if b3 := c1.AppendTo(prefix); !bytes.Equal(b3[2:], b1) || !bytes.Equal(b3[:2], []byte{0xde, 0xad}) {
		t.Fatalf("%v: AppendTo after a prefix differs", r.Type)
	}
	return b1
}

// checkParam is checkChunk for one parameter.
func checkParam(t *testing.T, p chunk.Param) {
	t.Helper()
	v1 := NewParam(p.Type)
	if v1 == nil {
		return
	}
	if err := v1.Decode(p); err != nil {
		checkChunkErr(t, fmt.Sprintf("Decode param %v", p.Type), err)
		return
	}
	b1 := v1.AppendTo(nil)
	it := chunk.NewParamIter(b1)
	if !it.Next() {
		t.Fatalf("param %v: re-encoding does not iterate: %v\n%x", p.Type, it.Err(), b1)
	}
	p2 := it.Param()
	if it.Next() || it.Err() != nil || len(b1)%4 != 0 {
		t.Fatalf("param %v: re-encoding is not one padded parameter\n%x", p.Type, b1)
	}
	if p2.Type != v1.ParamType() {
		t.Fatalf("param %v: re-encoded as type %v, ParamType says %v", p.Type, p2.Type, v1.ParamType())
	}
	v2 := NewParam(p2.Type)
	if v2 == nil {
		t.Fatalf("param %v re-encoded as untyped %v", p.Type, p2.Type)
	}
	if err := v2.Decode(p2); err != nil {
		t.Fatalf("param %v: re-encoding does not decode: %v\nvalue %+v\nencoding %x", p.Type, err, v1, b1)
	}
	if !same(v1, v2) {
		t.Fatalf("param %v: decode→encode→decode changed the value\nfirst  %+v\nsecond %+v", p.Type, v1, v2)
	}
	if b2 := v2.AppendTo(nil); !bytes.Equal(b1, b2) {
		t.Fatalf("param %v: encode→decode→encode changed the bytes\n%x\n%x", p.Type, b1, b2)
	}
}

// checkCause is checkChunk for one error cause.
func checkCause(t *testing.T, c chunk.Cause) {
	t.Helper()
	v1 := NewCause(c.Code)
	if v1 == nil {
		return
	}
	if err := v1.Decode(c); err != nil {
		checkChunkErr(t, fmt.Sprintf("Decode cause %v", c.Code), err)
		return
	}
	b1 := v1.AppendTo(nil)
	it := chunk.NewCauseIter(b1)
	if !it.Next() {
		t.Fatalf("cause %v: re-encoding does not iterate: %v\n%x", c.Code, it.Err(), b1)
	}
	c2 := it.Cause()
	if it.Next() || it.Err() != nil || len(b1)%4 != 0 {
		t.Fatalf("cause %v: re-encoding is not one padded cause\n%x", c.Code, b1)
	}
	if c2.Code != c.Code || v1.CauseCode() != c.Code {
		t.Fatalf("cause %v: re-encoded as %v (CauseCode %v)", c.Code, c2.Code, v1.CauseCode())
	}
	v2 := NewCause(c2.Code)
	if err := v2.Decode(c2); err != nil {
		t.Fatalf("cause %v: re-encoding does not decode: %v\nvalue %+v\nencoding %x", c.Code, err, v1, b1)
	}
	if !same(v1, v2) {
		t.Fatalf("cause %v: decode→encode→decode changed the value\nfirst  %+v\nsecond %+v", c.Code, v1, v2)
	}
	if b2 := v2.AppendTo(nil); !bytes.Equal(b1, b2) {
		t.Fatalf("cause %v: encode→decode→encode changed the bytes\n%x\n%x", c.Code, b1, b2)
	}
}

// checkParamList walks a parameter list, checks every parameter, and checks
// that re-appending the raw parameters reproduces a list that walks the same.
func checkParamList(t *testing.T, b []byte) {
	t.Helper()
	it := chunk.NewParamIter(b)
	var rebuilt []byte
	var ps []chunk.Param
	for it.Next() {
		p := it.Param()
		ps = append(ps, p)
		rebuilt = chunk.AppendParam(rebuilt, p.Type, p.Value)
		if raw := it.Raw(); len(raw) != 4+len(p.Value) || !bytes.Equal(raw[4:], p.Value) {
			t.Fatalf("ParamIter.Raw %x does not match the parameter %v %x", raw, p.Type, p.Value)
		}
		checkParam(t, p)
	}
	if err := it.Err(); err != nil {
		checkChunkErr(t, "ParamIter", err)
	}
	it2 := chunk.NewParamIter(rebuilt)
	for i := 0; it2.Next(); i++ {
		if p := it2.Param(); i >= len(ps) || p.Type != ps[i].Type || !bytes.Equal(p.Value, ps[i].Value) {
			t.Fatalf("re-appended parameter list walks differently at %d", i)
		}
	}
	if it2.Err() != nil {
		t.Fatalf("re-appended parameter list: %v", it2.Err())
	}
}

func checkCauseList(t *testing.T, b []byte) {
	t.Helper()
	it := chunk.NewCauseIter(b)
	var rebuilt []byte
	var cs []chunk.Cause
	for it.Next() {
		c := it.Cause()
		cs = append(cs, c)
		rebuilt = chunk.AppendCause(rebuilt, c.Code, c.Info)
		checkCause(t, c)
	}
	if err := it.Err(); err != nil {
		checkChunkErr(t, "CauseIter", err)
	}
	it2 := chunk.NewCauseIter(rebuilt)
	for i := 0; it2.Next(); i++ {
		if c := it2.Cause(); i >= len(cs) || c.Code != cs[i].Code || !bytes.Equal(c.Info, cs[i].Info) {
			t.Fatalf("re-appended cause list walks differently at %d", i)
		}
	}
	if it2.Err() != nil {
		t.Fatalf("re-appended cause list: %v", it2.Err())
	}
}

// nested returns the parameter and cause lists carried by a decoded chunk.
func nested(c chunk.Chunk) (params, causes []byte) {
	switch c := c.(type) {
	case *chunk.Init:
		return c.Params, nil
	case *chunk.InitAck:
		return c.Params, nil
	case *chunk.Reconfig:
		return c.Params, nil
	case *chunk.Asconf:
		return c.Params, nil
	case *chunk.AsconfAck:
		return c.Params, nil
	case *chunk.Abort:
		return nil, c.Causes
	case *chunk.Error:
		return nil, c.Causes
	}
	return nil, nil
}

// goldenSeeds loads the golden packets (testdata/README.md).
func goldenSeeds(f *testing.F) []Golden {
	g, err := GoldenPackets("../testdata")
	if err != nil {
		f.Fatal(err)
	}
	return g
}

// syntheticChunks are seeds for chunk types the captures lack.
func syntheticChunks() []chunk.Chunk {
	a4 := netip.MustParseAddr("192.0.2.1")
	return []chunk.Chunk{
		&chunk.IData{Beginning: true, TSN: 1, Stream: 2, MID: 3, PPIDOrFSN: 4, UserData: []byte("abc")},
		&chunk.IForwardTSN{NewCumTSN: 9, Streams: []chunk.IForwardTSNStream{{Stream: 1, Unordered: true, MID: 2}}},
		&chunk.Sack{CumTSNAck: 5, ARwnd: 1500, Gaps: []chunk.GapBlock{{Start: 2, End: 3}}, DupTSNs: []uint32{4}},
		&chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseInvalidStream, []byte{0, 1, 0, 0})},
		&chunk.Abort{T: true, Causes: (&chunk.UserInitiatedAbortCause{Reason: []byte("bye")}).AppendTo(nil)},
		&chunk.ECNE{LowestTSN: 7, HasCount: true, Count: 2},
		&chunk.CWR{LowestTSN: 7},
		&chunk.Auth{SharedKeyID: 1, HMACID: 1, HMAC: make([]byte, 20)},
		&chunk.Asconf{Serial: 1, Addr: a4, Params: (&chunk.AddIPAddrParam{CorrelationID: 1, Addr: a4}).AppendTo(nil)},
		&chunk.AsconfAck{Serial: 1, Params: (&chunk.SuccessIndicationParam{CorrelationID: 1}).AppendTo(nil)},
		&chunk.Reconfig{Params: (&chunk.AddOutStreamsReqParam{ReqSeq: 1, NewStreams: 2}).AppendTo(nil)},
		&chunk.Pad{Padding: make([]byte, 8)},
	}
}

// FuzzParsePacket: arbitrary bytes as an SCTP packet. ParsePacket and
// ValidateBundling never panic and fail with typed errors. The input is
// then given a correct CRC32c so the fuzzer reaches the chunks: every chunk
// is checked with checkChunk, and header + re-encoded chunks parse again.
func FuzzParsePacket(f *testing.F) {
	for _, g := range goldenSeeds(f) {
		f.Add(g.Payload)
	}
	for _, c := range syntheticChunks() {
		b := sctp.AppendCommonHeader(nil, sctp.CommonHeader{SrcPort: 1, DstPort: 2, VerificationTag: 3})
		b = c.AppendTo(b)
		sctp.FinalizePacket(b)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, err := sctp.ParsePacket(data); err != nil {
			checkPacketErr(t, "ParsePacket", err)
		}
		if len(data) < sctp.CommonHeaderLen {
			return
		}
		pkt := bytes.Clone(data)
		sctp.FinalizePacket(pkt)
		h, chunks, err := sctp.ParsePacket(pkt)
		if err != nil {
			checkPacketErr(t, "ParsePacket with a good CRC", err)
			if errors.Is(err, sctp.ErrBadChecksum) {
				t.Fatalf("ParsePacket rejects the CRC32c FinalizePacket wrote")
			}
			return
		}
		if !bytes.Equal(chunks, pkt[sctp.CommonHeaderLen:]) {
			t.Fatalf("ParsePacket chunks are not pkt[12:]")
		}
		if err := sctp.ValidateBundling(h, chunks); err != nil {
			checkPacketErr(t, "ValidateBundling", err)
		}
		out := sctp.AppendCommonHeader(nil, h)
		it := chunk.NewIter(chunks)
		allDecode := true
		for it.Next() {
			enc := checkChunk(t, it.Chunk())
			if enc == nil {
				allDecode = false
				continue
			}
			out = append(out, enc...)
		}
		if err := it.Err(); err != nil {
			checkChunkErr(t, "Iter", err)
			return
		}
		if !allDecode {
			return
		}
		sctp.FinalizePacket(out)
		h2, chunks2, err := sctp.ParsePacket(out)
		if err != nil {
			t.Fatalf("re-encoded packet does not parse: %v", err)
		}
		if h2.SrcPort != h.SrcPort || h2.DstPort != h.DstPort || h2.VerificationTag != h.VerificationTag {
			t.Fatalf("re-encoded header %+v, want %+v", h2, h)
		}
		it2 := chunk.NewIter(chunks2)
		for it2.Next() {
		}
		if it2.Err() != nil {
			t.Fatalf("re-encoded packet's chunks do not iterate: %v", it2.Err())
		}
	})
}

// FuzzChunk is the table-driven target for every chunk decoder: data[0] is
// the chunk type (any of the 256, so Unknown is covered too), data[1] the
// flags, the rest the value. Decoded chunks must be decode→encode→decode
// stable, and their parameter and cause lists are checked as well.
func FuzzChunk(f *testing.F) {
	add := func(r chunk.Raw) { f.Add(append([]byte{byte(r.Type), r.Flags}, r.Value...)) }
	for _, g := range goldenSeeds(f) {
		it := chunk.NewIter(g.Payload[sctp.CommonHeaderLen:])
		for it.Next() {
			add(it.Chunk())
		}
	}
	for _, c := range syntheticChunks() {
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
		if checkChunk(t, r) == nil {
			return
		}
		c := NewChunk(r.Type)
		if err := c.Decode(r); err != nil {
			t.Fatalf("%v: decodes once, not twice: %v", r.Type, err)
		}
		ps, cs := nested(c)
		if ps != nil {
			checkParamList(t, ps)
		}
		if cs != nil {
			checkCauseList(t, cs)
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
		it := chunk.NewIter(g.Payload[sctp.CommonHeaderLen:])
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
		checkParamList(t, list)
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
		checkChunk(t, chunk.Raw{Type: host, Value: v})
	})
}

// FuzzCauses: arbitrary bytes as an error cause list (the value of an
// ABORT or ERROR); every cause of a known code decodes with its typed
// value or fails with a typed error, and decoded causes are
// decode→encode→decode stable.
func FuzzCauses(f *testing.F) {
	for _, g := range goldenSeeds(f) {
		it := chunk.NewIter(g.Payload[sctp.CommonHeaderLen:])
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
		checkCauseList(t, data)
		if len(data) <= 0xFFFF-chunk.HeaderLen {
			checkChunk(t, chunk.Raw{Type: chunk.TypeAbort, Value: data})
			checkChunk(t, chunk.Raw{Type: chunk.TypeError, Value: data})
		}
	})
}
