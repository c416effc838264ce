package sctp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/usctp/sctp/udpencap"
)

// The tests of issue 17: what a newcomer meets in the first hour.

// TestDefaultStacksTwoProcesses: two stacks opened the way DefaultStack
// opens its one (newDefaultStack) stand in for two programs on one host.
// The first gets the port; the second, finding it taken, falls back to an
// ephemeral UDP port: it can connect to the first, and listening on it
// fails with ErrUDPPortInUse naming the fix. A UDP port held by another
// socket makes NewStack fail the same way.
func TestDefaultStacksTwoProcesses(t *testing.T) {
	// A port nobody else on this machine uses during the test: hold it
	// with a socket, learn it, and release it to the "server program".
	hold, err := udpencap.Listen("udp", netip.AddrPort{})
	if err != nil {
		t.Fatal(err)
	}
	port := hold.LocalAddr().Port()

	// While another socket holds the port: the fallback.
	cliSt, err := newDefaultStack(port)
	if err != nil {
		t.Fatalf("default stack with its port taken: %v", err)
	}
	t.Cleanup(func() { cliSt.Close() })
	if got := cliSt.LocalUDPAddr().Port(); got == port || got == 0 || cliSt.fallbackFrom != port {
		t.Fatalf("fallback stack on UDP port %d (fallbackFrom %d), want an ephemeral port instead of %d", got, cliSt.fallbackFrom, port)
	}
	_, err = Listen("sctp", ":0", &Config{Stack: cliSt})
	if !errors.Is(err, ErrUDPPortInUse) {
		t.Fatalf("Listen on the fallback stack: %v, want ErrUDPPortInUse", err)
	}
	wantFallback := "sctp: UDP port " + utoa(port) + " was in use when the default stack started, so it runs on UDP port " + utoa(cliSt.LocalUDPAddr().Port()) +
		", where clients do not look; stop the process holding UDP port " + utoa(port) +
		" (another program on the default stack, usrsctp, kernel SCTP's UDP encapsulation), or listen on a Stack of your own (NewStack with StackConfig.LocalAddr) and give clients its port (Config.RemoteUDPPort, or dial HOST:PORT/udp:N)"
	if !strings.HasSuffix(err.Error(), wantFallback) || strings.Count(err.Error(), "sctp: ") != 1 {
		t.Errorf("Listen error\n%q\nwant it to end in\n%q", err, wantFallback)
	}

	// Explicitly configured port in use: NewStack says so, with the fix.
	_, err = NewStack(StackConfig{LocalAddr: netip.AddrPortFrom(netip.Addr{}, port)})
	if !errors.Is(err, ErrUDPPortInUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("NewStack on a taken UDP port: %v, want ErrUDPPortInUse and EADDRINUSE", err)
	}
	wantTaken := "sctp: UDP port " + utoa(port) + " is in use by another socket (another program on the default stack, usrsctp, kernel SCTP's UDP encapsulation?); " +
		"stop the process holding it, or choose another port with StackConfig.LocalAddr (port 0: any free port) and give clients that port (Config.RemoteUDPPort, or dial HOST:PORT/udp:N)"
	if err.Error() != wantTaken {
		t.Errorf("NewStack error\n%q\nwant\n%q", err, wantTaken)
	}

	// The "server program" starts once the port is free, with defaults.
	hold.Close()
	srvSt, err := newDefaultStack(port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srvSt.Close() })
	if srvSt.LocalUDPAddr().Port() != port || srvSt.fallbackFrom != 0 {
		t.Fatalf("server default stack on UDP port %d (fallback %d), want %d", srvSt.LocalUDPAddr().Port(), srvSt.fallbackFrom, port)
	}
	ln, err := Listen("sctp", ":0", &Config{Stack: srvSt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	// The client program, on the fallback stack, dials with no UDP port
	// given: its stack's default remote UDP port is the registered one.
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	sctpPort := ln.Addr().(*Addr).Port()
	c, err := Dial(ctx, "sctp", "127.0.0.1:"+utoa(sctpPort), &Config{Stack: cliSt})
	if err != nil {
		t.Fatalf("Dial from the fallback stack: %v", err)
	}
	defer c.Close()
	s, err := ln.AcceptContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c.SetDeadline(time.Now().Add(testTimeout))
	s.SetDeadline(time.Now().Add(testTimeout))
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := s.Read(buf); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if got := s.RemoteAddr().(*Addr).UDPPort; got != cliSt.LocalUDPAddr().Port() {
		t.Errorf("server sees the client at UDP port %d, want its ephemeral port %d (RFC 6951 §5.4)", got, cliSt.LocalUDPAddr().Port())
	}
}

func utoa(n uint16) string { return strconv.Itoa(int(n)) }

// TestAddrRoundTrip: every address the package prints parses back, and a
// Listener's address string dials it, UDP port included.
func TestAddrRoundTrip(t *testing.T) {
	for _, a := range []*Addr{
		{AddrPort: netip.MustParseAddrPort("127.0.0.1:57300"), UDPPort: 9899},
		{AddrPort: netip.MustParseAddrPort("[::1]:5000"), UDPPort: 40000},
		{AddrPort: netip.MustParseAddrPort("[fe80::1%eth0]:5000"), UDPPort: 1},
		{AddrPort: netip.MustParseAddrPort("10.0.0.1:1")},
		{AddrPort: netip.AddrPortFrom(netip.Addr{}, 36413)},
		{AddrPort: netip.AddrPortFrom(netip.Addr{}, 36413), UDPPort: 9899},
	} {
		got, err := ParseSCTPAddr(a.String())
		if err != nil || *got != *a {
			t.Errorf("ParseSCTPAddr(%q) = %v, %v; want %v", a.String(), got, err, a)
		}
		ap, err := ParseAddr(a.String())
		if err != nil || ap != a.AddrPort {
			t.Errorf("ParseAddr(%q) = %v, %v; want %v", a.String(), ap, err, a.AddrPort)
		}
	}
	for in, want := range map[string]string{
		"127.0.0.1:5000/udp:0":   `sctp: invalid argument: address "127.0.0.1:5000/udp:0": UDP port after /udp: is not a number 1..65535`,
		"127.0.0.1:5000/udp:x":   `sctp: invalid argument: address "127.0.0.1:5000/udp:x": UDP port after /udp: is not a number 1..65535`,
		"::1:5000":               `sctp: invalid argument: address "::1:5000": IPv6 literal needs brackets ([::1]:PORT)`,
		"localhost:abc":          `sctp: invalid argument: address "localhost:abc": port "abc" is not a number 0..65535`,
		"127.0.0.1":              `sctp: invalid argument: address "127.0.0.1": missing port (want HOST:PORT, IPv6 as [::1]:PORT)`,
		"host.example:5000":      `sctp: invalid argument: address "host.example:5000": host "host.example" is not an IP literal (Dial and Listen resolve names)`,
		"[::1:5000":              `sctp: invalid argument: address "[::1:5000": missing ] after the IPv6 literal`,
		"127.0.0.1:5000/udp:9/x": `sctp: invalid argument: address "127.0.0.1:5000/udp:9/x": UDP port after /udp: is not a number 1..65535`,
	} {
		if _, err := ParseSCTPAddr(in); err == nil || err.Error() != want || !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("ParseSCTPAddr(%q) = %v, want %q", in, err, want)
		}
	}

	// A client stack whose default remote UDP port is wrong (9899): the
	// /udp:N of the Listener's address is what reaches it.
	srvSt := testStack(t, lo4, 0)
	cliSt := testStack(t, lo4, 0)
	ln, err := Listen("sctp4", "127.0.0.1:0", &Config{Stack: srvSt})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, ln.Addr().Network(), ln.Addr().String(), &Config{Stack: cliSt})
	if err != nil {
		t.Fatalf("Dial(%q, %q): %v", ln.Addr().Network(), ln.Addr().String(), err)
	}
	c.Close()
	if got, want := c.RemoteAddr().String(), ln.Addr().String(); got != want {
		t.Errorf("RemoteAddr %q, want the listener's %q", got, want)
	}
	_, err = Dial(ctx, "sctp", ln.Addr().String(), &Config{Stack: cliSt, RemoteUDPPort: 7})
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "but Config.RemoteUDPPort is 7; give one of them") {
		t.Errorf("Dial with a conflicting RemoteUDPPort: %v", err)
	}
	_, err = Listen("sctp", "127.0.0.1:0/udp:7", &Config{Stack: srvSt})
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "names UDP port 7 but the stack's UDP port is") {
		t.Errorf("Listen on another UDP port: %v", err)
	}
}

// TestEmptyHostIsLocalHost: as in net.Dial and pysctp, an empty (or
// unspecified) peer host is the local host: ParseAddr(":PORT") prints
// back, and Connect and Dial reach a listener on every local address.
func TestEmptyHostIsLocalHost(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, err := srvSt.NewSocketTCP(AF_INET6)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	setTestDeadline(t, srv.Socket)
	if err := srv.Bind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(4); err != nil {
		t.Fatal(err)
	}
	l, _ := srv.GetLaddrs(0)
	port := l[0].Port()

	ap, err := ParseAddr(":" + utoa(port))
	if err != nil || ap.Addr().IsValid() || ap.Port() != port {
		t.Fatalf("ParseAddr(:%d) = %v, %v", port, ap, err)
	}
	if s := (&Addr{AddrPort: ap}).String(); s != ":"+utoa(port) {
		t.Errorf("the wildcard prints as %q", s)
	}
	for _, to := range []netip.AddrPort{ap, netip.AddrPortFrom(netip.IPv4Unspecified(), port)} {
		c := newTCP(t, cliSt)
		if err := c.Connect(to); err != nil {
			t.Fatalf("Connect(%v): %v", to, err)
		}
		if p, _ := c.GetPaddrs(0); len(p) != 1 || p[0] != netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port) {
			t.Errorf("Connect(%v) reached %v, want 127.0.0.1:%d", to, p, port)
		}
		accept(t, srv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, "sctp", ":"+utoa(port), &Config{Stack: cliSt})
	if err != nil {
		t.Fatalf("Dial(:%d): %v", port, err)
	}
	c.Close()
	if ip := c.RemoteAddr().(*Addr).Addr(); !ip.IsLoopback() {
		t.Errorf("Dial(:%d) reached %v", port, ip)
	}
	if err := newTCP(t, cliSt).Connect(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 0)); err == nil ||
		err.Error() != "sctp: invalid argument: peer address 127.0.0.1:0: SCTP port 0 (give the peer's port, 1..65535)" {
		t.Errorf("Connect to port 0: %v", err)
	}
}

// TestErrorTexts: the exact texts of the errors the issue met: said once
// ("sctp: " at the start only), with the numbers, naming the fix.
func TestErrorTexts(t *testing.T) {
	ln, cfg := listenConn(t)
	cfg.InitMsg = InitMsg{NumOstreams: 2, MaxInstreams: 2}
	c, _ := dialConn(t, ln, cfg)
	_, err := c.WriteMsg([]byte("x"), &SndInfo{Stream: 5})
	var oe *net.OpError
	if !errors.Is(err, ErrInvalidStream) || !errors.As(err, &oe) {
		t.Fatalf("send on stream 5: %v", err)
	}
	if got, want := oe.Err.Error(), "sctp: invalid stream: stream 5 of 2 negotiated (use 0..1; InitMsg.NumOstreams asks the peer for more)"; got != want {
		t.Errorf("stream error %q, want %q", got, want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	refusedPort := ln.Addr().(*Addr).Port() + 1
	_, err = Dial(ctx, "sctp4", "127.0.0.1:"+utoa(refusedPort), cfg)
	if !errors.Is(err, ErrConnectFailed) || !errors.Is(err, ErrAborted) || !errors.As(err, &oe) {
		t.Fatalf("Dial to a port without listener: %v", err)
	}
	if got, want := oe.Err.Error(), "sctp: association setup failed: the peer refused it with an ABORT (is anything listening on that SCTP port?)"; got != want {
		t.Errorf("refused: %q, want %q", got, want)
	}
	if !strings.HasPrefix(err.Error(), "dial sctp 127.0.0.1:"+utoa(refusedPort)+"/udp:") {
		t.Errorf("refused: %q does not name the peer as HOST:PORT/udp:N", err)
	}

	_, err = Listen("sctp4", ln.Addr().String(), &Config{Stack: ln.s.stack})
	if !errors.Is(err, ErrPortInUse) || !errors.As(err, &oe) {
		t.Fatalf("second Listen on one port: %v", err)
	}
	if got, want := oe.Err.Error(), "sctp: port already in use: SCTP port "+utoa(ln.Addr().(*Addr).Port())+" is bound by another socket of this stack; close it, or choose another port (0: any free port)"; got != want {
		t.Errorf("port in use: %q, want %q", got, want)
	}

	// Wrapped engine errors say "sctp: " once.
	if got, want := joinErr(ErrClosed, &AbortError{ByPeer: true, Cause: 12, Reason: "bye"}).Error(),
		"sctp: association closed: association aborted by peer (cause 12): bye"; got != want {
		t.Errorf("joinErr: %q, want %q", got, want)
	}
	if got := (&connectError{silent: true}).Error(); strings.Count(got, "sctp:") != 1 || !strings.Contains(got, "check the address, that the peer listens, and its UDP encapsulation port") {
		t.Errorf("silent setup failure: %q", got)
	}
	if got, want := (&connectError{cause: errDeadline}).Error(), "sctp: association setup failed: i/o timeout"; got != want {
		t.Errorf("connectError: %q, want %q", got, want)
	}

	s := newTCP(t, ln.s.stack)
	if err := s.Socket.Listen(-1); err == nil || err.Error() != "sctp: invalid argument: negative backlog -1 (0: the default)" {
		t.Errorf("Listen(-1): %v", err)
	}
	if _, err := s.SCTPRecv(0); err == nil || err.Error() != "sctp: invalid argument: maxlen 0 (want at least 1)" {
		t.Errorf("SCTPRecv(0): %v", err)
	}
	if err := s.Shutdown(7); err == nil || err.Error() != "sctp: invalid argument: shutdown how 7 (want SHUT_RD, SHUT_WR or SHUT_RDWR)" {
		t.Errorf("Shutdown(7): %v", err)
	}
	if _, err := s.SCTPSend([]byte("x"), nil); !errors.Is(err, ErrNotConnected) ||
		err.Error() != "sctp: no such association: the one-to-one socket has no association (Connect it, or use a socket returned by Accept)" {
		t.Errorf("send on an unconnected one-to-one socket: %v", err)
	}
	v4, _ := ln.s.stack.NewSocketTCP(AF_INET)
	defer v4.Close()
	if err := v4.Bind(netip.MustParseAddrPort("[::1]:0")); err == nil || err.Error() != "sctp: invalid argument: bind address [::1]:0 is not an AF_INET address (IPv6 needs an AF_INET6 socket)" {
		t.Errorf("Bind IPv6 on AF_INET: %v", err)
	}
}

// TestLocalAddrsShowWhatIsBound: GetLaddrs and Conn.LocalAddr show the
// family and address actually bound, not [::] for an AF_INET socket.
func TestLocalAddrsShowWhatIsBound(t *testing.T) {
	// A wildcard stack, as DefaultStack is.
	st := testStack(t, netip.AddrPort{}, 0)
	for fam, want := range map[Family]netip.Addr{AF_INET: netip.IPv4Unspecified(), AF_INET6: netip.IPv6Unspecified()} {
		s, err := st.NewSocketTCP(fam)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Bind(netip.AddrPort{}); err != nil {
			t.Fatal(err)
		}
		if l, err := s.GetLaddrs(0); err != nil || len(l) != 1 || l[0].Addr() != want || l[0].Port() == 0 {
			t.Errorf("%v socket bound to the wildcard: GetLaddrs = %v, %v; want %v", fam, l, err, want)
		}
	}
	// A connected Conn on wildcard stacks and sockets: the address its
	// packets leave from.
	cli := testStack(t, netip.AddrPort{}, st.LocalUDPAddr().Port())
	ln, err := Listen("sctp", ":0", &Config{Stack: st})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if got := ln.Addr().(*Addr).Addr(); got != netip.IPv6Unspecified() {
		t.Errorf("Listener on every address: %v", ln.Addr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := Dial(ctx, "sctp4", "127.0.0.1:"+utoa(ln.Addr().(*Addr).Port()), &Config{Stack: cli})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	la := c.LocalAddr().(*Addr)
	if la.Addr() != netip.MustParseAddr("127.0.0.1") || la.UDPPort != cli.LocalUDPAddr().Port() {
		t.Errorf("Conn.LocalAddr = %v, want 127.0.0.1:PORT/udp:%d", la, cli.LocalUDPAddr().Port())
	}
	if l, _ := c.Socket().GetLaddrs(c.AssocID()); len(l) != 1 || l[0] != la.AddrPort {
		t.Errorf("GetLaddrs(assoc) = %v, want %v", l, la.AddrPort)
	}
	// The wildcard listener's printed address dials too ("[::]" is the
	// local host).
	c2, err := Dial(ctx, ln.Addr().Network(), ln.Addr().String(), &Config{Stack: cli})
	if err != nil {
		t.Fatalf("Dial(%q): %v", ln.Addr().String(), err)
	}
	c2.Close()
}

// TestDocsMatchCode: the values the issue found disagreeing with their
// docs: flag Strings, SRTT right after the handshake, AssocChange.String,
// PeerAddrChange printed as IP:PORT/udp:N, Maxseg beside the
// fragmentation point, PathMTU beside the path's MTU.
func TestDocsMatchCode(t *testing.T) {
	if got := (SPP_HB_ENABLE | SPP_PMTUD_ENABLE | SPP_SACKDELAY_ENABLE).String(); got != "SPP_HB_ENABLE|SPP_PMTUD_ENABLE|SPP_SACKDELAY_ENABLE" {
		t.Errorf("PaddrFlags.String = %q", got)
	}
	if got := PaddrFlags(1 << 9).String(); got != "0x200" {
		t.Errorf("unknown PaddrFlags = %q", got)
	}
	if got := (AssocChange{ID: 1, State: CommUp, OutStreams: 2, InStreams: 3}).String(); got != "assoc 1: COMM_UP streams out=2 in=3" {
		t.Errorf("AssocChange.String = %q", got)
	}
	if got := (AssocChange{ID: 1, State: CommLost, Err: ErrAssociationFailed}).String(); got != "assoc 1: COMM_LOST streams out=0 in=0: sctp: association failed (peer unreachable)" {
		t.Errorf("AssocChange.String with an error = %q", got)
	}
	pc := PeerAddrChange{ID: 1, Addr: netip.MustParseAddrPort("127.0.0.1:9906"), State: AddrUnreachable, Port: 5000}
	if got := pc.String(); got != "assoc 1: peer 127.0.0.1:5000/udp:9906 ADDR_UNREACHABLE" {
		t.Errorf("PeerAddrChange.String = %q", got)
	}

	p := connectedTCP(t, InitMsg{})
	for name, s := range map[string]*SocketTCP{"connecting side": p.cli, "accepting side": p.conn} {
		st, err := s.Status(0)
		if err != nil {
			t.Fatal(err)
		}
		if st.Primary.SRTT <= 0 || st.Primary.SRTT > testTimeout {
			t.Errorf("%s: Status.Primary.SRTT = %v right after the handshake, want the handshake's RTT sample", name, st.Primary.SRTT)
		}
		if stats, _ := newConn(s.Socket).Stats(); stats.SRTT <= 0 {
			t.Errorf("%s: Stats.SRTT = %v right after the handshake", name, stats.SRTT)
		}
		if s.Maxseg() != 0 || st.FragmentationPoint != 1424 {
			t.Errorf("%s: Maxseg %d (none set), FragmentationPoint %d (want 1424 for a 1500-byte path)", name, s.Maxseg(), st.FragmentationPoint)
		}
		pp, err := s.PaddrParams(0, st.Primary.Addr)
		if err != nil {
			t.Fatal(err)
		}
		if pp.PathMTU-48 != st.Primary.MTU {
			t.Errorf("%s: PathMTU %d, PaddrInfo.MTU %d: want MTU = PathMTU − 48 as documented", name, pp.PathMTU, st.Primary.MTU)
		}
	}
}
