package sctp

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reusePortSteering: the kernel can steer datagrams among the sockets of
// a shard group (SO_REUSEPORT with SO_ATTACH_REUSEPORT_CBPF, Linux 4.5).
const reusePortSteering = true

// reusePortControl sets SO_REUSEPORT on a shard's socket before it is
// bound; on the first (first returns true), it also attaches the group's
// steering program, which the kernel runs on the UDP payload (the SCTP
// packet) and whose result indexes the group's sockets in bind order:
//
//	A = tag (bytes 4–7); if A ≠ 0 return A mod n
//	A = source port (bytes 0–1); return A mod n
//
// A packet too short for a load returns 0 (shard 0, which drops it as
// the others would, RFC 9260 §3.1).
func reusePortControl(first bool, n int) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); serr != nil || !first {
				return
			}
			prog := []unix.SockFilter{
				{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 4},
				{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 2, Jf: 0, K: 0},
				{Code: unix.BPF_ALU | unix.BPF_MOD | unix.BPF_K, K: uint32(n)},
				{Code: unix.BPF_RET | unix.BPF_A},
				{Code: unix.BPF_LD | unix.BPF_H | unix.BPF_ABS, K: 0},
				{Code: unix.BPF_ALU | unix.BPF_MOD | unix.BPF_K, K: uint32(n)},
				{Code: unix.BPF_RET | unix.BPF_A},
			}
			serr = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_REUSEPORT_CBPF,
				&unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]})
		})
		if err != nil {
			return err
		}
		return serr
	}
}
