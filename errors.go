package sctp

import "errors"

// Package-level errors returned by the association and endpoint. Each is
// errors.Is-able; wrapped variants add detail.
var (
	// ErrClosed is returned for operations on an association that has
	// reached the CLOSED state (after a graceful shutdown or an abort).
	ErrClosed = errors.New("sctp: association closed")
	// ErrAborted is returned when the association was aborted, by the
	// peer or locally (RFC 9260 §9.1).
	ErrAborted = errors.New("sctp: association aborted")
	// ErrShuttingDown is returned by send once a graceful shutdown has
	// begun (RFC 9260 §9.2: no new data is accepted).
	ErrShuttingDown = errors.New("sctp: association is shutting down")
	// ErrNotEstablished is returned by send before the handshake has
	// completed.
	ErrNotEstablished = errors.New("sctp: association not established")
	// ErrAssociationFailed reports that the peer became unreachable:
	// Association.Max.Retrans or Max.Init.Retransmits was exceeded
	// (RFC 9260 §8.1, §5.1).
	ErrAssociationFailed = errors.New("sctp: association failed (peer unreachable)")
	// ErrMessageAbandoned is the Err of a SendFailed event for a message
	// given up under PR-SCTP (RFC 3758): its lifetime expired.
	ErrMessageAbandoned = errors.New("sctp: message abandoned (PR-SCTP)")
	// ErrPeerRestarted is the Err of a SendFailed event for a message
	// lost because the peer restarted the association (RFC 9260 §5.2.4).
	ErrPeerRestarted = errors.New("sctp: peer restarted the association")
	// ErrPortInUse is returned by listen and connect when the local SCTP
	// port (and, for connect, the same peer) is already taken.
	ErrPortInUse = errors.New("sctp: port already in use")
	// ErrInvalidArgument reports bad API input (zero port, bad config, ...).
	ErrInvalidArgument = errors.New("sctp: invalid argument")
)
