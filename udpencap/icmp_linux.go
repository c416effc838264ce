//go:build linux

package udpencap

import (
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ICMP error reporting (Linux IP_RECVERR / IPV6_RECVERR). RFC 6951 §5.5: the
// stack must not rely on ICMP; this only surfaces what the kernel saw, and
// the consumer must verify the SCTP verification tag in Payload before
// acting on it.

func isICMPErrno(e syscall.Errno) bool {
	switch e {
	case unix.ECONNREFUSED, unix.EHOSTUNREACH, unix.ENETUNREACH, unix.EMSGSIZE, unix.EHOSTDOWN, unix.ENONET, unix.EPROTO:
		return true
	}
	return false
}

// sockExtendedErr mirrors struct sock_extended_err.
type sockExtendedErr struct {
	Errno  uint32
	Origin uint8
	Type   uint8
	Code   uint8
	Pad    uint8
	Info   uint32
	Data   uint32
}

// drainErrQueue reads every queued error with MSG_ERRQUEUE and reports the
// ICMP ones. Called from inside a RawConn callback with the socket's fd.
func (s *sysConn) drainErrQueue(fd uintptr) {
	if s.onICMP == nil {
		return
	}
	s.errMu.Lock()
	defer s.errMu.Unlock()
	for i := 0; i < 64; i++ {
		var name unix.RawSockaddrInet6
		iov := unix.Iovec{Base: &s.errBuf[0]}
		iov.SetLen(len(s.errBuf))
		msg := unix.Msghdr{
			Name:    (*byte)(unsafe.Pointer(&name)),
			Namelen: unix.SizeofSockaddrInet6,
			Iov:     &iov,
			Control: &s.errCtrl[0],
		}
		msg.SetIovlen(1)
		msg.SetControllen(len(s.errCtrl))
		r, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&msg)), unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
		if e != 0 {
			return
		}
		n := int(r)
		if n > len(s.errBuf) {
			n = len(s.errBuf)
		}
		ev, ok := parseErrQueue(s.errCtrl[:msg.Controllen])
		if !ok {
			continue
		}
		ev.To = decodeSockaddr(&name)
		ev.Payload = s.errBuf[:n]
		s.stats.icmpErrors.Add(1)
		s.onICMP(ev)
	}
}

func parseErrQueue(ctrl []byte) (ICMPError, bool) {
	for len(ctrl) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(ctrl) {
			return ICMPError{}, false
		}
		data := ctrl[unix.CmsgLen(0):l]
		v4 := h.Level == unix.IPPROTO_IP && h.Type == unix.IP_RECVERR
		v6 := h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_RECVERR
		if (v4 || v6) && len(data) >= int(unsafe.Sizeof(sockExtendedErr{})) {
			ee := (*sockExtendedErr)(unsafe.Pointer(&data[0]))
			ev := ICMPError{Type: ee.Type, Code: ee.Code}
			switch ee.Origin {
			case unix.SO_EE_ORIGIN_ICMP:
				ev.PortUnreachable = ee.Type == 3 && ee.Code == 3
				ev.FragNeeded = ee.Type == 3 && ee.Code == 4
			case unix.SO_EE_ORIGIN_ICMP6:
				ev.PortUnreachable = ee.Type == 1 && ee.Code == 4
				ev.FragNeeded = ee.Type == 2
			case unix.SO_EE_ORIGIN_LOCAL:
				ev.FragNeeded = syscall.Errno(ee.Errno) == unix.EMSGSIZE
			default:
				return ICMPError{}, false
			}
			if ev.FragNeeded {
				ev.MTU = int(ee.Info)
			}
			// The offender's address follows the struct (SO_EE_OFFENDER).
			off := data[unsafe.Sizeof(sockExtendedErr{}):]
			if len(off) >= 2 {
				fam := *(*uint16)(unsafe.Pointer(&off[0]))
				switch {
				case fam == unix.AF_INET && len(off) >= unix.SizeofSockaddrInet4:
					sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&off[0]))
					ev.From = netip.AddrFrom4(sa.Addr)
				case fam == unix.AF_INET6 && len(off) >= unix.SizeofSockaddrInet6:
					sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&off[0]))
					ev.From = netip.AddrFrom16(sa.Addr).Unmap()
				}
			}
			return ev, true
		}
		sp := unix.CmsgSpace(l - unix.CmsgLen(0))
		if sp > len(ctrl) {
			break
		}
		ctrl = ctrl[sp:]
	}
	return ICMPError{}, false
}
