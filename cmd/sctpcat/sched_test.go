package main

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/usctp/sctp"
)

func TestSchedulerFlag(t *testing.T) {
	for in, want := range map[string]sctp.StreamScheduler{
		"fcfs": sctp.SCTP_SS_FCFS, "rr": sctp.SCTP_SS_RR, "rr_pkt": sctp.SCTP_SS_RR_PKT,
		"prio": sctp.SCTP_SS_PRIO, "fb": sctp.SCTP_SS_FB, "wfq": sctp.SCTP_SS_WFQ, "SCTP_SS_RR": sctp.SCTP_SS_RR,
	} {
		var f schedFlag
		if err := f.Set(in); err != nil || f.k != want || !f.set {
			t.Errorf("-scheduler %s: %v, %v; want %v", in, f.k, err, want)
		}
		if f.String() != want.String() {
			t.Errorf("-scheduler %s prints as %q", in, f.String())
		}
	}
	var f schedFlag
	if err := f.Set("lifo"); err == nil {
		t.Error("-scheduler lifo accepted")
	}
}

// TestSchedulerFlagEndToEnd: connect and listen with -scheduler rr
// exchange messages (echo) on a stream; perf -scheduler prints it.
func TestSchedulerFlagEndToEnd(t *testing.T) {
	srv, port := listener(t, "-mode", "echo", "-count", "1", "-scheduler", "rr", "5001")
	cli := start(t, 20*time.Second, "a\nb\n", "connect", "-scheduler", "wfq", "-linger", "1s", "-remote-udp", strconv.Itoa(port), "-streams", "4", "-stream", "2", "127.0.0.1:5001")
	cli.mustExitOK(20 * time.Second)
	if got := cli.stdout.String(); got != "a\nb\n" {
		t.Errorf("echo %q", got)
	}
	srv.exitsOK(10 * time.Second)

	p := start(t, 40*time.Second, "", "perf", "-t", "300ms", "-streams", "3", "-scheduler", "rr")
	p.mustExitOK(40 * time.Second)
	if !regexp.MustCompile(`on 3 streams, ordered, scheduler rr`).MatchString(p.stdout.String()) {
		t.Errorf("perf header lacks the scheduler:\n%s", p.stdout.String())
	}
	if m := perfSummary.FindStringSubmatch(p.stdout.String()); m == nil || m[1] != m[2] || m[1] == "0" {
		t.Errorf("perf -scheduler rr summary:\n%s", p.stdout.String())
	}

	bad := start(t, 10*time.Second, "", "perf", "-scheduler", "lifo")
	if code := bad.wait(10 * time.Second); code != 2 {
		t.Errorf("perf -scheduler lifo: exit %d, want 2", code)
	}
	if line := oneErrorLine(t, bad.stderr.String()); !regexp.MustCompile(`want fcfs, rr, rr_pkt, prio, fb or wfq`).MatchString(line) {
		t.Errorf("perf -scheduler lifo: %q", line)
	}
}
