package main

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIData: connect -idata to listen -idata uses I-DATA (RFC 8260; -v
// says so on both sides) and a large message and small ones arrive intact;
// without -idata on one side the association uses DATA.
func TestIData(t *testing.T) {
	for _, both := range []bool{true, false} {
		args := []string{"-mode", "echo", "-count", "1", "-v"}
		if both {
			args = append(args, "-idata")
		}
		srv, port := listener(t, append(args, "5001")...)
		cli := start(t, 20*time.Second, "", "connect", "-idata", "-v", "-n", "3", "-l", "200000", "-linger", "1s",
			"-remote-udp", strconv.Itoa(port), "127.0.0.1:5001")
		cli.mustExitOK(20 * time.Second)
		srv.mustExitOK(10 * time.Second)
		used := strings.Contains(cli.stderr.String(), ", I-DATA)")
		if used != both || strings.Contains(srv.stderr.String(), ", I-DATA") != both {
			t.Errorf("listen -idata=%v: I-DATA reported client %v; stderr:\n%s\n%s", both, used, cli.stderr.String(), srv.stderr.String())
		}
		if !strings.Contains(srv.stderr.String(), "3 messages, 600000 bytes") {
			t.Errorf("listen -idata=%v: the messages did not arrive whole:\n%s", both, srv.stderr.String())
		}
	}
}
