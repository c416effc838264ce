package chunk

import (
	"encoding/binary"
	"slices"
)

// SackHeaderLen is the length of a SACK chunk without gap blocks or
// duplicate TSNs.
const SackHeaderLen = HeaderLen + 12

// ChunkType returns TypeSack.
func (*Sack) ChunkType() Type { return TypeSack }

// AppendTo appends the SACK chunk (RFC 9260 §3.3.4). The gap and duplicate
// counts are those of the slices; more than 65535 of either is a BUG.
func (s *Sack) AppendTo(b []byte) []byte {
	if len(s.Gaps) > 0xFFFF || len(s.DupTSNs) > 0xFFFF {
		panic("BUG: chunk: SACK with more than 65535 gap blocks or duplicate TSNs")
	}
	n := s.EncodedLen()
	b = slices.Grow(b, n)
	st := len(b)
	b = b[:st+n]
	v := b[st:]
	v[0], v[1] = byte(TypeSack), 0
	binary.BigEndian.PutUint16(v[2:], uint16(n))
	binary.BigEndian.PutUint32(v[4:], s.CumTSNAck)
	binary.BigEndian.PutUint32(v[8:], s.ARwnd)
	binary.BigEndian.PutUint16(v[12:], uint16(len(s.Gaps)))
	binary.BigEndian.PutUint16(v[14:], uint16(len(s.DupTSNs)))
	v = v[SackHeaderLen:]
	for i, g := range s.Gaps {
		binary.BigEndian.PutUint16(v[4*i:], g.Start)
		binary.BigEndian.PutUint16(v[4*i+2:], g.End)
	}
	v = v[4*len(s.Gaps):]
	for i, t := range s.DupTSNs {
		binary.BigEndian.PutUint32(v[4*i:], t)
	}
	return b
}

// EncodedLen returns the length of the encoded SACK chunk (always a
// multiple of 4).
func (s *Sack) EncodedLen() int { return SackHeaderLen + 4*len(s.Gaps) + 4*len(s.DupTSNs) }

// Decode fills s from r, reusing s.Gaps and s.DupTSNs. The chunk length
// must be exactly what the two counts announce, and every gap block must
// have 1 <= Start <= End (RFC 9260 §3.3.4: the offsets are relative to the
// Cumulative TSN Ack, which is itself acknowledged).
func (s *Sack) Decode(r Raw) error {
	if r.Type != TypeSack {
		return chunkErr(r.Type, 0, ErrWrongType, "not SACK")
	}
	v := r.Value
	if len(v) < 12 {
		return chunkErr(TypeSack, HeaderLen, ErrTooShort, "SACK header")
	}
	ng := int(binary.BigEndian.Uint16(v[8:]))
	nd := int(binary.BigEndian.Uint16(v[10:]))
	if len(v) != 12+4*ng+4*nd {
		return chunkErr(TypeSack, HeaderLen+8, ErrBadLength, "gap block and duplicate TSN counts disagree with the chunk length")
	}
	gaps := slices.Grow(s.Gaps[:0], ng)[:ng]
	dups := slices.Grow(s.DupTSNs[:0], nd)[:nd]
	g := v[12 : 12+4*ng]
	for i := range gaps {
		gb := GapBlock{Start: binary.BigEndian.Uint16(g[4*i:]), End: binary.BigEndian.Uint16(g[4*i+2:])}
		if gb.Start == 0 || gb.Start > gb.End {
			return chunkErr(TypeSack, SackHeaderLen+4*i, ErrInvalidField, "gap block")
		}
		gaps[i] = gb
	}
	d := v[12+4*ng:]
	for i := range dups {
		dups[i] = binary.BigEndian.Uint32(d[4*i:])
	}
	s.CumTSNAck = binary.BigEndian.Uint32(v)
	s.ARwnd = binary.BigEndian.Uint32(v[4:])
	s.Gaps, s.DupTSNs = gaps, dups
	return nil
}
