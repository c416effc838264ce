package chunk

import (
	"bytes"
	"net/netip"
	"reflect"
	"testing"
)

func TestParamRoundTrip(t *testing.T) {
	cases := []struct {
		in  TypedParam
		new func() TypedParam
	}{
		{&AddrParam{Addr: netip.MustParseAddr("192.0.2.1")}, func() TypedParam { return new(AddrParam) }},
		{&AddrParam{Addr: netip.MustParseAddr("2001:db8::2")}, func() TypedParam { return new(AddrParam) }},
		{&HeartbeatInfoParam{Info: []byte("hb info")}, func() TypedParam { return new(HeartbeatInfoParam) }},
		{&StateCookieParam{Cookie: []byte("c")}, func() TypedParam { return new(StateCookieParam) }},
		{&UnrecognizedParam{Param: []byte{0x80, 0x07, 0, 4}}, func() TypedParam { return new(UnrecognizedParam) }},
		{&CookiePreservativeParam{Increment: 5000}, func() TypedParam { return new(CookiePreservativeParam) }},
		{&HostNameParam{Name: []byte("example.com\x00")}, func() TypedParam { return new(HostNameParam) }},
		{&SupportedAddrTypesParam{IPv4: true, IPv6: true, HostName: true}, func() TypedParam { return new(SupportedAddrTypesParam) }},
		{&SupportedAddrTypesParam{IPv6: true}, func() TypedParam { return new(SupportedAddrTypesParam) }},
		{&SupportedAddrTypesParam{Other: []ParamType{0x7777}}, func() TypedParam { return new(SupportedAddrTypesParam) }},
		{&ECNCapableParam{}, func() TypedParam { return new(ECNCapableParam) }},
		{&ForwardTSNSupportedParam{}, func() TypedParam { return new(ForwardTSNSupportedParam) }},
		{&SupportedExtensionsParam{Types: []Type{TypeForwardTSN, TypeAuth, TypeAsconf, TypeAsconfAck, TypeReconfig}}, func() TypedParam { return new(SupportedExtensionsParam) }},
		{&RandomParam{Random: bytes.Repeat([]byte{1, 2}, 16)}, func() TypedParam { return new(RandomParam) }},
		{&ChunkListParam{Types: []Type{TypeAsconfAck, TypeAsconf}}, func() TypedParam { return new(ChunkListParam) }},
		{&RequestedHMACParam{IDs: []uint16{HMACSHA1}}, func() TypedParam { return new(RequestedHMACParam) }},
		{&PaddingParam{Padding: make([]byte, 100)}, func() TypedParam { return new(PaddingParam) }},
		{&AdaptationLayerParam{Indication: 1}, func() TypedParam { return new(AdaptationLayerParam) }},
		{&ZeroChecksumParam{EDMID: 1}, func() TypedParam { return new(ZeroChecksumParam) }},
		{&OutSSNResetReqParam{ReqSeq: 1, RespSeq: 2, LastTSN: 3}, func() TypedParam { return new(OutSSNResetReqParam) }},
		{&OutSSNResetReqParam{ReqSeq: 1, RespSeq: 2, LastTSN: 3, Streams: []uint16{1, 2, 65535}}, func() TypedParam { return new(OutSSNResetReqParam) }},
		{&InSSNResetReqParam{ReqSeq: 9, Streams: []uint16{7}}, func() TypedParam { return new(InSSNResetReqParam) }},
		{&SSNTSNResetReqParam{ReqSeq: 10}, func() TypedParam { return new(SSNTSNResetReqParam) }},
		{&ReconfigRespParam{RespSeq: 1, Result: ReconfigSuccessPerformed}, func() TypedParam { return new(ReconfigRespParam) }},
		{&ReconfigRespParam{RespSeq: 1, Result: ReconfigInProgress, HasTSNs: true, SenderNextTSN: 5, ReceiverNextTSN: 6}, func() TypedParam { return new(ReconfigRespParam) }},
		{&AddOutStreamsReqParam{ReqSeq: 11, NewStreams: 12}, func() TypedParam { return new(AddOutStreamsReqParam) }},
		{&AddInStreamsReqParam{ReqSeq: 13, NewStreams: 14}, func() TypedParam { return new(AddInStreamsReqParam) }},
		{&AddIPAddrParam{CorrelationID: 1, Addr: netip.MustParseAddr("10.0.0.1")}, func() TypedParam { return new(AddIPAddrParam) }},
		{&DeleteIPAddrParam{CorrelationID: 2, Addr: netip.MustParseAddr("fe80::1")}, func() TypedParam { return new(DeleteIPAddrParam) }},
		{&SetPrimaryAddrParam{CorrelationID: 3, Addr: netip.MustParseAddr("10.0.0.3")}, func() TypedParam { return new(SetPrimaryAddrParam) }},
		{&ErrorCauseIndicationParam{CorrelationID: 4, Causes: (&OutOfResourceCause{}).AppendTo(nil)}, func() TypedParam { return new(ErrorCauseIndicationParam) }},
		{&SuccessIndicationParam{CorrelationID: 5}, func() TypedParam { return new(SuccessIndicationParam) }},
	}
	seen := map[ParamType]bool{}
	for _, tc := range cases {
		name := tc.in.ParamType().String()
		b := tc.in.AppendTo([]byte{0xaa})[1:]
		if len(b)%4 != 0 {
			t.Errorf("%s: not padded: %d", name, len(b))
		}
		it := NewParamIter(b)
		if !it.Next() {
			t.Fatalf("%s: %v", name, it.Err())
		}
		p := it.Param()
		if p.Type != tc.in.ParamType() {
			t.Fatalf("%s: type %v", name, p.Type)
		}
		if it.Next() || it.Err() != nil {
			t.Fatalf("%s: trailing data or error %v", name, it.Err())
		}
		got := tc.new()
		if err := got.Decode(p); err != nil {
			t.Fatalf("%s: Decode: %v", name, err)
		}
		if !reflect.DeepEqual(got, tc.in) {
			t.Fatalf("%s: decoded %#v want %#v", name, got, tc.in)
		}
		if again := got.AppendTo(nil); !bytes.Equal(again, b) {
			t.Fatalf("%s: re-encode\n% x\n% x", name, again, b)
		}
		if !bytes.Equal(it.Raw(), b[:4+len(p.Value)]) {
			t.Fatalf("%s: Raw % x", name, it.Raw())
		}
		// A decoder refuses another type.
		other := Param{Type: p.Type ^ 0x0100, Value: p.Value}
		if err := tc.new().Decode(other); !isErr(err, ErrWrongType) {
			t.Fatalf("%s: wrong type gave %v", name, err)
		}
		seen[p.Type] = true
	}
	for pt := range paramNames {
		if !seen[pt] {
			t.Errorf("no round-trip case for %v", pt)
		}
	}
}

func TestAddrParamMapped(t *testing.T) {
	a := AddrParam{Addr: netip.MustParseAddr("::ffff:192.0.2.1")}
	if a.ParamType() != ParamIPv4Addr {
		t.Fatal("mapped address should be sent as IPv4")
	}
	b := a.AppendTo(nil)
	if len(b) != 8 || ParamType(b[1]) != ParamIPv4Addr {
		t.Fatalf("% x", b)
	}
	mapped := netip.MustParseAddr("::ffff:192.0.2.1").As16()
	var d AddrParam
	if err := d.Decode(Param{Type: ParamIPv6Addr, Value: mapped[:]}); err != nil || d.Addr != netip.MustParseAddr("192.0.2.1") {
		t.Fatalf("mapped IPv6 parameter decoded to %v, %v", d.Addr, err)
	}
}

func TestFindParamAndCookie(t *testing.T) {
	ps := params(&ECNCapableParam{}, &StateCookieParam{Cookie: []byte("yum")})
	ack := InitAck{Params: ps}
	if string(ack.Cookie()) != "yum" {
		t.Fatalf("Cookie() = %q", ack.Cookie())
	}
	if _, ok := FindParam(ps, ParamRandom); ok {
		t.Fatal("found absent parameter")
	}
	if p, ok := FindParam(ps, ParamECNCapable); !ok || len(p.Value) != 0 {
		t.Fatal("ECN not found")
	}
	var se SupportedExtensionsParam
	se.Types = []Type{TypeReconfig}
	if !se.Has(TypeReconfig) || se.Has(TypeIData) {
		t.Fatal("Has")
	}
	cl := ChunkListParam{Types: []Type{TypeAsconf}}
	if !cl.Has(TypeAsconf) || cl.Has(TypeData) {
		t.Fatal("Has")
	}
}
