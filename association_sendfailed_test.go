package sctp

import (
	"bytes"
	"errors"
	"testing"

	"github.com/usctp/sctp/chunk"
)

// sendFailedPair establishes an association on a back-to-back endpointPair, then cuts the
// network and queues three messages: a (3000 B, sent whole), b (3000 B,
// cut into chunks but only its first fragment fits the initial cwnd of
// RFC 9260 §7.2.1) and c (never sent).
func sendFailedPair(t *testing.T, cfg assocConfig) (pn *endpointPair, client, server *association, msgs [3][]byte) {
	t.Helper()
	pn = newBackToBack(t)
	client, server = pn.connect(cfg)
	// One message that is acknowledged: never reported.
	if err := client.send(pn.now(), outMessage{stream: 0, ppid: 1, data: []byte("delivered")}); err != nil {
		t.Fatal(err)
	}
	pn.runUntil("first message acknowledged", func() bool { return client.data.idle() })
	pn.events = [2][]Event{}
	pn.drop = func(int, []byte) bool { return true }
	for i := range msgs {
		size := []int{3000, 3000, 100}[i]
		msgs[i] = bytes.Repeat([]byte{byte('a' + i)}, size)
		if err := client.send(pn.now(), outMessage{stream: uint16(1 + i), ppid: uint32(10 + i), context: uint32(100 + i), data: msgs[i]}); err != nil {
			t.Fatal(err)
		}
	}
	pn.flush()
	if st := client.data.stats(); st.outstandingChunks == 0 || client.data.snd.pending.len() == 0 {
		t.Fatalf("setup: want chunks in flight and messages queued: %+v", st)
	}
	return pn, client, server, msgs
}

// checkSendFailed checks the events of one side: one SendFailed per
// message of msgs, in order, with its data and the right SENT/UNSENT flag,
// all right after the terminal AssocChange.
func checkSendFailed(t *testing.T, evs []Event, msgs [3][]byte, wantErr error, terminal AssocChangeState) {
	t.Helper()
	var fails []SendFailed
	sawTerminal := false
	for _, ev := range evs {
		switch e := ev.(type) {
		case SendFailed:
			if !sawTerminal {
				t.Errorf("SendFailed before the terminal AssocChange: %v", e)
			}
			fails = append(fails, e)
		case AssocChange:
			if e.State == terminal {
				sawTerminal = true
			}
		}
	}
	if !sawTerminal {
		t.Fatalf("no %v in %v", terminal, evs)
	}
	if len(fails) != len(msgs) {
		t.Fatalf("%d SendFailed events, want %d: %v", len(fails), len(msgs), fails)
	}
	for i, f := range fails {
		wantUnsent := i == 2 // a and b were (partly) transmitted
		if f.Stream != uint16(1+i) || f.PPID != uint32(10+i) || f.Context != uint32(100+i) || f.Unsent != wantUnsent {
			t.Errorf("SendFailed %d: %+v, want stream %d ppid %d context %d unsent %v", i, f, 1+i, 10+i, 100+i, wantUnsent)
		}
		if !bytes.Equal(f.Data, msgs[i]) {
			t.Errorf("SendFailed %d: data %d bytes, want the %d-byte message", i, len(f.Data), len(msgs[i]))
		}
		if !errors.Is(f.Err, wantErr) {
			t.Errorf("SendFailed %d: err %v, want %v", i, f.Err, wantErr)
		}
	}
}

// TestSendFailedOnUserAbort: RFC 6458 §6.1.11 — messages in flight and
// queued when the user aborts (RFC 9260 §9.1) come back as SEND_FAILED.
func TestSendFailedOnUserAbort(t *testing.T) {
	pn, client, _, msgs := sendFailedPair(t, assocConfig{outStreams: 4, maxInStreams: 4, mtu: 1200})
	client.abort(pn.now(), "bye")
	pn.flush()
	checkSendFailed(t, pn.events[1], msgs, ErrAborted, CommLost)
	if !client.data.idle() {
		t.Fatal("send side not empty after the abort")
	}
}

// TestSendFailedOnPeerAbort: an ABORT from the peer (RFC 9260 §9.1) fails
// what was not delivered.
func TestSendFailedOnPeerAbort(t *testing.T) {
	pn, _, server, msgs := sendFailedPair(t, assocConfig{outStreams: 4, maxInStreams: 4, mtu: 1200})
	pn.drop = nil
	server.abort(pn.now(), "go away")
	// The server's ABORT goes out first (queued special packet).
	pn.flush()
	checkSendFailed(t, pn.events[1], msgs, ErrAborted, CommLost)
}

// TestSendFailedOnCommLost: Association.Max.Retrans T3-rtx expiries (RFC
// 9260 §8.1) close with COMM_LOST and fail the undelivered messages.
func TestSendFailedOnCommLost(t *testing.T) {
	pn, client, _, msgs := sendFailedPair(t, assocConfig{outStreams: 4, maxInStreams: 4, mtu: 1200, maxRetrans: 2, pathMaxRetrans: 1, hbDisabled: true})
	pn.runUntil("failure", func() bool { return client.currentState() == stateClosed })
	pn.flush()
	checkSendFailed(t, pn.events[1], msgs, ErrAssociationFailed, CommLost)
}

// TestSendFailedOnPeerRestart: a peer restart (RFC 9260 §5.2.4 A) loses
// what the old association had not delivered; it comes back as SEND_FAILED
// with ErrPeerRestarted (like usrsctp, which reports all outbound data on
// restart).
func TestSendFailedOnPeerRestart(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.assoc.send(tp.now, outMessage{stream: 0, ppid: 77, context: 5, data: []byte("lost in restart")})
	tp.collect()
	tp.wantPacket(tp.peerTag, chunk.TypeData)
	tp.peerTag = 0xABCDEF01
	tp.peerTSN = 50000
	tp.write(0, tp.peerInit(nil))
	ack := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeInitAck).chunks[0], &chunk.InitAck{})
	tp.write(ack.InitiateTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	tp.wantPacket(tp.peerTag, chunk.TypeCookieAck)
	ev := tp.wantEvent(SendFailed{}).(SendFailed)
	if ev.PPID != 77 || ev.Context != 5 || ev.Unsent || string(ev.Data) != "lost in restart" || !errors.Is(ev.Err, ErrPeerRestarted) {
		t.Fatalf("event %+v", ev)
	}
	tp.wantEvent(AssocChange{State: Restart})
	if !tp.assoc.data.idle() {
		t.Fatal("old data survived the restart")
	}
}
