//go:build !windows

package udpencap

import (
	"errors"
	"syscall"
)

// isPortUnreachableReadErr reports whether a read error of the portable
// path is an ICMP port unreachable reported by the socket
// (ECONNREFUSED). Unix systems report it on connected UDP sockets only,
// which Conn's are not, so this is a guard: such an error never ends the
// reader.
func isPortUnreachableReadErr(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}
