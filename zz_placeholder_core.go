package sctp

import "errors"

// PLACEHOLDERS for names the engine (branch core) defines; this file is
// deleted when core is merged.

// AssocID identifies an association.
type AssocID uint32

var (
	ErrClosed            = errors.New("sctp: association closed")
	ErrAborted           = errors.New("sctp: association aborted")
	ErrShuttingDown      = errors.New("sctp: association is shutting down")
	ErrAssociationFailed = errors.New("sctp: association failed (peer unreachable)")
	ErrInvalidArgument   = errors.New("sctp: invalid argument")
)

// Event is a notification produced by the engine.
type Event interface {
	Assoc() AssocID
	String() string
}
