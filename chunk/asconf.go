package chunk

import (
	"encoding/binary"
	"net/netip"
)

// Asconf is an ASCONF chunk (RFC 5061 §3.1.1): a serial number, an address
// of the sender (Addr, from the mandatory IPv4/IPv6 Address parameter) and
// ASCONF parameters (Add IP Address, Delete IP Address, Set Primary
// Address, ...; iterate with NewParamIter).
type Asconf struct {
	Serial uint32
	Addr   netip.Addr
	Params []byte
}

// ChunkType returns TypeAsconf.
func (*Asconf) ChunkType() Type { return TypeAsconf }

// AppendTo appends the ASCONF chunk; Addr must be valid.
func (c *Asconf) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypeAsconf, 0)
	b = appendU32(b, c.Serial)
	b = appendAddrParam(b, c.Addr)
	n := len(b) - s
	b = append(b, c.Params...)
	return finishLen(b, s, n+tlvListLen(c.Params))
}

// Decode fills c from r. The first parameter must be an IPv4 or IPv6
// Address (RFC 5061 §3.1.1); the Add IP, Delete IP and Set Primary
// parameters must be well formed; INIT-only and RE-CONFIG parameters are
// forbidden; unknown types are left to the action bits.
func (c *Asconf) Decode(r Raw) error {
	if r.Type != TypeAsconf {
		return wrongType(r, TypeAsconf)
	}
	v := r.Value
	if len(v) < 4 {
		return chunkErr(TypeAsconf, HeaderLen, ErrTooShort, "serial number")
	}
	it := newParamIterIn(v[4:], TypeAsconf, HeaderLen+4)
	if !it.Next() {
		if err := it.Err(); err != nil {
			return err
		}
		return chunkErr(TypeAsconf, HeaderLen+4, ErrMissingParam, "address parameter")
	}
	if pt := it.Param().Type; pt != ParamIPv4Addr && pt != ParamIPv6Addr {
		return chunkErr(TypeAsconf, HeaderLen+4, ErrMissingParam, "address parameter must come first")
	}
	addr, err := decodeAddrParam(it.Param())
	if err != nil {
		return shiftChunk(err, TypeAsconf, HeaderLen+4)
	}
	first := it.it.off
	for it.Next() {
		p := it.Param()
		off := HeaderLen + 4 + it.Offset() - 4
		var err error
		switch p.Type {
		case ParamAddIPAddr:
			_, _, err = decodeAsconfAddr(p, ParamAddIPAddr)
		case ParamDeleteIPAddr:
			_, _, err = decodeAsconfAddr(p, ParamDeleteIPAddr)
		case ParamSetPrimaryAddr:
			_, _, err = decodeAsconfAddr(p, ParamSetPrimaryAddr)
		case ParamAdaptationLayer, ParamSupportedExtensions, ParamZeroChecksum:
			if checkParamSize(p) != nil {
				err = plainErr(0, ErrBadLength, p.Type.String())
			}
		default:
			if _, known := paramNames[p.Type]; known {
				err = plainErr(0, ErrForbiddenParam, "not an ASCONF parameter")
			}
		}
		if err != nil {
			return shiftChunk(err, TypeAsconf, off)
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	c.Serial, c.Addr, c.Params = binary.BigEndian.Uint32(v), addr, trimTLV(v[4+first:])
	return nil
}

// AsconfAck is an ASCONF-ACK chunk (RFC 5061 §3.1.2): the serial number
// acknowledged and response parameters (Success Indication, Error Cause
// Indication).
type AsconfAck struct {
	Serial uint32
	Params []byte
}

// ChunkType returns TypeAsconfAck.
func (*AsconfAck) ChunkType() Type { return TypeAsconfAck }

// AppendTo appends the ASCONF-ACK chunk.
func (c *AsconfAck) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypeAsconfAck, 0)
	b = appendU32(b, c.Serial)
	b = append(b, c.Params...)
	return finishLen(b, s, HeaderLen+4+tlvListLen(c.Params))
}

// Decode fills c from r; Success and Error Cause Indication parameters must
// be well formed, other known parameters are forbidden.
func (c *AsconfAck) Decode(r Raw) error {
	if r.Type != TypeAsconfAck {
		return wrongType(r, TypeAsconfAck)
	}
	v := r.Value
	if len(v) < 4 {
		return chunkErr(TypeAsconfAck, HeaderLen, ErrTooShort, "serial number")
	}
	it := newParamIterIn(v[4:], TypeAsconfAck, HeaderLen+4)
	for it.Next() {
		p := it.Param()
		off := HeaderLen + 4 + it.Offset() - 4
		var err error
		switch p.Type {
		case ParamSuccessIndication:
			var x SuccessIndicationParam
			err = x.Decode(p)
		case ParamErrorCauseIndication:
			var x ErrorCauseIndicationParam
			err = x.Decode(p)
		default:
			if _, known := paramNames[p.Type]; known {
				err = plainErr(0, ErrForbiddenParam, "not an ASCONF-ACK parameter")
			}
		}
		if err != nil {
			return shiftChunk(err, TypeAsconfAck, off)
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	c.Serial, c.Params = binary.BigEndian.Uint32(v), trimTLV(v[4:])
	return nil
}
