package simnet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// DefaultRecvQueue is the number of datagrams a PacketConn queues before it
// drops arrivals (DropRecvQueue), like a socket receive buffer.
const DefaultRecvQueue = 1024

// Ephemeral ports handed out by Attach for port 0.
const (
	firstEphemeral = 49152
	lastEphemeral  = 65535
)

// ErrAddrInUse is returned by Attach for an address already attached.
var ErrAddrInUse = errors.New("simnet: address already in use")

// ErrMessageTooLong is returned by writes of more than MaxDatagram bytes.
var ErrMessageTooLong = errors.New("simnet: message too long")

// Network is an in-memory datagram network with goroutine-safe PacketConns.
// Delivery delays are timers (time.AfterFunc) and blocked readers wait on a
// sync.Cond, so inside a testing/synctest bubble the network runs on the
// bubble's fake clock and readers are durably blocked. Attach, read, write and
// close a PacketConn inside one bubble.
//
// The random source is shared; with several writing goroutines the order of
// draws, and so the exact impairments, depend on scheduling. Use Sim for
// bit-for-bit reproducible runs.
type Network struct {
	mu        sync.Mutex
	f         fabric
	conns     map[netip.AddrPort]*PacketConn
	nextPort  uint16
	recvQueue int
	// inFlight holds, per link, the datagrams waiting for their delivery
	// time, in the order they were sent. Timers that fire at the same
	// instant run in no fixed order (under testing/synctest too), so a
	// timer delivers every datagram of its link that is due, oldest
	// first: a link without configured reordering stays FIFO.
	inFlight map[linkKey][]*pendingDatagram
}

// pendingDatagram is one datagram on its way.
type pendingDatagram struct {
	due      int64 // UnixNano
	from, to netip.AddrPort
	b        []byte
	l        *linkState
}

// New returns an empty network whose impairments derive from seed. All links
// are perfect until configured.
func New(seed uint64) *Network {
	return &Network{
		f:         newFabric(seed),
		conns:     make(map[netip.AddrPort]*PacketConn),
		inFlight:  make(map[linkKey][]*pendingDatagram),
		nextPort:  firstEphemeral,
		recvQueue: DefaultRecvQueue,
	}
}

func normalize(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Attach binds a PacketConn to addr. Port 0 picks a free port at addr's IP. An
// unspecified IP (0.0.0.0, ::) receives datagrams for its port sent to any IP
// of its family that has no exact binding.
func (n *Network) Attach(addr netip.AddrPort) (*PacketConn, error) {
	if !addr.Addr().IsValid() {
		return nil, fmt.Errorf("simnet: attach: invalid address %v", addr)
	}
	addr = normalize(addr)
	n.mu.Lock()
	defer n.mu.Unlock()
	if addr.Port() == 0 {
		found := false
		for range lastEphemeral - firstEphemeral + 1 {
			p := n.nextPort
			n.nextPort++
			if n.nextPort == 0 || n.nextPort < firstEphemeral {
				n.nextPort = firstEphemeral
			}
			cand := netip.AddrPortFrom(addr.Addr(), p)
			if n.conns[cand] == nil {
				addr, found = cand, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("simnet: attach %v: no free port: %w", addr.Addr(), ErrAddrInUse)
		}
	} else if n.conns[addr] != nil {
		return nil, fmt.Errorf("simnet: attach %v: %w", addr, ErrAddrInUse)
	}
	c := &PacketConn{net: n, addr: addr}
	c.cond.L = &c.mu
	n.conns[addr] = c
	return c, nil
}

// ListenPacket is Attach with a textual address ("127.0.0.1:0", "[::1]:9899");
// network must be "udp", "udp4" or "udp6".
func (n *Network) ListenPacket(network, address string) (*PacketConn, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return nil, fmt.Errorf("simnet: listen: %w", err)
	}
	switch network {
	case "udp":
	case "udp4":
		if !ap.Addr().Unmap().Is4() {
			return nil, fmt.Errorf("simnet: listen %s %s: not an IPv4 address", network, address)
		}
	case "udp6":
		if !ap.Addr().Is6() {
			return nil, fmt.Errorf("simnet: listen %s %s: not an IPv6 address", network, address)
		}
	default:
		return nil, fmt.Errorf("simnet: listen: unsupported network %q", network)
	}
	return n.Attach(ap)
}

// locked runs fn, a change to the network's configuration, under the
// network's lock.
func (n *Network) locked(fn func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fn()
}

// SetDefaultLink sets the configuration of links without their own.
func (n *Network) SetDefaultLink(cfg LinkConfig) {
	n.locked(func() { n.f.def = cfg })
}

// SetLink gives the directional link from → to its own configuration.
func (n *Network) SetLink(from, to netip.AddrPort, cfg LinkConfig) {
	n.locked(func() { n.f.setLink(normalize(from), normalize(to), cfg) })
}

// ClearLink makes from → to use the default configuration again.
func (n *Network) ClearLink(from, to netip.AddrPort) {
	n.locked(func() { n.f.clearLink(normalize(from), normalize(to)) })
}

// SetPartition cuts (on) or restores the directional link from → to.
// Datagrams already in flight are still delivered.
func (n *Network) SetPartition(from, to netip.AddrPort, on bool) {
	n.locked(func() { n.f.setPartition(normalize(from), normalize(to), on) })
}

// SetMaxInFlight bounds the bytes in flight over the whole network.
func (n *Network) SetMaxInFlight(bytes int64) {
	n.locked(func() { n.f.maxInFlight = bytes })
}

// SetRecvQueue sets the receive queue length (datagrams) of PacketConns
// attached afterwards and of those already attached.
func (n *Network) SetRecvQueue(datagrams int) {
	n.locked(func() { n.recvQueue = max(datagrams, 1) })
}

// SetTap installs fn (nil removes it) to observe every datagram. fn runs with
// the network's lock held.
func (n *Network) SetTap(fn TapFunc) {
	n.locked(func() { n.f.tap = fn })
}

// SetFilter installs fn (nil removes it) to drop chosen datagrams. fn runs
// with the network's lock held.
func (n *Network) SetFilter(fn FilterFunc) {
	n.locked(func() { n.f.filter = fn })
}

// Stats returns the totals over all links.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.f.total
}

// LinkStats returns the statistics of from → to, kept only for links with
// their own state (SetLink, SetPartition, or a default bandwidth cap).
func (n *Network) LinkStats(from, to netip.AddrPort) Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.f.linkStats(normalize(from), normalize(to))
}

// lookup finds the conn receiving datagrams for to. Caller holds n.mu.
func (n *Network) lookup(to netip.AddrPort) *PacketConn {
	if c := n.conns[to]; c != nil {
		return c
	}
	any := netip.IPv4Unspecified()
	if to.Addr().Is6() {
		any = netip.IPv6Unspecified()
	}
	return n.conns[netip.AddrPortFrom(any, to.Port())]
}

func (n *Network) send(from, to netip.AddrPort, b []byte) {
	now := time.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.f.tap != nil {
		n.f.tap(now, TapSend, from, to, b)
	}
	var (
		delays [2]int64
		cnt    int
		l      *linkState
	)
	if !n.f.filtered(from, to, b) {
		delays, cnt, _, l = n.f.plan(now.UnixNano(), from, to, len(b))
	}
	if cnt == 0 {
		if n.f.tap != nil {
			n.f.tap(now, TapDrop, from, to, b)
		}
		return
	}
	for i := 0; i < cnt; i++ {
		buf := append([]byte(nil), b...)
		if delays[i] <= 0 {
			n.deliverLocked(now, from, to, buf, l)
			continue
		}
		k := linkKey{from, to}
		n.inFlight[k] = append(n.inFlight[k], &pendingDatagram{due: now.UnixNano() + delays[i], from: from, to: to, b: buf, l: l})
		time.AfterFunc(time.Duration(delays[i]), func() {
			n.mu.Lock()
			defer n.mu.Unlock()
			n.deliverDueLocked(k)
		})
	}
}

// deliverDueLocked delivers, in sending order, every datagram of link k
// whose delivery time has come.
func (n *Network) deliverDueLocked(k linkKey) {
	now := time.Now()
	q := n.inFlight[k]
	keep := q[:0]
	for _, d := range q {
		if d.due <= now.UnixNano() {
			n.deliverLocked(now, d.from, d.to, d.b, d.l)
			continue
		}
		keep = append(keep, d)
	}
	clear(q[len(keep):])
	if len(keep) == 0 {
		delete(n.inFlight, k)
		return
	}
	n.inFlight[k] = keep
}

func (n *Network) deliverLocked(now time.Time, from, to netip.AddrPort, buf []byte, l *linkState) {
	c := n.lookup(to)
	reason := DropNoRoute
	if c != nil {
		if c.enqueue(from, buf, n.recvQueue) {
			n.f.delivered(l, len(buf))
			if n.f.tap != nil {
				n.f.tap(now, TapDeliver, from, to, buf)
			}
			return
		}
		reason = DropRecvQueue
	}
	n.f.droppedLate(l, len(buf), reason)
	if n.f.tap != nil {
		n.f.tap(now, TapDrop, from, to, buf)
	}
}

type datagram struct {
	from netip.AddrPort
	b    []byte
}

// PacketConn is one attached address of a Network. It implements
// net.PacketConn and the netip methods of *net.UDPConn. Writes never block:
// a datagram the network cannot take is dropped, as with UDP.
type PacketConn struct {
	net  *Network
	addr netip.AddrPort

	mu        sync.Mutex
	cond      sync.Cond
	queue     []datagram // FIFO; queue[head:] are pending
	head      int
	closed    bool
	rdeadline time.Time
	rtimer    *time.Timer
	wdeadline time.Time
}

var _ net.PacketConn = (*PacketConn)(nil)

// enqueue appends a datagram unless the queue is full or the conn closed.
func (c *PacketConn) enqueue(from netip.AddrPort, b []byte, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || len(c.queue)-c.head >= limit {
		return false
	}
	if c.head > 0 && len(c.queue) == cap(c.queue) {
		// Compact instead of growing: the live part is at most limit long.
		k := copy(c.queue, c.queue[c.head:])
		clear(c.queue[k:])
		c.queue = c.queue[:k]
		c.head = 0
	}
	c.queue = append(c.queue, datagram{from, b})
	c.cond.Signal()
	return true
}

func (c *PacketConn) opErr(op string, remote netip.AddrPort, err error) error {
	e := &net.OpError{Op: op, Net: "udp", Source: net.UDPAddrFromAddrPort(c.addr), Err: err}
	if remote.IsValid() {
		e.Addr = net.UDPAddrFromAddrPort(remote)
	}
	return e
}

// ReadFromUDPAddrPort waits for the next datagram and copies it into p; a
// longer datagram is truncated to len(p). It fails with net.ErrClosed after
// Close and with os.ErrDeadlineExceeded (a timeout net.Error) after the read
// deadline.
func (c *PacketConn) ReadFromUDPAddrPort(p []byte) (int, netip.AddrPort, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if c.closed {
			return 0, netip.AddrPort{}, c.opErr("read", netip.AddrPort{}, net.ErrClosed)
		}
		if !c.rdeadline.IsZero() && !time.Now().Before(c.rdeadline) {
			return 0, netip.AddrPort{}, c.opErr("read", netip.AddrPort{}, os.ErrDeadlineExceeded)
		}
		if c.head < len(c.queue) {
			d := c.queue[c.head]
			c.queue[c.head] = datagram{}
			c.head++
			if c.head == len(c.queue) {
				c.queue, c.head = c.queue[:0], 0
			}
			return copy(p, d.b), d.from, nil
		}
		c.cond.Wait()
	}
}

// ReadFrom implements net.PacketConn; addr is a *net.UDPAddr.
func (c *PacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromUDPAddrPort(p)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// WriteToUDPAddrPort sends p to addr through the network. p is copied.
func (c *PacketConn) WriteToUDPAddrPort(p []byte, addr netip.AddrPort) (int, error) {
	addr = normalize(addr)
	c.mu.Lock()
	closed, wd := c.closed, c.wdeadline
	c.mu.Unlock()
	if closed {
		return 0, c.opErr("write", addr, net.ErrClosed)
	}
	if !wd.IsZero() && !time.Now().Before(wd) {
		return 0, c.opErr("write", addr, os.ErrDeadlineExceeded)
	}
	if !addr.IsValid() || addr.Port() == 0 {
		return 0, c.opErr("write", addr, fmt.Errorf("simnet: invalid destination %v", addr))
	}
	if len(p) > MaxDatagram {
		return 0, c.opErr("write", addr, ErrMessageTooLong)
	}
	c.net.send(c.addr, addr, p)
	return len(p), nil
}

// WriteTo implements net.PacketConn; addr must be a *net.UDPAddr or an
// address whose String is "ip:port".
func (c *PacketConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	var ap netip.AddrPort
	switch a := addr.(type) {
	case *net.UDPAddr:
		ap = a.AddrPort()
	case nil:
		return 0, c.opErr("write", ap, errors.New("simnet: nil address"))
	default:
		var err error
		if ap, err = netip.ParseAddrPort(addr.String()); err != nil {
			return 0, c.opErr("write", ap, err)
		}
	}
	return c.WriteToUDPAddrPort(p, ap)
}

// Close detaches the conn and unblocks pending reads with net.ErrClosed.
func (c *PacketConn) Close() error {
	c.net.mu.Lock()
	if c.net.conns[c.addr] == c {
		delete(c.net.conns, c.addr)
	}
	c.net.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.opErr("close", netip.AddrPort{}, net.ErrClosed)
	}
	c.closed = true
	clear(c.queue)
	c.queue, c.head = nil, 0
	if c.rtimer != nil {
		c.rtimer.Stop()
		c.rtimer = nil
	}
	c.cond.Broadcast()
	return nil
}

// LocalAddr returns the bound address as a *net.UDPAddr.
func (c *PacketConn) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(c.addr) }

// LocalAddrPort returns the bound address.
func (c *PacketConn) LocalAddrPort() netip.AddrPort { return c.addr }

// SetDeadline sets the read and write deadlines.
func (c *PacketConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline makes pending and future reads fail with
// os.ErrDeadlineExceeded once t has passed; the zero time clears it.
func (c *PacketConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.setDeadlineLocked(&c.rdeadline, t); err != nil {
		return err
	}
	if c.rtimer != nil {
		c.rtimer.Stop()
		c.rtimer = nil
	}
	if !t.IsZero() {
		if d := time.Until(t); d > 0 {
			c.rtimer = time.AfterFunc(d, func() {
				c.mu.Lock()
				c.cond.Broadcast()
				c.mu.Unlock()
			})
		}
	}
	c.cond.Broadcast()
	return nil
}

// SetWriteDeadline makes writes fail with os.ErrDeadlineExceeded once t has
// passed. Writes never block, so it only affects writes started after t.
func (c *PacketConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.setDeadlineLocked(&c.wdeadline, t)
}

// setDeadlineLocked sets *d, c's read or write deadline, to t; it fails
// once c is closed.
func (c *PacketConn) setDeadlineLocked(d *time.Time, t time.Time) error {
	if c.closed {
		return c.opErr("set", netip.AddrPort{}, net.ErrClosed)
	}
	*d = t
	return nil
}
