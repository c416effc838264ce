package main

import (
	"strings"
	"testing"
	"time"

	"github.com/usctp/sctp"
)

// TestConnectProgressLine: connect -n's once-per-second line carries the
// rate, the retransmissions by kind, cwnd and SRTT (issue 11, item 4).
func TestConnectProgressLine(t *testing.T) {
	st := sctp.AssocStats{FastRetransmits: 7, T3Retransmits: 2, Cwnd: 12345, SRTT: 4200 * time.Microsecond}
	got := progressLine(3*time.Second, 2_500_000, time.Second, st)
	for _, want := range []string{"3.0s", "2.50 MB/s", "rtx 9 (fast 7, T3 2)", "cwnd 12345", "srtt 4.2ms"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
	if got := progressLine(time.Second, 100, 0, st); !strings.Contains(got, " 0.00 MB/s") {
		t.Errorf("zero interval: %q", got)
	}
}
