package main

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/usctp/sctp/internal/pcap"
	"github.com/usctp/sctp/udpencap"
)

// tapConn is the stack's UDP socket, recording every datagram read and
// written to a pcap file (-pcap). The records carry synthetic IP and UDP
// headers (internal/pcap), so tshark decodes them as SCTP over UDP.
type tapConn struct {
	*udpencap.Conn
	f   *os.File
	bw  *bufio.Writer
	w   *pcap.Writer
	mu  sync.Mutex                // guards f, bw and src
	src map[netip.Addr]netip.Addr // peer IP → our IP towards it
}

func newTapConn(c *udpencap.Conn, path string) (*tapConn, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-pcap: %w", err)
	}
	t := &tapConn{Conn: c, f: f, bw: bufio.NewWriterSize(f, 64<<10), src: make(map[netip.Addr]netip.Addr)}
	if t.w, err = pcap.NewWriter(fileWriter{t}); err != nil {
		f.Close()
		return nil, fmt.Errorf("-pcap %s: %w", path, err)
	}
	return t, nil
}

// fileWriter writes to the buffered capture file under the tap's lock
// (the reader and the endpoint loop write concurrently with Close).
type fileWriter struct{ t *tapConn }

func (w fileWriter) Write(b []byte) (int, error) {
	w.t.mu.Lock()
	defer w.t.mu.Unlock()
	if w.t.f == nil {
		return 0, os.ErrClosed
	}
	return w.t.bw.Write(b)
}

// ReadBatch records the datagrams read (peer → us).
func (t *tapConn) ReadBatch(ms []udpencap.Message) (int, error) {
	n, err := t.Conn.ReadBatch(ms)
	now := time.Now()
	for i := range ms[:n] {
		m := &ms[i]
		t.w.WritePacket(now, m.Addr, t.localTo(m.Addr), m.Buf[:m.N])
	}
	return n, err
}

// WriteBatch records the datagrams to write (us → peer), before writing
// them so that a fast reply is not recorded ahead of its request.
func (t *tapConn) WriteBatch(ms []udpencap.Message) (int, error) {
	now := time.Now()
	for i := range ms {
		m := &ms[i]
		t.w.WritePacket(now, t.localTo(m.Addr), m.Addr, m.Buf) // a write sends all of Buf
	}
	return t.Conn.WriteBatch(ms)
}

// Close closes the socket, then flushes and closes the capture file.
func (t *tapConn) Close() error {
	err := t.Conn.Close()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.f == nil {
		return err
	}
	if ferr := t.bw.Flush(); ferr != nil && err == nil {
		err = ferr
	}
	if ferr := t.f.Close(); ferr != nil && err == nil {
		err = ferr
	}
	t.f = nil
	return err
}

// localTo returns our address (IP and UDP port) as seen by peer. A socket
// bound to the wildcard does not know which local IP the kernel uses, so
// it is looked up once per peer with a connected UDP socket (which sends
// nothing); loopback peers get the loopback address of their family.
func (t *tapConn) localTo(peer netip.AddrPort) netip.AddrPort {
	local := t.LocalAddr()
	pip := peer.Addr().Unmap()
	lip := local.Addr().Unmap()
	if lip.IsValid() && !lip.IsUnspecified() && lip.Is4() == pip.Is4() {
		return netip.AddrPortFrom(lip, local.Port())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ip, ok := t.src[pip]
	if !ok {
		switch {
		case pip.IsLoopback() && pip.Is4():
			ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		case pip.IsLoopback():
			ip = netip.IPv6Loopback()
		default:
			ip = routeSource(pip)
		}
		t.src[pip] = ip
	}
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
