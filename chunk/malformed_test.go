package chunk

import (
	"encoding/binary"
	"errors"
	"testing"
)

// raw builds one chunk with an explicit length field (-1: computed) and
// pads it to 4 bytes unless nopad.
func raw(t Type, flags uint8, length int, value ...byte) []byte {
	if length < 0 {
		length = HeaderLen + len(value)
	}
	b := []byte{byte(t), flags, byte(length >> 8), byte(length)}
	b = append(b, value...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// tlv builds a parameter or cause with an explicit length (-1: computed),
// padded.
func tlv(typ uint16, length int, value ...byte) []byte {
	if length < 0 {
		length = 4 + len(value)
	}
	b := cat(u16(typ), u16(uint16(length)), value)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func initFixed(tag uint32, os, mis uint16) []byte {
	return cat(u32(tag), u32(65536), u16(os), u16(mis), u32(1))
}

var decoders = map[Type]func() Chunk{
	TypeData: func() Chunk { return new(Data) }, TypeIData: func() Chunk { return new(IData) },
	TypeSack: func() Chunk { return new(Sack) }, TypeInit: func() Chunk { return new(Init) },
	TypeInitAck: func() Chunk { return new(InitAck) }, TypeHeartbeat: func() Chunk { return new(Heartbeat) },
	TypeHeartbeatAck: func() Chunk { return new(HeartbeatAck) }, TypeAbort: func() Chunk { return new(Abort) },
	TypeShutdown: func() Chunk { return new(Shutdown) }, TypeShutdownAck: func() Chunk { return new(ShutdownAck) },
	TypeError: func() Chunk { return new(Error) }, TypeCookieEcho: func() Chunk { return new(CookieEcho) },
	TypeCookieAck: func() Chunk { return new(CookieAck) }, TypeECNE: func() Chunk { return new(ECNE) },
	TypeCWR: func() Chunk { return new(CWR) }, TypeShutdownComplete: func() Chunk { return new(ShutdownComplete) },
	TypeAuth: func() Chunk { return new(Auth) }, TypeAsconfAck: func() Chunk { return new(AsconfAck) },
	TypeReconfig: func() Chunk { return new(Reconfig) }, TypePad: func() Chunk { return new(Pad) },
	TypeForwardTSN: func() Chunk { return new(ForwardTSN) }, TypeAsconf: func() Chunk { return new(Asconf) },
	TypeIForwardTSN: func() Chunk { return new(IForwardTSN) },
}

// decodeAll walks b and decodes every chunk with its typed decoder; it
// returns the first error.
func decodeAll(b []byte) error {
	it := NewIter(b)
	for it.Next() {
		r := it.Chunk()
		mk, ok := decoders[r.Type]
		if !ok {
			mk = func() Chunk { return new(Unknown) }
		}
		if err := mk().Decode(r); err != nil {
			return err
		}
	}
	return it.Err()
}

func TestMalformed(t *testing.T) {
	cookie := tlv(uint16(ParamStateCookie), -1, 1, 2, 3, 4)
	ipv4 := tlv(uint16(ParamIPv4Addr), -1, 192, 0, 2, 1)
	hb := tlv(uint16(ParamHeartbeatInfo), -1, 1, 2, 3, 4)
	outReq := tlv(uint16(ParamOutSSNResetReq), -1, cat(u32(1), u32(2), u32(3))...)
	cases := []struct {
		name    string
		in      []byte
		err     error
		inChunk bool
		chunk   Type
		off     int
	}{
		// Framing (Iter).
		{"partial header", []byte{0, 0, 0}, ErrTooShort, false, 0, 0},
		{"length below 4", []byte{1, 0, 0, 3}, ErrTooShort, true, TypeInit, 0},
		{"length zero", []byte{0, 0, 0, 0}, ErrTooShort, true, TypeData, 0},
		{"lying length", cat(raw(TypeData, 0, 40, make([]byte, 16)...)), ErrBadLength, true, TypeData, 0},
		{"padding overrun", raw(TypeCookieEcho, 0, -1, 1)[:5], ErrBadPadding, true, TypeCookieEcho, 5},
		{"partial padding", raw(TypeCookieEcho, 0, -1, 1)[:7], ErrBadPadding, true, TypeCookieEcho, 5},
		{"trailing junk", cat(raw(TypeShutdownAck, 0, -1), []byte{1, 2}), ErrTooShort, false, 0, 4},
		{"second chunk lies", cat(raw(TypeShutdownAck, 0, -1), raw(TypeCWR, 0, 12, 0, 0, 0, 1)), ErrBadLength, true, TypeCWR, 4},
		// DATA / I-DATA.
		{"DATA short", raw(TypeData, 3, -1, make([]byte, 11)...), ErrTooShort, true, TypeData, 4},
		{"I-DATA short", raw(TypeIData, 3, -1, make([]byte, 15)...), ErrTooShort, true, TypeIData, 4},
		// SACK.
		{"SACK short", raw(TypeSack, 0, -1, make([]byte, 8)...), ErrTooShort, true, TypeSack, 4},
		{"SACK too many gaps", raw(TypeSack, 0, -1, cat(u32(1), u32(2), u16(2), u16(0), u16(1), u16(2))...), ErrBadLength, true, TypeSack, 12},
		{"SACK too few gaps", raw(TypeSack, 0, -1, cat(u32(1), u32(2), u16(0), u16(0), u16(1), u16(2))...), ErrBadLength, true, TypeSack, 12},
		{"SACK dup count lies", raw(TypeSack, 0, -1, cat(u32(1), u32(2), u16(0), u16(1))...), ErrBadLength, true, TypeSack, 12},
		{"SACK gap start 0", raw(TypeSack, 0, -1, cat(u32(1), u32(2), u16(1), u16(0), u16(0), u16(2))...), ErrInvalidField, true, TypeSack, 16},
		{"SACK gap start > end", raw(TypeSack, 0, -1, cat(u32(1), u32(2), u16(2), u16(0), u16(1), u16(1), u16(5), u16(4))...), ErrInvalidField, true, TypeSack, 20},
		// INIT / INIT ACK.
		{"INIT short", raw(TypeInit, 0, -1, make([]byte, 15)...), ErrTooShort, true, TypeInit, 4},
		{"INIT tag 0", raw(TypeInit, 0, -1, initFixed(0, 1, 1)...), ErrInvalidField, true, TypeInit, 4},
		{"INIT OS 0", raw(TypeInit, 0, -1, initFixed(1, 0, 1)...), ErrInvalidField, true, TypeInit, 12},
		{"INIT MIS 0", raw(TypeInit, 0, -1, initFixed(1, 1, 0)...), ErrInvalidField, true, TypeInit, 14},
		{"INIT with cookie", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), ipv4, cookie)...), ErrForbiddenParam, true, TypeInit, 28},
		{"INIT with unrecognized", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), tlv(uint16(ParamUnrecognized), -1, 0x80, 1, 0, 4))...), ErrForbiddenParam, true, TypeInit, 20},
		{"INIT with heartbeat info", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), hb)...), ErrForbiddenParam, true, TypeInit, 20},
		{"INIT with reconfig param", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), outReq)...), ErrForbiddenParam, true, TypeInit, 20},
		{"INIT IPv4 size", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), tlv(uint16(ParamIPv4Addr), -1, 1, 2, 3))...), ErrBadLength, true, TypeInit, 20},
		{"INIT IPv6 size", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), tlv(uint16(ParamIPv6Addr), -1, 1, 2, 3, 4))...), ErrBadLength, true, TypeInit, 20},
		{"INIT ECN with value", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), tlv(uint16(ParamECNCapable), -1, 0, 0, 0, 0))...), ErrBadLength, true, TypeInit, 20},
		{"INIT odd addr types", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), tlv(uint16(ParamSupportedAddrTypes), -1, 0, 5, 0))...), ErrBadLength, true, TypeInit, 20},
		{"INIT param lies", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), tlv(uint16(ParamIPv4Addr), 12, 1, 2, 3, 4))...), ErrBadLength, true, TypeInit, 20},
		{"INIT param length 2", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), tlv(uint16(ParamIPv4Addr), 2, 1, 2, 3, 4))...), ErrTooShort, true, TypeInit, 20},
		{"INIT partial param header", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), []byte{0, 5})...), ErrTooShort, true, TypeInit, 20},
		{"INIT param padding overrun", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), tlv(uint16(ParamHostName), -1, 'a')[:5], []byte{0, 0})...), ErrBadPadding, true, TypeInit, 25},
		{"INIT host name", raw(TypeInit, 0, -1, cat(initFixed(1, 1, 1), ipv4, tlv(uint16(ParamHostName), -1, 'h', 0))...), ErrHostNameAddr, true, TypeInit, 28},
		{"INIT ACK no cookie", raw(TypeInitAck, 0, -1, cat(initFixed(1, 1, 1), ipv4)...), ErrMissingParam, true, TypeInitAck, 28},
		{"INIT ACK two cookies", raw(TypeInitAck, 0, -1, cat(initFixed(1, 1, 1), cookie, cookie)...), ErrDuplicateParam, true, TypeInitAck, 28},
		{"INIT ACK cookie preservative", raw(TypeInitAck, 0, -1, cat(initFixed(1, 1, 1), cookie, tlv(uint16(ParamCookiePreservative), -1, 0, 0, 0, 1))...), ErrForbiddenParam, true, TypeInitAck, 28},
		{"INIT ACK tag 0", raw(TypeInitAck, 0, -1, cat(initFixed(0, 1, 1), cookie)...), ErrInvalidField, true, TypeInitAck, 4},
		// HEARTBEAT / HEARTBEAT ACK.
		{"HEARTBEAT empty", raw(TypeHeartbeat, 0, -1), ErrMissingParam, true, TypeHeartbeat, 4},
		{"HEARTBEAT other param", raw(TypeHeartbeat, 0, -1, cookie...), ErrForbiddenParam, true, TypeHeartbeat, 4},
		{"HEARTBEAT two infos", raw(TypeHeartbeat, 0, -1, cat(hb, hb)...), ErrForbiddenParam, true, TypeHeartbeat, 12},
		{"HEARTBEAT info lies", raw(TypeHeartbeat, 0, -1, tlv(uint16(ParamHeartbeatInfo), 20, 1, 2, 3, 4)...), ErrBadLength, true, TypeHeartbeat, 4},
		{"HEARTBEAT ACK empty", raw(TypeHeartbeatAck, 0, -1), ErrMissingParam, true, TypeHeartbeatAck, 4},
		{"HEARTBEAT ACK partial", raw(TypeHeartbeatAck, 0, -1, 0, 1), ErrTooShort, true, TypeHeartbeatAck, 4},
		// ABORT / ERROR.
		{"ABORT cause length 3", raw(TypeAbort, 0, -1, tlv(uint16(CauseNoUserData), 3, 1, 2, 3, 4)...), ErrTooShort, true, TypeAbort, 4},
		{"ABORT cause lies", raw(TypeAbort, 0, -1, cat(tlv(uint16(CauseOutOfResource), -1), tlv(uint16(CauseNoUserData), 40, 1, 2, 3, 4))...), ErrBadLength, true, TypeAbort, 8},
		{"ERROR partial cause", raw(TypeError, 0, -1, 0, 1), ErrTooShort, true, TypeError, 4},
		{"ERROR cause padding overrun", raw(TypeError, 0, -1, cat(tlv(uint16(CauseUserInitiatedAbort), -1, 'x')[:5], []byte{0})...), ErrBadPadding, true, TypeError, 9},
		{"ERROR cause without padding before next", raw(TypeError, 0, -1, cat(tlv(uint16(CauseUserInitiatedAbort), -1, 'x')[:5], tlv(uint16(CauseOutOfResource), -1))...), ErrTooShort, true, TypeError, 12},
		// Fixed-size chunks.
		{"SHUTDOWN long", raw(TypeShutdown, 0, -1, make([]byte, 8)...), ErrBadLength, true, TypeShutdown, 8},
		{"SHUTDOWN short", raw(TypeShutdown, 0, -1, 1, 2), ErrTooShort, true, TypeShutdown, 6},
		{"SHUTDOWN ACK value", raw(TypeShutdownAck, 0, -1, 1), ErrBadLength, true, TypeShutdownAck, 4},
		{"COOKIE ACK value", raw(TypeCookieAck, 0, -1, 1, 2, 3, 4), ErrBadLength, true, TypeCookieAck, 4},
		{"SHUTDOWN COMPLETE value", raw(TypeShutdownComplete, 1, -1, 0, 0, 0, 0), ErrBadLength, true, TypeShutdownComplete, 4},
		{"ECNE short", raw(TypeECNE, 0, -1, 1, 2), ErrTooShort, true, TypeECNE, 6},
		{"ECNE 6", raw(TypeECNE, 0, -1, 1, 2, 3, 4, 5, 6), ErrTooShort, true, TypeECNE, 10},
		{"ECNE long", raw(TypeECNE, 0, -1, make([]byte, 12)...), ErrBadLength, true, TypeECNE, 12},
		{"CWR empty", raw(TypeCWR, 0, -1), ErrTooShort, true, TypeCWR, 4},
		// FORWARD TSN / I-FORWARD TSN.
		{"FORWARD TSN short", raw(TypeForwardTSN, 0, -1, 1, 2), ErrTooShort, true, TypeForwardTSN, 4},
		{"FORWARD TSN partial pair", raw(TypeForwardTSN, 0, -1, 0, 0, 0, 1, 0, 1), ErrBadLength, true, TypeForwardTSN, 8},
		{"I-FORWARD TSN partial entry", raw(TypeIForwardTSN, 0, -1, cat(u32(1), u32(2))...), ErrBadLength, true, TypeIForwardTSN, 8},
		{"I-FORWARD TSN short", raw(TypeIForwardTSN, 0, -1), ErrTooShort, true, TypeIForwardTSN, 4},
		// AUTH.
		{"AUTH short", raw(TypeAuth, 0, -1, 0, 1, 0), ErrTooShort, true, TypeAuth, 4},
		// RE-CONFIG.
		{"RE-CONFIG empty", raw(TypeReconfig, 0, -1), ErrMissingParam, true, TypeReconfig, 4},
		{"RE-CONFIG three params", raw(TypeReconfig, 0, -1, cat(outReq, outReq, outReq)...), ErrBadLength, true, TypeReconfig, 36},
		{"RE-CONFIG cookie", raw(TypeReconfig, 0, -1, cookie...), ErrForbiddenParam, true, TypeReconfig, 4},
		{"RE-CONFIG out req short", raw(TypeReconfig, 0, -1, tlv(uint16(ParamOutSSNResetReq), -1, make([]byte, 11)...)...), ErrTooShort, true, TypeReconfig, 19},
		{"RE-CONFIG out req odd", raw(TypeReconfig, 0, -1, tlv(uint16(ParamOutSSNResetReq), -1, make([]byte, 13)...)...), ErrBadLength, true, TypeReconfig, 20},
		{"RE-CONFIG response 12", raw(TypeReconfig, 0, -1, tlv(uint16(ParamReconfigResp), -1, make([]byte, 12)...)...), ErrTooShort, true, TypeReconfig, 20},
		{"RE-CONFIG add streams long", raw(TypeReconfig, 0, -1, tlv(uint16(ParamAddOutStreamsReq), -1, make([]byte, 12)...)...), ErrBadLength, true, TypeReconfig, 16},
		// ASCONF / ASCONF-ACK.
		{"ASCONF short", raw(TypeAsconf, 0, -1, 1), ErrTooShort, true, TypeAsconf, 4},
		{"ASCONF no address", raw(TypeAsconf, 0, -1, u32(1)...), ErrMissingParam, true, TypeAsconf, 8},
		{"ASCONF address not first", raw(TypeAsconf, 0, -1, cat(u32(1), tlv(uint16(ParamSuccessIndication), -1, 0, 0, 0, 1))...), ErrMissingParam, true, TypeAsconf, 8},
		{"ASCONF bad address", raw(TypeAsconf, 0, -1, cat(u32(1), tlv(uint16(ParamIPv4Addr), -1, 1, 2))...), ErrTooShort, true, TypeAsconf, 14},
		{"ASCONF add IP inner lies", raw(TypeAsconf, 0, -1, cat(u32(1), ipv4, tlv(uint16(ParamAddIPAddr), -1, cat(u32(7), tlv(uint16(ParamIPv4Addr), 9, 1, 2, 3, 4))...))...), ErrBadLength, true, TypeAsconf, 24},
		{"ASCONF add IP not an address", raw(TypeAsconf, 0, -1, cat(u32(1), ipv4, tlv(uint16(ParamAddIPAddr), -1, cat(u32(7), cookie)...))...), ErrWrongType, true, TypeAsconf, 24},
		{"ASCONF cookie", raw(TypeAsconf, 0, -1, cat(u32(1), ipv4, cookie)...), ErrForbiddenParam, true, TypeAsconf, 16},
		{"ASCONF-ACK short", raw(TypeAsconfAck, 0, -1, 1, 2), ErrTooShort, true, TypeAsconfAck, 4},
		{"ASCONF-ACK success short", raw(TypeAsconfAck, 0, -1, cat(u32(1), tlv(uint16(ParamSuccessIndication), -1, 1, 2, 3))...), ErrTooShort, true, TypeAsconfAck, 15},
		{"ASCONF-ACK bad cause", raw(TypeAsconfAck, 0, -1, cat(u32(1), tlv(uint16(ParamErrorCauseIndication), -1, cat(u32(1), tlv(1, 2))...))...), ErrTooShort, true, TypeAsconfAck, 16},
		{"ASCONF-ACK cookie", raw(TypeAsconfAck, 0, -1, cat(u32(1), cookie)...), ErrForbiddenParam, true, TypeAsconfAck, 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := decodeAll(c.in)
			if !errors.Is(err, c.err) {
				t.Fatalf("got %v, want %v", err, c.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%v is not a *ParseError", err)
			}
			if pe.InChunk != c.inChunk || (c.inChunk && pe.Chunk != c.chunk) || pe.Offset != c.off {
				t.Fatalf("got %v (InChunk %v, Chunk %v, Offset %d), want chunk %v offset %d", err, pe.InChunk, pe.Chunk, pe.Offset, c.chunk, c.off)
			}
			if pe.Error() == "" {
				t.Fatal("empty message")
			}
		})
	}
}

func TestWrongType(t *testing.T) {
	for typ, mk := range decoders {
		r := Raw{Type: typ + 1, Value: make([]byte, 64)}
		if typ == 0xff {
			r.Type = 0
		}
		if err := mk().Decode(r); !isErr(err, ErrWrongType) {
			t.Errorf("%v decoder given %v: %v", typ, r.Type, err)
		}
	}
}

// TestDecodedOnFieldErrors checks that INIT decoding fills the fixed fields
// even when it reports a field error the engine answers with ABORT.
func TestDecodedOnFieldErrors(t *testing.T) {
	b := raw(TypeInit, 0, -1, cat(initFixed(7, 0, 3), tlv(uint16(ParamHostName), -1, 'h', 0))...)
	it := NewIter(b)
	it.Next()
	var in Init
	err := in.Decode(it.Chunk())
	if !isErr(err, ErrInvalidField) || in.InitiateTag != 7 || in.InStreams != 3 || len(in.Params) == 0 {
		t.Fatalf("%v %+v", err, in)
	}
}

func TestTypedParamMalformed(t *testing.T) {
	cases := []struct {
		name string
		p    TypedParam
		in   Param
		err  error
		off  int
	}{
		{"addr types odd", new(SupportedAddrTypesParam), Param{ParamSupportedAddrTypes, []byte{0, 5, 0}}, ErrBadLength, 6},
		{"addr types empty", new(SupportedAddrTypesParam), Param{ParamSupportedAddrTypes, nil}, ErrTooShort, 4},
		{"hmac odd", new(RequestedHMACParam), Param{ParamRequestedHMAC, []byte{0, 1, 0}}, ErrBadLength, 6},
		{"ipv4 long", new(AddrParam), Param{ParamIPv4Addr, make([]byte, 5)}, ErrBadLength, 8},
		{"ipv6 short", new(AddrParam), Param{ParamIPv6Addr, make([]byte, 15)}, ErrTooShort, 19},
		{"not an address", new(AddrParam), Param{ParamStateCookie, make([]byte, 4)}, ErrWrongType, 0},
		{"cookie preservative short", new(CookiePreservativeParam), Param{ParamCookiePreservative, make([]byte, 3)}, ErrTooShort, 7},
		{"random empty", new(RandomParam), Param{ParamRandom, nil}, ErrTooShort, 4},
		{"unrecognized short", new(UnrecognizedParam), Param{ParamUnrecognized, []byte{1}}, ErrTooShort, 5},
		{"host name empty", new(HostNameParam), Param{ParamHostName, nil}, ErrTooShort, 4},
		{"add ip short", new(AddIPAddrParam), Param{ParamAddIPAddr, make([]byte, 7)}, ErrTooShort, 11},
		{"add ip inner length 2", new(AddIPAddrParam), Param{ParamAddIPAddr, cat(u32(1), []byte{0, 5, 0, 2})}, ErrTooShort, 8},
		{"delete ip inner v6 short", new(DeleteIPAddrParam), Param{ParamDeleteIPAddr, cat(u32(1), tlv(6, -1, 1, 2, 3, 4))}, ErrTooShort, 16},
		{"error cause indication short", new(ErrorCauseIndicationParam), Param{ParamErrorCauseIndication, []byte{1}}, ErrTooShort, 5},
		{"in reset odd", new(InSSNResetReqParam), Param{ParamInSSNResetReq, make([]byte, 5)}, ErrBadLength, 8},
		{"zero checksum long", new(ZeroChecksumParam), Param{ParamZeroChecksum, make([]byte, 8)}, ErrBadLength, 8},
	}
	for _, c := range cases {
		err := c.p.Decode(c.in)
		var pe *ParseError
		if !errors.Is(err, c.err) || !errors.As(err, &pe) || pe.Offset != c.off {
			t.Errorf("%s: got %v (offset %d), want %v at %d", c.name, err, offsetOf(err), c.err, c.off)
		}
	}
}

func TestTypedCauseMalformed(t *testing.T) {
	cases := []struct {
		name string
		c    TypedCause
		in   Cause
		err  error
		off  int
	}{
		{"missing count lies", new(MissingParamCause), Cause{CauseMissingParam, cat(u32(2), u16(7))}, ErrBadLength, 4},
		{"missing count huge", new(MissingParamCause), Cause{CauseMissingParam, cat(u32(0xffffffff))}, ErrBadLength, 4},
		{"missing short", new(MissingParamCause), Cause{CauseMissingParam, []byte{0, 0}}, ErrTooShort, 6},
		{"invalid stream long", new(InvalidStreamCause), Cause{CauseInvalidStream, make([]byte, 8)}, ErrBadLength, 8},
		{"stale short", new(StaleCookieCause), Cause{CauseStaleCookie, make([]byte, 2)}, ErrTooShort, 6},
		{"out of resource info", new(OutOfResourceCause), Cause{CauseOutOfResource, []byte{1}}, ErrBadLength, 4},
		{"unresolvable short", new(UnresolvableAddrCause), Cause{CauseUnresolvableAddr, []byte{0, 5, 0}}, ErrTooShort, 7},
		{"unresolvable lies", new(UnresolvableAddrCause), Cause{CauseUnresolvableAddr, []byte{0, 5, 0, 9, 1, 2, 3, 4}}, ErrBadLength, 4},
		{"unresolvable trailing", new(UnresolvableAddrCause), Cause{CauseUnresolvableAddr, cat(tlv(5, -1, 1, 2, 3, 4), tlv(5, -1, 1, 2, 3, 4))}, ErrBadLength, 4},
		{"unrecognized chunk short", new(UnrecognizedChunkCause), Cause{CauseUnrecognizedChunk, []byte{1}}, ErrTooShort, 5},
		{"unrecognized params bad", new(UnrecognizedParamsCause), Cause{CauseUnrecognizedParams, []byte{0xc0, 0, 0, 9}}, ErrBadLength, 4},
		{"restart addrs bad", new(RestartNewAddrsCause), Cause{CauseRestartNewAddrs, []byte{0, 5}}, ErrTooShort, 4},
		{"encap port short", new(RestartNewEncapPortCause), Cause{CauseRestartNewEncapPort, []byte{1, 2}}, ErrTooShort, 6},
		{"no user data long", new(NoUserDataCause), Cause{CauseNoUserData, make([]byte, 5)}, ErrBadLength, 8},
		{"hmac long", new(UnsupportedHMACCause), Cause{CauseUnsupportedHMAC, make([]byte, 4)}, ErrBadLength, 6},
		{"illegal asconf ack info", new(IllegalAsconfAckCause), Cause{CauseIllegalAsconfAck, make([]byte, 4)}, ErrBadLength, 4},
		{"no authorization empty", new(NoAuthorizationCause), Cause{CauseNoAuthorization, nil}, ErrTooShort, 4},
	}
	for _, c := range cases {
		err := c.c.Decode(c.in)
		var pe *ParseError
		if !errors.Is(err, c.err) || !errors.As(err, &pe) || pe.Offset != c.off {
			t.Errorf("%s: got %v (offset %d), want %v at %d", c.name, err, offsetOf(err), c.err, c.off)
		}
	}
}

func offsetOf(err error) int {
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe.Offset
	}
	return -1
}
