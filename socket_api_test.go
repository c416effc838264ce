package sctp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"
)

// Test helpers. Every test runs on 127.0.0.1 / ::1 with UDP ports chosen by
// the OS, and every blocking call is bounded by a deadline.

const testTimeout = 10 * time.Second

var lo4 = netip.MustParseAddrPort("127.0.0.1:0")

// testStack returns a stack on a free UDP port of laddr whose default
// remote UDP port is remotePort (0: 9899); it is closed at cleanup.
func testStack(t *testing.T, laddr netip.AddrPort, remotePort uint16) *Stack {
	t.Helper()
	st, err := NewStack(StackConfig{LocalAddr: laddr, RemoteUDPPort: remotePort})
	if err != nil {
		t.Fatalf("NewStack(%v): %v", laddr, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// stackPair returns a server stack and a client stack on 127.0.0.1 whose
// INITs go to the server's UDP port.
func stackPair(t *testing.T) (srv, cli *Stack) {
	srv = testStack(t, lo4, 0)
	cli = testStack(t, lo4, srv.LocalUDPAddr().Port())
	return srv, cli
}

func setTestDeadline(t *testing.T, s *Socket) {
	t.Helper()
	if err := s.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
}

// listenSocket returns a socket of family and style on st, bound to a free
// port of 127.0.0.1 and listening, and its address. configure, if not nil,
// sets options before Bind. The socket is closed at cleanup and its
// blocking calls are bounded by testTimeout.
func listenSocket(t *testing.T, st *Stack, family Family, style Style, configure func(*Socket)) (*Socket, netip.AddrPort) {
	t.Helper()
	s, err := st.NewSocket(family, style)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	setTestDeadline(t, s)
	if configure != nil {
		configure(s)
	}
	if err := s.Bind(lo4); err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(5); err != nil {
		t.Fatal(err)
	}
	l, err := s.GetLaddrs(0)
	if err != nil || len(l) != 1 || l[0].Port() == 0 {
		t.Fatalf("GetLaddrs = %v, %v", l, err)
	}
	return s, l[0]
}

// listenTCP returns a listening one-to-one socket on 127.0.0.1 and its
// address.
func listenTCP(t *testing.T, st *Stack) (*SocketTCP, netip.AddrPort) {
	t.Helper()
	s, addr := listenSocket(t, st, AF_INET, TCP_STYLE, nil)
	return &SocketTCP{s}, addr
}

// listenUDP returns a listening one-to-many socket on 127.0.0.1 and its
// address; configure, if not nil, sets options before Bind.
func listenUDP(t *testing.T, st *Stack, configure func(*Socket)) (*SocketUDP, netip.AddrPort) {
	t.Helper()
	s, addr := listenSocket(t, st, AF_INET, UDP_STYLE, configure)
	return &SocketUDP{s}, addr
}

// newTCP returns an unconnected one-to-one AF_INET socket on st, closed at
// cleanup, its blocking calls bounded by testTimeout.
func newTCP(t *testing.T, st *Stack) *SocketTCP {
	t.Helper()
	c, err := st.NewSocketTCP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	setTestDeadline(t, c.Socket)
	return c
}

// dialTCP returns a one-to-one socket on st connected to to with the
// stream counts of im.
func dialTCP(t *testing.T, st *Stack, to netip.AddrPort, im InitMsg) *SocketTCP {
	t.Helper()
	c := newTCP(t, st)
	if err := c.SetInitMsg(im); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(to); err != nil {
		t.Fatalf("Connect(%v): %v", to, err)
	}
	return c
}

func accept(t *testing.T, s *SocketTCP) *SocketTCP {
	t.Helper()
	c, from, err := s.Accept()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	if !from.Addr().IsLoopback() || from.Port() == 0 {
		t.Errorf("Accept peer address %v", from)
	}
	t.Cleanup(func() { c.Close() })
	setTestDeadline(t, c.Socket)
	return c
}

// tcpPair is an established one-to-one association between two stacks on
// 127.0.0.1: cli on cliSt connected to srv (listening at addr on srvSt),
// and conn, the socket srv accepted.
type tcpPair struct {
	srvSt, cliSt *Stack
	srv          *SocketTCP
	addr         netip.AddrPort
	cli, conn    *SocketTCP
}

// connectedTCP sets up a tcpPair, the client with the stream counts of im.
func connectedTCP(t *testing.T, im InitMsg) tcpPair {
	t.Helper()
	var p tcpPair
	p.srvSt, p.cliSt = stackPair(t)
	p.srv, p.addr = listenTCP(t, p.srvSt)
	p.cli = dialTCP(t, p.cliSt, p.addr, im)
	p.conn = accept(t, p.srv)
	return p
}

// awaitErr returns the next error sent on errc, failing the test with
// what if none comes within testTimeout.
func awaitErr(t *testing.T, errc <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(testTimeout):
		t.Fatal(what)
		return nil
	}
}

// recvData returns the next data item, failing on a notification.
func recvData(t *testing.T, s *Socket) *Received {
	t.Helper()
	r, err := s.SCTPRecv(1 << 20)
	if err != nil {
		t.Fatalf("SCTPRecv: %v", err)
	}
	if r.Flags&MSG_NOTIFICATION != 0 {
		t.Fatalf("SCTPRecv: unexpected notification %v", r.Notification)
	}
	if r.Flags&MSG_EOR == 0 {
		t.Fatalf("SCTPRecv: message without MSG_EOR")
	}
	return r
}

// nextEvent returns the next notification, skipping data.
func nextEvent(t *testing.T, s *Socket) (Event, netip.AddrPort) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		r, err := s.SCTPRecv(1 << 20)
		if err != nil {
			t.Fatalf("SCTPRecv waiting for a notification: %v", err)
		}
		if r.Flags&MSG_NOTIFICATION != 0 {
			return r.Notification, r.From
		}
	}
	t.Fatal("no notification in 1000 items")
	return nil, netip.AddrPort{}
}

// TestLoopbackPysctp ports pysctp's test_loopback.py: the client binds,
// connects and sends before the server accepts; the server then accepts
// and receives the message on the accepted socket.
func TestLoopbackPysctp(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)

	cli := newTCP(t, cliSt)
	if err := cli.SetInitMsg(InitMsg{NumOstreams: 3, MaxInstreams: 3}); err != nil {
		t.Fatal(err)
	}
	ev := cli.Events()
	ev.Clear()
	if err := cli.SetEvents(ev); err != nil {
		t.Fatal(err)
	}
	if err := cli.Bind(lo4); err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	if n, err := cli.SCTPSend([]byte("foo"), nil); err != nil || n != 3 {
		t.Fatalf("SCTPSend = %d, %v", n, err)
	}

	conn := accept(t, srv)
	r := recvData(t, conn.Socket)
	if string(r.Msg) != "foo" || r.Info.Stream != 0 || r.Info.PPID != 0 {
		t.Fatalf("got %q stream %d ppid %d", r.Msg, r.Info.Stream, r.Info.PPID)
	}
	st, err := cli.Status(0)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != SCTP_ESTABLISHED || st.OutStreams != 3 || st.InStreams != 3 {
		t.Errorf("client Status = %+v, want ESTABLISHED with 3/3 streams", st)
	}
	lc, _ := cli.GetLaddrs(0)
	pa, _ := conn.GetPaddrs(0)
	if len(lc) != 1 || len(pa) != 1 || lc[0].Port() != pa[0].Port() {
		t.Errorf("client laddrs %v, server sees paddrs %v: ports differ", lc, pa)
	}
}

// TestOneToOneEcho runs an echo server on one-to-one sockets: messages of
// several sizes on several streams come back with the same stream and PPID.
func TestOneToOneEcho(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	done := make(chan error, 1)
	go func() {
		c, _, err := srv.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(testTimeout))
		for {
			r, err := c.SCTPRecv(1 << 20)
			if err == io.EOF {
				done <- nil
				return
			}
			if err != nil {
				done <- err
				return
			}
			if _, err := c.SCTPSend(r.Msg, &SndInfo{Stream: r.Info.Stream, PPID: r.Info.PPID}); err != nil {
				done <- err
				return
			}
		}
	}()
	cli := dialTCP(t, cliSt, addr, InitMsg{NumOstreams: 4, MaxInstreams: 4})
	for i, size := range []int{1, 100, 1500, 9000, 65536, 200000} {
		msg := bytes.Repeat([]byte{byte(i + 1)}, size)
		si := &SndInfo{Stream: uint16(i % 4), PPID: uint32(1000 + i)}
		if _, err := cli.SCTPSend(msg, si); err != nil {
			t.Fatalf("send %d bytes: %v", size, err)
		}
		r := recvData(t, cli.Socket)
		if !bytes.Equal(r.Msg, msg) || r.Info.Stream != si.Stream || r.Info.PPID != si.PPID {
			t.Fatalf("echo of %d bytes: got %d bytes stream %d ppid %d", size, len(r.Msg), r.Info.Stream, r.Info.PPID)
		}
	}
	if err := cli.Shutdown(SHUT_WR); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("server: %v", err)
	}
}

// TestOneToManyEcho runs a one-to-many echo server that answers each
// association by address with the same stream and PPID; three clients
// set up their associations implicitly by sending.
func TestOneToManyEcho(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenUDP(t, srvSt, nil)
	go func() {
		for {
			r, err := srv.SCTPRecv(1 << 20)
			if err != nil {
				return
			}
			if r.Flags&MSG_NOTIFICATION != 0 {
				continue
			}
			srv.SCTPSend(r.Msg, &SndInfo{To: r.From, Stream: r.Info.Stream, PPID: r.Info.PPID})
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for k := 0; k < 3; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			c, err := cliSt.NewSocketUDP(AF_INET)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(testTimeout))
			for i := 0; i < 5; i++ {
				want := fmt.Sprintf("client %d message %d", k, i)
				si := &SndInfo{To: addr, Stream: uint16(i % 2), PPID: uint32(k*100 + i)}
				if _, err := c.SCTPSend([]byte(want), si); err != nil {
					errs <- fmt.Errorf("client %d send: %w", k, err)
					return
				}
				r, err := c.SCTPRecv(1 << 20)
				if err != nil {
					errs <- fmt.Errorf("client %d recv: %w", k, err)
					return
				}
				if string(r.Msg) != want || r.Info.Stream != si.Stream || r.Info.PPID != si.PPID || r.From.Port() != addr.Port() {
					errs <- fmt.Errorf("client %d: got %q stream %d ppid %d from %v", k, r.Msg, r.Info.Stream, r.Info.PPID, r.From)
					return
				}
			}
		}(k)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestTelecomPPIDs sends S1AP (18) and NGAP (60) on chosen streams, plus
// PPIDs with the top bit set (pysctp's OverflowError, B3): each arrives
// with the same host-order value on the same stream.
func TestTelecomPPIDs(t *testing.T) {
	pair := connectedTCP(t, InitMsg{NumOstreams: 8, MaxInstreams: 8})
	cli, conn := pair.cli, pair.conn
	sends := []SndInfo{
		{Stream: 1, PPID: PPID_S1AP},
		{Stream: 5, PPID: PPID_NGAP},
		{Stream: 7, PPID: 0xFFFFFFFF},
		{Stream: 0, PPID: 0x80000012, Flags: MSG_UNORDERED},
	}
	for i := range sends {
		if _, err := cli.SCTPSend([]byte{byte(i)}, &sends[i]); err != nil {
			t.Fatal(err)
		}
	}
	got := map[uint32]SndRcvInfo{}
	for range sends {
		r := recvData(t, conn.Socket)
		got[r.Info.PPID] = r.Info
	}
	for _, s := range sends {
		g, ok := got[s.PPID]
		if !ok || g.Stream != s.Stream || (g.Flags&MSG_UNORDERED != 0) != (s.Flags&MSG_UNORDERED != 0) {
			t.Errorf("sent stream %d ppid %#x flags %v; received %+v (found %v)", s.Stream, s.PPID, s.Flags, g, ok)
		}
	}
}

// TestPeeloff peels one association off a one-to-many server socket.
func TestPeeloff(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenUDP(t, srvSt, nil)
	a := dialTCP(t, cliSt, addr, InitMsg{})
	b := dialTCP(t, cliSt, addr, InitMsg{})
	a.SCTPSend([]byte("a1"), nil)
	b.SCTPSend([]byte("b1"), nil)
	a.SCTPSend([]byte("a2"), nil) // still queued on srv when peeled off

	r := recvData(t, srv.Socket)
	var aID AssocID
	bSeen := false
	switch string(r.Msg) {
	case "a1":
		aID = r.Info.AssocID
	case "b1":
		bSeen = true
		r = recvData(t, srv.Socket)
		if string(r.Msg) != "a1" {
			t.Fatalf("got %q", r.Msg)
		}
		aID = r.Info.AssocID
	default:
		t.Fatalf("got %q", r.Msg)
	}
	if aID == 0 {
		t.Fatal("zero association id in SndRcvInfo")
	}
	p, err := srv.Peeloff(aID)
	if err != nil {
		t.Fatalf("Peeloff: %v", err)
	}
	defer p.Close()
	setTestDeadline(t, p.Socket)
	if r := recvData(t, p.Socket); string(r.Msg) != "a2" {
		t.Fatalf("peeled socket got %q, want the queued a2", r.Msg)
	}
	a.SCTPSend([]byte("a3"), nil)
	if r := recvData(t, p.Socket); string(r.Msg) != "a3" {
		t.Fatalf("peeled socket got %q", r.Msg)
	}
	if _, err := p.SCTPSend([]byte("to a"), nil); err != nil {
		t.Fatal(err)
	}
	if r := recvData(t, a.Socket); string(r.Msg) != "to a" {
		t.Fatalf("client a got %q", r.Msg)
	}
	// The other association stays on the one-to-many socket.
	b.SCTPSend([]byte("b2"), nil)
	want := []string{"b1", "b2"}
	if bSeen {
		want = want[1:]
	}
	for _, w := range want {
		if r := recvData(t, srv.Socket); string(r.Msg) != w || r.Info.AssocID == aID {
			t.Fatalf("one-to-many socket got %q (assoc %d), want %q", r.Msg, r.Info.AssocID, w)
		}
	}
	if _, err := srv.GetPaddrs(aID); !errors.Is(err, ErrNotConnected) {
		t.Errorf("GetPaddrs of peeled association on the old socket: %v, want ErrNotConnected", err)
	}
}

func haveIPv6Loopback() bool {
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// TestBindxConnectxIPv4IPv6 binds one AF_INET6 server socket to 127.0.0.1
// and ::1 with Bindx and connects with Connectx to both addresses.
func TestBindxConnectxIPv4IPv6(t *testing.T) {
	if !haveIPv6Loopback() {
		t.Skip("no IPv6 loopback (::1) on this host")
	}
	srvSt := testStack(t, netip.AddrPort{}, 0)
	cliSt := testStack(t, netip.AddrPort{}, srvSt.LocalUDPAddr().Port())
	srv, err := srvSt.NewSocketTCP(AF_INET6)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	setTestDeadline(t, srv.Socket)
	if err := srv.Bindx([]netip.AddrPort{lo4, netip.MustParseAddrPort("[::1]:0")}, BINDX_ADD); err != nil {
		t.Fatalf("Bindx: %v", err)
	}
	laddrs, err := srv.GetLaddrs(0)
	if err != nil || len(laddrs) != 2 {
		t.Fatalf("GetLaddrs = %v, %v; want 2 addresses", laddrs, err)
	}
	port := laddrs[0].Port()
	if port == 0 || laddrs[1].Port() != port {
		t.Fatalf("GetLaddrs ports %v", laddrs)
	}
	if err := srv.Listen(5); err != nil {
		t.Fatal(err)
	}

	for _, first := range []string{"::1", "127.0.0.1"} {
		cli, err := cliSt.NewSocketTCP(AF_INET6)
		if err != nil {
			t.Fatal(err)
		}
		setTestDeadline(t, cli.Socket)
		other := "127.0.0.1"
		if first == other {
			other = "::1"
		}
		id, err := cli.Connectx([]netip.AddrPort{
			netip.AddrPortFrom(netip.MustParseAddr(first), port),
			netip.AddrPortFrom(netip.MustParseAddr(other), port),
		})
		if err != nil || id == 0 {
			t.Fatalf("Connectx via %s: id %d, %v", first, id, err)
		}
		cli.SCTPSend([]byte("via "+first), nil)
		conn, from, err := srv.Accept()
		if err != nil {
			t.Fatal(err)
		}
		setTestDeadline(t, conn.Socket)
		if from.Addr().Unmap().String() != first {
			t.Errorf("accepted from %v, want %s", from, first)
		}
		if r := recvData(t, conn.Socket); string(r.Msg) != "via "+first {
			t.Errorf("got %q", r.Msg)
		}
		conn.Close()
		cli.Close()
	}
	// Removing one address leaves the other.
	if err := srv.Bindx([]netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("::1"), port)}, BINDX_REMOVE); err != nil {
		t.Fatal(err)
	}
	if l, _ := srv.GetLaddrs(0); len(l) != 1 || l[0].Addr().Unmap() != lo4.Addr() {
		t.Errorf("after BINDX_REMOVE: %v", l)
	}
}

// TestNotifyCommUpAndShutdown subscribes to association and shutdown
// events: COMM_UP on both sides when the association comes up, then the
// peer's SHUTDOWN event and SHUTDOWN_COMP when the client closes.
func TestNotifyCommUpAndShutdown(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenUDP(t, srvSt, func(s *Socket) {
		s.SetEvents(EventSubscribe{Association: true, Shutdown: true})
	})

	cli := newTCP(t, cliSt)
	cli.SetEvents(EventSubscribe{Association: true})
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	ev, _ := nextEvent(t, cli.Socket)
	if ac, ok := ev.(AssocChange); !ok || ac.State != CommUp || ac.OutStreams == 0 {
		t.Fatalf("client first event %v, want COMM_UP", ev)
	}
	ev, from := nextEvent(t, srv.Socket)
	ac, ok := ev.(AssocChange)
	if !ok || ac.State != CommUp {
		t.Fatalf("server first event %v, want COMM_UP", ev)
	}
	if from.Port() == 0 || ac.ID == 0 {
		t.Errorf("COMM_UP from %v id %d", from, ac.ID)
	}
	cli.Close()
	ev, _ = nextEvent(t, srv.Socket)
	if se, ok := ev.(ShutdownEvent); !ok || se.ID != ac.ID {
		t.Fatalf("server event %v, want SHUTDOWN_EVENT for %d", ev, ac.ID)
	}
	ev, _ = nextEvent(t, srv.Socket)
	if sc, ok := ev.(AssocChange); !ok || sc.State != ShutdownComp || sc.ID != ac.ID {
		t.Fatalf("server event %v, want SHUTDOWN_COMP for %d", ev, ac.ID)
	}
}

// udpRelay forwards datagrams between a client and a server UDP address
// until cut, after which it silently drops everything: the peer "dies"
// without sending anything.
type udpRelay struct {
	front, back *net.UDPConn
	mu          sync.Mutex
	client      netip.AddrPort
	cut         bool
}

func newUDPRelay(t *testing.T, server netip.AddrPort) *udpRelay {
	t.Helper()
	front, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(lo4))
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(lo4))
	if err != nil {
		t.Fatal(err)
	}
	r := &udpRelay{front: front, back: back}
	t.Cleanup(func() { front.Close(); back.Close() })
	go relayPump(front, back, func(from netip.AddrPort) (netip.AddrPort, bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.client = from
		return server, !r.cut
	})
	go relayPump(back, front, func(netip.AddrPort) (netip.AddrPort, bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.client, !r.cut && r.client.IsValid()
	})
	return r
}

// relayPump copies each datagram read from src to dst, sent to the address
// route returns for its sender (nothing when route says false), until src
// is closed.
func relayPump(src, dst *net.UDPConn, route func(from netip.AddrPort) (netip.AddrPort, bool)) {
	buf := make([]byte, 65536)
	for {
		n, from, err := src.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if to, ok := route(from); ok {
			dst.WriteToUDPAddrPort(buf[:n], to)
		}
	}
}

func (r *udpRelay) port() uint16 { return r.front.LocalAddr().(*net.UDPAddr).AddrPort().Port() }

func (r *udpRelay) kill() {
	r.mu.Lock()
	r.cut = true
	r.mu.Unlock()
}

// fastFailure makes a socket give up quickly: short RTOs and small
// retransmission limits, so a dead peer is detected in well under a second.
func fastFailure(t *testing.T, s *Socket) {
	t.Helper()
	if err := s.SetRTOInfo(0, RTOInfo{Initial: 20 * time.Millisecond, Min: 10 * time.Millisecond, Max: 40 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAssocParams(0, AssocParams{AssocMaxRxt: 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPaddrParams(0, PaddrParams{PathMaxRxt: 1, HBInterval: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInitMsg(InitMsg{MaxAttempts: 2}); err != nil {
		t.Fatal(err)
	}
}

// relayedPair returns a listening one-to-one server on its own stack, its
// address, and a client stack whose packets reach the server through relay.
func relayedPair(t *testing.T) (srv *SocketTCP, addr netip.AddrPort, relay *udpRelay, cliSt *Stack) {
	t.Helper()
	srvSt := testStack(t, lo4, 0)
	srv, addr = listenTCP(t, srvSt)
	relay = newUDPRelay(t, srvSt.LocalUDPAddr())
	cliSt = testStack(t, lo4, relay.port())
	return srv, addr, relay, cliSt
}

// connectFailFast returns a one-to-one socket on st subscribed to events
// and connected to to, with the default timers: the tests apply
// fastFailure (to the live association) only when they cut the path, so a
// peer stalled by a loaded machine during setup cannot fail them.
func connectFailFast(t *testing.T, st *Stack, to netip.AddrPort, events EventSubscribe) *SocketTCP {
	t.Helper()
	c := newTCP(t, st)
	c.SetEvents(events)
	if err := c.Connect(to); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestNotifyCommLost: the peer dies silently with a message
// unacknowledged; after Association.Max.Retrans retransmissions the client
// gets COMM_LOST (ErrAssociationFailed), then receives and sends fail with
// that error.
func TestNotifyCommLost(t *testing.T) {
	srv, addr, relay, cliSt := relayedPair(t)
	cli := connectFailFast(t, cliSt, addr, EventSubscribe{Association: true})
	accept(t, srv)
	if ev, _ := nextEvent(t, cli.Socket); ev.(AssocChange).State != CommUp {
		t.Fatalf("first event %v", ev)
	}
	fastFailure(t, cli.Socket)
	relay.kill()
	if _, err := cli.SCTPSend([]byte("never acknowledged"), &SndInfo{PPID: 42, Context: 7}); err != nil {
		t.Fatal(err)
	}
	ev, from := nextEvent(t, cli.Socket)
	ac, ok := ev.(AssocChange)
	if !ok || ac.State != CommLost || !errors.Is(ac.Err, ErrAssociationFailed) {
		t.Fatalf("event %v, want COMM_LOST with ErrAssociationFailed", ev)
	}
	if from != addr {
		t.Errorf("COMM_LOST from %v, want %v", from, addr)
	}
	if _, err := cli.SCTPRecv(100); !errors.Is(err, ErrAssociationFailed) {
		t.Errorf("SCTPRecv after COMM_LOST: %v, want ErrAssociationFailed", err)
	}
	if _, err := cli.SCTPSend([]byte("x"), nil); !errors.Is(err, ErrAssociationFailed) {
		t.Errorf("send after COMM_LOST: %v, want ErrAssociationFailed", err)
	}
}

// TestNotifyPeerAddrChange: an idle association whose peer vanishes
// reports the path unreachable (heartbeats unanswered Path.Max.Retrans
// times, RFC 9260 §8.2) before the association is lost.
func TestNotifyPeerAddrChange(t *testing.T) {
	srv, addr, relay, cliSt := relayedPair(t)
	// fastFailure before the connect here: a new HB.interval does not
	// re-arm the heartbeat timer of a live idle path (the next HEARTBEAT
	// stays ~30 s away), so this one test keeps short timers from the
	// start and with them its sensitivity to a peer stalled during setup.
	cli := newTCP(t, cliSt)
	fastFailure(t, cli.Socket)
	cli.SetEvents(EventSubscribe{Address: true, Association: true})
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	accept(t, srv)
	relay.kill()
	var sawUnreachable bool
	for {
		ev, _ := nextEvent(t, cli.Socket)
		if pc, ok := ev.(PeerAddrChange); ok && pc.State == AddrUnreachable {
			if pc.Addr.Addr() != addr.Addr() || pc.Addr.Port() != relay.port() {
				t.Errorf("PeerAddrChange address %v, want %v with UDP port %d", pc.Addr, addr.Addr(), relay.port())
			}
			sawUnreachable = true
		}
		if ac, ok := ev.(AssocChange); ok && ac.State == CommLost {
			break
		}
	}
	if !sawUnreachable {
		t.Error("no PEER_ADDR_CHANGE ADDR_UNREACHABLE before COMM_LOST")
	}
}

// TestNotifySendFailedOnLoss: messages still unacknowledged when the
// association is lost come back in SEND_FAILED after COMM_LOST, with their
// data, stream, PPID and context.
func TestNotifySendFailedOnLoss(t *testing.T) {
	srv, addr, relay, cliSt := relayedPair(t)
	cli := connectFailFast(t, cliSt, addr, EventSubscribe{Association: true, SendFailure: true})
	accept(t, srv)
	fastFailure(t, cli.Socket)
	relay.kill()
	msg := []byte("never acknowledged")
	cli.SCTPSend(msg, &SndInfo{Stream: 1, PPID: 42, Context: 7})
	var sawLost bool
	for {
		ev, _ := nextEvent(t, cli.Socket)
		switch e := ev.(type) {
		case AssocChange:
			sawLost = sawLost || e.State == CommLost
		case SendFailed:
			if !sawLost || !bytes.Equal(e.Data, msg) || e.Stream != 1 || e.PPID != 42 || e.Context != 7 {
				t.Fatalf("SendFailed %+v (after COMM_LOST: %v)", e, sawLost)
			}
			return
		}
	}
}

// TestNotifySendFailedTTL: a message whose TTL expires before it is
// delivered is abandoned (RFC 3758) and reported in SEND_FAILED with its
// PPID and context.
func TestNotifySendFailedTTL(t *testing.T) {
	srv, addr, relay, cliSt := relayedPair(t)
	cli := dialTCP(t, cliSt, addr, InitMsg{})
	accept(t, srv)
	cli.SetEvents(EventSubscribe{SendFailure: true})
	relay.kill()
	if _, err := cli.SCTPSend([]byte("stale"), &SndInfo{PPID: 9, TTL: 30 * time.Millisecond, Context: 99}); err != nil {
		t.Fatal(err)
	}
	ev, _ := nextEvent(t, cli.Socket)
	sf, ok := ev.(SendFailed)
	if !ok || sf.Context != 99 || sf.PPID != 9 || !errors.Is(sf.Err, ErrMessageAbandoned) {
		t.Fatalf("event %v, want SEND_FAILED for the expired message", ev)
	}
	// RFC 6458 §6.1.11: the undelivered message comes back whole.
	if string(sf.Data) != "stale" {
		t.Errorf("SendFailed.Data = %q, want the message", sf.Data)
	}
}

// TestConnectUnreachable: INITs to a peer that never answers are retried
// Max.Init.Retransmits times, then Connect fails with a clear, timeout-
// flavoured ErrConnectFailed.
func TestConnectUnreachable(t *testing.T) {
	sink, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(lo4)) // swallows INITs
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	cliSt := testStack(t, lo4, sink.LocalAddr().(*net.UDPAddr).AddrPort().Port())
	cli := newTCP(t, cliSt)
	fastFailure(t, cli.Socket)
	start := time.Now()
	err = cli.Connect(netip.MustParseAddrPort("127.0.0.1:5000"))
	if !errors.Is(err, ErrConnectFailed) {
		t.Fatalf("Connect to a silent peer: %v, want ErrConnectFailed", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("error %v is not a net.Error timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	if _, err := cli.SCTPSend([]byte("x"), nil); !errors.Is(err, ErrNotConnected) {
		t.Errorf("send after failed connect: %v", err)
	}
}

// TestBadInput checks each bad call gets a clear error and that nothing
// accepted before is lost.
func TestBadInput(t *testing.T) {
	pair := connectedTCP(t, InitMsg{NumOstreams: 2, MaxInstreams: 2})
	cli, conn := pair.cli, pair.conn

	if _, err := cli.SCTPSend([]byte("kept 1"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.SCTPSend([]byte("bad stream"), &SndInfo{Stream: 2}); !errors.Is(err, ErrInvalidStream) {
		t.Errorf("stream 2 of 2: %v, want ErrInvalidStream", err)
	}
	big := make([]byte, pair.cliSt.maxMessage()+1)
	if _, err := cli.SCTPSend(big, nil); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("message above max: %v, want ErrMessageTooLarge", err)
	}
	if _, err := cli.SCTPSend(nil, nil); !errors.Is(err, ErrEmptyMessage) {
		t.Errorf("empty message: %v, want ErrEmptyMessage", err)
	}
	if _, err := cli.SCTPSend([]byte("x"), &SndInfo{Flags: 0x100}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown flag: %v, want ErrInvalidArgument", err)
	}
	if _, err := cli.Peeloff(1); !errors.Is(err, ErrWrongStyle) {
		t.Errorf("Peeloff on one-to-one: %v, want ErrWrongStyle", err)
	}
	if _, err := cli.Autoclose(); !errors.Is(err, ErrWrongStyle) {
		t.Errorf("Autoclose on one-to-one: %v, want ErrWrongStyle", err)
	}
	if _, err := cli.SCTPSend([]byte("kept 2"), &SndInfo{Stream: 1}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kept 1", "kept 2"} {
		if r := recvData(t, conn.Socket); string(r.Msg) != want {
			t.Fatalf("got %q, want %q", r.Msg, want)
		}
	}

	u, _ := pair.srvSt.NewSocketUDP(AF_INET)
	defer u.Close()
	if _, _, err := u.Accept(); !errors.Is(err, ErrWrongStyle) {
		t.Errorf("Accept on one-to-many: %v, want ErrWrongStyle", err)
	}
	if err := u.Bindx([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:40001"), netip.MustParseAddrPort("127.0.0.1:40002")}, BINDX_ADD); !errors.Is(err, ErrMixedPorts) {
		t.Errorf("bindx with mixed ports: %v, want ErrMixedPorts", err)
	}
	if _, err := u.SCTPSend([]byte("x"), nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("one-to-many send without destination: %v", err)
	}
	v4, _ := pair.srvSt.NewSocketTCP(AF_INET)
	defer v4.Close()
	if err := v4.Bind(netip.MustParseAddrPort("[::1]:0")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("IPv6 bind on AF_INET: %v, want ErrInvalidArgument", err)
	}
	if err := v4.Bind(netip.MustParseAddrPort("192.0.2.1:0")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bind to a non-local address: %v, want ErrInvalidArgument", err)
	}
	if err := v4.Bind(pair.addr); !errors.Is(err, ErrPortInUse) {
		t.Errorf("bind to a port in use: %v, want ErrPortInUse", err)
	}
	if _, err := pair.srvSt.NewSocket(Family(99), TCP_STYLE); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad family: %v", err)
	}

	cli.Close()
	if _, err := cli.SCTPSend([]byte("x"), nil); !errors.Is(err, net.ErrClosed) || !errors.Is(err, ErrClosed) {
		t.Errorf("send on closed socket: %v, want net.ErrClosed", err)
	}
	if _, err := cli.SCTPRecv(10); !errors.Is(err, net.ErrClosed) {
		t.Errorf("recv on closed socket: %v, want net.ErrClosed", err)
	}
	if err := cli.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

// TestDeadlinesAndContext: a read deadline, a deadline set while blocked,
// and a context each end a blocked SCTPRecv with the right error.
func TestDeadlinesAndContext(t *testing.T) {
	pair := connectedTCP(t, InitMsg{})
	cli := pair.cli

	cli.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := cli.SCTPRecv(10); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("expired deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	var ne net.Error
	cli.SetReadDeadline(time.Time{})
	errc := make(chan error, 1)
	go func() { _, err := cli.SCTPRecv(10); errc <- err }()
	cli.SetReadDeadline(time.Now().Add(10 * time.Millisecond)) // while blocked
	err := awaitErr(t, errc, "deadline set while blocked did not unblock SCTPRecv")
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("deadline set while blocked: %v", err)
	}
	cli.SetReadDeadline(time.Time{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := cli.SCTPRecvContext(ctx, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("context: %v, want context.DeadlineExceeded", err)
	}
	if _, _, err := pair.srv.AcceptContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AcceptContext: %v, want context.DeadlineExceeded", err)
	}
}

// TestCloseUnblocks: Close from another goroutine unblocks a reader, an
// acceptor and a writer stuck on a full send buffer.
func TestCloseUnblocks(t *testing.T) {
	srv, addr, relay, cliSt := relayedPair(t)
	cli := dialTCP(t, cliSt, addr, InitMsg{})
	conn := accept(t, srv)
	cli.SetDeadline(time.Time{})
	srv.SetDeadline(time.Time{})
	conn.SetDeadline(time.Time{})
	if err := cli.SetSndBuf(64 * 1024); err != nil {
		t.Fatal(err)
	}
	relay.kill() // nothing is acknowledged any more: the send buffer fills

	errs := make(chan error, 3)
	go func() { _, err := conn.SCTPRecv(10); errs <- err }()
	go func() { _, _, err := srv.Accept(); errs <- err }()
	go func() {
		msg := make([]byte, 16*1024)
		for i := 0; i < 1000; i++ {
			if _, err := cli.SCTPSend(msg, nil); err != nil {
				errs <- err
				return
			}
		}
		errs <- errors.New("1000 sends of 16 KiB into a 64 KiB buffer never blocked")
	}()
	time.Sleep(50 * time.Millisecond) // let the three calls block; not a result wait
	conn.Close()
	srv.Close()
	cli.Close()
	for i := 0; i < 3; i++ {
		err := awaitErr(t, errs, "Close did not unblock a blocked call")
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("blocked call returned %v, want net.ErrClosed", err)
		}
	}
}

// TestPartialRead: a message larger than maxlen comes in pieces, MSG_EOR
// only on the last.
func TestPartialRead(t *testing.T) {
	pair := connectedTCP(t, InitMsg{})
	cli, conn := pair.cli, pair.conn
	msg := bytes.Repeat([]byte("0123456789"), 25)
	cli.SCTPSend(msg, &SndInfo{PPID: 5})
	var got []byte
	for i := 0; ; i++ {
		r, err := conn.SCTPRecv(100)
		if err != nil {
			t.Fatal(err)
		}
		if r.Info.PPID != 5 {
			t.Errorf("piece %d ppid %d", i, r.Info.PPID)
		}
		got = append(got, r.Msg...)
		if r.Flags&MSG_EOR != 0 {
			if i != 2 {
				t.Errorf("MSG_EOR on piece %d, want 2", i)
			}
			break
		}
		if i > 3 {
			t.Fatal("no MSG_EOR")
		}
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("reassembled %q", got)
	}
}

// TestConcurrentSendRecv: several goroutines send and receive on the same
// sockets at once (pysctp users hit errors doing this, #50).
func TestConcurrentSendRecv(t *testing.T) {
	pair := connectedTCP(t, InitMsg{NumOstreams: 4, MaxInstreams: 4})
	cli, conn := pair.cli, pair.conn
	const senders, per = 4, 50
	wg := startProducers(senders, per, func(g, i int) bool {
		if _, err := cli.SCTPSend([]byte(fmt.Sprintf("%d/%d", g, i)), &SndInfo{Stream: uint16(g), PPID: uint32(g)}); err != nil {
			t.Error(err)
			return false
		}
		return true
	})
	var mu sync.Mutex
	seen := map[string]bool{}
	var rg sync.WaitGroup
	for r := 0; r < 3; r++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				mu.Lock()
				n := len(seen)
				mu.Unlock()
				if n == senders*per {
					return
				}
				conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				m, err := conn.SCTPRecv(100)
				if errors.Is(err, os.ErrDeadlineExceeded) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[string(m.Msg)] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rg.Wait()
	if len(seen) != senders*per {
		t.Fatalf("received %d distinct messages, want %d", len(seen), senders*per)
	}
}

// TestAutoclose: a one-to-many server shuts down associations idle for
// the autoclose time; the client then reads io.EOF.
func TestAutoclose(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenUDP(t, srvSt, nil)
	if err := srv.SetAutoclose(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if d, err := srv.Autoclose(); err != nil || d != 100*time.Millisecond {
		t.Fatalf("Autoclose() = %v, %v", d, err)
	}
	cli := dialTCP(t, cliSt, addr, InitMsg{})
	start := time.Now()
	cli.SCTPSend([]byte("hi"), nil)
	if r := recvData(t, srv.Socket); string(r.Msg) != "hi" {
		t.Fatalf("got %q", r.Msg)
	}
	if _, err := cli.SCTPRecv(10); err != io.EOF {
		t.Fatalf("client read after server autoclose: %v, want io.EOF", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("association closed after %v, before the 100 ms autoclose time", d)
	}
}

// TestStackClose: closing a stack closes its sockets (blocked calls
// return net.ErrClosed), aborts open associations (the peer sees
// ErrAborted) and makes the stack unusable.
func TestStackClose(t *testing.T) {
	pair := connectedTCP(t, InitMsg{})
	cli, conn := pair.cli, pair.conn
	errc := make(chan error, 1)
	go func() { _, err := cli.SCTPRecv(10); errc <- err }()
	if err := pair.cliSt.Close(); err != nil {
		t.Fatal(err)
	}
	err := awaitErr(t, errc, "Stack.Close did not unblock SCTPRecv")
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("blocked SCTPRecv after Stack.Close: %v", err)
	}
	if _, err := conn.SCTPRecv(10); !errors.Is(err, ErrAborted) {
		t.Errorf("peer read after Stack.Close: %v, want ErrAborted", err)
	}
	if _, err := pair.cliSt.NewSocketTCP(AF_INET); !errors.Is(err, net.ErrClosed) {
		t.Errorf("NewSocketTCP on a closed stack: %v", err)
	}
	if err := pair.cliSt.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Stack.Close: %v", err)
	}
}

// TestAcceptAfterPeerClosed: the client sends and closes before the server
// accepts; the server still gets the association, the message, then EOF.
func TestAcceptAfterPeerClosed(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	cli := dialTCP(t, cliSt, addr, InitMsg{})
	cli.SCTPSend([]byte("parting words"), nil)
	cli.Close()
	conn := accept(t, srv)
	if r := recvData(t, conn.Socket); string(r.Msg) != "parting words" {
		t.Fatalf("got %q", r.Msg)
	}
	if _, err := conn.SCTPRecv(100); err != io.EOF {
		t.Fatalf("after the message: %v, want io.EOF", err)
	}
}

// A one-to-many send to an address whose association is up does not wait
// for it: an expired write deadline (or a done context) makes the send
// fail, and must not tear the established association down as a connect
// that timed out would be (waitUp used to pick at random among its ready
// cases: up, and the deadline).
func TestOneToManyExpiredDeadlineKeepsAssociation(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenUDP(t, srvSt, nil)
	c, err := cliSt.NewSocketUDP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	setTestDeadline(t, c.Socket)
	if _, err := c.SCTPSend([]byte("first"), &SndInfo{To: addr}); err != nil {
		t.Fatal(err)
	}
	if r := recvData(t, srv.Socket); string(r.Msg) != "first" {
		t.Fatalf("server got %q", r.Msg)
	}
	c.SetWriteDeadline(time.Unix(1, 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := 0; i < 32; i++ {
		if _, err := c.SCTPSend([]byte("late"), &SndInfo{To: addr}); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("send %d with an expired write deadline = %v, want os.ErrDeadlineExceeded", i, err)
		}
	}
	setTestDeadline(t, c.Socket)
	// A context bounds only a wait, as on a one-to-one socket: with room
	// in the send buffer the message is sent.
	for i := 0; i < 32; i++ {
		if _, err := c.SCTPSendContext(ctx, []byte("canceled"), &SndInfo{To: addr}); err != nil {
			t.Fatalf("send %d with a canceled context = %v, want it sent (nothing to wait for)", i, err)
		}
	}
	if _, err := c.SCTPSend([]byte("after"), &SndInfo{To: addr}); err != nil {
		t.Fatalf("send after the deadline was cleared: %v (the association was torn down)", err)
	}
	for i := 0; i < 32; i++ {
		if r := recvData(t, srv.Socket); string(r.Msg) != "canceled" {
			t.Fatalf("server message %d: %q, want %q", i, r.Msg, "canceled")
		}
	}
	if r := recvData(t, srv.Socket); string(r.Msg) != "after" {
		t.Fatalf("server got %q, want %q", r.Msg, "after")
	}
}
