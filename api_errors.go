package sctp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"unicode/utf8"

	"github.com/usctp/sctp/chunk"
)

// Errors returned by the socket API (Socket, SocketTCP, SocketUDP, Conn,
// Listener), beside the engine's ErrClosed, ErrAborted, ErrShuttingDown,
// ErrAssociationFailed, ErrPortInUse and ErrInvalidArgument. Every error
// the API returns can be tested with errors.Is against one of these
// sentinels, or against os.ErrDeadlineExceeded (deadline passed),
// context.Canceled / context.DeadlineExceeded (context ended),
// io.ErrShortBuffer (Conn.Read buffer too small) and net.ErrClosed (use of
// a closed socket) where noted.
var (
	// ErrWrongStyle is returned by a call that does not exist for the
	// socket's style: Accept on a one-to-many socket, Peeloff or Autoclose
	// on a one-to-one socket, MSG_EOF/MSG_ABORT used on a one-to-one
	// socket's SCTPSend (RFC 6458 §3.1 / §4.1 styles).
	ErrWrongStyle = errors.New("sctp: operation not valid for this socket style")

	// ErrMixedPorts is returned by Bindx when the addresses do not all carry
	// the socket's SCTP port (an SCTP endpoint has exactly one port,
	// RFC 9260 §2.3 / RFC 6458 §9.1).
	ErrMixedPorts = errors.New("sctp: bindx addresses must all use the same port")

	// ErrAlreadyBound is returned by Bind on a socket that is already bound
	// (use Bindx to add addresses).
	ErrAlreadyBound = errors.New("sctp: socket already bound")

	// ErrNotConnected is returned by a send or receive on a one-to-one
	// socket that has no association, and by calls naming an association
	// id (or peer address) that the socket does not have.
	ErrNotConnected = errors.New("sctp: no such association")

	// ErrAlreadyConnected is returned by Connect on a one-to-one socket that
	// already has an association, or by Listen on a connected one.
	ErrAlreadyConnected = errors.New("sctp: socket already connected")

	// ErrEmptyMessage is returned by SCTPSend for an empty message without
	// MSG_EOF or MSG_ABORT (RFC 9260 §6.2: DATA carries at least one byte).
	ErrEmptyMessage = errors.New("sctp: empty message")

	// ErrMessageTooLarge is returned by a send whose message exceeds the
	// configured maximum message size. Nothing of the message is sent.
	ErrMessageTooLarge = errors.New("sctp: message too large")

	// ErrInvalidStream is returned by a send on a stream number not below
	// the negotiated number of outbound streams. Nothing is sent.
	ErrInvalidStream = errors.New("sctp: invalid stream")

	// ErrConnectFailed is matched when an association could not be
	// established: the INIT or COOKIE ECHO was retransmitted
	// Max.Init.Retransmits times without an answer (RFC 9260 §5.1 / §6.3.3;
	// the error then also matches ErrAssociationFailed and is a net.Error
	// whose Timeout reports true) or the peer refused it with an ABORT
	// (it then also matches ErrAborted).
	ErrConnectFailed = errors.New("sctp: association setup failed")

	// ErrNotSupported is returned for options and operations this
	// userspace stack over UDP does not implement (for example a
	// dynamic address change, RFC 5061, which single-homed UDP
	// encapsulation does not use). The message names the option.
	ErrNotSupported = errors.New("sctp: not supported")
)

// AbortError describes an association that ended with an ABORT chunk
// (RFC 9260 §9.1). It matches ErrAborted with errors.Is.
type AbortError struct {
	// ByPeer is true when the peer sent the ABORT, false when it was
	// sent locally (user request, protocol violation, ...).
	ByPeer bool
	// Cause is the first error cause code carried in the ABORT
	// (RFC 9260 §3.3.10), 0 when there was none.
	Cause uint16
	// Causes are all error causes of the ABORT chunk, raw TLVs.
	Causes []byte
	// Reason is a human-readable reason: the user-initiated abort reason
	// (cause 12) when there is one.
	Reason string
}

func (e *AbortError) Error() string {
	who := "locally"
	if e.ByPeer {
		who = "by peer"
	}
	s := "sctp: association aborted " + who
	if e.Cause != 0 {
		s += fmt.Sprintf(" (cause %d)", e.Cause)
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Is reports whether target is ErrAborted.
func (e *AbortError) Is(target error) bool { return target == ErrAborted }

// ShortBufferError is returned by Conn.Read and Conn.ReadMsg when the next
// message does not fit in the caller's buffer. The message is kept: the
// next read with a buffer of at least Need bytes returns it whole.
// It matches io.ErrShortBuffer with errors.Is.
type ShortBufferError struct {
	Need int // size of the waiting message in bytes
	Have int // size of the buffer that was passed
}

func (e *ShortBufferError) Error() string {
	return fmt.Sprintf("sctp: buffer of %d bytes too small for a %d-byte message (message kept)", e.Have, e.Need)
}

// Is reports whether target is io.ErrShortBuffer.
func (e *ShortBufferError) Is(target error) bool { return target == io.ErrShortBuffer }

// closedError is returned by calls on a socket, connection, listener or
// stack closed locally. It matches both net.ErrClosed (what code written
// for the net package checks) and the engine's ErrClosed.
type closedError struct{}

func (closedError) Error() string { return "sctp: use of closed socket" }
func (closedError) Is(target error) bool {
	return target == net.ErrClosed || target == ErrClosed
}

// errSocketClosed is the error of any call on a closed socket.
var errSocketClosed error = closedError{}

// timeoutError is the error of a blocking call whose deadline (set with
// SetDeadline / SetReadDeadline / SetWriteDeadline) passed. It matches
// os.ErrDeadlineExceeded and is a net.Error with Timeout() true.
type timeoutError struct{}

func (timeoutError) Error() string        { return "sctp: i/o timeout" }
func (timeoutError) Timeout() bool        { return true }
func (timeoutError) Temporary() bool      { return true }
func (timeoutError) Is(target error) bool { return target == os.ErrDeadlineExceeded }

// errDeadline is the single timeoutError value returned on deadline expiry.
var errDeadline error = timeoutError{}

// connectError is returned when association setup fails. It matches
// ErrConnectFailed and, when the peer was silent, is a timeout.
type connectError struct {
	silent bool  // no answer at all (INIT retries exhausted)
	cause  error // e.g. *AbortError when the peer answered with ABORT
}

func (e *connectError) Error() string {
	if e.silent {
		return "sctp: association setup failed: no answer from peer after all INIT retransmissions (RFC 9260 §5.1, Max.Init.Retransmits)"
	}
	if e.cause != nil {
		return "sctp: association setup failed: " + e.cause.Error()
	}
	return "sctp: association setup failed"
}

func (e *connectError) Is(target error) bool { return target == ErrConnectFailed }
func (e *connectError) Unwrap() error        { return e.cause }

// Timeout reports whether the setup failed because the peer never answered.
func (e *connectError) Timeout() bool { return e.silent }

// Temporary is false: retrying the same setup needs a new Connect.
func (e *connectError) Temporary() bool { return false }

// invalidArg wraps ErrInvalidArgument with the name of the argument.
func invalidArg(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}

// opError wraps err in a *net.OpError the way the net package does, so
// callers can read Op, Net, Source and Addr; errors.Is still reaches err.
func opError(op string, src, dst net.Addr, err error) error {
	if err == nil {
		return nil
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return err
	}
	return &net.OpError{Op: op, Net: "sctp", Source: src, Addr: dst, Err: err}
}

// abortErrorFrom builds the *AbortError for an association that ended
// with an ABORT carrying causes (raw TLVs, RFC 9260 §3.3.10) received from
// the peer; base is the engine's error (ErrAborted), kept reachable.
func abortErrorFrom(causes []byte, base error) error {
	ae := &AbortError{ByPeer: true, Causes: causes}
	it := chunk.NewCauseIter(causes)
	for first := true; it.Next(); first = false {
		c := it.Cause()
		if first {
			ae.Cause = uint16(c.Code)
		}
		if c.Code == chunk.CauseUserInitiatedAbort && ae.Reason == "" {
			ae.Reason = printable(c.Info)
		}
	}
	if base == nil || errors.Is(base, ErrAborted) {
		return ae
	}
	return fmt.Errorf("%w: %w", base, ae)
}

// printable returns b as a string with non-printable bytes replaced, for
// a peer-supplied abort reason (untrusted input, bounded to 256 bytes).
func printable(b []byte) string {
	if len(b) > 256 {
		b = b[:256]
	}
	out := make([]rune, 0, len(b))
	for _, r := range string(b) {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}

// isSilentFailure reports whether an association setup failed because the
// peer never answered (the engine's ErrAssociationFailed without an
// ABORT), as opposed to being refused.
func isSilentFailure(err error) bool {
	return errors.Is(err, ErrAssociationFailed) && !errors.Is(err, ErrAborted)
}

// mapEngineErr turns the data path's internal errors into the API's
// exported sentinels (keeping the engine text).
func mapEngineErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errMessageTooLarge):
		return fmt.Errorf("%w: %w", ErrMessageTooLarge, err)
	case errors.Is(err, errInvalidStream):
		return fmt.Errorf("%w: %w", ErrInvalidStream, err)
	}
	return err
}
