package chunk

import (
	"encoding/binary"
	"net/netip"
)

// TypedParam is implemented by the typed parameter values below. Decode
// checks p's type and size and fills the receiver (slices refer into
// p.Value; slice fields are reused); AppendTo appends the whole parameter
// with its padding. Errors are *ParseError with offsets from the start of
// the parameter (its 4-byte header counts).
type TypedParam interface {
	ParamType() ParamType
	AppendTo(b []byte) []byte
	Decode(p Param) error
}

func paramWrong(p Param, want ParamType) error {
	return plainErr(0, ErrWrongType, "expected "+want.String())
}

// paramFixed checks p's type and that its value is exactly n bytes.
func paramFixed(p Param, t ParamType, n int) ([]byte, error) {
	if p.Type != t {
		return nil, paramWrong(p, t)
	}
	if len(p.Value) < n {
		return nil, plainErr(4+len(p.Value), ErrTooShort, t.String())
	}
	if len(p.Value) > n {
		return nil, plainErr(4+n, ErrBadLength, t.String())
	}
	return p.Value, nil
}

// paramMin checks p's type and that its value is at least n bytes.
func paramMin(p Param, t ParamType, n int) ([]byte, error) {
	if p.Type != t {
		return nil, paramWrong(p, t)
	}
	if len(p.Value) < n {
		return nil, plainErr(4+len(p.Value), ErrTooShort, t.String())
	}
	return p.Value, nil
}

func appendParamU32(b []byte, t ParamType, v uint32) []byte {
	b, s := appendTLVHeader(b, uint16(t))
	return finishTLV(appendU32(b, v), s)
}

// AddrParam is an IPv4 Address (type 5) or IPv6 Address (type 6)
// parameter (RFC 9260 §3.3.2.1). AppendTo picks the type from Addr (an
// IPv4-mapped IPv6 address is sent as IPv4, and Decode unmaps one received
// in an IPv6 Address parameter).
type AddrParam struct{ Addr netip.Addr }

// ParamType returns ParamIPv4Addr or ParamIPv6Addr.
func (a *AddrParam) ParamType() ParamType {
	if a.Addr.Unmap().Is4() {
		return ParamIPv4Addr
	}
	return ParamIPv6Addr
}

// AppendTo appends the parameter; Addr must be valid.
func (a *AddrParam) AppendTo(b []byte) []byte { return appendAddrParam(b, a.Addr) }

// Decode fills a from an IPv4 or IPv6 Address parameter.
func (a *AddrParam) Decode(p Param) error {
	addr, err := decodeAddrParam(p)
	if err != nil {
		return err
	}
	a.Addr = addr
	return nil
}

func appendAddrParam(b []byte, addr netip.Addr) []byte {
	addr = addr.Unmap()
	switch {
	case addr.Is4():
		a := addr.As4()
		return AppendParam(b, ParamIPv4Addr, a[:])
	case addr.Is6():
		a := addr.As16()
		return AppendParam(b, ParamIPv6Addr, a[:])
	}
	panic("BUG: chunk: address parameter with an invalid netip.Addr")
}

func decodeAddrParam(p Param) (netip.Addr, error) {
	switch p.Type {
	case ParamIPv4Addr:
		v, err := paramFixed(p, ParamIPv4Addr, 4)
		if err != nil {
			return netip.Addr{}, err
		}
		return netip.AddrFrom4([4]byte(v)), nil
	case ParamIPv6Addr:
		v, err := paramFixed(p, ParamIPv6Addr, 16)
		if err != nil {
			return netip.Addr{}, err
		}
		// An IPv4-mapped IPv6 address is the IPv4 address (the form
		// AppendTo sends), so that decoding is stable.
		return netip.AddrFrom16([16]byte(v)).Unmap(), nil
	}
	return netip.Addr{}, plainErr(0, ErrWrongType, "expected an address parameter")
}

// HeartbeatInfoParam is the Heartbeat Info parameter (RFC 9260 §3.3.5).
type HeartbeatInfoParam struct{ Info []byte }

// ParamType returns ParamHeartbeatInfo.
func (*HeartbeatInfoParam) ParamType() ParamType { return ParamHeartbeatInfo }

// AppendTo appends the parameter.
func (c *HeartbeatInfoParam) AppendTo(b []byte) []byte {
	return AppendParam(b, ParamHeartbeatInfo, c.Info)
}

// Decode fills c from p.
func (c *HeartbeatInfoParam) Decode(p Param) error {
	v, err := paramMin(p, ParamHeartbeatInfo, 0)
	c.Info = v
	return err
}

// StateCookieParam is the State Cookie parameter of an INIT ACK (RFC 9260
// §3.3.3.1).
type StateCookieParam struct{ Cookie []byte }

// ParamType returns ParamStateCookie.
func (*StateCookieParam) ParamType() ParamType { return ParamStateCookie }

// AppendTo appends the parameter.
func (c *StateCookieParam) AppendTo(b []byte) []byte {
	return AppendParam(b, ParamStateCookie, c.Cookie)
}

// Decode fills c from p.
func (c *StateCookieParam) Decode(p Param) error {
	v, err := paramMin(p, ParamStateCookie, 0)
	c.Cookie = v
	return err
}

// UnrecognizedParam is the Unrecognized Parameter parameter of an INIT ACK
// (RFC 9260 §3.3.3.1): Param is the whole unrecognized parameter (header
// and value) as received.
type UnrecognizedParam struct{ Param []byte }

// ParamType returns ParamUnrecognized.
func (*UnrecognizedParam) ParamType() ParamType { return ParamUnrecognized }

// AppendTo appends the parameter.
func (c *UnrecognizedParam) AppendTo(b []byte) []byte {
	return AppendParam(b, ParamUnrecognized, c.Param)
}

// Decode fills c from p; the value must hold at least a parameter header.
func (c *UnrecognizedParam) Decode(p Param) error {
	v, err := paramMin(p, ParamUnrecognized, 4)
	c.Param = v
	return err
}

// CookiePreservativeParam asks for a longer cookie life (RFC 9260
// §3.3.2.1.2); Increment is in milliseconds.
type CookiePreservativeParam struct{ Increment uint32 }

// ParamType returns ParamCookiePreservative.
func (*CookiePreservativeParam) ParamType() ParamType { return ParamCookiePreservative }

// AppendTo appends the parameter.
func (c *CookiePreservativeParam) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamCookiePreservative, c.Increment)
}

// Decode fills c from p (value exactly 4 bytes).
func (c *CookiePreservativeParam) Decode(p Param) error {
	v, err := paramFixed(p, ParamCookiePreservative, 4)
	if err == nil {
		c.Increment = binary.BigEndian.Uint32(v)
	}
	return err
}

// HostNameParam is the Host Name Address parameter (RFC 9260 §3.3.2.1.3).
// It is parsed so it can be reported, and refused (see ErrHostNameAddr).
// Name is the raw value (a NUL-terminated name, possibly padded).
type HostNameParam struct{ Name []byte }

// ParamType returns ParamHostName.
func (*HostNameParam) ParamType() ParamType { return ParamHostName }

// AppendTo appends the parameter.
func (c *HostNameParam) AppendTo(b []byte) []byte { return AppendParam(b, ParamHostName, c.Name) }

// Decode fills c from p (value at least 1 byte).
func (c *HostNameParam) Decode(p Param) error {
	v, err := paramMin(p, ParamHostName, 1)
	c.Name = v
	return err
}

// SupportedAddrTypesParam lists the address types the sender of an INIT
// supports (RFC 9260 §3.3.2.1.4). Types other than IPv4, IPv6 and host name
// are kept in Other, in order. At least one type must be set to encode a
// valid parameter.
type SupportedAddrTypesParam struct {
	IPv4, IPv6, HostName bool
	Other                []ParamType
}

// ParamType returns ParamSupportedAddrTypes.
func (*SupportedAddrTypesParam) ParamType() ParamType { return ParamSupportedAddrTypes }

// AppendTo appends the parameter (types in the order IPv4, IPv6, host name,
// then Other).
func (c *SupportedAddrTypesParam) AppendTo(b []byte) []byte {
	b, s := appendTLVHeader(b, uint16(ParamSupportedAddrTypes))
	if c.IPv4 {
		b = appendU16(b, uint16(ParamIPv4Addr))
	}
	if c.IPv6 {
		b = appendU16(b, uint16(ParamIPv6Addr))
	}
	if c.HostName {
		b = appendU16(b, uint16(ParamHostName))
	}
	for _, t := range c.Other {
		b = appendU16(b, uint16(t))
	}
	return finishTLV(b, s)
}

// Decode fills c from p (a non-empty list of 16-bit types), reusing
// c.Other.
func (c *SupportedAddrTypesParam) Decode(p Param) error {
	v, err := paramMin(p, ParamSupportedAddrTypes, 2)
	if err != nil {
		return err
	}
	if len(v)%2 != 0 {
		return plainErr(4+len(v)-1, ErrBadLength, "odd address type list")
	}
	*c = SupportedAddrTypesParam{Other: c.Other[:0]}
	for i := 0; i < len(v); i += 2 {
		switch t := ParamType(binary.BigEndian.Uint16(v[i:])); t {
		case ParamIPv4Addr:
			c.IPv4 = true
		case ParamIPv6Addr:
			c.IPv6 = true
		case ParamHostName:
			c.HostName = true
		default:
			c.Other = append(c.Other, t)
		}
	}
	return nil
}

// ECNCapableParam announces ECN support (RFC 9260 Appendix A).
type ECNCapableParam struct{}

// ParamType returns ParamECNCapable.
func (*ECNCapableParam) ParamType() ParamType { return ParamECNCapable }

// AppendTo appends the parameter.
func (*ECNCapableParam) AppendTo(b []byte) []byte { return AppendParam(b, ParamECNCapable, nil) }

// Decode checks p (empty value).
func (*ECNCapableParam) Decode(p Param) error {
	_, err := paramFixed(p, ParamECNCapable, 0)
	return err
}

// ForwardTSNSupportedParam announces PR-SCTP (RFC 3758 §3.1).
type ForwardTSNSupportedParam struct{}

// ParamType returns ParamForwardTSNSupported.
func (*ForwardTSNSupportedParam) ParamType() ParamType { return ParamForwardTSNSupported }

// AppendTo appends the parameter.
func (*ForwardTSNSupportedParam) AppendTo(b []byte) []byte {
	return AppendParam(b, ParamForwardTSNSupported, nil)
}

// Decode checks p (empty value).
func (*ForwardTSNSupportedParam) Decode(p Param) error {
	_, err := paramFixed(p, ParamForwardTSNSupported, 0)
	return err
}

func appendTypeList(b []byte, t ParamType, types []Type) []byte {
	b, s := appendTLVHeader(b, uint16(t))
	for _, x := range types {
		b = append(b, byte(x))
	}
	return finishTLV(b, s)
}

func decodeTypeList(dst []Type, v []byte) []Type {
	dst = dst[:0]
	for _, x := range v {
		dst = append(dst, Type(x))
	}
	return dst
}

func hasType(types []Type, t Type) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// SupportedExtensionsParam lists the extension chunk types the sender
// supports (RFC 5061 §4.2.7).
type SupportedExtensionsParam struct{ Types []Type }

// ParamType returns ParamSupportedExtensions.
func (*SupportedExtensionsParam) ParamType() ParamType { return ParamSupportedExtensions }

// AppendTo appends the parameter.
func (c *SupportedExtensionsParam) AppendTo(b []byte) []byte {
	return appendTypeList(b, ParamSupportedExtensions, c.Types)
}

// Decode fills c from p, reusing c.Types.
func (c *SupportedExtensionsParam) Decode(p Param) error {
	v, err := paramMin(p, ParamSupportedExtensions, 0)
	if err == nil {
		c.Types = decodeTypeList(c.Types, v)
	}
	return err
}

// Has reports whether t is listed.
func (c *SupportedExtensionsParam) Has(t Type) bool { return hasType(c.Types, t) }

// RandomParam is the RANDOM parameter (RFC 4895 §3.1).
type RandomParam struct{ Random []byte }

// ParamType returns ParamRandom.
func (*RandomParam) ParamType() ParamType { return ParamRandom }

// AppendTo appends the parameter.
func (c *RandomParam) AppendTo(b []byte) []byte { return AppendParam(b, ParamRandom, c.Random) }

// Decode fills c from p (value at least 1 byte).
func (c *RandomParam) Decode(p Param) error {
	v, err := paramMin(p, ParamRandom, 1)
	c.Random = v
	return err
}

// ChunkListParam lists the chunk types that must be authenticated (RFC
// 4895 §3.2).
type ChunkListParam struct{ Types []Type }

// ParamType returns ParamChunkList.
func (*ChunkListParam) ParamType() ParamType { return ParamChunkList }

// AppendTo appends the parameter.
func (c *ChunkListParam) AppendTo(b []byte) []byte { return appendTypeList(b, ParamChunkList, c.Types) }

// Decode fills c from p, reusing c.Types.
func (c *ChunkListParam) Decode(p Param) error {
	v, err := paramMin(p, ParamChunkList, 0)
	if err == nil {
		c.Types = decodeTypeList(c.Types, v)
	}
	return err
}

// Has reports whether t is listed.
func (c *ChunkListParam) Has(t Type) bool { return hasType(c.Types, t) }

// HMAC identifiers (RFC 4895 §3.3: 1 is SHA-1, 3 is SHA-256).
const (
	HMACSHA1   uint16 = 1
	HMACSHA256 uint16 = 3
)

// RequestedHMACParam lists HMAC identifiers in order of preference (RFC
// 4895 §3.3).
type RequestedHMACParam struct{ IDs []uint16 }

// ParamType returns ParamRequestedHMAC.
func (*RequestedHMACParam) ParamType() ParamType { return ParamRequestedHMAC }

// AppendTo appends the parameter.
func (c *RequestedHMACParam) AppendTo(b []byte) []byte {
	b, s := appendTLVHeader(b, uint16(ParamRequestedHMAC))
	for _, id := range c.IDs {
		b = appendU16(b, id)
	}
	return finishTLV(b, s)
}

// Decode fills c from p, reusing c.IDs (a non-empty list of 16-bit ids).
func (c *RequestedHMACParam) Decode(p Param) error {
	v, err := paramMin(p, ParamRequestedHMAC, 2)
	if err != nil {
		return err
	}
	if len(v)%2 != 0 {
		return plainErr(4+len(v)-1, ErrBadLength, "odd HMAC identifier list")
	}
	ids := c.IDs[:0]
	for i := 0; i < len(v); i += 2 {
		ids = append(ids, binary.BigEndian.Uint16(v[i:]))
	}
	c.IDs = ids
	return nil
}

// PaddingParam is the Padding parameter of an INIT (RFC 4820 §4).
type PaddingParam struct{ Padding []byte }

// ParamType returns ParamPadding.
func (*PaddingParam) ParamType() ParamType { return ParamPadding }

// AppendTo appends the parameter.
func (c *PaddingParam) AppendTo(b []byte) []byte { return AppendParam(b, ParamPadding, c.Padding) }

// Decode fills c from p.
func (c *PaddingParam) Decode(p Param) error {
	v, err := paramMin(p, ParamPadding, 0)
	c.Padding = v
	return err
}

// AdaptationLayerParam is the Adaptation Layer Indication (RFC 5061
// §4.2.6).
type AdaptationLayerParam struct{ Indication uint32 }

// ParamType returns ParamAdaptationLayer.
func (*AdaptationLayerParam) ParamType() ParamType { return ParamAdaptationLayer }

// AppendTo appends the parameter.
func (c *AdaptationLayerParam) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamAdaptationLayer, c.Indication)
}

// Decode fills c from p (value exactly 4 bytes).
func (c *AdaptationLayerParam) Decode(p Param) error {
	v, err := paramFixed(p, ParamAdaptationLayer, 4)
	if err == nil {
		c.Indication = binary.BigEndian.Uint32(v)
	}
	return err
}

// EDMIDSCTPOverDTLS is the error detection method "SCTP over DTLS" of RFC
// 9653 §3.
const EDMIDSCTPOverDTLS uint32 = 1

// ZeroChecksumParam is the Zero Checksum Acceptable parameter (RFC 9653
// §3); EDMID is the Error Detection Method Identifier.
type ZeroChecksumParam struct{ EDMID uint32 }

// ParamType returns ParamZeroChecksum.
func (*ZeroChecksumParam) ParamType() ParamType { return ParamZeroChecksum }

// AppendTo appends the parameter.
func (c *ZeroChecksumParam) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamZeroChecksum, c.EDMID)
}

// Decode fills c from p (value exactly 4 bytes).
func (c *ZeroChecksumParam) Decode(p Param) error {
	v, err := paramFixed(p, ParamZeroChecksum, 4)
	if err == nil {
		c.EDMID = binary.BigEndian.Uint32(v)
	}
	return err
}

// asconfAddr is the layout shared by Add IP Address, Delete IP Address and
// Set Primary Address (RFC 5061 §4.2.1-§4.2.3 of the ASCONF parameters):
// correlation ID, then an IPv4 or IPv6 Address parameter.
func appendAsconfAddr(b []byte, t ParamType, id uint32, addr netip.Addr) []byte {
	b, s := appendTLVHeader(b, uint16(t))
	b = appendU32(b, id)
	b = appendAddrParam(b, addr)
	return finishTLV(b, s)
}

func decodeAsconfAddr(p Param, t ParamType) (uint32, netip.Addr, error) {
	v, err := paramMin(p, t, 8)
	if err != nil {
		return 0, netip.Addr{}, err
	}
	id := binary.BigEndian.Uint32(v)
	inner := v[4:]
	l := int(binary.BigEndian.Uint16(inner[2:]))
	if l < 4 {
		return 0, netip.Addr{}, plainErr(8, ErrTooShort, "address parameter length")
	}
	if l != len(inner) {
		return 0, netip.Addr{}, plainErr(8, ErrBadLength, "address parameter length")
	}
	addr, err := decodeAddrParam(Param{Type: ParamType(binary.BigEndian.Uint16(inner)), Value: inner[4:]})
	if err != nil {
		return 0, netip.Addr{}, shift(err, 8)
	}
	return id, addr, nil
}

// shift moves the offset of a *ParseError by n.
func shift(err error, n int) error {
	if pe, ok := err.(*ParseError); ok {
		c := *pe
		c.Offset += n
		return &c
	}
	return err
}

// AddIPAddrParam is the ASCONF Add IP Address parameter (RFC 5061 §4.2.1).
type AddIPAddrParam struct {
	CorrelationID uint32
	Addr          netip.Addr
}

// ParamType returns ParamAddIPAddr.
func (*AddIPAddrParam) ParamType() ParamType { return ParamAddIPAddr }

// AppendTo appends the parameter; Addr must be valid.
func (c *AddIPAddrParam) AppendTo(b []byte) []byte {
	return appendAsconfAddr(b, ParamAddIPAddr, c.CorrelationID, c.Addr)
}

// Decode fills c from p.
func (c *AddIPAddrParam) Decode(p Param) (err error) {
	c.CorrelationID, c.Addr, err = decodeAsconfAddr(p, ParamAddIPAddr)
	return err
}

// DeleteIPAddrParam is the ASCONF Delete IP Address parameter (RFC 5061
// §4.2.2).
type DeleteIPAddrParam struct {
	CorrelationID uint32
	Addr          netip.Addr
}

// ParamType returns ParamDeleteIPAddr.
func (*DeleteIPAddrParam) ParamType() ParamType { return ParamDeleteIPAddr }

// AppendTo appends the parameter; Addr must be valid.
func (c *DeleteIPAddrParam) AppendTo(b []byte) []byte {
	return appendAsconfAddr(b, ParamDeleteIPAddr, c.CorrelationID, c.Addr)
}

// Decode fills c from p.
func (c *DeleteIPAddrParam) Decode(p Param) (err error) {
	c.CorrelationID, c.Addr, err = decodeAsconfAddr(p, ParamDeleteIPAddr)
	return err
}

// SetPrimaryAddrParam is the Set Primary Address parameter (RFC 5061
// §4.2.4).
type SetPrimaryAddrParam struct {
	CorrelationID uint32
	Addr          netip.Addr
}

// ParamType returns ParamSetPrimaryAddr.
func (*SetPrimaryAddrParam) ParamType() ParamType { return ParamSetPrimaryAddr }

// AppendTo appends the parameter; Addr must be valid.
func (c *SetPrimaryAddrParam) AppendTo(b []byte) []byte {
	return appendAsconfAddr(b, ParamSetPrimaryAddr, c.CorrelationID, c.Addr)
}

// Decode fills c from p.
func (c *SetPrimaryAddrParam) Decode(p Param) (err error) {
	c.CorrelationID, c.Addr, err = decodeAsconfAddr(p, ParamSetPrimaryAddr)
	return err
}

// ErrorCauseIndicationParam is an ASCONF-ACK response reporting failure
// (RFC 5061 §4.2.3): the correlation ID of the request and error causes
// (iterate with NewCauseIter).
type ErrorCauseIndicationParam struct {
	CorrelationID uint32
	Causes        []byte
}

// ParamType returns ParamErrorCauseIndication.
func (*ErrorCauseIndicationParam) ParamType() ParamType { return ParamErrorCauseIndication }

// AppendTo appends the parameter.
func (c *ErrorCauseIndicationParam) AppendTo(b []byte) []byte {
	b, s := appendTLVHeader(b, uint16(ParamErrorCauseIndication))
	b = appendU32(b, c.CorrelationID)
	b = append(b, c.Causes...)
	return finishTLV(b, s)
}

// Decode fills c from p; the causes must be well framed.
func (c *ErrorCauseIndicationParam) Decode(p Param) error {
	v, err := paramMin(p, ParamErrorCauseIndication, 4)
	if err != nil {
		return err
	}
	it := CauseIter{it: tlvIter{b: v[4:], c: ctx{base: 8}}}
	for it.Next() {
	}
	if err := it.Err(); err != nil {
		return err
	}
	c.CorrelationID, c.Causes = binary.BigEndian.Uint32(v), trimTLV(v[4:])
	return nil
}

// SuccessIndicationParam is an ASCONF-ACK response reporting success (RFC
// 5061 §4.2.5).
type SuccessIndicationParam struct{ CorrelationID uint32 }

// ParamType returns ParamSuccessIndication.
func (*SuccessIndicationParam) ParamType() ParamType { return ParamSuccessIndication }

// AppendTo appends the parameter.
func (c *SuccessIndicationParam) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamSuccessIndication, c.CorrelationID)
}

// Decode fills c from p (value exactly 4 bytes).
func (c *SuccessIndicationParam) Decode(p Param) error {
	v, err := paramFixed(p, ParamSuccessIndication, 4)
	if err == nil {
		c.CorrelationID = binary.BigEndian.Uint32(v)
	}
	return err
}
