package sctp

import (
	"net/netip"
	"time"
)

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
// 60 s). In setters a zero field means "leave unchanged".
type RTOInfo struct {
	Initial time.Duration
	Max     time.Duration
	Min     time.Duration
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
	PathMTU    uint32        // fixed path MTU in bytes when PMTUD is disabled
	SackDelay  time.Duration // delayed SACK timer (default 200 ms)
	Flags      PaddrFlags
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
	MTU     uint32 // SCTP packet size on this path: path MTU − IP − UDP header
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
	AssocID            AssocID
	State              AssocState
	Rwnd               uint32 // peer's receive window
	UnackData          int    // DATA chunks sent and not yet acknowledged
	PendData           int    // DATA chunks waiting to be sent
	InStreams          uint16 // negotiated inbound streams
	OutStreams         uint16 // negotiated outbound streams
	FragmentationPoint uint32 // largest DATA payload per packet
	Primary            PaddrInfo
}
