package sctp

import (
	"testing"
	"time"
)

// TestInteropUsrsctpPLPMTUD: PLPMTUD probes (HEARTBEAT + PAD, RFC 8899
// §6.2.1.1) against usrsctp's echo_server over real UDP on loopback: its
// HEARTBEAT ACKs confirm every size up to a 9000-byte ceiling, and an
// 8000-byte message goes in one packet and comes back whole.
func TestInteropUsrsctpPLPMTUD(t *testing.T) {
	bin, d, myPort := usrsctpTest(t, "echo_server")
	_, srvPort := startOnFreePort(t, 20*time.Second, false, bin, func(srvPort int) []string { return []string{itoa(srvPort), itoa(myPort)} })
	cfg := assocConfig{}
	cfg.setPMTUD(true, 9000)
	end := time.Now().Add(5 * time.Second)
	var a *association
	for attempt := 1; ; attempt++ {
		var err error
		if a, err = d.ep.connect(time.Now(), 0, loopback4(srvPort), 7, cfg); err != nil {
			t.Fatal(err)
		}
		up := d.pump(end, func() bool { return a.currentState() == stateEstablished || a.currentState() == stateClosed })
		if up && a.currentState() == stateEstablished {
			break
		}
		// echo_server binds its UDP port before it listens (see establish).
		if attempt == 20 || !time.Now().Before(end) {
			t.Fatalf("no association after %d attempts: %v", attempt, a.currentState())
		}
		d.pump(time.Now().Add(50*time.Millisecond), func() bool { return false })
	}
	m := pmtudPath(a)
	if !d.pump(time.Now().Add(10*time.Second), func() bool { return m.state == pmtudSearchComplete }) {
		t.Fatalf("search did not complete: %v PLPMTU %d, probes %d acked %d", m.state, m.plpmtu, m.probesSent, m.probesAcked)
	}
	if m.plpmtu != 8972 || a.cfg.mtu != 8972 || m.probesLost != 0 {
		t.Fatalf("PLPMTU %d packet size %d lost probes %d, want 8972 and none lost", m.plpmtu, a.cfg.mtu, m.probesLost)
	}
	msg := make([]byte, 8000) // one DATA chunk at 8944 (echo_server reads 10 KiB at a time)
	for i := range msg {
		msg[i] = byte(i)
	}
	before := a.stats().DataChunksOut
	if err := a.send(time.Now(), outMessage{data: msg}); err != nil {
		t.Fatal(err)
	}
	var got []string
	d.pump(time.Now().Add(5*time.Second), func() bool {
		got = appendMessages(a, got)
		return len(got) == 1
	})
	if len(got) != 1 || got[0] != string(msg) {
		t.Fatalf("echo: %d messages", len(got))
	}
	if n := a.stats().DataChunksOut - before; n != 1 {
		t.Fatalf("8000 bytes went in %d DATA chunks, want 1", n)
	}
	t.Logf("PLPMTU %d after %d probes; %+v", m.plpmtu, m.probesSent, a.stats())
}
