package sctp

import (
	"testing"

	"github.com/usctp/sctp/chunk"
)

func TestOOTBShutdownAckGetsShutdownCompleteTBit(t *testing.T) {
	tp := newTestPeer(t)
	tp.write(0xDEADBEEF, &chunk.ShutdownAck{})
	p := tp.wantPacket(0xDEADBEEF, chunk.TypeShutdownComplete)
	if !decodeAs(t, p.chunks[0], &chunk.ShutdownComplete{}).T {
		t.Fatal("SHUTDOWN COMPLETE without T bit")
	}
	if p.to != tp.addr {
		t.Fatalf("reply to %v, want the datagram's source %v", p.to, tp.addr)
	}
}

func TestOOTBShutdownAckInCookieWait(t *testing.T) {
	// §8.5.1 E: SHUTDOWN ACK in COOKIE-WAIT is out of the blue.
	tp := newTestPeer(t)
	tp.startConnect(testAssocConfig())
	tp.write(0x1234, &chunk.ShutdownAck{})
	p := tp.wantPacket(0x1234, chunk.TypeShutdownComplete)
	if !decodeAs(t, p.chunks[0], &chunk.ShutdownComplete{}).T {
		t.Fatal("no T bit")
	}
	tp.wantState(stateCookieWait)
}

func TestOOTBAbortDiscarded(t *testing.T) {
	tp := newTestPeer(t)
	tp.write(0x1, &chunk.Abort{})
	tp.write(0x1, &chunk.Abort{T: true})
	tp.wantIdle()
}

func TestOOTBDiscardRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    chunk.Chunk
	}{
		{"ShutdownComplete", &chunk.ShutdownComplete{}},
		{"CookieAck", &chunk.CookieAck{}},
		{"StaleCookieError", &chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseStaleCookie, []byte{0, 0, 0, 1})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTestPeer(t)
			tp.write(0x77, tc.c)
			tp.wantIdle()
		})
	}
}

func TestOOTBOtherGetsAbortTBit(t *testing.T) {
	for _, tc := range []struct {
		name string
		cs   []chunk.Chunk
	}{
		{"Data", []chunk.Chunk{&chunk.Data{TSN: 1, UserData: []byte("x"), Beginning: true, Ending: true}}},
		{"Heartbeat", []chunk.Chunk{&chunk.Heartbeat{Info: []byte("hb")}}},
		{"Sack", []chunk.Chunk{&chunk.Sack{CumTSNAck: 5, ARwnd: 1500}}},
		{"Shutdown", []chunk.Chunk{&chunk.Shutdown{CumTSNAck: 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTestPeer(t)
			tp.write(0x4242, tc.cs...)
			p := tp.wantPacket(0x4242, chunk.TypeAbort)
			if !decodeAs(t, p.chunks[0], &chunk.Abort{}).T {
				t.Fatal("ABORT without T bit")
			}
			tp.wantIdle()
		})
	}
	// The blackhole option suppresses rule 8 but not rule 5.
	tp := newTestPeer(t)
	tp.ep.cfg.noOOTBAbort = true
	tp.write(0x4242, &chunk.Heartbeat{Info: []byte("hb")})
	tp.wantIdle()
	tp.write(0x4242, &chunk.ShutdownAck{})
	tp.wantPacket(0x4242, chunk.TypeShutdownComplete)
}

func TestOOTBBadPacketsDropped(t *testing.T) {
	tp := newTestPeer(t)
	pkt := tp.packet(0x4242, &chunk.Heartbeat{Info: []byte("hb")})
	pkt[len(pkt)-1] ^= 0xFF // checksum now wrong
	tp.ep.handleDatagram(tp.now, tp.addr, pkt)
	tp.ep.handleDatagram(tp.now, tp.addr, pkt[:5])
	tp.collect()
	tp.wantIdle()
	if st := tp.ep.stats(); st.DroppedBadChecksum != 1 || st.DroppedShort != 1 {
		t.Fatalf("DroppedBadChecksum %d, DroppedShort %d, want 1 each", st.DroppedBadChecksum, st.DroppedShort)
	}
}

func TestBadVtagDiscarded(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.write(tp.epTag^1, &chunk.Heartbeat{Info: []byte("x")})
	tp.write(tp.epTag^1, tp.data(0, "x"))
	tp.wantIdle()
	if tp.assoc.stats().DroppedBadVtag != 2 {
		t.Fatalf("DroppedBadVtag %d", tp.assoc.stats().DroppedBadVtag)
	}
}

func TestAbortTBitAccepted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		vtag   func(tp *testPeer) uint32
		t      bool
		closes bool
	}{
		{"T0-own-tag", func(tp *testPeer) uint32 { return tp.epTag }, false, true},
		{"T1-peer-tag", func(tp *testPeer) uint32 { return tp.peerTag }, true, true},
		{"T0-peer-tag", func(tp *testPeer) uint32 { return tp.peerTag }, false, false},
		{"T1-own-tag", func(tp *testPeer) uint32 { return tp.epTag }, true, false},
		{"T0-other", func(tp *testPeer) uint32 { return 12345 }, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTestPeer(t)
			tp.acceptHandshake(testAssocConfig())
			tp.write(tc.vtag(tp), &chunk.Abort{T: tc.t, Causes: chunk.AppendCause(nil, chunk.CauseUserInitiatedAbort, []byte("bye"))})
			tp.wantIdle()
			if closed := tp.assoc.currentState() == stateClosed; closed != tc.closes {
				t.Fatalf("closed %v, want %v", closed, tc.closes)
			}
			if tc.closes {
				ev := tp.wantEvent(AssocChange{State: CommLost}).(AssocChange)
				if ev.Err != ErrAborted {
					t.Errorf("err %v", ev.Err)
				}
				wantCause(t, ev.Causes, chunk.CauseUserInitiatedAbort)
				if tp.ep.associations() != 0 {
					t.Errorf("association not reaped")
				}
			}
		})
	}
}

func TestAbortInCookieWait(t *testing.T) {
	tp := newTestPeer(t)
	tp.startConnect(testAssocConfig())
	// T=1 is not acceptable while the peer's tag is unknown.
	tp.write(0, &chunk.Abort{T: true})
	tp.wantState(stateCookieWait)
	tp.write(tp.epTag, &chunk.Abort{})
	tp.wantEvent(AssocChange{State: CantStartAssoc})
	tp.wantState(stateClosed)
}

func TestShutdownCompleteTBit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tbit   bool
		own    bool
		closes bool
	}{
		{"T0-own", false, true, true},
		{"T1-peer", true, false, true},
		{"T1-own", true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTestPeer(t)
			tp.acceptHandshake(testAssocConfig())
			tp.write(tp.epTag, &chunk.Shutdown{CumTSNAck: tp.assoc.localInitialTSN - 1})
			tp.wantPacket(tp.peerTag, chunk.TypeShutdownAck)
			vtag := tp.peerTag
			if tc.own {
				vtag = tp.epTag
			}
			tp.write(vtag, &chunk.ShutdownComplete{T: tc.tbit})
			if closed := tp.assoc.currentState() == stateClosed; closed != tc.closes {
				t.Fatalf("closed %v, want %v", closed, tc.closes)
			}
		})
	}
}

// TestOOTBDropReasons: the endpoint counts an out-of-the-blue packet once,
// as DroppedUnknownPort when its SCTP port has neither a listener nor an
// association, else as DroppedOOTB.
func TestOOTBDropReasons(t *testing.T) {
	tp := newTestPeer(t)
	tp.write(0x4242, &chunk.Heartbeat{Info: []byte("hb")}) // nothing on port 5000
	tp.wantPacket(0x4242, chunk.TypeAbort)
	if st := tp.ep.stats(); st.DroppedUnknownPort != 1 || st.DroppedOOTB != 0 {
		t.Fatalf("unused port: DroppedUnknownPort %d, DroppedOOTB %d; want 1, 0", st.DroppedUnknownPort, st.DroppedOOTB)
	}
	tp.listen(testAssocConfig())
	tp.write(0x4242, &chunk.Heartbeat{Info: []byte("hb")})
	tp.wantPacket(0x4242, chunk.TypeAbort)
	if st := tp.ep.stats(); st.DroppedUnknownPort != 1 || st.DroppedOOTB != 1 {
		t.Fatalf("listening port: DroppedUnknownPort %d, DroppedOOTB %d; want 1, 1", st.DroppedUnknownPort, st.DroppedOOTB)
	}

	// A port with an association but no listener.
	tp = newTestPeer(t)
	tp.startConnect(testAssocConfig())
	tp.peerPort++ // another peer port: no association matches
	tp.write(0x4242, &chunk.Heartbeat{Info: []byte("hb")})
	tp.wantPacket(0x4242, chunk.TypeAbort)
	if st := tp.ep.stats(); st.DroppedUnknownPort != 0 || st.DroppedOOTB != 1 {
		t.Fatalf("port with an association: DroppedUnknownPort %d, DroppedOOTB %d; want 0, 1", st.DroppedUnknownPort, st.DroppedOOTB)
	}
}
