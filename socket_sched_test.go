package sctp

import (
	"errors"
	"testing"
)

// TestStreamSchedulerOptions: SCTP_STREAM_SCHEDULER and
// SCTP_STREAM_SCHEDULER_VALUE (RFC 8260 §4.3.2, §4.3.3) through the socket
// API on 127.0.0.1: the socket default reaches accepted associations, a
// live association switches, bad values fail with errors.Is-able errors,
// and messages on several streams still all arrive.
func TestStreamSchedulerOptions(t *testing.T) {
	srvSt, cliSt := stackPair(t)
	srv, addr := listenTCP(t, srvSt)
	if k, err := srv.StreamScheduler(0); err != nil || k != SCTP_SS_FCFS {
		t.Fatalf("default scheduler %v, %v; want fcfs", k, err)
	}
	if err := srv.SetStreamScheduler(0, SCTP_SS_RR); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetStreamScheduler(0, StreamScheduler(42)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("scheduler 42: %v", err)
	}
	cli := dialTCP(t, cliSt, addr, InitMsg{NumOstreams: 4, MaxInstreams: 4})
	conn := accept(t, srv)
	if k, err := conn.StreamScheduler(0); err != nil || k != SCTP_SS_RR {
		t.Fatalf("accepted association's scheduler %v, %v; want rr (the listener's default)", k, err)
	}
	if k, err := cli.StreamScheduler(0); err != nil || k != SCTP_SS_FCFS {
		t.Fatalf("client scheduler %v, %v", k, err)
	}
	if err := cli.SetStreamScheduler(0, SCTP_SS_WFQ); err != nil {
		t.Fatal(err)
	}
	if k, _ := cli.StreamScheduler(0); k != SCTP_SS_WFQ {
		t.Fatalf("client scheduler %v after set", k)
	}
	if v, err := cli.StreamSchedulerValue(0, 2); err != nil || v != 1 {
		t.Fatalf("unset WFQ weight %d, %v; want 1", v, err)
	}
	if err := cli.SetStreamSchedulerValue(0, 2, 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("WFQ weight 0: %v", err)
	}
	if err := cli.SetStreamSchedulerValue(0, 2, 5); err != nil {
		t.Fatal(err)
	}
	if v, err := cli.StreamSchedulerValue(0, 2); err != nil || v != 5 {
		t.Fatalf("weight %d, %v; want 5", v, err)
	}
	if err := cli.SetStreamSchedulerValue(0, 4, 1); !errors.Is(err, ErrInvalidStream) {
		t.Fatalf("stream 4 of 4: %v", err)
	}
	if _, err := cli.StreamSchedulerValue(0, 9); !errors.Is(err, ErrInvalidStream) {
		t.Fatalf("read stream 9 of 4: %v", err)
	}
	if _, err := cli.StreamScheduler(77); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("foreign association id: %v", err)
	}
	// The value is kept per stream across a switch.
	if err := cli.SetStreamScheduler(0, SCTP_SS_PRIO); err != nil {
		t.Fatal(err)
	}
	if v, _ := cli.StreamSchedulerValue(0, 2); v != 5 {
		t.Fatalf("priority %d after switching, want 5", v)
	}
	const n = 40
	for i := range n {
		msg := make([]byte, 100+i*500)
		if _, err := cli.SCTPSend(msg, &SndInfo{Stream: uint16(i % 4), PPID: uint32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	next := map[uint16]uint32{0: 0, 1: 1, 2: 2, 3: 3}
	for range n {
		r := recvData(t, conn.Socket)
		if r.Info.PPID != next[r.Info.Stream] || len(r.Msg) != 100+int(r.Info.PPID)*500 {
			t.Fatalf("stream %d: message %d (%d bytes), want %d", r.Info.Stream, r.Info.PPID, len(r.Msg), next[r.Info.Stream])
		}
		next[r.Info.Stream] += 4
	}
}

// TestStreamSchedulerOneToMany: on a one-to-many socket id 0 is the
// default for new associations only.
func TestStreamSchedulerOneToMany(t *testing.T) {
	srvSt, _ := stackPair(t)
	srv, _ := listenUDP(t, srvSt, nil)
	if err := srv.SetStreamScheduler(0, SCTP_SS_FB); err != nil {
		t.Fatal(err)
	}
	if k, err := srv.StreamScheduler(0); err != nil || k != SCTP_SS_FB {
		t.Fatalf("default %v, %v", k, err)
	}
	if err := srv.SetStreamSchedulerValue(0, 1, 3); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("value without an association: %v", err)
	}
}
