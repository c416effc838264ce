package sctp

import (
	"fmt"
	"testing"

	"github.com/usctp/sctp/chunk"
)

// RFC 9260 §8.5 and §8.5.1 E: SHUTDOWN ACK, DATA, SACK and HEARTBEAT
// carry the receiver's own tag. Sent with a wrong tag, or with the
// sender's own tag (reflected: what an off-path host that saw one of our
// packets could replay back), in every state where they can arrive, they
// are dropped and counted and change nothing. Each case also sends the
// same chunk under the right tag and checks that it then has its effect,
// so a check that was removed shows.

// tagState brings a scripted peer's association (the endpoint connected
// as the client) into one state.
type tagState struct {
	name  string
	state protoState
	setup func(tp *testPeer)
}

var tagStates = []tagState{
	{"ESTABLISHED", stateEstablished, func(tp *testPeer) {
		tp.connectHandshake(testAssocConfig())
		tp.sendData(outMessage{data: []byte("outstanding")})
	}},
	{"SHUTDOWN-PENDING", stateShutdownPending, func(tp *testPeer) {
		tp.connectHandshake(testAssocConfig())
		tp.sendData(outMessage{data: []byte("outstanding")})
		tp.assoc.shutdown(tp.now)
		tp.collect()
	}},
	{"SHUTDOWN-SENT", stateShutdownSent, func(tp *testPeer) {
		tp.connectHandshake(testAssocConfig())
		tp.shutdownSent()
	}},
	{"SHUTDOWN-RECEIVED", stateShutdownReceived, func(tp *testPeer) {
		tp.connectHandshake(testAssocConfig())
		d := tp.sendData(outMessage{data: []byte("outstanding")})
		tp.write(tp.epTag, &chunk.Shutdown{CumTSNAck: d.TSN - 1}) // our DATA not acknowledged
	}},
	{"SHUTDOWN-ACK-SENT", stateShutdownAckSent, func(tp *testPeer) {
		tp.connectHandshake(testAssocConfig())
		tp.write(tp.epTag, &chunk.Shutdown{CumTSNAck: tp.assoc.localInitialTSN - 1}) // nothing sent
		tp.wantPacket(tp.peerTag, chunk.TypeShutdownAck)
	}},
}

// tagCase is one chunk type: where it can arrive, how to build it, and
// what it does under the right tag.
type tagCase struct {
	name   string
	states []protoState
	chunk  func(tp *testPeer) chunk.Chunk
	effect func(t *testing.T, tp *testPeer, st protoState) // under the right tag
}

func outstandingFlight(tp *testPeer) int {
	if tp.assoc.data == nil {
		return 0
	}
	return tp.assoc.data.stats().flight
}

var tagCases = []tagCase{
	{
		name:   "DATA",
		states: []protoState{stateEstablished, stateShutdownPending, stateShutdownSent},
		chunk:  func(tp *testPeer) chunk.Chunk { return tp.data(0, "hello") },
		effect: func(t *testing.T, tp *testPeer, st protoState) {
			if m, ok := tp.assoc.readMessage(); !ok || string(m.data) != "hello" {
				t.Fatalf("DATA under the right tag not delivered")
			}
		},
	},
	{
		name:   "SACK",
		states: []protoState{stateEstablished, stateShutdownPending, stateShutdownSent, stateShutdownReceived},
		chunk: func(tp *testPeer) chunk.Chunk {
			// Acknowledges everything we sent.
			return &chunk.Sack{CumTSNAck: tp.assoc.data.snd.nextTSN - 1, ARwnd: 100000}
		},
		effect: func(t *testing.T, tp *testPeer, st protoState) {
			if f := outstandingFlight(tp); f != 0 {
				t.Fatalf("SACK under the right tag left %d bytes in flight", f)
			}
		},
	},
	{
		name:   "HEARTBEAT",
		states: []protoState{stateEstablished, stateShutdownPending, stateShutdownSent, stateShutdownReceived, stateShutdownAckSent},
		chunk:  func(tp *testPeer) chunk.Chunk { return &chunk.Heartbeat{Info: []byte("peer-hb-info")} },
		effect: func(t *testing.T, tp *testPeer, st protoState) {
			var found bool
			for _, p := range tp.sent {
				for _, c := range p.chunks {
					if c.Type == chunk.TypeHeartbeatAck && p.h.VerificationTag == tp.peerTag {
						found = true
					}
				}
			}
			if !found {
				t.Fatalf("HEARTBEAT under the right tag not answered; sent %v", tp.sent)
			}
			tp.sent = nil
		},
	},
	{
		name:   "SHUTDOWN ACK",
		states: []protoState{stateEstablished, stateShutdownSent, stateShutdownAckSent},
		chunk:  func(tp *testPeer) chunk.Chunk { return &chunk.ShutdownAck{} },
		effect: func(t *testing.T, tp *testPeer, st protoState) {
			if st == stateEstablished {
				// §9.2: stray in ESTABLISHED, discarded even under the
				// right tag.
				tp.wantIdle()
				tp.wantState(stateEstablished)
				return
			}
			p := tp.wantPacket(tp.peerTag, chunk.TypeShutdownComplete)
			if sc := decodeAs(t, p.chunks[0], &chunk.ShutdownComplete{}); sc.T {
				t.Fatalf("SHUTDOWN COMPLETE with the T bit under the peer's tag")
			}
			tp.wantEvent(AssocChange{State: ShutdownComp})
		},
	},
}

func TestWrongAndReflectedTagsDropped(t *testing.T) {
	const wrong = 0x0badf00d
	for _, tc := range tagCases {
		for _, ts := range tagStates {
			can := false
			for _, s := range tc.states {
				can = can || s == ts.state
			}
			if !can {
				continue
			}
			t.Run(fmt.Sprintf("%s in %s", tc.name, ts.name), func(t *testing.T) {
				tp := newTestPeer(t)
				ts.setup(tp)
				tp.wantState(ts.state)
				tp.sent, tp.events = nil, nil
				flight := outstandingFlight(tp)
				for i, vtag := range []uint32{wrong, tp.peerTag} {
					what := []string{"wrong tag", "reflected tag (the peer's own)"}[i]
					tp.write(vtag, tc.chunk(tp))
					if len(tp.sent) > 0 {
						t.Fatalf("%s: answered with %v", what, tp.sent[0])
					}
					if len(tp.events) > 0 {
						t.Fatalf("%s: event %v", what, tp.events[0])
					}
					if got := tp.assoc.currentState(); got != ts.state {
						t.Fatalf("%s: state %v, want %v", what, got, ts.state)
					}
					if got := tp.assoc.counters.DroppedBadVtag; got != uint64(i+1) {
						t.Fatalf("%s: DroppedBadVtag %d, want %d", what, got, i+1)
					}
					if _, ok := tp.assoc.readMessage(); ok {
						t.Fatalf("%s: a message was delivered", what)
					}
					if f := outstandingFlight(tp); f != flight {
						t.Fatalf("%s: flight %d, was %d", what, f, flight)
					}
				}
				// The same chunk under our tag is accepted.
				tp.write(tp.epTag, tc.chunk(tp))
				if got := tp.assoc.counters.DroppedBadVtag; got != 2 {
					t.Fatalf("right tag: DroppedBadVtag %d, want 2", got)
				}
				tc.effect(t, tp, ts.state)
			})
		}
	}
}

// §8.5.1 E: before the association is up (COOKIE-WAIT, COOKIE-ECHOED), a
// SHUTDOWN ACK is out of the blue whatever its tag — even ours: it is
// answered with SHUTDOWN COMPLETE under the SHUTDOWN ACK's tag with the
// T bit (§8.4 rule 5), and the handshake goes on.
func TestShutdownAckBeforeEstablishedIsOOTB(t *testing.T) {
	for _, echoed := range []bool{false, true} {
		for _, ours := range []bool{false, true} {
			t.Run(fmt.Sprintf("echoed=%v ours=%v", echoed, ours), func(t *testing.T) {
				tp := newTestPeer(t)
				tp.startConnect(testAssocConfig())
				want := stateCookieWait
				if echoed {
					tp.answerInit(nil)
					tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
					want = stateCookieEchoed
				}
				vtag := uint32(0x0badf00d)
				if ours {
					vtag = tp.epTag
				}
				replies := tp.ep.stats().OOTBReplies
				tp.write(vtag, &chunk.ShutdownAck{})
				p := tp.readPacket()
				if p.h.VerificationTag != vtag || len(p.chunks) != 1 || p.chunks[0].Type != chunk.TypeShutdownComplete {
					t.Fatalf("got %v, want SHUTDOWN COMPLETE under %#x", p, vtag)
				}
				if sc := decodeAs(t, p.chunks[0], &chunk.ShutdownComplete{}); !sc.T {
					t.Fatalf("SHUTDOWN COMPLETE without the T bit")
				}
				if tp.ep.stats().OOTBReplies != replies+1 {
					t.Fatalf("not counted as an OOTB reply")
				}
				tp.wantIdle()
				tp.wantState(want)
				if len(tp.events) > 0 {
					t.Fatalf("event %v", tp.events[0])
				}
			})
		}
	}
}
