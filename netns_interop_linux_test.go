//go:build linux

package sctp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNetnsInteropUsrsctpClientMultihomed is the other direction of
// TestNetnsInteropUsrsctpMultihomed: usrsctp's client example in ns A
// (bound to every address, so its INIT lists 172.31.1.1 and 172.31.2.1)
// connects to 172.31.1.2 of our listener in ns B, which is bound with Bind
// to 172.31.1.2 and Bindx to 172.31.2.2. Checked:
//   - our GetPaddrs shows both of usrsctp's addresses, GetLaddrs both of
//     ours;
//   - usrsctp reports our two addresses as its peer addresses (it prints
//     usrsctp_getpaddrs after connecting), so our INIT ACK listed both
//     (RFC 9260 §3.3.3);
//   - where tshark is installed, our capture of the association decodes
//     cleanly: the INIT lists usrsctp's two addresses, the INIT ACK our
//     two, every datagram goes between an A address and a B address;
//   - messages flow both ways: every line usrsctp sends arrives once and
//     in order, our echo of each reaches usrsctp's stdout, and its
//     SHUTDOWN completes.
func TestNetnsInteropUsrsctpClientMultihomed(t *testing.T) {
	const client = "/usr/lib/usrsctp/client"
	if _, err := os.Stat(client); err != nil {
		t.Skipf("usrsctp example %s not installed (%v); install Debian libusrsctp-examples to run this interop test", client, err)
	}
	p := newNetnsPair(t)
	tshark, _ := exec.LookPath("tshark") // optional: the capture check is skipped without it
	capFile := filepath.Join(t.TempDir(), "usrsctp-client-mh.pcap")
	f, err := os.Create(capFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	const sctpPort = 5001
	ourAddrs := []netip.AddrPort{ap("172.31.1.2:5001"), ap("172.31.2.2:5001")}
	var st *Stack
	var ln *SocketTCP
	inNetns(t, p.b, func() {
		if st, err = NewStack(StackConfig{Network: "udp4", Capture: f}); err != nil {
			return
		}
		if ln, err = st.NewSocketTCP(AF_INET); err != nil {
			return
		}
		if err = ln.SetEvents(EventSubscribe{DataIO: true, Address: true, Association: true, Shutdown: true}); err != nil {
			return
		}
		if err = ln.Bind(ourAddrs[0]); err != nil {
			return
		}
		if err = ln.Bindx(ourAddrs[1:], BINDX_ADD); err != nil {
			return
		}
		err = ln.Listen(1)
	})
	if st != nil {
		defer st.Close()
	}
	if err != nil {
		t.Fatalf("listener in %s: %v", p.b, err)
	}
	defer ln.Close()
	setTestDeadline(t, ln.Socket)
	if got, err := ln.GetLaddrs(0); err != nil || !sameAddrs(got, ourAddrs) {
		t.Fatalf("listener GetLaddrs = %v, %v; want %v", got, err, ourAddrs)
	}
	udpPort := st.LocalUDPAddr().Port()

	// client remote_addr remote_port local_port local_encaps remote_encaps;
	// it binds the wildcard (every address of ns A), connects, prints its
	// local and peer addresses, sends each stdin line as a message, writes
	// each message it receives to stdout, and on stdin EOF shuts down and
	// exits at SHUTDOWN_COMP.
	cmd := exec.Command(p.ip, "netns", "exec", p.a, client, "172.31.1.2", fmt.Sprint(sctpPort), "0", "9899", fmt.Sprint(udpPort))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdoutR, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var out lockedBuffer
	lines := make(chan string, 64)
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		defer close(lines)
		// The echoed messages are write(2)s of their own; the printf
		// output (addresses, events) is block-buffered on a pipe and comes
		// at exit.
		r := bufio.NewReader(io.TeeReader(stdoutR, &out))
		for {
			l, err := r.ReadString('\n')
			if l != "" {
				lines <- l
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		readers.Wait() // Wait closes the pipe: read it to the end first
		exited <- cmd.Wait()
	}()
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			<-exited
		}
	}()
	fail := func(format string, args ...any) {
		t.Helper()
		cmd.Process.Kill()
		<-exited
		killed = true
		t.Fatalf(format+"\nusrsctp client stdout:\n%s\nstderr:\n%s", append(args, out.String(), stderr.String())...)
	}

	acc, from, err := ln.Accept()
	if err != nil {
		fail("Accept of usrsctp's association: %v", err)
	}
	defer acc.Close()
	setTestDeadline(t, acc.Socket)
	cport := from.Port()
	theirAddrs := []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("172.31.1.1"), cport), netip.AddrPortFrom(netip.MustParseAddr("172.31.2.1"), cport)}
	if got, err := acc.GetPaddrs(0); err != nil || !sameAddrs(got, theirAddrs) {
		fail("GetPaddrs of usrsctp's association = %v, %v; want %v (its INIT lists every address of ns A)", got, err, theirAddrs)
	}
	if got, err := acc.GetLaddrs(0); err != nil || !sameAddrs(got, ourAddrs) {
		fail("GetLaddrs of the accepted association = %v, %v; want %v", got, err, ourAddrs)
	}
	// A HEARTBEAT over each path confirms the address usrsctp's INIT
	// listed but did not come from (RFC 9260 §5.4).
	waitConfirmed(t, acc.Socket, theirAddrs)
	t.Logf("usrsctp (port %d) lists %v; we list %v", cport, theirAddrs, ourAddrs)

	// Each line from usrsctp arrives as one message, in order; we echo it
	// and wait for the echo on usrsctp's stdout before the next.
	const n = 5
	for i := range n {
		msg := fmt.Sprintf("multihomed line %d from usrsctp\n", i)
		if _, err := io.WriteString(stdin, msg); err != nil {
			fail("write to usrsctp client: %v", err)
		}
		var r *Received
		for {
			if r, err = acc.SCTPRecv(1 << 16); err != nil {
				fail("receive line %d: %v", i, err)
			}
			if r.Notification == nil {
				break
			}
			t.Logf("server: %v", r.Notification)
		}
		if string(r.Msg) != msg || r.Flags&MSG_EOR == 0 {
			fail("message %d: %q (flags %v), want %q: lost, duplicated or out of order", i, r.Msg, r.Flags, msg)
		}
		if _, err := acc.SCTPSend(r.Msg, nil); err != nil {
			fail("echo %d: %v", i, err)
		}
		select {
		case l, ok := <-lines:
			if !ok || l != msg {
				fail("usrsctp received %q (open %v), want our echo %q", l, ok, msg)
			}
		case <-time.After(10 * time.Second):
			fail("usrsctp did not print our echo of line %d within 10 s", i)
		}
	}
	// stdin EOF: usrsctp sends SHUTDOWN; we see the end of the stream and
	// the association completes its shutdown (usrsctp exits at
	// SHUTDOWN_COMP).
	stdin.Close()
	var sawShutdown, sawComp bool
	for {
		r, err := acc.SCTPRecv(1 << 16)
		if errors.Is(err, io.EOF) {
			break // end of stream after the graceful shutdown
		}
		if err != nil {
			fail("waiting for usrsctp's SHUTDOWN: %v", err)
		}
		if r.Notification == nil {
			fail("after the last line: %q", r.Msg)
		}
		t.Logf("server: %v", r.Notification)
		switch ev := r.Notification.(type) {
		case ShutdownEvent:
			sawShutdown = true
		case AssocChange:
			sawComp = sawComp || ev.State == ShutdownComp
		}
	}
	if !sawShutdown || !sawComp {
		fail("usrsctp's shutdown: ShutdownEvent %v, SHUTDOWN_COMP %v; want both", sawShutdown, sawComp)
	}
	select {
	case err := <-exited:
		killed = true
		if err != nil {
			fail("usrsctp client: %v", err)
		}
	case <-time.After(10 * time.Second):
		fail("usrsctp client did not exit within 10 s of its SHUTDOWN")
	}
	stdout := out.String()
	t.Logf("usrsctp client output:\n%s", stdout)
	// usrsctp's own view: our INIT ACK gave it both of our addresses.
	if !strings.Contains(stdout, "Peer addresses: 172.31.1.2, 172.31.2.2.") && !strings.Contains(stdout, "Peer addresses: 172.31.2.2, 172.31.1.2.") {
		t.Errorf("usrsctp does not list both of our addresses as its peer addresses (want \"Peer addresses: 172.31.1.2, 172.31.2.2.\")")
	}
	if !strings.Contains(stdout, "SCTP_SHUTDOWN_COMP") {
		t.Errorf("usrsctp did not report SCTP_SHUTDOWN_COMP")
	}

	acc.Close()
	ln.Close()
	st.Close() // flushes the capture
	if tshark == "" {
		t.Log("tshark is not installed: the capture is not dissected")
		return
	}
	tsharkMultihomed(t, tshark, capFile, udpPort,
		map[string]bool{"172.31.1.1": true, "172.31.2.1": true}, "172.31.1.1,172.31.2.1",
		map[string]bool{"172.31.1.2": true, "172.31.2.2": true}, "172.31.1.2,172.31.2.2")
}

// tsharkMultihomed dissects a capture of our (server) side of a multihomed
// association on UDP port udpPort: every frame is SCTP with a good CRC32c
// and not malformed, goes between a client and a server address, the INIT
// lists initList and the INIT ACK ackList (in any order; give them
// sorted), and every address received at least one frame.
func tsharkMultihomed(t *testing.T, tshark, file string, udpPort uint16, cliIPs map[string]bool, initList string, srvIPs map[string]bool, ackList string) {
	t.Helper()
	cmd := exec.Command(tshark, "-n", "-r", file, "-o", "sctp.checksum:crc-32c", "-d", fmt.Sprintf("udp.port==%d,sctp", udpPort),
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
		"-e", "ip.src", "-e", "ip.dst", "-e", "sctp.checksum.status", "-e", "_ws.malformed", "-e", "sctp.chunk_type", "-e", "sctp.parameter_ipv4_address")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var sawInit, sawInitAck bool
	dsts := map[string]bool{}
	frames := 0
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		fl := strings.Split(line, "\t")
		if len(fl) != 6 {
			t.Fatalf("tshark line %q", line)
		}
		frames++
		src, dst, ck, bad, types, addrs := fl[0], fl[1], fl[2], fl[3], fl[4], fl[5]
		dsts[dst] = true
		if !(cliIPs[src] && srvIPs[dst] || srvIPs[src] && cliIPs[dst]) {
			t.Errorf("frame %d: %s -> %s: not between the two sides' addresses", frames, src, dst)
		}
		if ck != "1" && ck != "Good" || bad != "" {
			t.Errorf("frame %d: checksum status %q, malformed %q", frames, ck, bad)
		}
		switch types {
		case "1": // INIT
			sawInit = true
			if sortedList(addrs) != initList {
				t.Errorf("INIT lists %q, want %q", addrs, initList)
			}
		case "2": // INIT ACK
			sawInitAck = true
			if sortedList(addrs) != ackList {
				t.Errorf("INIT ACK lists %q, want %q", addrs, ackList)
			}
		}
	}
	if !sawInit || !sawInitAck || frames < 6 {
		t.Fatalf("capture of %d frames lacks INIT (%v) or INIT ACK (%v):\n%s", frames, sawInit, sawInitAck, out)
	}
	// Both paths carried packets both ways (HEARTBEATs confirm each).
	for ip := range cliIPs {
		if !dsts[ip] {
			t.Errorf("no frame to %s in the capture", ip)
		}
	}
	for ip := range srvIPs {
		if !dsts[ip] {
			t.Errorf("no frame to %s in the capture", ip)
		}
	}
	t.Logf("tshark: %d frames, INIT lists %s, INIT ACK lists %s, all checksums good", frames, initList, ackList)
}

// sortedList sorts a comma-separated list.
func sortedList(l string) string {
	f := strings.Split(l, ",")
	slices.Sort(f)
	return strings.Join(f, ",")
}

// sameAddrs reports whether got and want hold the same addresses, in any
// order.
func sameAddrs(got, want []netip.AddrPort) bool {
	if len(got) != len(want) {
		return false
	}
	g, w := sortedAddrs(got), sortedAddrs(want)
	for i := range g {
		if g[i] != w[i] {
			return false
		}
	}
	return true
}
