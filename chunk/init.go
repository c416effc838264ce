package chunk

import "encoding/binary"

// InitHeaderLen is the length of an INIT or INIT ACK without parameters.
const InitHeaderLen = HeaderLen + 16

// ChunkType returns TypeInit.
func (*Init) ChunkType() Type { return TypeInit }

// AppendTo appends the INIT chunk. Params must be a well-formed parameter
// list (built with AppendParam or the typed parameters' AppendTo); the
// padding of its last parameter is left out of the chunk length as RFC 9260
// §3.2 says.
func (c *Init) AppendTo(b []byte) []byte { return appendInit(b, TypeInit, c) }

// Decode fills c from r and validates the parameters (RFC 9260 §3.3.2): the
// Initiate Tag, OS and MIS must not be 0 (ErrInvalidField, answered with
// ABORT cause 7); parameters must be well framed, known ones must have
// their defined size, a State Cookie, Unrecognized Parameter, Heartbeat
// Info, RE-CONFIG or ASCONF parameter is forbidden (ErrForbiddenParam), and
// a Host Name Address yields ErrHostNameAddr (§5.1.2). On ErrInvalidField
// and ErrHostNameAddr all fields are filled in.
func (c *Init) Decode(r Raw) error { return decodeInit(r, TypeInit, c) }

// ChunkType returns TypeInitAck.
func (*InitAck) ChunkType() Type { return TypeInitAck }

// AppendTo appends the INIT ACK chunk, as Init.AppendTo.
func (c *InitAck) AppendTo(b []byte) []byte { return appendInit(b, TypeInitAck, (*Init)(c)) }

// Decode fills c from r with the checks of Init.Decode, except that a State
// Cookie parameter is mandatory (exactly one; ErrMissingParam,
// ErrDuplicateParam) and Unrecognized Parameter is allowed, while Cookie
// Preservative and Supported Address Types are forbidden (RFC 9260
// §3.3.3).
func (c *InitAck) Decode(r Raw) error { return decodeInit(r, TypeInitAck, (*Init)(c)) }

// Cookie returns the value of the State Cookie parameter (nil if absent).
func (c *InitAck) Cookie() []byte {
	p, _ := FindParam(c.Params, ParamStateCookie)
	return p.Value
}

func appendInit(b []byte, t Type, c *Init) []byte {
	b, s := appendHeader(b, t, 0)
	b = appendU32(b, c.InitiateTag)
	b = appendU32(b, c.ARwnd)
	b = appendU16(b, c.OutStreams)
	b = appendU16(b, c.InStreams)
	b = appendU32(b, c.InitialTSN)
	b = append(b, c.Params...)
	return finishLen(b, s, InitHeaderLen+tlvListLen(c.Params))
}

func decodeInit(r Raw, t Type, c *Init) error {
	if r.Type != t {
		return chunkErr(r.Type, 0, ErrWrongType, "not "+t.String())
	}
	v := r.Value
	if len(v) < 16 {
		return chunkErr(t, HeaderLen, ErrTooShort, "INIT fixed fields")
	}
	*c = Init{
		InitiateTag: binary.BigEndian.Uint32(v),
		ARwnd:       binary.BigEndian.Uint32(v[4:]),
		OutStreams:  binary.BigEndian.Uint16(v[8:]),
		InStreams:   binary.BigEndian.Uint16(v[10:]),
		InitialTSN:  binary.BigEndian.Uint32(v[12:]),
		Params:      trimTLV(v[16:]),
	}
	base := InitHeaderLen
	it := newParamIterIn(v[16:], t, base)
	cookies := 0
	hostName := -1
	for it.Next() {
		p := it.Param()
		off := base + it.Offset() - 4
		switch p.Type {
		case ParamStateCookie:
			if t == TypeInit {
				return chunkErr(t, off, ErrForbiddenParam, "State Cookie in INIT")
			}
			cookies++
			if cookies > 1 {
				return chunkErr(t, off, ErrDuplicateParam, "State Cookie")
			}
		case ParamUnrecognized:
			if t == TypeInit {
				return chunkErr(t, off, ErrForbiddenParam, "Unrecognized Parameter in INIT")
			}
		case ParamCookiePreservative, ParamSupportedAddrTypes:
			if t == TypeInitAck {
				return chunkErr(t, off, ErrForbiddenParam, "INIT-only parameter in INIT ACK")
			}
		case ParamHeartbeatInfo, ParamOutSSNResetReq, ParamInSSNResetReq, ParamSSNTSNResetReq,
			ParamReconfigResp, ParamAddOutStreamsReq, ParamAddInStreamsReq, ParamAddIPAddr,
			ParamDeleteIPAddr, ParamSetPrimaryAddr, ParamErrorCauseIndication, ParamSuccessIndication:
			return chunkErr(t, off, ErrForbiddenParam, "parameter of another chunk")
		case ParamHostName:
			if hostName < 0 {
				hostName = off
			}
		}
		if err := checkParamSize(p); err != nil {
			return chunkErr(t, off, ErrBadLength, p.Type.String())
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if t == TypeInitAck && cookies == 0 {
		return chunkErr(t, HeaderLen+len(v), ErrMissingParam, "State Cookie")
	}
	if c.InitiateTag == 0 {
		return chunkErr(t, HeaderLen, ErrInvalidField, "Initiate Tag 0")
	}
	if c.OutStreams == 0 {
		return chunkErr(t, HeaderLen+8, ErrInvalidField, "OS 0")
	}
	if c.InStreams == 0 {
		return chunkErr(t, HeaderLen+10, ErrInvalidField, "MIS 0")
	}
	if hostName >= 0 {
		return chunkErr(t, hostName, ErrHostNameAddr, "Host Name Address")
	}
	return nil
}

// checkParamSize checks the value size of the known parameters that may
// appear in INIT / INIT ACK; unknown ones are opaque.
func checkParamSize(p Param) error {
	n := len(p.Value)
	ok := true
	switch p.Type {
	case ParamIPv4Addr:
		ok = n == 4
	case ParamIPv6Addr:
		ok = n == 16
	case ParamCookiePreservative, ParamAdaptationLayer, ParamZeroChecksum:
		ok = n == 4
	case ParamSupportedAddrTypes:
		ok = n >= 2 && n%2 == 0
	case ParamRequestedHMAC:
		ok = n >= 2 && n%2 == 0
	case ParamECNCapable, ParamForwardTSNSupported:
		ok = n == 0
	case ParamHostName, ParamRandom:
		ok = n >= 1
	case ParamUnrecognized:
		ok = n >= 4
	}
	if !ok {
		return ErrBadLength
	}
	return nil
}
