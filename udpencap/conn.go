// Package udpencap is the UDP socket layer of usctp: one UDP socket per SCTP
// endpoint (RFC 6951 §5.1: every encapsulated packet uses the one local
// encapsulation port as its UDP source port), read and written in batches.
//
// On Linux the socket is driven with recvmmsg/sendmmsg, UDP GSO (UDP_SEGMENT)
// for runs of equal-size datagrams to one destination and UDP GRO on receive,
// all detected at run time with a fallback to plain sendmmsg and then to one
// datagram per system call when the kernel refuses. On other systems the
// portable path (ReadFromUDPAddrPort / WriteToUDPAddrPort) is used.
//
// The package knows datagrams and addresses, not SCTP associations.
package udpencap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Message is one datagram in a batch.
//
// For ReadBatch, Buf is the buffer to fill; ReadBatch sets N to the datagram
// length and Addr to the sender. For WriteBatch, Buf is the whole payload and
// Addr the destination; WriteBatch sets N to the number of bytes written.
// Addresses are always unmapped (an IPv4 peer on a dual-stack socket is
// reported as 1.2.3.4, never ::ffff:1.2.3.4).
//
// Local is our side of the datagram, for a socket bound to the wildcard
// address with several local addresses (SCTP multihoming over UDP, RFC
// 6951): ReadBatch sets it to the local address the datagram was sent to,
// and WriteBatch sends from it. It needs Capabilities.PacketInfo (Linux
// IP_PKTINFO / IPV6_PKTINFO); without it ReadBatch leaves Local invalid
// and WriteBatch ignores it, the OS then choosing the source address by
// its routes (which picks the right one when each local address sits on
// the subnet of the peer addresses it serves). An invalid Local on write
// lets the OS choose.
type Message struct {
	Buf   []byte
	N     int
	Addr  netip.AddrPort
	Local netip.Addr
}

// MaxDatagram is the largest UDP payload the package handles (IPv4 limit,
// 65535 - 20 - 8).
const MaxDatagram = 65507

// Errors returned by the package; match with errors.Is.
var (
	// ErrClosed is returned by operations on a closed Conn. It wraps
	// net.ErrClosed so errors.Is(err, net.ErrClosed) also holds.
	ErrClosed = fmt.Errorf("udpencap: %w", net.ErrClosed)
	// ErrAddressFamily is returned when writing to an IPv6 destination
	// through an IPv4-only socket.
	ErrAddressFamily = errors.New("udpencap: destination address family not supported by socket")
	// ErrInvalidAddr is returned for a destination without a valid address
	// or with port 0.
	ErrInvalidAddr = errors.New("udpencap: invalid destination address")
	// ErrTooLarge is returned for a payload above MaxDatagram.
	ErrTooLarge = errors.New("udpencap: datagram too large")

	errNoBatch = errors.New("udpencap: batch syscalls unavailable")
	// errBatchRefused: the kernel refused recvmmsg/sendmmsg after Listen
	// probed them, on a socket outside the netpoller (which has no
	// portable path).
	errBatchRefused = errors.New("udpencap: the kernel refused recvmmsg/sendmmsg; open the socket with WithoutThreadWait to fall back to one datagram per system call")
)

// Capabilities reports which kernel fast paths a Conn currently uses. A path
// that the kernel refused at run time is reported as false from then on.
type Capabilities struct {
	Batch bool // recvmmsg/sendmmsg
	GSO   bool // UDP_SEGMENT on send
	GRO   bool // UDP_GRO on receive
	// PacketInfo: Message.Local is reported on read and honoured on
	// write (IP_PKTINFO / IPV6_PKTINFO).
	PacketInfo bool
}

// Stats are the socket-level counters of a Conn.
type Stats struct {
	DatagramsRead    uint64
	BytesRead        uint64
	DatagramsWritten uint64
	BytesWritten     uint64
	ReadCalls        uint64 // receive system calls that returned data
	WriteCalls       uint64 // send system calls
	GSOSends         uint64 // send messages that carried a UDP_SEGMENT run
	GROCoalesced     uint64 // received buffers that held more than one datagram
	Truncated        uint64 // received datagrams dropped for not fitting the buffer
	WriteErrors      uint64 // datagrams not sent because of an error
	Fallbacks        uint64 // fast paths disabled after the kernel refused them
	ICMPErrors       uint64 // ICMP errors read from the error queue
}

// ICMPError is an ICMP (or ICMPv6) error the kernel associated with a
// datagram we sent (Linux IP_RECVERR). Per RFC 6951 §5.5 it must be related
// to an association and its verification tag checked before use: Payload
// holds the start of the offending datagram's UDP payload (the SCTP common
// header) when the kernel provides it.
type ICMPError struct {
	// To is the destination of the datagram that caused the error.
	To netip.AddrPort
	// From is the address of the node that sent the ICMP error, if known.
	From netip.Addr
	// PortUnreachable is set for ICMP port unreachable / ICMPv6 port
	// unreachable (RFC 6951 §5.5: treat like protocol unreachable).
	PortUnreachable bool
	// FragNeeded is set for ICMP fragmentation needed / ICMPv6 packet too
	// big; MTU then holds the reported next-hop MTU.
	FragNeeded bool
	MTU        int
	// Type and Code are the raw ICMP type and code.
	Type, Code uint8
	// Payload is the part of the offending datagram's UDP payload the kernel
	// returned; it is only valid during the callback.
	Payload []byte
}

type config struct {
	noBatch      bool
	noGSO        bool
	noGRO        bool
	noPktinfo    bool
	noThreadWait bool
	batchSize    int
	onICMP       func(ICMPError)
	rcvBuf       int
	sndBuf       int
	control      func(network, address string, c syscall.RawConn) error
}

// WithControl runs f on the socket before it is bound (net.ListenConfig's
// Control), e.g. to set SO_REUSEPORT so that several sockets share one
// port (the sharded runtime of package sctp).
func WithControl(f func(network, address string, c syscall.RawConn) error) Option {
	return func(c *config) { c.control = f }
}

// Option configures Listen.
type Option func(*config)

// WithoutBatch forces the portable one-datagram-per-syscall path (used to
// test the fallback, and as an escape hatch).
func WithoutBatch() Option { return func(c *config) { c.noBatch = true } }

// WithoutGSO disables UDP generic segmentation offload on send.
func WithoutGSO() Option { return func(c *config) { c.noGSO = true } }

// WithoutGRO disables UDP generic receive offload.
func WithoutGRO() Option { return func(c *config) { c.noGRO = true } }

// WithoutPacketInfo disables IP_PKTINFO / IPV6_PKTINFO (Message.Local),
// to test the fallback where the OS chooses every source address.
func WithoutPacketInfo() Option { return func(c *config) { c.noPktinfo = true } }

// WithoutThreadWait keeps the socket in the Go runtime's netpoller on
// Linux: goroutines waiting for it park there instead of waiting in the
// kernel on their own threads (threadwait_linux.go, on by default with
// GOMAXPROCS > 1).
func WithoutThreadWait() Option { return func(c *config) { c.noThreadWait = true } }

// WithBatchSize sets how many datagrams one system call moves at most
// (default 64, clamped to [1, 1024]).
func WithBatchSize(n int) Option { return func(c *config) { c.batchSize = n } }

// WithSocketBuffers sets SO_RCVBUF and SO_SNDBUF (best effort; the kernel
// may cap them). Zero keeps the package default of 4 MiB each.
func WithSocketBuffers(rcv, snd int) Option {
	return func(c *config) { c.rcvBuf, c.sndBuf = rcv, snd }
}

// WithICMPHandler enables reading ICMP errors (Linux IP_RECVERR /
// IPV6_RECVERR) and calls f for each one, synchronously from inside a
// ReadBatch or WriteBatch call, so f must be quick and must not call
// methods of the Conn. Given more than once, every handler is called, in
// order. On Windows a port unreachable reported by a read (WSAECONNRESET:
// no quoted packet, no destination) is passed with only PortUnreachable
// set; on other systems Go's unconnected UDP sockets report no ICMP
// errors and f is never called.
func WithICMPHandler(f func(ICMPError)) Option {
	return func(c *config) {
		if prev := c.onICMP; prev != nil && f != nil {
			c.onICMP = func(e ICMPError) { prev(e); f(e) }
			return
		}
		if f != nil {
			c.onICMP = f
		}
	}
}

// Conn is one UDP socket used for SCTP encapsulation. ReadBatch and WriteBatch
// may be called concurrently with each other and with Close; concurrent calls
// of the same method are serialized.
type Conn struct {
	uc    *net.UDPConn
	laddr netip.AddrPort
	cfg   config

	sys *sysConn // nil: portable path
	// tw: the socket is outside the netpoller (Linux, threadwait_linux.go);
	// uc is closed then, and the batch path is the only one.
	tw *threadConn

	rmu sync.Mutex
	wmu sync.Mutex

	closed atomic.Bool
	stats  counters
}

type counters struct {
	datagramsRead, bytesRead, datagramsWritten, bytesWritten atomic.Uint64
	readCalls, writeCalls, gsoSends, groCoalesced            atomic.Uint64
	truncated, writeErrors, fallbacks, icmpErrors            atomic.Uint64
}

// Listen opens a UDP socket. network is "udp", "udp4" or "udp6". With "udp"
// and an unspecified (or zero) laddr the socket is dual-stack ([::] with
// IPV6_V6ONLY=0) where the OS allows, else IPv4. Port 0 lets the OS choose.
func Listen(network string, laddr netip.AddrPort, opts ...Option) (*Conn, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.batchSize <= 0 {
		cfg.batchSize = 64
	}
	if cfg.batchSize > 1024 {
		cfg.batchSize = 1024
	}
	if cfg.rcvBuf == 0 {
		cfg.rcvBuf = 4 << 20
	}
	if cfg.sndBuf == 0 {
		cfg.sndBuf = 4 << 20
	}
	switch network {
	case "udp", "udp4", "udp6":
	default:
		return nil, fmt.Errorf("udpencap: unsupported network %q", network)
	}
	var ua *net.UDPAddr
	if laddr.Addr().IsValid() && !laddr.Addr().IsUnspecified() {
		ua = net.UDPAddrFromAddrPort(laddr)
	} else {
		// A nil IP with "udp" makes the runtime open a dual-stack [::]
		// socket with IPV6_V6ONLY=0 where supported.
		ua = &net.UDPAddr{Port: int(laddr.Port())}
	}
	var uc *net.UDPConn
	var err error
	if cfg.control != nil {
		var pc net.PacketConn
		lc := net.ListenConfig{Control: cfg.control}
		if pc, err = lc.ListenPacket(context.Background(), network, ua.String()); err != nil {
			return nil, err
		}
		uc = pc.(*net.UDPConn)
	} else if uc, err = net.ListenUDP(network, ua); err != nil {
		return nil, err
	}
	_ = uc.SetReadBuffer(cfg.rcvBuf)
	_ = uc.SetWriteBuffer(cfg.sndBuf)
	c := &Conn{uc: uc, cfg: cfg}
	c.laddr = normalize(uc.LocalAddr().(*net.UDPAddr).AddrPort())
	if !cfg.noBatch {
		c.sys, err = newSysConn(uc, &cfg, &c.stats)
		if err != nil {
			uc.Close()
			return nil, err
		}
		c.startThreadWait()
	}
	return c, nil
}

// LocalAddr returns the bound address; for a wildcard socket the address is
// unspecified (:: for dual-stack, 0.0.0.0 for IPv4-only).
func (c *Conn) LocalAddr() netip.AddrPort { return c.laddr }

// WaitsInThread reports whether the socket is outside the Go runtime's
// netpoller (Linux, GOMAXPROCS > 1, not WithoutThreadWait): a ReadBatch
// or WriteBatch that has to wait does so in the kernel (a blocking
// recvmmsg, or ppoll) on the calling goroutine's thread, which keeps its
// P meanwhile; a caller that made other goroutines runnable should let
// them run (runtime.Gosched) before it reads again.
func (c *Conn) WaitsInThread() bool { return c.tw != nil }

// Capabilities reports the fast paths currently in use.
func (c *Conn) Capabilities() Capabilities {
	if c.sys == nil {
		return Capabilities{}
	}
	return c.sys.capabilities()
}

// Stats returns a snapshot of the socket counters.
func (c *Conn) Stats() Stats {
	s := &c.stats
	return Stats{
		DatagramsRead:    s.datagramsRead.Load(),
		BytesRead:        s.bytesRead.Load(),
		DatagramsWritten: s.datagramsWritten.Load(),
		BytesWritten:     s.bytesWritten.Load(),
		ReadCalls:        s.readCalls.Load(),
		WriteCalls:       s.writeCalls.Load(),
		GSOSends:         s.gsoSends.Load(),
		GROCoalesced:     s.groCoalesced.Load(),
		Truncated:        s.truncated.Load(),
		WriteErrors:      s.writeErrors.Load(),
		Fallbacks:        s.fallbacks.Load(),
		ICMPErrors:       s.icmpErrors.Load(),
	}
}

// ReadBatch blocks until at least one datagram is available and then fills
// ms[0:n] (Buf contents, N, Addr). Datagrams larger than their Buf are
// dropped and counted in Stats.Truncated. After Close it returns an error
// matching net.ErrClosed.
func (c *Conn) ReadBatch(ms []Message) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return 0, ErrClosed
	}
	if c.sys != nil {
		n, err := c.sys.readBatch(ms)
		if err != errNoBatch {
			return n, c.mapErr(err)
		}
		if c.tw != nil {
			return 0, errBatchRefused
		}
	}
	return c.readOne(ms)
}

// SetReadDeadline sets the deadline of ReadBatch (net.Conn semantics: a
// ReadBatch blocked when the deadline passes, or when it is set in the
// past, returns an error matching os.ErrDeadlineExceeded; zero means
// none). Package sctp uses a past deadline to interrupt a goroutine
// blocked in ReadBatch.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.tw != nil {
		c.tw.setReadDeadline(t)
		return nil
	}
	return c.uc.SetReadDeadline(t)
}

func (c *Conn) readOne(ms []Message) (int, error) {
	for {
		n, _, flags, from, err := c.uc.ReadMsgUDPAddrPort(ms[0].Buf, nil)
		if err != nil {
			if isTruncErr(err) {
				c.stats.truncated.Add(1)
				continue
			}
			if !c.closed.Load() && isPortUnreachableReadErr(err) {
				// An ICMP port unreachable for an earlier send (Windows
				// WSAECONNRESET): counted and reported without a quote or
				// destination, which the OS does not give; not a socket
				// failure.
				c.stats.icmpErrors.Add(1)
				if c.cfg.onICMP != nil {
					c.cfg.onICMP(ICMPError{PortUnreachable: true})
				}
				continue
			}
			return 0, c.mapErr(err)
		}
		c.stats.readCalls.Add(1)
		if flags&msgTrunc != 0 {
			c.stats.truncated.Add(1)
			continue
		}
		ms[0].N = n
		ms[0].Addr = normalize(from)
		ms[0].Local = netip.Addr{}
		c.stats.datagramsRead.Add(1)
		c.stats.bytesRead.Add(uint64(n))
		return 1, nil
	}
}

// WriteBatch sends ms[i].Buf to ms[i].Addr for each message, in order, and
// returns how many were sent. On error the first n messages were sent and
// ms[n] failed; the caller decides whether to skip it and continue.
// Consecutive messages of equal size to the same destination are sent with
// one GSO system call where supported.
func (c *Conn) WriteBatch(ms []Message) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed.Load() {
		return 0, ErrClosed
	}
	for i := range ms {
		if err := checkDest(ms[i].Addr, len(ms[i].Buf)); err != nil {
			if i == 0 {
				c.stats.writeErrors.Add(1)
				return 0, err
			}
			n, werr := c.writeValid(ms[:i])
			if werr != nil {
				return n, werr
			}
			c.stats.writeErrors.Add(1)
			return n, err
		}
	}
	return c.writeValid(ms)
}

func (c *Conn) writeValid(ms []Message) (int, error) {
	done := 0
	if c.sys != nil {
		n, err := c.sys.writeBatch(ms)
		if err == errNoBatch && c.tw != nil {
			c.stats.writeErrors.Add(1)
			return n, errBatchRefused
		}
		if err != errNoBatch {
			if err != nil {
				c.stats.writeErrors.Add(1)
			}
			return n, c.mapErr(err)
		}
		done = n
	}
	for i := done; i < len(ms); i++ {
		n, err := c.uc.WriteToUDPAddrPort(ms[i].Buf, normalize(ms[i].Addr))
		c.stats.writeCalls.Add(1)
		if err != nil {
			c.stats.writeErrors.Add(1)
			return i, c.mapErr(err)
		}
		ms[i].N = n
		c.stats.datagramsWritten.Add(1)
		c.stats.bytesWritten.Add(uint64(n))
	}
	return len(ms), nil
}

// Close closes the socket and unblocks pending ReadBatch/WriteBatch calls.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return ErrClosed
	}
	if c.tw != nil {
		c.tw.close()
		return nil
	}
	return c.uc.Close()
}

func (c *Conn) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if c.closed.Load() || errors.Is(err, net.ErrClosed) {
		return ErrClosed
	}
	return err
}

func checkDest(a netip.AddrPort, n int) error {
	if !a.Addr().IsValid() || a.Port() == 0 {
		return ErrInvalidAddr
	}
	if n > MaxDatagram {
		return ErrTooLarge
	}
	return nil
}

// normalize unmaps IPv4-mapped IPv6 addresses so that a peer has one
// spelling whichever socket family received its datagram.
func normalize(a netip.AddrPort) netip.AddrPort {
	if a.Addr().Is4In6() {
		return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	}
	return a
}
