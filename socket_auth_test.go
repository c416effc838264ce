package sctp

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/usctp/sctp/chunk"
)

// TestAsconfLoopbackSocketAPI drives RFC 5061 ASCONF with RFC 4895 AUTH
// between two stacks through the socket API, with an endpoint-pair shared
// key (key 1) active on both sides: Bindx adds 127.0.0.2 to the connected
// client (the server sees ADDR_ADDED, then ADDR_CONFIRMED by its
// HEARTBEAT), SetPeerPrimary makes it the server's primary
// (ADDR_MADE_PRIM) and data flows to it, a Bindx remove deletes it
// (ADDR_REMOVED) and data flows on. The client stack binds 0.0.0.0 so the
// server's packets to 127.0.0.2 reach it (one UDP socket per stack here);
// every address used is in 127.0.0.0/8.
func TestAsconfLoopbackSocketAPI(t *testing.T) {
	srvSt := testStack(t, lo4, 0)
	cliSt := testStack(t, netip.MustParseAddrPort("0.0.0.0:0"), srvSt.LocalUDPAddr().Port())
	authOn := func(s *Socket) {
		t.Helper()
		if err := s.SetAuthSupported(true); err != nil {
			t.Fatal(err)
		}
		if err := s.SetAuthKey(0, 1, []byte("endpoint pair key")); err != nil {
			t.Fatal(err)
		}
		if err := s.SetAuthActiveKey(0, 1); err != nil {
			t.Fatal(err)
		}
	}
	srv, addr := listenSocket(t, srvSt, AF_INET, TCP_STYLE, authOn)
	cli := newTCP(t, cliSt)
	authOn(cli.Socket)
	if err := cli.Bind(netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	conn := accept(t, &SocketTCP{srv})
	if err := conn.SetEvents(EventSubscribe{DataIO: true, Address: true, PeerError: true, Authentication: true}); err != nil {
		t.Fatal(err)
	}
	if err := cli.DeleteAuthKey(0, 1); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("deleting the active key: %v, want ErrInvalidArgument", err)
	}
	second := netip.MustParseAddr("127.0.0.2")
	waitAddr := func(state PeerAddrState, ip netip.Addr) {
		t.Helper()
		recvUntil(t, conn.Socket, func(it recvItem) bool {
			if e, ok := it.event.(RemoteError); ok {
				t.Fatalf("the peer refused a request: %v", e)
			}
			e, ok := it.event.(PeerAddrChange)
			return ok && e.State == state && e.Addr.Addr() == ip
		})
	}
	if err := cli.Bindx([]netip.AddrPort{netip.AddrPortFrom(second, 0)}, BINDX_ADD); err != nil {
		t.Fatal(err)
	}
	waitAddr(AddrAdded, second)
	waitAddr(AddrConfirmed, second)
	if err := cli.SetPeerPrimary(0, netip.AddrPortFrom(second, 0)); err != nil {
		t.Fatal(err)
	}
	waitAddr(AddrMadePrimary, second)
	st, err := conn.Status(0)
	if err != nil || st.Primary.Addr.Addr() != second {
		t.Fatalf("server primary %v (%v), want %v", st.Primary.Addr, err, second)
	}
	echo := func(msg string) {
		t.Helper()
		if _, err := conn.SCTPSend([]byte(msg), &SndInfo{PPID: 51}); err != nil {
			t.Fatal(err)
		}
		recvUntil(t, cli.Socket, func(it recvItem) bool { return it.msg == msg })
	}
	echo("to the new primary")
	if err := cli.Bindx([]netip.AddrPort{netip.AddrPortFrom(second, 0)}, BINDX_REMOVE); err != nil {
		t.Fatal(err)
	}
	waitAddr(AddrRemoved, second)
	if paddrs, err := conn.GetPaddrs(0); err != nil || len(paddrs) != 1 || paddrs[0].Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("server's peer addresses %v (%v), want 127.0.0.1 alone", paddrs, err)
	}
	echo("back on the first address")
}

func TestAuthSocketOptionErrors(t *testing.T) {
	st := testStack(t, lo4, 0)
	s := newTCP(t, st)
	if err := s.SetAuthChunk(uint8(chunk.TypeInit)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("SCTP_AUTH_CHUNK INIT: %v", err)
	}
	if err := s.SetAuthChunk(uint8(chunk.TypeCookieEcho)); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("SCTP_AUTH_CHUNK COOKIE ECHO: %v", err)
	}
	if err := s.SetAuthChunk(uint8(chunk.TypeData)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAuthActiveKey(0, 9); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("activating a missing key: %v", err)
	}
	if err := s.SetAuthKey(0, 9, []byte("k")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAuthActiveKey(0, 9); err != nil || s.AuthActiveKey() != 9 {
		t.Fatalf("active key %d (%v), want 9", s.AuthActiveKey(), err)
	}
	if err := s.DeleteAuthKey(0, 0); err != nil {
		t.Fatalf("deleting the default key 0: %v", err)
	}
	if err := s.SetPeerPrimary(0, netip.MustParseAddrPort("127.0.0.1:0")); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("SetPeerPrimary unconnected: %v", err)
	}
}
