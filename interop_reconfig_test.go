package sctp

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// buildUsrsctpPeer builds the test-only cgo peer bench/cmd/NAME (its own
// module, linked with libusrsctp) into a temporary directory. It skips
// the test in -short mode, without libusrsctp-dev (`apt-get install
// libusrsctp-dev`) or without a C compiler.
// startReconfPeer starts the usrsctp-reconf test peer (with args) on a
// free UDP port and waits for its READY, then opens a stack aimed at it
// (its packets captured) and a one-to-one socket with 4 streams each way.
func startReconfPeer(t *testing.T, args ...string) (want func(prefix string) string, st *Stack, s *SocketTCP, capture *syncBuffer) {
	t.Helper()
	bin := buildUsrsctpPeer(t, "usrsctp-reconf")
	peerUDP := usrsctpFreePort(t)
	p := startProc(t, 30*time.Second, false, bin, append([]string{"-local-udp", itoa(peerUDP), "-sctp-port", "5001"}, args...)...)
	want = p.lineWaiter(t, "usrsctp", 20*time.Second)
	want("READY")
	capture = new(syncBuffer)
	st, err := NewStack(StackConfig{Network: "udp4", LocalAddr: lo4, RemoteUDPPort: uint16(peerUDP), Capture: capture})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s = newTCP(t, st)
	if err := s.SetInitMsg(InitMsg{NumOstreams: 4, MaxInstreams: 4}); err != nil {
		t.Fatal(err)
	}
	return want, st, s, capture
}

func buildUsrsctpPeer(t *testing.T, name string) string {
	t.Helper()
	if _, err := os.Stat("/usr/include/usrsctp.h"); err != nil {
		t.Skip("libusrsctp-dev not installed (apt-get install libusrsctp-dev): skipping the usrsctp API peer")
	}
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no C compiler for the cgo usrsctp peer")
	}
	return buildPeer(t, name, "CGO_ENABLED=1")
}

// buildPeer builds the test-only peer program bench/cmd/NAME (the bench
// module may use pion/sctp and cgo; the library may not) with env added.
func buildPeer(t *testing.T, name string, env ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: not building the peer bench/cmd/%s", name)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the peer program")
	}
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/"+name)
	cmd.Dir = "bench"
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building bench/cmd/%s: %v\n%s", name, err, out)
	}
	return bin
}

// TestInteropUsrsctpStreamReconfig runs RFC 6525 both ways against
// usrsctp 0.9.5 (bench/cmd/usrsctp-reconf, every SCTP_ENABLE_STREAM_RESET
// flag set on its socket) through the socket API over UDP on 127.0.0.1:
// our outgoing reset, its outgoing reset (answering our incoming reset
// request, and on its own), adding streams both ways, and an SSN/TSN
// reset, with data before and after each.
func TestInteropUsrsctpStreamReconfig(t *testing.T) {
	want, st, s, capture := startReconfPeer(t)
	all := SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_RESET_ASSOC_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ
	if err := s.SetEnableStreamReset(0, all); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEvents(EventSubscribe{DataIO: true, StreamReset: true, AssocReset: true, StreamChange: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(loopback4(5001)); err != nil {
		t.Fatal(err)
	}
	send := func(stream uint16, msg string) {
		t.Helper()
		if _, err := s.SCTPSend([]byte(msg), &SndInfo{Stream: stream, PPID: 51}); err != nil {
			t.Fatalf("send %q: %v", msg, err)
		}
	}
	lastEvent := func(items []recvItem) Event { return items[len(items)-1].event }

	// Our outgoing reset of stream 1.
	send(1, "one")
	send(1, "two")
	if err := s.ResetStreams(0, SCTP_STREAM_RESET_OUTGOING, []uint16{1}); err != nil {
		t.Fatal(err)
	}
	send(1, "three")
	want("DATA 1 0 one")
	want("DATA 1 1 two")
	want("STREAM_RESET flags=0x1 streams=1") // SCTP_STREAM_RESET_INCOMING_SSN at usrsctp
	want("DATA 1 0 three")
	if e := lastEvent(recvUntil(t, s.Socket, isEvent[StreamReset])).(StreamReset); e.Flags != SCTP_STREAM_RESET_OUTGOING_SSN {
		t.Fatalf("our event %v", e)
	}

	// usrsctp resets its outgoing stream 2 on its own.
	send(0, "send:2:before")
	recvUntil(t, s.Socket, func(it recvItem) bool { return it.msg == "before" })
	send(0, "reset-out:2")
	want("CMD reset-out rc=0")
	got := recvUntil(t, s.Socket, isEvent[StreamReset])
	if e := lastEvent(got).(StreamReset); e.Flags != SCTP_STREAM_RESET_INCOMING_SSN || len(e.Streams) != 1 || e.Streams[0] != 2 {
		t.Fatalf("our event %v", e)
	}
	send(0, "send:2:after")
	got = recvUntil(t, s.Socket, func(it recvItem) bool { return it.msg == "after" })
	if it := got[len(got)-1]; it.info.Stream != 2 || it.info.SSN != 0 {
		t.Fatalf("after usrsctp's reset: %+v", it)
	}

	// Our incoming reset request of stream 3: usrsctp answers with its
	// outgoing reset.
	send(0, "send:3:x")
	recvUntil(t, s.Socket, func(it recvItem) bool { return it.msg == "x" })
	if err := s.ResetStreams(0, SCTP_STREAM_RESET_INCOMING, []uint16{3}); err != nil {
		t.Fatal(err)
	}
	got = recvUntil(t, s.Socket, isEvent[StreamReset])
	if e := lastEvent(got).(StreamReset); e.Flags != SCTP_STREAM_RESET_INCOMING_SSN || len(e.Streams) != 1 || e.Streams[0] != 3 {
		t.Fatalf("our event %v", e)
	}
	send(0, "send:3:y")
	got = recvUntil(t, s.Socket, func(it recvItem) bool { return it.msg == "y" })
	if it := got[len(got)-1]; it.info.SSN != 0 {
		t.Fatalf("after the incoming reset: %+v", it)
	}

	// Add streams both ways.
	if err := s.AddStreams(0, 0, 2); err != nil {
		t.Fatal(err)
	}
	want("STREAM_CHANGE")
	if e := lastEvent(recvUntil(t, s.Socket, isEvent[StreamChange])).(StreamChange); e.Flags != 0 || e.OutStreams != 6 {
		t.Fatalf("our event %v", e)
	}
	send(5, "on five")
	want("DATA 5 0 on five")
	send(0, "add-out:3")
	want("CMD add-out rc=0")
	if e := lastEvent(recvUntil(t, s.Socket, isEvent[StreamChange])).(StreamChange); e.Flags != 0 || e.InStreams != 7 {
		t.Fatalf("our event %v", e)
	}

	// SSN/TSN reset requested by us.
	if err := s.ResetAssoc(0); err != nil {
		t.Fatal(err)
	}
	ar := lastEvent(recvUntil(t, s.Socket, isEvent[AssocReset])).(AssocReset)
	if ar.Flags != 0 {
		t.Fatalf("our event %v", ar)
	}
	want("ASSOC_RESET flags=0x0")
	send(1, "reset done")
	want("DATA 1 0 reset done")
	send(0, "send:1:back")
	got = recvUntil(t, s.Socket, func(it recvItem) bool { return it.msg == "back" })
	if it := got[len(got)-1]; it.info.SSN != 0 || it.info.TSN != ar.RemoteTSN {
		t.Fatalf("after the assoc reset: %+v, event %v", it, ar)
	}
	send(0, "quit")
	want("DATA 0 1 quit")
	st.Close() // flushes the capture
	tsharkCheckReconfig(t, capture.Bytes(), st.LocalUDPAddr().Port(), 10)
}

// tsharkCheckReconfig has tshark decode a capture of UDP-encapsulated
// SCTP on port: every frame SCTP with a good CRC32c, none malformed, no
// expert error, and RE-CONFIG chunks (type 130) among them.
func tsharkCheckReconfig(t *testing.T, capture []byte, port uint16, minReconfigs int) {
	t.Helper()
	frames, ok := tsharkCleanFrames(t, capture, port)
	if !ok {
		return
	}
	reconfigs, _ := tsharkCountChunks(frames, int(chunk.TypeReconfig), port)
	if reconfigs < minReconfigs {
		t.Fatalf("%d frames, %d RE-CONFIG chunks: want the requests and responses of the test", len(frames), reconfigs)
	}
	t.Logf("tshark: %d frames, %d RE-CONFIG chunks, all decoded cleanly", len(frames), reconfigs)
}
