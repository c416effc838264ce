package chunk

import "encoding/binary"

// Auth is an AUTH chunk (RFC 4895 §4.1). HMAC refers into the packet; to
// compute or verify it, use AppendTo with a zeroed HMAC of the right size
// and HMACOffset.
type Auth struct {
	SharedKeyID uint16
	HMACID      uint16
	HMAC        []byte
}

// AuthHeaderLen is the length of an AUTH chunk without its HMAC.
const AuthHeaderLen = HeaderLen + 4

// ChunkType returns TypeAuth.
func (*Auth) ChunkType() Type { return TypeAuth }

// AppendTo appends the AUTH chunk.
func (c *Auth) AppendTo(b []byte) []byte {
	b, s := appendHeader(b, TypeAuth, 0)
	b = appendU16(b, c.SharedKeyID)
	b = appendU16(b, c.HMACID)
	b = append(b, c.HMAC...)
	return finish(b, s)
}

// Decode fills c from r; HMAC refers into r.Value. Whether the HMAC length
// fits the HMAC identifier is the authenticator's business (RFC 4895 §6.3).
func (c *Auth) Decode(r Raw) error {
	if r.Type != TypeAuth {
		return wrongType(r, TypeAuth)
	}
	v := r.Value
	if len(v) < 4 {
		return chunkErr(TypeAuth, HeaderLen, ErrTooShort, "AUTH fixed fields")
	}
	c.SharedKeyID = binary.BigEndian.Uint16(v)
	c.HMACID = binary.BigEndian.Uint16(v[2:])
	c.HMAC = v[4:]
	return nil
}

// HMACOffset is the offset of the HMAC field from the start of an AUTH
// chunk: the HMAC is computed over the chunk with this field zeroed (RFC
// 4895 §6.2).
const HMACOffset = AuthHeaderLen
