package chunk

import "encoding/binary"

// ChunkType returns TypeForwardTSN.
func (*ForwardTSN) ChunkType() Type { return TypeForwardTSN }

// AppendTo appends the FORWARD TSN chunk (RFC 3758 §3.2).
func (c *ForwardTSN) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypeForwardTSN, 0)
	b = appendU32(b, c.NewCumTSN)
	for _, x := range c.Streams {
		b = appendU16(b, x.Stream)
		b = appendU16(b, x.SSN)
	}
	return finish(b, s)
}

// Decode fills c from r, reusing c.Streams. The value must be the 4-byte
// New Cumulative TSN followed by whole 4-byte stream/SSN pairs.
func (c *ForwardTSN) Decode(r Raw) error {
	if r.Type != TypeForwardTSN {
		return wrongType(r, TypeForwardTSN)
	}
	v := r.Value
	if len(v) < 4 {
		return chunkErr(TypeForwardTSN, HeaderLen, ErrTooShort, "New Cumulative TSN")
	}
	if (len(v)-4)%4 != 0 {
		return chunkErr(TypeForwardTSN, HeaderLen+4, ErrBadLength, "partial stream/SSN pair")
	}
	st := c.Streams[:0]
	for off := 4; off < len(v); off += 4 {
		st = append(st, ForwardTSNStream{Stream: binary.BigEndian.Uint16(v[off:]), SSN: binary.BigEndian.Uint16(v[off+2:])})
	}
	c.NewCumTSN, c.Streams = binary.BigEndian.Uint32(v), st
	return nil
}

// IForwardTSNStream is one entry of an I-FORWARD TSN (RFC 8260 §2.3.1).
type IForwardTSNStream struct {
	Stream    uint16
	Unordered bool // U bit
	MID       uint32
}

// IForwardTSN is an I-FORWARD TSN chunk (RFC 8260 §2.3.1).
type IForwardTSN struct {
	NewCumTSN uint32
	Streams   []IForwardTSNStream
}

// ChunkType returns TypeIForwardTSN.
func (*IForwardTSN) ChunkType() Type { return TypeIForwardTSN }

// AppendTo appends the I-FORWARD TSN chunk.
func (c *IForwardTSN) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypeIForwardTSN, 0)
	b = appendU32(b, c.NewCumTSN)
	for _, x := range c.Streams {
		b = appendU16(b, x.Stream)
		var u uint16
		if x.Unordered {
			u = 1
		}
		b = appendU16(b, u)
		b = appendU32(b, x.MID)
	}
	return finish(b, s)
}

// Decode fills c from r, reusing c.Streams. The value must be the 4-byte
// New Cumulative TSN followed by whole 8-byte entries; reserved bits are
// ignored.
func (c *IForwardTSN) Decode(r Raw) error {
	if r.Type != TypeIForwardTSN {
		return wrongType(r, TypeIForwardTSN)
	}
	v := r.Value
	if len(v) < 4 {
		return chunkErr(TypeIForwardTSN, HeaderLen, ErrTooShort, "New Cumulative TSN")
	}
	if (len(v)-4)%8 != 0 {
		return chunkErr(TypeIForwardTSN, HeaderLen+4, ErrBadLength, "partial stream entry")
	}
	st := c.Streams[:0]
	for off := 4; off < len(v); off += 8 {
		st = append(st, IForwardTSNStream{
			Stream:    binary.BigEndian.Uint16(v[off:]),
			Unordered: v[off+3]&1 != 0,
			MID:       binary.BigEndian.Uint32(v[off+4:]),
		})
	}
	c.NewCumTSN, c.Streams = binary.BigEndian.Uint32(v), st
	return nil
}
