//go:build !linux

package main

import (
	"errors"
	"net"
	"time"
)

const defaultRelayClock = "go"

func newTimerfdClock() (laneClock, error) {
	return nil, errors.New("timerfd is Linux only")
}

func enableRxTimestamps(*net.UDPConn) bool { return false }

func rxTimestamp([]byte) (time.Time, bool) { return time.Time{}, false }
