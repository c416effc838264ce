//go:build linux

package udpencap

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux fast path: recvmmsg/sendmmsg on the raw socket through a
// syscall.RawConn (the net.UDPConn's, whose netpoller does the waiting, or
// with GOMAXPROCS > 1 threadConn's, which waits in recvmmsg or ppoll on
// the caller's thread: threadwait_linux.go; either way Close unblocks),
// UDP_SEGMENT (GSO) cmsgs on send and UDP_GRO on receive.
//
// golang.org/x/net/ipv4.PacketConn.ReadBatch would also do recvmmsg, but it
// allocates a *net.UDPAddr per datagram; decoding the sockaddr here keeps the
// steady state allocation-free (TestNoAllocSteadyState checks it).

const (
	maxGSOSegments = 64    // UDP_MAX_SEGMENTS on kernels before 6.x
	groBufSize     = 65536 // a GRO-coalesced buffer is at most 64 KiB
	maxGROBufs     = 8
)

var (
	cmsgSegSpace = unix.CmsgSpace(2) // UDP_SEGMENT carries a u16
	cmsgGROSpace = unix.CmsgSpace(4) // UDP_GRO carries an int
	// A received datagram may carry IP_PKTINFO (IPv4, also on a dual-stack
	// socket) or IPV6_PKTINFO; a sent one carries one of them.
	cmsgPktRecvSpace = unix.CmsgSpace(unix.SizeofInet4Pktinfo) + unix.CmsgSpace(unix.SizeofInet6Pktinfo)
	cmsgPktSendSpace = unix.CmsgSpace(unix.SizeofInet6Pktinfo)
)

type sysConn struct {
	rc     syscall.RawConn
	family int // AF_INET or AF_INET6
	stats  *counters
	onICMP func(ICMPError)

	batch atomic.Bool // recvmmsg/sendmmsg usable
	gso   atomic.Bool
	gro   bool // fixed at creation: the socket option cannot be undone safely mid-stream
	// pktinfo: the kernel reports each datagram's local address and
	// takes the source address of each send (IP_PKTINFO, IPV6_PKTINFO;
	// Message.Local). Fixed at creation.
	pktinfo bool

	// refuseGSO makes the next GSO send fail as a kernel without GSO
	// support would (EIO), to test the fallback. Test hook only.
	refuseGSO atomic.Bool

	// tw: the socket waits in the caller's thread (threadwait_linux.go);
	// receives go through tw.recvmmsg.
	tw *threadConn

	r readState  // guarded by Conn.rmu
	w writeState // guarded by Conn.wmu

	errMu   sync.Mutex // IP_RECVERR error queue reading, from either side
	errBuf  []byte
	errCtrl []byte
}

type readState struct {
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6
	ctrl  []byte
	cspan int // control bytes per header (0: none requested)

	// GRO: datagrams are received into groBufs and split into pend.
	groBufs [][]byte
	pend    []segment
	head    int

	// The RawConn callback is bound once (a fresh closure per call would
	// allocate); it reads its argument from k and leaves its results in n
	// and errno.
	recvFn func(fd uintptr) bool
	k, n   int
	errno  syscall.Errno
}

type segment struct {
	b     []byte
	addr  netip.AddrPort
	local netip.Addr
}

type writeState struct {
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6
	ctrl  []byte
	cspan int   // control bytes per header
	runs  []int // messages per hdr

	sendFn   func(fd uintptr) bool // bound once, see readState.recvFn
	sendHdrs []unix.Mmsghdr
	n        int
	errno    syscall.Errno
}

func (s *sysConn) doRecv(fd uintptr) bool {
	return s.mmsg(unix.SYS_RECVMMSG, fd, &s.r.hdrs[0], s.r.k, &s.r.n, &s.r.errno)
}

func (s *sysConn) doSend(fd uintptr) bool {
	h := s.w.sendHdrs
	return s.mmsg(unix.SYS_SENDMMSG, fd, &h[0], len(h), &s.w.n, &s.w.errno)
}

// mmsg makes the recvmmsg or sendmmsg system call trap on fd for the k
// headers at h, retrying on EINTR, and leaves its results in *n and
// *errno. It reports false on EAGAIN, results untouched: the RawConn
// then waits for readiness (in the netpoller, or in ppoll: threadConn).
// An ICMP error the call reports drains the socket's error queue.
//
// The call is raw (no entersyscall/exitsyscall): it is non-blocking
// (rawMmsg), so it never waits in the kernel, and there is no P worth
// handing off. Through syscall.Syscall6 every call
// also woke the runtime's sysmon thread when it slept (a futex per
// call); raw calls measured 1.20× the round trips per second of a
// two-process ping-pong, 24 % less CPU per round trip, and 1.12–1.27×
// the throughput (bench/README.md, "Raw system calls").
func (s *sysConn) mmsg(trap, fd uintptr, h *unix.Mmsghdr, k int, n *int, errno *syscall.Errno) bool {
	r, e := rawMmsg(trap, fd, h, k)
	if e == unix.EAGAIN {
		return false
	}
	*n, *errno = r, e
	if e != 0 && s.onICMP != nil && isICMPErrno(e) {
		s.drainErrQueue(fd)
	}
	return true
}

// rawMmsg makes the system call trap (recvmmsg or sendmmsg) on fd for the
// k headers at h, non-blocking (MSG_DONTWAIT: a threadConn's descriptor
// blocks, for its receive's wait; threadwait_linux.go) and raw (see mmsg),
// retrying on EINTR.
func rawMmsg(trap, fd uintptr, h *unix.Mmsghdr, k int) (int, syscall.Errno) {
	for {
		r, _, e := unix.RawSyscall6(trap, fd, uintptr(unsafe.Pointer(h)), uintptr(k), unix.MSG_DONTWAIT, 0, 0)
		if e != unix.EINTR {
			return int(r), e
		}
	}
}

func newSysConn(uc *net.UDPConn, cfg *config, st *counters) (*sysConn, error) {
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &sysConn{rc: rc, stats: st, onICMP: cfg.onICMP}
	var gsoOK, groOK, pktOK bool
	var serr error
	err = rc.Control(func(fd uintptr) {
		sa, e := unix.Getsockname(int(fd))
		if e != nil {
			serr = e
			return
		}
		switch sa.(type) {
		case *unix.SockaddrInet4:
			s.family = unix.AF_INET
		default:
			s.family = unix.AF_INET6
		}
		if !cfg.noGSO {
			// A kernel that knows UDP_SEGMENT answers getsockopt.
			_, e := unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT)
			gsoOK = e == nil
		}
		if !cfg.noGRO {
			groOK = unix.SetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_GRO, 1) == nil
		}
		// The local address of each datagram (multihoming over one
		// wildcard socket, Message.Local). On a dual-stack socket IPv4
		// datagrams report IP_PKTINFO, IPv6 ones IPV6_PKTINFO.
		pktOK = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1) == nil
		if s.family == unix.AF_INET6 {
			v6 := unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1) == nil
			pktOK = v6 && (pktOK || isV6Only(int(fd)))
		}
		if cfg.onICMP != nil {
			_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVERR, 1)
			if s.family == unix.AF_INET6 {
				_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVERR, 1)
			}
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	s.batch.Store(true)
	s.r.recvFn = s.doRecv
	s.w.sendFn = s.doSend
	s.gso.Store(gsoOK)
	s.gro = groOK
	s.pktinfo = pktOK && !cfg.noPktinfo

	n := cfg.batchSize
	s.r.hdrs = make([]unix.Mmsghdr, n)
	s.r.iovs = make([]unix.Iovec, n)
	s.r.names = make([]unix.RawSockaddrInet6, n)
	if s.gro {
		s.r.cspan = cmsgGROSpace
	}
	if s.pktinfo {
		s.r.cspan += cmsgPktRecvSpace
	}
	s.r.ctrl = make([]byte, n*s.r.cspan)
	if s.gro {
		k := min(n, maxGROBufs)
		s.r.groBufs = make([][]byte, k)
		for i := range s.r.groBufs {
			s.r.groBufs[i] = make([]byte, groBufSize)
		}
		s.r.pend = make([]segment, 0, k*maxGSOSegments)
	}
	s.w.hdrs = make([]unix.Mmsghdr, n)
	s.w.iovs = make([]unix.Iovec, n*maxGSOSegments)
	s.w.names = make([]unix.RawSockaddrInet6, n)
	s.w.cspan = cmsgSegSpace
	if s.pktinfo {
		s.w.cspan += cmsgPktSendSpace
	}
	s.w.ctrl = make([]byte, n*s.w.cspan)
	s.w.runs = make([]int, n)
	if cfg.onICMP != nil {
		s.errBuf = make([]byte, 512)
		s.errCtrl = make([]byte, 512)
	}
	return s, nil
}

func (s *sysConn) capabilities() Capabilities {
	b := s.batch.Load()
	return Capabilities{Batch: b, GSO: b && s.gso.Load(), GRO: b && s.gro, PacketInfo: b && s.pktinfo}
}

// ---- receive ----

func (s *sysConn) readBatch(ms []Message) (int, error) {
	if !s.batch.Load() {
		return 0, errNoBatch
	}
	if s.gro {
		return s.readGRO(ms)
	}
	for {
		k := min(len(ms), len(s.r.hdrs))
		for i := 0; i < k; i++ {
			s.r.iovs[i].Base = bufBase(ms[i].Buf)
			s.r.iovs[i].SetLen(len(ms[i].Buf))
		}
		n, err := s.recvmmsg(k)
		if err != nil {
			return 0, err
		}
		out := 0
		for i := 0; i < n; i++ {
			h := &s.r.hdrs[i]
			if h.Hdr.Flags&unix.MSG_TRUNC != 0 {
				s.stats.truncated.Add(1)
				continue
			}
			if s.tw != nil && s.tw.isKick(h.Len, &s.r.names[i]) {
				continue
			}
			if out != i {
				// Keep results dense: swap the buffers so ms[0:out]
				// are the good datagrams.
				ms[out].Buf, ms[i].Buf = ms[i].Buf, ms[out].Buf
			}
			ms[out].N = int(h.Len)
			ms[out].Addr = decodeSockaddr(&s.r.names[i])
			ms[out].Local = netip.Addr{}
			if s.pktinfo {
				_, ms[out].Local = parseCtrl(s.r.ctrl[i*s.r.cspan : i*s.r.cspan+int(h.Hdr.Controllen)])
			}
			s.stats.bytesRead.Add(uint64(h.Len))
			out++
		}
		s.stats.datagramsRead.Add(uint64(out))
		if out > 0 {
			return out, nil
		}
	}
}

func (s *sysConn) readGRO(ms []Message) (int, error) {
	for {
		if s.r.head == len(s.r.pend) {
			if err := s.fillGRO(); err != nil {
				return 0, err
			}
		}
		out := 0
		for out < len(ms) && s.r.head < len(s.r.pend) {
			sg := s.r.pend[s.r.head]
			s.r.pend[s.r.head] = segment{}
			s.r.head++
			if len(sg.b) > len(ms[out].Buf) {
				s.stats.truncated.Add(1)
				continue
			}
			ms[out].N = copy(ms[out].Buf, sg.b)
			ms[out].Addr = sg.addr
			ms[out].Local = sg.local
			out++
		}
		s.stats.datagramsRead.Add(uint64(out))
		if out > 0 {
			return out, nil
		}
	}
}

// fillGRO receives into the internal 64 KiB buffers and splits coalesced
// buffers at the segment size the kernel reports (the last segment may be
// shorter).
func (s *sysConn) fillGRO() error {
	s.r.pend = s.r.pend[:0]
	s.r.head = 0
	k := len(s.r.groBufs)
	for i := 0; i < k; i++ {
		s.r.iovs[i].Base = &s.r.groBufs[i][0]
		s.r.iovs[i].SetLen(groBufSize)
	}
	n, err := s.recvmmsg(k)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		h := &s.r.hdrs[i]
		if h.Hdr.Flags&unix.MSG_TRUNC != 0 {
			s.stats.truncated.Add(1)
			continue
		}
		if s.tw != nil && s.tw.isKick(h.Len, &s.r.names[i]) {
			continue
		}
		total := int(h.Len)
		s.stats.bytesRead.Add(uint64(total))
		from := decodeSockaddr(&s.r.names[i])
		seg, local := parseCtrl(s.r.ctrl[i*s.r.cspan : i*s.r.cspan+int(h.Hdr.Controllen)])
		if seg <= 0 || seg >= total {
			s.r.pend = append(s.r.pend, segment{s.r.groBufs[i][:total], from, local})
			continue
		}
		s.stats.groCoalesced.Add(1)
		b := s.r.groBufs[i][:total]
		for len(b) > 0 {
			m := min(seg, len(b))
			s.r.pend = append(s.r.pend, segment{b[:m:m], from, local})
			b = b[m:]
		}
	}
	return nil
}

// parseCtrl returns the GRO segment size (0: none) and the datagram's
// local address (invalid: not reported) from a received control buffer.
func parseCtrl(ctrl []byte) (seg int, local netip.Addr) {
	for len(ctrl) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(ctrl) {
			return seg, local
		}
		v := ctrl[unix.CmsgLen(0):l]
		switch {
		case h.Level == unix.IPPROTO_UDP && h.Type == unix.UDP_GRO && len(v) >= 4:
			seg = int(*(*int32)(unsafe.Pointer(&v[0])))
		case h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && len(v) >= unix.SizeofInet4Pktinfo:
			pi := (*unix.Inet4Pktinfo)(unsafe.Pointer(&v[0]))
			local = netip.AddrFrom4(pi.Addr) // the header's destination address
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_PKTINFO && len(v) >= unix.SizeofInet6Pktinfo:
			pi := (*unix.Inet6Pktinfo)(unsafe.Pointer(&v[0]))
			local = netip.AddrFrom16(pi.Addr).Unmap()
			if local.Is6() && pi.Ifindex != 0 && local.IsLinkLocalUnicast() {
				local = local.WithZone(strconv.FormatUint(uint64(pi.Ifindex), 10))
			}
		}
		sp := unix.CmsgSpace(l - unix.CmsgLen(0))
		if sp > len(ctrl) {
			return seg, local
		}
		ctrl = ctrl[sp:]
	}
	return seg, local
}

// isV6Only reports whether an AF_INET6 socket refuses IPv4 (then it needs
// no IP_PKTINFO).
func isV6Only(fd int) bool {
	v, err := unix.GetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY)
	return err == nil && v != 0
}

// appendPktinfo writes the cmsg choosing src as the source address of a
// datagram to dst into c (at least cmsgPktSendSpace bytes) and returns its
// length, or 0 when src cannot be the source of such a datagram.
func appendPktinfo(c []byte, src netip.Addr, dst netip.Addr, family int) int {
	ch := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
	v := c[unix.CmsgLen(0):]
	if dst.Unmap().Is4() {
		if !src.Is4() {
			return 0
		}
		// IP_PKTINFO works on a dual-stack AF_INET6 socket too: the
		// kernel hands a v4-mapped destination to the IPv4 send path.
		ch.Level, ch.Type = unix.IPPROTO_IP, unix.IP_PKTINFO
		ch.SetLen(unix.CmsgLen(unix.SizeofInet4Pktinfo))
		pi := (*unix.Inet4Pktinfo)(unsafe.Pointer(&v[0]))
		*pi = unix.Inet4Pktinfo{Spec_dst: src.As4()}
		return unix.CmsgSpace(unix.SizeofInet4Pktinfo)
	}
	if family != unix.AF_INET6 || !src.Is6() || src.Is4In6() {
		return 0
	}
	ch.Level, ch.Type = unix.IPPROTO_IPV6, unix.IPV6_PKTINFO
	ch.SetLen(unix.CmsgLen(unix.SizeofInet6Pktinfo))
	pi := (*unix.Inet6Pktinfo)(unsafe.Pointer(&v[0]))
	*pi = unix.Inet6Pktinfo{Addr: src.As16()}
	if z := src.Zone(); z != "" {
		pi.Ifindex = zoneIndex(z)
	}
	return unix.CmsgSpace(unix.SizeofInet6Pktinfo)
}

func (s *sysConn) recvmmsg(k int) (int, error) {
	for i := 0; i < k; i++ {
		h := &s.r.hdrs[i]
		h.Hdr = unix.Msghdr{
			Name:    (*byte)(unsafe.Pointer(&s.r.names[i])),
			Namelen: unix.SizeofSockaddrInet6,
			Iov:     &s.r.iovs[i],
		}
		h.Hdr.SetIovlen(1)
		if s.r.cspan > 0 {
			h.Hdr.Control = &s.r.ctrl[i*s.r.cspan]
			h.Hdr.SetControllen(s.r.cspan)
		}
		h.Len = 0
	}
	s.r.k = k
	for {
		var n int
		var errno syscall.Errno
		var err error
		if s.tw != nil {
			n, errno, err = s.tw.recvmmsg(&s.r.hdrs[0], k)
		} else {
			err = s.rc.Read(s.r.recvFn)
			n, errno = s.r.n, s.r.errno
		}
		if err != nil {
			return 0, err
		}
		switch {
		case errno == 0:
			s.stats.readCalls.Add(1)
			return n, nil
		case errno == unix.ENOSYS:
			s.disableBatch()
			return 0, errNoBatch
		case isICMPErrno(errno):
			// A pending socket error (ICMP with IP_RECVERR) is reported
			// once by the next receive; it is not a socket failure.
			continue
		default:
			return 0, errno
		}
	}
}

func (s *sysConn) disableBatch() {
	if s.batch.Swap(false) {
		s.stats.fallbacks.Add(1)
	}
}

// ---- send ----

func (s *sysConn) writeBatch(ms []Message) (int, error) {
	if !s.batch.Load() {
		return 0, errNoBatch
	}
	done := 0
	for done < len(ms) {
		n, err := s.writeSome(ms[done:])
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// writeSome sends up to len(w.hdrs) send messages (runs) in one sendmmsg,
// retrying partial sends, and returns the number of Messages sent.
func (s *sysConn) writeSome(ms []Message) (int, error) {
	w := &s.w
	gso := s.gso.Load()
	nh, i := 0, 0
	for i < len(ms) && nh < len(w.hdrs) {
		j := i + 1
		seg := len(ms[i].Buf)
		if gso && seg > 0 {
			total := seg
			for j < len(ms) && j-i < maxGSOSegments {
				l := len(ms[j].Buf)
				if ms[j].Addr != ms[i].Addr || ms[j].Local != ms[i].Local || l > seg || l == 0 || total+l > MaxDatagram {
					break
				}
				total += l
				j++
				if l < seg { // a short segment can only be the last one
					break
				}
			}
		}
		nh++
		w.runs[nh-1] = j - i
		i = j
	}
	for k := 0; k < i; k++ {
		w.iovs[k].Base = bufBase(ms[k].Buf)
		w.iovs[k].SetLen(len(ms[k].Buf))
	}
	first := 0
	for h := 0; h < nh; h++ {
		r := w.runs[h]
		hd := &w.hdrs[h]
		nl := encodeSockaddr(&w.names[h], ms[first].Addr, s.family)
		if nl == 0 {
			if h == 0 {
				return 0, ErrAddressFamily
			}
			nh = h
			break
		}
		hd.Hdr = unix.Msghdr{
			Name:    (*byte)(unsafe.Pointer(&w.names[h])),
			Namelen: uint32(nl),
			Iov:     &w.iovs[first],
		}
		hd.Hdr.SetIovlen(r)
		c := w.ctrl[h*w.cspan : (h+1)*w.cspan]
		cl := 0
		if r > 1 {
			ch := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
			ch.Level = unix.IPPROTO_UDP
			ch.Type = unix.UDP_SEGMENT
			ch.SetLen(unix.CmsgLen(2))
			*(*uint16)(unsafe.Pointer(&c[unix.CmsgLen(0)])) = uint16(len(ms[first].Buf))
			cl = cmsgSegSpace
		}
		if s.pktinfo && ms[first].Local.IsValid() {
			cl += appendPktinfo(c[cl:], ms[first].Local, ms[first].Addr.Addr(), s.family)
		}
		if cl > 0 {
			hd.Hdr.Control = &c[0]
			hd.Hdr.SetControllen(cl)
		}
		hd.Len = 0
		first += r
	}

	sentMsgs := 0
	h := 0
	for h < nh {
		k, err := s.sendmmsg(w.hdrs[h:nh])
		if err == nil {
			for x := h; x < h+k; x++ {
				r := w.runs[x]
				for y := sentMsgs; y < sentMsgs+r; y++ {
					ms[y].N = len(ms[y].Buf)
					s.stats.bytesWritten.Add(uint64(ms[y].N))
				}
				if r > 1 {
					s.stats.gsoSends.Add(1)
				}
				sentMsgs += r
			}
			s.stats.datagramsWritten.Add(uint64(countRuns(w.runs[h : h+k])))
			h += k
			continue
		}
		var errno syscall.Errno
		if !errors.As(err, &errno) {
			return sentMsgs, err
		}
		if w.runs[h] > 1 && (errno == unix.EIO || errno == unix.EINVAL || errno == unix.EOPNOTSUPP || errno == unix.ENOPROTOOPT) {
			// The kernel or the device refused GSO: stop using it
			// and resend from here without segmentation.
			if s.gso.Swap(false) {
				s.stats.fallbacks.Add(1)
			}
			return sentMsgs, nil
		}
		if errno == unix.ENOSYS {
			s.disableBatch()
			if sentMsgs > 0 {
				return sentMsgs, nil
			}
			return 0, errNoBatch
		}
		return sentMsgs, errno
	}
	return sentMsgs, nil
}

func countRuns(r []int) int {
	n := 0
	for _, x := range r {
		n += x
	}
	return n
}

func (s *sysConn) sendmmsg(hdrs []unix.Mmsghdr) (int, error) {
	if hdrs[0].Hdr.Iovlen > 1 && s.refuseGSO.Swap(false) {
		return 0, unix.EIO
	}
	s.w.sendHdrs = hdrs
	for retried := false; ; retried = true {
		err := s.rc.Write(s.w.sendFn)
		n, errno := s.w.n, s.w.errno
		s.stats.writeCalls.Add(1)
		if err != nil {
			return 0, err
		}
		if errno != 0 && s.onICMP != nil && isICMPErrno(errno) && !retried {
			// With IP_RECVERR a pending ICMP error is reported once by
			// the next send; the datagram was not sent, so send again,
			// once: the same error again is the send's own (no route
			// to the destination: an interface went down), which a
			// retry would repeat forever.
			continue
		}
		if errno != 0 {
			return 0, errno
		}
		return n, nil
	}
}

// ---- addresses ----

func bufBase(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}

func decodeSockaddr(sa *unix.RawSockaddrInet6) netip.AddrPort {
	pb := (*[2]byte)(unsafe.Pointer(&sa.Port))
	port := uint16(pb[0])<<8 | uint16(pb[1])
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	case unix.AF_INET6:
		a := netip.AddrFrom16(sa.Addr)
		if a.Is4In6() {
			return netip.AddrPortFrom(a.Unmap(), port)
		}
		if sa.Scope_id != 0 && (a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) {
			a = a.WithZone(strconv.FormatUint(uint64(sa.Scope_id), 10))
		}
		return netip.AddrPortFrom(a, port)
	}
	return netip.AddrPort{}
}

// encodeSockaddr writes a into sa for a socket of the given family and
// returns the sockaddr length, or 0 if the family cannot reach a.
func encodeSockaddr(sa *unix.RawSockaddrInet6, ap netip.AddrPort, family int) int {
	a := ap.Addr().Unmap()
	port := ap.Port()
	if family == unix.AF_INET {
		if !a.Is4() {
			return 0
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.As4()}
		pb := (*[2]byte)(unsafe.Pointer(&sa4.Port))
		pb[0], pb[1] = byte(port>>8), byte(port)
		return unix.SizeofSockaddrInet4
	}
	*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16()} // As16 maps IPv4
	if z := a.Zone(); z != "" {
		sa.Scope_id = zoneIndex(z)
	}
	pb := (*[2]byte)(unsafe.Pointer(&sa.Port))
	pb[0], pb[1] = byte(port>>8), byte(port)
	return unix.SizeofSockaddrInet6
}

func zoneIndex(z string) uint32 {
	if n, err := strconv.ParseUint(z, 10, 32); err == nil {
		return uint32(n)
	}
	if ifi, err := net.InterfaceByName(z); err == nil {
		return uint32(ifi.Index)
	}
	return 0
}
