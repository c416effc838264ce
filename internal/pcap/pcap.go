// Package pcap writes and reads classic libpcap capture files holding SCTP
// packets carried over UDP (RFC 6951), so that tshark/Wireshark can dissect
// what usctp sends and receives, and so that tests can load captured
// packets back.
//
// The Writer produces files with link type LINKTYPE_RAW (101): every record
// is a synthetic IPv4 or IPv6 header, a UDP header and the SCTP packet as
// the UDP payload. tshark decodes UDP port 9899 as SCTP by default; for
// other ports use `-d udp.port==PORT,sctp`.
//
// The Reader accepts classic pcap files (microsecond or nanosecond, either
// byte order) with link types Ethernet (1, what `tshark -i lo -F pcap`
// writes on Linux), raw IP (101, what Writer writes), IPv4 (228), IPv6
// (229) and Linux cooked capture (113). DecodeUDP extracts the UDP payload
// of one frame. pcapng is not supported: capture with `-F pcap`.
package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"
)

// Link types: the LINKTYPE_ values of the file header's network field.
const (
	LinkTypeEthernet = 1
	LinkTypeRaw      = 101
	LinkTypeLinuxSLL = 113
	LinkTypeIPv4     = 228
	LinkTypeIPv6     = 229
)

const (
	magicMicro        = 0xa1b2c3d4
	magicNano         = 0xa1b23c4d
	fileHeaderLen     = 24
	recordHeaderLen   = 16
	ipv4HeaderLen     = 20
	ipv6HeaderLen     = 40
	udpHeaderLen      = 8
	ipProtoUDP        = 17
	defaultTTL        = 64
	maxRecordLen      = 1 << 18 // 256 KiB, tshark's default snap length
	maxUDPPayloadIPv4 = 0xffff - ipv4HeaderLen - udpHeaderLen
	maxUDPPayloadIPv6 = 0xffff - udpHeaderLen
)

// Errors returned by this package; they can be matched with errors.Is.
var (
	ErrBadMagic       = errors.New("pcap: not a classic pcap file (bad magic; pcapng is not supported)")
	ErrTooLarge       = errors.New("pcap: packet too large")
	ErrAddrFamily     = errors.New("pcap: source and destination address families differ or are invalid")
	ErrTruncated      = errors.New("pcap: truncated record or header")
	ErrNotUDP         = errors.New("pcap: frame is not an unfragmented UDP datagram over IPv4/IPv6")
	ErrLinkType       = errors.New("pcap: unsupported link type")
	ErrCapturedShort  = errors.New("pcap: frame was truncated by the capture snap length")
	ErrRecordTooLarge = errors.New("pcap: record length exceeds limit")
)

// Writer writes SCTP-over-UDP packets to a classic pcap stream with link
// type LINKTYPE_RAW and nanosecond timestamps. It is safe for concurrent
// use; each packet is written with a single Write call on the underlying
// writer. After the first packet, WritePacket allocates nothing.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
	opt Options
}

// Options adjust what a Writer accepts. The zero value is what NewWriter
// uses.
type Options struct {
	// MapMixedFamilies makes WritePacket record a packet whose source and
	// destination are of different families (one IPv4, one IPv6) with an
	// IPv6 header carrying the IPv4 address as an IPv4-mapped IPv6 address
	// (RFC 4291 §2.5.5.2), instead of failing with ErrAddrFamily. Such a
	// packet cannot exist on a real network, but a simulated one may carry
	// it, and its capture should still show it.
	MapMixedFamilies bool
}

// NewWriter writes the pcap file header to w and returns a Writer that
// appends records to it.
func NewWriter(w io.Writer) (*Writer, error) {
	return NewWriterOptions(w, Options{})
}

// NewWriterOptions is NewWriter with options.
func NewWriterOptions(w io.Writer, opt Options) (*Writer, error) {
	var h [fileHeaderLen]byte
	binary.LittleEndian.PutUint32(h[0:], magicNano)
	binary.LittleEndian.PutUint16(h[4:], 2) // version 2.4
	binary.LittleEndian.PutUint16(h[6:], 4)
	// h[8:16]: thiszone, sigfigs = 0
	binary.LittleEndian.PutUint32(h[16:], maxRecordLen) // snaplen
	binary.LittleEndian.PutUint32(h[20:], LinkTypeRaw)
	if _, err := w.Write(h[:]); err != nil {
		return nil, err
	}
	return &Writer{w: w, buf: make([]byte, 0, 2048), opt: opt}, nil
}

// WritePacket writes one record: an IPv4 (when both addresses are IPv4 or
// IPv4-mapped IPv6) or IPv6 header from src to dst, a UDP header with the
// ports of src and dst, and payload (the SCTP packet) as the UDP payload.
// The IPv4 header checksum and the UDP checksum are computed, so the
// record is a well-formed datagram. t is the record's timestamp (the zero
// time is written as 0).
//
// It fails with ErrAddrFamily when an address is invalid or, unless
// Options.MapMixedFamilies is set, when the families differ, and with
// ErrTooLarge when the datagram does not fit the IP length field.
func (w *Writer) WritePacket(t time.Time, src, dst netip.AddrPort, payload []byte) error {
	sa, da := src.Addr().Unmap(), dst.Addr().Unmap()
	if !sa.IsValid() || !da.IsValid() {
		return fmt.Errorf("%w: %v -> %v", ErrAddrFamily, src, dst)
	}
	if sa.Is4() != da.Is4() {
		if !w.opt.MapMixedFamilies {
			return fmt.Errorf("%w: %v -> %v", ErrAddrFamily, src, dst)
		}
		// As16 of an IPv4 address is its IPv4-mapped form.
		sa, da = netip.AddrFrom16(sa.As16()), netip.AddrFrom16(da.As16())
	}
	if sa.Is4() && len(payload) > maxUDPPayloadIPv4 || len(payload) > maxUDPPayloadIPv6 {
		return fmt.Errorf("%w: %d byte payload", ErrTooLarge, len(payload))
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.buf[:0]
	b = appendRecordHeader(b, t)
	recStart := len(b)
	if sa.Is4() {
		b = appendIPv4Header(b, sa, da, udpHeaderLen+len(payload))
	} else {
		b = appendIPv6Header(b, sa, da, udpHeaderLen+len(payload))
	}
	udpStart := len(b)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint16(b, uint16(udpHeaderLen+len(payload)))
	b = append(b, 0, 0) // checksum, filled below
	b = append(b, payload...)
	sum := udpChecksum(sa, da, b[udpStart:])
	binary.BigEndian.PutUint16(b[udpStart+6:], sum)
	n := uint32(len(b) - recStart)
	binary.LittleEndian.PutUint32(b[8:], n)  // incl_len
	binary.LittleEndian.PutUint32(b[12:], n) // orig_len
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

func appendRecordHeader(b []byte, t time.Time) []byte {
	var sec, nsec uint32
	if !t.IsZero() {
		sec, nsec = uint32(t.Unix()), uint32(t.Nanosecond())
	}
	b = binary.LittleEndian.AppendUint32(b, sec)
	b = binary.LittleEndian.AppendUint32(b, nsec)
	b = binary.LittleEndian.AppendUint32(b, 0) // incl_len, filled by caller
	return binary.LittleEndian.AppendUint32(b, 0)
}

func appendIPv4Header(b []byte, src, dst netip.Addr, l4len int) []byte {
	start := len(b)
	b = append(b, 0x45, 0) // version 4, IHL 5; DSCP/ECN 0
	b = binary.BigEndian.AppendUint16(b, uint16(ipv4HeaderLen+l4len))
	b = append(b, 0, 0, 0x40, 0) // identification 0; DF, offset 0
	b = append(b, defaultTTL, ipProtoUDP, 0, 0)
	s4, d4 := src.As4(), dst.As4()
	b = append(b, s4[:]...)
	b = append(b, d4[:]...)
	binary.BigEndian.PutUint16(b[start+10:], ^fold(sum16(0, b[start:start+ipv4HeaderLen])))
	return b
}

func appendIPv6Header(b []byte, src, dst netip.Addr, l4len int) []byte {
	b = append(b, 0x60, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(l4len))
	b = append(b, ipProtoUDP, defaultTTL)
	s16, d16 := src.As16(), dst.As16()
	b = append(b, s16[:]...)
	return append(b, d16[:]...)
}

// sum16 adds b as big-endian 16-bit words to acc (RFC 1071).
func sum16(acc uint32, b []byte) uint32 {
	for len(b) >= 2 {
		acc += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	return acc
}

func fold(acc uint32) uint16 {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}

// udpChecksum computes the UDP checksum of seg (header with a zero checksum
// field, then payload) with the pseudo-header of RFC 768 / RFC 8200 §8.1.
func udpChecksum(src, dst netip.Addr, seg []byte) uint16 {
	var acc uint32
	if src.Is4() {
		s, d := src.As4(), dst.As4()
		acc = sum16(acc, s[:])
		acc = sum16(acc, d[:])
	} else {
		s, d := src.As16(), dst.As16()
		acc = sum16(acc, s[:])
		acc = sum16(acc, d[:])
	}
	acc += ipProtoUDP + uint32(len(seg))
	acc = sum16(acc, seg)
	c := ^fold(acc)
	if c == 0 {
		c = 0xffff // RFC 768: a computed zero is sent as all ones
	}
	return c
}

// Record is one captured frame.
type Record struct {
	Time    time.Time
	OrigLen int    // length of the frame on the wire
	Data    []byte // captured bytes (len ≤ OrigLen)
}

// Reader reads records from a classic pcap stream.
type Reader struct {
	r        io.Reader
	order    binary.ByteOrder
	nano     bool
	linkType uint32
	hdr      [recordHeaderLen]byte
}

// NewReader reads the pcap file header from r.
func NewReader(r io.Reader) (*Reader, error) {
	var h [fileHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: file header: %v", ErrTruncated, err)
	}
	rd := &Reader{r: r}
	switch {
	case binary.LittleEndian.Uint32(h[:]) == magicMicro:
		rd.order = binary.LittleEndian
	case binary.LittleEndian.Uint32(h[:]) == magicNano:
		rd.order, rd.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[:]) == magicMicro:
		rd.order = binary.BigEndian
	case binary.BigEndian.Uint32(h[:]) == magicNano:
		rd.order, rd.nano = binary.BigEndian, true
	default:
		return nil, ErrBadMagic
	}
	// The low 16 bits hold the link type; the upper bits may carry FCS info.
	rd.linkType = rd.order.Uint32(h[20:]) & 0xffff
	return rd, nil
}

// LinkType reports the file's link type.
func (r *Reader) LinkType() uint32 { return r.linkType }

// Next returns the next record, or io.EOF at a clean end of file.
func (r *Reader) Next() (Record, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		if err == io.EOF {
			return Record{}, io.EOF
		}
		return Record{}, fmt.Errorf("%w: record header: %v", ErrTruncated, err)
	}
	sec := r.order.Uint32(r.hdr[0:])
	frac := r.order.Uint32(r.hdr[4:])
	incl := r.order.Uint32(r.hdr[8:])
	orig := r.order.Uint32(r.hdr[12:])
	if incl > maxRecordLen {
		return Record{}, fmt.Errorf("%w: %d bytes", ErrRecordTooLarge, incl)
	}
	data := make([]byte, incl)
	if _, err := io.ReadFull(r.r, data); err != nil {
		return Record{}, fmt.Errorf("%w: record data: %v", ErrTruncated, err)
	}
	nsec := int64(frac)
	if !r.nano {
		nsec *= 1000
	}
	return Record{Time: time.Unix(int64(sec), nsec).UTC(), OrigLen: int(orig), Data: data}, nil
}

// Datagram is a UDP datagram extracted from a frame.
type Datagram struct {
	Src, Dst netip.AddrPort
	Payload  []byte // refers into the frame
}

// DecodeUDP extracts the UDP datagram carried in frame, a record of a file
// with the given link type. It fails with ErrNotUDP for anything but an
// unfragmented UDP datagram over IPv4 or IPv6 (IPv6 extension headers are
// not followed), and with ErrCapturedShort when the capture cut the frame.
func DecodeUDP(linkType uint32, frame []byte) (Datagram, error) {
	ip := frame
	switch linkType {
	case LinkTypeEthernet:
		if len(frame) < 14 {
			return Datagram{}, ErrTruncated
		}
		et := binary.BigEndian.Uint16(frame[12:])
		ip = frame[14:]
		if et == 0x8100 { // one 802.1Q tag
			if len(frame) < 18 {
				return Datagram{}, ErrTruncated
			}
			et = binary.BigEndian.Uint16(frame[16:])
			ip = frame[18:]
		}
		if et != 0x0800 && et != 0x86dd {
			return Datagram{}, fmt.Errorf("%w: ethertype %#04x", ErrNotUDP, et)
		}
	case LinkTypeLinuxSLL:
		if len(frame) < 16 {
			return Datagram{}, ErrTruncated
		}
		ip = frame[16:]
	case LinkTypeRaw, LinkTypeIPv4, LinkTypeIPv6:
	default:
		return Datagram{}, fmt.Errorf("%w: %d", ErrLinkType, linkType)
	}
	if len(ip) < 1 {
		return Datagram{}, ErrTruncated
	}
	var (
		src, dst netip.Addr
		udp      []byte
	)
	switch ip[0] >> 4 {
	case 4:
		if len(ip) < ipv4HeaderLen {
			return Datagram{}, ErrTruncated
		}
		ihl := int(ip[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if ihl < ipv4HeaderLen || total < ihl {
			return Datagram{}, fmt.Errorf("%w: bad IPv4 header", ErrNotUDP)
		}
		if total > len(ip) {
			return Datagram{}, ErrCapturedShort
		}
		if ip[9] != ipProtoUDP || binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
			return Datagram{}, fmt.Errorf("%w: IPv4 protocol %d or fragment", ErrNotUDP, ip[9])
		}
		src = netip.AddrFrom4([4]byte(ip[12:16]))
		dst = netip.AddrFrom4([4]byte(ip[16:20]))
		udp = ip[ihl:total]
	case 6:
		if len(ip) < ipv6HeaderLen {
			return Datagram{}, ErrTruncated
		}
		plen := int(binary.BigEndian.Uint16(ip[4:]))
		if ipv6HeaderLen+plen > len(ip) {
			return Datagram{}, ErrCapturedShort
		}
		if ip[6] != ipProtoUDP {
			return Datagram{}, fmt.Errorf("%w: IPv6 next header %d", ErrNotUDP, ip[6])
		}
		src = netip.AddrFrom16([16]byte(ip[8:24]))
		dst = netip.AddrFrom16([16]byte(ip[24:40]))
		udp = ip[ipv6HeaderLen : ipv6HeaderLen+plen]
	default:
		return Datagram{}, fmt.Errorf("%w: IP version %d", ErrNotUDP, ip[0]>>4)
	}
	if len(udp) < udpHeaderLen {
		return Datagram{}, fmt.Errorf("%w: short UDP header", ErrNotUDP)
	}
	ulen := int(binary.BigEndian.Uint16(udp[4:]))
	if ulen < udpHeaderLen || ulen > len(udp) {
		return Datagram{}, fmt.Errorf("%w: UDP length %d of %d", ErrNotUDP, ulen, len(udp))
	}
	return Datagram{
		Src:     netip.AddrPortFrom(src, binary.BigEndian.Uint16(udp[0:])),
		Dst:     netip.AddrPortFrom(dst, binary.BigEndian.Uint16(udp[2:])),
		Payload: udp[udpHeaderLen:ulen],
	}, nil
}

// ReadDatagrams reads every record of a pcap stream and returns the UDP
// datagrams in order. A record that is not a UDP datagram is an error.
func ReadDatagrams(r io.Reader) ([]Datagram, error) {
	rd, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	var out []Datagram
	for i := 1; ; i++ {
		rec, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("record %d: %w", i, err)
		}
		if rec.OrigLen > len(rec.Data) {
			return out, fmt.Errorf("record %d: %w", i, ErrCapturedShort)
		}
		d, err := DecodeUDP(rd.linkType, rec.Data)
		if err != nil {
			return out, fmt.Errorf("record %d: %w", i, err)
		}
		out = append(out, d)
	}
}
