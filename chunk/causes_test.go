package chunk

import (
	"bytes"
	"reflect"
	"testing"
)

func TestCauseRoundTrip(t *testing.T) {
	addr := AppendParam(nil, ParamIPv4Addr, []byte{192, 0, 2, 1})
	host := AppendParam(nil, ParamHostName, []byte("h\x00"))[:6]
	cases := []struct {
		in  TypedCause
		new func() TypedCause
	}{
		{&InvalidStreamCause{Stream: 77}, func() TypedCause { return new(InvalidStreamCause) }},
		{&MissingParamCause{Types: []ParamType{ParamStateCookie}}, func() TypedCause { return new(MissingParamCause) }},
		{&MissingParamCause{Types: []ParamType{ParamStateCookie, ParamIPv4Addr}}, func() TypedCause { return new(MissingParamCause) }},
		{&StaleCookieCause{Staleness: 123456}, func() TypedCause { return new(StaleCookieCause) }},
		{&OutOfResourceCause{}, func() TypedCause { return new(OutOfResourceCause) }},
		{&UnresolvableAddrCause{Addr: host}, func() TypedCause { return new(UnresolvableAddrCause) }},
		{&UnrecognizedChunkCause{Chunk: []byte{0x7f, 0, 0, 5, 9}}, func() TypedCause { return new(UnrecognizedChunkCause) }},
		{&InvalidMandatoryParamCause{}, func() TypedCause { return new(InvalidMandatoryParamCause) }},
		{&UnrecognizedParamsCause{Params: AppendParam(nil, ParamForwardTSNSupported, nil)}, func() TypedCause { return new(UnrecognizedParamsCause) }},
		{&NoUserDataCause{TSN: 99}, func() TypedCause { return new(NoUserDataCause) }},
		{&CookieWhileShuttingDownCause{}, func() TypedCause { return new(CookieWhileShuttingDownCause) }},
		{&RestartNewAddrsCause{Addrs: addr}, func() TypedCause { return new(RestartNewAddrsCause) }},
		{&UserInitiatedAbortCause{Reason: []byte("user said so")}, func() TypedCause { return new(UserInitiatedAbortCause) }},
		{&ProtocolViolationCause{Info: []byte("bad")}, func() TypedCause { return new(ProtocolViolationCause) }},
		{&RestartNewEncapPortCause{CurrentPort: 9899, NewPort: 40000}, func() TypedCause { return new(RestartNewEncapPortCause) }},
		{&DeleteLastAddrCause{Param: addr}, func() TypedCause { return new(DeleteLastAddrCause) }},
		{&ResourceShortageCause{Param: addr}, func() TypedCause { return new(ResourceShortageCause) }},
		{&DeleteSourceAddrCause{Param: addr}, func() TypedCause { return new(DeleteSourceAddrCause) }},
		{&IllegalAsconfAckCause{}, func() TypedCause { return new(IllegalAsconfAckCause) }},
		{&NoAuthorizationCause{Param: addr}, func() TypedCause { return new(NoAuthorizationCause) }},
		{&UnsupportedHMACCause{HMACID: 2}, func() TypedCause { return new(UnsupportedHMACCause) }},
	}
	seen := map[CauseCode]bool{}
	for _, tc := range cases {
		name := tc.in.CauseCode().String()
		b := tc.in.AppendTo(nil)
		if len(b)%4 != 0 {
			t.Errorf("%s: not padded", name)
		}
		it := NewCauseIter(b)
		if !it.Next() {
			t.Fatalf("%s: %v", name, it.Err())
		}
		c := it.Cause()
		if it.Next() || it.Err() != nil {
			t.Fatalf("%s: trailing or %v", name, it.Err())
		}
		got := tc.new()
		if err := got.Decode(c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, tc.in) {
			t.Fatalf("%s: decoded %#v want %#v", name, got, tc.in)
		}
		if again := got.AppendTo(nil); !bytes.Equal(again, b) {
			t.Fatalf("%s: re-encode\n% x\n% x", name, again, b)
		}
		if it.Offset() != 4 {
			t.Fatalf("%s: Offset %d", name, it.Offset())
		}
		if err := tc.new().Decode(Cause{Code: c.Code + 1000, Info: c.Info}); !isErr(err, ErrWrongType) {
			t.Fatalf("%s: wrong code gave %v", name, err)
		}
		seen[c.Code] = true
	}
	for code := range causeNames {
		if !seen[code] {
			t.Errorf("no round-trip case for %v", code)
		}
	}
	// Exact wire forms fixed by the RFCs.
	if got := (&UnsupportedHMACCause{HMACID: 2}).AppendTo(nil); !bytes.Equal(got, []byte{1, 5, 0, 6, 0, 2, 0, 0}) {
		t.Errorf("Unsupported HMAC cause % x", got)
	}
	if got := (&InvalidStreamCause{Stream: 0x0102}).AppendTo(nil); !bytes.Equal(got, []byte{0, 1, 0, 8, 1, 2, 0, 0}) {
		t.Errorf("Invalid Stream cause % x", got)
	}
	if got := (&MissingParamCause{Types: []ParamType{7}}).AppendTo(nil); !bytes.Equal(got, []byte{0, 2, 0, 10, 0, 0, 0, 1, 0, 7, 0, 0}) {
		t.Errorf("Missing Param cause % x", got)
	}
}
