package main

import (
	"testing"
	"time"

	"github.com/usctp/sctp"
)

func TestPRSCTPFlag(t *testing.T) {
	for in, want := range map[string]sctp.PRInfo{
		"rtx:0":     {Policy: sctp.SCTP_PR_SCTP_RTX, Value: 0},
		"rtx:3":     {Policy: sctp.SCTP_PR_SCTP_RTX, Value: 3},
		"ttl:250ms": {Policy: sctp.SCTP_PR_SCTP_TTL, Value: 250},
		"ttl:2s":    {Policy: sctp.SCTP_PR_SCTP_TTL, Value: 2000},
		"prio:1":    {Policy: sctp.SCTP_PR_SCTP_PRIO, Value: 1},
		"none":      {},
	} {
		var f prFlag
		if err := f.Set(in); err != nil || f.info != want {
			t.Errorf("-prsctp %s: %+v, %v; want %+v", in, f.info, err, want)
		}
		if in != "none" && f.String() != in {
			t.Errorf("-prsctp %s prints as %q", in, f.String())
		}
	}
	for _, bad := range []string{"rtx", "rtx:x", "ttl:0", "ttl:5", "fast:1", "rtx:-1"} {
		var f prFlag
		if err := f.Set(bad); err == nil {
			t.Errorf("-prsctp %s accepted", bad)
		}
	}
}

// TestPerfPRSCTP: perf with -prsctp in one process reports the abandoned
// messages and checks that every message was received or abandoned.
func TestPerfPRSCTP(t *testing.T) {
	p := start(t, 30*time.Second, "", "perf", "-t", "300ms", "-prsctp", "rtx:0")
	p.mustExitOK(30 * time.Second)
	p.waitStdout(`abandoned +\d+ \(-prsctp rtx:0\)`, 5*time.Second)
}
