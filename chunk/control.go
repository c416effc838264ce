package chunk

import "encoding/binary"

// FlagT is the T bit of ABORT and SHUTDOWN COMPLETE (RFC 9260 §3.3.7,
// §3.3.13): the Verification Tag is the one of the receiver of the packet
// that triggered it (reflected).
const FlagT = 0x01

func wrongType(r Raw, want Type) error {
	return chunkErr(r.Type, 0, ErrWrongType, "expected "+want.String())
}

// decodeFixed checks that r is of type t and its value is exactly n bytes.
func decodeFixed(r Raw, t Type, n int) ([]byte, error) {
	if r.Type != t {
		return nil, wrongType(r, t)
	}
	if len(r.Value) < n {
		return nil, chunkErr(t, HeaderLen+len(r.Value), ErrTooShort, "fixed-size chunk")
	}
	if len(r.Value) > n {
		return nil, chunkErr(t, HeaderLen+n, ErrBadLength, "fixed-size chunk with extra bytes")
	}
	return r.Value, nil
}

// decodeHBInfo checks that v is exactly one Heartbeat Info parameter and
// returns its value (RFC 9260 §3.3.5, §3.3.6).
func decodeHBInfo(t Type, v []byte) ([]byte, error) {
	it := newParamIterIn(v, t, HeaderLen)
	if !it.Next() {
		if err := it.Err(); err != nil {
			return nil, err
		}
		return nil, chunkErr(t, HeaderLen, ErrMissingParam, "Heartbeat Info")
	}
	p := it.Param()
	if p.Type != ParamHeartbeatInfo {
		return nil, chunkErr(t, HeaderLen, ErrForbiddenParam, "expected Heartbeat Info")
	}
	if it.Next() {
		return nil, chunkErr(t, HeaderLen+it.Offset()-4, ErrForbiddenParam, "parameter after Heartbeat Info")
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	return p.Value, nil
}

func appendHB(b []byte, t Type, info []byte) []byte {
	b, s := appendHeader(b, t, 0)
	b = AppendParam(b, ParamHeartbeatInfo, info)
	return finishLen(b, s, HeaderLen+4+len(info))
}

// ChunkType returns TypeHeartbeat.
func (*Heartbeat) ChunkType() Type { return TypeHeartbeat }

// AppendTo appends the HEARTBEAT chunk with Info as its Heartbeat Info.
func (c *Heartbeat) AppendTo(b []byte) []byte { return appendHB(b, TypeHeartbeat, c.Info) }

// Decode fills c from r; r must hold exactly one Heartbeat Info parameter.
func (c *Heartbeat) Decode(r Raw) error {
	if r.Type != TypeHeartbeat {
		return wrongType(r, TypeHeartbeat)
	}
	info, err := decodeHBInfo(TypeHeartbeat, r.Value)
	if err != nil {
		return err
	}
	c.Info = info
	return nil
}

// ChunkType returns TypeHeartbeatAck.
func (*HeartbeatAck) ChunkType() Type { return TypeHeartbeatAck }

// AppendTo appends the HEARTBEAT ACK chunk.
func (c *HeartbeatAck) AppendTo(b []byte) []byte { return appendHB(b, TypeHeartbeatAck, c.Info) }

// Decode fills c from r; r must hold exactly one Heartbeat Info parameter.
func (c *HeartbeatAck) Decode(r Raw) error {
	if r.Type != TypeHeartbeatAck {
		return wrongType(r, TypeHeartbeatAck)
	}
	info, err := decodeHBInfo(TypeHeartbeatAck, r.Value)
	if err != nil {
		return err
	}
	c.Info = info
	return nil
}

func appendCauses(b []byte, t Type, flags uint8, causes []byte) []byte {
	b, s := appendHeader(b, t, flags)
	b = append(b, causes...)
	return finishLen(b, s, HeaderLen+tlvListLen(causes))
}

// ChunkType returns TypeAbort.
func (*Abort) ChunkType() Type { return TypeAbort }

// AppendTo appends the ABORT chunk; Causes is a list built with AppendCause
// or the typed causes' AppendTo (may be empty).
func (c *Abort) AppendTo(b []byte) []byte {
	var f uint8
	if c.T {
		f = FlagT
	}
	return appendCauses(b, TypeAbort, f, c.Causes)
}

// Decode fills c from r; the causes must be well framed (on a framing
// error T and Causes are still filled in).
func (c *Abort) Decode(r Raw) error {
	if r.Type != TypeAbort {
		return wrongType(r, TypeAbort)
	}
	// T and Causes are filled even when the causes are malformed: an
	// ABORT with a valid verification tag ends the association whatever
	// its causes say (RFC 9260 §8.5.1 B).
	c.T, c.Causes = r.Flags&FlagT != 0, r.Value
	if err := checkCauses(r.Value, TypeAbort, HeaderLen); err != nil {
		return err
	}
	c.Causes = trimTLV(r.Value)
	return nil
}

// ChunkType returns TypeError.
func (*Error) ChunkType() Type { return TypeError }

// AppendTo appends the ERROR chunk.
func (c *Error) AppendTo(b []byte) []byte { return appendCauses(b, TypeError, 0, c.Causes) }

// Decode fills c from r; the causes must be well framed.
func (c *Error) Decode(r Raw) error {
	if r.Type != TypeError {
		return wrongType(r, TypeError)
	}
	if err := checkCauses(r.Value, TypeError, HeaderLen); err != nil {
		return err
	}
	c.Causes = trimTLV(r.Value)
	return nil
}

// ChunkType returns TypeShutdown.
func (*Shutdown) ChunkType() Type { return TypeShutdown }

// AppendTo appends the SHUTDOWN chunk.
func (c *Shutdown) AppendTo(b []byte) []byte {
	return appendU32(append(b, byte(TypeShutdown), 0, 0, 8), c.CumTSNAck)
}

// Decode fills c from r (length exactly 8).
func (c *Shutdown) Decode(r Raw) error {
	v, err := decodeFixed(r, TypeShutdown, 4)
	if err != nil {
		return err
	}
	c.CumTSNAck = binary.BigEndian.Uint32(v)
	return nil
}

// ChunkType returns TypeShutdownAck.
func (*ShutdownAck) ChunkType() Type { return TypeShutdownAck }

// AppendTo appends the SHUTDOWN ACK chunk.
func (*ShutdownAck) AppendTo(b []byte) []byte { return append(b, byte(TypeShutdownAck), 0, 0, 4) }

// Decode checks r (length exactly 4).
func (*ShutdownAck) Decode(r Raw) error {
	_, err := decodeFixed(r, TypeShutdownAck, 0)
	return err
}

// ChunkType returns TypeCookieEcho.
func (*CookieEcho) ChunkType() Type { return TypeCookieEcho }

// AppendTo appends the COOKIE ECHO chunk.
func (c *CookieEcho) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypeCookieEcho, 0)
	b = append(b, c.Cookie...)
	return finish(b, s)
}

// Decode fills c from r; Cookie refers into r.Value. Its authenticity is
// the cookie sealer's business.
func (c *CookieEcho) Decode(r Raw) error {
	if r.Type != TypeCookieEcho {
		return wrongType(r, TypeCookieEcho)
	}
	c.Cookie = r.Value
	return nil
}

// ChunkType returns TypeCookieAck.
func (*CookieAck) ChunkType() Type { return TypeCookieAck }

// AppendTo appends the COOKIE ACK chunk.
func (*CookieAck) AppendTo(b []byte) []byte { return append(b, byte(TypeCookieAck), 0, 0, 4) }

// Decode checks r (length exactly 4).
func (*CookieAck) Decode(r Raw) error {
	_, err := decodeFixed(r, TypeCookieAck, 0)
	return err
}

// ChunkType returns TypeShutdownComplete.
func (*ShutdownComplete) ChunkType() Type { return TypeShutdownComplete }

// AppendTo appends the SHUTDOWN COMPLETE chunk.
func (c *ShutdownComplete) AppendTo(b []byte) []byte {
	var f uint8
	if c.T {
		f = FlagT
	}
	return append(b, byte(TypeShutdownComplete), f, 0, 4)
}

// Decode fills c from r (length exactly 4).
func (c *ShutdownComplete) Decode(r Raw) error {
	if _, err := decodeFixed(r, TypeShutdownComplete, 0); err != nil {
		return err
	}
	c.T = r.Flags&FlagT != 0
	return nil
}

// ECNE is an ECN Echo chunk (RFC 9260 Appendix A). Some stacks (usrsctp)
// add a 32-bit count of packets seen with CE since the last CWR; HasCount
// says whether the chunk carries it (length 12 instead of 8).
type ECNE struct {
	LowestTSN uint32
	HasCount  bool
	Count     uint32
}

// ChunkType returns TypeECNE.
func (*ECNE) ChunkType() Type { return TypeECNE }

// AppendTo appends the ECNE chunk.
func (c *ECNE) AppendTo(b []byte) []byte {
	if c.HasCount {
		b = append(b, byte(TypeECNE), 0, 0, 12)
		return appendU32(appendU32(b, c.LowestTSN), c.Count)
	}
	return appendU32(append(b, byte(TypeECNE), 0, 0, 8), c.LowestTSN)
}

// Decode fills c from r (length 8 or 12).
func (c *ECNE) Decode(r Raw) error {
	n := 4
	if len(r.Value) > 4 {
		n = 8
	}
	v, err := decodeFixed(r, TypeECNE, n)
	if err != nil {
		return err
	}
	*c = ECNE{LowestTSN: binary.BigEndian.Uint32(v)}
	if n == 8 {
		c.HasCount, c.Count = true, binary.BigEndian.Uint32(v[4:])
	}
	return nil
}

// CWR is a Congestion Window Reduced chunk (RFC 9260 Appendix A).
type CWR struct{ LowestTSN uint32 }

// ChunkType returns TypeCWR.
func (*CWR) ChunkType() Type { return TypeCWR }

// AppendTo appends the CWR chunk.
func (c *CWR) AppendTo(b []byte) []byte {
	return appendU32(append(b, byte(TypeCWR), 0, 0, 8), c.LowestTSN)
}

// Decode fills c from r (length exactly 8).
func (c *CWR) Decode(r Raw) error {
	v, err := decodeFixed(r, TypeCWR, 4)
	if err != nil {
		return err
	}
	c.LowestTSN = binary.BigEndian.Uint32(v)
	return nil
}

// Pad is a PAD chunk (RFC 4820 §3): padding data the receiver ignores.
type Pad struct{ Padding []byte }

// ChunkType returns TypePad.
func (*Pad) ChunkType() Type { return TypePad }

// AppendTo appends the PAD chunk.
func (c *Pad) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypePad, 0)
	b = append(b, c.Padding...)
	return finish(b, s)
}

// Decode fills c from r; Padding refers into r.Value.
func (c *Pad) Decode(r Raw) error {
	if r.Type != TypePad {
		return wrongType(r, TypePad)
	}
	c.Padding = r.Value
	return nil
}

// AppendPad appends a PAD chunk of n bytes in all (n >= 4, a multiple of
// 4), filled with zeros, for path MTU probing (RFC 4820 §3, RFC 8899).
func AppendPad(b []byte, n int) []byte {
	if n < HeaderLen || n%4 != 0 || n > 0xFFFF {
		panic("BUG: chunk: AppendPad size must be a multiple of 4 in [4, 65532]")
	}
	b, s := appendHeader(b, TypePad, 0)
	b = appendZeros(b, n-HeaderLen)
	return finish(b, s)
}

// ChunkType returns the type of the unknown chunk.
func (c *Unknown) ChunkType() Type { return c.Raw.Type }

// AppendTo appends the chunk unchanged.
func (c *Unknown) AppendTo(b []byte) []byte { return c.Raw.AppendTo(b) }

// Decode keeps r whole. It accepts any type.
func (c *Unknown) Decode(r Raw) error {
	c.Raw = r
	return nil
}

// Action returns what the chunk's type bits ask (RFC 9260 §3.2).
func (c *Unknown) Action() Action { return ActionOf(c.Raw.Type) }
