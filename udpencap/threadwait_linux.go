//go:build linux

package udpencap

import (
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
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
//
// A receive without a read deadline waits in recvmmsg itself, not in
// ppoll: the descriptor is made blocking (sends pass MSG_DONTWAIT, so
// only this wait blocks) and the call returns with the first datagram
// (MSG_WAITFORONE). That is one system call per wait instead of ppoll and
// a second recvmmsg, and no poll table: 0.92 of the CPU per round trip of
// the ppoll wait (bench/README.md, "A blocking receive"). What else must
// end that wait reaches it through the socket itself:
//   - a read deadline set (package sctp's kick): a zero-length datagram
//     from a connected UDP socket of our own (kick), which the receive
//     drops (isKick) and then finds the deadline;
//   - Close: shutdown(SHUT_RD), after which the receive returns at once.
// If a kick cannot be sent, receives wait in ppoll from then on, and the
// one blocked meanwhile returns within SO_RCVTIMEO (kickSafety).

// threadSockets counts the open sockets that wait in threads.
var threadSockets atomic.Int32

// threadConn is a syscall.RawConn over a socket outside the netpoller.
// Read and Write call f until it reports done, waiting in ppoll between
// calls; sysConn receives through recvmmsg instead. Each holds mu shared
// so that close never closes a descriptor a wait still uses.
type threadConn struct {
	fd, efdR, efdW int
	// kick is a UDP socket connected to fd's address; kickFrom is its
	// address as fd's datagrams report it. -1: receives wait in ppoll.
	kick     int
	kickFrom netip.AddrPort
	noBlock  atomic.Bool  // a kick failed: receives wait in ppoll from now on
	inRecv   atomic.Int32 // receives in (or about to enter) the blocking recvmmsg
	inPoll   atomic.Int32 // receives in (or about to enter) ppoll
	drained  bool         // the last receive left the socket empty (recvmmsg; Conn.rmu)
	rdl      atomic.Int64 // read deadline, Unix ns; 0: none
	closed   atomic.Bool
	mu       sync.RWMutex
	onErr    func(fd uintptr) // drains the error queue (nil: IP_RECVERR off)
	// testHookWait, when set (tests, before the first Read), is called
	// right before each wait: in the blocking recvmmsg (true) or in ppoll.
	testHookWait func(blocking bool)
}

// kickSafety bounds a blocking receive's wait (SO_RCVTIMEO): it wakes,
// looks at its deadline and Close, and waits again. Only a kick that
// could not be sent (noBlock) leaves anything for it to find; an idle
// socket pays one wake-up per kickSafety. A variable for tests (an hour:
// a wait only a kick or Close can end).
var kickSafety = time.Second

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
	c.sys.rc, c.tw, c.sys.tw = tw, tw, tw
	_ = c.uc.Close() // out of the runtime's epoll set; tw's descriptor keeps the socket
	tw.startBlocking(c.laddr)
}

// startBlocking makes the receives without a deadline wait in recvmmsg
// (the descriptor blocking, a kick socket to end such a wait) when a
// zero-length datagram from a socket connected to laddr (a loopback
// address for a wildcard laddr) reaches the socket within 100 ms;
// otherwise they keep waiting in ppoll.
//
// Not on a socket that shares its port (SO_REUSEPORT, SO_REUSEADDR: a
// shard group, WithControl): the kernel would hand a kick to whichever
// socket of the group it picks (package sctp's shard steering sends a
// datagram too short for its program to shard 0), not to this one.
func (t *threadConn) startBlocking(laddr netip.AddrPort) {
	for _, opt := range []int{unix.SO_REUSEPORT, unix.SO_REUSEADDR} {
		if v, err := unix.GetsockoptInt(t.fd, unix.SOL_SOCKET, opt); err != nil || v != 0 {
			return
		}
	}
	lo4 := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	var to []netip.Addr
	switch a := laddr.Addr(); {
	case !a.IsUnspecified():
		to = []netip.Addr{a}
	case a.Is4():
		to = []netip.Addr{lo4}
	default: // [::], dual-stack unless IPV6_V6ONLY; ::1 may be missing (IPv6 off on lo)
		to = []netip.Addr{netip.IPv6Loopback(), lo4}
	}
	for _, a := range to {
		k, from, ok := dialKick(netip.AddrPortFrom(a, laddr.Port()))
		if !ok {
			continue
		}
		fds := []unix.PollFd{{Fd: int32(t.fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(fds, 100); n != 1 {
			unix.Close(k)
			continue
		}
		tv := unix.NsecToTimeval(int64(kickSafety))
		if unix.SetsockoptTimeval(t.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv) != nil || unix.SetNonblock(t.fd, false) != nil {
			unix.Close(k)
			return
		}
		t.kick, t.kickFrom = k, from
		return
	}
}

// dialKick opens a UDP socket connected to dst and sends a kick on it;
// from is its address as dst's socket sees it.
func dialKick(dst netip.AddrPort) (k int, from netip.AddrPort, ok bool) {
	family := unix.AF_INET6
	if dst.Addr().Is4() {
		family = unix.AF_INET
	}
	k, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, from, false
	}
	var sa unix.RawSockaddrInet6
	n := encodeSockaddr(&sa, dst, family)
	if _, _, e := unix.RawSyscall(unix.SYS_CONNECT, uintptr(k), uintptr(unsafe.Pointer(&sa)), uintptr(n)); e != 0 {
		unix.Close(k)
		return -1, from, false
	}
	// Its address as decodeSockaddr reports it for fd's datagrams (isKick).
	var name unix.RawSockaddrInet6
	nl := uint32(unsafe.Sizeof(name))
	if _, _, e := unix.RawSyscall(unix.SYS_GETSOCKNAME, uintptr(k), uintptr(unsafe.Pointer(&name)), uintptr(unsafe.Pointer(&nl))); e == 0 {
		from = decodeSockaddr(&name)
	}
	if !from.IsValid() || sendKick(k) != 0 {
		unix.Close(k)
		return -1, from, false
	}
	return k, from, true
}

// sendKick sends a zero-length datagram on the connected socket k.
func sendKick(k int) syscall.Errno {
	_, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(k), 0, 0, unix.MSG_DONTWAIT, 0, 0)
	return e
}

// isKick reports whether a datagram of n bytes from sa is a kick.
func (t *threadConn) isKick(n uint32, sa *unix.RawSockaddrInet6) bool {
	return n == 0 && t.kick >= 0 && decodeSockaddr(sa) == t.kickFrom
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
	return &threadConn{fd: fd, efdR: r, efdW: w, kick: -1}, nil
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
	return t.until(f, unix.POLLIN, t.efdR, &t.rdl, &t.inPoll)
}

// recvmmsg is sysConn's receive into the k headers at h: a non-blocking
// try, then a wait, in recvmmsg itself when there is no deadline and the
// socket blocks (startBlocking), else in ppoll. It returns the call's
// result and errno (never EAGAIN), or the error that ended the wait.
//
// After a receive that left the socket empty (drained: fewer than k
// datagrams), the next one that may block skips the try and waits at
// once: in a request/response exchange the try finds nothing but costs a
// system call. A ping-pong then makes one recvmmsg and one sendmmsg per
// round trip and side, and costs 0.90–0.94 of the CPU it took with the
// try (bench/README.md, "A blocking receive"); a bulk receiver, whose
// reads find data, is unchanged. A receive that finds data at once pays
// only the scheduler's system-call entry over a raw call.
func (t *threadConn) recvmmsg(h *unix.Mmsghdr, k int) (int, syscall.Errno, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for {
		if t.closed.Load() {
			return 0, 0, net.ErrClosed
		}
		d := t.rdl.Load()
		if d != 0 && time.Now().UnixNano() >= d {
			return 0, 0, os.ErrDeadlineExceeded
		}
		blocking := d == 0 && t.kick >= 0 && !t.noBlock.Load()
		if !(blocking && t.drained) {
			r, e := t.call(unix.SYS_RECVMMSG, h, k)
			if e != unix.EAGAIN {
				t.drained = r < k
				return r, e, nil
			}
		}
		if blocking {
			if r, e, ok := t.block(h, k); ok {
				t.drained = r < k
				return r, e, nil
			}
			t.drained = false
			continue
		}
		t.wait(unix.POLLIN, t.efdR, d, &t.inPoll)
	}
}

// call makes the non-blocking system call trap (recvmmsg, sendmmsg) on the
// socket, retrying on EINTR; an ICMP error it reports drains the error
// queue. Raw: it does not wait (see sysConn.mmsg).
func (t *threadConn) call(trap uintptr, h *unix.Mmsghdr, k int) (int, syscall.Errno) {
	r, e := rawMmsg(trap, uintptr(t.fd), h, k)
	if e != 0 && t.onErr != nil && isICMPErrno(e) {
		t.onErr(uintptr(t.fd))
	}
	return r, e
}

// block waits in recvmmsg for the first datagram (MSG_WAITFORONE) and
// takes the others already queued. Through Syscall6, as wait. False: it
// returned without datagrams (a deadline set or Close before the call,
// Close during it, kickSafety, a signal); the caller looks again.
func (t *threadConn) block(h *unix.Mmsghdr, k int) (int, syscall.Errno, bool) {
	t.inRecv.Add(1)
	defer t.inRecv.Add(-1)
	// After inRecv is published, setReadDeadline either sees it (and
	// kicks) or stored its deadline before this check; Close shuts the
	// socket down after it set closed, which ends any receive.
	if t.rdl.Load() != 0 || t.closed.Load() {
		return 0, 0, false
	}
	if t.testHookWait != nil {
		t.testHookWait(true)
	}
	r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(t.fd), uintptr(unsafe.Pointer(h)), uintptr(k), unix.MSG_WAITFORONE, 0, 0)
	if t.closed.Load() || e == unix.EAGAIN || e == unix.EINTR {
		return 0, 0, false
	}
	if e != 0 && t.onErr != nil && isICMPErrno(e) {
		t.onErr(uintptr(t.fd))
	}
	return int(r), e, true
}

func (t *threadConn) Write(f func(fd uintptr) bool) error {
	return t.until(f, unix.POLLOUT, t.efdW, nil, nil)
}

// until calls f until it reports done, waiting in ppoll for ev (or efd)
// between calls; dl, when not nil, is the direction's deadline, and in
// counts the waits that setReadDeadline must signal (wait).
func (t *threadConn) until(f func(fd uintptr) bool, ev int16, efd int, dl *atomic.Int64, in *atomic.Int32) error {
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
		t.wait(ev, efd, d, in)
	}
}

// wait sleeps in ppoll until the socket has ev, efd was signalled, or the
// deadline dl (Unix ns, 0: none) passes. Through Syscall6 (entersyscall):
// it blocks, so the runtime may give the P to another thread meanwhile.
// Called with mu held shared; the caller looks at what woke it. in, when
// not nil, counts the waits (setReadDeadline signals efd only when one may
// be in ppoll).
func (t *threadConn) wait(ev int16, efd int, dl int64, in *atomic.Int32) {
	if in != nil {
		in.Add(1)
		defer in.Add(-1)
		// Published before the deadline is read again below: a deadline
		// set after this either is seen here or signals efd.
		if d := t.rdl.Load(); d != dl {
			return
		}
	}
	fds := [2]unix.PollFd{{Fd: int32(t.fd), Events: ev}, {Fd: int32(efd), Events: unix.POLLIN}}
	var ts unix.Timespec
	var tsp unsafe.Pointer
	if dl != 0 {
		ts = unix.NsecToTimespec(max(dl-time.Now().UnixNano(), 0))
		tsp = unsafe.Pointer(&ts)
	}
	if t.testHookWait != nil {
		t.testHookWait(false)
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

// setReadDeadline sets the deadline of the receives and wakes one that
// waits (a kick into the blocking recvmmsg, efdR into ppoll), which then
// finds it passed or waits again until it. A cleared deadline wakes
// nobody: a wait that had a timeout wakes then and waits on.
func (t *threadConn) setReadDeadline(d time.Time) {
	if d.IsZero() {
		t.rdl.Store(0)
		return
	}
	t.rdl.Store(max(d.UnixNano(), 1))
	// Shared with the calls, so that close cannot close (and the process
	// reuse) the descriptors signalled here while this runs.
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed.Load() {
		return
	}
	if t.inRecv.Load() != 0 && !t.noBlock.Load() {
		if sendKick(t.kick) != 0 {
			// Not sent (a full buffer, the address gone): from now on
			// receives wait in ppoll; the one in recvmmsg returns within
			// kickSafety.
			t.noBlock.Store(true)
		}
	}
	if t.inPoll.Load() != 0 {
		signalEventfd(t.efdR)
	}
}

// close ends the waits, waits for the calls in progress to return, and
// closes the descriptors.
func (t *threadConn) close() {
	if t.closed.Swap(true) {
		return
	}
	defer threadSockets.Add(-1)
	if t.kick >= 0 {
		// Ends a receive in recvmmsg: a shut-down socket returns at once
		// (the call is then not counted: closed is set).
		_ = unix.Shutdown(t.fd, unix.SHUT_RD)
	}
	signalEventfd(t.efdR)
	signalEventfd(t.efdW)
	t.mu.Lock()
	defer t.mu.Unlock()
	_ = unix.Close(t.fd)
	_ = unix.Close(t.efdR)
	_ = unix.Close(t.efdW)
	if t.kick >= 0 {
		_ = unix.Close(t.kick)
	}
}

func signalEventfd(fd int) {
	b := [8]byte{1}
	_, _ = unix.Write(fd, b[:])
}
