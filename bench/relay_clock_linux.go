package main

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

const defaultRelayClock = "timerfd"

// timerfdClock is a CLOCK_MONOTONIC timerfd (a kernel hrtimer)
// whose expiry the lane reads through the netpoller: the goroutine sleeps
// without a thread and wakes when the kernel timer fires.
type timerfdClock struct {
	f   *os.File
	raw interface {
		Control(func(fd uintptr)) error
	}
}

func newTimerfdClock() (*timerfdClock, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "relay-timerfd") // non-blocking: pollable
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &timerfdClock{f: f, raw: rc}, nil
}

func (c *timerfdClock) arm(d time.Duration) {
	// A zero it_value disarms a timerfd (timerfd_settime(2)): a due time
	// already past is armed 1 ns ahead instead.
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(max(d, 1)))}
	_ = c.raw.Control(func(fd uintptr) { _ = unix.TimerfdSettime(int(fd), 0, &spec, nil) })
}

func (c *timerfdClock) wait() bool {
	var b [8]byte // the expiry count
	_, err := c.f.Read(b[:])
	return err == nil
}

func (c *timerfdClock) close() { _ = c.f.Close() }
