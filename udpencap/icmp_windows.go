//go:build windows

package udpencap

import (
	"errors"
	"syscall"
)

// isPortUnreachableReadErr reports whether a read error is an ICMP port
// unreachable: Windows reports one for an earlier send of an unconnected
// UDP socket as WSAECONNRESET on the next receive (SIO_UDP_CONNRESET is
// on by default, and Go's net package leaves it so). The socket is fine.
func isPortUnreachableReadErr(err error) bool {
	return errors.Is(err, syscall.WSAECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}
