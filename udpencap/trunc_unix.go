//go:build unix

package udpencap

import "syscall"

const msgTrunc = syscall.MSG_TRUNC

func isTruncErr(error) bool { return false }
