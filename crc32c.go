package sctp

import "hash/crc32"

// castagnoli is the CRC32c table; hash/crc32 uses the SSE4.2 / ARMv8 CRC
// instructions for it where the CPU has them.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc32c returns the CRC32c (Castagnoli) checksum of b as SCTP computes it
// (RFC 9260 Appendix B). SCTP stores the result in the Checksum field in
// little-endian byte order (the reflected CRC's natural order; see
// finalizePacket).
func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

var zeroChecksum [4]byte

// packetCRC computes the CRC32c of an SCTP packet as if its checksum field
// were zero, without modifying it (RFC 9260 §6.8).
func packetCRC(pkt []byte) uint32 {
	c := crc32.Update(0, castagnoli, pkt[:8])
	c = crc32.Update(c, castagnoli, zeroChecksum[:])
	return crc32.Update(c, castagnoli, pkt[12:])
}
