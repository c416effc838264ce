package sctp

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

func unknownChunk(typ chunk.Type) *chunk.Unknown {
	return &chunk.Unknown{Raw: chunk.Raw{Type: typ, Value: []byte{1, 2, 3, 4, 5}}}
}

func TestUnknownChunkActionBits(t *testing.T) {
	for _, tc := range []struct {
		typ         chunk.Type
		report      bool
		processRest bool
	}{
		{0x3F, false, false}, // 00 stop
		{0x7F, true, false},  // 01 stop, report
		{0xBF, false, true},  // 10 skip
		{0xFF, true, true},   // 11 skip, report
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			tp := newTestPeer(t)
			tp.acceptHandshake(testAssocConfig())
			// A HEARTBEAT before the unknown chunk is always processed;
			// the one after only when the action bits say skip.
			tp.write(tp.epTag, &chunk.Heartbeat{Info: []byte("before")}, unknownChunk(tc.typ), &chunk.Heartbeat{Info: []byte("after")})
			var infos []string
			var reported bool
			for len(tp.sent) > 0 {
				p := tp.readPacket()
				for _, c := range p.chunks {
					switch c.Type {
					case chunk.TypeHeartbeatAck:
						infos = append(infos, string(decodeAs(t, c, &chunk.HeartbeatAck{}).Info))
					case chunk.TypeError:
						cause := wantCause(t, decodeAs(t, c, &chunk.Error{}).Causes, chunk.CauseUnrecognizedChunk)
						want := unknownChunk(tc.typ).AppendTo(nil)
						if string(cause.Info) != string(want) {
							t.Errorf("cause 6 info %x, want %x", cause.Info, want)
						}
						reported = true
					default:
						t.Fatalf("unexpected %v", c.Type)
					}
				}
			}
			if reported != tc.report {
				t.Errorf("reported %v, want %v", reported, tc.report)
			}
			want := []string{"before"}
			if tc.processRest {
				want = append(want, "after")
			}
			if len(infos) != len(want) || infos[0] != "before" || (len(want) == 2 && infos[1] != "after") {
				t.Errorf("HEARTBEAT ACKs %q, want %q", infos, want)
			}
		})
	}
}

func TestForwardTSNWithoutPRSCTPIsUnknown(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.write(tp.epTag, &chunk.ForwardTSN{NewCumTSN: 1005})
	p := tp.wantPacket(tp.peerTag, chunk.TypeError)
	wantCause(t, decodeAs(t, p.chunks[0], &chunk.Error{}).Causes, chunk.CauseUnrecognizedChunk)
}

func TestInvalidStreamErrorCause1(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig()) // 4 inbound streams
	d := tp.data(9, "bad stream")
	tp.write(tp.epTag, d)
	p := tp.wantPacket(tp.peerTag, chunk.TypeError, chunk.TypeSack)
	c := wantCause(t, decodeAs(t, p.chunks[0], &chunk.Error{}).Causes, chunk.CauseInvalidStream)
	if len(c.Info) != 4 || binary.BigEndian.Uint16(c.Info) != 9 {
		t.Fatalf("cause 1 info %x", c.Info)
	}
	// The TSN is still acknowledged.
	if s := decodeAs(t, p.chunks[1], &chunk.Sack{}); s.CumTSNAck != d.TSN {
		t.Fatalf("SACK cum ack %d, want %d", s.CumTSNAck, d.TSN)
	}
	tp.wantState(StateEstablished)
}

func TestEmptyDataAbortCause9(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	d := tp.data(0, "")
	tp.write(tp.epTag, d)
	p := tp.wantPacket(tp.peerTag, chunk.TypeAbort)
	c := wantCause(t, decodeAs(t, p.chunks[0], &chunk.Abort{}).Causes, chunk.CauseNoUserData)
	if len(c.Info) != 4 || binary.BigEndian.Uint32(c.Info) != d.TSN {
		t.Fatalf("cause 9 info %x, want TSN %d", c.Info, d.TSN)
	}
	tp.wantEvent(AssocChange{State: CommLost})
	tp.wantState(StateClosed)
}

func TestSackBeyondSentAbortCause13(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.write(tp.epTag, &chunk.Sack{CumTSNAck: tp.assoc.localInitialTSN + 10, ARwnd: 100000})
	p := tp.wantPacket(tp.peerTag, chunk.TypeAbort)
	wantCause(t, decodeAs(t, p.chunks[0], &chunk.Abort{}).Causes, chunk.CauseProtocolViolation)
	tp.wantEvent(AssocChange{State: CommLost})
}

func TestDataExchangeAndSenderDry(t *testing.T) {
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	if err := tp.assoc.send(tp.now, outMessage{stream: 2, ppid: 9, data: []byte("one")}); err != nil {
		t.Fatal(err)
	}
	tp.collect()
	d := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeData).chunks[0], &chunk.Data{})
	// Peer data arrives with a SACK for ours: SACK bundled before any
	// DATA; no SACK yet for a single packet (delayed).
	tp.write(tp.epTag, &chunk.Sack{CumTSNAck: d.TSN, ARwnd: 100000}, tp.data(1, "two"))
	tp.wantEvent(SenderDry{})
	m, ok := tp.assoc.readMessage()
	if !ok || string(m.data) != "two" || m.stream != 1 {
		t.Fatalf("read %+v %v", m, ok)
	}
	// A second DATA packet: SACK at once (every second packet).
	tp.write(tp.epTag, tp.data(1, "three"))
	s := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeSack).chunks[0], &chunk.Sack{})
	if s.CumTSNAck != tp.peerTSN-1 {
		t.Fatalf("cum ack %d want %d", s.CumTSNAck, tp.peerTSN-1)
	}
	st := tp.assoc.stats()
	if st.SacksIn != 1 || st.SacksOut != 1 || st.DataChunksIn != 2 || st.DataChunksOut != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestHeartbeatAnswered(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.write(tp.epTag, &chunk.Heartbeat{Info: []byte("opaque-info")})
	p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeatAck)
	if got := decodeAs(t, p.chunks[0], &chunk.HeartbeatAck{}).Info; string(got) != "opaque-info" {
		t.Fatalf("info %q", got)
	}
}

func TestHeartbeatIdlePathAndRTT(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.hbDisabled = false
	tp.acceptHandshake(cfg)
	// HB.interval (30 s) + RTO after establishment.
	step := tp.advanceToTimer()
	if step < 30*time.Second || step > 32*time.Second {
		t.Fatalf("first HEARTBEAT after %v", step)
	}
	p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeat)
	info := decodeAs(t, p.chunks[0], &chunk.Heartbeat{}).Info
	tp.now = tp.now.Add(80 * time.Millisecond)
	tp.write(tp.epTag, &chunk.HeartbeatAck{Info: info})
	if srtt := tp.assoc.stats().SRTT; srtt != 80*time.Millisecond {
		t.Fatalf("SRTT %v after an 80 ms HEARTBEAT RTT", srtt)
	}
	// A forged HEARTBEAT ACK is ignored.
	tp.write(tp.epTag, &chunk.HeartbeatAck{Info: []byte("forged-forged-forged")})
	if srtt := tp.assoc.stats().SRTT; srtt != 80*time.Millisecond {
		t.Fatalf("SRTT changed by forged ack")
	}
}

func TestAssociationFailsAfterMaxRetrans(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.hbDisabled = false
	cfg.maxRetrans = 3
	cfg.pathMaxRetrans = 2
	tp.acceptHandshake(cfg)
	sawUnreachable := false
	for i := 0; i < 20 && tp.assoc.currentState() != StateClosed; i++ {
		tp.advanceToTimer()
		for _, ev := range tp.events {
			if pc, ok := ev.(PeerAddrChange); ok && pc.State == AddrUnreachable {
				sawUnreachable = true
			}
		}
		tp.sent = nil
	}
	if tp.assoc.currentState() != StateClosed {
		t.Fatalf("association did not fail")
	}
	if !sawUnreachable {
		t.Errorf("no ADDR_UNREACHABLE event")
	}
	ev := tp.wantEvent(AssocChange{State: CommLost}).(AssocChange)
	if ev.Err != ErrAssociationFailed {
		t.Fatalf("err %v", ev.Err)
	}
}

func TestUserAbortCause12(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.assoc.abort(tp.now, "Close called")
	tp.collect()
	p := tp.wantPacket(tp.peerTag, chunk.TypeAbort)
	ab := decodeAs(t, p.chunks[0], &chunk.Abort{})
	if ab.T {
		t.Error("T bit set")
	}
	c := wantCause(t, ab.Causes, chunk.CauseUserInitiatedAbort)
	if string(c.Info) != "Close called" {
		t.Fatalf("cause 12 info %q", c.Info)
	}
	tp.wantEvent(AssocChange{State: CommLost})
	if err := tp.assoc.send(tp.now, outMessage{data: []byte("x")}); err == nil {
		t.Fatal("send after abort succeeded")
	}
	if tp.ep.associations() != 0 {
		t.Fatal("aborted association not reaped")
	}
}

func TestRemoteErrorEvent(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.write(tp.epTag, &chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseOutOfResource, nil)})
	ev := tp.wantEvent(RemoteError{}).(RemoteError)
	if ev.Code != chunk.CauseOutOfResource {
		t.Fatalf("event %v", ev)
	}
}

func TestAdaptationIndicationEvent(t *testing.T) {
	tp := newTestPeer(t)
	tp.listen(testAssocConfig())
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], 0xC0FFEE)
	ack := tp.initAndGetCookie(chunk.AppendParam(nil, chunk.ParamAdaptationLayer, v[:]))
	tp.write(ack.InitiateTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	ev := tp.wantEvent(AdaptationIndication{}).(AdaptationIndication)
	if ev.Indication != 0xC0FFEE {
		t.Fatalf("indication %#x", ev.Indication)
	}
}

func TestPRSCTPAbandonSendFailed(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.prSCTP = true
	init := tp.startConnect(cfg)
	if _, ok := findParam(t, init.Params, chunk.ParamForwardTSNSupported); !ok {
		t.Fatal("INIT lacks Forward-TSN-Supported with PR-SCTP on")
	}
	tp.answerInit(chunk.AppendParam(nil, chunk.ParamForwardTSNSupported, nil))
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	if err := tp.assoc.send(tp.now, outMessage{stream: 1, ppid: 3, context: 42, ttl: 100 * time.Millisecond, data: []byte("ephemeral")}); err != nil {
		t.Fatal(err)
	}
	tp.collect()
	d := decodeAs(t, tp.wantPacket(tp.peerTag, chunk.TypeData).chunks[0], &chunk.Data{})
	// No SACK: T3 expires after the lifetime, the message is abandoned.
	var fwd *chunk.ForwardTSN
	for i := 0; i < 5 && fwd == nil; i++ {
		tp.advanceToTimer()
		for _, p := range tp.sent {
			for _, c := range p.chunks {
				if c.Type == chunk.TypeForwardTSN {
					fwd = decodeAs(t, c, &chunk.ForwardTSN{})
				}
			}
		}
		tp.sent = nil
	}
	if fwd == nil || fwd.NewCumTSN != d.TSN {
		t.Fatalf("FORWARD TSN %+v, want new cum TSN %d", fwd, d.TSN)
	}
	ev := tp.wantEvent(SendFailed{}).(SendFailed)
	if ev.Stream != 1 || ev.PPID != 3 || ev.Context != 42 || ev.Err != ErrMessageAbandoned {
		t.Fatalf("event %+v", ev)
	}
}

func TestForwardTSNReceivedWithPRSCTP(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.prSCTP = true
	tp.listen(cfg)
	ack := tp.initAndGetCookie(chunk.AppendParam(nil, chunk.ParamForwardTSNSupported, nil))
	tp.epTag = ack.InitiateTag
	tp.write(tp.epTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	tp.wantPacket(tp.peerTag, chunk.TypeCookieAck)
	// The peer abandoned TSNs 1000–1002 and moves the cumulative point.
	tp.write(tp.epTag, &chunk.ForwardTSN{NewCumTSN: 1002})
	tp.advance(time.Second)
	p := tp.wantPacket(tp.peerTag, chunk.TypeSack)
	if s := decodeAs(t, p.chunks[0], &chunk.Sack{}); s.CumTSNAck != 1002 {
		t.Fatalf("SACK cum %d, want 1002", s.CumTSNAck)
	}
}

func TestFailoverToAlternatePath(t *testing.T) {
	tp := newTestPeer(t)
	cfg := testAssocConfig()
	cfg.pathMaxRetrans = 2
	cfg.maxRetrans = 20
	tp.startConnect(cfg)
	alt := netip.MustParseAddrPort("192.0.2.2:9899")
	v4 := alt.Addr().As4()
	tp.answerInit(chunk.AppendParam(nil, chunk.ParamIPv4Addr, v4[:]))
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	// The alternate address is probed and confirmed.
	tp.advance(0)
	p := tp.wantPacket(tp.peerTag, chunk.TypeHeartbeat)
	if p.to != alt {
		t.Fatalf("probe to %v", p.to)
	}
	tp.writeFrom(alt, tp.epTag, &chunk.HeartbeatAck{Info: decodeAs(t, p.chunks[0], &chunk.Heartbeat{}).Info})
	tp.assoc.send(tp.now, outMessage{data: []byte("important")})
	tp.collect()
	if p := tp.wantPacket(tp.peerTag, chunk.TypeData); p.to != tp.addr {
		t.Fatalf("DATA to %v, want the primary", p.to)
	}
	// The primary is dead: T3 expiries strike it until it is inactive;
	// then the retransmission goes to the alternate.
	var dataTo []netip.AddrPort
	for i := 0; i < 8; i++ {
		tp.advanceToTimer()
		for _, p := range tp.sent {
			if p.types()[0] == chunk.TypeData {
				dataTo = append(dataTo, p.to)
			}
		}
		tp.sent = nil
	}
	// Path.Max.Retrans = 2: the third T3 expiry makes the primary
	// inactive, so the third retransmission goes to the alternate. (It
	// later fails too in this test, and traffic returns to the primary.)
	if len(dataTo) < 3 || dataTo[0] != tp.addr || dataTo[1] != tp.addr || dataTo[2] != alt {
		t.Fatalf("retransmissions went to %v, want primary, primary, alternate, ...", dataTo)
	}
	var unreachable bool
	for _, ev := range tp.events {
		if pc, ok := ev.(PeerAddrChange); ok && pc.State == AddrUnreachable && pc.Addr == tp.addr {
			unreachable = true
		}
	}
	if !unreachable {
		t.Fatalf("no ADDR_UNREACHABLE for the primary: %v", tp.events)
	}
}

func TestSackPiggybacksOnData(t *testing.T) {
	tp := newTestPeer(t)
	tp.connectHandshake(testAssocConfig())
	d := tp.data(0, "question")
	tp.write(tp.epTag, d)
	tp.wantIdle() // the SACK is delayed
	tp.assoc.send(tp.now, outMessage{data: []byte("answer")})
	tp.collect()
	p := tp.wantPacket(tp.peerTag, chunk.TypeSack, chunk.TypeData)
	if s := decodeAs(t, p.chunks[0], &chunk.Sack{}); s.CumTSNAck != d.TSN {
		t.Fatalf("piggybacked SACK cum %d, want %d", s.CumTSNAck, d.TSN)
	}
	if got := decodeAs(t, p.chunks[1], &chunk.Data{}).UserData; string(got) != "answer" {
		t.Fatalf("DATA %q", got)
	}
	// Nothing left to acknowledge: no SACK when the delay expires.
	tp.advance(time.Second)
	for _, p := range tp.sent {
		if p.types()[0] == chunk.TypeSack {
			t.Fatalf("extra SACK %v", p)
		}
	}
}
