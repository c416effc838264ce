package sctp

import (
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

func TestShutdownWaitsForOutstanding(t *testing.T) {
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	d := tp.sendData(outMessage{data: []byte("last words")})
	tp.assoc.shutdown(tp.now)
	tp.collect()
	tp.wantIdle()
	tp.wantState(stateShutdownPending)
	if err := tp.assoc.send(tp.now, outMessage{data: []byte("x")}); err != ErrShuttingDown {
		t.Fatalf("send while shutting down: %v", err)
	}
	tp.write(tp.epTag, &chunk.Sack{CumTSNAck: d.TSN, ARwnd: 100000})
	p := tp.wantPacket(tp.peerTag, chunk.TypeShutdown, chunk.TypeSack)
	if s := decodeAs(t, p.chunks[0], &chunk.Shutdown{}); s.CumTSNAck != tp.peerTSN-1 {
		t.Fatalf("SHUTDOWN cum ack %d", s.CumTSNAck)
	}
	tp.wantState(stateShutdownSent)
	tp.write(tp.epTag, &chunk.ShutdownAck{})
	p = tp.wantPacket(tp.peerTag, chunk.TypeShutdownComplete)
	if decodeAs(t, p.chunks[0], &chunk.ShutdownComplete{}).T {
		t.Fatal("T bit on SHUTDOWN COMPLETE to a known peer")
	}
	tp.wantEvent(AssocChange{State: ShutdownComp})
	if tp.assoc.currentState() != stateClosed || tp.ep.associations() != 0 {
		t.Fatalf("state %v associations %d", tp.assoc.currentState(), tp.ep.associations())
	}
}

func TestT2ShutdownRetransmitAndGuard(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.maxRetrans = 20
	tp.connectHandshake(cfg)
	tp.shutdownSent()
	if got := tp.advanceToTimer(); got != time.Second {
		t.Fatalf("T2 after %v", got)
	}
	tp.wantPacket(tp.peerTag, chunk.TypeShutdown, chunk.TypeSack)
	if got := tp.advanceToTimer(); got != 2*time.Second {
		t.Fatalf("T2 backoff %v", got)
	}
	tp.wantPacket(tp.peerTag, chunk.TypeShutdown, chunk.TypeSack)
	// T5-shutdown-guard (5 × RTO.Max) ends it with an ABORT.
	start := tp.now.Add(-3 * time.Second)
	for i := 0; i < 50 && tp.assoc.currentState() != stateClosed; i++ {
		tp.advanceToTimer()
	}
	if tp.assoc.currentState() != stateClosed {
		t.Fatal("not closed")
	}
	if el := tp.now.Sub(start); el != 5*time.Minute {
		t.Fatalf("closed after %v, want T5 = 5 min", el)
	}
	last := tp.sent[len(tp.sent)-1]
	if last.types()[0] != chunk.TypeAbort {
		t.Fatalf("last packet %v", last)
	}
	tp.wantEvent(AssocChange{State: CommLost})
}

func TestShutdownReceived(t *testing.T) {
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	d := tp.sendData(outMessage{data: []byte("pending")})
	// SHUTDOWN that does not yet ack our DATA: wait.
	tp.write(tp.epTag, &chunk.Shutdown{CumTSNAck: d.TSN - 1})
	tp.wantEvent(ShutdownEvent{})
	tp.wantIdle()
	tp.wantState(stateShutdownReceived)
	// The SHUTDOWN's cumulative ack completes it: SHUTDOWN ACK.
	tp.write(tp.epTag, &chunk.Shutdown{CumTSNAck: d.TSN})
	tp.wantPacket(tp.peerTag, chunk.TypeShutdownAck)
	tp.wantState(stateShutdownAckSent)
	// T2 retransmits SHUTDOWN ACK.
	tp.advanceToTimer()
	tp.wantPacket(tp.peerTag, chunk.TypeShutdownAck)
	tp.write(tp.epTag, &chunk.ShutdownComplete{})
	tp.wantEvent(AssocChange{State: ShutdownComp})
	tp.wantState(stateClosed)
}

func TestShutdownCrossed(t *testing.T) {
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	tp.shutdownSent()
	// The peer's SHUTDOWN crosses ours.
	tp.write(tp.epTag, &chunk.Shutdown{CumTSNAck: tp.assoc.localInitialTSN - 1})
	tp.wantPacket(tp.peerTag, chunk.TypeShutdownAck)
	tp.wantState(stateShutdownAckSent)
	// And its SHUTDOWN ACK crosses ours: SHUTDOWN COMPLETE, CLOSED.
	tp.write(tp.epTag, &chunk.ShutdownAck{})
	tp.wantPacket(tp.peerTag, chunk.TypeShutdownComplete)
	tp.wantEvent(AssocChange{State: ShutdownComp})
}

func TestDataInShutdownSentGetsShutdownAndSack(t *testing.T) {
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	tp.shutdownSent()
	tp.now = tp.now.Add(500 * time.Millisecond)
	d := tp.data(0, "late")
	tp.write(tp.epTag, d)
	p := tp.wantPacket(tp.peerTag, chunk.TypeShutdown, chunk.TypeSack)
	if s := decodeAs(t, p.chunks[1], &chunk.Sack{}); s.CumTSNAck != d.TSN {
		t.Fatalf("SACK cum %d", s.CumTSNAck)
	}
	if s := decodeAs(t, p.chunks[0], &chunk.Shutdown{}); s.CumTSNAck != d.TSN {
		t.Fatalf("SHUTDOWN cum %d", s.CumTSNAck)
	}
	// T2 restarted: next expiry one RTO after the DATA.
	if got := tp.advanceToTimer(); got != time.Second {
		t.Fatalf("T2 fired after %v, want restarted 1 s", got)
	}
}

func TestInitInShutdownAckSentRetransmitsShutdownAck(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.write(tp.epTag, &chunk.Shutdown{CumTSNAck: tp.assoc.localInitialTSN - 1})
	tp.wantPacket(tp.peerTag, chunk.TypeShutdownAck)
	tp.write(0, &chunk.Init{InitiateTag: 0x5151, ARwnd: 100000, OutStreams: 2, InStreams: 2, InitialTSN: 9})
	tp.wantPacket(tp.peerTag, chunk.TypeShutdownAck)
	tp.wantIdle()
	tp.wantState(stateShutdownAckSent)
}

func TestShutdownInCookieStates(t *testing.T) {
	tp := newTestPeer(t)
	tp.startConnect(testAssocConfig())
	tp.assoc.shutdown(tp.now)
	tp.collect()
	tp.wantIdle()
	tp.wantEvent(AssocChange{State: CantStartAssoc})

	tp = newTestPeer(t)
	tp.startConnect(testAssocConfig())
	tp.answerInit(nil)
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.assoc.shutdown(tp.now)
	tp.collect()
	tp.wantPacket(tp.peerTag, chunk.TypeAbort)
	tp.wantState(stateClosed)
}
