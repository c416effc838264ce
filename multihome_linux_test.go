//go:build linux

package sctp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// mhStack is a wildcard stack (several local addresses need one) whose
// INITs go to remotePort; closed at cleanup.
func mhStack(t *testing.T, remotePort uint16) *Stack {
	t.Helper()
	st, err := NewStack(StackConfig{Network: "udp4", RemoteUDPPort: remotePort})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func sortedAddrs(l []netip.AddrPort) []netip.AddrPort {
	l = slices.Clone(l)
	slices.SortFunc(l, func(a, b netip.AddrPort) int { return a.Compare(b) })
	return l
}

// waitConfirmed reads s until none of its association's paths to want is
// unconfirmed (each confirmation is a PeerAddrChange event) or the socket's
// deadline passes.
func waitConfirmed(t *testing.T, s *Socket, want []netip.AddrPort) {
	t.Helper()
	for {
		left := 0
		for _, a := range want {
			pi, err := s.PaddrInfo(0, a)
			if err != nil {
				t.Fatalf("PaddrInfo(%v): %v", a, err)
			}
			if pi.State == SCTP_UNCONFIRMED {
				left++
			}
		}
		if left == 0 {
			return
		}
		if _, err := s.SCTPRecv(1 << 16); err != nil {
			t.Fatalf("waiting for paths %v to be confirmed: %v", want, err)
		}
	}
}

// TestMultihomedLoopback: both ends bound to two loopback addresses
// (Bind + Bindx) list them in INIT / INIT ACK; Connectx gives both of the
// server's; each side's GetPaddrs shows exactly the peer's two addresses
// (so no packet left from an address the socket did not bind, which the
// peer would have added as a path: the OS's own choice for 127/8 is
// 127.0.0.1), GetLaddrs its own two, every path gets confirmed by a
// HEARTBEAT from and to the right addresses, and data flows both ways.
func TestMultihomedLoopback(t *testing.T) {
	srvSt := mhStack(t, 0)
	cliSt := mhStack(t, srvSt.LocalUDPAddr().Port())

	ln, err := srvSt.NewSocketTCP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	setTestDeadline(t, ln.Socket)
	if err := ln.Bind(ap("127.0.0.3:0")); err != nil {
		t.Skipf("127.0.0.3 is not local here: %v", err)
	}
	port := ln.port
	if err := ln.Bindx([]netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.4"), port)}, BINDX_ADD); err != nil {
		t.Fatal(err)
	}
	if err := ln.SetEvents(EventSubscribe{DataIO: true, Address: true}); err != nil {
		t.Fatal(err)
	}
	if err := ln.Listen(4); err != nil {
		t.Fatal(err)
	}

	cli, err := cliSt.NewSocketTCP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	setTestDeadline(t, cli.Socket)
	if err := cli.Bindx([]netip.AddrPort{ap("127.0.0.5:0"), ap("127.0.0.6:0")}, BINDX_ADD); err != nil {
		t.Fatal(err)
	}
	if err := cli.SetEvents(EventSubscribe{DataIO: true, Address: true}); err != nil {
		t.Fatal(err)
	}
	srvAddrs := []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.3"), port), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.4"), port)}
	if _, err := cli.Connectx(srvAddrs); err != nil {
		t.Fatal(err)
	}
	acc, _, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	setTestDeadline(t, acc.Socket)

	cport := cli.port
	cliAddrs := []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.5"), cport), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.6"), cport)}
	check := func(name string, got []netip.AddrPort, err error, want []netip.AddrPort) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(sortedAddrs(got), want) {
			t.Fatalf("%s = %v, want %v", name, got, want)
		}
	}
	pc, err := cli.GetPaddrs(0)
	check("client GetPaddrs", pc, err, srvAddrs)
	ps, err := acc.GetPaddrs(0)
	check("server GetPaddrs", ps, err, cliAddrs)
	lc, err := cli.GetLaddrs(0)
	check("client GetLaddrs", lc, err, cliAddrs)
	ls, err := acc.GetLaddrs(0)
	check("server GetLaddrs", ls, err, srvAddrs)

	// The paths the peer listed (not given by the user) start
	// unconfirmed; a HEARTBEAT answered from the right address confirms
	// each (RFC 9260 §5.4).
	waitConfirmed(t, acc.Socket, cliAddrs)
	waitConfirmed(t, cli.Socket, srvAddrs)
	for i := range 20 {
		msg := []byte(fmt.Sprintf("message %d", i))
		if _, err := cli.SCTPSend(msg, nil); err != nil {
			t.Fatal(err)
		}
		r := recvDataSkip(t, acc.Socket)
		if !bytes.Equal(r.Msg, msg) {
			t.Fatalf("server got %q, want %q", r.Msg, msg)
		}
		if _, err := acc.SCTPSend(msg, nil); err != nil {
			t.Fatal(err)
		}
		if r := recvDataSkip(t, cli.Socket); !bytes.Equal(r.Msg, msg) {
			t.Fatalf("client got %q, want %q", r.Msg, msg)
		}
	}
}

// recvDataSkip returns the next data item of s, skipping notifications.
func recvDataSkip(t *testing.T, s *Socket) *Received {
	t.Helper()
	for {
		r, err := s.SCTPRecv(1 << 16)
		if err != nil {
			t.Fatal(err)
		}
		if r.Notification == nil {
			return r
		}
	}
}

// TestMultihomedListenerServesBoundAddrsOnly: a listener bound to
// 127.0.0.3 and 127.0.0.4 does not answer an INIT sent to 127.0.0.7 (the
// same wildcard UDP socket receives it): the connect fails at once with
// the ABORT of RFC 9260 §8.4 rule 3, as with no listener there.
func TestMultihomedListenerServesBoundAddrsOnly(t *testing.T) {
	srvSt := mhStack(t, 0)
	cliSt := mhStack(t, srvSt.LocalUDPAddr().Port())
	ln, err := srvSt.NewSocketTCP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := ln.Bindx([]netip.AddrPort{ap("127.0.0.3:0"), ap("127.0.0.4:0")}, BINDX_ADD); err != nil {
		t.Skipf("loopback addresses: %v", err)
	}
	if err := ln.Listen(4); err != nil {
		t.Fatal(err)
	}
	cli, err := cliSt.NewSocketTCP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	cli.SetDeadline(time.Now().Add(testTimeout))
	err = cli.Connect(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.7"), ln.port))
	if err == nil {
		t.Fatal("connect to an address the listener did not bind succeeded")
	}
	if !errors.Is(err, ErrConnectFailed) {
		t.Fatalf("connect: %v, want ErrConnectFailed", err)
	}
}

// TestBindxWithStackOnOneAddress: a stack whose UDP socket is bound to one
// address cannot serve others; Bindx says so.
func TestBindxWithStackOnOneAddress(t *testing.T) {
	st := testStack(t, lo4, 0)
	s, err := st.NewSocketTCP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind(ap("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	err = s.Bindx([]netip.AddrPort{ap("127.0.0.2:0")}, BINDX_ADD)
	if !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Bindx 127.0.0.2 on a stack bound to 127.0.0.1: %v, want ErrInvalidArgument", err)
	}
}
