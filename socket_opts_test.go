package sctp

import (
	"errors"
	"io"
	"net/netip"
	"testing"
	"time"
)

// TestStatusAndPaddrInfo reads SCTP_STATUS and SCTP_GET_PEER_ADDR_INFO of
// an established association.
func TestStatusAndPaddrInfo(t *testing.T) {
	pair := connectedTCP(t, InitMsg{NumOstreams: 5, MaxInstreams: 7})
	cli, conn := pair.cli, pair.conn
	cli.SCTPSend([]byte("x"), nil)
	recvData(t, conn.Socket)

	st, err := cli.Status(0)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != SCTP_ESTABLISHED || st.OutStreams != 5 || st.InStreams == 0 || st.AssocID == 0 || st.FragmentationPoint == 0 || st.Rwnd == 0 {
		t.Errorf("Status = %+v", st)
	}
	if st.Primary.Addr != pair.addr || st.Primary.State != SCTP_ACTIVE || st.Primary.UDPPort != pair.srvSt.LocalUDPAddr().Port() || st.Primary.MTU == 0 || st.Primary.RTO == 0 || st.Primary.Cwnd == 0 {
		t.Errorf("Status.Primary = %+v, want %v active via UDP port %d", st.Primary, pair.addr, pair.srvSt.LocalUDPAddr().Port())
	}
	pi, err := cli.PaddrInfo(0, pair.addr)
	if err != nil || pi.Addr != pair.addr || pi.State != SCTP_ACTIVE {
		t.Errorf("PaddrInfo = %+v, %v", pi, err)
	}
	if _, err := cli.PaddrInfo(0, netip.MustParseAddrPort("10.9.9.9:1")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("PaddrInfo of a foreign address: %v", err)
	}
	if _, err := cli.Status(12345); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Status of another association id: %v", err)
	}
	sst, err := conn.Status(0)
	if err != nil || sst.InStreams != 5 || sst.OutStreams != st.InStreams {
		t.Errorf("server Status = %+v, %v; client %+v", sst, err, st)
	}
	ap, err := cli.AssocParams(0)
	if err != nil || ap.NumberPeerDestinations != 1 || ap.PeerRwnd == 0 || ap.AssocMaxRxt != 10 || ap.CookieLife != 60*time.Second {
		t.Errorf("AssocParams = %+v, %v", ap, err)
	}
	if err := cli.SetPrimary(0, pair.addr); err != nil {
		t.Errorf("SetPrimary to the only path: %v", err)
	}
	if err := cli.SetPrimary(0, netip.MustParseAddrPort("10.9.9.9:1")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("SetPrimary to a foreign address: %v", err)
	}
	if err := cli.SetPeerPrimary(0, pair.addr); !errors.Is(err, ErrNotSupported) {
		t.Errorf("SetPeerPrimary: %v", err)
	}
}

// TestRTOInfoLive: RTO bounds are defaults for new associations and can be
// changed on a live one.
func TestRTOInfoLive(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	cli := newTCP(t, cliSt)
	if r, err := cli.RTOInfo(0); err != nil || r != (RTOInfo{Initial: time.Second, Min: assocDefaultRTOMin, Max: 60 * time.Second}) {
		t.Errorf("default RTOInfo = %+v, %v", r, err)
	}
	if err := cli.SetRTOInfo(0, RTOInfo{Min: 2 * time.Second, Max: time.Second}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("min above max: %v", err)
	}
	if err := cli.SetRTOInfo(0, RTOInfo{Initial: 500 * time.Millisecond, Min: 100 * time.Millisecond, Max: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	accept(t, srv)
	if r, err := cli.RTOInfo(0); err != nil || r.Min != 100*time.Millisecond || r.Max != 5*time.Second {
		t.Errorf("association RTOInfo = %+v, %v", r, err)
	}
	if err := cli.SetRTOInfo(0, RTOInfo{Max: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if r, _ := cli.RTOInfo(0); r.Max != 3*time.Second || r.Min != 100*time.Millisecond {
		t.Errorf("after live SetRTOInfo: %+v", r)
	}
	st, _ := cli.Status(0)
	if st.Primary.RTO > 3*time.Second {
		t.Errorf("path RTO %v above the new max", st.Primary.RTO)
	}
	// The backoff bound: not below Min, kept when other fields change.
	if err := cli.SetRTOInfo(0, RTOInfo{MaxBackoff: 50 * time.Millisecond}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("MaxBackoff below Min: %v", err)
	}
	if err := cli.SetRTOInfo(0, RTOInfo{MaxBackoff: -time.Second}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative MaxBackoff: %v", err)
	}
	if err := cli.SetRTOInfo(0, RTOInfo{MaxBackoff: time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := cli.SetRTOInfo(0, RTOInfo{Max: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if r, _ := cli.RTOInfo(0); r.MaxBackoff != time.Second || r.Max != 4*time.Second {
		t.Errorf("after SetRTOInfo MaxBackoff then Max: %+v, want MaxBackoff 1s, Max 4s", r)
	}
}

// TestRemoteUDPEncapsPort: the socket default decides where a client's
// INIT goes; the association reports the port in use and accepts a new one.
func TestRemoteUDPEncapsPort(t *testing.T) {
	srvSt := testStack(t, lo4, 0)
	cliSt := testStack(t, lo4, 0) // default remote port 9899: wrong on purpose
	srv, addr := listenTCP(t, srvSt)
	cli := newTCP(t, cliSt)
	if p, err := cli.RemoteUDPEncapsPort(0, netip.AddrPort{}); err != nil || p != DefaultUDPPort {
		t.Errorf("default remote UDP port = %d, %v", p, err)
	}
	srvPort := srvSt.LocalUDPAddr().Port()
	if err := cli.SetRemoteUDPEncapsPort(0, netip.AddrPort{}, srvPort); err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(addr); err != nil {
		t.Fatalf("Connect with the remote UDP port set: %v", err)
	}
	conn := accept(t, srv)
	if p, err := cli.RemoteUDPEncapsPort(0, addr); err != nil || p != srvPort {
		t.Errorf("association remote UDP port = %d, %v; want %d", p, err, srvPort)
	}
	// The server learnt the client's port from its packets (RFC 6951 §5.4).
	if p, err := conn.RemoteUDPEncapsPort(0, netip.AddrPort{}); err != nil || p != cliSt.LocalUDPAddr().Port() {
		t.Errorf("server's remote UDP port = %d, %v; want %d", p, err, cliSt.LocalUDPAddr().Port())
	}
	if err := cli.SetRemoteUDPEncapsPort(0, addr, srvPort); err != nil {
		t.Errorf("SetRemoteUDPEncapsPort on the association: %v", err)
	}
	cli.SCTPSend([]byte("still there"), nil)
	if r := recvData(t, conn.Socket); string(r.Msg) != "still there" {
		t.Errorf("got %q", r.Msg)
	}
}

// TestMappedV4: an AF_INET6 socket reports IPv4 peers as v4-mapped IPv6
// when asked to.
func TestMappedV4(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenSocket(t, srvSt, AF_INET6, TCP_STYLE, func(s *Socket) {
		if err := s.SetMappedV4(true); err != nil {
			t.Fatal(err)
		}
	})
	if !addr.Addr().Is4In6() {
		t.Errorf("GetLaddrs with MappedV4: %v", addr)
	}
	dialTCP(t, cliSt, netip.AddrPortFrom(lo4.Addr(), addr.Port()), InitMsg{})
	_, from, err := srv.Accept()
	if err != nil || !from.Addr().Is4In6() || from.Addr().Unmap() != lo4.Addr() {
		t.Errorf("Accept with MappedV4: %v, %v", from, err)
	}
	v4, _ := srvSt.NewSocketTCP(AF_INET)
	defer v4.Close()
	if err := v4.SetMappedV4(true); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("SetMappedV4 on AF_INET: %v", err)
	}
}

// TestDisableFragmentsAndMaxseg: with DisableFragments, a message above
// the fragmentation point fails with ErrMessageTooLarge; Maxseg lowers the
// fragmentation point of new associations.
func TestDisableFragmentsAndMaxseg(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	cli := newTCP(t, cliSt)
	if err := cli.SetMaxseg(10); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("SetMaxseg(10): %v", err)
	}
	if err := cli.SetMaxseg(500); err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	conn := accept(t, srv)
	st, _ := cli.Status(0)
	if st.FragmentationPoint != 500 {
		t.Errorf("fragmentation point %d, want 500 (maxseg)", st.FragmentationPoint)
	}
	big := make([]byte, 2000)
	if _, err := cli.SCTPSend(big, nil); err != nil {
		t.Fatalf("fragmented send: %v", err)
	}
	if r := recvData(t, conn.Socket); len(r.Msg) != 2000 {
		t.Fatalf("got %d bytes", len(r.Msg))
	}
	cli.SetDisableFragments(true)
	if !cli.DisableFragments() {
		t.Error("DisableFragments() false")
	}
	if _, err := cli.SCTPSend(big, nil); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("send above the fragmentation point with DisableFragments: %v", err)
	}
	if _, err := cli.SCTPSend(big[:500], nil); err != nil {
		t.Errorf("send at the fragmentation point: %v", err)
	}
}

// TestMaxsegFragmentationPointIsTheCut: the data path cuts DATA at a
// multiple of 4 bytes, and the fragmentation point reported (and checked
// by DisableFragments) is that cut, also for a maxseg that is not a
// multiple of 4: a 1,001-byte maxseg gives 1,000, so a 1,001-byte message
// would need two fragments and is refused.
func TestMaxsegFragmentationPointIsTheCut(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	cli := newTCP(t, cliSt)
	if err := cli.SetMaxseg(1001); err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	conn := accept(t, srv)
	if st, _ := cli.Status(0); st.FragmentationPoint != 1000 {
		t.Errorf("fragmentation point %d, want 1000", st.FragmentationPoint)
	}
	cli.SetDisableFragments(true)
	if _, err := cli.SCTPSend(make([]byte, 1001), nil); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("1001 bytes with DisableFragments: %v, want ErrMessageTooLarge", err)
	}
	if _, err := cli.SCTPSend(make([]byte, 1000), nil); err != nil {
		t.Fatalf("1000 bytes with DisableFragments: %v", err)
	}
	if r := recvData(t, conn.Socket); len(r.Msg) != 1000 {
		t.Fatalf("got %d bytes", len(r.Msg))
	}
}

// TestDefaultSendParams: SCTPSend with nil info and Conn-style writes use
// the socket's default stream, PPID and flags.
func TestDefaultSendParams(t *testing.T) {
	pair := connectedTCP(t, InitMsg{NumOstreams: 4})
	cli, conn := pair.cli, pair.conn
	if err := cli.SetDefaultSendParams(SndInfo{Stream: 3, PPID: PPID_DIAMETER, Flags: MSG_EOF}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("MSG_EOF as a default: %v", err)
	}
	if err := cli.SetDefaultSendParams(SndInfo{Stream: 3, PPID: PPID_DIAMETER}); err != nil {
		t.Fatal(err)
	}
	if d := cli.DefaultSendParams(); d.Stream != 3 || d.PPID != 46 {
		t.Errorf("DefaultSendParams = %+v", d)
	}
	cli.SCTPSend([]byte("cer"), nil)
	if r := recvData(t, conn.Socket); r.Info.Stream != 3 || r.Info.PPID != 46 {
		t.Errorf("received %+v", r.Info)
	}
}

// TestAdaptationIndication: the adaptation layer indication set on one
// side arrives in the other's AdaptationIndication event, host order.
func TestAdaptationIndication(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	cli := newTCP(t, cliSt)
	cli.SetEvents(EventSubscribe{AdaptationLayer: true})
	if err := srv.SetAdaptation(0xC0FFEE01); err != nil {
		t.Fatal(err)
	}
	if v, ok := srv.Adaptation(); !ok || v != 0xC0FFEE01 {
		t.Errorf("Adaptation() = %#x, %v", v, ok)
	}
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	ev, _ := nextEvent(t, cli.Socket)
	if ai, ok := ev.(AdaptationIndication); !ok || ai.Indication != 0xC0FFEE01 {
		t.Fatalf("event %v, want AdaptationIndication 0xc0ffee01", ev)
	}
}

// TestOneToManyEOFAndAbort: MSG_EOF and MSG_ABORT on a one-to-many socket
// close single associations, gracefully or not; others are unaffected.
func TestOneToManyEOFAndAbort(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenUDP(t, srvSt, func(s *Socket) {
		s.SetEvents(EventSubscribe{Association: true})
	})
	a := dialTCP(t, cliSt, addr, InitMsg{})
	b := dialTCP(t, cliSt, addr, InitMsg{})
	ids := map[netip.AddrPort]AssocID{}
	for len(ids) < 2 {
		ev, from := nextEvent(t, srv.Socket)
		if ac, ok := ev.(AssocChange); ok && ac.State == CommUp {
			ids[from] = ac.ID
		}
	}
	la, _ := a.GetLaddrs(0)
	lb, _ := b.GetLaddrs(0)
	idA, idB := ids[netip.AddrPortFrom(lo4.Addr(), la[0].Port())], ids[netip.AddrPortFrom(lo4.Addr(), lb[0].Port())]
	if idA == 0 || idB == 0 {
		t.Fatalf("COMM_UP ids %v, client ports %v %v", ids, la, lb)
	}
	if _, err := srv.SCTPSend([]byte("bye"), &SndInfo{AssocID: idA, Flags: MSG_EOF}); err != nil {
		t.Fatal(err)
	}
	if r := recvData(t, a.Socket); string(r.Msg) != "bye" {
		t.Errorf("a got %q before the shutdown", r.Msg)
	}
	if _, err := a.SCTPRecv(10); err != io.EOF {
		t.Errorf("a after MSG_EOF: %v, want io.EOF", err)
	}
	if _, err := srv.SCTPSend([]byte("reason"), &SndInfo{AssocID: idB, Flags: MSG_ABORT}); err != nil {
		t.Fatal(err)
	}
	b.SetEvents(EventSubscribe{Association: true})
	for {
		r, err := b.SCTPRecv(100)
		if err != nil {
			if !errors.Is(err, ErrAborted) {
				t.Errorf("b's read after the abort: %v, want ErrAborted", err)
			}
			break
		}
		if ac, ok := r.Notification.(AssocChange); ok {
			var ae *AbortError
			if ac.State != CommLost || !errors.As(ac.Err, &ae) || ae.Reason != "reason" || !errors.Is(ac.Err, ErrAborted) {
				t.Errorf("b: %v (%v), want COMM_LOST aborted with reason", ac, ac.Err)
			}
		}
	}
	if _, err := srv.SCTPSend([]byte("x"), &SndInfo{AssocID: idB}); !errors.Is(err, ErrNotConnected) && !errors.Is(err, ErrClosed) {
		t.Errorf("send to the aborted association: %v", err)
	}
}

// TestShutdownRead: after SHUT_RD receives return io.EOF.
func TestShutdownRead(t *testing.T) {
	pair := connectedTCP(t, InitMsg{})
	cli, conn := pair.cli, pair.conn
	if err := conn.Shutdown(SHUT_RD); err != nil {
		t.Fatal(err)
	}
	cli.SCTPSend([]byte("ignored"), nil)
	if _, err := conn.SCTPRecv(10); err != io.EOF {
		t.Errorf("recv after SHUT_RD: %v", err)
	}
	if err := conn.Shutdown(ShutdownHow(7)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad how: %v", err)
	}
}

// TestOptionValidation: setters reject bad values with ErrInvalidArgument
// and keep zero fields unchanged.
func TestOptionValidation(t *testing.T) {
	st := testStack(t, lo4, 0)
	s, _ := st.NewSocketUDP(AF_INET)
	defer s.Close()
	if err := s.SetInitMsg(InitMsg{NumOstreams: 7}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInitMsg(InitMsg{MaxAttempts: 3}); err != nil {
		t.Fatal(err)
	}
	if m := s.InitMsg(); m.NumOstreams != 7 || m.MaxAttempts != 3 {
		t.Errorf("InitMsg = %+v, zero fields must not reset", m)
	}
	for name, err := range map[string]error{
		"SetRcvBuf(100)":       s.SetRcvBuf(100),
		"SetSndBuf(0)":         s.SetSndBuf(0),
		"SetAutoclose(-1)":     s.SetAutoclose(-1),
		"SackDelay 1s":         s.SetPaddrParams(0, PaddrParams{SackDelay: time.Second}),
		"PathMTU 100":          s.SetPaddrParams(0, PaddrParams{PathMTU: 100}),
		"HB enable+disable":    s.SetPaddrParams(0, PaddrParams{Flags: SPP_HB_ENABLE | SPP_HB_DISABLE}),
		"negative cookie life": s.SetAssocParams(0, AssocParams{CookieLife: -1}),
		"negative TTL":         s.SetDefaultSendParams(SndInfo{TTL: -1}),
		"SetNodelay(false)":    s.SetNodelay(false),
	} {
		if err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if err := s.SetRcvBuf(4096); err != nil || s.RcvBuf() != 4096 {
		t.Errorf("SetRcvBuf(4096): %v, RcvBuf %d", err, s.RcvBuf())
	}
	if err := s.SetPaddrParams(0, PaddrParams{HBInterval: 5 * time.Second, PathMaxRxt: 3}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.PaddrParams(0, netip.AddrPort{}); p.HBInterval != 5*time.Second || p.PathMaxRxt != 3 || p.SackDelay != 200*time.Millisecond {
		t.Errorf("PaddrParams = %+v", p)
	}
	if !s.Nodelay() || s.SetNodelay(true) != nil {
		t.Error("Nodelay")
	}
	ev := AllEvents()
	s.SetEvents(ev)
	if s.Events() != ev {
		t.Error("Events round trip")
	}
}

// TestLiveAssocAndPaddrParams: Association.Max.Retrans, heartbeat
// interval, Path.Max.Retrans and SACK delay change on a live association.
func TestLiveAssocAndPaddrParams(t *testing.T) {
	pair := connectedTCP(t, InitMsg{})
	cli := pair.cli
	if err := cli.SetAssocParams(0, AssocParams{AssocMaxRxt: 4}); err != nil {
		t.Fatal(err)
	}
	if ap, err := cli.AssocParams(0); err != nil || ap.AssocMaxRxt != 4 {
		t.Errorf("AssocParams after live set = %+v, %v", ap, err)
	}
	if err := cli.SetPaddrParams(0, PaddrParams{Addr: pair.addr, HBInterval: 2 * time.Second, PathMaxRxt: 2, SackDelay: 50 * time.Millisecond, Flags: SPP_HB_DISABLE}); err != nil {
		t.Fatal(err)
	}
	p, err := cli.PaddrParams(0, pair.addr)
	if err != nil || p.HBInterval != 2*time.Second || p.PathMaxRxt != 2 || p.SackDelay != 50*time.Millisecond || p.Flags&SPP_HB_DISABLE == 0 || p.Addr != pair.addr {
		t.Errorf("PaddrParams after live set = %+v, %v", p, err)
	}
	if err := cli.SetPaddrParams(0, PaddrParams{Addr: netip.MustParseAddrPort("10.1.1.1:5")}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("SetPaddrParams for a foreign address: %v", err)
	}
	// The association still works.
	if _, err := cli.SCTPSend([]byte("ok"), nil); err != nil {
		t.Fatal(err)
	}
}

// TestOptionsAfterListen: defaults changed on a listening socket apply to
// associations accepted afterwards.
func TestOptionsAfterListen(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	if err := srv.SetInitMsg(InitMsg{NumOstreams: 3}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetAssocParams(0, AssocParams{AssocMaxRxt: 6}); err != nil {
		t.Fatal(err)
	}
	dialTCP(t, cliSt, addr, InitMsg{})
	conn := accept(t, srv)
	st, err := conn.Status(0)
	if err != nil || st.OutStreams != 3 {
		t.Errorf("accepted association OutStreams = %d, %v; want 3", st.OutStreams, err)
	}
	if ap, err := conn.AssocParams(0); err != nil || ap.AssocMaxRxt != 6 {
		t.Errorf("accepted association AssocMaxRxt = %d, %v; want 6", ap.AssocMaxRxt, err)
	}
}

// TestSetAssocParamsCookieLifeCap: a CookieLife above MaxCookieLife is
// rejected with ErrInvalidArgument and changes nothing; the cap itself is
// accepted.
func TestSetAssocParamsCookieLifeCap(t *testing.T) {
	st := testStack(t, lo4, 0)
	s, err := st.NewSocketUDP(AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, d := range []time.Duration{MaxCookieLife + time.Nanosecond, 24 * time.Hour, 1<<63 - 1} {
		if err := s.SetAssocParams(0, AssocParams{CookieLife: d}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("CookieLife %v: %v, want ErrInvalidArgument", d, err)
		}
	}
	if p, _ := s.AssocParams(0); p.CookieLife != 60*time.Second {
		t.Errorf("CookieLife %v after rejected sets, want the 60 s default", p.CookieLife)
	}
	if err := s.SetAssocParams(0, AssocParams{CookieLife: MaxCookieLife}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.AssocParams(0); p.CookieLife != MaxCookieLife {
		t.Errorf("CookieLife %v, want %v", p.CookieLife, MaxCookieLife)
	}
}
