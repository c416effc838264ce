package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"github.com/usctp/sctp/chunk"
)

// The checks below never let a decoder's output go unchecked: whatever
// decodes must encode to something that decodes again to the same value and
// re-encodes to the same bytes (decode→encode→decode stable), and whatever
// fails must fail with a typed error (*chunk.ParseError wrapping one of the
// chunk.Err* sentinels). The targets of fuzz_test.go and the root package's
// FuzzParsePacket (packet_fuzz_test.go) share them.

var chunkSentinels = []error{
	chunk.ErrTooShort, chunk.ErrBadLength, chunk.ErrBadPadding, chunk.ErrWrongType,
	chunk.ErrForbiddenParam, chunk.ErrMissingParam, chunk.ErrDuplicateParam, chunk.ErrInvalidField,
	chunk.ErrHostNameAddr,
}

// CheckChunkErr fails unless err is a *chunk.ParseError wrapping a sentinel.
func CheckChunkErr(t testing.TB, what string, err error) {
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

// CheckChunk decodes r with its typed value and checks the stability
// property; it returns the encoding (nil when r does not decode).
func CheckChunk(t testing.TB, r chunk.Raw) []byte {
	t.Helper()
	c1 := NewChunk(r.Type)
	if err := c1.Decode(r); err != nil {
		CheckChunkErr(t, fmt.Sprintf("Decode %v", r.Type), err)
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

// checkParam is CheckChunk for one parameter.
func checkParam(t testing.TB, p chunk.Param) {
	t.Helper()
	v1 := NewParam(p.Type)
	if v1 == nil {
		return
	}
	if err := v1.Decode(p); err != nil {
		CheckChunkErr(t, fmt.Sprintf("Decode param %v", p.Type), err)
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

// checkCause is CheckChunk for one error cause.
func checkCause(t testing.TB, c chunk.Cause) {
	t.Helper()
	v1 := NewCause(c.Code)
	if v1 == nil {
		return
	}
	if err := v1.Decode(c); err != nil {
		CheckChunkErr(t, fmt.Sprintf("Decode cause %v", c.Code), err)
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

// CheckParamList walks a parameter list, checks every parameter, and checks
// that re-appending the raw parameters reproduces a list that walks the same.
func CheckParamList(t testing.TB, b []byte) {
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
		CheckChunkErr(t, "ParamIter", err)
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

// CheckCauseList is CheckParamList for an error cause list.
func CheckCauseList(t testing.TB, b []byte) {
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
		CheckChunkErr(t, "CauseIter", err)
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

// Nested returns the parameter and cause lists carried by a decoded chunk.
func Nested(c chunk.Chunk) (params, causes []byte) {
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

// SyntheticChunks are seeds for chunk types the captures lack.
func SyntheticChunks() []chunk.Chunk {
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
