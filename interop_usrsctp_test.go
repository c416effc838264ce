package sctp

import (
	"context"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Opt-in interop check of the engine against usrsctp's example programs
// over real UDP on loopback (USCTP_INTEROP=1). A minimal runtime loop
// drives the sans-IO endpoint; the engine itself never reads the clock.

type udpDriver struct {
	t    *testing.T
	conn *net.UDPConn
	ep   *endpoint
	buf  []byte
	out  []byte
	evs  []Event
}

func (d *udpDriver) pump(until time.Time, cond func() bool) bool {
	for time.Now().Before(until) {
		now := time.Now()
		d.ep.handleTimeout(now)
		for {
			pkt, to, ok := d.ep.appendDatagram(now, d.out[:0])
			if !ok {
				break
			}
			if !to.Addr().Is4() {
				continue // usrsctp lists its IPv6 addresses too; this socket is IPv4
			}
			if _, err := d.conn.WriteToUDPAddrPort(pkt, to); err != nil {
				d.t.Logf("write to %v: %v", to, err)
			}
		}
		for {
			ev, ok := d.ep.pollEvent()
			if !ok {
				break
			}
			d.t.Logf("event: %v", ev)
			d.evs = append(d.evs, ev)
		}
		if cond() {
			return true
		}
		wait := now.Add(20 * time.Millisecond)
		if dl := d.ep.deadline(); !dl.IsZero() && dl.Before(wait) {
			wait = dl
		}
		d.conn.SetReadDeadline(wait)
		n, from, err := d.conn.ReadFromUDPAddrPort(d.buf)
		if err == nil {
			d.ep.handleDatagram(time.Now(), from, d.buf[:n])
		}
	}
	return cond()
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func TestInteropUsrsctpEchoServer(t *testing.T) {
	if os.Getenv("USCTP_INTEROP") == "" {
		t.Skip("set USCTP_INTEROP=1 to run against /usr/lib/usrsctp/echo_server")
	}
	bin := "/usr/lib/usrsctp/echo_server"
	if _, err := os.Stat(bin); err != nil {
		t.Skip(err)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	myPort := conn.LocalAddr().(*net.UDPAddr).Port
	srvPort := freeUDPPort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, itoa(srvPort), itoa(myPort))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); cmd.Wait() }()
	// The server may not have bound its port yet: T1-init retransmits.

	d := &udpDriver{t: t, conn: conn, ep: newEndpointCore(endpointConfig{loggerFactory: quietLogger()}), buf: make([]byte, 65536)}
	remote := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(srvPort))
	a, err := d.ep.connect(time.Now(), 0, remote, 7, assocConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.pump(time.Now().Add(5*time.Second), func() bool { return a.currentState() == stateEstablished }) {
		t.Fatalf("no association: state %v", a.currentState())
	}
	t.Logf("established: %+v", a.stats())
	msgs := []string{"hello", "world", string(make([]byte, 5000))}
	for i, m := range msgs {
		if err := a.send(time.Now(), outMessage{stream: uint16(i % 2), ppid: 51, data: []byte(m)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	d.pump(time.Now().Add(5*time.Second), func() bool {
		for {
			m, ok := a.readMessage()
			if !ok {
				break
			}
			got = append(got, string(m.data))
		}
		return len(got) == len(msgs)
	})
	if len(got) != len(msgs) {
		t.Fatalf("echoed %d of %d messages", len(got), len(msgs))
	}
	a.shutdown(time.Now())
	if !d.pump(time.Now().Add(5*time.Second), func() bool { return a.currentState() == stateClosed }) {
		t.Fatalf("shutdown did not complete: %v", a.currentState())
	}
	if !hasEvent(d.evs, ShutdownComp) {
		t.Fatalf("no SHUTDOWN_COMP")
	}
	t.Logf("final: %+v", a.stats())
}

func TestInteropUsrsctpClient(t *testing.T) {
	if os.Getenv("USCTP_INTEROP") == "" {
		t.Skip("set USCTP_INTEROP=1 to run /usr/lib/usrsctp/client against the engine")
	}
	bin := "/usr/lib/usrsctp/client"
	if _, err := os.Stat(bin); err != nil {
		t.Skip(err)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	myPort := conn.LocalAddr().(*net.UDPAddr).Port
	cliPort := freeUDPPort(t)
	d := &udpDriver{t: t, conn: conn, ep: newEndpointCore(endpointConfig{loggerFactory: quietLogger()}), buf: make([]byte, 65536)}
	if err := d.ep.listen(7, assocConfig{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// client remote_addr remote_port local_port local_encaps remote_encaps
	cmd := exec.CommandContext(ctx, bin, "127.0.0.1", "7", "0", itoa(cliPort), itoa(myPort))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); cmd.Wait() }()
	stdin.Write([]byte("hello\nworld\n"))
	stdin.Close()
	var a *association
	if !d.pump(time.Now().Add(5*time.Second), func() bool {
		for _, ev := range d.evs {
			if acc, ok := ev.(accepted); ok {
				a = acc.association()
			}
		}
		return a != nil
	}) {
		t.Fatal("no association accepted")
	}
	var got []string
	d.pump(time.Now().Add(5*time.Second), func() bool {
		for {
			m, ok := a.readMessage()
			if !ok {
				break
			}
			got = append(got, string(m.data))
		}
		return a.currentState() == stateClosed
	})
	if len(got) != 2 || got[0] != "hello\n" || got[1] != "world\n" {
		t.Fatalf("got %q", got)
	}
	if a.currentState() != stateClosed || !hasEvent(d.evs, ShutdownComp) {
		t.Fatalf("state %v, events %v", a.currentState(), d.evs)
	}
	t.Logf("final: %+v", a.stats())
}

func TestInteropUsrsctpSimultaneousOpen(t *testing.T) {
	if os.Getenv("USCTP_INTEROP") == "" {
		t.Skip("set USCTP_INTEROP=1 to run /usr/lib/usrsctp/ekr_peer against the engine")
	}
	bin := "/usr/lib/usrsctp/ekr_peer"
	if _, err := os.Stat(bin); err != nil {
		t.Skip(err)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	myPort := conn.LocalAddr().(*net.UDPAddr).Port
	peerUDP := freeUDPPort(t)
	d := &udpDriver{t: t, conn: conn, ep: newEndpointCore(endpointConfig{loggerFactory: quietLogger()}), buf: make([]byte, 65536)}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// ekr_peer local_addr local_udp remote_addr remote_udp local_sctp remote_sctp
	cmd := exec.CommandContext(ctx, bin, "127.0.0.1", itoa(peerUDP), "127.0.0.1", itoa(myPort), "5001", "5002")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); cmd.Wait() }()
	remote := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(peerUDP))
	a, err := d.ep.connect(time.Now(), 5002, remote, 5001, assocConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.pump(time.Now().Add(8*time.Second), func() bool { return a.currentState() == stateEstablished }) {
		t.Fatalf("no association: %v", a.currentState())
	}
	stdin.Write([]byte("from usrsctp\n"))
	var got string
	d.pump(time.Now().Add(5*time.Second), func() bool {
		if m, ok := a.readMessage(); ok {
			got = string(m.data)
		}
		return got != ""
	})
	if got != "from usrsctp\n" {
		t.Fatalf("got %q", got)
	}
	stdin.Close()
	if !d.pump(time.Now().Add(5*time.Second), func() bool { return a.currentState() == stateClosed }) {
		t.Fatalf("not closed: %v", a.currentState())
	}
	t.Logf("final: %+v", a.stats())
}
