package sctp

import (
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// errorCountPair establishes an association with 1 s heartbeats; drop
// decides per datagram (after the handshake) whether the network loses it.
func errorCountPair(t *testing.T, maxRetrans int) (pn *endpointPair, client *association) {
	t.Helper()
	pn = newBackToBack(t)
	client, _ = pn.connect(assocConfig{outStreams: 2, maxInStreams: 2, mtu: 1200, maxRetrans: maxRetrans, pathMaxRetrans: 100, hbInterval: time.Second})
	return pn, client
}

// TestErrorCounterMixesT3AndHeartbeats: RFC 9260 §8.1 keeps ONE
// association error counter for T3-rtx expiries and unanswered HEARTBEATs
// on the data path; the association fails when it exceeds
// Association.Max.Retrans. With every packet lost and heartbeats sent in
// the gaps between backed-off retransmissions, the failure must come
// exactly at the (Max.Retrans+1)-th error of either kind.
func TestErrorCounterMixesT3AndHeartbeats(t *testing.T) {
	const maxRetrans = 6
	pn, client := errorCountPair(t, maxRetrans)
	hbSent := 0
	// Count only the client's HEARTBEATs: the server's go the other way.
	pn.drop = func(_ int, pkt []byte) bool {
		h, _, err := parsePacket(pkt)
		if err == nil && h.SrcPort == client.localPort && simHasChunk(pkt, chunk.TypeHeartbeat) {
			hbSent++
		}
		return true
	}
	if err := client.send(pn.now(), outMessage{stream: 1, data: make([]byte, 500)}); err != nil {
		t.Fatal(err)
	}
	pn.runUntil("failure", func() bool { return client.currentState() == stateClosed })
	t3 := int(client.data.stats().t3Expiries)
	hbTimeouts := hbSent
	if p := &client.paths.paths[client.paths.current()]; !p.hbAckDue.IsZero() && p.hbAckDue.After(pn.now()) {
		hbTimeouts-- // the last HEARTBEAT had not timed out yet
	}
	if t3 == 0 || hbTimeouts == 0 {
		t.Fatalf("no mixing: %d T3-rtx expiries, %d unanswered HEARTBEATs", t3, hbTimeouts)
	}
	if t3+hbTimeouts != maxRetrans+1 {
		t.Fatalf("failed after %d T3-rtx expiries + %d unanswered HEARTBEATs, want %d errors in all (§8.1 one counter)", t3, hbTimeouts, maxRetrans+1)
	}
	pn.flush()
	if !hasEvent(pn.events[1], CommLost) {
		t.Fatalf("no COMM_LOST: %v", pn.events[1])
	}
}

// TestErrorCounterResets: unanswered HEARTBEATs raise the counter and a
// SACK acknowledging new data clears it; T3-rtx expiries raise it and a
// HEARTBEAT ACK clears it (RFC 9260 §8.1).
func TestErrorCounterResets(t *testing.T) {
	pn, client := errorCountPair(t, 10)
	errs := func() int { return client.data.stats().errorCount }
	// Idle and cut off: heartbeats go unanswered.
	pn.drop = func(int, []byte) bool { return true }
	pn.runUntil("two unanswered HEARTBEATs", func() bool { return errs() >= 2 })
	// Reconnected: new data is acknowledged by a SACK.
	pn.drop = nil
	if err := client.send(pn.now(), outMessage{stream: 1, data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	pn.runUntil("SACK", func() bool { return client.data.idle() })
	if n := errs(); n != 0 {
		t.Fatalf("error counter %d after a SACK of new data, want 0", n)
	}
	// DATA and SACKs lost, heartbeats pass: T3-rtx raises the counter, the
	// next HEARTBEAT ACK clears it while the data is still outstanding.
	hbAcks := 0
	pn.drop = func(_ int, pkt []byte) bool {
		if h, _, err := parsePacket(pkt); err == nil && h.SrcPort == 7 && simHasChunk(pkt, chunk.TypeHeartbeatAck) {
			hbAcks++ // from the server
		}
		return simHasChunk(pkt, chunk.TypeData) || simHasChunk(pkt, chunk.TypeSack)
	}
	t3 := client.data.stats().t3Expiries
	if err := client.send(pn.now(), outMessage{stream: 1, data: []byte("y")}); err != nil {
		t.Fatal(err)
	}
	pn.runUntil("two T3-rtx expiries", func() bool { return errs() >= 2 })
	if d := client.data.stats().t3Expiries - t3; d != 2 {
		t.Fatalf("counter 2 after %d T3-rtx expiries", d)
	}
	acks := hbAcks
	pn.runUntil("HEARTBEAT ACK", func() bool { return hbAcks > acks })
	pn.flush() // the HEARTBEAT ACK was counted when sent: let it arrive
	if n := errs(); n != 0 || client.data.idle() {
		t.Fatalf("error counter %d (data idle %v) after a HEARTBEAT ACK, want 0 with data outstanding", n, client.data.idle())
	}
}
