package simnet

import (
	"encoding/binary"
	"io"
	"net/netip"
	"time"
)

// PcapWriter records datagrams seen by a tap as a pcap capture (nanosecond
// timestamps, LINKTYPE_RAW) with synthesised IPv4/IPv6 and UDP headers, so
// that a simulated run can be read with tshark or Wireshark, e.g.
//
//	tshark -r run.pcap -d udp.port==9899,sctp
//
// Install pw.Tap with SetTap.
type PcapWriter struct {
	w   io.Writer
	dir TapDir
	err error
	buf []byte
	n   int
}

const linktypeRaw = 101

// NewPcapWriter writes the pcap file header to w and returns a writer that
// records the datagrams its Tap sees at dir (TapSend: everything offered;
// TapDeliver: what arrived; TapDrop: what was lost).
func NewPcapWriter(w io.Writer, dir TapDir) (*PcapWriter, error) {
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h[0:], 0xa1b23c4d) // nanosecond-resolution magic
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], MaxDatagram+48)
	binary.LittleEndian.PutUint32(h[20:], linktypeRaw)
	if _, err := w.Write(h); err != nil {
		return nil, err
	}
	return &PcapWriter{w: w, dir: dir}, nil
}

// Tap is a TapFunc recording datagrams at the writer's TapDir.
func (p *PcapWriter) Tap(now time.Time, dir TapDir, from, to netip.AddrPort, pkt []byte) {
	if dir != p.dir || p.err != nil {
		return
	}
	b := p.buf[:0]
	b = binary.LittleEndian.AppendUint32(b, uint32(now.Unix()))
	b = binary.LittleEndian.AppendUint32(b, uint32(now.Nanosecond()))
	b = append(b, make([]byte, 8)...) // lengths, filled below
	ipStart := len(b)
	src, dst := from.Addr().Unmap(), to.Addr().Unmap()
	udpLen := 8 + len(pkt)
	v4 := src.Is4() && dst.Is4()
	if v4 {
		b = append(b, 0x45, 0, byte((20+udpLen)>>8), byte(20+udpLen), 0, 0, 0x40, 0, 64, 17, 0, 0)
		s4, d4 := src.As4(), dst.As4()
		b = append(b, s4[:]...)
		b = append(b, d4[:]...)
		binary.BigEndian.PutUint16(b[ipStart+10:], ^fold(sum16(0, b[ipStart:ipStart+20])))
	} else {
		b = append(b, 0x60, 0, 0, 0, byte(udpLen>>8), byte(udpLen), 17, 64)
		s16, d16 := netip.AddrFrom16(src.As16()).As16(), netip.AddrFrom16(dst.As16()).As16()
		b = append(b, s16[:]...)
		b = append(b, d16[:]...)
	}
	udp := len(b)
	b = binary.BigEndian.AppendUint16(b, from.Port())
	b = binary.BigEndian.AppendUint16(b, to.Port())
	b = binary.BigEndian.AppendUint16(b, uint16(udpLen))
	b = append(b, 0, 0)
	b = append(b, pkt...)
	// UDP checksum over the pseudo-header (RFC 768, RFC 8200 §8.1).
	var s uint32
	if v4 {
		s = sum16(s, b[ipStart+12:ipStart+20])
	} else {
		s = sum16(s, b[ipStart+8:ipStart+40])
	}
	s += 17 + uint32(udpLen)
	s = sum16(s, b[udp:])
	c := ^fold(s)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(b[udp+6:], c)
	n := uint32(len(b) - ipStart)
	binary.LittleEndian.PutUint32(b[8:], n)
	binary.LittleEndian.PutUint32(b[12:], n)
	p.buf = b
	if _, err := p.w.Write(b); err != nil {
		p.err = err
		return
	}
	p.n++
}

// Packets is the number of records written.
func (p *PcapWriter) Packets() int { return p.n }

// Err is the first write error, after which the writer records nothing.
func (p *PcapWriter) Err() error { return p.err }

func sum16(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}
