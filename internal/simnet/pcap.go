package simnet

import (
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/usctp/sctp/internal/pcap"
)

// PcapWriter records datagrams seen by a tap as a pcap capture, written by
// internal/pcap (nanosecond timestamps, LINKTYPE_RAW, synthesised IPv4/IPv6
// and UDP headers with checksums), so that a simulated run can be read with
// tshark or Wireshark, e.g.
//
//	tshark -r run.pcap -d udp.port==9899,sctp
//
// A datagram between an IPv4 and an IPv6 address, which the simulator
// allows, is recorded with an IPv6 header and the IPv4 address
// IPv4-mapped. Install pw.Tap with SetTap. Tap is not safe for concurrent
// use; Sim and Network serialise their tap calls.
type PcapWriter struct {
	w       *pcap.Writer
	dir     TapDir
	err     error
	n       int
	skipped int
}

// NewPcapWriter writes the pcap file header to w and returns a writer that
// records the datagrams its Tap sees at dir (TapSend: everything offered;
// TapDeliver: what arrived; TapDrop: what was lost).
func NewPcapWriter(w io.Writer, dir TapDir) (*PcapWriter, error) {
	pw, err := pcap.NewWriterOptions(w, pcap.Options{MapMixedFamilies: true})
	if err != nil {
		return nil, err
	}
	return &PcapWriter{w: pw, dir: dir}, nil
}

// Tap is a TapFunc recording datagrams at the writer's TapDir. A datagram
// that no IP packet can carry (a UDP payload above 65,507 bytes over IPv4
// or 65,527 over IPv6, which a TapSend or TapDrop tap can see) or that has
// an invalid address is not recorded but counted by Skipped.
func (p *PcapWriter) Tap(now time.Time, dir TapDir, from, to netip.AddrPort, pkt []byte) {
	if dir != p.dir || p.err != nil {
		return
	}
	err := p.w.WritePacket(now, from, to, pkt)
	switch {
	case err == nil:
		p.n++
	case errors.Is(err, pcap.ErrTooLarge), errors.Is(err, pcap.ErrAddrFamily):
		p.skipped++
	default:
		p.err = err
	}
}

// Packets is the number of records written.
func (p *PcapWriter) Packets() int { return p.n }

// Skipped is the number of datagrams seen at the writer's TapDir that could
// not be recorded (see Tap).
func (p *PcapWriter) Skipped() int { return p.skipped }

// Err is the first write error, after which the writer records nothing.
func (p *PcapWriter) Err() error { return p.err }
