package sctp_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"time"

	"github.com/usctp/sctp"
)

// twoStacks returns a server and a client stack on free UDP ports of
// 127.0.0.1, the client's default remote UDP port pointing at the server.
// (With the default stacks both would use UDP port 9899 on two hosts.)
func twoStacks() (server, client *sctp.Stack) {
	var err error
	server, err = sctp.NewStack(sctp.StackConfig{LocalAddr: netip.MustParseAddrPort("127.0.0.1:0")})
	if err != nil {
		log.Fatal(err)
	}
	client, err = sctp.NewStack(sctp.StackConfig{
		LocalAddr:     netip.MustParseAddrPort("127.0.0.1:0"),
		RemoteUDPPort: server.LocalUDPAddr().Port(),
	})
	if err != nil {
		log.Fatal(err)
	}
	return server, client
}

// listening binds s to a free port of 127.0.0.1, listens and returns the
// address clients connect to (ExampleSocketTCP shows these steps).
func listening(s *sctp.Socket) netip.AddrPort {
	if err := s.Bind(netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		log.Fatal(err)
	}
	if err := s.Listen(5); err != nil {
		log.Fatal(err)
	}
	laddrs, err := s.GetLaddrs(0)
	if err != nil {
		log.Fatal(err)
	}
	return laddrs[0]
}

// The pysctp loopback test: the client binds, connects and sends before
// the server accepts; the server then accepts and receives the message.
func ExampleSocketTCP() {
	srvStack, cliStack := twoStacks()
	defer srvStack.Close()
	defer cliStack.Close()

	srv, _ := srvStack.NewSocketTCP(sctp.AF_INET)
	defer srv.Close()
	if err := srv.Bind(netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		log.Fatal(err)
	}
	if err := srv.Listen(5); err != nil {
		log.Fatal(err)
	}
	laddrs, _ := srv.GetLaddrs(0)

	cli, _ := cliStack.NewSocketTCP(sctp.AF_INET)
	defer cli.Close()
	cli.SetInitMsg(sctp.InitMsg{NumOstreams: 3, MaxInstreams: 3})
	ev := cli.Events()
	ev.Clear()
	cli.SetEvents(ev)
	cli.Bind(netip.MustParseAddrPort("127.0.0.1:0"))
	if err := cli.Connect(laddrs[0]); err != nil {
		log.Fatal(err)
	}
	if _, err := cli.SCTPSend([]byte("foo"), nil); err != nil {
		log.Fatal(err)
	}

	conn, _, err := srv.Accept()
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	r, err := conn.SCTPRecv(2048)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s flags=%v stream=%d\n", r.Msg, r.Flags, r.Info.Stream)
	// Output: foo flags=MSG_EOR stream=0
}

// A one-to-many echo server answers each association by address, on the
// same stream and with the same PPID.
func ExampleSocketUDP() {
	srvStack, cliStack := twoStacks()
	defer srvStack.Close()
	defer cliStack.Close()

	srv, _ := srvStack.NewSocketUDP(sctp.AF_INET)
	defer srv.Close()
	srv.Bind(netip.MustParseAddrPort("127.0.0.1:0"))
	srv.Listen(5)
	laddrs, _ := srv.GetLaddrs(0)
	go func() {
		for {
			r, err := srv.SCTPRecv(65536)
			if err != nil {
				return
			}
			if r.Flags&sctp.MSG_NOTIFICATION != 0 {
				continue
			}
			srv.SCTPSend(r.Msg, &sctp.SndInfo{To: r.From, Stream: r.Info.Stream, PPID: r.Info.PPID})
		}
	}()

	cli, _ := cliStack.NewSocketUDP(sctp.AF_INET)
	defer cli.Close()
	cli.SetDeadline(time.Now().Add(10 * time.Second))
	// The first send to a new peer sets the association up implicitly.
	cli.SCTPSend([]byte("hello"), &sctp.SndInfo{To: laddrs[0], Stream: 1, PPID: 46})
	r, err := cli.SCTPRecv(65536)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s stream=%d ppid=%d\n", r.Msg, r.Info.Stream, r.Info.PPID)
	// Output: hello stream=1 ppid=46
}

// A telecom-style client sends S1AP (PPID 18) and NGAP (PPID 60) messages
// on chosen streams. PPIDs are plain host-order numbers both ways.
func ExampleSocket_SCTPSend() {
	srvStack, cliStack := twoStacks()
	defer srvStack.Close()
	defer cliStack.Close()

	srv, _ := srvStack.NewSocketTCP(sctp.AF_INET)
	defer srv.Close()
	addr := listening(srv.Socket)

	cli, _ := cliStack.NewSocketTCP(sctp.AF_INET)
	defer cli.Close()
	cli.SetInitMsg(sctp.InitMsg{NumOstreams: 4, MaxInstreams: 4})
	if err := cli.Connect(addr); err != nil {
		log.Fatal(err)
	}
	cli.SCTPSend([]byte("S1SetupRequest"), &sctp.SndInfo{Stream: 0, PPID: sctp.PPID_S1AP})
	cli.SCTPSend([]byte("NGSetupRequest"), &sctp.SndInfo{Stream: 2, PPID: sctp.PPID_NGAP})

	conn, _, _ := srv.Accept()
	defer conn.Close()
	for i := 0; i < 2; i++ {
		r, err := conn.SCTPRecv(4096)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s stream=%d ppid=%d\n", r.Msg, r.Info.Stream, r.Info.PPID)
	}
	// Output:
	// S1SetupRequest stream=0 ppid=18
	// NGSetupRequest stream=2 ppid=60
}

// Peeloff branches one association off a one-to-many socket into its own
// one-to-one socket.
func ExampleSocket_Peeloff() {
	srvStack, cliStack := twoStacks()
	defer srvStack.Close()
	defer cliStack.Close()

	srv, _ := srvStack.NewSocketUDP(sctp.AF_INET) // one-to-many
	defer srv.Close()
	addr := listening(srv.Socket)

	cli, _ := cliStack.NewSocketTCP(sctp.AF_INET)
	defer cli.Close()
	cli.Connect(addr)
	cli.SCTPSend([]byte("first"), nil)

	srv.SetReadDeadline(time.Now().Add(10 * time.Second))
	r, err := srv.SCTPRecv(1024)
	if err != nil {
		log.Fatal(err)
	}
	peeled, err := srv.Peeloff(r.Info.AssocID)
	if err != nil {
		log.Fatal(err)
	}
	defer peeled.Close()
	cli.SCTPSend([]byte("second"), nil)
	r2, _ := peeled.SCTPRecv(1024)
	peeled.SCTPSend([]byte("reply"), nil)
	r3, _ := cli.SCTPRecv(1024)
	fmt.Printf("%s, then %s on the peeled socket; client got %s\n", r.Msg, r2.Msg, r3.Msg)
	// Output: first, then second on the peeled socket; client got reply
}

// Dial and Listen give net.Conn / net.Listener; each Write is one message.
func ExampleDial() {
	srvStack, cliStack := twoStacks()
	defer srvStack.Close()
	defer cliStack.Close()

	ln, err := sctp.Listen("sctp4", "127.0.0.1:0", &sctp.Config{Stack: srvStack})
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.AcceptSCTP()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64*1024)
		for {
			n, info, err := c.ReadMsg(buf)
			if err != nil {
				return
			}
			c.WriteMsg(buf[:n], &sctp.SndInfo{Stream: info.Stream, PPID: info.PPID})
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := sctp.Dial(ctx, "sctp4", ln.Addr().(*sctp.Addr).AddrPort.String(), &sctp.Config{Stack: cliStack})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("ping"))
	buf := make([]byte, 1024)
	n, err := c.Read(buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(buf[:n]))
	// Output: ping
}

// Bindx and Connectx with IPv4 and IPv6 addresses on one AF_INET6 socket.
// (Not run as a test: the host may lack IPv6; TestBindxConnectxIPv4IPv6
// runs it where ::1 exists.)
func ExampleSocket_Bindx() {
	srvStack, err := sctp.NewStack(sctp.StackConfig{}) // dual-stack wildcard, free port
	if err != nil {
		log.Fatal(err)
	}
	defer srvStack.Close()
	cliStack, err := sctp.NewStack(sctp.StackConfig{RemoteUDPPort: srvStack.LocalUDPAddr().Port()})
	if err != nil {
		log.Fatal(err)
	}
	defer cliStack.Close()

	srv, _ := srvStack.NewSocketTCP(sctp.AF_INET6)
	defer srv.Close()
	if err := srv.Bindx([]netip.AddrPort{
		netip.MustParseAddrPort("127.0.0.1:0"),
		netip.MustParseAddrPort("[::1]:0"),
	}, sctp.BINDX_ADD); err != nil {
		log.Fatal(err)
	}
	srv.Listen(1)
	laddrs, _ := srv.GetLaddrs(0)
	port := laddrs[0].Port()

	cli, _ := cliStack.NewSocketTCP(sctp.AF_INET6)
	defer cli.Close()
	if _, err := cli.Connectx([]netip.AddrPort{
		netip.AddrPortFrom(netip.MustParseAddr("::1"), port),
		netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port),
	}); err != nil {
		log.Fatal(err)
	}
	cli.SCTPSend([]byte("over v6"), nil)
	conn, from, _ := srv.Accept()
	defer conn.Close()
	r, _ := conn.SCTPRecv(1024)
	fmt.Println(len(laddrs), "local addresses;", string(r.Msg), "from", from.Addr())
}

// Notifications arrive through SCTPRecv with MSG_NOTIFICATION set, for
// the categories the socket subscribed to.
func ExampleSocket_SetEvents() {
	srvStack, cliStack := twoStacks()
	defer srvStack.Close()
	defer cliStack.Close()

	srv, _ := srvStack.NewSocketTCP(sctp.AF_INET)
	defer srv.Close()
	addr := listening(srv.Socket)

	cli, _ := cliStack.NewSocketTCP(sctp.AF_INET)
	defer cli.Close()
	cli.SetDeadline(time.Now().Add(10 * time.Second))
	cli.SetEvents(sctp.EventSubscribe{Association: true, Shutdown: true})
	if err := cli.Connect(addr); err != nil {
		log.Fatal(err)
	}
	conn, _, _ := srv.Accept()
	conn.Close() // the server ends the association gracefully

	for {
		r, err := cli.SCTPRecv(1024)
		if err != nil {
			fmt.Println("then:", err)
			return
		}
		switch n := r.Notification.(type) {
		case sctp.AssocChange:
			fmt.Println("association change:", n.State)
		case sctp.ShutdownEvent:
			fmt.Println("peer sent SHUTDOWN")
		}
	}
	// Output:
	// association change: COMM_UP
	// peer sent SHUTDOWN
	// association change: SHUTDOWN_COMP
	// then: EOF
}

// WebRTC data channels (RFC 8831, DCEP RFC 8832) are SCTP streams of one
// association: a channel opens with DATA_CHANNEL_OPEN on PPID 50 and the
// peer's DATA_CHANNEL_ACK, carries strings on PPID 51 and binary on PPID
// 53, may be partially reliable (maxRetransmits is the PR-SCTP
// limited-retransmission policy of RFC 7496), and closes by resetting its
// stream both ways (RFC 6525). This is only the SCTP part of a WebRTC
// stack: no DTLS, no ICE.
func ExampleSocket_ResetStreams() {
	const (
		ppidDCEP, ppidString, ppidBinary = 50, 51, 53
		dcepOpen, dcepAck                = 0x03, 0x02
		reliable, rexmit                 = 0x00, 0x01 // DATA_CHANNEL_RELIABLE, _PARTIAL_RELIABLE_REXMIT
	)
	open := func(chanType byte, rel uint32, label string) []byte {
		m := []byte{dcepOpen, chanType, 0, 0, byte(rel >> 24), byte(rel >> 16), byte(rel >> 8), byte(rel),
			0, byte(len(label)), 0, 0}
		return append(m, label...)
	}
	srvStack, cliStack := twoStacks()
	defer srvStack.Close()
	defer cliStack.Close()
	setup := func(s *sctp.Socket) {
		s.SetInitMsg(sctp.InitMsg{NumOstreams: 16, MaxInstreams: 16})
		// A data channel peer lets the other side reset streams.
		s.SetEnableStreamReset(0, sctp.SCTP_ENABLE_RESET_STREAM_REQ)
		s.SetEvents(sctp.EventSubscribe{DataIO: true, StreamReset: true})
	}
	srv, _ := srvStack.NewSocketTCP(sctp.AF_INET)
	defer srv.Close()
	setup(srv.Socket)
	addr := listening(srv.Socket)
	cli, _ := cliStack.NewSocketTCP(sctp.AF_INET) // the DTLS client: even streams
	defer cli.Close()
	setup(cli.Socket)
	if err := cli.Connect(addr); err != nil {
		log.Fatal(err)
	}
	conn, _, err := srv.Accept()
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	send := func(s *sctp.SocketTCP, msg []byte, si sctp.SndInfo) {
		if _, err := s.SCTPSend(msg, &si); err != nil {
			log.Fatal(err)
		}
	}
	recv := func(s *sctp.SocketTCP) *sctp.Received {
		r, err := s.SCTPRecv(1 << 16)
		if err != nil {
			log.Fatal(err)
		}
		return r
	}
	labels := map[uint16]string{}
	// serve handles the server's next item: DCEP, data or a reset.
	serve := func() {
		r := recv(conn)
		if ev, ok := r.Notification.(sctp.StreamReset); ok {
			if ev.Flags&sctp.SCTP_STREAM_RESET_INCOMING_SSN != 0 {
				// The peer closed its side: close ours (RFC 8831 §6.7).
				fmt.Printf("server: %q closed by the peer\n", labels[ev.Streams[0]])
				conn.ResetStreams(0, sctp.SCTP_STREAM_RESET_OUTGOING, ev.Streams)
			}
			return
		}
		st := r.Info.Stream
		switch r.Info.PPID {
		case ppidDCEP:
			if r.Msg[0] == dcepOpen {
				labels[st] = string(r.Msg[12:])
				fmt.Printf("server: open %q on stream %d, channel type %d, reliability %d\n", labels[st], st, r.Msg[1], r.Msg[7])
				send(conn, []byte{dcepAck}, sctp.SndInfo{Stream: st, PPID: ppidDCEP})
			}
		case ppidString:
			fmt.Printf("server: %q on %q\n", r.Msg, labels[st])
		case ppidBinary:
			fmt.Printf("server: %d bytes on %q\n", len(r.Msg), labels[st])
		}
	}

	send(cli, open(reliable, 0, "chat"), sctp.SndInfo{Stream: 2, PPID: ppidDCEP})
	serve()
	if r := recv(cli); r.Info.PPID == ppidDCEP && r.Msg[0] == dcepAck {
		fmt.Println("client: ack on stream", r.Info.Stream)
	}
	send(cli, []byte("hello"), sctp.SndInfo{Stream: 2, PPID: ppidString})
	serve()

	// maxRetransmits 0: each message is sent once (RFC 7496 §3.1).
	send(cli, open(rexmit, 0, "game"), sctp.SndInfo{Stream: 4, PPID: ppidDCEP})
	send(cli, []byte{1, 2, 3}, sctp.SndInfo{Stream: 4, PPID: ppidBinary, PRPolicy: sctp.SCTP_PR_SCTP_RTX, PRValue: 0})
	serve()
	serve()
	recv(cli) // the ack of "game"

	// Close "chat": reset our outgoing stream; the peer resets its own.
	if err := cli.ResetStreams(0, sctp.SCTP_STREAM_RESET_OUTGOING, []uint16{2}); err != nil {
		log.Fatal(err)
	}
	serve()
	for closed := false; !closed; {
		if ev, ok := recv(cli).Notification.(sctp.StreamReset); ok && ev.Flags&sctp.SCTP_STREAM_RESET_INCOMING_SSN != 0 {
			fmt.Println("client: stream", ev.Streams[0], "closed both ways")
			closed = true
		}
	}
	// Output:
	// server: open "chat" on stream 2, channel type 0, reliability 0
	// client: ack on stream 2
	// server: "hello" on "chat"
	// server: open "game" on stream 4, channel type 1, reliability 0
	// server: 3 bytes on "game"
	// server: "chat" closed by the peer
	// client: stream 2 closed both ways
}
