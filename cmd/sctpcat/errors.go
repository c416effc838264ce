package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	sctp "github.com/usctp/sctp"
	"github.com/usctp/sctp/chunk"
)

// errInterrupted ends a command stopped by SIGINT/SIGTERM.
var errInterrupted = errors.New("interrupted")

// unreachableError is an association setup that got no answer.
type unreachableError struct {
	peer    string        // HOST:PORT as given
	udpPort uint16        // remote UDP encapsulation port
	retries int           // INIT retransmissions allowed
	icmp    bool          // an ICMP port unreachable came back
	byICMP  bool          // and ended the attempt (RFC 6951 §5.6)
	timeout time.Duration // -timeout ended the attempt (0: the retransmissions did)
	inits   int           // INITs seen sent before -timeout (0: not watched)
}

func (e *unreachableError) Error() string {
	switch {
	case e.byICMP:
		// The ICMP error itself ended the attempt (RFC 6951 §5.6).
		return fmt.Sprintf("peer %s unreachable: ICMP port unreachable: nothing listens on UDP port %d there (check -remote-udp: the peer's UDP encapsulation port; and that the peer listens on this address family)", peerText(e.peer, e.udpPort), e.udpPort)
	case e.timeout > 0:
		s := fmt.Sprintf("peer %s unreachable: no answer to INIT within -timeout %v", peerText(e.peer, e.udpPort), e.timeout)
		if e.inits > 0 {
			s += fmt.Sprintf(" (%d INITs sent)", e.inits)
		}
		if e.icmp {
			return s + fmt.Sprintf("; ICMP port unreachable: nothing listens on UDP port %d there (wrong -remote-udp?)", e.udpPort)
		}
		return s + "; no ICMP error came back: check -remote-udp, that the peer runs, and firewalls"
	}
	s := fmt.Sprintf("peer %s unreachable: no answer to INIT after %d retransmissions", peerText(e.peer, e.udpPort), e.retries)
	if e.icmp {
		s += fmt.Sprintf("; ICMP port unreachable: nothing listens on UDP port %d there (wrong -remote-udp?)", e.udpPort)
	}
	return s
}

// peerText prints a peer as every address is printed, HOST:PORT/udp:N.
func peerText(addr string, udp uint16) string {
	if i := strings.LastIndex(addr, "/udp:"); i >= 0 {
		addr = addr[:i]
	}
	return fmt.Sprintf("%s/udp:%d", addr, udp)
}

// describe turns err into the text of sctpcat's one error line.
func describe(err error) string {
	var ae *sctp.AbortError
	var ue *unreachableError
	var pe *portInUseError
	var us *usageError
	switch {
	case errors.As(err, &us), errors.As(err, &ue), errors.As(err, &pe):
		return err.Error()
	case errors.Is(err, errInterrupted):
		return err.Error()
	case errors.As(err, &ae):
		who := "locally"
		if ae.ByPeer {
			who = "by the peer"
		}
		s := "association aborted " + who
		if c := causesText(ae.Causes); c != "" {
			s += ": " + c
		} else if ae.Reason != "" {
			s += ": " + ae.Reason
		}
		if errors.Is(err, sctp.ErrConnectFailed) {
			s = "association refused: " + s
		}
		return s
	case errors.Is(err, sctp.ErrAssociationFailed):
		return "association failed: peer unreachable (retransmission limit reached, RFC 9260 §8.1)"
	case errors.Is(err, sctp.ErrPortInUse):
		return strings.TrimPrefix(innermost(err), "sctp: ") + "; choose another SCTP port"
	}
	return strings.TrimPrefix(innermost(err), "sctp: ")
}

// innermost strips *net.OpError wrappers ("dial sctp ...: ") for a
// shorter message.
func innermost(err error) string {
	var oe *net.OpError
	for errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	return err.Error()
}

// causesText describes the error causes of an ABORT or ERROR chunk
// (RFC 9260 §3.3.10).
func causesText(b []byte) string {
	var parts []string
	it := chunk.NewCauseIter(b)
	for it.Next() && len(parts) < 4 {
		c := it.Cause()
		s := fmt.Sprintf("cause %d (%s)", c.Code, causeName(c.Code))
		if c.Code == chunk.CauseUserInitiatedAbort || c.Code == chunk.CauseProtocolViolation {
			if r := printable(c.Info); r != "" {
				s += " " + fmt.Sprintf("%q", r)
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func causeName(c chunk.CauseCode) string {
	names := map[chunk.CauseCode]string{
		chunk.CauseInvalidStream:           "invalid stream identifier",
		chunk.CauseMissingParam:            "missing mandatory parameter",
		chunk.CauseStaleCookie:             "stale cookie",
		chunk.CauseOutOfResource:           "out of resource",
		chunk.CauseUnresolvableAddr:        "unresolvable address",
		chunk.CauseUnrecognizedChunk:       "unrecognized chunk type",
		chunk.CauseInvalidMandatoryParam:   "invalid mandatory parameter",
		chunk.CauseUnrecognizedParams:      "unrecognized parameters",
		chunk.CauseNoUserData:              "no user data",
		chunk.CauseCookieWhileShuttingDown: "cookie received while shutting down",
		chunk.CauseRestartNewAddrs:         "restart with new addresses",
		chunk.CauseUserInitiatedAbort:      "user-initiated abort",
		chunk.CauseProtocolViolation:       "protocol violation",
		chunk.CauseRestartNewEncapPort:     "restart with new encapsulation port",
	}
	if n, ok := names[c]; ok {
		return n
	}
	return "unknown"
}

// printable keeps the printable ASCII of a peer-supplied reason, at most
// 120 bytes.
func printable(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if sb.Len() >= 120 {
			break
		}
		if c >= 0x20 && c < 0x7f {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
