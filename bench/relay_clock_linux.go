package main

import (
	"net"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const defaultRelayClock = "timerfd"

// timerfdClock is a CLOCK_MONOTONIC timerfd (hrtimer, default slack 50 µs)
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

// enableRxTimestamps asks the kernel to stamp every datagram c receives
// (SO_TIMESTAMPNS, CLOCK_REALTIME).
func enableRxTimestamps(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return false
	}
	return true
}

// rxTimestamp returns the SCM_TIMESTAMPNS time in oob.
func rxTimestamp(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
			ts := (*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
			return time.Unix(ts.Unix()), true
		}
	}
	return time.Time{}, false
}
