package chunk

import "encoding/binary"

// TypedCause is implemented by the typed error cause values below. Decode
// checks c's code and size and fills the receiver (slices refer into
// c.Info; slice fields are reused); AppendTo appends the whole cause with
// its padding. Errors are *ParseError with offsets from the start of the
// cause (its 4-byte header counts).
type TypedCause interface {
	CauseCode() CauseCode
	AppendTo(b []byte) []byte
	Decode(c Cause) error
}

func causeFixed(c Cause, code CauseCode, n int) ([]byte, error) {
	if c.Code != code {
		return nil, plainErr(0, ErrWrongType, "expected "+code.String())
	}
	if len(c.Info) < n {
		return nil, plainErr(4+len(c.Info), ErrTooShort, code.String())
	}
	if len(c.Info) > n {
		return nil, plainErr(4+n, ErrBadLength, code.String())
	}
	return c.Info, nil
}

func causeMin(c Cause, code CauseCode, n int) ([]byte, error) {
	if c.Code != code {
		return nil, plainErr(0, ErrWrongType, "expected "+code.String())
	}
	if len(c.Info) < n {
		return nil, plainErr(4+len(c.Info), ErrTooShort, code.String())
	}
	return c.Info, nil
}

// causeTLV checks that info is exactly one well-framed TLV (a parameter,
// or a chunk when isChunk) and returns it.
func causeTLV(c Cause, code CauseCode, what string) ([]byte, error) {
	v, err := causeMin(c, code, 4)
	if err != nil {
		return nil, err
	}
	if l := int(binary.BigEndian.Uint16(v[2:])); l < 4 || l > len(v) || pad4(l) < len(v) {
		return nil, plainErr(4, ErrBadLength, what)
	}
	return v, nil
}

// InvalidStreamCause: DATA for a nonexistent stream (RFC 9260 §3.3.10.1).
type InvalidStreamCause struct{ Stream uint16 }

// CauseCode returns CauseInvalidStream.
func (*InvalidStreamCause) CauseCode() CauseCode { return CauseInvalidStream }

// AppendTo appends the cause.
func (x *InvalidStreamCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseInvalidStream, []byte{byte(x.Stream >> 8), byte(x.Stream), 0, 0})
}

// Decode fills x from c (info exactly 4 bytes: stream, reserved).
func (x *InvalidStreamCause) Decode(c Cause) error {
	v, err := causeFixed(c, CauseInvalidStream, 4)
	if err == nil {
		x.Stream = binary.BigEndian.Uint16(v)
	}
	return err
}

// MissingParamCause lists missing mandatory parameters (RFC 9260
// §3.3.10.2).
type MissingParamCause struct{ Types []ParamType }

// CauseCode returns CauseMissingParam.
func (*MissingParamCause) CauseCode() CauseCode { return CauseMissingParam }

// AppendTo appends the cause.
func (x *MissingParamCause) AppendTo(b []byte) []byte {
	b, s := appendTLVHeader(b, uint16(CauseMissingParam))
	b = appendU32(b, uint32(len(x.Types)))
	for _, t := range x.Types {
		b = appendU16(b, uint16(t))
	}
	return finishTLV(b, s)
}

// Decode fills x from c, reusing x.Types; the count must match the length.
func (x *MissingParamCause) Decode(c Cause) error {
	v, err := causeMin(c, CauseMissingParam, 4)
	if err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(v)
	if uint64(len(v)-4) != 2*uint64(n) {
		return plainErr(4, ErrBadLength, "missing parameter count")
	}
	ts := x.Types[:0]
	for i := 4; i < len(v); i += 2 {
		ts = append(ts, ParamType(binary.BigEndian.Uint16(v[i:])))
	}
	x.Types = ts
	return nil
}

// StaleCookieCause: a COOKIE ECHO arrived after its lifetime; Staleness is
// in microseconds (RFC 9260 §3.3.10.3).
type StaleCookieCause struct{ Staleness uint32 }

// CauseCode returns CauseStaleCookie.
func (*StaleCookieCause) CauseCode() CauseCode { return CauseStaleCookie }

// AppendTo appends the cause.
func (x *StaleCookieCause) AppendTo(b []byte) []byte {
	return appendCauseU32(b, CauseStaleCookie, x.Staleness)
}

// Decode fills x from c (info exactly 4 bytes).
func (x *StaleCookieCause) Decode(c Cause) error {
	v, err := causeFixed(c, CauseStaleCookie, 4)
	if err == nil {
		x.Staleness = binary.BigEndian.Uint32(v)
	}
	return err
}

func appendCauseU32(b []byte, code CauseCode, v uint32) []byte {
	b, s := appendTLVHeader(b, uint16(code))
	return finishTLV(appendU32(b, v), s)
}

// appendEmptyCause appends a cause without information.
func appendEmptyCause(b []byte, code CauseCode) []byte { return AppendCause(b, code, nil) }

// OutOfResourceCause (RFC 9260 §3.3.10.4).
type OutOfResourceCause struct{}

// CauseCode returns CauseOutOfResource.
func (*OutOfResourceCause) CauseCode() CauseCode { return CauseOutOfResource }

// AppendTo appends the cause.
func (*OutOfResourceCause) AppendTo(b []byte) []byte {
	return appendEmptyCause(b, CauseOutOfResource)
}

// Decode checks c (no info).
func (*OutOfResourceCause) Decode(c Cause) error {
	_, err := causeFixed(c, CauseOutOfResource, 0)
	return err
}

// UnresolvableAddrCause carries the address parameter (IPv4, IPv6, Host
// Name, ...; header included) that cannot be resolved (RFC 9260
// §3.3.10.5).
type UnresolvableAddrCause struct{ Addr []byte }

// CauseCode returns CauseUnresolvableAddr.
func (*UnresolvableAddrCause) CauseCode() CauseCode { return CauseUnresolvableAddr }

// AppendTo appends the cause.
func (x *UnresolvableAddrCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseUnresolvableAddr, x.Addr)
}

// Decode fills x from c (info exactly one parameter).
func (x *UnresolvableAddrCause) Decode(c Cause) error {
	v, err := causeTLV(c, CauseUnresolvableAddr, "address parameter")
	x.Addr = v
	return err
}

// UnrecognizedChunkCause carries the unrecognized chunk (header included;
// RFC 9260 §3.3.10.6).
type UnrecognizedChunkCause struct{ Chunk []byte }

// CauseCode returns CauseUnrecognizedChunk.
func (*UnrecognizedChunkCause) CauseCode() CauseCode { return CauseUnrecognizedChunk }

// AppendTo appends the cause.
func (x *UnrecognizedChunkCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseUnrecognizedChunk, x.Chunk)
}

// Decode fills x from c (info at least a chunk header).
func (x *UnrecognizedChunkCause) Decode(c Cause) error {
	v, err := causeMin(c, CauseUnrecognizedChunk, HeaderLen)
	x.Chunk = v
	return err
}

// InvalidMandatoryParamCause (RFC 9260 §3.3.10.7).
type InvalidMandatoryParamCause struct{}

// CauseCode returns CauseInvalidMandatoryParam.
func (*InvalidMandatoryParamCause) CauseCode() CauseCode { return CauseInvalidMandatoryParam }

// AppendTo appends the cause.
func (*InvalidMandatoryParamCause) AppendTo(b []byte) []byte {
	return appendEmptyCause(b, CauseInvalidMandatoryParam)
}

// Decode checks c (no info).
func (*InvalidMandatoryParamCause) Decode(c Cause) error {
	_, err := causeFixed(c, CauseInvalidMandatoryParam, 0)
	return err
}

// UnrecognizedParamsCause carries the unrecognized parameters, whole (RFC
// 9260 §3.3.10.8).
type UnrecognizedParamsCause struct{ Params []byte }

// CauseCode returns CauseUnrecognizedParams.
func (*UnrecognizedParamsCause) CauseCode() CauseCode { return CauseUnrecognizedParams }

// AppendTo appends the cause.
func (x *UnrecognizedParamsCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseUnrecognizedParams, x.Params)
}

// Decode fills x from c (info a well-framed parameter list).
func (x *UnrecognizedParamsCause) Decode(c Cause) error {
	v, err := causeParamList(c, CauseUnrecognizedParams, 4)
	if err == nil {
		x.Params = v
	}
	return err
}

// NoUserDataCause: a DATA chunk without user data (RFC 9260 §3.3.10.9).
type NoUserDataCause struct{ TSN uint32 }

// CauseCode returns CauseNoUserData.
func (*NoUserDataCause) CauseCode() CauseCode { return CauseNoUserData }

// AppendTo appends the cause.
func (x *NoUserDataCause) AppendTo(b []byte) []byte { return appendCauseU32(b, CauseNoUserData, x.TSN) }

// Decode fills x from c (info exactly 4 bytes).
func (x *NoUserDataCause) Decode(c Cause) error {
	v, err := causeFixed(c, CauseNoUserData, 4)
	if err == nil {
		x.TSN = binary.BigEndian.Uint32(v)
	}
	return err
}

// CookieWhileShuttingDownCause (RFC 9260 §3.3.10.10).
type CookieWhileShuttingDownCause struct{}

// CauseCode returns CauseCookieWhileShuttingDown.
func (*CookieWhileShuttingDownCause) CauseCode() CauseCode { return CauseCookieWhileShuttingDown }

// AppendTo appends the cause.
func (*CookieWhileShuttingDownCause) AppendTo(b []byte) []byte {
	return appendEmptyCause(b, CauseCookieWhileShuttingDown)
}

// Decode checks c (no info).
func (*CookieWhileShuttingDownCause) Decode(c Cause) error {
	_, err := causeFixed(c, CauseCookieWhileShuttingDown, 0)
	return err
}

// RestartNewAddrsCause carries the address parameters an INIT restarting
// an association added (RFC 9260 §3.3.10.11).
type RestartNewAddrsCause struct{ Addrs []byte }

// CauseCode returns CauseRestartNewAddrs.
func (*RestartNewAddrsCause) CauseCode() CauseCode { return CauseRestartNewAddrs }

// AppendTo appends the cause.
func (x *RestartNewAddrsCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseRestartNewAddrs, x.Addrs)
}

// Decode fills x from c (info a well-framed parameter list).
func (x *RestartNewAddrsCause) Decode(c Cause) error {
	v, err := causeParamList(c, CauseRestartNewAddrs, 0)
	if err == nil {
		x.Addrs = v
	}
	return err
}

// UserInitiatedAbortCause carries the upper layer's reason (RFC 9260
// §3.3.10.12).
type UserInitiatedAbortCause struct{ Reason []byte }

// CauseCode returns CauseUserInitiatedAbort.
func (*UserInitiatedAbortCause) CauseCode() CauseCode { return CauseUserInitiatedAbort }

// AppendTo appends the cause.
func (x *UserInitiatedAbortCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseUserInitiatedAbort, x.Reason)
}

// Decode fills x from c.
func (x *UserInitiatedAbortCause) Decode(c Cause) error {
	v, err := causeMin(c, CauseUserInitiatedAbort, 0)
	x.Reason = v
	return err
}

// ProtocolViolationCause carries additional information (RFC 9260
// §3.3.10.13).
type ProtocolViolationCause struct{ Info []byte }

// CauseCode returns CauseProtocolViolation.
func (*ProtocolViolationCause) CauseCode() CauseCode { return CauseProtocolViolation }

// AppendTo appends the cause.
func (x *ProtocolViolationCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseProtocolViolation, x.Info)
}

// Decode fills x from c.
func (x *ProtocolViolationCause) Decode(c Cause) error {
	v, err := causeMin(c, CauseProtocolViolation, 0)
	x.Info = v
	return err
}

// RestartNewEncapPortCause: an INIT for an existing association arrived
// from another UDP encapsulation port (cause 14,
// draft-tuexen-tsvwg-sctp-udp-encaps-cons, updating RFC 6951).
type RestartNewEncapPortCause struct{ CurrentPort, NewPort uint16 }

// CauseCode returns CauseRestartNewEncapPort.
func (*RestartNewEncapPortCause) CauseCode() CauseCode { return CauseRestartNewEncapPort }

// AppendTo appends the cause.
func (x *RestartNewEncapPortCause) AppendTo(b []byte) []byte {
	return appendCauseU32(b, CauseRestartNewEncapPort, uint32(x.CurrentPort)<<16|uint32(x.NewPort))
}

// Decode fills x from c (info exactly 4 bytes).
func (x *RestartNewEncapPortCause) Decode(c Cause) error {
	v, err := causeFixed(c, CauseRestartNewEncapPort, 4)
	if err == nil {
		x.CurrentPort, x.NewPort = binary.BigEndian.Uint16(v), binary.BigEndian.Uint16(v[2:])
	}
	return err
}

// DeleteLastAddrCause refuses to delete the last address; Param is the
// ASCONF parameter (header included) refused (RFC 5061 §4.3).
type DeleteLastAddrCause struct{ Param []byte }

// CauseCode returns CauseDeleteLastAddr.
func (*DeleteLastAddrCause) CauseCode() CauseCode { return CauseDeleteLastAddr }

// AppendTo appends the cause.
func (x *DeleteLastAddrCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseDeleteLastAddr, x.Param)
}

// Decode fills x from c (info exactly one parameter).
func (x *DeleteLastAddrCause) Decode(c Cause) error {
	v, err := causeTLV(c, CauseDeleteLastAddr, "ASCONF parameter")
	x.Param = v
	return err
}

// ResourceShortageCause refuses an ASCONF request for lack of resources;
// Param is the request (RFC 5061 §4.3).
type ResourceShortageCause struct{ Param []byte }

// CauseCode returns CauseResourceShortage.
func (*ResourceShortageCause) CauseCode() CauseCode { return CauseResourceShortage }

// AppendTo appends the cause.
func (x *ResourceShortageCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseResourceShortage, x.Param)
}

// Decode fills x from c (info exactly one parameter).
func (x *ResourceShortageCause) Decode(c Cause) error {
	v, err := causeTLV(c, CauseResourceShortage, "ASCONF parameter")
	x.Param = v
	return err
}

// DeleteSourceAddrCause refuses to delete the source address of the ASCONF;
// Param is the request (RFC 5061 §4.3).
type DeleteSourceAddrCause struct{ Param []byte }

// CauseCode returns CauseDeleteSourceAddr.
func (*DeleteSourceAddrCause) CauseCode() CauseCode { return CauseDeleteSourceAddr }

// AppendTo appends the cause.
func (x *DeleteSourceAddrCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseDeleteSourceAddr, x.Param)
}

// Decode fills x from c (info exactly one parameter).
func (x *DeleteSourceAddrCause) Decode(c Cause) error {
	v, err := causeTLV(c, CauseDeleteSourceAddr, "ASCONF parameter")
	x.Param = v
	return err
}

// IllegalAsconfAckCause: the association is aborted because of an illegal
// ASCONF-ACK (RFC 5061 §4.3).
type IllegalAsconfAckCause struct{}

// CauseCode returns CauseIllegalAsconfAck.
func (*IllegalAsconfAckCause) CauseCode() CauseCode { return CauseIllegalAsconfAck }

// AppendTo appends the cause.
func (*IllegalAsconfAckCause) AppendTo(b []byte) []byte {
	return appendEmptyCause(b, CauseIllegalAsconfAck)
}

// Decode checks c (no info).
func (*IllegalAsconfAckCause) Decode(c Cause) error {
	_, err := causeFixed(c, CauseIllegalAsconfAck, 0)
	return err
}

// NoAuthorizationCause refuses an ASCONF request for lack of authorization;
// Param is the request (RFC 5061 §4.3).
type NoAuthorizationCause struct{ Param []byte }

// CauseCode returns CauseNoAuthorization.
func (*NoAuthorizationCause) CauseCode() CauseCode { return CauseNoAuthorization }

// AppendTo appends the cause.
func (x *NoAuthorizationCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseNoAuthorization, x.Param)
}

// Decode fills x from c (info exactly one parameter).
func (x *NoAuthorizationCause) Decode(c Cause) error {
	v, err := causeTLV(c, CauseNoAuthorization, "ASCONF parameter")
	x.Param = v
	return err
}

// UnsupportedHMACCause: an AUTH chunk used an HMAC identifier the receiver
// does not support (RFC 4895 §4.1).
type UnsupportedHMACCause struct{ HMACID uint16 }

// CauseCode returns CauseUnsupportedHMAC.
func (*UnsupportedHMACCause) CauseCode() CauseCode { return CauseUnsupportedHMAC }

// AppendTo appends the cause (length 6 plus 2 bytes of padding).
func (x *UnsupportedHMACCause) AppendTo(b []byte) []byte {
	return AppendCause(b, CauseUnsupportedHMAC, []byte{byte(x.HMACID >> 8), byte(x.HMACID)})
}

// Decode fills x from c (info exactly 2 bytes).
func (x *UnsupportedHMACCause) Decode(c Cause) error {
	v, err := causeFixed(c, CauseUnsupportedHMAC, 2)
	if err == nil {
		x.HMACID = binary.BigEndian.Uint16(v)
	}
	return err
}

// causeParamList checks that c is a cause of the given code whose info (at
// least min bytes) is a well-framed parameter list, and returns the list
// without the last parameter's padding.
func causeParamList(c Cause, code CauseCode, min int) ([]byte, error) {
	v, err := causeMin(c, code, min)
	if err != nil {
		return nil, err
	}
	it := ParamIter{it: tlvIter{b: v, c: ctx{base: 4}}}
	for it.Next() {
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	return trimTLV(v), nil
}
