package sctp

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/usctp/sctp/chunk"
)

// The client side of the handshake: what the endpoint does with the INIT
// ACK and COOKIE ACK it receives (RFC 9260 §5.1, §3.3.3, §3.2.1, §5.2.3,
// §5.2.5) and the §8.5.1 tag rules for every chunk a client can receive in
// COOKIE-WAIT and COOKIE-ECHOED. Each test plays the server with the
// scripted peer.

// initAck is the scripted peer's INIT ACK with the given parameters.
func (tp *testPeer) initAck(params []byte) *chunk.InitAck {
	return &chunk.InitAck{InitiateTag: tp.peerTag, ARwnd: 100000, OutStreams: 8, InStreams: 8, InitialTSN: tp.peerTSN, Params: params}
}

func cookieParam(b []byte) []byte {
	return chunk.AppendParam(b, chunk.ParamStateCookie, []byte("peer-cookie-0123"))
}

// wantAttemptDestroyed checks that the attempt ended (CantStartAssoc) and
// that the endpoint holds no TCB and no timer for it.
func (tp *testPeer) wantAttemptDestroyed() {
	tp.t.Helper()
	tp.wantEvent(AssocChange{State: CantStartAssoc})
	if st := tp.assoc.currentState(); st != stateClosed {
		tp.t.Fatalf("state %v, want CLOSED", st)
	}
	if n := tp.ep.associations(); n != 0 {
		tp.t.Fatalf("%d associations kept after the abort", n)
	}
	if d := tp.ep.deadline(); !d.IsZero() {
		tp.t.Fatalf("a timer is still armed (%v)", d)
	}
	// Nothing more comes: no INIT retransmission.
	tp.advance(120e9)
	tp.wantIdle()
}

// §5.1 C, §3.3.3: an INIT ACK without its mandatory State Cookie is
// answered with ABORT cause 2 naming the State Cookie (7), under the
// INIT ACK's Initiate Tag, and the TCB is destroyed.
func TestClientInitAckMissingCookie(t *testing.T) {
	tp := newTestPeer(t)
	tp.startConnect(testAssocConfig())
	tp.write(tp.epTag, tp.initAck(chunk.AppendParam(nil, chunk.ParamForwardTSNSupported, nil)))
	c := wantCause(t, tp.wantAbort().Causes, chunk.CauseMissingParam)
	if len(c.Info) != 6 || binary.BigEndian.Uint32(c.Info) != 1 || chunk.ParamType(binary.BigEndian.Uint16(c.Info[4:])) != chunk.ParamStateCookie {
		t.Fatalf("cause 2 info %x, want one missing parameter: State Cookie (7)", c.Info)
	}
	tp.wantAttemptDestroyed()
}

// §3.3.3: Initiate Tag 0, OS 0 or MIS 0 in the INIT ACK → ABORT with
// Invalid Mandatory Parameter (7), TCB destroyed. With tag 0 there is no
// peer tag: the ABORT carries ours with the T bit (§8.5.1 B).
func TestClientInitAckInvalidMandatoryAbortCause7(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*chunk.InitAck)
	}{
		{"Initiate Tag 0", func(c *chunk.InitAck) { c.InitiateTag = 0 }},
		{"OS 0", func(c *chunk.InitAck) { c.OutStreams = 0 }},
		{"MIS 0", func(c *chunk.InitAck) { c.InStreams = 0 }},
		{"a_rwnd below 1500", func(c *chunk.InitAck) { c.ARwnd = 1499 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTestPeer(t)
			tp.startConnect(testAssocConfig())
			ack := tp.initAck(cookieParam(nil))
			tc.mod(ack)
			tp.write(tp.epTag, ack)
			var ab *chunk.Abort
			if ack.InitiateTag == 0 {
				ab = decodeAs(t, tp.wantPacket(tp.epTag, chunk.TypeAbort).chunks[0], &chunk.Abort{})
				if !ab.T {
					t.Fatalf("ABORT under our own tag without the T bit")
				}
			} else {
				ab = tp.wantAbort()
				if ab.T {
					t.Fatalf("ABORT under the peer's tag with the T bit")
				}
			}
			wantCause(t, ab.Causes, chunk.CauseInvalidMandatoryParam)
			tp.wantAttemptDestroyed()
		})
	}
}

// §3.2.1: unrecognized parameters of an INIT ACK by their action bits.
// 10 skip, 11 skip and report, 01 stop and report, 00 stop. Reports go in
// an ERROR cause 8 bundled after the COOKIE ECHO (§3.2.2); a stop before
// the State Cookie leaves the cookie unread: ABORT cause 2 (plus cause 8
// when reporting), TCB destroyed.
func TestClientInitAckUnrecognizedParamsByActionBits(t *testing.T) {
	extraAddr := netip.MustParseAddr("192.0.2.77")
	const (
		p00 = chunk.ParamType(0x3001) // stop
		p01 = chunk.ParamType(0x7001) // stop, report
		p10 = chunk.ParamType(0xb001) // skip
		p11 = chunk.ParamType(0xf001) // skip, report
	)
	t.Run("10 skip silently", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(testAssocConfig())
		params := chunk.AppendParam(nil, p10, []byte{1, 2, 3})
		params = addrParam(cookieParam(params), extraAddr)
		tp.write(tp.epTag, tp.initAck(params))
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		if _, ok := tp.assoc.pathIdx(extraAddr); !ok {
			t.Fatalf("address after a skipped parameter not taken")
		}
	})
	t.Run("11 skip and report", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(testAssocConfig())
		params := chunk.AppendParam(nil, p11, []byte{9})
		params = addrParam(cookieParam(params), extraAddr)
		tp.write(tp.epTag, tp.initAck(params))
		p := tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho, chunk.TypeError)
		c := wantCause(t, decodeAs(t, p.chunks[1], &chunk.Error{}).Causes, chunk.CauseUnrecognizedParams)
		if pp, ok := findParam(t, c.Info, p11); !ok || string(pp.Value) != "\x09" {
			t.Fatalf("cause 8 info %x, want parameter %#x whole", c.Info, uint16(p11))
		}
		if _, ok := tp.assoc.pathIdx(extraAddr); !ok {
			t.Fatalf("address after a skipped parameter not taken")
		}
		// The COOKIE ECHO retransmission carries the report again.
		tp.advanceToTimer()
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho, chunk.TypeError)
		tp.write(tp.epTag, &chunk.CookieAck{})
		tp.wantEvent(AssocChange{State: CommUp})
	})
	t.Run("01 after the cookie: stop and report", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(testAssocConfig())
		params := chunk.AppendParam(cookieParam(nil), p01, []byte{7, 7})
		params = chunk.AppendParam(params, p11, nil) // after the stop: not read, not reported
		params = addrParam(params, extraAddr)        // not read either
		tp.write(tp.epTag, tp.initAck(params))
		p := tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho, chunk.TypeError)
		c := wantCause(t, decodeAs(t, p.chunks[1], &chunk.Error{}).Causes, chunk.CauseUnrecognizedParams)
		if _, ok := findParam(t, c.Info, p01); !ok {
			t.Fatalf("cause 8 info %x lacks %#x", c.Info, uint16(p01))
		}
		if _, ok := findParam(t, c.Info, p11); ok {
			t.Fatalf("parameter after the stop reported: %x", c.Info)
		}
		if _, ok := tp.assoc.pathIdx(extraAddr); ok {
			t.Fatalf("address after a stop parameter taken")
		}
	})
	t.Run("00 after the cookie: stop silently", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(testAssocConfig())
		params := chunk.AppendParam(cookieParam(nil), p00, nil)
		params = addrParam(params, extraAddr)
		tp.write(tp.epTag, tp.initAck(params))
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		if _, ok := tp.assoc.pathIdx(extraAddr); ok {
			t.Fatalf("address after a stop parameter taken")
		}
	})
	for _, stop := range []chunk.ParamType{p00, p01} {
		t.Run(stop.String()+" before the cookie", func(t *testing.T) {
			tp := newTestPeer(t)
			tp.startConnect(testAssocConfig())
			tp.write(tp.epTag, tp.initAck(cookieParam(chunk.AppendParam(nil, stop, []byte{1}))))
			ab := tp.wantAbort()
			wantCause(t, ab.Causes, chunk.CauseMissingParam)
			reported := false
			for _, c := range causes(t, ab.Causes) {
				if c.Code == chunk.CauseUnrecognizedParams {
					reported = true
					if _, ok := findParam(t, c.Info, stop); !ok {
						t.Fatalf("cause 8 %x lacks %#x", c.Info, uint16(stop))
					}
				}
			}
			if reported != (stop == p01) {
				t.Fatalf("cause 8 in the ABORT: %v, want %v", reported, stop == p01)
			}
			tp.wantAttemptDestroyed()
		})
	}
}

// §5.2.3: an INIT ACK outside COOKIE-WAIT is discarded: nothing sent, no
// state or tag changed.
func TestClientStrayInitAck(t *testing.T) {
	stray := func(tp *testPeer) {
		t.Helper()
		before := tp.assoc.counters.DroppedWrongState
		st := tp.assoc.currentState()
		ack := tp.initAck(cookieParam(nil))
		ack.InitiateTag = 0x55667788 // would change the peer's tag
		tp.write(tp.epTag, ack)
		tp.wantIdle()
		if tp.assoc.currentState() != st || tp.assoc.peerTag != tp.peerTag {
			t.Fatalf("stray INIT ACK changed state %v→%v or peer tag to %#x", st, tp.assoc.currentState(), tp.assoc.peerTag)
		}
		if tp.assoc.counters.DroppedWrongState != before+1 {
			t.Fatalf("stray INIT ACK not counted as dropped")
		}
	}
	t.Run("COOKIE-ECHOED", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(testAssocConfig())
		tp.answerInit(nil)
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		stray(tp)
		// T1-cookie still runs: the COOKIE ECHO is retransmitted unchanged.
		tp.advanceToTimer()
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	})
	t.Run("ESTABLISHED", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.connectHandshake(testAssocConfig())
		stray(tp)
	})
	t.Run("SHUTDOWN-SENT", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.connectHandshake(testAssocConfig())
		tp.shutdownSent()
		stray(tp)
	})
}

// §5.2.5: a COOKIE ACK outside COOKIE-ECHOED is discarded.
func TestClientStrayCookieAck(t *testing.T) {
	t.Run("COOKIE-WAIT", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.startConnect(testAssocConfig())
		tp.write(tp.epTag, &chunk.CookieAck{})
		tp.wantIdle()
		tp.wantState(stateCookieWait)
		tp.wantNoEvent(AssocChange{State: CommUp})
		// The handshake goes on.
		tp.answerInit(nil)
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	})
	t.Run("ESTABLISHED", func(t *testing.T) {
		tp := newTestPeer(t)
		tp.connectHandshake(testAssocConfig())
		before := tp.assoc.counters.DroppedWrongState
		tp.write(tp.epTag, &chunk.CookieAck{})
		tp.wantIdle()
		tp.wantNoEvent(AssocChange{State: CommUp})
		if tp.assoc.counters.DroppedWrongState != before+1 {
			t.Fatalf("stray COOKIE ACK not counted")
		}
	})
}

// §8.5.1 for every chunk a client can receive in COOKIE-WAIT: only its own
// tag is accepted (ABORT: T=0 with it; INIT: 0), a SHUTDOWN ACK is out of
// the blue (E), nothing with a wrong tag or the peer's has an effect.
func TestClientTagRulesCookieWait(t *testing.T) {
	const wrong = 0x0badf00d
	newCW := func(t *testing.T) *testPeer {
		tp := newTestPeer(t)
		tp.startConnect(testAssocConfig())
		return tp
	}
	unchanged := func(tp *testPeer, badVtag uint64) {
		tp.t.Helper()
		tp.wantIdle()
		tp.wantState(stateCookieWait)
		tp.wantNoEvent(AssocChange{State: CantStartAssoc})
		if got := tp.assoc.counters.DroppedBadVtag; got != badVtag {
			tp.t.Fatalf("DroppedBadVtag %d, want %d", got, badVtag)
		}
	}
	t.Run("INIT ACK", func(t *testing.T) {
		tp := newCW(t)
		tp.write(wrong, tp.initAck(cookieParam(nil)))
		unchanged(tp, 1)
		malformed := tp.ep.stats().DroppedMalformed
		tp.write(0, tp.initAck(cookieParam(nil))) // §8.5: tag 0 only with INIT
		unchanged(tp, 1)
		if tp.ep.stats().DroppedMalformed != malformed+1 {
			t.Fatalf("INIT ACK under tag 0 not dropped as malformed")
		}
		tp.write(tp.peerTag, tp.initAck(cookieParam(nil))) // reflected
		unchanged(tp, 2)
		tp.write(tp.epTag, tp.initAck(cookieParam(nil)))
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	})
	t.Run("ABORT", func(t *testing.T) {
		tp := newCW(t)
		tp.write(wrong, &chunk.Abort{})
		unchanged(tp, 1)
		tp.write(tp.peerTag, &chunk.Abort{T: true}) // no peer tag known yet
		unchanged(tp, 2)
		tp.write(tp.epTag, &chunk.Abort{T: true}) // our tag with T: reflected
		unchanged(tp, 3)
		tp.write(tp.epTag, &chunk.Abort{})
		tp.wantAttemptDestroyed()
	})
	t.Run("SHUTDOWN ACK", func(t *testing.T) {
		for _, ours := range []bool{false, true} {
			tp := newCW(t)
			vtag := uint32(wrong)
			if ours {
				vtag = tp.epTag
			}
			tp.write(vtag, &chunk.ShutdownAck{})
			p := tp.readPacket()
			if p.h.VerificationTag != vtag || len(p.chunks) != 1 || p.chunks[0].Type != chunk.TypeShutdownComplete {
				t.Fatalf("got %v, want SHUTDOWN COMPLETE under %#x (§8.4 rule 5)", p, vtag)
			}
			if sc := decodeAs(t, p.chunks[0], &chunk.ShutdownComplete{}); !sc.T {
				t.Fatalf("SHUTDOWN COMPLETE without the T bit")
			}
			unchanged(tp, 0)
		}
	})
	t.Run("SHUTDOWN COMPLETE", func(t *testing.T) {
		tp := newCW(t)
		tp.write(wrong, &chunk.ShutdownComplete{})
		unchanged(tp, 1)
		tp.write(tp.epTag, &chunk.ShutdownComplete{T: true})
		unchanged(tp, 2)
		tp.write(tp.epTag, &chunk.ShutdownComplete{}) // our tag, but no shutdown
		unchanged(tp, 2)
	})
	t.Run("COOKIE ACK, ERROR, HEARTBEAT, DATA, SACK with wrong tags", func(t *testing.T) {
		tp := newCW(t)
		n := uint64(0)
		for _, vtag := range []uint32{wrong, tp.peerTag} {
			for _, c := range []chunk.Chunk{&chunk.CookieAck{}, &chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseStaleCookie, []byte{0, 0, 0, 1})},
				&chunk.Heartbeat{Info: []byte("hb")}, tp.data(0, "x"), &chunk.Sack{CumTSNAck: 1, ARwnd: 1 << 16}} {
				tp.write(vtag, c)
				n++
				unchanged(tp, n)
			}
		}
	})
	t.Run("HEARTBEAT with our tag", func(t *testing.T) {
		tp := newCW(t)
		tp.write(tp.epTag, &chunk.Heartbeat{Info: []byte("hb")})
		unchanged(tp, 0) // no HEARTBEAT ACK under tag 0
	})
	t.Run("INIT with a tag", func(t *testing.T) {
		// §8.5.1 A: an INIT's packet carries tag 0; dropped before any
		// association sees it.
		tp := newCW(t)
		malformed := tp.ep.stats().DroppedMalformed
		tp.write(tp.epTag, tp.peerInit(nil))
		unchanged(tp, 0)
		if tp.ep.stats().DroppedMalformed != malformed+1 {
			t.Fatalf("INIT under a non-zero tag not dropped")
		}
	})
}

// §8.5.1 for every chunk a client can receive in COOKIE-ECHOED: our tag
// (ABORT and SHUTDOWN COMPLETE: also the peer's with T), SHUTDOWN ACK out
// of the blue; a wrong or reflected tag has no effect.
func TestClientTagRulesCookieEchoed(t *testing.T) {
	const wrong = 0x0badf00d
	newCE := func(t *testing.T) *testPeer {
		tp := newTestPeer(t)
		tp.startConnect(testAssocConfig())
		tp.answerInit(nil)
		tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
		return tp
	}
	unchanged := func(tp *testPeer, badVtag uint64) {
		tp.t.Helper()
		tp.wantIdle()
		tp.wantState(stateCookieEchoed)
		tp.wantNoEvent(AssocChange{State: CantStartAssoc})
		tp.wantNoEvent(AssocChange{State: CommUp})
		if got := tp.assoc.counters.DroppedBadVtag; got != badVtag {
			tp.t.Fatalf("DroppedBadVtag %d, want %d", got, badVtag)
		}
	}
	t.Run("COOKIE ACK", func(t *testing.T) {
		tp := newCE(t)
		tp.write(wrong, &chunk.CookieAck{})
		unchanged(tp, 1)
		tp.write(tp.peerTag, &chunk.CookieAck{})
		unchanged(tp, 2)
		tp.write(tp.epTag, &chunk.CookieAck{})
		tp.wantEvent(AssocChange{State: CommUp})
	})
	t.Run("ABORT T=0", func(t *testing.T) {
		tp := newCE(t)
		tp.write(wrong, &chunk.Abort{})
		unchanged(tp, 1)
		tp.write(tp.peerTag, &chunk.Abort{}) // the peer's tag needs T
		unchanged(tp, 2)
		tp.write(tp.epTag, &chunk.Abort{})
		tp.wantAttemptDestroyed()
	})
	t.Run("ABORT T=1", func(t *testing.T) {
		tp := newCE(t)
		tp.write(tp.epTag, &chunk.Abort{T: true}) // our tag needs T=0
		unchanged(tp, 1)
		tp.write(tp.peerTag, &chunk.Abort{T: true})
		tp.wantAttemptDestroyed()
	})
	t.Run("ERROR Stale Cookie", func(t *testing.T) {
		tp := newCE(t)
		stale := &chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseStaleCookie, []byte{0, 0, 0, 1})}
		tp.write(wrong, stale)
		unchanged(tp, 1)
		tp.write(tp.peerTag, stale)
		unchanged(tp, 2)
		tp.write(tp.epTag, stale)
		tp.wantPacket(0, chunk.TypeInit) // §5.2.6: a new INIT
		tp.wantState(stateCookieWait)
	})
	t.Run("SHUTDOWN ACK", func(t *testing.T) {
		tp := newCE(t)
		tp.write(tp.epTag, &chunk.ShutdownAck{})
		p := tp.readPacket()
		if p.h.VerificationTag != tp.epTag || len(p.chunks) != 1 || p.chunks[0].Type != chunk.TypeShutdownComplete {
			t.Fatalf("got %v, want SHUTDOWN COMPLETE under %#x (§8.5.1 E, §8.4 rule 5)", p, tp.epTag)
		}
		if sc := decodeAs(t, p.chunks[0], &chunk.ShutdownComplete{}); !sc.T {
			t.Fatalf("SHUTDOWN COMPLETE without the T bit")
		}
		unchanged(tp, 0)
	})
	t.Run("SHUTDOWN COMPLETE", func(t *testing.T) {
		tp := newCE(t)
		tp.write(wrong, &chunk.ShutdownComplete{})
		unchanged(tp, 1)
		tp.write(tp.epTag, &chunk.ShutdownComplete{}) // valid tag, wrong state
		unchanged(tp, 1)
		tp.write(tp.peerTag, &chunk.ShutdownComplete{T: true})
		unchanged(tp, 1)
	})
	t.Run("HEARTBEAT", func(t *testing.T) {
		tp := newCE(t)
		tp.write(wrong, &chunk.Heartbeat{Info: []byte("hb")})
		unchanged(tp, 1)
		tp.write(tp.peerTag, &chunk.Heartbeat{Info: []byte("hb")})
		unchanged(tp, 2)
		// The peer may be ESTABLISHED already (our COOKIE ACK was lost):
		// its HEARTBEAT is answered under its tag.
		tp.write(tp.epTag, &chunk.Heartbeat{Info: []byte("hb")})
		p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeatAck)
		if ack := decodeAs(t, p.chunks[0], &chunk.HeartbeatAck{}); string(ack.Info) != "hb" {
			t.Fatalf("HEARTBEAT ACK info %q", ack.Info)
		}
	})
	t.Run("DATA, SACK with wrong tags", func(t *testing.T) {
		tp := newCE(t)
		n := uint64(0)
		for _, vtag := range []uint32{wrong, tp.peerTag} {
			for _, c := range []chunk.Chunk{tp.data(0, "x"), &chunk.Sack{CumTSNAck: 1, ARwnd: 1 << 16}} {
				tp.write(vtag, c)
				n++
				unchanged(tp, n)
			}
		}
	})
	t.Run("COOKIE ACK bundled with DATA", func(t *testing.T) {
		// §5.1 E: DATA may follow the COOKIE ACK in its packet.
		tp := newCE(t)
		tp.write(tp.epTag, &chunk.CookieAck{}, tp.data(0, "early"))
		tp.wantEvent(AssocChange{State: CommUp})
		if m, ok := tp.assoc.readMessage(); !ok || string(m.data) != "early" {
			t.Fatalf("DATA bundled with the COOKIE ACK: %q %v", m.data, ok)
		}
	})
}
