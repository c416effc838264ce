package sctp

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Interop check of the engine against usrsctp's example programs over
// real UDP on loopback; part of go test ./... when the programs are
// installed (CI installs them), USCTP_INTEROP=0 skips it. A minimal runtime loop
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

// establish has the engine connect from SCTP port src (0: any) to SCTP
// port dst at remote and pumps until the association is established, for
// at most within.
func (d *udpDriver) establish(src uint16, remote netip.AddrPort, dst uint16, within time.Duration) *association {
	d.t.Helper()
	end := time.Now().Add(within)
	for attempt := 1; ; attempt++ {
		a, err := d.ep.connect(time.Now(), src, remote, dst, assocConfig{})
		if err != nil {
			d.t.Fatal(err)
		}
		up := d.pump(end, func() bool { return a.currentState() == stateEstablished || a.currentState() == stateClosed })
		if up && a.currentState() == stateEstablished {
			return a
		}
		// A usrsctp program binds its UDP port before its SCTP socket
		// listens and ABORTs an INIT in between: retry those, bounded
		// (as connectUsrsctp does).
		if a.currentState() != stateClosed || attempt == 20 || !time.Now().Before(end) {
			d.t.Fatalf("no association after %d attempts: state %v", attempt, a.currentState())
		}
		d.pump(time.Now().Add(50*time.Millisecond), func() bool { return false })
	}
}

// usrsctpTest skips t when usrsctp's example program prog is not
// installed (with a message saying so) or USCTP_INTEROP=0. It returns the program's path and a driver
// for a new engine on a UDP socket of 127.0.0.1 (closed at cleanup), with
// that socket's port.
func usrsctpTest(t *testing.T, prog string) (bin string, d *udpDriver, myPort int) {
	t.Helper()
	if os.Getenv("USCTP_INTEROP") == "0" {
		t.Skipf("USCTP_INTEROP=0: not running %s against the engine", filepath.Join(usrsctpDir, prog))
	}
	bin = needUsrsctp(t, prog)
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	d = &udpDriver{t: t, conn: conn, ep: newEndpoint(endpointConfig{loggerFactory: quietLogger()}), buf: make([]byte, 65536)}
	return bin, d, conn.LocalAddr().(*net.UDPAddr).Port
}

// appendMessages appends the data of every message a has ready to got.
func appendMessages(a *association, got []string) []string {
	for {
		m, ok := a.readMessage()
		if !ok {
			return got
		}
		got = append(got, string(m.data))
	}
}

func TestInteropUsrsctpEchoServer(t *testing.T) {
	bin, d, myPort := usrsctpTest(t, "echo_server")
	_, srvPort := startOnFreePort(t, 20*time.Second, false, bin, func(srvPort int) []string { return []string{itoa(srvPort), itoa(myPort)} })
	// The server may not have bound its port yet: T1-init retransmits.

	a := d.establish(0, loopback4(srvPort), 7, 5*time.Second)
	t.Logf("established: %+v", a.stats())
	msgs := []string{"hello", "world", string(make([]byte, 5000))}
	for i, m := range msgs {
		if err := a.send(time.Now(), outMessage{stream: uint16(i % 2), ppid: 51, data: []byte(m)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	d.pump(time.Now().Add(5*time.Second), func() bool {
		got = appendMessages(a, got)
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
	bin, d, myPort := usrsctpTest(t, "client")
	if err := d.ep.listen(7, assocConfig{}); err != nil {
		t.Fatal(err)
	}
	// client remote_addr remote_port local_port local_encaps remote_encaps
	p, _ := startOnFreePort(t, 20*time.Second, true, bin, func(cliPort int) []string {
		return []string{"127.0.0.1", "7", "0", itoa(cliPort), itoa(myPort)}
	})
	stdin := p.stdin
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
		got = appendMessages(a, got)
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
	bin, d, myPort := usrsctpTest(t, "ekr_peer")
	// Not startOnFreePort: the collision needs our INIT out before
	// ekr_peer's SCTP socket exists (it ABORTs an INIT in the window
	// between binding UDP and binding SCTP); a lost race on the probed
	// port shows as ekr_peer's bind error in the failure output.
	peerUDP := usrsctpFreePort(t)
	// ekr_peer local_addr local_udp remote_addr remote_udp local_sctp remote_sctp
	stdin := startProc(t, 20*time.Second, true, bin, "127.0.0.1", itoa(peerUDP), "127.0.0.1", itoa(myPort), "5001", "5002").stdin
	a := d.establish(5002, loopback4(peerUDP), 5001, 8*time.Second)
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
