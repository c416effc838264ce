package chunk

import "encoding/binary"

// DATA / I-DATA flag bits (RFC 9260 §3.3.1, RFC 7053, RFC 8260 §2.1).
const (
	FlagEnding    = 0x01 // E
	FlagBeginning = 0x02 // B
	FlagUnordered = 0x04 // U
	FlagImmediate = 0x08 // I (RFC 7053)
)

// DataHeaderLen is the length of a DATA chunk without user data.
const DataHeaderLen = HeaderLen + 12

// IDataHeaderLen is the length of an I-DATA chunk without user data.
const IDataHeaderLen = HeaderLen + 16

func dataFlags(i, u, b, e bool) uint8 {
	var f uint8
	if i {
		f |= FlagImmediate
	}
	if u {
		f |= FlagUnordered
	}
	if b {
		f |= FlagBeginning
	}
	if e {
		f |= FlagEnding
	}
	return f
}

// ChunkType returns TypeData.
func (*Data) ChunkType() Type { return TypeData }

// AppendTo appends the DATA chunk.
func (d *Data) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypeData, dataFlags(d.Immediate, d.Unordered, d.Beginning, d.Ending))
	b = appendU32(b, d.TSN)
	b = appendU16(b, d.Stream)
	b = appendU16(b, d.SSN)
	b = appendU32(b, d.PPID)
	b = append(b, d.UserData...)
	return finish(b, s)
}

// Decode fills d from r. UserData refers into r.Value. A DATA chunk with no
// user data decodes fine: the receiver answers it with an ABORT carrying
// cause 9 (RFC 9260 §6.2), which is the engine's business.
func (d *Data) Decode(r Raw) error {
	if r.Type != TypeData {
		return chunkErr(r.Type, 0, ErrWrongType, "not DATA")
	}
	v := r.Value
	if len(v) < 12 {
		return chunkErr(TypeData, HeaderLen, ErrTooShort, "DATA header")
	}
	f := r.Flags
	*d = Data{
		Immediate: f&FlagImmediate != 0,
		Unordered: f&FlagUnordered != 0,
		Beginning: f&FlagBeginning != 0,
		Ending:    f&FlagEnding != 0,
		TSN:       binary.BigEndian.Uint32(v),
		Stream:    binary.BigEndian.Uint16(v[4:]),
		SSN:       binary.BigEndian.Uint16(v[6:]),
		PPID:      binary.BigEndian.Uint32(v[8:]),
		UserData:  v[12:],
	}
	return nil
}

// ChunkType returns TypeIData.
func (*IData) ChunkType() Type { return TypeIData }

// AppendTo appends the I-DATA chunk (RFC 8260 §2.1).
func (d *IData) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypeIData, dataFlags(d.Immediate, d.Unordered, d.Beginning, d.Ending))
	b = appendU32(b, d.TSN)
	b = appendU16(b, d.Stream)
	b = appendU16(b, 0) // reserved
	b = appendU32(b, d.MID)
	b = appendU32(b, d.PPIDOrFSN)
	b = append(b, d.UserData...)
	return finish(b, s)
}

// Decode fills d from r; UserData refers into r.Value.
func (d *IData) Decode(r Raw) error {
	if r.Type != TypeIData {
		return chunkErr(r.Type, 0, ErrWrongType, "not I-DATA")
	}
	v := r.Value
	if len(v) < 16 {
		return chunkErr(TypeIData, HeaderLen, ErrTooShort, "I-DATA header")
	}
	f := r.Flags
	*d = IData{
		Immediate: f&FlagImmediate != 0,
		Unordered: f&FlagUnordered != 0,
		Beginning: f&FlagBeginning != 0,
		Ending:    f&FlagEnding != 0,
		TSN:       binary.BigEndian.Uint32(v),
		Stream:    binary.BigEndian.Uint16(v[4:]),
		MID:       binary.BigEndian.Uint32(v[8:]),
		PPIDOrFSN: binary.BigEndian.Uint32(v[12:]),
		UserData:  v[16:],
	}
	return nil
}

// EncodedLen returns the length of the encoded DATA chunk with padding.
func (d *Data) EncodedLen() int { return pad4(DataHeaderLen + len(d.UserData)) }

// EncodedLen returns the length of the encoded I-DATA chunk with padding.
func (d *IData) EncodedLen() int { return pad4(IDataHeaderLen + len(d.UserData)) }
