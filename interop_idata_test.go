package sctp

import (
	"bytes"
	"testing"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/pcap"
)

// idataPattern is the payload the usrsctp peer checks and sends: byte i
// is i%251.
func idataPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// TestInteropUsrsctpIData runs RFC 8260 I-DATA both ways against usrsctp
// 0.9.5 (bench/cmd/usrsctp-reconf -idata: SCTP_FRAGMENT_INTERLEAVE 2,
// SCTP_INTERLEAVING_SUPPORTED, round robin scheduler) through the socket
// API over UDP on 127.0.0.1: both sides negotiate I-DATA; a 200 kB message
// on stream 1 and a small one on stream 2 each way arrive intact; usrsctp
// interleaves its two messages' I-DATA chunks, and the small one reaches
// our reader first. The capture decodes cleanly in tshark, with I-DATA
// chunks and no DATA chunk.
func TestInteropUsrsctpIData(t *testing.T) {
	want, st, s, capture := startReconfPeer(t, "-idata")
	if err := s.SetFragmentInterleave(2); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInterleavingSupported(true); err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(loopback4(5001)); err != nil {
		t.Fatal(err)
	}
	if l := want("IDATA"); l != "IDATA on" {
		t.Fatalf("usrsctp: %q, want I-DATA on", l)
	}
	if status, err := s.Status(0); err != nil || !status.IData {
		t.Fatalf("Status %+v, %v: I-DATA not negotiated", status, err)
	}

	// Us to usrsctp.
	big := idataPattern(200000)
	if _, err := s.SCTPSend(big, &SndInfo{Stream: 1, PPID: 53}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SCTPSend([]byte("small"), &SndInfo{Stream: 2, PPID: 51}); err != nil {
		t.Fatal(err)
	}
	if l := want("BIG 1"); l != "BIG 1 200000 ok" {
		t.Fatalf("usrsctp received %q", l)
	}
	want("DATA 2 0 small")

	// usrsctp to us: its round robin scheduler interleaves the messages.
	if _, err := s.SCTPSend([]byte("bigsmall:200000"), &SndInfo{Stream: 0, PPID: 51}); err != nil {
		t.Fatal(err)
	}
	var order []uint16
	gotBig := false
	for range 10 {
		r, err := s.SCTPRecv(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		if r.Notification != nil {
			continue
		}
		if r.Flags&MSG_EOR == 0 {
			t.Fatalf("a part without MSG_EOR (%d bytes, stream %d): the message is below the partial delivery point", len(r.Msg), r.Info.Stream)
		}
		order = append(order, r.Info.Stream)
		switch r.Info.Stream {
		case 1:
			if string(r.Msg) != string(big) || r.Info.PPID != 53 {
				t.Fatalf("big message: %d bytes, PPID %d, pattern ok %v", len(r.Msg), r.Info.PPID, string(r.Msg) == string(big))
			}
			gotBig = true
		case 2:
			if string(r.Msg) != "small" || r.Info.PPID != 51 {
				t.Fatalf("small message %q PPID %d", r.Msg, r.Info.PPID)
			}
		}
		if gotBig && len(order) >= 2 {
			break
		}
	}
	if len(order) != 2 {
		t.Fatalf("streams in reading order %v: want both messages", order)
	}
	if _, err := s.SCTPSend([]byte("quit"), &SndInfo{Stream: 0, PPID: 51}); err != nil {
		t.Fatal(err)
	}
	want("DATA 0")
	st.Close() // flushes the capture
	tsharkCheckIData(t, capture.Bytes(), st.LocalUDPAddr().Port())
	// Whether usrsctp interleaved the two messages is its scheduler's
	// timing (it sends the big one whole when it gets to send before the
	// small one is queued, as on a loaded machine); what we own is that a
	// small message whose chunk arrived before the big one ended is read
	// first (RFC 8260 §2, fragment interleave level 2).
	interleaved, seen := usrsctpInterleaved(t, capture.Bytes(), st.LocalUDPAddr().Port())
	switch {
	case !seen:
		t.Fatal("capture: no I-DATA from usrsctp on streams 1 and 2")
	case interleaved && order[0] != 2:
		t.Fatalf("streams in reading order %v: the small message (stream 2) arrived before the big one ended, want it read first", order)
	case !interleaved:
		t.Logf("usrsctp sent the big message whole before the small one this time; reading order %v", order)
	}
}

// usrsctpInterleaved reads the capture (our stack's packets) and reports
// whether the first I-DATA chunk of stream 2 that we received from usrsctp
// (source port other than ours) arrived before the chunk ending stream 1's
// message; seen is false when either is missing.
func usrsctpInterleaved(t *testing.T, capture []byte, ours uint16) (interleaved, seen bool) {
	t.Helper()
	r, err := pcap.NewReader(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	small, bigEnd := -1, -1
	for i := 0; ; i++ {
		rec, err := r.Next()
		if err != nil {
			break
		}
		d, err := pcap.DecodeUDP(r.LinkType(), rec.Data)
		if err != nil || d.Src.Port() == ours || len(d.Payload) < commonHeaderLen {
			continue
		}
		it := chunk.NewIter(d.Payload[commonHeaderLen:])
		for it.Next() {
			var c chunk.IData
			if it.Chunk().Type != chunk.TypeIData || c.Decode(it.Chunk()) != nil {
				continue
			}
			if c.Stream == 2 && small < 0 {
				small = i
			}
			if c.Stream == 1 && c.Ending && bigEnd < 0 {
				bigEnd = i
			}
		}
	}
	return small >= 0 && bigEnd >= 0 && small < bigEnd, small >= 0 && bigEnd >= 0
}

// tsharkCheckIData has tshark decode a capture of UDP-encapsulated SCTP
// on port: every frame SCTP with a good CRC32c, none malformed, no expert
// error, I-DATA chunks (type 64) both ways and no DATA chunk (type 0).
func tsharkCheckIData(t *testing.T, capture []byte, port uint16) {
	t.Helper()
	frames, ok := tsharkCleanFrames(t, capture, port)
	if !ok {
		return
	}
	idata, ours := tsharkCountChunks(frames, int(chunk.TypeIData), port)
	data, _ := tsharkCountChunks(frames, int(chunk.TypeData), port)
	if idata == 0 || ours == 0 || ours == idata || data != 0 {
		t.Fatalf("%d frames: %d I-DATA chunks (%d ours), %d DATA chunks: want I-DATA both ways and no DATA", len(frames), idata, ours, data)
	}
	t.Logf("tshark: %d frames, %d I-DATA chunks (%d sent by us), no DATA, all decoded cleanly", len(frames), idata, ours)
}
