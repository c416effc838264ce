//go:build linux

package sctp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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

// TestMultihomedTshark captures the server side of a multihomed loopback
// association (StackConfig.Capture, which records each datagram's real
// local address) and has tshark dissect it: every frame is SCTP with a
// good CRC32c, not malformed; the INIT lists the client's two addresses
// and the INIT ACK the server's two (RFC 9260 §3.3.2.1); every datagram
// goes between a client address and a server address the sockets bound.
func TestMultihomedTshark(t *testing.T) {
	tshark := needTshark(t)
	file := filepath.Join(t.TempDir(), "mh.pcap")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	srvSt, err := NewStack(StackConfig{Network: "udp4", Capture: f})
	if err != nil {
		t.Fatal(err)
	}
	defer srvSt.Close()
	udpPort := srvSt.LocalUDPAddr().Port()
	cliSt := mhStack(t, udpPort)
	ln, err := srvSt.NewSocketTCP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	setTestDeadline(t, ln.Socket)
	if err := ln.Bindx([]netip.AddrPort{ap("127.0.0.3:5003"), ap("127.0.0.4:5003")}, BINDX_ADD); err != nil {
		t.Skipf("loopback addresses: %v", err)
	}
	if err := ln.SetEvents(EventSubscribe{DataIO: true, Address: true}); err != nil {
		t.Fatal(err)
	}
	if err := ln.Listen(1); err != nil {
		t.Fatal(err)
	}
	cli, err := cliSt.NewSocketTCP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	setTestDeadline(t, cli.Socket)
	if err := cli.Bindx([]netip.AddrPort{ap("127.0.0.5:0"), ap("127.0.0.6:0")}, BINDX_ADD); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Connectx([]netip.AddrPort{ap("127.0.0.3:5003"), ap("127.0.0.4:5003")}); err != nil {
		t.Fatal(err)
	}
	acc, _, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	setTestDeadline(t, acc.Socket)
	waitConfirmed(t, acc.Socket, []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.5"), cli.port), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.6"), cli.port)})
	if _, err := cli.SCTPSend([]byte("over two paths"), nil); err != nil {
		t.Fatal(err)
	}
	if r := recvDataSkip(t, acc.Socket); string(r.Msg) != "over two paths" {
		t.Fatalf("got %q", r.Msg)
	}
	cli.Close()
	acc.Close()
	ln.Close()
	srvSt.Close() // flushes the capture
	cmd := exec.Command(tshark, "-n", "-r", file, "-o", "sctp.checksum:crc-32c", "-d", fmt.Sprintf("udp.port==%d,sctp", udpPort),
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
		"-e", "ip.src", "-e", "ip.dst", "-e", "sctp.checksum.status", "-e", "_ws.malformed", "-e", "sctp.chunk_type", "-e", "sctp.parameter_ipv4_address")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	cliIPs := map[string]bool{"127.0.0.5": true, "127.0.0.6": true}
	srvIPs := map[string]bool{"127.0.0.3": true, "127.0.0.4": true}
	var sawInit, sawInitAck bool
	frames := 0
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		fl := strings.Split(line, "\t")
		if len(fl) != 6 {
			t.Fatalf("tshark line %q", line)
		}
		frames++
		src, dst, ck, bad, types, addrs := fl[0], fl[1], fl[2], fl[3], fl[4], fl[5]
		if !(cliIPs[src] && srvIPs[dst] || srvIPs[src] && cliIPs[dst]) {
			t.Errorf("frame %d: %s -> %s: not between the bound addresses", frames, src, dst)
		}
		if ck != "1" && ck != "Good" || bad != "" {
			t.Errorf("frame %d: checksum status %q, malformed %q", frames, ck, bad)
		}
		switch types {
		case "1": // INIT
			sawInit = true
			if addrs != "127.0.0.5,127.0.0.6" {
				t.Errorf("INIT lists %q, want the client's two addresses", addrs)
			}
		case "2": // INIT ACK
			sawInitAck = true
			if addrs != "127.0.0.3,127.0.0.4" {
				t.Errorf("INIT ACK lists %q, want the server's two addresses", addrs)
			}
		}
	}
	if !sawInit || !sawInitAck || frames < 6 {
		t.Fatalf("capture of %d frames lacks INIT (%v) or INIT ACK (%v):\n%s", frames, sawInit, sawInitAck, out)
	}
}
