package sctp

import (
	"errors"
	"testing"
	"time"
)

// TestPRPolicyLoopback drives RFC 7496 policies through the socket API
// between two stacks on 127.0.0.1: with the path cut, a message sent with
// SCTP_PR_SCTP_RTX 0 and one sent under a default SCTP_PR_SCTP_TTL policy
// are abandoned and reported (SendFailed, ErrMessageAbandoned, sent), and
// counted per association and stream (SCTP_PR_ASSOC_STATUS,
// SCTP_PR_STREAM_STATUS); bad policies are refused.
func TestPRPolicyLoopback(t *testing.T) {
	srv, addr, relay, cliSt := relayedPair(t)
	cli := newTCP(t, cliSt)
	if err := cli.SetRTOInfo(0, RTOInfo{Initial: 20 * time.Millisecond, Min: 10 * time.Millisecond, Max: 40 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := cli.SetAssocParams(0, AssocParams{AssocMaxRxt: 30}); err != nil {
		t.Fatal(err)
	}
	if err := cli.SetEvents(EventSubscribe{DataIO: true, SendFailure: true}); err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(addr); err != nil {
		t.Fatal(err)
	}
	conn := accept(t, srv)
	if _, err := cli.SCTPSend([]byte("rtx"), &SndInfo{Stream: 1, PRPolicy: SCTP_PR_SCTP_RTX, PRValue: 3}); err != nil {
		t.Fatal(err)
	}
	if r := recvData(t, conn.Socket); string(r.Msg) != "rtx" {
		t.Fatalf("got %q", r.Msg)
	}
	for _, si := range []SndInfo{{PRPolicy: 9}, {PRPolicy: SCTP_PR_SCTP_TTL}, {PRPolicy: SCTP_PR_SCTP_RTX, TTL: time.Second}} {
		if _, err := cli.SCTPSend([]byte("x"), &si); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("send with %+v: %v, want ErrInvalidArgument", si, err)
		}
	}
	if err := cli.SetDefaultPRInfo(PRInfo{Policy: 9}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("SetDefaultPRInfo(policy 9): %v", err)
	}

	relay.kill()
	if _, err := cli.SCTPSend([]byte("no retransmission"), &SndInfo{Stream: 2, PRPolicy: SCTP_PR_SCTP_RTX, PRValue: 0, Context: 5}); err != nil {
		t.Fatal(err)
	}
	if err := cli.SetDefaultPRInfo(PRInfo{Policy: SCTP_PR_SCTP_TTL, Value: 30}); err != nil {
		t.Fatal(err)
	}
	if got := cli.DefaultPRInfo(); got != (PRInfo{Policy: SCTP_PR_SCTP_TTL, Value: 30}) {
		t.Fatalf("DefaultPRInfo %+v", got)
	}
	if _, err := cli.SCTPSend([]byte("30 ms to live"), nil); err != nil {
		t.Fatal(err)
	}
	failed := map[uint32]SendFailed{}
	for len(failed) < 2 {
		ev, _ := nextEvent(t, cli.Socket)
		sf, ok := ev.(SendFailed)
		if !ok || !errors.Is(sf.Err, ErrMessageAbandoned) || sf.Unsent {
			t.Fatalf("event %v, want SendFailed ErrMessageAbandoned for a sent message", ev)
		}
		failed[sf.Context] = sf
	}
	if sf, ok := failed[5]; !ok || sf.Stream != 2 {
		t.Fatalf("abandoned %+v", failed)
	}
	for _, c := range []struct {
		policy       PRPolicy
		stream       int
		unsent, sent uint64
	}{
		{SCTP_PR_SCTP_RTX, -1, 0, 1},
		{SCTP_PR_SCTP_TTL, -1, 0, 1},
		{SCTP_PR_SCTP_ALL, -1, 0, 2},
		{SCTP_PR_SCTP_PRIO, -1, 0, 0},
		{SCTP_PR_SCTP_ALL, 2, 0, 1},
		{SCTP_PR_SCTP_ALL, 0, 0, 1},
		{SCTP_PR_SCTP_ALL, 1, 0, 0},
	} {
		var st PRStatus
		var err error
		if c.stream < 0 {
			st, err = cli.PRAssocStatus(0, c.policy)
		} else {
			st, err = cli.PRStreamStatus(0, uint16(c.stream), c.policy)
		}
		if err != nil || st.AbandonedUnsent != c.unsent || st.AbandonedSent != c.sent {
			t.Errorf("policy %v stream %d: %+v, %v; want unsent %d sent %d", c.policy, c.stream, st, err, c.unsent, c.sent)
		}
	}
	if _, err := cli.PRAssocStatus(0, SCTP_PR_SCTP_NONE); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("status of policy NONE: %v", err)
	}
}
