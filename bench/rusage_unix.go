//go:build unix

package main

import (
	"syscall"
	"time"
)

// selfCPU returns the user+sys CPU time this process has used
// (getrusage(2), RUSAGE_SELF).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
