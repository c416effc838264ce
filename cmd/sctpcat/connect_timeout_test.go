package main

import (
	"fmt"
	"net"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// udpSink opens a UDP socket on 127.0.0.1 that reads and discards every
// datagram: a peer that never answers and, being bound, makes the kernel
// send no ICMP error either. It returns its port.
func udpSink(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		b := make([]byte, 64<<10)
		for {
			if _, _, err := c.ReadFrom(b); err != nil {
				return
			}
		}
	}()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// Issue 12 acceptance: connect to a UDP port where nothing listens fails
// in under 2 s on Linux with one error line naming the ICMP reason and
// what to check (RFC 6951 §5.6), instead of 8 INIT retransmissions.
func TestConnectICMPPortUnreachable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ICMP errors reach an unconnected UDP socket on Linux only (IP_RECVERR)")
	}
	port := freeUDPPort(t) // nobody serves it: the kernel answers ICMP port unreachable
	binary(t)              // built before the clock starts
	t0 := time.Now()
	cli := start(t, 20*time.Second, "never sent\n", "connect", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	if code := cli.wait(20 * time.Second); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, cli.stderr.String())
	}
	took := time.Since(t0)
	line := oneErrorLine(t, cli.stderr.String())
	want := fmt.Sprintf("peer 127.0.0.1:5001/udp:%d unreachable: ICMP port unreachable: nothing listens on UDP port %d there (check -remote-udp", port, port)
	if !strings.Contains(line, want) {
		t.Errorf("error %q does not contain %q", line, want)
	}
	t.Logf("failed after %v: %s", took, line)
	// The process start (a -race binary on a shared machine) is in it.
	if took > 2*time.Second {
		t.Errorf("took %v to fail, want under 2 s", took)
	}
}

// The second case: the listener's UDP socket is bound to [::1]
// only, the client dials 127.0.0.1 at that port.
func TestConnectICMPListenerOnIPv6Only(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ICMP errors reach an unconnected UDP socket on Linux only (IP_RECVERR)")
	}
	var srv *proc
	var port int
	for attempt := 0; ; attempt++ {
		port = freeUDPPort(t)
		srv = start(t, 30*time.Second, "", "listen", "-udp", strconv.Itoa(port), "[::1]:5001")
		srv.waitStderr(`listening on SCTP port|already in use|sctpcat: `, 10*time.Second)
		if strings.Contains(srv.stderr.String(), "already in use") && attempt < 3 {
			srv.wait(5 * time.Second)
			continue
		}
		break
	}
	if !strings.Contains(srv.stderr.String(), "listening on SCTP port") {
		t.Skipf("cannot listen on [::1]: %s", srv.stderr.String())
	}
	t0 := time.Now()
	cli := start(t, 20*time.Second, "x\n", "connect", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	if code := cli.wait(20 * time.Second); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, cli.stderr.String())
	}
	line := oneErrorLine(t, cli.stderr.String())
	if !strings.Contains(line, "ICMP port unreachable") || !strings.Contains(line, "address family") {
		t.Errorf("error %q does not name the ICMP reason and the address family", line)
	}
	if took := time.Since(t0); took > 2*time.Second {
		t.Errorf("took %v to fail, want under 2 s", took)
	}
	srv.cancel()
}

// With ICMP suppressed (a socket that swallows the INITs), connect ends
// at -timeout, before the INIT retransmissions would, with one line
// saying so; -v prints each INIT retransmission first.
func TestConnectTimeoutWithoutICMP(t *testing.T) {
	port := udpSink(t)
	binary(t) // built before the clock starts
	t0 := time.Now()
	cli := start(t, 20*time.Second, "never sent\n", "connect", "-timeout", "1s", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	if code := cli.wait(20 * time.Second); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, cli.stderr.String())
	}
	took := time.Since(t0)
	line := oneErrorLine(t, cli.stderr.String())
	want := fmt.Sprintf("peer 127.0.0.1:5001/udp:%d unreachable: no answer to INIT within -timeout 1s", port)
	if !strings.Contains(line, want) || !strings.Contains(line, "no ICMP error came back") {
		t.Errorf("error %q does not contain %q and the missing ICMP", line, want)
	}
	// RFC 9260's defaults would retry for minutes; -timeout 1s ends it.
	if took < time.Second || took > 10*time.Second {
		t.Errorf("took %v, want about the 1 s -timeout", took)
	}

	// -v: the first INIT and each retransmission (RTO.Initial 300 ms with
	// -rto-max: INITs at about 0, 0.3, 0.9 s... within -timeout 2s).
	cli = start(t, 20*time.Second, "never sent\n", "connect", "-v", "-timeout", "2s", "-rto-max", "300ms", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
	if code := cli.wait(20 * time.Second); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, cli.stderr.String())
	}
	stderr := cli.stderr.String()
	if !strings.Contains(stderr, fmt.Sprintf("sctpcat: INIT sent to 127.0.0.1:5001 (UDP port %d)", port)) {
		t.Errorf("-v does not report the first INIT:\n%s", stderr)
	}
	retrans := regexp.MustCompile(`sctpcat: INIT retransmission (\d+) to 127\.0\.0\.1:5001 \(UDP port \d+\): no answer [0-9.]+ s after the first INIT`).FindAllStringSubmatch(stderr, -1)
	if len(retrans) < 2 {
		t.Fatalf("-v reported %d INIT retransmissions in 2 s at RTO 300 ms, want at least 2:\n%s", len(retrans), stderr)
	}
	for i, m := range retrans {
		if m[1] != strconv.Itoa(i+1) {
			t.Errorf("retransmission line %d numbered %s", i+1, m[1])
		}
	}
	last := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if l := last[len(last)-1]; !strings.Contains(l, "-timeout 2s") || !strings.Contains(l, fmt.Sprintf("(%d INITs sent)", len(retrans)+1)) {
		t.Errorf("last line %q, want the -timeout error counting %d INITs", l, len(retrans)+1)
	}
}
