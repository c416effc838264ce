//go:build linux

package main

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestMultihomedEcho: "listen 127.0.0.3,127.0.0.4:PORT" binds both
// addresses; "connect -bind 127.0.0.5,127.0.0.6 127.0.0.3,127.0.0.4:PORT"
// is multihomed too; the echo works and -v prints the path the server
// learnt from the client's INIT (the address that was not the INIT's
// source) being confirmed.
func TestMultihomedEcho(t *testing.T) {
	srv, port := listener(t, "-mode", "echo", "-count", "1", "-v", "127.0.0.3,127.0.0.4:5002")
	if !regexp.MustCompile(`listening on SCTP port 5002, 127\.0\.0\.3,127\.0\.0\.4`).MatchString(srv.stderr.String()) {
		t.Fatalf("listen line: %q", srv.stderr.String())
	}
	cli := start(t, 20*time.Second, "hello\n", "connect", "-v", "-linger", "1s", "-remote-udp", strconv.Itoa(port),
		"-bind", "127.0.0.5,127.0.0.6", "127.0.0.3,127.0.0.4:5002")
	cli.mustExitOK(20 * time.Second)
	if got := cli.stdout.String(); got != "hello\n" {
		t.Errorf("connect stdout %q, want the echo", got)
	}
	if !regexp.MustCompile(`local 127\.0\.0\.5:\d+`).MatchString(cli.stderr.String()) {
		t.Errorf("client -v does not show its local address 127.0.0.5:\n%s", cli.stderr.String())
	}
	srv.exitsOK(10 * time.Second)
	if !regexp.MustCompile(`peer 127\.0\.0\.[56]:\d+/udp:\d+ ADDR_CONFIRMED`).MatchString(srv.stderr.String()) {
		t.Errorf("server -v shows no confirmed client path:\n%s", srv.stderr.String())
	}
}

// TestAddrListUsage: malformed lists are usage errors (exit 2).
func TestAddrListUsage(t *testing.T) {
	for _, args := range [][]string{
		{"listen", "127.0.0.3,nohost:5002"},
		{"listen", "127.0.0.3,127.0.0.3:5002"},
		{"connect", "127.0.0.3,:5002"},
		{"connect", "-bind", "127.0.0.1,x", "127.0.0.3:5002"},
		{"connect", "[::1],[::2]"},
	} {
		p := start(t, 10*time.Second, "", args...)
		if code := p.wait(10 * time.Second); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, p.stderr.String())
		}
	}
}
