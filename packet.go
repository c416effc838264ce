package sctp

import (
	"encoding/binary"

	"github.com/usctp/sctp/chunk"
)

// commonHeaderLen is the length of the SCTP common header (RFC 9260 §3.1).
const commonHeaderLen = 12

// commonHeader is the SCTP common header (RFC 9260 §3.1). Checksum is the
// CRC32c value as crc32c returns it (read from the wire in little-endian
// byte order, see finalizePacket).
type commonHeader struct {
	SrcPort, DstPort uint16
	VerificationTag  uint32
	Checksum         uint32
}

// parsePacket reads the common header of the SCTP packet b, verifies its
// CRC32c (RFC 9260 §6.8) and that neither port is 0 (§3.1), and returns the
// header and the chunk bytes (b[12:], not copied). The chunks themselves
// are checked by validateBundling or chunk.Iter.
//
// On errBadChecksum h is still filled in. The endpoint drops every such
// packet today; the header is there for Zero Checksum (RFC 9653 §5), which
// is not implemented.
func parsePacket(b []byte) (h commonHeader, chunks []byte, err error) {
	if len(b) < commonHeaderLen {
		return commonHeader{}, nil, errPacketTooShort
	}
	h = commonHeader{
		SrcPort:         binary.BigEndian.Uint16(b),
		DstPort:         binary.BigEndian.Uint16(b[2:]),
		VerificationTag: binary.BigEndian.Uint32(b[4:]),
		Checksum:        binary.LittleEndian.Uint32(b[8:]),
	}
	if packetCRC(b) != h.Checksum {
		return h, nil, errBadChecksum
	}
	if h.SrcPort == 0 || h.DstPort == 0 {
		return h, nil, errZeroPort
	}
	return h, b[commonHeaderLen:], nil
}

// appendCommonHeader appends h with its checksum field set to 0; call
// finalizePacket once the chunks are appended.
func appendCommonHeader(b []byte, h commonHeader) []byte {
	b = binary.BigEndian.AppendUint16(b, h.SrcPort)
	b = binary.BigEndian.AppendUint16(b, h.DstPort)
	b = binary.BigEndian.AppendUint32(b, h.VerificationTag)
	return append(b, 0, 0, 0, 0)
}

// finalizePacket writes the CRC32c of the whole packet pkt (common header
// and chunks) into its checksum field, in little-endian byte order as RFC
// 9260 Appendix B's reference code stores it.
func finalizePacket(pkt []byte) {
	if len(pkt) < commonHeaderLen {
		panic("BUG: sctp: finalizePacket on a packet shorter than the common header")
	}
	binary.LittleEndian.PutUint32(pkt[8:], packetCRC(pkt))
}

// validateBundling checks the chunk framing of a packet and the bundling
// rules of RFC 9260: at least one chunk; INIT, INIT ACK and SHUTDOWN
// COMPLETE alone in their packet (§6.10); a packet with INIT has
// verification tag 0 (§8.5.1 rule A) and tag 0 is used only with INIT
// (§8.5). Chunk framing errors are chunk package errors.
func validateBundling(h commonHeader, chunks []byte) error {
	it := chunk.NewIter(chunks)
	n := 0
	var first chunk.Type
	alone := false
	for it.Next() {
		t := it.Chunk().Type
		if n == 0 {
			first = t
		}
		n++
		switch t {
		case chunk.TypeInit, chunk.TypeInitAck, chunk.TypeShutdownComplete:
			alone = true
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if n == 0 {
		return errNoChunks
	}
	if alone && n > 1 {
		return errNotAlone
	}
	if first == chunk.TypeInit {
		if h.VerificationTag != 0 {
			return errInitVTag
		}
	} else if h.VerificationTag == 0 {
		return errZeroVTag
	}
	return nil
}
