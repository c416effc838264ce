package sctp

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/usctp/sctp/chunk"
)

// The scripted-peer harness, in the style of x/net/quic's testConn: a
// test plays the peer by injecting hand-built packets into an
// endpoint with a hand-advanced clock and asserts the exact packets
// and chunks the endpoint sends back.

var testEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func quietLogger() logging.LoggerFactory {
	f := logging.NewDefaultLoggerFactory()
	f.DefaultLogLevel = logging.LogLevelDisabled
	return f
}

func newTestEndpoint(t testing.TB, seed uint64) *endpoint {
	t.Helper()
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return newEndpoint(endpointConfig{rand: rand.NewChaCha8(s), loggerFactory: quietLogger()})
}

// testAssocConfig is a small, fast configuration for scripted tests.
func testAssocConfig() assocConfig {
	return assocConfig{outStreams: 4, maxInStreams: 4, rwnd: 65536, hbDisabled: true}
}

// sentPacket is one datagram the endpoint sent, decoded.
type sentPacket struct {
	to     netip.AddrPort
	h      commonHeader
	chunks []chunk.Raw
}

func (p sentPacket) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "to %v vtag %#x ports %d>%d [", p.to, p.h.VerificationTag, p.h.SrcPort, p.h.DstPort)
	for i, c := range p.chunks {
		if i > 0 {
			sb.WriteString(" ")
		}
		sb.WriteString(c.Type.String())
	}
	sb.WriteString("]")
	return sb.String()
}

func (p sentPacket) types() []chunk.Type {
	var ts []chunk.Type
	for _, c := range p.chunks {
		ts = append(ts, c.Type)
	}
	return ts
}

// testPeer is the scripted peer of one endpoint.
type testPeer struct {
	t         *testing.T
	now       time.Time
	ep        *endpoint
	addr      netip.AddrPort // the peer's IP and UDP port
	localPort uint16         // the endpoint's SCTP port
	peerPort  uint16         // the peer's SCTP port
	peerTag   uint32         // the scripted peer's own tag
	epTag     uint32         // the endpoint's tag (vtag of our packets)
	peerTSN   uint32         // next TSN the peer sends
	sent      []sentPacket
	events    []Event
	assoc     *association
	buf       []byte
}

func newTestPeer(t *testing.T) *testPeer {
	t.Helper()
	return &testPeer{
		t:         t,
		now:       testEpoch,
		ep:        newTestEndpoint(t, 1),
		addr:      netip.MustParseAddrPort("192.0.2.10:9899"),
		localPort: 5000,
		peerPort:  6000,
		peerTag:   0x11223344,
		peerTSN:   1000,
	}
}

// packet builds an SCTP packet from the peer with the given vtag.
func (tp *testPeer) packet(vtag uint32, cs ...chunk.Chunk) []byte {
	b := appendCommonHeader(nil, commonHeader{SrcPort: tp.peerPort, DstPort: tp.localPort, VerificationTag: vtag})
	for _, c := range cs {
		b = c.AppendTo(b)
	}
	finalizePacket(b)
	return b
}

// write sends chunks from the peer's address with vtag.
func (tp *testPeer) write(vtag uint32, cs ...chunk.Chunk) {
	tp.t.Helper()
	tp.writeFrom(tp.addr, vtag, cs...)
}

func (tp *testPeer) writeFrom(from netip.AddrPort, vtag uint32, cs ...chunk.Chunk) {
	tp.t.Helper()
	tp.ep.handleDatagram(tp.now, from, tp.packet(vtag, cs...))
	tp.collect()
}

// collect drains datagrams and events from the endpoint.
func (tp *testPeer) collect() {
	tp.t.Helper()
	for i := 0; i < 1000; i++ {
		pkt, to, ok := tp.ep.appendDatagram(tp.now, tp.buf[:0])
		if !ok {
			break
		}
		h, chunks, err := parsePacket(pkt)
		if err != nil {
			tp.t.Fatalf("endpoint sent a bad packet: %v", err)
		}
		if err := validateBundling(h, chunks); err != nil {
			tp.t.Fatalf("endpoint sent a badly bundled packet: %v", err)
		}
		sp := sentPacket{to: to, h: h}
		it := chunk.NewIter(chunks)
		for it.Next() {
			c := it.Chunk()
			c.Value = append([]byte(nil), c.Value...)
			sp.chunks = append(sp.chunks, c)
		}
		if it.Err() != nil {
			tp.t.Fatalf("endpoint sent bad chunks: %v", it.Err())
		}
		tp.sent = append(tp.sent, sp)
	}
	for {
		ev, ok := tp.ep.pollEvent()
		if !ok {
			break
		}
		tp.events = append(tp.events, ev)
	}
}

// advance moves the clock by d and runs the endpoint's timers.
func (tp *testPeer) advance(d time.Duration) {
	tp.t.Helper()
	tp.now = tp.now.Add(d)
	tp.ep.handleTimeout(tp.now)
	tp.checkDeadline()
	tp.collect()
}

// checkDeadline asserts that handleTimeout left no expired deadline
// behind: a runtime would otherwise spin.
func (tp *testPeer) checkDeadline() {
	tp.t.Helper()
	if d := tp.ep.deadline(); !d.IsZero() && !d.After(tp.now) {
		tp.t.Fatalf("deadline %v not after now %v after handleTimeout", d, tp.now)
	}
}

// advanceToTimer jumps to the endpoint's next deadline and runs it.
func (tp *testPeer) advanceToTimer() time.Duration {
	tp.t.Helper()
	d := tp.ep.deadline()
	if d.IsZero() {
		tp.t.Fatalf("advanceToTimer: no timer armed")
	}
	step := d.Sub(tp.now)
	tp.now = d
	tp.ep.handleTimeout(tp.now)
	tp.checkDeadline()
	tp.collect()
	return step
}

// readPacket pops the next sent packet, failing if there is none.
func (tp *testPeer) readPacket() sentPacket {
	tp.t.Helper()
	if len(tp.sent) == 0 {
		tp.t.Fatalf("want a packet, endpoint sent nothing")
	}
	p := tp.sent[0]
	tp.sent = tp.sent[1:]
	return p
}

// wantPacket pops the next packet and checks its vtag and chunk types.
func (tp *testPeer) wantPacket(vtag uint32, types ...chunk.Type) sentPacket {
	tp.t.Helper()
	p := tp.readPacket()
	if p.h.VerificationTag != vtag || !reflect.DeepEqual(p.types(), types) {
		tp.t.Fatalf("got packet %v\nwant vtag %#x chunks %v", p, vtag, types)
	}
	if p.h.SrcPort != tp.localPort || p.h.DstPort != tp.peerPort {
		tp.t.Fatalf("packet %v: want ports %d>%d", p, tp.localPort, tp.peerPort)
	}
	return p
}

// wantAbort pops the next packet, which must be an ABORT alone under the
// peer's tag, and returns the ABORT.
func (tp *testPeer) wantAbort() *chunk.Abort {
	tp.t.Helper()
	return decodeAs(tp.t, tp.wantPacket(tp.peerTag, chunk.TypeAbort).chunks[0], &chunk.Abort{})
}

// sendData has the association send m and returns the DATA chunk of the
// packet it sends, which must carry that chunk alone.
func (tp *testPeer) sendData(m outMessage) *chunk.Data {
	tp.t.Helper()
	if err := tp.assoc.send(tp.now, m); err != nil {
		tp.t.Fatal(err)
	}
	tp.collect()
	return decodeAs(tp.t, tp.wantPacket(tp.peerTag, chunk.TypeData).chunks[0], &chunk.Data{})
}

// wantIdle checks that nothing more was sent.
func (tp *testPeer) wantIdle() {
	tp.t.Helper()
	if len(tp.sent) > 0 {
		tp.t.Fatalf("want no packets, got %d, first %v", len(tp.sent), tp.sent[0])
	}
}

// shutdownSent has the association start a graceful shutdown (nothing
// outstanding) and expects its SHUTDOWN, with a SACK bundled.
func (tp *testPeer) shutdownSent() sentPacket {
	tp.t.Helper()
	tp.assoc.shutdown(tp.now)
	tp.collect()
	return tp.wantPacket(tp.peerTag, chunk.TypeShutdown, chunk.TypeSack)
}

// wantState checks the association's state.
func (tp *testPeer) wantState(want protoState) {
	tp.t.Helper()
	if got := tp.assoc.currentState(); got != want {
		tp.t.Fatalf("state %v, want %v", got, want)
	}
}

// wantEvent pops events until one of want's dynamic type and checks it.
func (tp *testPeer) wantEvent(want Event) Event {
	tp.t.Helper()
	for len(tp.events) > 0 {
		ev := tp.events[0]
		tp.events = tp.events[1:]
		if reflect.TypeOf(ev) == reflect.TypeOf(want) {
			if ac, ok := want.(AssocChange); ok {
				got := ev.(AssocChange)
				if got.State != ac.State {
					tp.t.Fatalf("got event %v, want state %v", got, ac.State)
				}
			}
			return ev
		}
	}
	tp.t.Fatalf("no event of type %T", want)
	return nil
}

func (tp *testPeer) wantNoEvent(want Event) {
	tp.t.Helper()
	for _, ev := range tp.events {
		if reflect.TypeOf(ev) == reflect.TypeOf(want) {
			if ac, ok := want.(AssocChange); ok && ev.(AssocChange).State != ac.State {
				continue
			}
			tp.t.Fatalf("unexpected event %v", ev)
		}
	}
}

// decodeAs decodes a sent chunk into c.
func decodeAs[C chunk.Chunk](t *testing.T, r chunk.Raw, c C) C {
	t.Helper()
	if err := c.Decode(r); err != nil {
		t.Fatalf("decode %v: %v", r.Type, err)
	}
	return c
}

// causes returns the error causes in b.
func causes(t *testing.T, b []byte) []chunk.Cause {
	t.Helper()
	var cs []chunk.Cause
	it := chunk.NewCauseIter(b)
	for it.Next() {
		cs = append(cs, it.Cause())
	}
	if it.Err() != nil {
		t.Fatalf("bad causes: %v", it.Err())
	}
	return cs
}

func wantCause(t *testing.T, b []byte, code chunk.CauseCode) chunk.Cause {
	t.Helper()
	for _, c := range causes(t, b) {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("no cause %v in %x", code, b)
	return chunk.Cause{}
}

func findParam(t *testing.T, params []byte, pt chunk.ParamType) (chunk.Param, bool) {
	t.Helper()
	it := chunk.NewParamIter(params)
	for it.Next() {
		if p := it.Param(); p.Type == pt {
			return p, true
		}
	}
	return chunk.Param{}, false
}

// peerInit is the INIT the scripted peer sends.
func (tp *testPeer) peerInit(params []byte) *chunk.Init {
	return &chunk.Init{InitiateTag: tp.peerTag, ARwnd: 100000, OutStreams: 8, InStreams: 8, InitialTSN: tp.peerTSN, Params: params}
}

// listen makes the endpoint listen on tp.localPort.
func (tp *testPeer) listen(cfg assocConfig) {
	tp.t.Helper()
	if err := tp.ep.listen(tp.localPort, cfg); err != nil {
		tp.t.Fatal(err)
	}
}

// initAndGetCookie sends an INIT to the listener and returns the INIT
// ACK (cookie inside).
func (tp *testPeer) initAndGetCookie(params []byte) *chunk.InitAck {
	tp.t.Helper()
	tp.write(0, tp.peerInit(params))
	p := tp.wantPacket(tp.peerTag, chunk.TypeInitAck)
	if p.to != tp.addr {
		tp.t.Fatalf("INIT ACK sent to %v, want the INIT's source %v", p.to, tp.addr)
	}
	return decodeAs(tp.t, p.chunks[0], &chunk.InitAck{})
}

func cookieOf(t *testing.T, ack *chunk.InitAck) []byte {
	t.Helper()
	p, ok := findParam(t, ack.Params, chunk.ParamStateCookie)
	if !ok {
		t.Fatalf("INIT ACK without State Cookie")
	}
	return append([]byte(nil), p.Value...)
}

// acceptHandshake runs the handshake with the peer as the client and the
// endpoint listening; it leaves tp.assoc ESTABLISHED.
func (tp *testPeer) acceptHandshake(cfg assocConfig) {
	tp.t.Helper()
	tp.listen(cfg)
	ack := tp.initAndGetCookie(nil)
	tp.epTag = ack.InitiateTag
	tp.write(tp.epTag, &chunk.CookieEcho{Cookie: cookieOf(tp.t, ack)})
	tp.wantPacket(tp.peerTag, chunk.TypeCookieAck)
	acc := tp.wantEvent(accepted{}).(accepted)
	tp.assoc = acc.association()
	tp.wantEvent(AssocChange{State: CommUp})
	if tp.assoc.currentState() != stateEstablished {
		tp.t.Fatalf("state %v after handshake", tp.assoc.currentState())
	}
}

// connectHandshake has the endpoint connect to the peer and completes the
// handshake; it leaves tp.assoc ESTABLISHED.
func (tp *testPeer) connectHandshake(cfg assocConfig) {
	tp.t.Helper()
	tp.startConnect(cfg)
	tp.answerInit(nil)
	tp.wantPacket(tp.peerTag, chunk.TypeCookieEcho)
	tp.write(tp.epTag, &chunk.CookieAck{})
	tp.wantEvent(AssocChange{State: CommUp})
	if tp.assoc.currentState() != stateEstablished {
		tp.t.Fatalf("state %v after handshake", tp.assoc.currentState())
	}
}

// startConnect has the endpoint connect and reads its INIT.
func (tp *testPeer) startConnect(cfg assocConfig) *chunk.Init {
	tp.t.Helper()
	a, err := tp.ep.connect(tp.now, tp.localPort, tp.addr, tp.peerPort, cfg)
	if err != nil {
		tp.t.Fatal(err)
	}
	tp.assoc = a
	tp.collect()
	p := tp.wantPacket(0, chunk.TypeInit)
	init := decodeAs(tp.t, p.chunks[0], &chunk.Init{})
	tp.epTag = init.InitiateTag
	return init
}

// answerInit sends the peer's INIT ACK with an opaque cookie.
func (tp *testPeer) answerInit(extra []byte) {
	tp.t.Helper()
	params := chunk.AppendParam(nil, chunk.ParamStateCookie, []byte("peer-cookie-0123"))
	params = append(params, extra...)
	tp.write(tp.epTag, &chunk.InitAck{InitiateTag: tp.peerTag, ARwnd: 100000, OutStreams: 8, InStreams: 8, InitialTSN: tp.peerTSN, Params: params})
}

// data returns a DATA chunk from the peer with the next TSN.
func (tp *testPeer) data(stream uint16, payload string) *chunk.Data {
	d := &chunk.Data{Beginning: true, Ending: true, TSN: tp.peerTSN, Stream: stream, PPID: 51, UserData: []byte(payload)}
	tp.peerTSN++
	return d
}

// addrParam is an IPv4/IPv6 Address parameter (RFC 9260 §3.3.2.1).
func addrParam(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		v := a.As4()
		return chunk.AppendParam(b, chunk.ParamIPv4Addr, v[:])
	}
	v := a.As16()
	return chunk.AppendParam(b, chunk.ParamIPv6Addr, v[:])
}
