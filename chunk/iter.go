package chunk

import "encoding/binary"

func pad4(n int) int { return (n + 3) &^ 3 }

// NewIter returns an iterator over the chunks in b (a packet without its
// common header).
func NewIter(b []byte) Iter { return Iter{b: b} }

// Reset makes it walk b from the start.
func (it *Iter) Reset(b []byte) { *it = Iter{b: b} }

// Next advances to the next chunk. It returns false at the end of the
// input or at the first malformed chunk (see Err). Every chunk must have a
// length of at least 4 that fits in the input, followed by its zero padding
// to a multiple of 4 bytes (RFC 9260 §3.2).
func (it *Iter) Next() bool {
	if it.err != nil || it.off >= len(it.b) {
		return false
	}
	rest := it.b[it.off:]
	if len(rest) < HeaderLen {
		it.err = plainErr(it.off, ErrTooShort, "partial chunk header")
		return false
	}
	t := Type(rest[0])
	l := int(binary.BigEndian.Uint16(rest[2:4]))
	if l < HeaderLen {
		it.err = chunkErr(t, it.off, ErrTooShort, "chunk length below 4")
		return false
	}
	if l > len(rest) {
		it.err = chunkErr(t, it.off, ErrBadLength, "chunk length beyond the packet")
		return false
	}
	p := pad4(l)
	if p > len(rest) {
		it.err = chunkErr(t, it.off+l, ErrBadPadding, "chunk padding")
		return false
	}
	it.cur = Raw{Type: t, Flags: rest[1], Value: rest[HeaderLen:l:l]}
	it.off += p
	return true
}

// Chunk returns the chunk Next stopped at.
func (it *Iter) Chunk() Raw { return it.cur }

// Bytes returns the current chunk as it sits in the input: header and
// value, without padding (what an Unrecognized Chunk Type cause carries,
// RFC 9260 §3.3.10.6).
func (it *Iter) Bytes() []byte {
	l := HeaderLen + len(it.cur.Value)
	start := it.off - pad4(l)
	if it.off == 0 || start < 0 {
		return nil
	}
	return it.b[start : start+l : start+l]
}

// Rest returns the input from the start of the current chunk to its end:
// what an AUTH chunk's HMAC covers (RFC 4895 §6.2). Nil before Next.
func (it *Iter) Rest() []byte {
	start := it.off - pad4(HeaderLen+len(it.cur.Value))
	if it.off == 0 || start < 0 {
		return nil
	}
	return it.b[start:]
}

// Offset returns the offset, in the input, just past the current chunk
// and its padding.
func (it *Iter) Offset() int { return it.off }

// Err returns the error that stopped the iteration, nil at a clean end.
func (it *Iter) Err() error { return it.err }

// Len returns the length of the chunk on the wire, padding excluded.
func (r Raw) Len() int { return HeaderLen + len(r.Value) }

// AppendTo appends r as a whole chunk (header, value, padding).
func (r Raw) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, r.Type, r.Flags)
	b = append(b, r.Value...)
	return finish(b, s)
}

// appendHeader appends a chunk header with a zero length and returns the
// offset of the chunk start; finish fills the length and pads.
func appendHeader(b []byte, t Type, flags uint8) ([]byte, int) {
	s := len(b)
	return append(b, byte(t), flags, 0, 0), s
}

// finish writes the length of the chunk starting at s (everything after s)
// and appends zero padding to 4 bytes.
func finish(b []byte, s int) []byte {
	return finishLen(b, s, len(b)-s)
}

// finishLen is finish with an explicit chunk length (the bytes after
// s+l are the unpadded tail of the last parameter, which RFC 9260 §3.2
// leaves out of the chunk length).
func finishLen(b []byte, s, l int) []byte {
	if l > 0xFFFF {
		panic("BUG: chunk: encoded chunk longer than 65535 bytes")
	}
	binary.BigEndian.PutUint16(b[s+2:], uint16(l))
	return appendZeros(b, pad4(len(b)-s)-(len(b)-s))
}

func appendZeros(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, 0)
	}
	return b
}

func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// tlvListLen returns the length of a list of TLVs (parameters or causes)
// without the padding of its last element, which is what a chunk length
// counts (RFC 9260 §3.2). A malformed list is counted whole.
func tlvListLen(b []byte) int {
	off, last := 0, 0
	for off < len(b) {
		if off+4 > len(b) {
			return len(b)
		}
		l := int(binary.BigEndian.Uint16(b[off+2:]))
		if l < 4 || off+l > len(b) {
			return len(b)
		}
		last = off + l
		off += pad4(l)
	}
	return last
}

// trimTLV drops the padding of the last TLV of a list, so that decoding
// is stable whether or not the sender counted it in the chunk length.
func trimTLV(b []byte) []byte { return b[:tlvListLen(b)] }

// tlvIter is the common walker of parameters and causes.
type tlvIter struct {
	b   []byte
	off int
	c   ctx
	typ uint16
	val []byte
	err error
	end int // offset just past the current element's value (before padding)
}

func (it *tlvIter) next(what string) bool {
	if it.err != nil || it.off >= len(it.b) {
		return false
	}
	rest := it.b[it.off:]
	if len(rest) < 4 {
		it.err = it.c.err(it.off, ErrTooShort, "partial "+what+" header")
		return false
	}
	t := binary.BigEndian.Uint16(rest)
	l := int(binary.BigEndian.Uint16(rest[2:]))
	if l < 4 {
		it.err = it.c.err(it.off, ErrTooShort, what+" length below 4")
		return false
	}
	if l > len(rest) {
		it.err = it.c.err(it.off, ErrBadLength, what+" length beyond its chunk")
		return false
	}
	p := pad4(l)
	if p > len(rest) {
		// The last element of a chunk may lack its padding (RFC 9260
		// §3.2); a partial padding is an overrun.
		if l != len(rest) {
			it.err = it.c.err(it.off+l, ErrBadPadding, what+" padding")
			return false
		}
		p = l
	}
	it.typ = t
	it.val = rest[4:l:l]
	it.end = it.off + l
	it.off += p
	return true
}

// ParamIter walks a list of parameters (the variable part of INIT, INIT
// ACK, RE-CONFIG, ASCONF, ...), like Iter.
type ParamIter struct{ it tlvIter }

// NewParamIter returns an iterator over the parameters in b.
func NewParamIter(b []byte) ParamIter { return ParamIter{it: tlvIter{b: b}} }

func newParamIterIn(b []byte, t Type, base int) ParamIter {
	return ParamIter{it: tlvIter{b: b, c: ctx{t: t, inChunk: true, base: base}}}
}

// Next advances to the next parameter; false at the end or on error.
func (p *ParamIter) Next() bool { return p.it.next("parameter") }

// Param returns the current parameter.
func (p *ParamIter) Param() Param { return Param{Type: ParamType(p.it.typ), Value: p.it.val} }

// Raw returns the current parameter as it sits in the input: header,
// value, no padding (for an Unrecognized Parameter report).
func (p *ParamIter) Raw() []byte { return p.it.b[p.it.end-4-len(p.it.val) : p.it.end] }

// Offset returns the offset of the current parameter's value in the input.
func (p *ParamIter) Offset() int { return p.it.end - len(p.it.val) }

// Err returns the error that stopped the iteration, nil at a clean end.
func (p *ParamIter) Err() error { return p.it.err }

// CauseIter walks a list of error causes (ABORT, ERROR), like Iter.
type CauseIter struct{ it tlvIter }

// NewCauseIter returns an iterator over the error causes in b.
func NewCauseIter(b []byte) CauseIter { return CauseIter{it: tlvIter{b: b}} }

func newCauseIterIn(b []byte, t Type, base int) CauseIter {
	return CauseIter{it: tlvIter{b: b, c: ctx{t: t, inChunk: true, base: base}}}
}

// Next advances to the next cause; false at the end or on error.
func (c *CauseIter) Next() bool { return c.it.next("cause") }

// Cause returns the current cause.
func (c *CauseIter) Cause() Cause { return Cause{Code: CauseCode(c.it.typ), Info: c.it.val} }

// Offset returns the offset of the current cause's info in the input.
func (c *CauseIter) Offset() int { return c.it.end - len(c.it.val) }

// Err returns the error that stopped the iteration, nil at a clean end.
func (c *CauseIter) Err() error { return c.it.err }

// AppendParam appends one parameter (header, value, padding to 4 bytes).
func AppendParam(b []byte, t ParamType, value []byte) []byte {
	b, s := appendTLVHeader(b, uint16(t))
	b = append(b, value...)
	return finishTLV(b, s)
}

// AppendCause appends one error cause (header, info, padding to 4 bytes).
func AppendCause(b []byte, code CauseCode, info []byte) []byte {
	b, s := appendTLVHeader(b, uint16(code))
	b = append(b, info...)
	return finishTLV(b, s)
}

// AppendTo appends p as a whole parameter.
func (p Param) AppendTo(b []byte) []byte { return AppendParam(b, p.Type, p.Value) }

// AppendTo appends c as a whole cause.
func (c Cause) AppendTo(b []byte) []byte { return AppendCause(b, c.Code, c.Info) }

func appendTLVHeader(b []byte, t uint16) ([]byte, int) {
	s := len(b)
	return append(b, byte(t>>8), byte(t), 0, 0), s
}

func finishTLV(b []byte, s int) []byte {
	l := len(b) - s
	if l > 0xFFFF {
		panic("BUG: chunk: encoded parameter or cause longer than 65535 bytes")
	}
	binary.BigEndian.PutUint16(b[s+2:], uint16(l))
	return appendZeros(b, pad4(l)-l)
}

// FindParam returns the first parameter of type t in the list params (for
// example Init.Params). Malformed lists yield what precedes the fault.
func FindParam(params []byte, t ParamType) (Param, bool) {
	it := NewParamIter(params)
	for it.Next() {
		if p := it.Param(); p.Type == t {
			return p, true
		}
	}
	return Param{}, false
}

// checkCauses validates the framing of a cause list.
func checkCauses(b []byte, t Type, base int) error {
	it := newCauseIterIn(b, t, base)
	for it.Next() {
	}
	return it.Err()
}
