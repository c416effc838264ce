package main

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestQuickStartNoFlags is the README quick start with two processes on
// one host and no flags: "sctpcat listen 5000" and "sctpcat connect
// 127.0.0.1:5000" (the listener on UDP port 9899, the client on an
// ephemeral one). It needs UDP port 9899 and SCTP port 5000: if another
// program holds UDP 9899, it skips and says so.
func TestQuickStartNoFlags(t *testing.T) {
	if c, err := net.ListenUDP("udp", &net.UDPAddr{Port: 9899}); err != nil {
		t.Skipf("UDP port 9899 is in use on this host (%v): the no-flags quick start cannot run here", err)
	} else {
		c.Close()
	}
	srv := start(t, 30*time.Second, "", "listen", "-count", "1", "5000")
	srv.waitStderr(`listening on SCTP port|already in use`, 10*time.Second)
	if strings.Contains(srv.stderr.String(), "already in use") {
		t.Skipf("UDP port 9899 was taken meanwhile: %s", srv.stderr.String())
	}
	cli := start(t, 20*time.Second, "hello\nlast line", "connect", "127.0.0.1:5000")
	cli.mustExitOK(20 * time.Second)
	srv.mustExitOK(10 * time.Second)
	if got, want := srv.stdout.String(), "hello\nlast line"; got != want {
		t.Errorf("listen printed %q, want %q (verbatim)", got, want)
	}
	if s := cli.stderr.String(); s != "" {
		t.Errorf("connect wrote to stderr: %q", s)
	}
}

// TestVerboseOneWay: with -v, print mode shows each message's stream and
// PPID; every address is printed HOST:PORT/udp:N; counts are "1 message";
// connect accepts an empty host (the local host) and the /udp:N form.
func TestVerboseOneWay(t *testing.T) {
	srv, port := listener(t, "-count", "1", "-v", "5001")
	cli := start(t, 20*time.Second, "only\n", "connect", "-v", "-linger", "0", "-stream", "2", "-ppid", "46",
		":5001/udp:"+strconv.Itoa(port))
	cli.mustExitOK(20 * time.Second)
	srv.mustExitOK(10 * time.Second)
	addr := `127\.0\.0\.1:\d+/udp:\d+`
	for _, re := range []string{
		`assoc 1: accepted from ` + addr,
		`assoc 1: message of 5 bytes on stream 2, PPID 46\n`,
		`ended \(shutdown complete\), 1 message, 5 bytes received`,
	} {
		if !regexp.MustCompile(re).MatchString(srv.stderr.String()) {
			t.Errorf("listen -v stderr lacks %q:\n%s", re, srv.stderr.String())
		}
	}
	if !regexp.MustCompile(`connected to 127\.0\.0\.1:5001/udp:` + strconv.Itoa(port) + ` \(assoc 1, local ` + addr + `\)`).MatchString(cli.stderr.String()) {
		t.Errorf("connect -v stderr:\n%s", cli.stderr.String())
	}
	if strings.Contains(srv.stderr.String()+cli.stderr.String(), "[::]") {
		t.Errorf("a wildcard address printed as a local address:\n%s%s", srv.stderr.String(), cli.stderr.String())
	}
}

// TestFinalErrorOnce: with -v, an association refused or lost is
// described once, by the exit line.
func TestFinalErrorOnce(t *testing.T) {
	srv, port := listener(t, "5001")
	cli := start(t, 20*time.Second, "x\n", "connect", "-v", "-remote-udp", strconv.Itoa(port), "127.0.0.1:5002")
	if code := cli.wait(20 * time.Second); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, cli.stderr.String())
	}
	if n := strings.Count(cli.stderr.String(), "refused"); n != 1 {
		t.Errorf("the refusal is printed %d times:\n%s", n, cli.stderr.String())
	}
	srv.cancel()
}
