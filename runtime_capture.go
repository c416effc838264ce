package sctp

import (
	"bufio"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/usctp/sctp/internal/pcap"
	"github.com/usctp/sctp/udpencap"
)

// captureConn is a stack's UDP socket recording every datagram it reads
// and writes to a pcap capture (StackConfig.Capture). The records carry
// synthetic IP and UDP headers (internal/pcap, LINKTYPE_RAW), so tshark
// decodes them as SCTP over UDP. Recording is best effort: a failing
// writer loses records, never datagrams.
type captureConn struct {
	packetConn
	out *captureWriter
	w   *pcap.Writer

	mu  sync.Mutex                // guards src
	src map[netip.Addr]netip.Addr // peer IP → our IP towards it
}

// maxCaptureSources bounds captureConn.src against datagrams from many
// (spoofed) source addresses: beyond it the map starts over.
const maxCaptureSources = 1024

// newCaptureConn writes the pcap file header to w and returns pc recording
// to w. Closing it closes pc, then flushes the capture; w stays open.
func newCaptureConn(pc packetConn, w io.Writer) (*captureConn, error) {
	out := &captureWriter{bw: bufio.NewWriterSize(w, 64<<10)}
	pw, err := pcap.NewWriter(out)
	if err != nil {
		return nil, err
	}
	return &captureConn{packetConn: pc, out: out, w: pw, src: make(map[netip.Addr]netip.Addr)}, nil
}

// ReadBatch records the datagrams read (peer → us).
func (c *captureConn) ReadBatch(ms []udpencap.Message) (int, error) {
	n, err := c.packetConn.ReadBatch(ms)
	now := time.Now()
	for i := range ms[:n] {
		m := &ms[i]
		c.w.WritePacket(now, m.Addr, c.ourAddr(m), m.Buf[:m.N])
	}
	return n, err
}

// WriteBatch records the datagrams the socket took (us → peer): only
// those, once each, since the runner offers again the ones after a
// datagram the socket refused. Their time is taken before the write, so a
// fast reply, which the reader may record first, still has the later time.
func (c *captureConn) WriteBatch(ms []udpencap.Message) (int, error) {
	now := time.Now()
	n, err := c.packetConn.WriteBatch(ms)
	for i := range ms[:n] {
		m := &ms[i]
		c.w.WritePacket(now, c.ourAddr(m), m.Addr, m.Buf) // a write sends all of Buf
	}
	return n, err
}

// ourAddr is our side of m: its Local address when the socket reports or
// takes it (multihoming, udpencap.Message.Local), else localTo's guess.
func (c *captureConn) ourAddr(m *udpencap.Message) netip.AddrPort {
	if m.Local.IsValid() {
		return netip.AddrPortFrom(m.Local, c.LocalAddr().Port())
	}
	return c.localTo(m.Addr)
}

// Close closes the socket, then flushes the capture (the caller closes
// its writer).
func (c *captureConn) Close() error {
	err := c.packetConn.Close()
	if ferr := c.out.close(); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// localTo returns our address (IP and UDP port) as seen by peer. A socket
// bound to the wildcard does not know which local IP the kernel uses, so
// it is looked up once per peer with a connected UDP socket (which sends
// nothing); loopback peers get the loopback address of their family.
func (c *captureConn) localTo(peer netip.AddrPort) netip.AddrPort {
	local := c.LocalAddr()
	pip := peer.Addr().Unmap()
	lip := local.Addr().Unmap()
	if lip.IsValid() && !lip.IsUnspecified() && lip.Is4() == pip.Is4() {
		return netip.AddrPortFrom(lip, local.Port())
	}
	c.mu.Lock()
	ip, ok := c.src[pip]
	c.mu.Unlock()
	if ok {
		return netip.AddrPortFrom(ip, local.Port())
	}
	// Resolved outside the lock: the reader and the loop's writes do not
	// wait for the kernel's route lookup.
	switch {
	case pip.IsLoopback() && pip.Is4():
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	case pip.IsLoopback():
		ip = netip.IPv6Loopback()
	default:
		ip = routeSource(pip)
	}
	c.mu.Lock()
	if len(c.src) >= maxCaptureSources {
		clear(c.src)
	}
	c.src[pip] = ip
	c.mu.Unlock()
	return netip.AddrPortFrom(ip, local.Port())
}

// routeSource asks the kernel which source address it would use towards
// ip; the unspecified address of ip's family if it cannot tell.
func routeSource(ip netip.Addr) netip.Addr {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 9)))
	if err == nil {
		defer c.Close()
		if a, ok := c.LocalAddr().(*net.UDPAddr); ok {
			if s, ok := netip.AddrFromSlice(a.IP); ok {
				return s.Unmap()
			}
		}
	}
	if ip.Is4() {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// captureWriter buffers the capture for the reader goroutine and the loop,
// which record concurrently; after close, records are dropped.
type captureWriter struct {
	mu     sync.Mutex
	bw     *bufio.Writer
	closed bool
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, net.ErrClosed
	}
	return w.bw.Write(b)
}

// close flushes the buffer; later writes are dropped.
func (w *captureWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.bw.Flush()
}
