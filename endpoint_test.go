package sctp

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/usctp/sctp/chunk"
)

func testTwoEndpoints(t *testing.T, drop func(i int, pkt []byte) bool) {
	pn := newBackToBack(t)
	pn.drop = drop
	client, server := pn.connect(assocConfig{outStreams: 8, maxInStreams: 8, mtu: 1200})

	// Messages both ways, several streams, some larger than the MTU.
	var sent [2][][]byte
	for i := 0; i < 30; i++ {
		size := 1 + (i*977)%5000
		msg := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		copy(msg, fmt.Sprintf("#%d", i))
		from := []*association{client, server}[i%2]
		if err := from.send(pn.now(), outMessage{stream: uint16(i % 8), ppid: uint32(i), data: msg}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		sent[i%2] = append(sent[i%2], msg)
	}
	var got [2][][]byte // got[0]: read by the server (sent by the client)
	pn.runUntil("delivery", func() bool {
		for i, a := range []*association{server, client} {
			for {
				m, ok := a.readMessage()
				if !ok {
					break
				}
				got[i] = append(got[i], append([]byte(nil), m.data...))
			}
		}
		return len(got[0]) == len(sent[0]) && len(got[1]) == len(sent[1])
	})
	for dir := 0; dir < 2; dir++ {
		want := map[string]int{}
		for _, m := range sent[dir] {
			want[string(m)]++
		}
		for _, m := range got[dir] {
			want[string(m)]--
		}
		for m, n := range want {
			if n != 0 {
				t.Fatalf("direction %d: message %.10q delivered %d times too few", dir, m, n)
			}
		}
	}

	if drop != nil {
		cs, ss := client.stats(), server.stats()
		if cs.T3Retransmits+cs.FastRetransmits+cs.T1Retransmits+ss.T3Retransmits+ss.FastRetransmits == 0 {
			t.Fatalf("no retransmissions despite loss: %+v / %+v", cs, ss)
		}
		t.Logf("client %+v", cs)
	}
	client.shutdown(pn.now())
	pn.runUntil("shutdown", func() bool { return client.currentState() == StateClosed && server.currentState() == StateClosed })
	pn.flush()
	if !hasEvent(pn.events[0], ShutdownComp) || !hasEvent(pn.events[1], ShutdownComp) {
		t.Fatalf("missing SHUTDOWN_COMP events: %v / %v", pn.events[0], pn.events[1])
	}
	if pn.eps[0].associations() != 0 || pn.eps[1].associations() != 0 {
		t.Fatalf("associations left: %d %d", pn.eps[0].associations(), pn.eps[1].associations())
	}
	if !pn.eps[0].deadline().IsZero() || !pn.eps[1].deadline().IsZero() {
		t.Fatalf("timers left armed")
	}
}

func TestTwoEndpointsBackToBack(t *testing.T) {
	testTwoEndpoints(t, nil)
}

func TestTwoEndpointsWithLoss(t *testing.T) {
	// Drop every 7th datagram, whatever it carries.
	testTwoEndpoints(t, func(i int, _ []byte) bool { return i%7 == 3 })
}

func TestTwoEndpointsSimultaneousOpen(t *testing.T) {
	pn := newBackToBack(t)
	cfg := assocConfig{outStreams: 2, maxInStreams: 2}
	a, err := pn.eps[0].connect(pn.now(), 5001, pn.addrs[1], 5002, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pn.eps[1].connect(pn.now(), 5002, pn.addrs[0], 5001, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pn.runUntil("both established", func() bool { return a.currentState() == StateEstablished && b.currentState() == StateEstablished })
	if a.localTag != b.peerTag || b.localTag != a.peerTag {
		t.Fatalf("tags disagree: a %#x/%#x b %#x/%#x", a.localTag, a.peerTag, b.localTag, b.peerTag)
	}
	if err := a.send(pn.now(), outMessage{data: []byte("hi")}); err != nil {
		t.Fatal(err)
	}
	pn.runUntil("message", func() bool {
		m, ok := b.readMessage()
		return ok && string(m.data) == "hi"
	})
	a.shutdown(pn.now())
	pn.runUntil("closed", func() bool { return a.currentState() == StateClosed && b.currentState() == StateClosed })
}

func TestConnectErrors(t *testing.T) {
	ep := newTestEndpoint(t, 3)
	cfg := assocConfig{}
	if _, err := ep.connect(testEpoch, 1, netip.AddrPort{}, 7, cfg); err == nil {
		t.Error("connect to invalid address succeeded")
	}
	if _, err := ep.connect(testEpoch, 1, netip.MustParseAddrPort("192.0.2.1:0"), 7, cfg); err == nil {
		t.Error("connect with UDP port 0 succeeded")
	}
	remote := netip.MustParseAddrPort("192.0.2.1:9899")
	if _, err := ep.connect(testEpoch, 1, remote, 7, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := ep.connect(testEpoch, 1, remote, 7, cfg); err == nil {
		t.Error("duplicate association accepted")
	}
	a, err := ep.connect(testEpoch, 0, remote, 7, cfg)
	if err != nil || a.localPort < 49152 {
		t.Fatalf("ephemeral connect: %v port %d", err, a.localPort)
	}
	if err := ep.listen(0, cfg); err == nil {
		t.Error("listen on port 0 succeeded")
	}
	if err := ep.listen(9, cfg); err != nil {
		t.Fatal(err)
	}
	if err := ep.listen(9, cfg); err == nil {
		t.Error("double listen succeeded")
	}
	if ep.association(a.id()) != a {
		t.Error("association lookup by id failed")
	}
	_ = chunk.TypeInit
}

func TestEndpointCloseAll(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.ep.closeAll(tp.now, "endpoint closed")
	tp.collect()
	p := tp.wantPacket(tp.peerTag, chunk.TypeAbort)
	c := wantCause(t, decodeAs(t, p.chunks[0], &chunk.Abort{}).Causes, chunk.CauseUserInitiatedAbort)
	if string(c.Info) != "endpoint closed" {
		t.Fatalf("cause info %q", c.Info)
	}
	tp.wantEvent(AssocChange{State: CommLost})
	if tp.ep.associations() != 0 {
		t.Fatal("associations left")
	}
	// No listener any more: a new INIT gets an ABORT.
	tp.peerTag++
	tp.write(0, tp.peerInit(nil))
	tp.wantPacket(tp.peerTag, chunk.TypeAbort)
}
