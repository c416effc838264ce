//go:build linux

package udpencap

import (
	"net/netip"
	"testing"
)

// TestPacketInfoLoopback: one wildcard socket has several local addresses
// (127.0.0.0/8 is all local on Linux): a datagram sent to each of them is
// read with that address as Local, and a write from a chosen Local leaves
// from it, on every read and write path (GRO on and off, GSO runs, IPv4 on
// a dual-stack socket and on an IPv4 socket, IPv6).
func TestPacketInfoLoopback(t *testing.T) {
	for _, tc := range []struct {
		name    string
		network string
		opts    []Option
	}{
		{"dualstack", "udp", nil},
		{"dualstack-nogro", "udp", []Option{WithoutGRO()}},
		{"udp4", "udp4", nil},
		{"udp4-nogro-nogso", "udp4", []Option{WithoutGRO(), WithoutGSO()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := listenT(t, tc.network, "", tc.opts...)
			b := listenT(t, tc.network, "", tc.opts...)
			if !a.Capabilities().PacketInfo || !b.Capabilities().PacketInfo {
				t.Skipf("no IP_PKTINFO: %+v", a.Capabilities())
			}
			locals := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}
			// Runs of equal datagrams to one destination from two sources:
			// a GSO run must not mix sources.
			var ms []Message
			for i := 0; i < 12; i++ {
				m := Message{Buf: make([]byte, 300), Addr: loopbackOf(b, locals[i%3]), Local: netip.MustParseAddr(locals[(i/4)%3])}
				fill(m.Buf, i)
				ms = append(ms, m)
			}
			if n, err := a.WriteBatch(ms); err != nil || n != len(ms) {
				t.Fatalf("WriteBatch = %d, %v", n, err)
			}
			got := readN(t, b, len(ms), 2048)
			seen := map[[2]netip.Addr]int{}
			for _, g := range got {
				seen[[2]netip.Addr{g.Addr.Addr(), g.Local}]++
				if g.Addr.Port() != a.LocalAddr().Port() {
					t.Fatalf("datagram from %v, want port %d", g.Addr, a.LocalAddr().Port())
				}
			}
			for _, m := range ms {
				k := [2]netip.Addr{m.Local, m.Addr.Addr()}
				if seen[k] == 0 {
					t.Fatalf("no datagram from %v to %v; got %v", k[0], k[1], seen)
				}
				seen[k]--
			}
		})
	}
}

// TestPacketInfoIPv6 checks IPV6_PKTINFO on ::1 and that Local is reported.
func TestPacketInfoIPv6(t *testing.T) {
	skipNoIPv6(t)
	a := listenT(t, "udp", "")
	b := listenT(t, "udp", "")
	if !a.Capabilities().PacketInfo {
		t.Skip("no IPV6_PKTINFO")
	}
	ms := []Message{{Buf: []byte("x"), Addr: loopbackOf(b, "::1"), Local: netip.IPv6Loopback()}}
	if n, err := a.WriteBatch(ms); err != nil || n != 1 {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	got := readN(t, b, 1, 64)
	if got[0].Local != netip.IPv6Loopback() || got[0].Addr.Addr() != netip.IPv6Loopback() {
		t.Fatalf("got from %v to %v", got[0].Addr, got[0].Local)
	}
}

// TestPacketInfoOff: without IP_PKTINFO Local is never reported and the OS
// picks the source (127.0.0.1 for any 127/8 destination on Linux).
func TestPacketInfoOff(t *testing.T) {
	a := listenT(t, "udp4", "", WithoutPacketInfo())
	b := listenT(t, "udp4", "", WithoutPacketInfo())
	if a.Capabilities().PacketInfo {
		t.Fatal("PacketInfo reported although disabled")
	}
	ms := []Message{{Buf: []byte("x"), Addr: loopbackOf(b, "127.0.0.2"), Local: netip.MustParseAddr("127.0.0.3")}}
	if n, err := a.WriteBatch(ms); err != nil || n != 1 {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	got := readN(t, b, 1, 64)
	if got[0].Local.IsValid() {
		t.Fatalf("Local %v reported without PacketInfo", got[0].Local)
	}
	if got[0].Addr.Addr() == netip.MustParseAddr("127.0.0.3") {
		t.Fatalf("source 127.0.0.3 chosen without PacketInfo")
	}
}
