//go:build !unix

package udpencap

import (
	"errors"
	"syscall"
)

const msgTrunc = 0

// isTruncErr reports a datagram that did not fit the buffer; Windows fails
// the receive with WSAEMSGSIZE instead of setting MSG_TRUNC.
func isTruncErr(err error) bool {
	return errors.Is(err, syscall.Errno(10040))
}
