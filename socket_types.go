package sctp

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/usctp/sctp/udpencap"
)

// Family is the address family of a socket (pysctp's first constructor
// argument). A socket of family AF_INET6 also accepts IPv4 addresses
// unless restricted; AF_INET accepts IPv4 only.
type Family int

// Address families (values of Linux's AF_INET / AF_INET6).
const (
	AF_INET  Family = 2
	AF_INET6 Family = 10
)

func (f Family) String() string {
	switch f {
	case AF_INET:
		return "AF_INET"
	case AF_INET6:
		return "AF_INET6"
	}
	return "Family(" + strconv.Itoa(int(f)) + ")"
}

// accepts reports whether an address of this IP may be used on a socket of
// family f (an IPv4 address on AF_INET6 is allowed, as with v4-mapped
// addresses on a dual-stack kernel socket).
func (f Family) accepts(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true // wildcard
	}
	switch f {
	case AF_INET:
		return ip.Unmap().Is4()
	case AF_INET6:
		return true
	}
	return false
}

// Style is the socket style: one-to-one (TCP-like) or one-to-many
// (UDP-like), RFC 6458 §3 and §4.
type Style int

// Socket styles (pysctp TCP_STYLE / UDP_STYLE, values of SOCK_STREAM and
// SOCK_SEQPACKET).
const (
	TCP_STYLE Style = 1 // one-to-one: SocketTCP
	UDP_STYLE Style = 5 // one-to-many: SocketUDP
)

func (s Style) String() string {
	switch s {
	case TCP_STYLE:
		return "TCP_STYLE"
	case UDP_STYLE:
		return "UDP_STYLE"
	}
	return "Style(" + strconv.Itoa(int(s)) + ")"
}

// BindxAction selects what Bindx does with the addresses.
type BindxAction int

// Bindx actions (pysctp BINDX_ADD / BINDX_REMOVE, RFC 6458 §9.1).
const (
	BINDX_ADD    BindxAction = 1
	BINDX_REMOVE BindxAction = 2
	BINDX_REM                = BINDX_REMOVE // pysctp alias
)

// ShutdownHow is the argument of Shutdown.
type ShutdownHow int

// Shutdown directions (values of Linux SHUT_RD, SHUT_WR, SHUT_RDWR).
const (
	SHUT_RD   ShutdownHow = 0 // stop receiving; pending and later data are discarded
	SHUT_WR   ShutdownHow = 1 // graceful SHUTDOWN once queued data is acknowledged (RFC 9260 §9.2)
	SHUT_RDWR ShutdownHow = 2 // both
)

// SendFlags are the per-message flags of SCTPSend and Conn.WriteMsg
// (sinfo_flags, RFC 6458 §5.3.4). Values are pysctp's.
type SendFlags uint16

// Send flags.
const (
	// MSG_UNORDERED sends the message unordered (RFC 9260 §6.6, U bit).
	MSG_UNORDERED SendFlags = 1
	// MSG_ADDR_OVER asks for the message to go to the peer address in
	// SndInfo.To instead of the primary path; To must be a peer address
	// of the association (else ErrInvalidArgument). The engine has no
	// per-message path choice yet: new DATA goes to the primary path
	// (SetPrimary), retransmissions to an alternate (RFC 9260 §6.4.1).
	MSG_ADDR_OVER SendFlags = 2
	// MSG_ABORT aborts the association (RFC 9260 §9.1); the message, if
	// any, is the user abort reason (cause 12). Works on one-to-many and,
	// unlike Linux, one-to-one sockets.
	MSG_ABORT SendFlags = 4
	// MSG_EOF starts a graceful shutdown of the association once queued
	// data is acknowledged (RFC 9260 §9.2); the message may be empty.
	// Works on one-to-many and, unlike Linux, one-to-one sockets.
	MSG_EOF SendFlags = 512
	// MSG_FIN is pysctp's alias of MSG_EOF.
	MSG_FIN = MSG_EOF
	// MSG_ADDR_OVERRIDE is pysctp's alias of MSG_ADDR_OVER.
	MSG_ADDR_OVERRIDE = MSG_ADDR_OVER

	validSendFlags = MSG_UNORDERED | MSG_ADDR_OVER | MSG_ABORT | MSG_EOF
)

func (f SendFlags) String() string {
	return flagNames(f, []flagName[SendFlags]{{MSG_UNORDERED, "MSG_UNORDERED"}, {MSG_ADDR_OVER, "MSG_ADDR_OVER"}, {MSG_ABORT, "MSG_ABORT"}, {MSG_EOF, "MSG_EOF"}})
}

// flagName names one bit (or bit group) of a flag type.
type flagName[T ~uint16 | ~uint32] struct {
	f T
	s string
}

// flagNames prints f as its named bits joined by "|", then any unnamed
// rest in hex ("0" when f is 0).
func flagNames[T ~uint16 | ~uint32](f T, names []flagName[T]) string {
	if f == 0 {
		return "0"
	}
	var parts []string
	for _, x := range names {
		if f&x.f != 0 {
			parts = append(parts, x.s)
			f &^= x.f
		}
	}
	if f != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(f), 16))
	}
	return strings.Join(parts, "|")
}

// RecvFlags are the flags SCTPRecv returns (msg_flags). Values are
// pysctp's FLAG_EOR and FLAG_NOTIFICATION.
type RecvFlags int

// Receive flags.
const (
	// MSG_EOR: this read ends a message (always set for a complete message
	// or the last piece of one read in several pieces).
	MSG_EOR RecvFlags = 0x80
	// MSG_NOTIFICATION: the item is a notification, not user data.
	MSG_NOTIFICATION RecvFlags = 0x8000
	// FLAG_EOR and FLAG_NOTIFICATION are pysctp's names.
	FLAG_EOR          = MSG_EOR
	FLAG_NOTIFICATION = MSG_NOTIFICATION
)

func (f RecvFlags) String() string {
	var parts []string
	if f&MSG_NOTIFICATION != 0 {
		parts = append(parts, "MSG_NOTIFICATION")
	}
	if f&MSG_EOR != 0 {
		parts = append(parts, "MSG_EOR")
	}
	if rest := f &^ (MSG_NOTIFICATION | MSG_EOR); rest != 0 || len(parts) == 0 {
		parts = append(parts, "0x"+strconv.FormatInt(int64(rest), 16))
	}
	return strings.Join(parts, "|")
}

// Well-known Payload Protocol Identifiers (IANA "SCTP Payload Protocol
// Identifiers"), in host byte order like every PPID in this API.
const (
	PPID_M3UA     uint32 = 3
	PPID_S1AP     uint32 = 18
	PPID_X2AP     uint32 = 27
	PPID_DIAMETER uint32 = 46
	PPID_NGAP     uint32 = 60
	PPID_XNAP     uint32 = 61
	PPID_F1AP     uint32 = 62
)

// SndInfo describes how to send one message (pysctp sctp_send's keyword
// arguments; RFC 6458 sctp_sndinfo plus the destination). The zero value
// sends on stream 0 with PPID 0, ordered, to the only or primary peer.
type SndInfo struct {
	// To is the destination on a one-to-many socket: the peer IP and SCTP
	// port. If no association to it exists, one is set up implicitly
	// (RFC 6458 §4.1.8). On a one-to-one socket it is only used with
	// MSG_ADDR_OVER, to choose one of the peer's addresses.
	To netip.AddrPort
	// AssocID addresses an existing association of a one-to-many socket
	// directly (pysctp could not, its bug B16). It takes precedence over To.
	AssocID AssocID
	// Stream is the outbound stream; it must be below the negotiated
	// number of outbound streams (ErrInvalidStream).
	Stream uint16
	// PPID is the Payload Protocol Identifier in host byte order, full
	// 32-bit range; the stack writes it big-endian on the wire
	// (RFC 9260 §3.3.1). PPID 60 here is NGAP, with no htonl.
	PPID uint32
	// Flags: MSG_UNORDERED, MSG_ADDR_OVER, MSG_ABORT, MSG_EOF.
	Flags SendFlags
	// TTL abandons the message if it is not sent (or, with PR-SCTP,
	// acknowledged) within this time (RFC 3758 timed reliability);
	// 0 = reliable. Full time.Duration range (pysctp capped it, bug B15).
	// Without PR-SCTP only a message none of which was sent yet expires
	// (RFC 6458 sinfo_timetolive).
	TTL time.Duration
	// Context is an opaque value returned in SendFailed.Context if the
	// message cannot be delivered.
	Context uint32
	// PRPolicy and PRValue choose a PR-SCTP policy (RFC 6458 §5.3.7
	// sctp_prinfo, RFC 7496): SCTP_PR_SCTP_TTL (PRValue: lifetime in
	// ms), SCTP_PR_SCTP_RTX (PRValue: at most this many
	// retransmissions; 0 sends once) or SCTP_PR_SCTP_PRIO (PRValue:
	// priority, 0 the highest; when the send buffer is full, queued
	// unsent messages of a lower priority are abandoned to make room).
	// An abandoned message is reported by a SendFailed with
	// ErrMessageAbandoned. A policy needs the peer's PR-SCTP support: to
	// a peer without it the send fails (errors.Is ErrNotSupported).
	// SCTP_PR_SCTP_NONE (0) is reliable (TTL aside).
	PRPolicy PRPolicy
	PRValue  uint32
}

// PRInfo is a PR-SCTP policy and its value (RFC 6458 sctp_prinfo,
// SCTP_DEFAULT_PRINFO).
type PRInfo struct {
	Policy PRPolicy
	Value  uint32
}

// PRStatus is the count of messages abandoned (RFC 7496 §4.3
// sctp_prstatus): Unsent before any of it was transmitted, Sent after.
type PRStatus struct {
	AbandonedUnsent, AbandonedSent uint64
}

// SndRcvInfo describes a received message (pysctp sndrcvinfo; RFC 6458
// sctp_sndrcvinfo). It is always filled for data.
type SndRcvInfo struct {
	Stream  uint16    // inbound stream
	SSN     uint16    // stream sequence number (0 for unordered)
	Flags   SendFlags // MSG_UNORDERED if it was sent unordered
	PPID    uint32    // host byte order (RFC 9260 §3.3.1)
	TSN     uint32    // TSN of the message's first fragment
	AssocID AssocID
}

// Received is one item returned by SCTPRecv: user data with its
// SndRcvInfo, or a notification (pysctp's (fromaddr, flags, msg, notif)).
type Received struct {
	// From is the peer address (IP and SCTP port) the data came from, or
	// that the notification is about.
	From netip.AddrPort
	// Flags: MSG_EOR when Msg ends a message (a message larger than the
	// maxlen passed to SCTPRecv is returned in pieces, only the last with
	// MSG_EOR); MSG_NOTIFICATION when the item is Notification.
	Flags RecvFlags
	// Msg is the data; nil for a notification.
	Msg []byte
	// Info describes the data (zero for a notification).
	Info SndRcvInfo
	// Notification is set iff Flags has MSG_NOTIFICATION: one of the
	// engine event types (AssocChange, PeerAddrChange, SendFailed, ...).
	Notification Event
}

// Addr is the address of an SCTP endpoint over UDP encapsulation: an IP
// address, an SCTP port and the UDP encapsulation port (RFC 6951). It
// implements net.Addr with network "sctp".
type Addr struct {
	// IP and SCTP port.
	netip.AddrPort
	// UDPPort is the UDP encapsulation port of that address
	// (0 = unknown or the default 9899).
	UDPPort uint16
}

// Network returns "sctp".
func (a *Addr) Network() string { return "sctp" }

// String returns "ip:port", or "ip:port/udp:N" when the UDP port is known
// (":port" for the wildcard address). ParseSCTPAddr, ParseAddr, Dial and
// Listen accept every form it prints.
func (a *Addr) String() string {
	if a == nil {
		return "<nil>"
	}
	s := a.AddrPort.String()
	if !a.Addr().IsValid() {
		s = ":" + strconv.Itoa(int(a.Port())) // the wildcard, as ParseSCTPAddr reads it
	}
	if a.UDPPort != 0 {
		s += "/udp:" + strconv.Itoa(int(a.UDPPort))
	}
	return s
}

// DefaultUDPPort is the IANA-registered UDP port for SCTP over UDP
// encapsulation (RFC 6951 §6).
const DefaultUDPPort = 9899

// ParseAddr parses "host:port" where host is an IPv4 or IPv6 literal
// (IPv6 in brackets, with an optional zone) or empty ("" or ":5000"): the
// zero address, which Bind takes as every local address and Connect as
// the local host (as net.Dial and pysctp do). It also accepts the
// "host:port/udp:N" form that Addr.String prints, dropping N; use
// ParseSCTPAddr to keep the UDP port. Names are not resolved here; Dial
// and Listen resolve them.
func ParseAddr(s string) (netip.AddrPort, error) {
	a, err := ParseSCTPAddr(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return a.AddrPort, nil
}

// ParseSCTPAddr parses what Addr.String prints: "host:port" or
// "host:port/udp:N", N being the UDP encapsulation port of that address
// (RFC 6951). host is as for ParseAddr. Every address the package prints
// parses back: ParseSCTPAddr(a.String()) equals a.
func ParseSCTPAddr(s string) (*Addr, error) {
	host, port, udp, err := splitHostPort(s)
	if err != nil {
		return nil, err
	}
	if host == "" {
		return &Addr{AddrPort: netip.AddrPortFrom(netip.Addr{}, port), UDPPort: udp}, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return nil, invalidArg("address %q: host %q is not an IP literal (Dial and Listen resolve names)", s, host)
	}
	return &Addr{AddrPort: netip.AddrPortFrom(ip, port), UDPPort: udp}, nil
}

// localHost is the address an empty or unspecified peer host stands for
// (":5000", "0.0.0.0:5000", "[::]:5000"): the local host, as in net.Dial
// and pysctp. "::" means ::1; the rest 127.0.0.1.
func localHost(ip netip.Addr) netip.Addr {
	if ip.Is6() && !ip.Is4In6() {
		return netip.IPv6Loopback()
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// splitHostPort splits "host:port" or "host:port/udp:N" (the form
// Addr.String prints; N is the UDP encapsulation port, 0 when absent).
func splitHostPort(s string) (host string, port, udp uint16, err error) {
	hp := s
	if i := strings.LastIndex(s, "/udp:"); i >= 0 {
		hp = s[:i]
		n, perr := strconv.ParseUint(s[i+len("/udp:"):], 10, 16)
		if perr != nil || n == 0 {
			return "", 0, 0, invalidArg("address %q: UDP port after /udp: is not a number 1..65535", s)
		}
		udp = uint16(n)
	}
	i := strings.LastIndexByte(hp, ':')
	if i < 0 {
		return "", 0, 0, invalidArg("address %q: missing port (want HOST:PORT, IPv6 as [::1]:PORT)", s)
	}
	host, ps := hp[:i], hp[i+1:]
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return "", 0, 0, invalidArg("address %q: missing ] after the IPv6 literal", s)
		}
		host = host[1 : len(host)-1]
	} else if strings.IndexByte(host, ':') >= 0 {
		return "", 0, 0, invalidArg("address %q: IPv6 literal needs brackets ([%s]:PORT)", s, host)
	}
	p, perr := strconv.ParseUint(ps, 10, 16)
	if perr != nil {
		return "", 0, 0, invalidArg("address %q: port %q is not a number 0..65535", s, ps)
	}
	return host, uint16(p), udp, nil
}

// StackStats are the counters of a Stack (Stack.Stats), cumulative since
// it was created. Each datagram that did not reach an association is
// counted once, under the reason it was dropped for; AssocStats (Conn.Stats)
// has the counters of one association.
type StackStats struct {
	DatagramsIn uint64 // datagrams received

	// Datagrams dropped before reaching an association, by reason.
	DroppedShort       uint64 // shorter than the common header (RFC 9260 §3.1)
	DroppedBadChecksum uint64 // CRC32c mismatch (§6.8)
	DroppedMalformed   uint64 // other header, bundling or chunk errors
	DroppedUnknownPort uint64 // out of the blue to an SCTP port with no listener or association
	DroppedOOTB        uint64 // other out-of-the-blue packets (§8.4), discarded or answered
	// DroppedBadVtag counts packets an association discarded for a wrong
	// verification tag (§8.5), over all associations so far.
	DroppedBadVtag uint64

	OOTBReplies     uint64 // ABORT / SHUTDOWN COMPLETE sent for OOTB packets (§8.4)
	InitAcksSent    uint64 // INIT ACKs sent statelessly by listening ports (§5.1.3)
	CookiesRejected uint64 // bad, forged or mismatching State Cookies
	StaleCookies    uint64 // State Cookies past their lifetime (§5.1.5)
	RepliesDropped  uint64 // stateless replies dropped: their queue was full
	// CookiesDeferred counts valid COOKIE ECHOs discarded because the
	// listener's accept queue (its backlog) was full: the client's
	// retransmission gets in once Accept has made room.
	CookiesDeferred uint64
	// UnrecognizedNotReported counts unrecognized INIT parameters the INIT
	// ACK could not report within the packet size.
	UnrecognizedNotReported uint64

	// EventsDropped counts events (RemoteError, PeerAddrChange, ...)
	// discarded because their association's queue of unread messages and
	// events was full; state changes are never dropped. AssocStats has
	// the same count per association.
	EventsDropped uint64
	// RemoteErrorsDropped counts RemoteError events discarded because a
	// flood of ERROR chunks filled the stack's internal event queue.
	RemoteErrorsDropped uint64

	ReadErrors   uint64 // socket read errors (not counting Close)
	WriteErrors  uint64 // datagrams the socket refused
	Associations int    // open associations
	// AssociationsTotal counts the associations created so far (connected
	// or accepted).
	AssociationsTotal uint64

	// ICMPIn counts the ICMP errors about our datagrams that the OS
	// reported (Linux: IP_RECVERR; see doc.go for other systems);
	// ICMPIgnored those not acted on: not tied to an association by the
	// quoted verification tag, stale, or of a kind left alone (RFC 9260
	// Appendix C).
	ICMPIn, ICMPIgnored uint64

	// Socket holds the UDP socket's counters (batching, GSO/GRO,
	// truncated datagrams).
	Socket udpencap.Stats
}

// ---- socket option values (RFC 6458 §8; the getters and setters are in socket_opts.go) ----

// InitMsg holds the parameters used for new associations' INIT
// (SCTP_INITMSG, RFC 6458 §8.1.3; pysctp initparams / initmsg). In
// SetInitMsg a zero field means "leave unchanged".
type InitMsg struct {
	// NumOstreams is the number of outbound streams requested in INIT
	// (0: the default, 16). The negotiated count is min(this, peer's MIS).
	NumOstreams uint16
	// MaxInstreams is the most inbound streams accepted (0: 16).
	MaxInstreams uint16
	// MaxAttempts is Max.Init.Retransmits (RFC 9260 §16; 0: 8).
	MaxAttempts uint16
	// MaxInitTimeo is kept and reported for compatibility (a
	// time.Duration: no unit confusion, pysctp bug B5), but has no
	// separate effect: the engine caps the T1-init backoff with RTO.Max
	// (RFC 9260 §6.3.3 E2), which SetRTOInfo sets.
	MaxInitTimeo time.Duration
}

// RTOInfo holds the retransmission timeout bounds (SCTP_RTOINFO,
// RFC 6458 §8.1.1; RFC 9260 §15 RTO.Initial 1 s, RTO.Min 1 s, RTO.Max
// 60 s; usctp's default RTO.Min is 200 ms). In setters a zero field means
// "leave unchanged".
type RTOInfo struct {
	Initial time.Duration
	Max     time.Duration
	Min     time.Duration
	// MaxBackoff bounds the exponential backoff of the retransmission
	// timers (T3-rtx, T1-init, T1-cookie, T2-shutdown, ASCONF, RE-CONFIG;
	// RFC 9260 §6.3.3 E2) and of a path's RTO after an unanswered
	// HEARTBEAT (§8.3) below Max: a timer that expires
	// waits at most MaxBackoff the next time, while an RTO computed from
	// the measured RTT may still exceed it. Not in RFC 6458: WebRTC sets
	// the same bound in dcsctp (max_timer_backoff_duration) to 3 s, so
	// that a data channel recovers from a burst of loss within seconds,
	// not after the minute RFC 9260's doubling up to RTO.Max can take.
	// Unset (the default), or at least Max: RFC 9260's doubling up to
	// Max. It must not be below Min. A short MaxBackoff also shortens
	// the time until Association.Max.Retrans or Path.Max.Retrans
	// expiries end the association or fail a path over.
	MaxBackoff time.Duration
}

// AssocParams holds association parameters (SCTP_ASSOCINFO, RFC 6458
// §8.1.2; pysctp assocparams).
type AssocParams struct {
	// AssocMaxRxt is Association.Max.Retrans (default 10). Settable.
	AssocMaxRxt uint16
	// NumberPeerDestinations is the number of peer addresses (read-only).
	NumberPeerDestinations uint16
	// PeerRwnd is the peer's current receive window (read-only).
	PeerRwnd uint32
	// LocalRwnd is our advertised receive window (read-only).
	LocalRwnd uint32
	// CookieLife is Valid.Cookie.Life (default 60 s). Settable.
	CookieLife time.Duration
}

// PaddrFlags enable or disable per-path features in PaddrParams
// (spp_flags, RFC 6458 §8.1.12). Unlike pysctp standard builds (bug B6)
// these are real, non-zero values.
type PaddrFlags uint32

func (f PaddrFlags) String() string {
	return flagNames(f, []flagName[PaddrFlags]{{SPP_HB_ENABLE, "SPP_HB_ENABLE"}, {SPP_HB_DISABLE, "SPP_HB_DISABLE"}, {SPP_HB_DEMAND, "SPP_HB_DEMAND"},
		{SPP_PMTUD_ENABLE, "SPP_PMTUD_ENABLE"}, {SPP_PMTUD_DISABLE, "SPP_PMTUD_DISABLE"},
		{SPP_SACKDELAY_ENABLE, "SPP_SACKDELAY_ENABLE"}, {SPP_SACKDELAY_DISABLE, "SPP_SACKDELAY_DISABLE"}})
}

// Peer address parameter flags (Linux values).
const (
	SPP_HB_ENABLE         PaddrFlags = 1 << 0
	SPP_HB_DISABLE        PaddrFlags = 1 << 1
	SPP_HB_DEMAND         PaddrFlags = 1 << 2
	SPP_PMTUD_ENABLE      PaddrFlags = 1 << 3
	SPP_PMTUD_DISABLE     PaddrFlags = 1 << 4
	SPP_SACKDELAY_ENABLE  PaddrFlags = 1 << 5
	SPP_SACKDELAY_DISABLE PaddrFlags = 1 << 6
)

// PaddrParams holds per-path parameters (SCTP_PEER_ADDR_PARAMS,
// RFC 6458 §8.1.12; pysctp paddrparams). A zero Addr addresses every path
// of the association (and, with association 0 on a one-to-many socket,
// the defaults for new associations). In setters zero means "unchanged".
type PaddrParams struct {
	Addr       netip.AddrPort
	HBInterval time.Duration // HB.interval (default 30 s)
	PathMaxRxt uint16        // Path.Max.Retrans (default 5)
	// PathMTU is the path MTU in bytes: the size of the IP packet
	// (StackConfig.MTU, 1500 unless set; settable for new associations).
	// The SCTP packet inside is PaddrInfo.MTU = PathMTU − 48: the IPv6
	// header (40 bytes, counted for both families so one size fits either)
	// and the UDP header (8, RFC 6951). Setting it fixes the path MTU
	// (RFC 6458: spp_pathmtu applies with SPP_PMTUD_DISABLE). With
	// SPP_PMTUD_ENABLE (StackConfig.PathMTUDiscovery) it is RFC 8899
	// PLPMTUD's ceiling and PaddrInfo.MTU the size found per path.
	PathMTU   uint32
	SackDelay time.Duration // delayed SACK timer (default 200 ms)
	Flags     PaddrFlags
}

// PaddrState is the state of one path (spinfo_state, RFC 6458 §8.2.2).
type PaddrState int32

// Path states (Linux values; pysctp had only INACTIVE and ACTIVE).
const (
	SCTP_INACTIVE    PaddrState = 0
	SCTP_PF          PaddrState = 1 // potentially failed
	SCTP_ACTIVE      PaddrState = 2
	SCTP_UNCONFIRMED PaddrState = 3
)

func (s PaddrState) String() string {
	switch s {
	case SCTP_INACTIVE:
		return "SCTP_INACTIVE"
	case SCTP_PF:
		return "SCTP_PF"
	case SCTP_ACTIVE:
		return "SCTP_ACTIVE"
	case SCTP_UNCONFIRMED:
		return "SCTP_UNCONFIRMED"
	}
	return "PaddrState(?)"
}

// PaddrInfo describes one path (SCTP_GET_PEER_ADDR_INFO, RFC 6458
// §8.2.2; pysctp paddrinfo). Read-only.
type PaddrInfo struct {
	Addr    netip.AddrPort
	UDPPort uint16 // remote UDP encapsulation port of the path (RFC 6951 §5.4)
	State   PaddrState
	Cwnd    uint32
	SRTT    time.Duration
	RTO     time.Duration
	MTU     uint32 // SCTP packet size on this path: PaddrParams.PathMTU − 48 (IPv6 header 40, UDP 8); with PLPMTUD the path's PLPMTU
	// PMTUD is the path's RFC 8899 PLPMTUD state ("" when off: BASE,
	// SEARCHING, SEARCH_COMPLETE, ERROR); PMTUProbes and PMTUProbesAcked
	// count its probes, PMTUBlackHoles the black holes it detected.
	PMTUD                                       string
	PMTUProbes, PMTUProbesAcked, PMTUBlackHoles uint64
}

// AssocState is an association's state as reported by Status
// (sstat_state, RFC 9260 §4 plus the socket-level CLOSED/BOUND/LISTEN).
type AssocState int32

// Association states. Unlike pysctp standard builds (bug B6) BOUND and
// LISTEN have real values.
const (
	SCTP_EMPTY             AssocState = 0
	SCTP_CLOSED            AssocState = 1
	SCTP_COOKIE_WAIT       AssocState = 2
	SCTP_COOKIE_ECHOED     AssocState = 3
	SCTP_ESTABLISHED       AssocState = 4
	SCTP_SHUTDOWN_PENDING  AssocState = 5
	SCTP_SHUTDOWN_SENT     AssocState = 6
	SCTP_SHUTDOWN_RECEIVED AssocState = 7
	SCTP_SHUTDOWN_ACK_SENT AssocState = 8
	SCTP_BOUND             AssocState = 9
	SCTP_LISTEN            AssocState = 10
)

func (s AssocState) String() string {
	names := [...]string{"SCTP_EMPTY", "SCTP_CLOSED", "SCTP_COOKIE_WAIT", "SCTP_COOKIE_ECHOED",
		"SCTP_ESTABLISHED", "SCTP_SHUTDOWN_PENDING", "SCTP_SHUTDOWN_SENT",
		"SCTP_SHUTDOWN_RECEIVED", "SCTP_SHUTDOWN_ACK_SENT", "SCTP_BOUND", "SCTP_LISTEN"}
	if s >= 0 && int(s) < len(names) {
		return names[s]
	}
	return "AssocState(?)"
}

// Status describes an association (SCTP_STATUS, RFC 6458 §8.2.1; pysctp
// status). Read-only.
type Status struct {
	AssocID    AssocID
	State      AssocState
	Rwnd       uint32 // peer's receive window
	UnackData  int    // DATA chunks sent and not yet acknowledged
	PendData   int    // DATA chunks waiting to be sent
	InStreams  uint16 // negotiated inbound streams
	OutStreams uint16 // negotiated outbound streams
	// FragmentationPoint is the largest DATA payload per packet in effect
	// (the SCTP packet size less the common and DATA chunk headers,
	// rounded down to 4; Socket.Maxseg lowers it when set).
	FragmentationPoint uint32
	Primary            PaddrInfo
	// IData reports that the association uses I-DATA (RFC 8260 §2.2:
	// both sides enabled it; see Socket.SetInterleavingSupported).
	IData bool
}
