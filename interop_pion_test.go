package sctp

import (
	"net/netip"
	"testing"
	"time"
)

// TestInteropPionStreamResetAndPRSCTP runs the SCTP side of pion's WebRTC
// data channels against pion/sctp (bench/cmd/pion-peer, built at test
// time) over UDP on 127.0.0.1: pion's stream reset when it closes a
// stream, ours when we close one, and messages with maxRetransmits 0
// (PR-SCTP limited retransmissions) both ways. The capture decodes cleanly
// in tshark.
func TestInteropPionStreamResetAndPRSCTP(t *testing.T) {
	bin := buildPeer(t, "pion-peer")
	capture := new(syncBuffer)
	st, err := NewStack(StackConfig{Network: "udp4", LocalAddr: lo4, Capture: capture})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	peerUDP := usrsctpFreePort(t)
	p := startProc(t, 30*time.Second, false, bin, "-local-udp", itoa(peerUDP), "-remote-udp", itoa(int(st.LocalUDPAddr().Port())))
	want := p.lineWaiter(t, "pion", 20*time.Second)
	want("LISTENING")

	s := newTCP(t, st)
	if err := s.SetRemoteUDPEncapsPort(0, netip.AddrPort{}, uint16(peerUDP)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEnableStreamReset(0, SCTP_ENABLE_RESET_STREAM_REQ); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEvents(EventSubscribe{DataIO: true, StreamReset: true, SendFailure: true}); err != nil {
		t.Fatal(err)
	}
	// pion's association uses SCTP port 5000 on both ends (WebRTC).
	if err := s.Bind(loopback4(5000)); err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(loopback4(5000)); err != nil {
		t.Fatal(err)
	}
	want("UP")
	send := func(stream uint16, msg string, si SndInfo) {
		t.Helper()
		si.Stream, si.PPID = stream, 51
		if _, err := s.SCTPSend([]byte(msg), &si); err != nil {
			t.Fatalf("send %q: %v", msg, err)
		}
	}
	lastEvent := func(items []recvItem) Event { return items[len(items)-1].event }

	// Our outgoing reset (closing a data channel).
	send(4, "on four", SndInfo{})
	want("DATA 4 51 on four")
	if err := s.ResetStreams(0, SCTP_STREAM_RESET_OUTGOING, []uint16{4}); err != nil {
		t.Fatal(err)
	}
	if e := lastEvent(recvUntil(t, s.Socket, isEvent[StreamReset])).(StreamReset); e.Flags&^SCTP_STREAM_RESET_INCOMING_SSN != SCTP_STREAM_RESET_OUTGOING_SSN {
		t.Fatalf("our reset: %v", e)
	}
	want("EOF 4")

	// pion writes on stream 2, then closes it: its outgoing reset.
	send(0, "send:2:hello", SndInfo{})
	got := recvUntil(t, s.Socket, func(it recvItem) bool { return it.msg == "hello" })
	if it := got[len(got)-1]; it.info.Stream != 2 || it.info.SSN != 0 {
		t.Fatalf("from pion: %+v", it)
	}
	send(0, "close:2", SndInfo{})
	want("CMD close <nil>")
	got = recvUntil(t, s.Socket, func(it recvItem) bool {
		e, ok := it.event.(StreamReset)
		return ok && e.Flags&SCTP_STREAM_RESET_INCOMING_SSN != 0 && len(e.Streams) == 1 && e.Streams[0] == 2
	})

	// maxRetransmits 0 both ways (PR-SCTP was negotiated with pion).
	send(6, "rtx0 from usctp", SndInfo{PRPolicy: SCTP_PR_SCTP_RTX, PRValue: 0})
	want("DATA 6 51 rtx0 from usctp")
	send(0, "rtx0:8:rtx0 from pion", SndInfo{})
	got = recvUntil(t, s.Socket, func(it recvItem) bool { return it.msg == "rtx0 from pion" })
	if it := got[len(got)-1]; it.info.Stream != 8 {
		t.Fatalf("from pion: %+v", it)
	}
	s.Close()
	st.Close()
	tsharkCheckReconfig(t, capture.Bytes(), st.LocalUDPAddr().Port(), 2)
}
