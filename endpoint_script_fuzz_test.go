package sctp

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// FuzzEndpointScript is the stateful fuzz target: the input is a script of
// steps run against one endpoint that listens on SCTP port 5000 and can
// also connect (the scripted peer is the other side). A step is a packet
// from the peer (INIT, COOKIE ECHO with the last cookie it got, DATA,
// SACK, HEARTBEAT / ACK, SHUTDOWN / ACK / COMPLETE, ABORT, ERROR, FORWARD
// TSN, INIT ACK, COOKIE ACK, a raw chunk, raw bytes) with the right ports,
// tag and CRC unless the script asks otherwise; a clock advance (or a jump
// to the next deadline); or an application call (send, read, shutdown,
// abort, connect). After every step (scriptRun.check):
//   - no panic, and every packet sent parses and fits one UDP datagram
//     (testPeer.collect);
//   - every state transition is an edge of RFC 9260 §4 (legalTransition),
//     seen through stateHook, and CLOSED is final;
//   - bounded memory: associations, control and special-packet queues,
//     received-but-unread bytes within the window plus one datagram,
//     queued events, the stateless reply queue;
//   - bounded timers: the endpoint's deadline is never in the past after
//     handleTimeout and never more than an hour ahead.
func FuzzEndpointScript(f *testing.F) {
	for _, s := range scriptSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		runScript(t, script)
	})
}

// Script opcodes (the low 4 bits of a step's first byte).
const (
	scInit = iota
	scCookieEcho
	scData
	scSack
	scHeartbeat
	scShutdown
	scAbort
	scRawChunk
	scAdvance
	scAppSend
	scAppRead
	scAppControl
	scInitAck
	scError
	scForwardTSN
	scRawPacket
)

// Packet modifiers (the high 4 bits of a packet step's first byte).
const (
	modTagZero     = 1 << 4 // vtag 0
	modTagReflect  = 2 << 4 // the peer's own tag (a reflected packet)
	modTagRandom   = 3 << 4 // a tag from the script
	modTagMask     = 3 << 4
	modBadCRC      = 1 << 6 // wrong checksum
	modOtherSource = 1 << 7 // from another address of the peer
)

// scriptRun is the state of one script: the test peer, what the peer has
// learned from the endpoint's packets, and the invariant bookkeeping.
type scriptRun struct {
	t      *testing.T
	tp     *testPeer
	s      []byte
	cookie []byte   // last State Cookie the endpoint sent in an INIT ACK
	hbInfo []byte   // last Heartbeat Info the endpoint sent
	tsns   []uint32 // TSNs of DATA the endpoint sent (recent, bounded)
	left   map[*association]bool
	bad    string
	steps  int
}

var scriptDebug = false

const (
	scriptMaxSteps  = 400
	scriptMaxAssocs = 4
	scriptMaxEvents = 1024
)

func runScript(t *testing.T, script []byte) (reached [8]bool) {
	cfg := testAssocConfig()
	cfg.hbDisabled = false
	cfg.prSCTP = true
	return runScriptWith(t, script, cfg)
}

// runScriptWith runs script against an endpoint listening with cfg.
func runScriptWith(t *testing.T, script []byte, cfg assocConfig) (reached [8]bool) {
	tp := newTestPeer(t)
	tp.buf = make([]byte, 0, 1<<16)
	tp.listen(cfg)
	sr := &scriptRun{t: t, tp: tp, s: script, left: map[*association]bool{}}
	hook := func(a *association, from, to protoState) {
		if a.ep != tp.ep || sr.bad != "" {
			return
		}
		if from == stateClosed && sr.left[a] {
			sr.bad = fmt.Sprintf("assoc %d left CLOSED again (-> %v)", a.aid, to)
		} else if !legalTransition(from, to) {
			sr.bad = fmt.Sprintf("assoc %d: illegal transition %v -> %v", a.aid, from, to)
		}
		if from != stateClosed {
			sr.left[a] = true
		}
		reached[to] = true
	}
	if old := stateHook.Load(); old != nil && scriptDebug {
		inner := hook
		hook = func(a *association, from, to protoState) { (*old)(a, from, to); inner(a, from, to) }
	}
	stateHook.Store(&hook)
	defer stateHook.Store(nil)
	for len(sr.s) > 0 && sr.steps < scriptMaxSteps {
		sr.steps++
		if scriptDebug {
			t.Logf("step %d op %#x", sr.steps, sr.s[0])
		}
		sr.step()
		tp.collect()
		sr.learn()
		sr.check()
	}
	return reached
}

// legalTransition reports whether from -> to is an edge of the state
// diagram of RFC 9260 §4, as this stack walks it (a passive open goes
// from CLOSED to ESTABLISHED when the COOKIE ECHO creates the TCB, §5.1
// D; a stale-cookie ERROR sends the client back to COOKIE-WAIT, §5.2.6; a
// COOKIE ECHO during setup (§5.2.4 B, D) or a restart (§5.2.4 A)
// establishes; every state may be aborted to CLOSED).
func legalTransition(from, to protoState) bool {
	if to == stateClosed {
		return from != stateClosed
	}
	switch from {
	case stateClosed:
		return to == stateCookieWait || to == stateEstablished
	case stateCookieWait:
		return to == stateCookieEchoed || to == stateEstablished
	case stateCookieEchoed:
		return to == stateEstablished || to == stateCookieWait
	case stateEstablished:
		return to == stateShutdownPending || to == stateShutdownReceived || to == stateShutdownSent
	case stateShutdownPending:
		return to == stateShutdownSent || to == stateShutdownReceived || to == stateEstablished
	case stateShutdownSent:
		return to == stateShutdownAckSent || to == stateEstablished
	case stateShutdownReceived:
		return to == stateShutdownAckSent || to == stateEstablished
	case stateShutdownAckSent:
		return false
	}
	return false
}

func (sr *scriptRun) byte() byte {
	if len(sr.s) == 0 {
		return 0
	}
	b := sr.s[0]
	sr.s = sr.s[1:]
	return b
}

func (sr *scriptRun) u16() uint16 { return uint16(sr.byte())<<8 | uint16(sr.byte()) }

func (sr *scriptRun) u32() uint32 { return uint32(sr.u16())<<16 | uint32(sr.u16()) }

// bytes takes n bytes of the script (fewer at its end).
func (sr *scriptRun) bytes(n int) []byte {
	n = min(n, len(sr.s))
	b := sr.s[:n:n]
	sr.s = sr.s[n:]
	return b
}

// size is a length from one script byte: small values mostly, sometimes
// around the packet size or a large part of a datagram.
func (sr *scriptRun) size() int {
	b := sr.byte()
	switch {
	case b < 200:
		return int(b)
	case b < 250:
		return 1200 + int(b-200)*8
	default:
		return 4000 * int(b-249)
	}
}

// assoc is the association application steps act on: the newest live one.
func (sr *scriptRun) assoc() *association {
	l := sr.tp.ep.list
	for i := len(l) - 1; i >= 0; i-- {
		if l[i].state != stateClosed {
			return l[i]
		}
	}
	return nil
}

// tsn picks a TSN near what the endpoint sent, for SACKs and SHUTDOWNs
// (two script bytes).
func (sr *scriptRun) tsn() uint32 {
	b, d := sr.byte(), int8(sr.byte())%4
	if len(sr.tsns) == 0 {
		if a := sr.assoc(); a != nil {
			return a.localInitialTSN - 1 + uint32(d)
		}
		return uint32(b)
	}
	return sr.tsns[int(b)%len(sr.tsns)] + uint32(d)
}

// send builds and hands the endpoint a packet of chunks, with mod's
// variations of the header.
func (sr *scriptRun) send(mod byte, cs ...chunk.Chunk) {
	tp := sr.tp
	vtag := tp.epTag
	switch mod & modTagMask {
	case modTagZero:
		vtag = 0
	case modTagReflect:
		vtag = tp.peerTag
	case modTagRandom:
		vtag = sr.u32()
	}
	pkt := tp.packet(vtag, cs...)
	if mod&modBadCRC != 0 {
		pkt[8] ^= 0x5A
	}
	from := tp.addr
	if mod&modOtherSource != 0 {
		from = netip.MustParseAddrPort("192.0.2.11:9899")
	}
	if len(pkt) > maxPacket {
		return // not one datagram
	}
	tp.ep.handleDatagram(tp.now, from, pkt)
}

func (sr *scriptRun) step() {
	tp := sr.tp
	op := sr.byte()
	mod := op &^ 0x0F
	switch op & 0x0F {
	case scInit:
		var params []byte
		sel := sr.byte()
		if sel&1 != 0 {
			params = chunk.AppendParam(params, chunk.ParamForwardTSNSupported, nil)
		}
		if sel&2 != 0 {
			params = chunk.AppendParam(params, chunk.ParamType(0xC000|uint16(sr.byte())), make([]byte, sr.size()))
		}
		if sel&4 != 0 {
			params = addrParam(params, netip.AddrFrom4([4]byte{192, 0, 2, 10 + sr.byte()%4}))
		}
		if sel&8 != 0 {
			var v [4]byte
			binary.BigEndian.PutUint32(v[:], sr.u32())
			params = chunk.AppendParam(params, chunk.ParamCookiePreservative, v[:])
		}
		if sel&16 != 0 {
			tp.peerTag = sr.u32() // a new peer incarnation (restart)
		}
		if sel&32 != 0 {
			params = chunk.AppendParam(params, chunk.ParamHostName, []byte("example.org"))
		}
		init := tp.peerInit(params)
		if sel&64 != 0 {
			init.OutStreams = uint16(sr.byte() % 3)
			init.InStreams = uint16(sr.byte() % 3)
		}
		if mod&modTagMask == 0 {
			mod |= modTagZero
		}
		sr.send(mod, init)
	case scCookieEcho:
		if sr.cookie == nil {
			sr.send(mod, &chunk.CookieEcho{Cookie: sr.bytes(int(sr.byte()))})
			return
		}
		cs := []chunk.Chunk{&chunk.CookieEcho{Cookie: sr.cookie}}
		if sr.byte()&1 != 0 {
			cs = append(cs, tp.data(uint16(sr.byte()%8), "bundled"))
		}
		sr.send(mod, cs...)
	case scData:
		n := 1 + int(sr.byte()%4)
		cs := make([]chunk.Chunk, 0, n)
		for i := 0; i < n; i++ {
			fl := sr.byte()
			d := &chunk.Data{
				Unordered: fl&1 != 0, Beginning: fl&2 == 0, Ending: fl&4 == 0, Immediate: fl&8 != 0,
				TSN: tp.peerTSN + uint32(int8(sr.byte())%16), Stream: uint16(sr.byte() % 10),
				SSN: uint16(sr.byte() % 4), PPID: 51, UserData: make([]byte, sr.size()),
			}
			if fl&16 == 0 && d.TSN == tp.peerTSN {
				tp.peerTSN++
			}
			if fl&32 != 0 {
				d.UserData = nil // no user data: ABORT cause 9
			}
			cs = append(cs, d)
		}
		sr.send(mod, cs...)
	case scSack:
		s := &chunk.Sack{CumTSNAck: sr.tsn(), ARwnd: uint32(sr.size()) << uint(sr.byte()%16)}
		for n := sr.byte() % 4; n > 0; n-- {
			st := uint16(sr.byte() % 16)
			s.Gaps = append(s.Gaps, chunk.GapBlock{Start: st, End: st + uint16(sr.byte()%8)})
		}
		for n := sr.byte() % 3; n > 0; n-- {
			s.DupTSNs = append(s.DupTSNs, sr.tsn())
		}
		sr.send(mod, s)
	case scHeartbeat:
		switch sr.byte() % 3 {
		case 0:
			sr.send(mod, &chunk.Heartbeat{Info: make([]byte, sr.size())})
		case 1:
			sr.send(mod, &chunk.HeartbeatAck{Info: sr.hbInfo})
		default:
			sr.send(mod, &chunk.HeartbeatAck{Info: sr.bytes(sr.size())})
		}
	case scShutdown:
		switch sr.byte() % 4 {
		case 0:
			sr.send(mod, &chunk.Shutdown{CumTSNAck: sr.tsn()})
		case 1:
			sr.send(mod, &chunk.ShutdownAck{})
		case 2:
			sr.send(mod, &chunk.ShutdownComplete{T: sr.byte()&1 != 0})
		default:
			sr.send(mod, &chunk.Shutdown{CumTSNAck: sr.tsn()}, tp.data(0, "late"))
		}
	case scAbort:
		fl := sr.byte()
		var causes []byte
		if fl&2 != 0 {
			causes = chunk.AppendCause(nil, chunk.CauseUserInitiatedAbort, sr.bytes(sr.size()))
		}
		sr.send(mod, &chunk.Abort{T: fl&1 != 0, Causes: causes})
	case scRawChunk:
		typ := chunk.Type(sr.byte())
		fl := sr.byte()
		sr.send(mod, &chunk.Unknown{Raw: chunk.Raw{Type: typ, Flags: fl, Value: sr.bytes(sr.size())}})
	case scAdvance:
		b := sr.byte()
		switch {
		case b < 64:
			tp.now = tp.now.Add(time.Duration(b) * time.Millisecond)
		case b < 128:
			tp.now = tp.now.Add(time.Duration(b-63) * 100 * time.Millisecond)
		case b < 192:
			tp.now = tp.now.Add(time.Duration(b-127) * 5 * time.Second)
		default:
			if d := tp.ep.deadline(); !d.IsZero() && d.After(tp.now) {
				tp.now = d
			}
		}
		tp.ep.handleTimeout(tp.now)
		tp.checkDeadline()
	case scAppSend:
		a := sr.assoc()
		if a == nil {
			return
		}
		fl := sr.byte()
		m := outMessage{stream: uint16(sr.byte() % 6), ppid: 51, unordered: fl&1 != 0, data: make([]byte, sr.size())}
		if fl&2 != 0 {
			m.ttl = time.Duration(1+sr.byte()) * 10 * time.Millisecond
		}
		_ = a.send(tp.now, m) // errors (not established, buffer full) are outcomes
	case scAppRead:
		a := sr.assoc()
		if a == nil || a.data == nil {
			return
		}
		for n := 1 + int(sr.byte()%8); n > 0; n-- {
			if _, ok := a.readMessage(); !ok {
				break
			}
		}
	case scAppControl:
		switch sr.byte() % 4 {
		case 0:
			if a := sr.assoc(); a != nil {
				a.shutdown(tp.now)
			}
		case 1:
			if a := sr.assoc(); a != nil {
				a.abort(tp.now, string(sr.bytes(sr.size())))
			}
		default:
			// Connect to the peer (the endpoint as the client); an error
			// (the association exists) is an outcome.
			cfg := testAssocConfig()
			cfg.prSCTP = true
			if a, err := tp.ep.connect(tp.now, tp.localPort, tp.addr, tp.peerPort, cfg); err == nil {
				_ = a
			}
		}
	case scInitAck:
		if sr.byte()&1 != 0 {
			sr.send(mod, &chunk.CookieAck{})
			return
		}
		params := chunk.AppendParam(nil, chunk.ParamStateCookie, []byte("peer-cookie-0123"))
		if b := sr.byte(); b&1 != 0 {
			params = chunk.AppendParam(params, chunk.ParamType(0xC000|uint16(b)), make([]byte, sr.size()))
		}
		sr.send(mod, &chunk.InitAck{InitiateTag: tp.peerTag, ARwnd: uint32(sr.size()) << 8, OutStreams: 8, InStreams: 8, InitialTSN: tp.peerTSN, Params: params})
	case scError:
		var v [4]byte
		binary.BigEndian.PutUint32(v[:], sr.u32())
		code := []chunk.CauseCode{chunk.CauseStaleCookie, chunk.CauseInvalidStream, chunk.CauseUnrecognizedChunk, chunk.CauseProtocolViolation}[sr.byte()%4]
		sr.send(mod, &chunk.Error{Causes: chunk.AppendCause(nil, code, v[:])})
	case scForwardTSN:
		ft := &chunk.ForwardTSN{NewCumTSN: tp.peerTSN + uint32(int8(sr.byte())%8)}
		for n := sr.byte() % 3; n > 0; n-- {
			ft.Streams = append(ft.Streams, chunk.ForwardTSNStream{Stream: uint16(sr.byte() % 10), SSN: uint16(sr.byte())})
		}
		sr.send(mod, ft)
	case scRawPacket:
		p := append([]byte(nil), sr.bytes(sr.size())...)
		if len(p) >= commonHeaderLen && mod&modBadCRC == 0 {
			copy(p, tp.packet(tp.epTag)[:8])
			finalizePacket(p)
		}
		tp.ep.handleDatagram(tp.now, tp.addr, p)
	}
}

// learn reads what the endpoint sent: its tags, cookies, heartbeat info and
// TSNs, as a peer would.
func (sr *scriptRun) learn() {
	tp := sr.tp
	for _, p := range tp.sent {
		n := commonHeaderLen
		for _, c := range p.chunks {
			n += (c.Len() + 3) &^ 3
			switch c.Type {
			case chunk.TypeInitAck:
				var ack chunk.InitAck
				if ack.Decode(c) == nil {
					if ck, ok := chunk.FindParam(ack.Params, chunk.ParamStateCookie); ok {
						sr.cookie = append(sr.cookie[:0], ck.Value...)
						tp.epTag = ack.InitiateTag
					}
				}
			case chunk.TypeInit:
				var in chunk.Init
				if in.Decode(c) == nil {
					tp.epTag = in.InitiateTag
				}
			case chunk.TypeHeartbeat:
				var hb chunk.Heartbeat
				if hb.Decode(c) == nil {
					sr.hbInfo = append(sr.hbInfo[:0], hb.Info...)
				}
			case chunk.TypeData:
				var d chunk.Data
				if d.Decode(c) == nil {
					if len(sr.tsns) >= 64 {
						sr.tsns = append(sr.tsns[:0], sr.tsns[32:]...)
					}
					sr.tsns = append(sr.tsns, d.TSN)
				}
			}
		}
		if n > maxPacket {
			sr.t.Fatalf("step %d: sent a %d-byte packet", sr.steps, n)
		}
	}
	tp.sent = tp.sent[:0]
}

// check asserts the invariants after a step.
func (sr *scriptRun) check() {
	t, tp, ep := sr.t, sr.tp, sr.tp.ep
	if sr.bad != "" {
		t.Fatalf("step %d: %s", sr.steps, sr.bad)
	}
	if n := ep.associations(); n > scriptMaxAssocs {
		t.Fatalf("step %d: %d associations", sr.steps, n)
	}
	for _, a := range ep.list {
		if len(a.pending) > maxPendingControl || len(a.ctrl) > 4*a.cfg.mtu+64 {
			t.Fatalf("step %d: assoc %d queues grew: pending %d ctrl %d", sr.steps, a.aid, len(a.pending), len(a.ctrl))
		}
		if a.data != nil {
			// What the peer sent and the user has not read: the window
			// plus what one datagram can carry beyond it.
			if used := a.data.rcv.used(); used > int(a.cfg.rwnd)+maxPacket {
				t.Fatalf("step %d: assoc %d holds %d received bytes (rwnd %d)", sr.steps, a.aid, used, a.cfg.rwnd)
			}
		}
	}
	if len(tp.events) > scriptMaxEvents {
		t.Fatalf("step %d: %d events queued", sr.steps, len(tp.events))
	}
	tp.events = tp.events[:0]
	if d := ep.deadline(); !d.IsZero() && d.Sub(tp.now) > time.Hour {
		t.Fatalf("step %d: deadline %v ahead", sr.steps, d.Sub(tp.now))
	}
	if ep.repCount > len(ep.replies) {
		t.Fatalf("step %d: %d replies queued", sr.steps, ep.repCount)
	}
}

// scriptSeeds are scripts through the main paths: a passive handshake with
// data both ways and a graceful shutdown; an active handshake; an abort;
// a restart; timers running out.
func scriptSeeds() [][]byte {
	var seeds [][]byte
	// Passive: INIT, COOKIE ECHO (+DATA), read, send, SACK, shutdown.
	seeds = append(seeds, []byte{
		scInit, 1,
		scCookieEcho, 1, 0,
		scData, 0, 0, 0, 1, 0, 10,
		scAppRead, 2,
		scAppSend, 0, 1, 100,
		scAdvance, 250,
		scSack, 0, 0, 0, 0, 0, 0,
		scShutdown, 0, 0, 0,
		scAdvance, 10,
		scShutdown, 2, 0,
		scAdvance, 255,
	})
	// Active: connect, INIT ACK, COOKIE ACK, data, peer SHUTDOWN.
	seeds = append(seeds, []byte{
		scAppControl, 2,
		scInitAck, 0, 0, 10,
		scInitAck, 1,
		scAppSend, 0, 0, 50,
		scSack, 0, 0, 10, 0, 0, 0,
		scShutdown, 0, 0, 0,
		scShutdown, 2, 0,
		scAdvance, 255, scAdvance, 255,
	})
	// Abort, restart and timers to the end.
	seeds = append(seeds, []byte{
		scInit, 0, scCookieEcho, 0,
		scAppSend, 0, 0, 255, scAdvance, 255, scAdvance, 255, scAdvance, 255,
		scInit, 16, 0xAA, 0xBB, 0xCC, 0xDD, scCookieEcho, 0,
		scHeartbeat, 0, 20, scHeartbeat, 1,
		scAbort, 0,
		scAdvance, 255, scAdvance, 200,
	})
	// Hostile: reflected tag, bad CRC, raw chunks, zero window reader,
	// shutdown with data outstanding.
	seeds = append(seeds, []byte{
		scInit, 2, 7, 255,
		scCookieEcho, 0,
		scData | modTagReflect, 0, 0, 0, 0, 0, 10,
		scData | modBadCRC, 0, 0, 0, 0, 0, 10,
		scRawChunk, 0x3F, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		scData, 3, 0, 0, 1, 0, 255, 0, 1, 1, 0, 255, 0, 2, 2, 0, 255, 0, 3, 3, 0, 255,
		scForwardTSN, 4, 1, 1, 0,
		scAppSend, 0, 0, 100,
		scAppControl, 0,
		scAdvance, 255, scAdvance, 255,
		scError, 0, 0, 0, 1, 0,
		scRawPacket, 40,
	})
	return seeds
}

// TestEndpointScriptSeeds runs the seed scripts with their invariant
// checks and asserts the states they are meant to reach (so the seeds keep
// driving handshake, data, shutdown and abort as the code changes).
func TestEndpointScriptSeeds(t *testing.T) {
	want := [][]protoState{
		{stateEstablished, stateShutdownReceived, stateShutdownAckSent, stateClosed},
		{stateCookieWait, stateCookieEchoed, stateEstablished, stateShutdownAckSent, stateClosed},
		{stateEstablished, stateClosed},
		{stateEstablished, stateShutdownPending},
	}
	for i, s := range scriptSeeds() {
		reached := runScript(t, s)
		for _, st := range want[i] {
			if !reached[st] {
				t.Errorf("seed %d never reached %v", i, st)
			}
		}
	}
}

// TestEndpointScriptLargestConfig runs random scripts (seeded, so
// deterministic) against an endpoint at the largest packet size with a
// small receive window: item 4 of issue 12 asks for no panic under any
// configuration, and FuzzEndpointScript runs the default one.
func TestEndpointScriptLargestConfig(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewPCG(12, 4))
	var cur []byte
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("failing script: %q", cur)
		}
	})
	for i := 0; i < n; i++ {
		script := make([]byte, 20+r.IntN(600))
		for j := range script {
			script[j] = byte(r.Uint32())
		}
		cfg := maxTestConfig()
		cfg.hbDisabled = false
		cfg.prSCTP = true
		if i%2 == 1 {
			cfg.rwnd = minRwnd
		}
		cur = script
		runScriptWith(t, script, cfg)
	}
}

// TestEndpointScriptReplay traces one script (a fuzz input file) step by
// step with its state transitions: SCTP_SCRIPT=testdata/fuzz/
// FuzzEndpointScript/<name> go test -run TestEndpointScriptReplay -v .
func TestEndpointScriptReplay(t *testing.T) {
	name := os.Getenv("SCTP_SCRIPT")
	if name == "" {
		t.Skip("set SCTP_SCRIPT to a FuzzEndpointScript input file to trace it")
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 2 {
		t.Fatalf("%s: not a fuzz input file", name)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	scriptDebug = true
	defer func() { scriptDebug = false }()
	trace := func(a *association, from, to protoState) { t.Logf("assoc %d: %v -> %v", a.aid, from, to) }
	stateHook.Store(&trace)
	runScript(t, []byte(s))
}
