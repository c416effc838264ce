package sctp

import (
	"fmt"
	"net/netip"

	"github.com/usctp/sctp/chunk"
)

// AssocID identifies one association of an endpoint. IDs are never 0 and
// are not reused within one endpoint.
type AssocID uint32

// Event is a notification produced by the engine for the user (RFC 6458
// §6.1 notifications). Every event names the association it concerns.
type Event interface {
	Assoc() AssocID
	String() string
}

// AssocChangeState is the kind of an AssocChange event (RFC 6458 §6.1.1).
type AssocChangeState uint8

// Association change kinds (RFC 6458 §6.1.1 sac_state).
const (
	CommUp AssocChangeState = iota + 1
	CommLost
	Restart
	ShutdownComp
	CantStartAssoc
)

func (s AssocChangeState) String() string {
	switch s {
	case CommUp:
		return "COMM_UP"
	case CommLost:
		return "COMM_LOST"
	case Restart:
		return "RESTART"
	case ShutdownComp:
		return "SHUTDOWN_COMP"
	case CantStartAssoc:
		return "CANT_STR_ASSOC"
	}
	return fmt.Sprintf("AssocChangeState(%d)", uint8(s))
}

// AssocChange reports an association coming up, going down or restarting
// (SCTP_ASSOC_CHANGE). OutStreams and InStreams are the negotiated stream
// counts. Err is the reason for CommLost / CantStartAssoc (ErrAborted,
// ErrAssociationFailed, ...) and Causes the raw error causes of a received
// ABORT, if any.
type AssocChange struct {
	ID                    AssocID
	State                 AssocChangeState
	OutStreams, InStreams uint16
	Err                   error
	Causes                []byte
}

// Assoc implements Event.
func (e AssocChange) Assoc() AssocID { return e.ID }

func (e AssocChange) String() string {
	s := fmt.Sprintf("assoc %d: %v streams out=%d in=%d", e.ID, e.State, e.OutStreams, e.InStreams)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// PeerAddrState is the kind of a PeerAddrChange event (RFC 6458 §6.1.2).
type PeerAddrState uint8

// Peer address change kinds (RFC 6458 §6.1.2 spc_state).
const (
	AddrAvailable PeerAddrState = iota + 1
	AddrUnreachable
	AddrRemoved
	AddrAdded
	AddrMadePrimary
	AddrConfirmed
	// AddrPotentiallyFailed: the path's error counter exceeded the PF
	// threshold (RFC 7829 §5.1, §7.1 SCTP_ADDR_POTENTIALLY_FAILED); DATA
	// moved to an alternate path. AddrAvailable follows when it answers.
	AddrPotentiallyFailed
)

func (s PeerAddrState) String() string {
	switch s {
	case AddrAvailable:
		return "ADDR_AVAILABLE"
	case AddrUnreachable:
		return "ADDR_UNREACHABLE"
	case AddrRemoved:
		return "ADDR_REMOVED"
	case AddrAdded:
		return "ADDR_ADDED"
	case AddrMadePrimary:
		return "ADDR_MADE_PRIM"
	case AddrConfirmed:
		return "ADDR_CONFIRMED"
	case AddrPotentiallyFailed:
		return "ADDR_POTENTIALLY_FAILED"
	}
	return fmt.Sprintf("PeerAddrState(%d)", uint8(s))
}

// PeerAddrChange reports a change of one peer path (SCTP_PEER_ADDR_CHANGE).
// Addr is the peer IP with its remote UDP encapsulation port; Port is the
// peer's SCTP port. String prints the path as Addr.String does,
// IP:SCTPPORT/udp:N.
type PeerAddrChange struct {
	ID    AssocID
	Addr  netip.AddrPort
	State PeerAddrState
	Port  uint16
}

// Assoc implements Event.
func (e PeerAddrChange) Assoc() AssocID { return e.ID }

func (e PeerAddrChange) String() string {
	return fmt.Sprintf("assoc %d: peer %v %v", e.ID, &Addr{AddrPort: netip.AddrPortFrom(e.Addr.Addr(), e.Port), UDPPort: e.Addr.Port()}, e.State)
}

// SendFailed reports a user message that could not be delivered
// (SCTP_SEND_FAILED_EVENT, RFC 6458 §6.1.11). Unsent is true if no part of
// it was ever transmitted (SCTP_DATA_UNSENT); false means some of it was
// sent but not acknowledged, so it may or may not have reached the peer
// (SCTP_DATA_SENT). Err says why: ErrMessageAbandoned (PR-SCTP lifetime),
// the association's close reason (ErrAborted, ErrAssociationFailed, ...)
// or ErrPeerRestarted. Data is the whole
// message: handed over by the engine without a copy when the association
// closed or restarted, a copy for PR-SCTP abandonment (whose buffer may
// still be referenced by chunks awaiting a FORWARD TSN). The events of a closing
// association come right after its AssocChange (as on Linux).
type SendFailed struct {
	ID      AssocID
	Stream  uint16
	PPID    uint32
	Context uint32
	Unsent  bool
	Data    []byte
	Err     error
}

// Assoc implements Event.
func (e SendFailed) Assoc() AssocID { return e.ID }

func (e SendFailed) String() string {
	return fmt.Sprintf("assoc %d: send failed stream=%d ppid=%d len=%d: %v", e.ID, e.Stream, e.PPID, len(e.Data), e.Err)
}

// RemoteError reports one error cause received from the peer in an ERROR
// chunk (SCTP_REMOTE_ERROR).
type RemoteError struct {
	ID   AssocID
	Code chunk.CauseCode
	Info []byte
}

// Assoc implements Event.
func (e RemoteError) Assoc() AssocID { return e.ID }

func (e RemoteError) String() string {
	return fmt.Sprintf("assoc %d: remote error cause %d (%d bytes)", e.ID, e.Code, len(e.Info))
}

// ShutdownEvent reports that the peer sent SHUTDOWN: it will send no more
// data (SCTP_SHUTDOWN_EVENT).
type ShutdownEvent struct{ ID AssocID }

// Assoc implements Event.
func (e ShutdownEvent) Assoc() AssocID { return e.ID }

func (e ShutdownEvent) String() string { return fmt.Sprintf("assoc %d: peer shutdown", e.ID) }

// PartialDelivery reports that a partially delivered message was aborted
// (SCTP_PARTIAL_DELIVERY_EVENT, SCTP_PARTIAL_DELIVERY_ABORTED).
type PartialDelivery struct {
	ID     AssocID
	Stream uint16
	Seq    uint32
}

// Assoc implements Event.
func (e PartialDelivery) Assoc() AssocID { return e.ID }

func (e PartialDelivery) String() string {
	return fmt.Sprintf("assoc %d: partial delivery aborted stream=%d seq=%d", e.ID, e.Stream, e.Seq)
}

// AdaptationIndication carries the peer's Adaptation Layer Indication
// (RFC 5061 §4.2.5, SCTP_ADAPTATION_INDICATION).
type AdaptationIndication struct {
	ID         AssocID
	Indication uint32
}

// Assoc implements Event.
func (e AdaptationIndication) Assoc() AssocID { return e.ID }

func (e AdaptationIndication) String() string {
	return fmt.Sprintf("assoc %d: adaptation indication %#x", e.ID, e.Indication)
}

// SenderDry reports that all user data has been sent and acknowledged
// (SCTP_SENDER_DRY_EVENT).
type SenderDry struct{ ID AssocID }

// Assoc implements Event.
func (e SenderDry) Assoc() AssocID { return e.ID }

func (e SenderDry) String() string { return fmt.Sprintf("assoc %d: sender dry", e.ID) }

// accepted is the engine's signal to the runtime of a new association on
// a listening port, created by a valid COOKIE ECHO; it is queued right
// before the association's CommUp. It never reaches the user.
type accepted struct {
	ID        AssocID
	LocalPort uint16
	Peer      netip.AddrPort // peer address and remote UDP encapsulation port
	PeerPort  uint16         // peer SCTP port
	assoc     *association
}

// Assoc implements Event.
func (e accepted) Assoc() AssocID { return e.ID }

func (e accepted) String() string {
	return fmt.Sprintf("assoc %d: accepted on port %d from %v port %d", e.ID, e.LocalPort, e.Peer, e.PeerPort)
}

// association returns the accepted association (for the runtime endpoint).
func (e accepted) association() *association { return e.assoc }

// Flags of the StreamReset, AssocReset and StreamChange events (RFC 6525
// §6.1.1–§6.1.3: strreset_flags, assocreset_flags, strchange_flags).
const (
	SCTP_STREAM_RESET_INCOMING_SSN uint16 = 0x0001 // our incoming streams were reset
	SCTP_STREAM_RESET_OUTGOING_SSN uint16 = 0x0002 // our outgoing streams were reset
	SCTP_STREAM_RESET_DENIED       uint16 = 0x0004 // the peer denied the request
	SCTP_STREAM_RESET_FAILED       uint16 = 0x0008 // the request failed (error result)
	SCTP_ASSOC_RESET_DENIED        uint16 = 0x0004
	SCTP_ASSOC_RESET_FAILED        uint16 = 0x0008
	SCTP_STREAM_CHANGE_DENIED      uint16 = 0x0004
	SCTP_STREAM_CHANGE_FAILED      uint16 = 0x0008
)

// StreamReset reports a stream reset (SCTP_STREAM_RESET_EVENT, RFC 6525
// §6.1.1): SCTP_STREAM_RESET_INCOMING_SSN when the peer reset its
// outgoing streams (the next message on each arrives with SSN 0),
// SCTP_STREAM_RESET_OUTGOING_SSN when a reset of ours was performed, with
// SCTP_STREAM_RESET_DENIED or SCTP_STREAM_RESET_FAILED when it was not.
// Streams nil means all streams.
type StreamReset struct {
	ID      AssocID
	Flags   uint16
	Streams []uint16
}

// Assoc implements Event.
func (e StreamReset) Assoc() AssocID { return e.ID }

func (e StreamReset) String() string {
	return fmt.Sprintf("assoc %d: stream reset flags=%#x streams=%v", e.ID, e.Flags, e.Streams)
}

// AssocReset reports an SSN/TSN reset (SCTP_ASSOC_RESET_EVENT, RFC 6525
// §6.1.2): every SSN restarts at 0, and LocalTSN and RemoteTSN are the
// next TSNs of each side; Flags has SCTP_ASSOC_RESET_DENIED or
// SCTP_ASSOC_RESET_FAILED when our request was not performed.
type AssocReset struct {
	ID                  AssocID
	Flags               uint16
	LocalTSN, RemoteTSN uint32
}

// Assoc implements Event.
func (e AssocReset) Assoc() AssocID { return e.ID }

func (e AssocReset) String() string {
	return fmt.Sprintf("assoc %d: assoc reset flags=%#x local tsn=%d remote tsn=%d", e.ID, e.Flags, e.LocalTSN, e.RemoteTSN)
}

// StreamChange reports new stream counts after streams were added
// (SCTP_STREAM_CHANGE_EVENT, RFC 6525 §6.1.3), or with
// SCTP_STREAM_CHANGE_DENIED / SCTP_STREAM_CHANGE_FAILED the counts left
// unchanged by a refused request of ours.
type StreamChange struct {
	ID                    AssocID
	Flags                 uint16
	InStreams, OutStreams uint16
}

// Assoc implements Event.
func (e StreamChange) Assoc() AssocID { return e.ID }

func (e StreamChange) String() string {
	return fmt.Sprintf("assoc %d: stream change flags=%#x in=%d out=%d", e.ID, e.Flags, e.InStreams, e.OutStreams)
}
