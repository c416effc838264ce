package sctp

import (
	"net"
	"net/netip"

	"github.com/usctp/sctp/udpencap"
)

// packetConn is the datagram socket a runner runs on. *udpencap.Conn
// implements it; wrapDatagramConn adapts anything with the netip methods
// of *net.UDPConn (such as the in-memory internal/simnet PacketConn);
// captureConn records what passes through another.
type packetConn interface {
	ReadBatch(ms []udpencap.Message) (int, error)
	WriteBatch(ms []udpencap.Message) (int, error)
	LocalAddr() netip.AddrPort
	Close() error
}

// socketOf returns the socket under pc's wrappers (captureConn).
func socketOf(pc packetConn) packetConn {
	if c, ok := pc.(*captureConn); ok {
		return c.packetConn
	}
	return pc
}

// datagramConn is a datagram socket with the netip methods of
// *net.UDPConn; internal/simnet's PacketConn has them too.
type datagramConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
	LocalAddr() net.Addr
	Close() error
}

// wrapDatagramConn adapts c to packetConn, one datagram per call.
func wrapDatagramConn(c datagramConn) packetConn { return &datagramAdapter{c: c} }

type datagramAdapter struct{ c datagramConn }

func (d *datagramAdapter) ReadBatch(ms []udpencap.Message) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	n, from, err := d.c.ReadFromUDPAddrPort(ms[0].Buf)
	if err != nil {
		return 0, err
	}
	ms[0].N = n
	ms[0].Addr = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	return 1, nil
}

func (d *datagramAdapter) WriteBatch(ms []udpencap.Message) (int, error) {
	for i := range ms {
		n, err := d.c.WriteToUDPAddrPort(ms[i].Buf, ms[i].Addr)
		if err != nil {
			return i, err
		}
		ms[i].N = n
	}
	return len(ms), nil
}

func (d *datagramAdapter) LocalAddr() netip.AddrPort {
	if ua, ok := d.c.LocalAddr().(*net.UDPAddr); ok {
		ap := ua.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(d.c.LocalAddr().String())
	return ap
}

func (d *datagramAdapter) Close() error { return d.c.Close() }
