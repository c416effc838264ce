package sctp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"unicode/utf8"

	"github.com/usctp/sctp/chunk"
)

// This file holds every error of the package: the exported sentinels and
// error types a user matches with errors.Is / errors.As, and the internal
// sentinels of the wire, engine and runtime layers, which the API does not
// return (errEndpointClosed aside, see below).

// Errors of associations, returned by the socket API and carried by
// events (AssocChange.Err, SendFailed.Err). Each is errors.Is-able;
// wrapped variants add detail.
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
	// ErrUDPPortInUse is returned by NewStack when its UDP port
	// (StackConfig.LocalAddr) is bound by another socket, and by Listen on
	// the DefaultStack when UDP port 9899 was taken and the stack fell
	// back to another port, which clients cannot find. The error names
	// the fix; it also matches the system's EADDRINUSE.
	ErrUDPPortInUse = errors.New("sctp: UDP port in use")
	// ErrInvalidArgument reports bad API input (zero port, bad config, ...).
	ErrInvalidArgument = errors.New("sctp: invalid argument")
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
	// on a one-to-one socket (RFC 6458 §3.1 / §4.1 styles). MSG_EOF and
	// MSG_ABORT work on both styles.
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
	// configured maximum message size (the error names both sizes).
	// Nothing of the message is sent.
	ErrMessageTooLarge = errors.New("sctp: message too large")

	// ErrInvalidStream is returned by a send on a stream number not below
	// the negotiated number of outbound streams (RFC 9260 §6.4; the error
	// names both). Nothing is sent.
	ErrInvalidStream = errors.New("sctp: invalid stream")

	// ErrConnectFailed is matched when an association could not be
	// established: the INIT or COOKIE ECHO was retransmitted
	// Max.Init.Retransmits times without an answer (RFC 9260 §5.1 / §6.3.3;
	// the error then also matches ErrAssociationFailed and is a net.Error
	// whose Timeout reports true) or the peer refused it with an ABORT
	// (it then also matches ErrAborted).
	ErrConnectFailed = errors.New("sctp: association setup failed")

	// ErrNotListening is returned by Accept on a socket that is not
	// listening (call Listen first), or no longer.
	ErrNotListening = errors.New("sctp: port is not listening")

	// ErrNotSupported is returned for options and operations this
	// userspace stack over UDP does not implement (for example a
	// dynamic address change, RFC 5061, which single-homed UDP
	// encapsulation does not use). The message names the option.
	ErrNotSupported = errors.New("sctp: not supported")
	// ErrAddrChangeBusy is returned when too many address changes
	// (RFC 5061 ASCONF requests: Bindx on a connected socket,
	// SetPeerPrimary) wait for the peer: retry once it has answered.
	ErrAddrChangeBusy = errors.New("sctp: too many address changes waiting for the peer")

	// ErrPortUnreachable is matched when an ICMP (or ICMPv6) port
	// unreachable came back for a packet of the association: nothing
	// listens on the peer's UDP encapsulation port at that address (RFC
	// 6951 §5.6 handles it as protocol unreachable, RFC 9260 Appendix C
	// ICMP8 as an ABORT). The error names the address and port; check the
	// peer's UDP port (Config.RemoteUDPPort, StackConfig.RemoteUDPPort,
	// Socket.SetRemoteUDPEncapsPort) and the peer's address family.
	// Reported where the OS delivers ICMP errors to an unconnected UDP
	// socket with the quoted packet: Linux (IP_RECVERR); see doc.go.
	ErrPortUnreachable = errors.New("sctp: peer UDP port unreachable (ICMP)")
)

// Errors of the wire format: parsePacket and validateBundling (which may
// also return errors of package chunk, for the framing of the chunks).
// The endpoint counts and drops such packets (StackStats).
var (
	errPacketTooShort = errors.New("sctp: packet shorter than the common header")
	errBadChecksum    = errors.New("sctp: bad CRC32c checksum")
	errZeroPort       = errors.New("sctp: source or destination port 0")
	errNoChunks       = errors.New("sctp: packet without chunks")
	errNotAlone       = errors.New("sctp: INIT, INIT ACK or SHUTDOWN COMPLETE bundled with other chunks")
	errInitVTag       = errors.New("sctp: INIT with a non-zero verification tag")
	errZeroVTag       = errors.New("sctp: verification tag 0 on a packet without INIT")
)

// Internal errors of the engine and the runtime.
var (
	// errSendBufferFull: the association's send buffer has no room for
	// the message; the runtime blocks the sender until SACKs free it.
	errSendBufferFull = errors.New("sctp: send buffer full")
	// errCumAckBeyondSent: a SACK acknowledges a TSN never sent; the
	// association aborts with Protocol Violation (RFC 9260 §6.2.1).
	errCumAckBeyondSent = errors.New("sctp: SACK acknowledges a TSN that was never sent")
	// errCookieInvalid reports a State Cookie that does not authenticate
	// or does not decode: wrong length, tampered, sealed under an unknown
	// secret. RFC 9260 §5.1.5 step 2: such a COOKIE ECHO is silently
	// discarded.
	errCookieInvalid = errors.New("sctp: invalid state cookie")
	// errBacklogFull is the reason of the ABORT refusing an association
	// that the full accept queue cannot hold.
	errBacklogFull = errors.New("sctp: accept queue full")
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

// stackClosedError is the runtime's answer to operations after its loop
// stopped: Stack.Close, or the stack's UDP socket failed (then wrapped with
// the socket's error). Users can meet it (Stack.Stats after Close, calls on
// a socket whose stack closed, associations ended by a failed socket), so
// it matches net.ErrClosed and ErrClosed like a closed socket does.
type stackClosedError struct{}

func (stackClosedError) Error() string { return "sctp: stack closed" }
func (stackClosedError) Is(target error) bool {
	return target == net.ErrClosed || target == ErrClosed
}

// errEndpointClosed is the runner's stackClosedError.
var errEndpointClosed error = stackClosedError{}

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
		return "sctp: association setup failed: no answer from the peer after all INIT retransmissions (RFC 9260 §5.1, Max.Init.Retransmits); " +
			"check the address, that the peer listens, and its UDP encapsulation port (Config.RemoteUDPPort, Socket.SetRemoteUDPEncapsPort); SetInitMsg bounds the wait"
	}
	var ae *AbortError
	if errors.As(e.cause, &ae) || errors.Is(e.cause, ErrAborted) {
		s := "sctp: association setup failed: the peer refused it with an ABORT"
		if ae != nil && ae.Cause != 0 {
			s += fmt.Sprintf(" (cause %d", ae.Cause)
			if ae.Reason != "" {
				s += ": " + ae.Reason
			}
			s += ")"
		} else {
			s += " (is anything listening on that SCTP port?)"
		}
		return s
	}
	if e.cause != nil {
		return "sctp: association setup failed: " + trimPrefix(e.cause.Error())
	}
	return "sctp: association setup failed"
}

// chainError is an error that wraps two: its text is outer's, then
// inner's without a second "sctp: " prefix; errors.Is and errors.As reach
// both.
type chainError struct{ outer, inner error }

func (e *chainError) Error() string   { return e.outer.Error() + ": " + trimPrefix(e.inner.Error()) }
func (e *chainError) Unwrap() []error { return []error{e.outer, e.inner} }

// joinErr returns outer wrapping inner (fmt.Errorf("%w: %w") without the
// doubled "sctp: " prefix).
func joinErr(outer, inner error) error { return &chainError{outer, inner} }

// trimPrefix drops the "sctp: " of an inner error's text, so a wrapping
// error says it once.
func trimPrefix(s string) string {
	const p = "sctp: "
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

func (e *connectError) Is(target error) bool { return target == ErrConnectFailed }
func (e *connectError) Unwrap() error        { return e.cause }

// Timeout reports whether the setup failed because the peer never answered.
func (e *connectError) Timeout() bool { return e.silent }

// Temporary is false: retrying the same setup needs a new Connect.
func (e *connectError) Temporary() bool { return false }

// udpPortError is a stack that could not get its UDP port. It matches
// ErrUDPPortInUse and unwraps to the socket's error (EADDRINUSE).
type udpPortError struct {
	port     uint16 // the UDP port wanted
	fallback uint16 // the DefaultStack's port instead of port (Listen), else 0
	err      error  // the bind error (NewStack), else nil
}

func (e *udpPortError) Error() string {
	if e.fallback != 0 {
		return fmt.Sprintf("sctp: UDP port %d was in use when the default stack started, so it runs on UDP port %d, where clients do not look; "+
			"stop the process holding UDP port %d (another program on the default stack, usrsctp, kernel SCTP's UDP encapsulation), "+
			"or listen on a Stack of your own (NewStack with StackConfig.LocalAddr) and give clients its port (Config.RemoteUDPPort, or dial HOST:PORT/udp:N)",
			e.port, e.fallback, e.port)
	}
	return fmt.Sprintf("sctp: UDP port %d is in use by another socket (another program on the default stack, usrsctp, kernel SCTP's UDP encapsulation?); "+
		"stop the process holding it, or choose another port with StackConfig.LocalAddr (port 0: any free port) and give clients that port (Config.RemoteUDPPort, or dial HOST:PORT/udp:N)",
		e.port)
}

func (e *udpPortError) Is(target error) bool { return target == ErrUDPPortInUse }
func (e *udpPortError) Unwrap() error        { return e.err }

// isAddrInUse reports whether err is a bind failing because the address
// is taken (EADDRINUSE; Windows: WSAEADDRINUSE, 10048).
func isAddrInUse(err error) bool {
	if errors.Is(err, syscall.EADDRINUSE) {
		return true
	}
	var errno syscall.Errno
	return errors.As(err, &errno) && errno == 10048
}

// errNotConnectedTCP is ErrNotConnected on a one-to-one socket without an
// association, naming the fix.
var errNotConnectedTCP = fmt.Errorf("%w: the one-to-one socket has no association (Connect it, or use a socket returned by Accept)", ErrNotConnected)

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
	return joinErr(base, ae)
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

// icmpUnreachableError is how an association attempt (or an association)
// ends when an ICMP port unreachable came back for its packets. It
// matches ErrPortUnreachable.
type icmpUnreachableError struct {
	to   netip.AddrPort // the peer address and UDP port the packet went to
	from netip.Addr     // who sent the ICMP error (zero: unknown)
}

func (e *icmpUnreachableError) Error() string {
	s := fmt.Sprintf("sctp: ICMP port unreachable for UDP %v", e.to)
	if e.from.IsValid() && e.from != e.to.Addr() {
		s += fmt.Sprintf(" (reported by %v)", e.from)
	}
	return s + fmt.Sprintf(": nothing listens on UDP port %d at %v; check the peer's UDP encapsulation port (Config.RemoteUDPPort, StackConfig.RemoteUDPPort, Socket.SetRemoteUDPEncapsPort) and that the peer's socket accepts this address family", e.to.Port(), e.to.Addr())
}

// Is reports whether target is ErrPortUnreachable.
func (e *icmpUnreachableError) Is(target error) bool { return target == ErrPortUnreachable }
