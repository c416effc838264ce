//go:build !linux

package main

import "errors"

const defaultRelayClock = "go"

func newTimerfdClock() (laneClock, error) {
	return nil, errors.New("timerfd is Linux only")
}
