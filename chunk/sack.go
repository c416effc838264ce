package chunk

import "encoding/binary"

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
	b, st := appendHeader(b, TypeSack, 0)
	b = appendU32(b, s.CumTSNAck)
	b = appendU32(b, s.ARwnd)
	b = appendU16(b, uint16(len(s.Gaps)))
	b = appendU16(b, uint16(len(s.DupTSNs)))
	for _, g := range s.Gaps {
		b = appendU16(b, g.Start)
		b = appendU16(b, g.End)
	}
	for _, t := range s.DupTSNs {
		b = appendU32(b, t)
	}
	return finish(b, st)
}

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
	gaps, dups := s.Gaps[:0], s.DupTSNs[:0]
	off := 12
	for i := 0; i < ng; i++ {
		g := GapBlock{Start: binary.BigEndian.Uint16(v[off:]), End: binary.BigEndian.Uint16(v[off+2:])}
		if g.Start == 0 || g.Start > g.End {
			return chunkErr(TypeSack, HeaderLen+off, ErrInvalidField, "gap block")
		}
		gaps = append(gaps, g)
		off += 4
	}
	for i := 0; i < nd; i++ {
		dups = append(dups, binary.BigEndian.Uint32(v[off:]))
		off += 4
	}
	s.CumTSNAck = binary.BigEndian.Uint32(v)
	s.ARwnd = binary.BigEndian.Uint32(v[4:])
	s.Gaps, s.DupTSNs = gaps, dups
	return nil
}
