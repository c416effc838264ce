package chunk

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"
)

// params builds a parameter list from typed parameters.
func params(ps ...interface{ AppendTo([]byte) []byte }) []byte {
	var b []byte
	for _, p := range ps {
		b = p.AppendTo(b)
	}
	return b
}

func causes(cs ...TypedCause) []byte {
	var b []byte
	for _, c := range cs {
		b = c.AppendTo(b)
	}
	return b
}

// trimList drops the padding after the last TLV, which a decoded chunk
// does not include (RFC 9260 §3.2).
func trimList(b []byte) []byte { return b[:tlvListLen(b)] }

// allChunks returns one value of every typed chunk, with its expected
// decoded form (slices as a decoder returns them).
func allChunks() []struct {
	name string
	in   Chunk
	want Chunk
	new  func() Chunk
} {
	initParams := params(
		&AddrParam{Addr: netip.MustParseAddr("192.0.2.1")},
		&AddrParam{Addr: netip.MustParseAddr("2001:db8::1")},
		&CookiePreservativeParam{Increment: 1000},
		&SupportedAddrTypesParam{IPv4: true, IPv6: true},
		&ECNCapableParam{},
		&ForwardTSNSupportedParam{},
		&SupportedExtensionsParam{Types: []Type{TypeForwardTSN, TypeReconfig, TypeIData}},
		&RandomParam{Random: bytes.Repeat([]byte{7}, 32)},
		&ChunkListParam{Types: []Type{TypeAsconf, TypeAsconfAck}},
		&RequestedHMACParam{IDs: []uint16{HMACSHA256, HMACSHA1}},
		&PaddingParam{Padding: make([]byte, 5)},
		&AdaptationLayerParam{Indication: 0xdeadbeef},
		&ZeroChecksumParam{EDMID: EDMIDSCTPOverDTLS},
		&Param{Type: 0xC0FE, Value: []byte{1, 2, 3}},
	)
	ackParams := params(
		&StateCookieParam{Cookie: []byte("a cookie of odd size")},
		&UnrecognizedParam{Param: AppendParam(nil, 0x8123, []byte{9})[:5]},
		&AddrParam{Addr: netip.MustParseAddr("198.51.100.7")},
		&Param{Type: 0x4444, Value: []byte{1}},
	)
	abortCauses := causes(&UserInitiatedAbortCause{Reason: []byte("bye")}, &ProtocolViolationCause{Info: []byte("x")})
	reconf := params(&OutSSNResetReqParam{ReqSeq: 1, RespSeq: 2, LastTSN: 3, Streams: []uint16{4, 5, 6}},
		&InSSNResetReqParam{ReqSeq: 7, Streams: []uint16{8}})
	asconfParams := params(
		&AddIPAddrParam{CorrelationID: 1, Addr: netip.MustParseAddr("192.0.2.9")},
		&DeleteIPAddrParam{CorrelationID: 2, Addr: netip.MustParseAddr("2001:db8::9")},
		&SetPrimaryAddrParam{CorrelationID: 3, Addr: netip.MustParseAddr("192.0.2.10")},
		&AdaptationLayerParam{Indication: 5},
	)
	ackResp := params(&SuccessIndicationParam{CorrelationID: 1},
		&ErrorCauseIndicationParam{CorrelationID: 2, Causes: causes(&DeleteLastAddrCause{Param: asconfParams[:28]})})
	type row = struct {
		name string
		in   Chunk
		want Chunk
		new  func() Chunk
	}
	return []row{
		{"DATA", &Data{Immediate: true, Unordered: true, Beginning: true, Ending: false, TSN: 0xfffffff0, Stream: 9, SSN: 65535, PPID: 51, UserData: []byte("hello, world")},
			nil, func() Chunk { return new(Data) }},
		{"DATA empty", &Data{Ending: true, TSN: 1, UserData: []byte{}}, nil, func() Chunk { return new(Data) }},
		{"I-DATA", &IData{Beginning: true, Ending: true, TSN: 7, Stream: 2, MID: 1 << 31, PPIDOrFSN: 53, UserData: []byte("xyz")},
			nil, func() Chunk { return new(IData) }},
		{"SACK", &Sack{CumTSNAck: 100, ARwnd: 1 << 20, Gaps: []GapBlock{{2, 3}, {5, 5}}, DupTSNs: []uint32{99, 98}},
			nil, func() Chunk { return new(Sack) }},
		{"SACK bare", &Sack{CumTSNAck: 1, ARwnd: 2, Gaps: []GapBlock{}, DupTSNs: []uint32{}}, nil, func() Chunk { return new(Sack) }},
		{"INIT", &Init{InitiateTag: 0x01020304, ARwnd: 65535, OutStreams: 10, InStreams: 65535, InitialTSN: 42, Params: initParams},
			&Init{InitiateTag: 0x01020304, ARwnd: 65535, OutStreams: 10, InStreams: 65535, InitialTSN: 42, Params: trimList(initParams)},
			func() Chunk { return new(Init) }},
		{"INIT no params", &Init{InitiateTag: 1, ARwnd: 1500, OutStreams: 1, InStreams: 1, InitialTSN: 0, Params: []byte{}}, nil, func() Chunk { return new(Init) }},
		{"INIT ACK", &InitAck{InitiateTag: 5, ARwnd: 6, OutStreams: 7, InStreams: 8, InitialTSN: 9, Params: ackParams},
			&InitAck{InitiateTag: 5, ARwnd: 6, OutStreams: 7, InStreams: 8, InitialTSN: 9, Params: trimList(ackParams)},
			func() Chunk { return new(InitAck) }},
		{"HEARTBEAT", &Heartbeat{Info: []byte("12345")}, nil, func() Chunk { return new(Heartbeat) }},
		{"HEARTBEAT ACK", &HeartbeatAck{Info: []byte("1234")}, nil, func() Chunk { return new(HeartbeatAck) }},
		{"ABORT", &Abort{T: true, Causes: abortCauses}, &Abort{T: true, Causes: trimList(abortCauses)}, func() Chunk { return new(Abort) }},
		{"ABORT empty", &Abort{Causes: []byte{}}, nil, func() Chunk { return new(Abort) }},
		{"SHUTDOWN", &Shutdown{CumTSNAck: 0x80000001}, nil, func() Chunk { return new(Shutdown) }},
		{"SHUTDOWN ACK", &ShutdownAck{}, nil, func() Chunk { return new(ShutdownAck) }},
		{"ERROR", &Error{Causes: causes(&InvalidStreamCause{Stream: 3})}, nil, func() Chunk { return new(Error) }},
		{"COOKIE ECHO", &CookieEcho{Cookie: []byte("sealed cookie!")}, nil, func() Chunk { return new(CookieEcho) }},
		{"COOKIE ACK", &CookieAck{}, nil, func() Chunk { return new(CookieAck) }},
		{"ECNE", &ECNE{LowestTSN: 77}, nil, func() Chunk { return new(ECNE) }},
		{"ECNE count", &ECNE{LowestTSN: 77, HasCount: true, Count: 3}, nil, func() Chunk { return new(ECNE) }},
		{"CWR", &CWR{LowestTSN: 78}, nil, func() Chunk { return new(CWR) }},
		{"SHUTDOWN COMPLETE", &ShutdownComplete{T: true}, nil, func() Chunk { return new(ShutdownComplete) }},
		{"AUTH", &Auth{SharedKeyID: 1, HMACID: HMACSHA1, HMAC: bytes.Repeat([]byte{0xab}, 20)}, nil, func() Chunk { return new(Auth) }},
		{"ASCONF-ACK", &AsconfAck{Serial: 9, Params: ackResp}, &AsconfAck{Serial: 9, Params: trimList(ackResp)}, func() Chunk { return new(AsconfAck) }},
		{"RE-CONFIG", &Reconfig{Params: reconf}, &Reconfig{Params: trimList(reconf)}, func() Chunk { return new(Reconfig) }},
		{"PAD", &Pad{Padding: make([]byte, 13)}, nil, func() Chunk { return new(Pad) }},
		{"FORWARD TSN", &ForwardTSN{NewCumTSN: 5, Streams: []ForwardTSNStream{{1, 2}, {3, 4}}}, nil, func() Chunk { return new(ForwardTSN) }},
		{"ASCONF", &Asconf{Serial: 1, Addr: netip.MustParseAddr("192.0.2.1"), Params: asconfParams},
			&Asconf{Serial: 1, Addr: netip.MustParseAddr("192.0.2.1"), Params: trimList(asconfParams)}, func() Chunk { return new(Asconf) }},
		{"I-FORWARD TSN", &IForwardTSN{NewCumTSN: 6, Streams: []IForwardTSNStream{{Stream: 1, Unordered: true, MID: 9}, {Stream: 2, MID: 1 << 30}}},
			nil, func() Chunk { return new(IForwardTSN) }},
		{"unknown", &Unknown{Raw: Raw{Type: 0x7f, Flags: 0xa5, Value: []byte{1, 2, 3, 4, 5}}}, nil, func() Chunk { return new(Unknown) }},
	}
}

// normalize turns nil slices into empty ones so DeepEqual compares
// contents (a decoder returns empty, non-nil slices into the packet).
func normalize(c Chunk) Chunk {
	v := reflect.ValueOf(c).Elem()
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Slice:
			if v.IsNil() && v.CanSet() {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Field(i).CanSet() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(v)
	return c
}

func TestChunkRoundTrip(t *testing.T) {
	seen := map[Type]bool{}
	for _, tc := range allChunks() {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == nil {
				want = tc.in
			}
			prefix := []byte{0xee, 0xee, 0xee}
			b := tc.in.AppendTo(append([]byte(nil), prefix...))
			if !bytes.Equal(b[:3], prefix) {
				t.Fatal("AppendTo clobbered the prefix")
			}
			enc := b[3:]
			if len(enc)%4 != 0 {
				t.Fatalf("encoded length %d is not padded to 4", len(enc))
			}
			if Type(enc[0]) != tc.in.ChunkType() {
				t.Fatalf("type byte %d, ChunkType %v", enc[0], tc.in.ChunkType())
			}
			it := NewIter(enc)
			if !it.Next() {
				t.Fatalf("Next: %v", it.Err())
			}
			r := it.Chunk()
			if it.Next() || it.Err() != nil {
				t.Fatalf("more than one chunk or error %v", it.Err())
			}
			if l := int(binary.BigEndian.Uint16(enc[2:])); l != r.Len() || pad4(l) != len(enc) {
				t.Fatalf("length field %d, Raw.Len %d, encoded %d", l, r.Len(), len(enc))
			}
			got := tc.new()
			if err := got.Decode(r); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(normalize(got), normalize(want)) {
				t.Fatalf("decoded\n %#v\nwant\n %#v", got, want)
			}
			if again := got.AppendTo(nil); !bytes.Equal(again, enc) {
				t.Fatalf("re-encoding differs:\n% x\n% x", again, enc)
			}
			// Raw round trip is byte-identical too.
			if rr := r.AppendTo(nil); !bytes.Equal(rr, enc) {
				t.Fatalf("Raw.AppendTo differs:\n% x\n% x", rr, enc)
			}
			seen[tc.in.ChunkType()] = true
		})
	}
	for tp := range typeNames {
		if !seen[tp] {
			t.Errorf("no round-trip case for %v", tp)
		}
	}
}

// TestDecodeReusesSlices checks that decoding into a used value keeps its
// backing arrays and leaves no stale elements.
func TestDecodeReusesSlices(t *testing.T) {
	s := &Sack{Gaps: make([]GapBlock, 0, 8), DupTSNs: make([]uint32, 0, 8)}
	big := (&Sack{CumTSNAck: 1, Gaps: []GapBlock{{1, 1}, {3, 4}, {6, 9}}, DupTSNs: []uint32{1, 2}}).AppendTo(nil)
	small := (&Sack{CumTSNAck: 2, Gaps: []GapBlock{{2, 2}}}).AppendTo(nil)
	gp := &s.Gaps[:1][0]
	for _, b := range [][]byte{big, small} {
		it := NewIter(b)
		it.Next()
		if err := s.Decode(it.Chunk()); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.Gaps) != 1 || s.Gaps[0] != (GapBlock{2, 2}) || len(s.DupTSNs) != 0 || s.CumTSNAck != 2 {
		t.Fatalf("stale decode: %+v", s)
	}
	if &s.Gaps[0] != gp {
		t.Fatal("Gaps backing array not reused")
	}
}

func TestDataZeroCopy(t *testing.T) {
	b := (&Data{TSN: 1, UserData: []byte("abcd")}).AppendTo(nil)
	it := NewIter(b)
	it.Next()
	var d Data
	if err := d.Decode(it.Chunk()); err != nil {
		t.Fatal(err)
	}
	b[DataHeaderLen] = 'X'
	if string(d.UserData) != "Xbcd" {
		t.Fatalf("UserData is a copy: %q", d.UserData)
	}
	if cap(d.UserData) != len(d.UserData) {
		t.Fatal("UserData capacity reaches into padding or the next chunk")
	}
}

func TestIterBundle(t *testing.T) {
	var b []byte
	b = (&Sack{CumTSNAck: 3}).AppendTo(b)
	b = (&Data{TSN: 4, UserData: []byte("a")}).AppendTo(b)
	b = (&Unknown{Raw: Raw{Type: 0xbf, Value: []byte{1}}}).AppendTo(b)
	b = (&Data{TSN: 5, UserData: []byte("bb")}).AppendTo(b)
	var types []Type
	it := NewIter(b)
	for it.Next() {
		types = append(types, it.Chunk().Type)
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	want := []Type{TypeSack, TypeData, 0xbf, TypeData}
	if !reflect.DeepEqual(types, want) {
		t.Fatalf("got %v want %v", types, want)
	}
	if it.Offset() != len(b) {
		t.Fatalf("Offset %d, len %d", it.Offset(), len(b))
	}
	it.Reset(b[:4])
	if it.Next() || it.Err() == nil {
		t.Fatal("Reset to a truncated chunk should fail")
	}
}

func TestActionBits(t *testing.T) {
	cases := []struct {
		t      Type
		a      Action
		stop   bool
		report bool
	}{
		{0x3f, ActionStop, true, false},
		{0x7f, ActionStopReport, true, true},
		{0xbf, ActionSkip, false, false},
		{0xff, ActionSkipReport, false, true},
	}
	for _, c := range cases {
		if got := ActionOf(c.t); got != c.a || got.Stop() != c.stop || got.Report() != c.report {
			t.Errorf("ActionOf(%#x) = %v", c.t, got)
		}
		u := Unknown{Raw: Raw{Type: c.t}}
		if u.Action() != c.a || c.t.Action() != c.a {
			t.Errorf("Unknown(%#x).Action() = %v", c.t, u.Action())
		}
		pt := ParamType(uint16(c.t) << 8)
		if pt.Action() != c.a {
			t.Errorf("ParamType(%#x).Action() = %v", pt, pt.Action())
		}
	}
	if ParamForwardTSNSupported.Action() != ActionSkipReport || ParamECNCapable.Action() != ActionSkip {
		t.Error("known parameter action bits wrong")
	}
}

func TestStrings(t *testing.T) {
	cases := []struct{ got, want string }{
		{TypeData.String(), "DATA"},
		{TypeInitAck.String(), "INIT_ACK"},
		{TypeIForwardTSN.String(), "I_FORWARD_TSN"},
		{Type(0x41).String(), "Type(0x41)"},
		{ParamStateCookie.String(), "StateCookie"},
		{ParamType(0x1234).String(), "ParamType(0x1234)"},
		{CauseProtocolViolation.String(), "ProtocolViolation"},
		{CauseRestartNewEncapPort.String(), "RestartWithNewEncapsulationPort"},
		{CauseCode(99).String(), "CauseCode(0x63)"},
		{ActionSkipReport.String(), "skip+report"},
		{ActionStop.String(), "stop"},
		{ActionStopReport.String(), "stop+report"},
		{ActionSkip.String(), "skip"},
		{Action(9).String(), "Action(9)"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q want %q", c.got, c.want)
		}
	}
	for tp, name := range typeNames {
		if tp.String() != name || name == "" {
			t.Errorf("%d: %q", tp, tp.String())
		}
	}
	for i := 1; i <= 14; i++ {
		if _, ok := causeNames[CauseCode(i)]; !ok {
			t.Errorf("cause %d has no name", i)
		}
	}
}

func TestIterBytesAndEncodedLen(t *testing.T) {
	var b []byte
	d := &Data{TSN: 1, UserData: []byte("abcde")}
	b = d.AppendTo(b)
	if d.EncodedLen() != len(b) {
		t.Fatalf("Data.EncodedLen %d, encoded %d", d.EncodedLen(), len(b))
	}
	b = (&CookieAck{}).AppendTo(b)
	u := &Unknown{Raw: Raw{Type: 0x7e, Value: []byte{1, 2, 3}}}
	b = u.AppendTo(b)
	id := &IData{UserData: []byte("x")}
	if n := len(id.AppendTo(nil)); id.EncodedLen() != n {
		t.Fatalf("IData.EncodedLen %d, encoded %d", id.EncodedLen(), n)
	}
	s := sack16()
	if n := len(s.AppendTo(nil)); s.EncodedLen() != n {
		t.Fatalf("Sack.EncodedLen %d, encoded %d", s.EncodedLen(), n)
	}
	it := NewIter(b)
	if it.Bytes() != nil {
		t.Fatal("Bytes before Next")
	}
	want := [][]byte{b[:21], b[24:28], b[28:35]}
	for i := 0; it.Next(); i++ {
		if !bytes.Equal(it.Bytes(), want[i]) {
			t.Fatalf("chunk %d: Bytes % x want % x", i, it.Bytes(), want[i])
		}
	}
}

// TestLastPaddingCounted checks that a chunk whose length counts the
// padding of its last parameter (which RFC 9260 §3.2 asks receivers to
// accept) decodes to the same value as one that does not, and that both
// re-encode to the RFC form.
func TestLastPaddingCounted(t *testing.T) {
	ps := params(&ECNCapableParam{}, &StateCookieParam{Cookie: []byte("abcde")})
	// ps ends with 3 bytes of padding after the 9-byte cookie parameter.
	fixed := []byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 1, 0, 0, 0, 3}
	short := raw(TypeInitAck, 0, InitHeaderLen+len(ps)-3, cat(fixed, ps)...)
	long := raw(TypeInitAck, 0, InitHeaderLen+len(ps), cat(fixed, ps)...)
	if bytes.Equal(short, long) || len(short) != len(long) {
		t.Fatal("test setup: the two forms differ only in the length field")
	}
	var a, b InitAck
	for _, x := range []struct {
		in  []byte
		dst *InitAck
	}{{short, &a}, {long, &b}} {
		it := NewIter(x.in)
		if !it.Next() {
			t.Fatal(it.Err())
		}
		if err := x.dst.Decode(it.Chunk()); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(a, b) || len(a.Params) != len(ps)-3 {
		t.Fatalf("decodings differ: %d %d", len(a.Params), len(b.Params))
	}
	if !bytes.Equal(b.AppendTo(nil), short) {
		t.Fatal("re-encoding should leave the last padding out of the length")
	}
	// Same for the causes of an ABORT.
	cs := causes(&UserInitiatedAbortCause{Reason: []byte("x")})
	ab := raw(TypeAbort, 0, HeaderLen+len(cs), cs...)
	it := NewIter(ab)
	it.Next()
	var abort Abort
	if err := abort.Decode(it.Chunk()); err != nil || len(abort.Causes) != 5 {
		t.Fatalf("%v %d", err, len(abort.Causes))
	}
}

func TestAppendPad(t *testing.T) {
	b := AppendPad([]byte{1}, 64)
	if len(b) != 65 || b[1] != byte(TypePad) || binary.BigEndian.Uint16(b[3:]) != 64 {
		t.Fatalf("% x", b[:8])
	}
	it := NewIter(b[1:])
	var p Pad
	if !it.Next() || p.Decode(it.Chunk()) != nil || len(p.Padding) != 60 || it.Next() {
		t.Fatal("PAD of 64 bytes does not walk as one chunk")
	}
	for _, n := range []int{0, 3, 6, 65536} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AppendPad(%d) did not panic", n)
				}
			}()
			AppendPad(nil, n)
		}()
	}
}

func TestRawAndCauseAppendTo(t *testing.T) {
	c := Cause{Code: CauseProtocolViolation, Info: []byte("abc")}
	b := c.AppendTo(nil)
	it := NewCauseIter(b)
	if !it.Next() || !reflect.DeepEqual(it.Cause(), c) {
		t.Fatalf("% x", b)
	}
	p := Param{Type: ParamRandom, Value: []byte{1, 2, 3, 4, 5}}
	pi := NewParamIter(p.AppendTo(nil))
	if !pi.Next() || !reflect.DeepEqual(pi.Param(), p) {
		t.Fatal("Param.AppendTo")
	}
}

func TestOversizedEncodePanics(t *testing.T) {
	big := make([]byte, 70000)
	for name, f := range map[string]func(){
		"chunk": func() { (&CookieEcho{Cookie: big}).AppendTo(nil) },
		"param": func() { AppendParam(nil, ParamStateCookie, big) },
		"cause": func() { AppendCause(nil, CauseProtocolViolation, big) },
		"sack":  func() { (&Sack{DupTSNs: make([]uint32, 70000)}).AppendTo(nil) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
