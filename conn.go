package sctp

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"
)

// Config configures Dial and Listen. The zero value (or nil) uses the
// DefaultStack and the stack defaults.
type Config struct {
	// Stack is the stack to use; nil means DefaultStack().
	Stack *Stack
	// LocalAddr (Dial only) binds the client to this local address and
	// SCTP port before connecting; zero means an ephemeral port.
	LocalAddr netip.AddrPort
	// RemoteUDPPort (Dial only) is the peer's UDP encapsulation port;
	// 0 means the stack's default (9899 unless configured).
	RemoteUDPPort uint16
	// InitMsg sets the streams requested and the INIT retransmission
	// limits (zero fields: defaults).
	InitMsg InitMsg
	// RTO sets the retransmission timeout bounds (zero fields: defaults).
	RTO RTOInfo
	// DefaultSend gives the stream, PPID, flags and TTL of messages
	// written with Write (zero: stream 0, PPID 0, ordered, reliable).
	DefaultSend SndInfo
	// SndBuf and RcvBuf set the send and receive buffer sizes (0: defaults).
	SndBuf, RcvBuf int
	// BindAddrs (Dial and Listen) are further local addresses bound
	// beside the listening address (Listen) or LocalAddr (Dial): the
	// endpoint is multihomed and lists them all to the peer
	// (Socket.Bindx says when to, and what the stack needs).
	BindAddrs []netip.Addr
	// PeerAddrs (Dial only) are further addresses of a multihomed peer,
	// at the dialed address's SCTP port: Dial connects to them all
	// (Socket.Connectx), the dialed one first.
	PeerAddrs []netip.Addr
	// Backlog (Listen only) bounds the associations waiting for Accept
	// (0: 1,024). While the queue is full new clients wait (their COOKIE
	// ECHO is discarded and retransmitted, StackStats.CookiesDeferred),
	// they are not refused.
	Backlog int
	// Interleave offers I-DATA (RFC 8260: user message interleaving) to
	// new associations: SetFragmentInterleave(2) and
	// SetInterleavingSupported(true) on the socket.
	Interleave bool
}

func (c *Config) stack() (*Stack, error) {
	if c != nil && c.Stack != nil {
		return c.Stack, nil
	}
	return DefaultStack()
}

// apply sets the socket options of cfg on s.
func (c *Config) apply(s *Socket) error {
	if c == nil {
		return nil
	}
	if err := s.SetInitMsg(c.InitMsg); err != nil {
		return err
	}
	if err := s.SetRTOInfo(0, c.RTO); err != nil {
		return err
	}
	if err := s.SetDefaultSendParams(c.DefaultSend); err != nil {
		return err
	}
	if c.RemoteUDPPort != 0 {
		if err := s.SetRemoteUDPEncapsPort(0, netip.AddrPort{}, c.RemoteUDPPort); err != nil {
			return err
		}
	}
	if c.SndBuf != 0 {
		if err := s.SetSndBuf(c.SndBuf); err != nil {
			return err
		}
	}
	if c.RcvBuf != 0 {
		if err := s.SetRcvBuf(c.RcvBuf); err != nil {
			return err
		}
	}
	if c.Interleave {
		if err := s.SetFragmentInterleave(2); err != nil {
			return err
		}
		if err := s.SetInterleavingSupported(true); err != nil {
			return err
		}
	}
	return nil
}

// setup is the common start of Dial and Listen: the family of network,
// c's stack, and address resolved.
//
// udp is the UDP port of an address written "HOST:PORT/udp:N" (Addr.String's
// form), else 0.
func (c *Config) setup(ctx context.Context, network, address string) (st *Stack, fam Family, ap netip.AddrPort, udp uint16, err error) {
	if fam, err = familyOf(network); err != nil {
		return nil, 0, netip.AddrPort{}, 0, err
	}
	if ap, udp, err = resolve(ctx, network, address); err != nil {
		return nil, 0, netip.AddrPort{}, 0, err
	}
	if st, err = c.stack(); err != nil {
		return nil, 0, netip.AddrPort{}, 0, err
	}
	return st, fam, ap, udp, nil
}

// newSocket opens a one-to-one socket of family fam on st with c's options.
func (c *Config) newSocket(st *Stack, fam Family) (*Socket, error) {
	s, err := st.NewSocket(fam, TCP_STYLE)
	if err != nil {
		return nil, err
	}
	if err := c.apply(s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Conn is one SCTP association used as a net.Conn: each Write sends one
// message (on the default stream and PPID, Config.DefaultSend) and each
// Read returns one whole message (one larger than the receive buffer and
// the partial delivery point comes in parts over successive reads, see
// Socket.SetPartialDeliveryPoint). ReadMsg and WriteMsg carry the stream,
// PPID and flags. It is safe for concurrent use; Close unblocks pending
// Read and Write calls with net.ErrClosed. Read returns io.EOF once the
// peer has shut the association down and every message was read.
type Conn struct {
	s     *Socket
	laddr *Addr
	raddr *Addr
}

var _ net.Conn = (*Conn)(nil)

// Dial sets up an association with address ("host:port", host an IP
// literal or a name resolved with ctx; an empty host is the local host)
// over network "sctp", "sctp4" or "sctp6" and returns it as a Conn. The
// form "host:port/udp:N" that Addr.String prints also names the peer's
// UDP encapsulation port N, so Dial(ln.Addr().Network(),
// ln.Addr().String()) reaches a Listener. It returns when the association is
// established or setup failed (ErrConnectFailed), or ctx ended.
func Dial(ctx context.Context, network, address string, cfg *Config) (*Conn, error) {
	st, fam, raddr, udp, err := cfg.setup(ctx, network, address)
	if err != nil {
		return nil, opError("dial", nil, nil, err)
	}
	if cfg != nil && cfg.RemoteUDPPort != 0 && udp != 0 && cfg.RemoteUDPPort != udp {
		return nil, opError("dial", nil, nil, invalidArg("address %q names UDP port %d but Config.RemoteUDPPort is %d; give one of them", address, udp, cfg.RemoteUDPPort))
	}
	if !raddr.Addr().IsValid() || raddr.Addr().IsUnspecified() {
		// An empty host is the local host, as with net.Dial and pysctp.
		raddr = netip.AddrPortFrom(localHost(raddr.Addr()), raddr.Port())
	}
	if raddr.Addr().Is6() && !raddr.Addr().Is4In6() {
		fam = AF_INET6
	}
	s, err := cfg.newSocket(st, fam)
	if err != nil {
		return nil, opError("dial", nil, nil, err)
	}
	if udp != 0 {
		if err := s.SetRemoteUDPEncapsPort(0, netip.AddrPort{}, udp); err != nil {
			s.Close()
			return nil, opError("dial", nil, nil, err)
		}
	}
	if cfg != nil && cfg.LocalAddr.IsValid() {
		if err := s.Bind(cfg.LocalAddr); err != nil {
			s.Close()
			return nil, opError("dial", nil, nil, err)
		}
	}
	if err := cfg.bindMore(s, cfg.LocalAddr.Port()); err != nil {
		s.Close()
		return nil, opError("dial", nil, nil, err)
	}
	peers := []netip.AddrPort{raddr}
	if cfg != nil {
		for _, a := range cfg.PeerAddrs {
			peers = append(peers, netip.AddrPortFrom(a, raddr.Port()))
		}
	}
	if _, err := s.ConnectxContext(ctx, peers); err != nil {
		s.Close()
		up := udp
		if up == 0 && cfg != nil {
			up = cfg.RemoteUDPPort
		}
		if up == 0 {
			up = st.cfg.RemoteUDPPort
		}
		return nil, opError("dial", nil, &Addr{AddrPort: raddr, UDPPort: up}, err)
	}
	return newConn(s), nil
}

// bindMore binds c.BindAddrs at SCTP port (Bindx).
func (c *Config) bindMore(s *Socket, port uint16) error {
	if c == nil || len(c.BindAddrs) == 0 {
		return nil
	}
	addrs := make([]netip.AddrPort, len(c.BindAddrs))
	for i, a := range c.BindAddrs {
		addrs[i] = netip.AddrPortFrom(a, port)
	}
	return s.Bindx(addrs, BINDX_ADD)
}

func newConn(s *Socket) *Conn {
	c := &Conn{s: s}
	if l, err := s.GetLaddrs(0); err == nil && len(l) > 0 {
		c.laddr = &Addr{AddrPort: l[0], UDPPort: s.stack.LocalUDPAddr().Port()}
	}
	if e, err := s.entry(0); err == nil {
		c.raddr = &Addr{AddrPort: e.peer, UDPPort: e.a.remoteUDPPort(netip.Addr{})}
	}
	return c
}

func familyOf(network string) (Family, error) {
	switch network {
	case "sctp", "sctp6":
		return AF_INET6, nil
	case "sctp4":
		return AF_INET, nil
	}
	return 0, fmt.Errorf("%w: network %q (want sctp, sctp4 or sctp6)", net.UnknownNetworkError(network), network)
}

// resolve turns "host:port" or "host:port/udp:N" (Addr.String's form)
// into an address and the UDP port N (0 if absent), resolving a host
// name. An empty host is the zero address (Listen: every local address;
// Dial: the local host).
func resolve(ctx context.Context, network, address string) (netip.AddrPort, uint16, error) {
	host, port, udp, err := splitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, 0, err
	}
	if host == "" {
		return netip.AddrPortFrom(netip.Addr{}, port), udp, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(ip, port), udp, nil
	}
	ipnet := "ip"
	switch network {
	case "sctp4":
		ipnet = "ip4"
	case "sctp6":
		ipnet = "ip6"
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, ipnet, host)
	if err != nil {
		return netip.AddrPort{}, 0, err
	}
	if len(ips) == 0 {
		return netip.AddrPort{}, 0, fmt.Errorf("%w: no address for %q", ErrInvalidArgument, host)
	}
	return netip.AddrPortFrom(ips[0].Unmap(), port), udp, nil
}

// Socket returns the underlying one-to-one socket, for options (Status,
// RTO, streams) and notifications.
func (c *Conn) Socket() *SocketTCP { return &SocketTCP{c.s} }

// AssocID returns the association's id.
func (c *Conn) AssocID() AssocID {
	if e, err := c.s.entry(0); err == nil {
		return e.id
	}
	return 0
}

// Read reads the next message into b. If the message is larger than b,
// Read returns a *ShortBufferError (matching io.ErrShortBuffer) naming the
// size needed and keeps the message for the next Read. Notifications are
// skipped (use Socket().SCTPRecv to see them).
func (c *Conn) Read(b []byte) (int, error) {
	n, _, err := c.ReadMsg(b)
	return n, err
}

// ReadMsg is Read that also returns the message's stream, SSN, PPID
// (host byte order) and flags.
func (c *Conn) ReadMsg(b []byte) (int, SndRcvInfo, error) {
	return c.ReadMsgContext(context.Background(), b)
}

// ReadMsgContext is ReadMsg bounded by ctx as well as the read deadline.
func (c *Conn) ReadMsgContext(ctx context.Context, b []byte) (int, SndRcvInfo, error) {
	s := c.s
	s.rdMu.Lock()
	defer s.rdMu.Unlock()
	for {
		seen := s.rq.wakeCount() // before the look (leaseRead)
		if n, isData, ok := s.rq.frontLen(); ok {
			if isData && n > len(b) {
				return 0, SndRcvInfo{}, c.err("read", &ShortBufferError{Need: n, Have: len(b)})
			}
			it, _, _ := s.rq.pop(-1)
			if it.ev != nil {
				continue
			}
			n := copy(b, it.msg)
			if it.rec != nil {
				it.rec.recycle(it.msg) // copied out: the buffer can be reused
			}
			return n, it.info, nil
		}
		if err := s.recvBlocked(); err != nil {
			if err == io.EOF {
				return 0, SndRcvInfo{}, io.EOF
			}
			return 0, SndRcvInfo{}, c.err("read", err)
		}
		if s.leaseRead(ctx, seen) {
			continue
		}
		if err := s.waitQueue(ctx); err != nil {
			return 0, SndRcvInfo{}, c.err("read", err)
		}
	}
}

// Write sends b as one message with the default send parameters. An empty
// b sends nothing and returns 0, nil.
func (c *Conn) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := c.s.SCTPSend(b, nil)
	return n, c.err("write", err)
}

// WriteMsg sends b as one message with the given stream, PPID (host byte
// order), flags, TTL and context; nil info uses the defaults.
func (c *Conn) WriteMsg(b []byte, info *SndInfo) (int, error) {
	return c.WriteMsgContext(context.Background(), b, info)
}

// WriteMsgContext is WriteMsg bounded by ctx as well as the write deadline.
func (c *Conn) WriteMsgContext(ctx context.Context, b []byte, info *SndInfo) (int, error) {
	n, err := c.s.SCTPSendContext(ctx, b, info)
	return n, c.err("write", err)
}

// Close shuts the association down gracefully (queued messages are still
// delivered) and unblocks pending calls.
func (c *Conn) Close() error { return c.err("close", c.s.Close()) }

// CloseWrite starts a graceful shutdown (RFC 9260 §9.2): the peer reads
// io.EOF after the messages already written; this side can still read.
func (c *Conn) CloseWrite() error { return c.err("close", c.s.Shutdown(SHUT_WR)) }

// LocalAddr returns the local address (IP, SCTP port, stack UDP port).
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's primary address and UDP port.
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline implements net.Conn.
func (c *Conn) SetDeadline(t time.Time) error { return c.s.SetDeadline(t) }

// SetReadDeadline implements net.Conn.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.s.SetReadDeadline(t) }

// SetWriteDeadline implements net.Conn.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.s.SetWriteDeadline(t) }

// Stats returns the counters and transport state of the Conn's
// association: packets, SRTT, RTO, cwnd, retransmissions (RFC 9260 §6.3,
// §7.2). After the association has ended it reports State SCTP_CLOSED
// with the counters as they were at the end.
func (c *Conn) Stats() (AssocStats, error) {
	e, err := c.s.entry(0)
	if err != nil {
		return AssocStats{}, c.err("stats", err)
	}
	return e.a.statusStats().AssocStats, nil
}

// EndReason returns why the Conn's association ended: nil while it is
// open, an error matching ErrClosed after a graceful shutdown, else the
// failure (an *AbortError matching ErrAborted with the peer's cause,
// ErrAssociationFailed, ...). Read returns io.EOF in every case; this
// tells them apart.
func (c *Conn) EndReason() error {
	e, err := c.s.entry(0)
	if err != nil {
		return err
	}
	select {
	case <-e.down:
		return e.err
	default:
		return nil
	}
}

func (c *Conn) err(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var src, dst net.Addr
	if c.laddr != nil {
		src = c.laddr
	}
	if c.raddr != nil {
		dst = c.raddr
	}
	return opError(op, src, dst, err)
}
