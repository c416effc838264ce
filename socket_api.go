package sctp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/logging"
	"github.com/usctp/sctp/udpencap"
)

// StackConfig configures a Stack: the one UDP socket through which its
// SCTP sockets send and receive (RFC 6951 UDP encapsulation).
type StackConfig struct {
	// Network is "udp" (default: dual-stack IPv4+IPv6 where the OS
	// allows), "udp4" or "udp6".
	Network string
	// LocalAddr is the local UDP address to bind. The zero value is the
	// wildcard address with port 0 (OS-chosen); DefaultStack uses port
	// 9899 (RFC 6951 §5.1: the registered port is the UDP source port of
	// every packet).
	LocalAddr netip.AddrPort
	// RemoteUDPPort is the remote UDP encapsulation port used for peers
	// whose port is not otherwise known (a client's INIT). 0 means 9899.
	// Sockets and associations can override it
	// (Socket.SetRemoteUDPEncapsPort).
	RemoteUDPPort uint16
	// LoggerFactory creates the stack's loggers; nil means pion/logging's
	// default factory.
	LoggerFactory logging.LoggerFactory
	// MaxMessageSize is the largest user message accepted by a send
	// (ErrMessageTooLarge above it). 0 means 256 KiB.
	MaxMessageSize int
	// MTU is the path MTU assumed for every path (IP packet size);
	// 0 means 1500. The SCTP packet size is MTU − IP header − 8. With
	// PathMTUDiscovery it is the ceiling of the search instead: set it
	// above 1500 for loopback or jumbo-frame paths (9000), and the
	// stack's receive buffers grow to match.
	MTU int
	// PathMTUDiscovery runs RFC 8899 datagram PLPMTUD on every path
	// (SPP_PMTUD_ENABLE): packets start at BASE_PLPMTU (1200 bytes for
	// IPv4, 1280 for IPv6, less the IP and UDP headers) and grow, a round
	// trip per size, as probes (HEARTBEAT + PAD chunks) confirm larger
	// ones, up to MTU; a black hole (full-size packets lost, small ones
	// passing) takes a path back to BASE_PLPMTU, and an ICMP Packet Too
	// Big is a hint the probes verify. Off (the default), every packet is
	// sized by MTU alone and a Packet Too Big lowers it. A socket turns it
	// on or off for its new associations with SetPaddrParams
	// (SPP_PMTUD_ENABLE / SPP_PMTUD_DISABLE; a PathMTU with
	// SPP_PMTUD_DISABLE fixes the MTU).
	PathMTUDiscovery bool
	// UDPOptions are passed to udpencap.Listen when the stack opens its
	// UDP socket: batching, GSO/GRO, socket buffer sizes, an ICMP error
	// handler (udpencap.WithICMPHandler).
	UDPOptions []udpencap.Option
	// Capture, if set, receives a pcap capture of every datagram the
	// stack sends and receives (link type LINKTYPE_RAW: each SCTP packet
	// behind synthetic IPv4/IPv6 and UDP headers). Decode it with
	//
	//	tshark -r FILE -o sctp.checksum:crc-32c -d udp.port==PORT,sctp
	//
	// where PORT is the stack's or the peer's UDP port (tshark decodes
	// 9899 as SCTP without -d). The stack buffers the capture and flushes
	// it on Close; the caller closes the writer after Stack.Close.
	Capture io.Writer
	// Shards, when above 1, spreads the stack's associations over that
	// many endpoints, each with its own UDP socket on the stack's one UDP
	// port (SO_REUSEPORT) and its own goroutines, so their protocol work
	// runs on as many cores. The kernel steers each packet to the endpoint
	// owning its association by verification tag. Linux only (elsewhere
	// one endpoint); not with Capture. 0 or 1: one endpoint. See
	// bench/README.md, "Many cores".
	Shards int
}

// check validates cfg and fills in its defaults (NewStack, DefaultStack).
func (cfg *StackConfig) check() error {
	switch cfg.Network {
	case "":
		cfg.Network = "udp"
	case "udp", "udp4", "udp6":
	default:
		return invalidArg("StackConfig.Network %q (want udp, udp4 or udp6)", cfg.Network)
	}
	if cfg.RemoteUDPPort == 0 {
		cfg.RemoteUDPPort = DefaultUDPPort
	}
	if cfg.MaxMessageSize < 0 || cfg.MTU < 0 {
		return invalidArg("negative StackConfig.MaxMessageSize or MTU")
	}
	if cfg.Shards < 0 || cfg.Shards > 256 || (cfg.Shards > 1 && cfg.Capture != nil) {
		return invalidArg("StackConfig.Shards %d (want 0 to 256, and at most 1 with Capture)", cfg.Shards)
	}
	return nil
}

// Stack is a userspace SCTP stack over one UDP socket: an SCTP endpoint
// host (RFC 9260 §2) whose sockets (SocketTCP, SocketUDP, Conn, Listener)
// share the UDP port. A process may run several stacks. A Stack is safe
// for concurrent use.
type Stack struct {
	cfg StackConfig
	rt  *runner // the runtime: the UDP socket, the loop, the associations
	// group is rt alone, or the shards of a sharded stack (rt is the
	// first): listening, accepting, connecting and stats go through it.
	group *shardGroup

	mu     sync.Mutex
	closed bool
	ports  map[uint16]*Socket // SCTP port → bound socket owning it
	socks  map[*Socket]struct{}

	// fallbackFrom is the UDP port a default stack wanted but found in
	// use (it runs on an ephemeral port instead; Listen refuses), else 0.
	fallbackFrom uint16

	log *leveledLog // scope sctp-api (logging.go)
}

// NewStack opens the UDP socket described by cfg and starts the stack.
func NewStack(cfg StackConfig) (*Stack, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	group, err := newShardGroup(cfg.Network, cfg.LocalAddr, cfg.Shards, runnerConfig{
		MaxDatagram:   pmtudMaxDatagram(cfg.MTU),
		LoggerFactory: cfg.LoggerFactory,
		UDPOptions:    cfg.UDPOptions,
		Capture:       cfg.Capture,
	})
	var rt *runner
	if err == nil {
		rt = group.rs[0]
	} else {
		if cfg.LocalAddr.Port() != 0 && isAddrInUse(err) {
			return nil, &udpPortError{port: cfg.LocalAddr.Port(), err: err}
		}
		return nil, fmt.Errorf("sctp: opening the stack's UDP socket (%s %v): %w", cfg.Network, cfg.LocalAddr, err)
	}
	st := &Stack{cfg: cfg, rt: rt, group: group, ports: make(map[uint16]*Socket), socks: make(map[*Socket]struct{}),
		log: newLeveledLog(cfg.LoggerFactory, logScopeAPI)}
	if st.log.debug {
		st.log.Debugf("stack on UDP %v (%s), remote UDP port %d unless told otherwise", rt.localAddr(), cfg.Network, cfg.RemoteUDPPort)
	}
	return st, nil
}

var (
	defaultStackMu sync.Mutex
	defaultStack   *Stack
)

// DefaultStack returns the process-wide stack used by NewSocketTCP,
// NewSocketUDP, Dial and Listen when no stack is given. It is created on
// first use on UDP port 9899 of every local address (RFC 6951 §5.1). If
// another process holds that port (a second program on one host), it
// takes a free ephemeral UDP port instead: connecting works as before
// (the peer answers to the port packets come from, RFC 6951 §5.4), and
// listening on it fails with ErrUDPPortInUse, naming the fix, since
// clients look for a listener at 9899. See "UDP ports" in the package
// documentation.
func DefaultStack() (*Stack, error) {
	defaultStackMu.Lock()
	defer defaultStackMu.Unlock()
	if defaultStack != nil && !defaultStack.isClosed() {
		return defaultStack, nil
	}
	s, err := newDefaultStack(DefaultUDPPort)
	if err != nil {
		return nil, err
	}
	defaultStack = s
	return s, nil
}

// newDefaultStack opens a stack with the defaults on UDP port port (the
// remote UDP port of its clients too), or on an ephemeral port if port
// is in use (Stack.fallbackFrom records port then).
func newDefaultStack(port uint16) (*Stack, error) {
	cfg := StackConfig{LocalAddr: netip.AddrPortFrom(netip.Addr{}, port), RemoteUDPPort: port}
	s, err := NewStack(cfg)
	if errors.Is(err, ErrUDPPortInUse) {
		cfg.LocalAddr = netip.AddrPort{}
		if s, err = NewStack(cfg); err == nil {
			s.fallbackFrom = port
			s.log.Warnf("UDP port %d is in use by another socket: the default stack runs on UDP port %d; connecting works, listening fails with ErrUDPPortInUse", port, s.LocalUDPAddr().Port())
		}
	}
	return s, err
}

// LocalUDPAddr returns the stack's local UDP address; its port is the
// remote UDP encapsulation port peers must use to reach this stack.
func (st *Stack) LocalUDPAddr() netip.AddrPort { return st.rt.localAddr() }

// Close closes every socket of the stack, then the endpoint and its UDP
// socket: associations still open at that moment are aborted (ABORT sent,
// RFC 9260 §9.1). For a graceful end, close the sockets first and let
// their shutdowns complete (SHUTDOWN_COMP) before closing the stack.
func (st *Stack) Close() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return errSocketClosed
	}
	st.closed = true
	socks := make([]*Socket, 0, len(st.socks))
	for s := range st.socks {
		socks = append(socks, s)
	}
	st.mu.Unlock()
	for _, s := range socks {
		s.close(false) // the endpoint's Close aborts the associations
	}
	return st.group.close()
}

func (st *Stack) isClosed() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.closed
}

// NewSocketTCP returns a one-to-one socket on this stack (pysctp
// sctpsocket_tcp).
func (st *Stack) NewSocketTCP(family Family) (*SocketTCP, error) {
	s, err := st.NewSocket(family, TCP_STYLE)
	if err != nil {
		return nil, err
	}
	return &SocketTCP{s}, nil
}

// NewSocketUDP returns a one-to-many socket on this stack (pysctp
// sctpsocket_udp).
func (st *Stack) NewSocketUDP(family Family) (*SocketUDP, error) {
	s, err := st.NewSocket(family, UDP_STYLE)
	if err != nil {
		return nil, err
	}
	return &SocketUDP{s}, nil
}

// NewSocket returns a socket of the given style on this stack (pysctp's
// base class sctpsocket(family, style, None)).
func (st *Stack) NewSocket(family Family, style Style) (*Socket, error) {
	if family != AF_INET && family != AF_INET6 {
		return nil, invalidArg("family %v (want AF_INET or AF_INET6)", family)
	}
	if style != TCP_STYLE && style != UDP_STYLE {
		return nil, invalidArg("style %v (want TCP_STYLE or UDP_STYLE)", style)
	}
	s := newSocket(st, family, style)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return nil, errSocketClosed
	}
	st.socks[s] = struct{}{}
	return s, nil
}

// NewSocketTCP returns a one-to-one socket on the DefaultStack.
func NewSocketTCP(family Family) (*SocketTCP, error) {
	st, err := DefaultStack()
	if err != nil {
		return nil, err
	}
	return st.NewSocketTCP(family)
}

// NewSocketUDP returns a one-to-many socket on the DefaultStack.
func NewSocketUDP(family Family) (*SocketUDP, error) {
	st, err := DefaultStack()
	if err != nil {
		return nil, err
	}
	return st.NewSocketUDP(family)
}

// bindPort reserves SCTP port for s; port 0 picks a free ephemeral port
// (RFC 6335 dynamic range 49152–65535).
func (st *Stack) bindPort(s *Socket, port uint16) (uint16, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return 0, errSocketClosed
	}
	if port != 0 {
		if o, ok := st.ports[port]; ok && o != s {
			return 0, fmt.Errorf("%w: SCTP port %d is bound by another socket of this stack; close it, or choose another port (0: any free port)", ErrPortInUse, port)
		}
		st.ports[port] = s
		return port, nil
	}
	const lo, n = 49152, 65536 - 49152
	start := int(time.Now().UnixNano() % n)
	for i := 0; i < n; i++ {
		p := uint16(lo + (start+i)%n)
		if _, ok := st.ports[p]; !ok {
			st.ports[p] = s
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w: no free ephemeral SCTP port on this stack; close sockets, or bind a port explicitly", ErrPortInUse)
}

func (st *Stack) releasePort(s *Socket, port uint16) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ports[port] == s {
		delete(st.ports, port)
	}
	delete(st.socks, s)
}

// Socket is an SCTP socket of either style (pysctp's base class
// sctpsocket). Use SocketTCP (one-to-one) and SocketUDP (one-to-many),
// which embed it; calls that do not apply to the style return
// ErrWrongStyle. All methods are safe for concurrent use; Close from any
// goroutine unblocks every blocked call on the socket with an error
// matching net.ErrClosed.
//
// Every blocking call (Connect, Connectx, Accept, SCTPSend, SCTPRecv)
// honours the socket's deadlines (SetDeadline, SetReadDeadline,
// SetWriteDeadline: an expired deadline gives an error matching
// os.ErrDeadlineExceeded) and has a ...Context variant that also returns
// when the context ends.
//
// Addresses are netip.AddrPort values: an IP literal and an SCTP port
// (pysctp's (host, port) tuples); the zero IP is the wildcard. The UDP
// encapsulation port of a peer is not part of its address: it is the
// socket's remote UDP port setting (SetRemoteUDPEncapsPort), the stack's
// default (9899), or what the peer's packets carry.
type Socket struct {
	stack  *Stack
	family Family
	style  Style

	closing chan struct{} // closed by Close
	baseCtx context.Context
	cancel  context.CancelFunc
	rq      *recvQueue
	rdl     ioDeadline
	wdl     ioDeadline
	rdMu    sync.Mutex // serialises receivers (partial reads stay in order)

	mu          sync.Mutex
	closed      bool
	rdShut      bool // Shutdown(SHUT_RD)
	wrShut      bool // Shutdown(SHUT_WR)
	port        uint16
	laddrs      []netip.Addr // bound local addresses; empty = wildcard
	listening   bool
	backlog     int
	assoc       *assocEntry                    // one-to-one: the association
	assocs      map[AssocID]*assocEntry        // every association of the socket
	byPeer      map[netip.AddrPort]*assocEntry // one-to-many: by peer IP+SCTP port
	setupMu     sync.Mutex                     // serialises association setups (one per peer)
	peerClosed  bool                           // one-to-one: association ended (read EOF)
	autoclosing bool                           // autocloseLoop running
	autoOn      atomic.Bool                    // track association activity for autoclose
	opts        sockOpts
}

// sockOpts are the socket's option values: defaults for new
// associations and API-level behaviour.
type sockOpts struct {
	initMsg        InitMsg
	rto            RTOInfo
	maxRxt         uint16
	cookieLife     time.Duration
	paddr          PaddrParams
	events         EventSubscribe
	maxseg         int
	autoclose      time.Duration
	disableFrag    bool
	adaptation     uint32
	adaptationSet  bool
	mappedV4       bool
	defSend        SndInfo
	sndBuf         int
	rcvBuf         int
	remoteUDPPort  uint16
	streamReset    uint32          // SCTP_ENABLE_STREAM_RESET flags for new associations
	pdPoint        int             // SCTP_PARTIAL_DELIVERY_POINT (0: the default)
	sched          StreamScheduler // SCTP_STREAM_SCHEDULER of new associations
	fragInterleave int             // SCTP_FRAGMENT_INTERLEAVE level (RFC 6458 §8.1.20)
	idata          bool            // SCTP_INTERLEAVING_SUPPORTED (RFC 8260 §4.3.1)

	// RFC 4895 AUTH / RFC 5061 ASCONF (socket_auth.go): SCTP_AUTH_SUPPORTED,
	// SCTP_AUTH_CHUNK, SCTP_AUTH_KEY and SCTP_AUTH_ACTIVE_KEY.
	auth       bool
	authChunks chunkSet
	authKeys   authKeyring

	pfThld int // SCTP_PEER_ADDR_THLDS PF threshold (RFC 7829; 0 the default)
}

const defaultRcvBuf = 256 * 1024

func newSocket(st *Stack, family Family, style Style) *Socket {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Socket{
		stack:   st,
		family:  family,
		style:   style,
		closing: make(chan struct{}),
		baseCtx: ctx,
		cancel:  cancel,
		rq:      newRecvQueue(defaultRcvBuf),
		assocs:  make(map[AssocID]*assocEntry),
		byPeer:  make(map[netip.AddrPort]*assocEntry),
	}
	if st.group != nil && len(st.group.rs) == 1 {
		s.rq.lease = st.rt.readLease() // runtime_lease.go; nil without one
	}
	s.opts.rcvBuf = defaultRcvBuf
	s.opts.events.DataIO = true
	s.opts.remoteUDPPort = st.cfg.RemoteUDPPort
	return s
}

// SocketTCP is a one-to-one SCTP socket (RFC 6458 §4; pysctp
// sctpsocket_tcp): at most one association, Accept on a listening socket
// returns a new SocketTCP per peer. Peeloff and Autoclose do not apply.
type SocketTCP struct{ *Socket }

// SocketUDP is a one-to-many SCTP socket (RFC 6458 §3; pysctp
// sctpsocket_udp): many associations, set up by Listen (incoming) or
// implicitly by the first SCTPSend to a new peer; every association's data
// and notifications arrive through SCTPRecv. Accept does not apply; use
// Peeloff to branch one association off into a SocketTCP.
type SocketUDP struct{ *Socket }

// Family returns the socket's address family.
func (s *Socket) Family() Family { return s.family }

// Style returns the socket's style.
func (s *Socket) Style() Style { return s.style }

// Stack returns the stack the socket belongs to.
func (s *Socket) Stack() *Stack { return s.stack }

func (s *Socket) checkAddr(what string, a netip.AddrPort) error {
	if !s.family.accepts(a.Addr()) {
		return invalidArg("%s %v is not an %v address (IPv6 needs an AF_INET6 socket)", what, a, s.family)
	}
	if a.Addr().Zone() != "" {
		return nil
	}
	return nil
}

// Bind binds the socket to a local address: the SCTP port (0 = a free
// ephemeral port) and a local IP (zero = every address). Use Bindx to add
// more addresses.
func (s *Socket) Bind(addr netip.AddrPort) error {
	if err := s.checkAddr("bind address", addr); err != nil {
		return err
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.port != 0 {
		return ErrAlreadyBound
	}
	return s.bindLocked([]netip.AddrPort{addr})
}

func (s *Socket) bindLocked(addrs []netip.AddrPort) error {
	for _, a := range addrs {
		if a.Addr().IsValid() && !a.Addr().IsUnspecified() {
			if err := s.stack.checkBindIP(a.Addr()); err != nil {
				return err
			}
		}
	}
	port, err := s.stack.bindPort(s, addrs[0].Port())
	if err != nil {
		return err
	}
	s.port = port
	s.laddrs = s.laddrs[:0]
	for _, a := range addrs {
		if a.Addr().IsValid() && !a.Addr().IsUnspecified() {
			s.laddrs = appendUniqueAddr(s.laddrs, a.Addr().Unmap())
		}
	}
	return nil
}

// checkBindIP reports an error unless the stack can receive on and send
// from ip: an address of this host, and the stack's UDP address when that
// is not the wildcard (a UDP socket bound to one address has no other).
func (st *Stack) checkBindIP(ip netip.Addr) error {
	if u := st.rt.localAddr().Addr().Unmap(); u.IsValid() && !u.IsUnspecified() && u != ip.Unmap() {
		return fmt.Errorf("%w: %v: the stack's UDP socket is bound to %v only; bind that address, or give the stack the wildcard address (StackConfig.LocalAddr) to use several local addresses", ErrInvalidArgument, ip, u)
	}
	return checkLocalIP(ip)
}

// checkLocalIP reports an error unless ip is an address of this host (as
// bind(2) would with EADDRNOTAVAIL).
func checkLocalIP(ip netip.Addr) error {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		return fmt.Errorf("%w: %v is not an address of this host (%v); bind one of its addresses, or the zero address for all of them", ErrInvalidArgument, ip, err)
	}
	c.Close()
	return nil
}

func appendUniqueAddr(list []netip.Addr, a netip.Addr) []netip.Addr {
	for _, x := range list {
		if x == a {
			return list
		}
	}
	return append(list, a)
}

// Bindx adds (BINDX_ADD) or removes (BINDX_REMOVE) local addresses
// (RFC 6458 §9.1; pysctp bindx). All addresses must carry the same SCTP
// port, equal to the bound port if the socket is bound (port 0 means the
// bound port), else ErrMixedPorts. On an unbound socket BINDX_ADD binds
// it. IPv4 and IPv6 addresses may be mixed on an AF_INET6 socket (pysctp
// could not pass IPv6 addresses, its bug B9).
//
// A socket bound to two or more specific addresses is multihomed: its
// associations list them in INIT / INIT ACK (RFC 9260 §5.1.2), receive on
// each and send to each peer address from the bound address sharing the
// longest prefix with it (the one on its subnet). Bind them only where
// the peer reaches them untranslated: RFC 6951 §5.7 forbids listing
// addresses a NAT rewrites; behind a NAT bind one address or the wildcard,
// which lists nothing. The stack's UDP socket must be bound to the
// wildcard (the default). On Linux each packet's source is set
// (IP_PKTINFO); elsewhere the OS picks it by its routes, which agrees when
// each address sits on its own subnet. Addresses added or removed take
// effect for associations set up afterwards (and for a listening socket's
// next accepted ones).
//
// A listening socket bound to specific addresses answers INITs sent to
// those addresses only, where the OS reports a packet's local address
// (Linux).
//
// On a socket with associations, each address added or removed is also
// announced to every peer that does ASCONF with AUTH (RFC 5061 Add IP /
// Delete IP Address; see SetAuthSupported): the call returns once the
// requests are queued, a refusal arrives as a RemoteError event.
func (s *Socket) Bindx(addrs []netip.AddrPort, action BindxAction) error {
	if err := s.bindx(addrs, action); err != nil {
		return err
	}
	return s.asconfBindx(addrs, action)
}

func (s *Socket) bindx(addrs []netip.AddrPort, action BindxAction) error {
	if len(addrs) == 0 {
		return invalidArg("bindx with no address")
	}
	if action != BINDX_ADD && action != BINDX_REMOVE {
		return invalidArg("bindx action %d (want BINDX_ADD or BINDX_REMOVE)", action)
	}
	port := addrs[0].Port()
	for _, a := range addrs {
		if err := s.checkAddr("bindx address", a); err != nil {
			return err
		}
		if a.Port() != port {
			return fmt.Errorf("%w: %v and %v", ErrMixedPorts, addrs[0], a)
		}
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.port != 0 && port != 0 && port != s.port {
		return fmt.Errorf("%w: socket is bound to port %d, addresses use %d", ErrMixedPorts, s.port, port)
	}
	switch action {
	case BINDX_ADD:
		if s.port == 0 {
			return s.bindLocked(addrs)
		}
		for _, a := range addrs {
			if !a.Addr().IsValid() || a.Addr().IsUnspecified() {
				return invalidArg("bindx cannot add the wildcard address to a bound socket")
			}
			if err := s.stack.checkBindIP(a.Addr()); err != nil {
				return err
			}
		}
		if len(s.laddrs) == 0 {
			return invalidArg("bindx cannot add addresses to a socket bound to the wildcard address (it has them all)")
		}
		for _, a := range addrs {
			s.laddrs = appendUniqueAddr(s.laddrs, a.Addr().Unmap())
		}
		return s.relistenLocked()
	case BINDX_REMOVE:
		if s.port == 0 {
			return invalidArg("bindx remove on an unbound socket")
		}
		keep := append([]netip.Addr(nil), s.laddrs...)
		for _, a := range addrs {
			i := indexAddr(keep, a.Addr())
			if i < 0 {
				return invalidArg("bindx remove: %v is not bound", a.Addr())
			}
			keep = append(keep[:i], keep[i+1:]...)
		}
		if len(keep) == 0 {
			return invalidArg("bindx remove would leave the socket without an address")
		}
		s.laddrs = keep
		return s.relistenLocked()
	}
	return nil
}

func indexAddr(list []netip.Addr, a netip.Addr) int {
	for i, x := range list {
		if x == a {
			return i
		}
	}
	return -1
}

// Listen makes the socket accept incoming associations (RFC 6458 §3.1.3,
// §4.1.3). An unbound socket is first bound to a free ephemeral port.
// backlog bounds the associations waiting for Accept (0 = 1,024); while
// the queue is full new clients wait for room (their COOKIE ECHO is
// retransmitted), they are not refused.
// On a one-to-many socket, accepted associations deliver their data and
// notifications through SCTPRecv.
func (s *Socket) Listen(backlog int) error {
	if backlog < 0 {
		return invalidArg("negative backlog %d (0: the default)", backlog)
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.listening {
		return nil
	}
	if s.style == TCP_STYLE && s.assoc != nil {
		return ErrAlreadyConnected
	}
	if s.stack.fallbackFrom != 0 {
		return &udpPortError{port: s.stack.fallbackFrom, fallback: s.stack.LocalUDPAddr().Port()}
	}
	if s.port == 0 {
		if err := s.bindLocked([]netip.AddrPort{{}}); err != nil {
			return err
		}
	}
	if err := s.stack.group.listen(s.port, s.assocConfigLocked(), backlog); err != nil {
		return err
	}
	s.listening = true
	s.backlog = backlog
	if l := s.stack.log; l.debug {
		l.Debugf("%v socket listening on SCTP port %d (UDP port %d), backlog %d", s.style, s.port, s.stack.LocalUDPAddr().Port(), backlog)
	}
	if s.style == UDP_STYLE {
		go s.acceptLoop()
	}
	return nil
}

// acceptLoop attaches every association accepted on a one-to-many
// socket's port to the socket.
func (s *Socket) acceptLoop() {
	for {
		a, err := s.stack.group.accept(s.baseCtx, s.port)
		if err != nil {
			return
		}
		e := s.newEntry(a)
		if !s.attach(e) {
			a.abort("socket closed")
			return
		}
		e.markUp() // accepted associations are established
	}
}

// Accept waits for and returns the next incoming association of a
// listening one-to-one socket as a new connected SocketTCP, with the
// peer's address. On a one-to-many socket it returns ErrWrongStyle.
func (s *Socket) Accept() (*SocketTCP, netip.AddrPort, error) {
	return s.AcceptContext(context.Background())
}

// AcceptContext is Accept bounded by ctx as well as the read deadline.
func (s *Socket) AcceptContext(ctx context.Context) (*SocketTCP, netip.AddrPort, error) {
	if s.style != TCP_STYLE {
		return nil, netip.AddrPort{}, fmt.Errorf("%w: Accept on a one-to-many socket (use SCTPRecv, or Peeloff)", ErrWrongStyle)
	}
	s.mu.Lock()
	closed, listening, port := s.closed, s.listening, s.port
	s.mu.Unlock()
	if closed {
		return nil, netip.AddrPort{}, errSocketClosed
	}
	if !listening {
		return nil, netip.AddrPort{}, ErrNotListening
	}
	opCtx, cancel := s.opContext(ctx, &s.rdl)
	a, err := s.stack.group.accept(opCtx, port)
	err = s.opError(ctx, &s.rdl, err)
	cancel()
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	c := newSocket(s.stack, s.family, TCP_STYLE)
	s.mu.Lock()
	c.opts = s.opts
	c.port = s.port
	c.laddrs = append([]netip.Addr(nil), s.laddrs...)
	s.mu.Unlock()
	if err := s.stack.addSocket(c); err != nil {
		a.abort("stack closed")
		return nil, netip.AddrPort{}, err
	}
	e := c.newEntry(a)
	if !c.attach(e) {
		a.abort("socket closed")
		return nil, netip.AddrPort{}, errSocketClosed
	}
	e.markUp()
	return &SocketTCP{c}, c.reportAddr(e.peer), nil
}

func (st *Stack) addSocket(s *Socket) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return errSocketClosed
	}
	st.socks[s] = struct{}{}
	return nil
}

// Connect sets up an association with the peer at addr (IP and SCTP port)
// and waits until it is established (RFC 9260 §5.1), the setup fails
// (ErrConnectFailed: after Max.Init.Retransmits unanswered INITs — see
// SetInitMsg and SetRTOInfo to bound that time — or an ABORT), the write
// deadline passes or the socket is closed. An unbound socket is bound to
// a free ephemeral port first. On a one-to-one socket it is an error to
// connect twice (ErrAlreadyConnected).
func (s *Socket) Connect(addr netip.AddrPort) error {
	_, err := s.ConnectxContext(context.Background(), []netip.AddrPort{addr})
	return err
}

// ConnectContext is Connect bounded by ctx as well as the write deadline.
func (s *Socket) ConnectContext(ctx context.Context, addr netip.AddrPort) error {
	_, err := s.ConnectxContext(ctx, []netip.AddrPort{addr})
	return err
}

// Connectx is Connect to a multi-homed peer known by several addresses
// (RFC 6458 §9.9; pysctp connectx), all with the same SCTP port. It
// returns the new association's id (pysctp could only return it through a
// dict argument). IPv4 and IPv6 addresses may be mixed on an AF_INET6
// socket. Every given address is a path of the association from the
// start (confirmed: the user gave it, RFC 9260 §5.4); the INIT goes to the
// first and its retransmissions to each in turn (RFC 9260 §5.1), so a
// peer is reached while one of its addresses is down. The peer's further
// addresses are those it lists in its INIT ACK (RFC 9260 §5.1.2; a
// single-homed peer or one behind a NAT lists none, RFC 6951 §5.7).
func (s *Socket) Connectx(addrs []netip.AddrPort) (AssocID, error) {
	return s.ConnectxContext(context.Background(), addrs)
}

// ConnectxContext is Connectx bounded by ctx as well as the write deadline.
func (s *Socket) ConnectxContext(ctx context.Context, addrs []netip.AddrPort) (AssocID, error) {
	if len(addrs) == 0 {
		return 0, invalidArg("connect with no address")
	}
	addrs = append([]netip.AddrPort(nil), addrs...)
	for i, a := range addrs {
		ip := a.Addr().Unmap()
		if !ip.IsValid() || ip.IsUnspecified() {
			ip = localHost(ip) // an empty host is the local host (net.Dial, pysctp)
		}
		addrs[i] = netip.AddrPortFrom(ip, a.Port())
	}
	for _, a := range addrs {
		if err := s.checkAddr("peer address", a); err != nil {
			return 0, err
		}
		if a.Port() == 0 {
			return 0, invalidArg("peer address %v: SCTP port 0 (give the peer's port, 1..65535)", a)
		}
		if a.Port() != addrs[0].Port() {
			return 0, fmt.Errorf("%w: connectx %v and %v", ErrMixedPorts, addrs[0], a)
		}
	}
	e, err := s.startAssoc(addrs)
	if err != nil {
		return 0, err
	}
	if l := s.stack.log; l.debug {
		l.Debugf("assoc %d: connecting to %v from SCTP port %d", e.id, addrs[0], s.port)
	}
	if err := s.waitUp(ctx, e); err != nil {
		if l := s.stack.log; l.debug {
			l.Debugf("assoc %d: connect to %v failed: %v", e.id, addrs[0], err)
		}
		// A failed setup leaves the socket unconnected: it can Connect
		// again, and sends report ErrNotConnected.
		e.a.abort("connect failed")
		s.forget(e)
		return 0, err
	}
	return e.id, nil
}

// forget removes e from s (its pump ends by itself with the association).
func (s *Socket) forget(e *assocEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.assocs[e.id] == e {
		delete(s.assocs, e.id)
	}
	if s.byPeer[e.peer] == e {
		delete(s.byPeer, e.peer)
	}
	if s.assoc == e {
		s.assoc = nil
		s.peerClosed = false
	}
}

// startAssoc starts an association to addrs (INIT sent) and attaches it.
func (s *Socket) startAssoc(addrs []netip.AddrPort) (*assocEntry, error) {
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	if err := s.lockOpen(); err != nil {
		return nil, err
	}
	if s.style == TCP_STYLE {
		if s.assoc != nil {
			s.mu.Unlock()
			return nil, ErrAlreadyConnected
		}
		if s.listening {
			s.mu.Unlock()
			return nil, fmt.Errorf("%w: connect on a listening one-to-one socket (connect from a new socket)", ErrInvalidArgument)
		}
	} else if e := s.byPeer[addrs[0]]; e != nil {
		s.mu.Unlock()
		return nil, ErrAlreadyConnected
	}
	autoBound := s.port == 0
	if autoBound {
		if err := s.bindLocked([]netip.AddrPort{{}}); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	}
	port, cfg, udpPort := s.port, s.assocConfigLocked(), s.opts.remoteUDPPort
	s.mu.Unlock()
	// The INIT goes to addrs[0] at remote UDP port udpPort, its
	// retransmissions to the others in turn; further addresses of a
	// multi-homed peer are learnt from its INIT ACK (RFC 9260 §5.1.2).
	more := make([]netip.Addr, 0, len(addrs)-1)
	for _, x := range addrs[1:] {
		more = append(more, x.Addr().Unmap())
	}
	a, err := s.stack.group.connectx(port, netip.AddrPortFrom(addrs[0].Addr().Unmap(), udpPort), more, addrs[0].Port(), cfg)
	for try := 0; err != nil && autoBound && errors.Is(err, ErrPortInUse) && try < 8; try++ {
		// The ephemeral port is free among sockets but an association
		// of a closed socket still runs its shutdown from it to this
		// peer: take another one (found by bench -handshakes).
		np, berr := s.stack.bindPort(s, 0)
		if berr != nil {
			break
		}
		s.mu.Lock()
		old := s.port
		s.port = np
		s.mu.Unlock()
		s.stack.releasePort(s, old)
		port = np
		a, err = s.stack.group.connectx(port, netip.AddrPortFrom(addrs[0].Addr().Unmap(), udpPort), more, addrs[0].Port(), cfg)
	}
	if err != nil {
		return nil, err
	}
	e := s.newEntry(a)
	if !s.attach(e) {
		a.abort("socket closed")
		return nil, errSocketClosed
	}
	return e, nil
}

// waitUp waits until e is established or has failed. Once e is up it
// returns at once: every one-to-many send by address comes here, and a
// select over five channels cost a bulk sender a tenth of its CPU; and
// among ready cases select picks at random, so an expired write deadline
// or a done ctx could abort an established association as if its setup
// had timed out.
func (s *Socket) waitUp(ctx context.Context, e *assocEntry) error {
	if e.isUp() {
		return nil
	}
	select {
	case <-e.up:
		return nil
	case <-e.down:
		select {
		case <-e.up:
			// It was established and the peer closed it at once
			// (select picks either ready case): the connect succeeded,
			// reads see the end.
			return nil
		default:
		}
		return &connectError{silent: isSilentFailure(e.err), cause: e.err}
	case <-s.closing:
		return errSocketClosed
	case <-s.wdl.wait():
		if e.isUp() {
			return nil // up meanwhile: the send sees the deadline itself
		}
		e.a.abort("connect deadline exceeded")
		return errDeadline
	case <-ctx.Done():
		if e.isUp() {
			return nil
		}
		e.a.abort("connect canceled")
		return ctxErr(ctx)
	}
}

// GetPaddrs returns the peer addresses (IP and SCTP port) of association
// id (0 on a one-to-one socket: its association), RFC 6458 §9.3.
func (s *Socket) GetPaddrs(id AssocID) ([]netip.AddrPort, error) {
	e, err := s.entry(id)
	if err != nil {
		return nil, err
	}
	addrs := e.a.peerAddrs()
	out := make([]netip.AddrPort, len(addrs))
	for i, a := range addrs {
		out[i] = s.reportAddr(a)
	}
	return out, nil
}

// GetLaddrs returns the local addresses of association id (0: the
// socket's bound addresses, or on a connected one-to-one socket its
// association's), RFC 6458 §9.5, with the family and address actually
// bound. For a socket bound to every address: the address the
// association's packets leave from (the stack's UDP address if it is bound
// to one, else the source address the host routes to the peer's primary
// address from); without an association the wildcard of the socket's
// family (0.0.0.0 for AF_INET, :: for AF_INET6).
func (s *Socket) GetLaddrs(id AssocID) ([]netip.AddrPort, error) {
	if err := s.lockOpen(); err != nil {
		return nil, err
	}
	var e *assocEntry
	if id != 0 {
		if e = s.assocs[id]; e == nil {
			s.mu.Unlock()
			return nil, ErrNotConnected
		}
	} else if s.style == TCP_STYLE {
		e = s.assoc
	}
	if s.port == 0 {
		s.mu.Unlock()
		return nil, nil
	}
	if len(s.laddrs) > 0 {
		out := make([]netip.AddrPort, len(s.laddrs))
		for i, a := range s.laddrs {
			out[i] = s.reportAddrLocked(netip.AddrPortFrom(a, s.port))
		}
		s.mu.Unlock()
		return out, nil
	}
	port := s.port
	ip := s.stack.LocalUDPAddr().Addr().Unmap()
	if !ip.IsValid() || ip.IsUnspecified() {
		// Wildcard socket on a wildcard stack.
		if s.family == AF_INET || ip.Is4() {
			ip = netip.IPv4Unspecified()
		} else {
			ip = netip.IPv6Unspecified()
		}
		if e != nil {
			peer := e.peer.Addr()
			s.mu.Unlock()
			ip = sourceFor(peer, ip) // a syscall: not under s.mu
			return []netip.AddrPort{s.reportAddr(netip.AddrPortFrom(ip, port))}, nil
		}
	}
	a := s.reportAddrLocked(netip.AddrPortFrom(ip, port))
	s.mu.Unlock()
	return []netip.AddrPort{a}, nil
}

// sourceFor returns the local address the host sends from to reach peer
// (the route's source, found by connecting a UDP socket: no packet is
// sent), or def if there is none.
func sourceFor(peer, def netip.Addr) netip.Addr {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(peer, 9)))
	if err != nil {
		return def
	}
	defer c.Close()
	if ua, ok := c.LocalAddr().(*net.UDPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ua.IP); ok {
			return ip.Unmap()
		}
	}
	return def
}

// reportAddr applies the mappedv4 setting to an address reported to the
// user: on an AF_INET6 socket with MappedV4 on, IPv4 addresses are
// returned as IPv4-mapped IPv6 (::ffff:a.b.c.d); otherwise unmapped.
func (s *Socket) reportAddr(a netip.AddrPort) netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reportAddrLocked(a)
}

func (s *Socket) reportAddrLocked(a netip.AddrPort) netip.AddrPort {
	ip := a.Addr().Unmap()
	if s.opts.mappedV4 && s.family == AF_INET6 && ip.Is4() {
		ip = netip.AddrFrom16(ip.As16())
	}
	return netip.AddrPortFrom(ip, a.Port())
}

// entry returns the association named by id: on a one-to-one socket 0 (or
// its own id) names its association; on a one-to-many socket id must name
// one of its associations.
func (s *Socket) entry(id AssocID) (*assocEntry, error) {
	if err := s.lockOpen(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if s.style == TCP_STYLE {
		if s.assoc == nil {
			return nil, errNotConnectedTCP
		}
		if id != 0 && id != s.assoc.id {
			return nil, fmt.Errorf("%w: association %d is not this socket's (%d; 0 names it too)", ErrNotConnected, id, s.assoc.id)
		}
		return s.assoc, nil
	}
	e := s.assocs[id]
	if e == nil {
		return nil, fmt.Errorf("%w: association %d is not one of this socket's (it may have ended)", ErrNotConnected, id)
	}
	return e, nil
}

// SCTPSend sends one message (RFC 6458 §5.3; pysctp sctp_send) and
// returns its length. info gives the destination, stream, PPID (host byte
// order, full 32 bits), flags, time-to-live and context; nil uses the
// socket's defaults (SetDefaultSendParams). msg may be any byte slice and
// may be reused once SCTPSend returns.
//
// On a one-to-many socket a message to a peer without an association sets
// one up first (RFC 6458 §3.1.4 implicit setup) and waits for it. MSG_EOF
// gracefully shuts the association down after the message (which may be
// empty); MSG_ABORT aborts it, the message being the abort reason. Unlike
// Linux, both also work on one-to-one sockets.
//
// Errors: ErrEmptyMessage, ErrMessageTooLarge (above the stack's maximum,
// or above the fragmentation point with DisableFragments),
// ErrInvalidStream (stream ≥ negotiated outbound streams), ErrNotConnected,
// ErrShuttingDown, ErrAborted / ErrAssociationFailed (association gone),
// net.ErrClosed, os.ErrDeadlineExceeded (write deadline). The call blocks
// while the send buffer is full; without a write deadline (and, for
// SCTPSendContext, with a ctx that cannot be cancelled) it reads and
// handles the incoming SACKs itself meanwhile, so a bulk sender needs no
// other goroutine (runtime_lease.go). To stop such a call from another
// goroutine, set a past write deadline or close the socket.
func (s *Socket) SCTPSend(msg []byte, info *SndInfo) (int, error) {
	return s.SCTPSendContext(context.Background(), msg, info)
}

// SCTPSendContext is SCTPSend bounded by ctx as well as the write deadline.
func (s *Socket) SCTPSendContext(ctx context.Context, msg []byte, info *SndInfo) (int, error) {
	if err := s.lockOpen(); err != nil {
		return 0, err
	}
	var si SndInfo
	if info != nil {
		si = *info
	} else {
		si = s.opts.defSend
	}
	wrShut, disableFrag, maxseg := s.wrShut, s.opts.disableFrag, s.opts.maxseg
	s.mu.Unlock()

	if si.Flags&^validSendFlags != 0 {
		return 0, invalidArg("send flags %v (want MSG_UNORDERED, MSG_ADDR_OVER, MSG_ABORT, MSG_EOF)", si.Flags)
	}
	if si.TTL < 0 {
		return 0, invalidArg("negative TTL %v (0: reliable)", si.TTL)
	}
	if len(msg) == 0 && si.Flags&(MSG_EOF|MSG_ABORT) == 0 {
		return 0, ErrEmptyMessage
	}
	if max := s.stack.maxMessage(); len(msg) > max {
		return 0, fmt.Errorf("%w: %d bytes, maximum %d (StackConfig.MaxMessageSize raises it)", ErrMessageTooLarge, len(msg), max)
	}
	if wrShut && si.Flags&MSG_ABORT == 0 {
		return 0, ErrShuttingDown
	}

	e, err := s.sendTarget(ctx, &si)
	if err != nil {
		return 0, err
	}
	if si.Flags&MSG_ABORT != 0 {
		e.a.abort(string(msg))
		return len(msg), nil
	}
	if len(msg) > 0 {
		if disableFrag {
			if fp := e.a.fragmentationPoint(maxseg); len(msg) > fp {
				return 0, fmt.Errorf("%w: %d bytes above the fragmentation point %d while DisableFragments is on (send at most %d bytes, or turn it off)", ErrMessageTooLarge, len(msg), fp, fp)
			}
		}
		if err := s.send(ctx, e, msg, &si); err != nil {
			return 0, err
		}
		e.touch()
	}
	if si.Flags&MSG_EOF != 0 {
		e.a.shutdown()
	}
	return len(msg), nil
}

// sendTarget finds (or, one-to-many, sets up) the association si names.
func (s *Socket) sendTarget(ctx context.Context, si *SndInfo) (*assocEntry, error) {
	if s.style == TCP_STYLE {
		e, err := s.entry(0)
		if err != nil {
			return nil, err
		}
		if si.Flags&MSG_ADDR_OVER != 0 && (!si.To.IsValid() || !e.hasPeer(si.To)) {
			return nil, invalidArg("MSG_ADDR_OVER needs SndInfo.To set to a peer address")
		}
		return e, nil
	}
	if si.AssocID != 0 {
		return s.entry(si.AssocID)
	}
	if !si.To.IsValid() || !si.To.Addr().IsValid() {
		return nil, invalidArg("one-to-many send needs SndInfo.To or SndInfo.AssocID")
	}
	to := netip.AddrPortFrom(si.To.Addr().Unmap(), si.To.Port())
	s.mu.Lock()
	e := s.byPeer[to]
	s.mu.Unlock()
	if e == nil {
		if si.Flags&(MSG_ABORT|MSG_EOF) != 0 {
			return nil, fmt.Errorf("%w: no association with %v to end with MSG_EOF or MSG_ABORT", ErrNotConnected, si.To)
		}
		var err error
		e, err = s.startAssoc([]netip.AddrPort{to})
		if err == ErrAlreadyConnected {
			s.mu.Lock()
			e = s.byPeer[to]
			s.mu.Unlock()
		} else if err != nil {
			return nil, err
		}
	}
	if err := s.waitUp(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// send hands the message to the association, blocking while its send
// buffer is full.
func (s *Socket) send(ctx context.Context, e *assocEntry, msg []byte, si *SndInfo) error {
	if s.wdl.expired() {
		return errDeadline
	}
	m := si.message(msg)
	err := e.a.trySend(m)
	if err != errSendBufferFull {
		return e.mapSendErr(err)
	}
	// Wait on the socket's closing and write-deadline channels directly
	// (not an opContext: that is a goroutine and three allocations per
	// blocked send, i.e. per message or two in a bulk transfer).
	switch err = e.a.sendUntil(ctx, m, s.closing, s.wdl.wait(), s.writeLeaseOK); err {
	case errSendClosed:
		return errSocketClosed
	case errSendDeadline:
		return errDeadline
	}
	return s.opError(ctx, &s.wdl, e.mapSendErr(err))
}

// message is msg sent with si in the form the runtime and the engine
// share: the one conversion of a user message on its way out (the
// runtime copies msg; the caller may reuse it).
func (si *SndInfo) message(msg []byte) outMessage {
	return outMessage{stream: si.Stream, ppid: si.PPID, unordered: si.Flags&MSG_UNORDERED != 0,
		data: msg, ttl: si.TTL, context: si.Context, prPolicy: si.PRPolicy, prValue: si.PRValue}
}

// SCTPRecv returns the next message or notification of the socket
// (RFC 6458 §5.3; pysctp sctp_recv). A message longer than maxlen is
// returned in pieces of at most maxlen bytes; only the last piece has
// MSG_EOR. Notifications are returned only for subscribed categories
// (SetEvents) and have MSG_NOTIFICATION. It blocks until something
// arrives, the read deadline passes (os.ErrDeadlineExceeded) or the socket
// is closed (net.ErrClosed). On a one-to-one socket whose association
// ended, once everything received before was read, it returns io.EOF
// after a graceful shutdown (pysctp returned an empty message) and the
// reason after an abort or a failure (errors.Is ErrAborted — errors.As
// *AbortError gives the peer's cause — or ErrAssociationFailed).
func (s *Socket) SCTPRecv(maxlen int) (*Received, error) {
	return s.SCTPRecvContext(context.Background(), maxlen)
}

// SCTPRecvContext is SCTPRecv bounded by ctx as well as the read deadline.
func (s *Socket) SCTPRecvContext(ctx context.Context, maxlen int) (*Received, error) {
	if maxlen <= 0 {
		return nil, invalidArg("maxlen %d (want at least 1)", maxlen)
	}
	s.rdMu.Lock()
	defer s.rdMu.Unlock()
	for {
		seen := s.rq.wakeCount() // before the look (leaseRead)
		it, eor, ok := s.rq.pop(maxlen)
		if ok {
			r := &Received{From: s.reportAddr(it.from), Msg: it.msg, Info: it.info}
			if it.ev != nil {
				r.Flags = MSG_NOTIFICATION | MSG_EOR
				r.Msg = nil
				r.Notification = it.ev
			} else if eor {
				r.Flags = MSG_EOR
			}
			return r, nil
		}
		if err := s.recvBlocked(); err != nil {
			return nil, err
		}
		if s.leaseRead(ctx, seen) {
			continue
		}
		if err := s.waitQueue(ctx); err != nil {
			return nil, err
		}
	}
}

// SCTPRecvInto is SCTPRecv into the caller's memory, the allocation-free
// receive (pysctp sctp_recv with a caller's buffer, like recvmsg(2)): it
// copies the next message, or its next len(buf) bytes, into buf and
// returns the count and the item's description. r.Msg is buf[:n]; r.Flags
// has MSG_EOR on a message's last piece (a message longer than buf is
// returned over several calls, as with SCTPRecv's maxlen); r.Info and
// r.From are as SCTPRecv's.
//
// Notifications come through the same call: r.Flags has MSG_NOTIFICATION
// (and MSG_EOR), n is 0, nothing is written to buf and r.Notification is
// the parsed event. The event value was built when the association raised
// it, so returning it costs nothing more; data messages, the steady state,
// allocate nothing. Blocking, deadlines, closing and the end of a
// one-to-one association (io.EOF or the abort/failure reason) are as for
// SCTPRecv. buf must not be empty (ErrInvalidArgument).
func (s *Socket) SCTPRecvInto(buf []byte) (n int, r Received, err error) {
	return s.SCTPRecvIntoContext(context.Background(), buf)
}

// SCTPRecvIntoContext is SCTPRecvInto bounded by ctx as well as the read
// deadline.
func (s *Socket) SCTPRecvIntoContext(ctx context.Context, buf []byte) (n int, r Received, err error) {
	if len(buf) == 0 {
		return 0, Received{}, invalidArg("empty buffer (want at least 1 byte)")
	}
	s.rdMu.Lock()
	defer s.rdMu.Unlock()
	for {
		seen := s.rq.wakeCount() // before the look (leaseRead)
		it, n, eor, ok := s.rq.popInto(buf)
		if ok {
			r = Received{From: s.reportAddr(it.from), Info: it.info}
			if it.ev != nil {
				r.Flags = MSG_NOTIFICATION | MSG_EOR
				r.Notification = it.ev
				return 0, r, nil
			}
			r.Msg = buf[:n]
			if eor {
				r.Flags = MSG_EOR
			}
			return n, r, nil
		}
		if err := s.recvBlocked(); err != nil {
			return 0, Received{}, err
		}
		if s.leaseRead(ctx, seen) {
			continue
		}
		if err := s.waitQueue(ctx); err != nil {
			return 0, Received{}, err
		}
	}
}

// recvBlocked returns the error a receive gets instead of waiting: the
// socket is closed, shut for reading, or a one-to-one socket's association
// is gone (io.EOF).
func (s *Socket) recvBlocked() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errSocketClosed
	case s.rdShut:
		return io.EOF
	case s.style == TCP_STYLE && s.peerClosed && s.rq.len() == 0:
		// io.EOF after a graceful shutdown; the reason after an abort
		// or a failure (ErrAborted, ErrAssociationFailed).
		if s.assoc != nil && s.assoc.err != nil && !errors.Is(s.assoc.err, ErrClosed) && !errors.Is(s.assoc.err, io.EOF) {
			return s.assoc.err
		}
		return io.EOF
	}
	return nil
}

// Peeloff branches association id off a one-to-many socket into a new
// one-to-one socket (RFC 6458 §9.2; pysctp peeloff). Data and
// notifications of that association not yet read move to the new socket.
// On a one-to-one socket it returns ErrWrongStyle.
func (s *Socket) Peeloff(id AssocID) (*SocketTCP, error) {
	if s.style != UDP_STYLE {
		return nil, fmt.Errorf("%w: Peeloff on a one-to-one socket", ErrWrongStyle)
	}
	c := newSocket(s.stack, s.family, TCP_STYLE)
	if err := s.lockOpen(); err != nil {
		return nil, err
	}
	e := s.assocs[id]
	if e == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: association %d is not one of this socket's (it may have ended)", ErrNotConnected, id)
	}
	c.opts = s.opts
	c.port = s.port
	c.laddrs = append([]netip.Addr(nil), s.laddrs...)
	delete(s.assocs, id)
	wasByPeer := s.byPeer[e.peer] == e
	if wasByPeer {
		delete(s.byPeer, e.peer)
	}
	s.mu.Unlock()
	if err := s.stack.addSocket(c); err != nil {
		// The stack is closing: give the association back to s (its owner
		// all along) so s's Close still reaches it; if s closed in the
		// meantime, its Close missed the entry, so shut it down here.
		s.mu.Lock()
		if !s.closed {
			s.assocs[id] = e
			if _, ok := s.byPeer[e.peer]; wasByPeer && !ok {
				s.byPeer[e.peer] = e
			}
			s.mu.Unlock()
		} else {
			s.mu.Unlock()
			e.a.shutdown()
			e.a.release()
			e.cancel()
		}
		return nil, err
	}
	// The peeled socket has the options, so also the receive buffer, of s.
	c.rq.setLimit(c.opts.rcvBuf)
	// Move the association and its queued items under the entry lock so
	// the pump cannot push into the old queue meanwhile. The items were
	// admitted by s's queue; they move regardless of c's limit (none is
	// dropped).
	e.mu.Lock()
	for _, it := range s.rq.take(id) {
		c.rq.push(it, true)
	}
	c.mu.Lock()
	c.assoc = e
	c.assocs[id] = e
	c.peerClosed = e.isDown()
	c.mu.Unlock()
	e.owner = c
	e.mu.Unlock()
	return &SocketTCP{c}, nil
}

// Shutdown shuts the socket down for reading (SHUT_RD: queued and future
// data are discarded, receives return io.EOF), writing (SHUT_WR: a
// graceful SHUTDOWN of every association once its queued data is
// acknowledged, RFC 9260 §9.2; later sends fail with ErrShuttingDown) or
// both (RFC 6458 §4.1.7).
func (s *Socket) Shutdown(how ShutdownHow) error {
	if how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR {
		return invalidArg("shutdown how %d (want SHUT_RD, SHUT_WR or SHUT_RDWR)", how)
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	if s.style == TCP_STYLE && s.assoc == nil {
		s.mu.Unlock()
		return errNotConnectedTCP
	}
	var es []*assocEntry
	if how != SHUT_RD {
		s.wrShut = true
		for _, e := range s.assocs {
			es = append(es, e)
		}
	}
	if how != SHUT_WR {
		s.rdShut = true
	}
	s.mu.Unlock()
	if how != SHUT_WR {
		s.rq.wakeReader()
	}
	s.rq.lease.needReader() // the peer's SHUTDOWN ACK (runtime_lease.go)
	for _, e := range es {
		e.a.shutdown()
	}
	return nil
}

// lockOpen locks s.mu for an operation on an open socket; once the socket
// is closed it leaves s.mu unlocked and returns errSocketClosed.
func (s *Socket) lockOpen() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errSocketClosed
	}
	return nil
}

// Close closes the socket: a listening socket stops accepting, every
// association is shut down gracefully (data already accepted by SCTPSend
// is still delivered, RFC 9260 §9.2) — use SCTPSend with MSG_ABORT first
// for an abortive close — and every call blocked on the socket returns an
// error matching net.ErrClosed. Closing twice returns that error too.
func (s *Socket) Close() error { return s.close(true) }

// close closes the socket; graceful shuts its associations down (else the
// caller aborts them).
func (s *Socket) close(graceful bool) error {
	if err := s.lockOpen(); err != nil {
		return err
	}
	s.closed = true
	close(s.closing)
	s.rq.wakeReader()    // a receive reading the UDP socket (runtime_lease.go)
	s.rq.lease.kickAny() // a send reading it while it waits for buffer space
	s.cancel()
	var es []*assocEntry
	for _, e := range s.assocs {
		es = append(es, e)
	}
	listening, port := s.listening, s.port
	s.mu.Unlock()
	if listening && graceful {
		s.stack.group.unlisten(port) //nolint:errcheck // closing: the listener is gone either way
	}
	for _, e := range es {
		if graceful {
			e.a.shutdown()
			e.a.release()
		}
		e.cancel()
	}
	if graceful {
		s.rq.lease.needReader() // the shutdowns' replies (runtime_lease.go)
	}
	s.stack.releasePort(s, port)
	s.rdl.stop()
	s.wdl.stop()
	return nil
}

// SetDeadline sets both the read and the write deadline (net.Conn
// semantics: a zero time clears it; a deadline in the past makes blocked
// and future calls fail with os.ErrDeadlineExceeded).
func (s *Socket) SetDeadline(t time.Time) error {
	s.rdl.set(t)
	s.wdl.set(t)
	s.rq.wakeReader()    // a receive under the read lease re-checks the deadline
	s.rq.lease.kickAny() // so does a send
	return nil
}

// SetReadDeadline sets the deadline of SCTPRecv and Accept.
func (s *Socket) SetReadDeadline(t time.Time) error {
	s.rdl.set(t)
	s.rq.wakeReader() // a receive under the read lease re-checks the deadline
	return nil
}

// SetWriteDeadline sets the deadline of SCTPSend, Connect and Connectx.
func (s *Socket) SetWriteDeadline(t time.Time) error {
	s.wdl.set(t)
	s.rq.lease.kickAny() // a send under the read lease re-checks the deadline
	return nil
}

// writeLeaseOK reports whether a send waiting for buffer space may read
// the UDP socket itself (runtime_lease.go): only without a write deadline,
// as for receives.
func (s *Socket) writeLeaseOK() bool { return s.rq.lease != nil && !s.wdl.isSet() }

// opContext returns a context that ends when ctx ends, the socket closes
// or the deadline d passes, for runtime calls that block.
func (s *Socket) opContext(ctx context.Context, d *ioDeadline) (context.Context, context.CancelFunc) {
	opCtx, cancel := context.WithCancel(ctx)
	dch := d.wait()
	stop := context.AfterFunc(s.baseCtx, cancel)
	done := make(chan struct{})
	go func() {
		select {
		case <-dch:
			cancel()
		case <-done:
		case <-opCtx.Done():
		}
	}()
	return opCtx, func() { stop(); close(done); cancel() }
}

// opError maps the error of a runtime call made with an opContext: a
// cancellation caused by the socket closing or the deadline becomes
// net.ErrClosed or os.ErrDeadlineExceeded; the caller's own context
// error is returned as is.
func (s *Socket) opError(ctx context.Context, d *ioDeadline, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctxErr(ctx)
	}
	if isClosed(s.closing) {
		return errSocketClosed
	}
	if d.expired() {
		return errDeadline
	}
	return err
}

// relistenLocked hands changed association defaults to the listener, so
// associations accepted from now on use them (s.mu held).
func (s *Socket) relistenLocked() error {
	if !s.listening || s.closed {
		return nil
	}
	return s.stack.group.listen(s.port, s.assocConfigLocked(), s.backlog)
}

// assocConfigLocked returns the engine configuration of new associations:
// the socket options handed to the engine's config setters
// (association_config.go), which own the defaults and the packet size
// arithmetic (s.mu held).
func (s *Socket) assocConfigLocked() assocConfig {
	o := &s.opts
	var c assocConfig
	c.setInitParams(o.initMsg.NumOstreams, o.initMsg.MaxInstreams, int(o.initMsg.MaxAttempts))
	c.setRTOParams(o.rto.bounds())
	c.setAssocParams(int(o.maxRxt), o.cookieLife)
	c.setPathDefaults(o.paddr.HBInterval, int(o.paddr.PathMaxRxt), o.paddr.SackDelay, o.paddr.Flags&SPP_HB_DISABLE != 0)
	c.setBuffers(o.sndBuf, o.rcvBuf)
	c.setMaxMessage(s.stack.cfg.MaxMessageSize)
	c.setPacketSize(s.stack.cfg.MTU, o.maxseg, int(o.paddr.PathMTU))
	c.setPMTUD(pmtudWanted(s.stack.cfg.PathMTUDiscovery, o.paddr.Flags, o.paddr.PathMTU), pmtudCeilingOf(s.stack.cfg.MTU, o.paddr.PathMTU))
	c.setAdaptation(o.adaptation, o.adaptationSet)
	c.setPRSCTP(true)
	c.setReconfig(true, o.streamReset)
	c.pdPoint = o.pdPoint
	c.laddrs = append([]netip.Addr(nil), s.laddrs...) // the engine's own copy: Bindx changes s.laddrs
	c.sched = o.sched
	c.auth, c.authChunks, c.authKeys = o.auth, o.authChunks, o.authKeys
	c.setIData(o.idata && o.fragInterleave == 2) // RFC 8260 §4.3.1
	c.setPFThreshold(o.pfThld)
	return c
}

func (st *Stack) maxMessage() int {
	if st.cfg.MaxMessageSize > 0 {
		return st.cfg.MaxMessageSize
	}
	return assocDefaultMaxMessage
}

// assocEntry is the socket layer's record of one association: the runtime
// handle, its peer, its state as seen through events, and its pump.
type assocEntry struct {
	a    *assocHandle
	id   AssocID
	peer netip.AddrPort // primary peer IP (unmapped) + SCTP port

	up       chan struct{} // closed at COMM_UP
	down     chan struct{} // closed when the association ended
	upOnce   sync.Once
	downOnce sync.Once
	err      error // why it ended (set before down is closed)

	mu    sync.Mutex // guards owner (Peeloff moves it)
	owner *Socket

	ctx    context.Context // ends the pump (canceled when the owner closes)
	cancel context.CancelFunc

	lastActive atomic.Int64 // unix nanos of the last message in or out (autoclose)
	autoclosed atomic.Bool  // autoclose already shut it down
}

func (s *Socket) newEntry(a *assocHandle) *assocEntry {
	ctx, cancel := context.WithCancel(context.Background())
	return &assocEntry{a: a, id: a.assocID(), peer: a.peerSCTPAddr(),
		up: make(chan struct{}), down: make(chan struct{}), owner: s, ctx: ctx, cancel: cancel}
}

// touch records user-message activity for autoclose.
func (e *assocEntry) touch() {
	e.mu.Lock()
	on := e.owner.autoOn.Load()
	e.mu.Unlock()
	if on {
		e.lastActive.Store(time.Now().UnixNano())
	}
}

func (e *assocEntry) markUp()      { e.upOnce.Do(func() { close(e.up) }) }
func (e *assocEntry) isUp() bool   { return isClosed(e.up) }
func (e *assocEntry) isDown() bool { return isClosed(e.down) }
func (e *assocEntry) markDown(err error) {
	e.downOnce.Do(func() {
		e.err = err
		close(e.down)
	})
}

// mapSendErr turns engine send errors into the API's sentinels.
func (e *assocEntry) mapSendErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotEstablished) && isClosed(e.down) && e.err != nil {
		return e.err
	}
	return err
}

// attach registers e with s and starts its pump; false if s is closed.
func (s *Socket) attach(e *assocEntry) bool {
	if s.lockOpen() != nil {
		return false
	}
	s.assocs[e.id] = e
	e.lastActive.Store(time.Now().UnixNano())
	if s.style == TCP_STYLE {
		s.assoc = e
	} else {
		s.byPeer[e.peer] = e
	}
	s.mu.Unlock()
	go e.pump()
	return true
}

// pump moves the association's deliveries (messages and events), in
// order and in the form the handle queued them, into its owning socket's
// receive queue, and tracks the association's state from its events. It blocks while the queue is full (backpressure reaches the
// peer through the receive window) and ends with the association.
func (e *assocEntry) pump() {
	sink := e.direct // runtime_direct.go: one allocation per association
	for {
		it, err := e.a.nextSink(e.ctx, sink)
		if err != nil {
			e.markDown(err)
			e.detach()
			e.cancel()
			return
		}
		if it.ev != nil {
			it.ev = e.track(it.ev)
		} else {
			e.touch()
		}
		for {
			e.mu.Lock()
			s := e.owner
			ok := s.wantsItem(&it) && !s.rq.tryPush(it)
			e.mu.Unlock()
			if !ok {
				break
			}
			select {
			case <-s.rq.space():
			case <-s.closing:
				return
			}
		}
	}
}

// track updates the entry's state from an event and returns the event as
// the user sees it: an ABORT's causes become an *AbortError in Err.
func (e *assocEntry) track(ev Event) Event {
	ac, ok := ev.(AssocChange)
	if !ok {
		return ev
	}
	switch ac.State {
	case CommUp, Restart:
		e.markUp()
	case CommLost, CantStartAssoc, ShutdownComp:
		if len(ac.Causes) > 0 {
			ac.Err = abortErrorFrom(ac.Causes, ac.Err)
		}
		err := ac.Err
		if err == nil {
			err = ErrClosed
		}
		e.markDown(err)
	}
	return ac
}

// wantsItem reports whether s delivers it: data unless shut for reading,
// notifications of subscribed categories.
func (s *Socket) wantsItem(it *delivery) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rdShut {
		return false
	}
	if it.ev == nil {
		return true
	}
	return s.opts.events.wants(it.ev)
}

// detach removes a finished association from its socket.
func (e *assocEntry) detach() {
	e.mu.Lock()
	s := e.owner
	e.mu.Unlock()
	s.mu.Lock()
	if s.assocs[e.id] == e {
		delete(s.assocs, e.id)
	}
	if s.byPeer[e.peer] == e {
		delete(s.byPeer, e.peer)
	}
	if s.style == TCP_STYLE && s.assoc == e {
		s.peerClosed = true
	}
	s.mu.Unlock()
	s.rq.wakeReader() // wake a one-to-one reader for io.EOF
}

// Stats returns the stack's counters: datagrams received, datagrams
// dropped before reaching an association (by reason), stateless replies,
// associations, and the UDP socket's counters.
func (st *Stack) Stats() (StackStats, error) { return st.group.stats() }

// leaseRead is a receive about to wait on an empty queue: without a
// deadline or a cancellable ctx it may read the UDP socket itself
// (runtime_lease.go). seen is s.rq.wakeCount() from before the receive
// looked at the queue and the socket's state. True: look again.
func (s *Socket) leaseRead(ctx context.Context, seen uint64) bool {
	if s.rq.lease == nil || ctx.Done() != nil || s.rdl.isSet() {
		return false
	}
	return s.stack.rt.leaseRead(s.rq, s.closing, seen)
}

// waitQueue parks a receive until its queue may hold an item (nil) or it
// must return: the socket closed, the read deadline passed, ctx ended.
// While parked it is counted, so a user releasing the read lease hands it
// to the reader goroutine at once (runtime_lease.go).
func (s *Socket) waitQueue(ctx context.Context) error {
	if l := s.rq.lease; l != nil {
		l.park(1)
		defer l.park(-1)
	}
	select {
	case <-s.rq.ready():
		return nil
	case <-s.closing:
		return errSocketClosed
	case <-s.rdl.wait():
		return errDeadline
	case <-ctx.Done():
		return ctxErr(ctx)
	}
}
