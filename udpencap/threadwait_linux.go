//go:build linux

package udpencap

import (
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Waiting in the caller's thread (Linux, on by default when GOMAXPROCS >
// 1; WithoutThreadWait turns it off).
//
// A socket in the Go runtime's netpoller is waited for by parking the
// goroutine; a datagram then wakes the runtime's poller thread, which
// wakes the goroutine's thread (epoll_wait, then the scheduler: about two
// epoll_pwait calls per datagram in a two-process ping-pong). threadConn
// takes the socket out of the netpoller (a duplicate of its descriptor
// outlives the net.UDPConn, whose Close removes it from the runtime's
// epoll set) and waits in ppoll on the calling goroutine's own thread:
// the kernel wakes that thread directly. An eventfd per direction
// interrupts a wait (a read deadline set, Close). A two-process 1-byte
// ping-pong costs 0.84–0.87 of the CPU per round trip (bench/README.md,
// "Waiting in the caller's thread").
//
// The price: a goroutine waiting here holds a thread in a system call,
// and its P until sysmon hands it off when other goroutines need it
// (sysmon sleeps up to 10 ms when idle). So Listen moves at most
// GOMAXPROCS − 1 sockets of a process out of the netpoller (none with
// GOMAXPROCS = 1), and the others wait in the netpoller as before.

// threadSockets counts the open sockets that wait in threads.
var threadSockets atomic.Int32

// threadConn is a syscall.RawConn over a socket outside the netpoller.
// Read and Write call f until it reports done, waiting in ppoll between
// calls; each holds mu shared so that close never closes a descriptor a
// wait still uses.
type threadConn struct {
	fd, efdR, efdW int
	rdl            atomic.Int64 // read deadline, Unix ns; 0: none
	closed         atomic.Bool
	mu             sync.RWMutex
	onErr          func(fd uintptr) // drains the error queue (nil: IP_RECVERR off)
	// testHookWait, when set (tests, before the first Read), is called
	// right before each wait in ppoll.
	testHookWait func()
}

// startThreadWait moves the socket of a new Conn out of the netpoller
// when it can; otherwise the Conn stays as it is.
func (c *Conn) startThreadWait() {
	if c.sys == nil || !c.sys.batch.Load() || c.cfg.noThreadWait {
		return
	}
	// At most GOMAXPROCS − 1 sockets in the process wait in threads, so
	// that their waits never hold every P: with all Ps in ppoll nothing
	// would run the netpoller or timers but sysmon, every 10 ms at worst
	// (two stacks in one process, the lossy benchmark's in-process row,
	// saw its relay's p99 lateness go from 0.1 to 3.4–11.6 ms). The first
	// sockets opened get it; a process with one stack, the common case,
	// always does.
	if n := threadSockets.Add(1); int(n) > runtime.GOMAXPROCS(0)-1 {
		threadSockets.Add(-1)
		return
	}
	tw, err := newThreadConn(c.sys)
	if err != nil {
		threadSockets.Add(-1)
		return
	}
	if c.sys.onICMP != nil {
		tw.onErr = c.sys.drainErrQueue
	}
	c.sys.rc, c.tw = tw, tw
	_ = c.uc.Close() // out of the runtime's epoll set; tw's descriptor keeps the socket
}

// newThreadConn duplicates uc's descriptor and probes recvmmsg and
// sendmmsg on it (the batch path is the only one threadConn serves: the
// portable path reads through uc). The caller closes uc on success.
func newThreadConn(s *sysConn) (*threadConn, error) {
	var fd int
	var derr error
	if err := s.rc.Control(func(u uintptr) { fd, derr = unix.FcntlInt(u, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	if err := probeMmsg(fd); err != nil {
		unix.Close(fd)
		return nil, err
	}
	r, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	w, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(fd)
		unix.Close(r)
		return nil, err
	}
	return &threadConn{fd: fd, efdR: r, efdW: w}, nil
}

// probeMmsg: a peeking recvmmsg must find the socket empty (EAGAIN) or
// see a datagram without taking it, and a sendmmsg of no messages must
// succeed (a kernel or a sandbox without them says ENOSYS or EPERM).
func probeMmsg(fd int) error {
	var buf [1]byte
	iov := unix.Iovec{Base: &buf[0]}
	iov.SetLen(1)
	var h unix.Mmsghdr
	h.Hdr.Iov = &iov
	h.Hdr.SetIovlen(1)
	_, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&h)), 1, unix.MSG_DONTWAIT|unix.MSG_PEEK, 0, 0)
	if e != unix.EAGAIN && e != 0 {
		return os.NewSyscallError("recvmmsg", e)
	}
	if _, _, e := unix.RawSyscall6(unix.SYS_SENDMMSG, uintptr(fd), uintptr(unsafe.Pointer(&h)), 0, 0, 0, 0); e != 0 {
		return os.NewSyscallError("sendmmsg", e)
	}
	return nil
}

func (t *threadConn) Control(f func(fd uintptr)) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed.Load() {
		return net.ErrClosed
	}
	f(uintptr(t.fd))
	return nil
}

func (t *threadConn) Read(f func(fd uintptr) bool) error {
	return t.until(f, unix.POLLIN, t.efdR, &t.rdl)
}

func (t *threadConn) Write(f func(fd uintptr) bool) error {
	return t.until(f, unix.POLLOUT, t.efdW, nil)
}

// until calls f until it reports done, waiting in ppoll for ev (or efd)
// between calls; dl, when not nil, is the direction's deadline.
func (t *threadConn) until(f func(fd uintptr) bool, ev int16, efd int, dl *atomic.Int64) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for {
		if t.closed.Load() {
			return net.ErrClosed
		}
		var d int64
		if dl != nil {
			if d = dl.Load(); d != 0 && time.Now().UnixNano() >= d {
				return os.ErrDeadlineExceeded
			}
		}
		if f(uintptr(t.fd)) {
			return nil
		}
		t.wait(ev, efd, d)
	}
}

// wait sleeps in ppoll until the socket has ev, efd was signalled, or the
// deadline dl (Unix ns, 0: none) passes. Through Syscall6 (entersyscall):
// it blocks, so the runtime may give the P to another thread meanwhile.
// Called with mu held shared; the caller looks at what woke it.
func (t *threadConn) wait(ev int16, efd int, dl int64) {
	fds := [2]unix.PollFd{{Fd: int32(t.fd), Events: ev}, {Fd: int32(efd), Events: unix.POLLIN}}
	var ts unix.Timespec
	var tsp unsafe.Pointer
	if dl != 0 {
		ts = unix.NsecToTimespec(max(dl-time.Now().UnixNano(), 0))
		tsp = unsafe.Pointer(&ts)
	}
	if t.testHookWait != nil {
		t.testHookWait()
	}
	_, _, _ = unix.Syscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), 2, uintptr(tsp), 0, 0, 0)
	if fds[1].Revents != 0 {
		var b [8]byte
		_, _ = unix.Read(efd, b[:]) // reset the counter
	}
	if fds[0].Revents&unix.POLLERR != 0 && t.onErr != nil {
		// ppoll is level-triggered: an ICMP error left in the error
		// queue (IP_RECVERR) would wake every wait at once.
		t.onErr(uintptr(t.fd))
	}
}

// setReadDeadline sets the deadline of Read and wakes a Read waiting in
// ppoll, which then finds it passed or waits again until it. A cleared
// deadline wakes nobody: a wait that had a timeout wakes then and waits
// on.
func (t *threadConn) setReadDeadline(d time.Time) {
	if d.IsZero() {
		t.rdl.Store(0)
		return
	}
	t.rdl.Store(max(d.UnixNano(), 1))
	signalEventfd(t.efdR)
}

// close ends the waits, waits for the calls in progress to return, and
// closes the descriptors.
func (t *threadConn) close() {
	if t.closed.Swap(true) {
		return
	}
	defer threadSockets.Add(-1)
	signalEventfd(t.efdR)
	signalEventfd(t.efdW)
	t.mu.Lock()
	defer t.mu.Unlock()
	_ = unix.Close(t.fd)
	_ = unix.Close(t.efdR)
	_ = unix.Close(t.efdW)
}

func signalEventfd(fd int) {
	b := [8]byte{1}
	_, _ = unix.Write(fd, b[:])
}
