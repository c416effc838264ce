package sctp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
)

// This file is the one virtual network of the sans-IO tests: a sans-IO
// endpoint as a simnet.Sim node (simEndpoint); two of them on one Sim
// (endpointPair) with helpers to run until a condition holds, bounded in
// virtual time and events, and to drop chosen datagrams; and the
// application of the property tests (simPeer, simScenario: workloads sent
// both ways and checked on arrival), used by endpoint_sim_test.go.

// simEndpoint adapts an endpoint to simnet.Node. After every event it runs
// the test's application logic (app), which reads messages, handles events
// and queues more data, before the Sim polls for datagrams.
type simEndpoint struct {
	t   testing.TB
	ep  *endpoint
	app func(now time.Time)
}

func (s *simEndpoint) HandleDatagram(now time.Time, from netip.AddrPort, b []byte) {
	s.ep.handleDatagram(now, from, b)
	if s.app != nil {
		s.app(now)
	}
}

func (s *simEndpoint) HandleTimeout(now time.Time) {
	s.ep.handleTimeout(now)
	// The timers that fired are handled: the next deadline lies ahead
	// (else the endpoint would be woken for ever at the same instant).
	if d := s.ep.deadline(); !d.IsZero() && !d.After(now) {
		s.t.Fatalf("endpoint deadline %v not after now %v after handleTimeout", d, now)
	}
	if s.app != nil {
		s.app(now)
	}
}

func (s *simEndpoint) Deadline() time.Time { return s.ep.deadline() }

func (s *simEndpoint) AppendDatagram(now time.Time, b []byte) ([]byte, netip.AddrPort, bool) {
	return s.ep.appendDatagram(now, b)
}

// simRand is a deterministic io.Reader for the engine's randomness.
func simRand(seed uint64) *rand.ChaCha8 {
	var k [32]byte
	for i := range 4 {
		k[i*8] = byte(seed >> (8 * i))
		k[i*8+1] = byte(seed >> (8 * (i + 4)))
		k[i*8+2] = byte(i)
	}
	return rand.NewChaCha8(k)
}

// simHasChunk reports whether the SCTP packet pkt contains a chunk of type
// ct.
func simHasChunk(pkt []byte, ct chunk.Type) bool {
	_, chunks, err := parsePacket(pkt)
	if err != nil {
		return false
	}
	it := chunk.NewIter(chunks)
	for it.Next() {
		if it.Chunk().Type == ct {
			return true
		}
	}
	return false
}

// endpointPair is two sans-IO endpoints on a simnet.Sim, eps[0] at
// addrs[0] (IPv4) and eps[1] at addrs[1] (IPv6). The zero link joins them
// back to back: every datagram arrives at the instant it is sent. The
// events of each endpoint are collected in events.
type endpointPair struct {
	t      testing.TB
	sim    *simnet.Sim
	eps    [2]*endpoint
	addrs  [2]netip.AddrPort
	events [2][]Event
	// drop, if set, decides whether the network loses the n-th datagram
	// (n counts every datagram sent, from 1).
	drop func(n int, pkt []byte) bool
	n    int
	// discard drops events instead of collecting them (benchmarks).
	discard bool

	settled, advanced func() bool // Run conditions, built once
	mark              uint64
}

// newEndpointPair builds the two endpoints (randomness from seed) on a Sim
// (seeded too) whose links both ways are link.
func newEndpointPair(t testing.TB, seed uint64, link simnet.LinkConfig) *endpointPair {
	pn := &endpointPair{
		t:     t,
		sim:   simnet.NewSim(seed),
		eps:   [2]*endpoint{newTestEndpoint(t, 2*seed+5), newTestEndpoint(t, 2*seed+6)},
		addrs: [2]netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:9899"), netip.MustParseAddrPort("[fd00::2]:9900")},
	}
	pn.sim.SetDefaultLink(link)
	pn.sim.SetFilter(pn.filter)
	for i := range pn.eps {
		node := &simEndpoint{t: t, ep: pn.eps[i], app: func(time.Time) { pn.collect(i) }}
		if err := pn.sim.AddNode(pn.addrs[i], node); err != nil {
			t.Fatal(err)
		}
	}
	pn.settled = func() bool { n := pn.sim.Next(); return n.IsZero() || n.After(pn.sim.Now()) }
	pn.advanced = func() bool { return pn.sim.Events() > pn.mark }
	return pn
}

// newBackToBack is an endpointPair joined back to back.
func newBackToBack(t testing.TB) *endpointPair { return newEndpointPair(t, 1, simnet.LinkConfig{}) }

func (pn *endpointPair) now() time.Time { return pn.sim.Now() }

func (pn *endpointPair) filter(from, to netip.AddrPort, pkt []byte) bool {
	i := 0
	if from == pn.addrs[1] {
		i = 1
	}
	if to != pn.addrs[1-i] {
		pn.t.Fatalf("endpoint %d sent to %v, peer is at %v", i, to, pn.addrs[1-i])
	}
	pn.n++
	return pn.drop != nil && pn.drop(pn.n, pkt)
}

func (pn *endpointPair) collect(i int) {
	for {
		ev, ok := pn.eps[i].pollEvent()
		if !ok {
			return
		}
		if !pn.discard {
			pn.events[i] = append(pn.events[i], ev)
		}
	}
}

// flush exchanges datagrams (and runs the timers due) at the current
// instant until both sides are quiet, and collects the events.
func (pn *endpointPair) flush() {
	pn.collect(0)
	pn.collect(1)
	if err := pn.sim.Run(pn.settled, 0, 1_000_000); err != nil {
		pn.t.Fatalf("flush did not settle: %v", err)
	}
}

// pump is flush, or if nothing was pending at the current instant, the
// next event (the clock advances to it). It reports false when nothing
// was left to do at all.
func (pn *endpointPair) pump() bool {
	pn.mark = pn.sim.Events()
	pn.flush()
	if pn.sim.Events() > pn.mark {
		return true
	}
	if pn.sim.Next().IsZero() {
		return false
	}
	return pn.sim.Run(pn.advanced, -1, 1) == nil
}

// runUntil runs the network until cond holds, within 10 minutes of
// virtual time.
func (pn *endpointPair) runUntil(what string, cond func() bool) {
	pn.t.Helper()
	pn.runFor(what, 10*time.Minute, cond)
}

// runFor runs the network until cond holds, within limit of virtual time
// and a bound of events. cond runs between events and may use the
// associations (send, read); the endpoints are polled after it.
func (pn *endpointPair) runFor(what string, limit time.Duration, cond func() bool) {
	pn.t.Helper()
	start := pn.now()
	err := pn.sim.Run(func() bool {
		pn.collect(0)
		pn.collect(1)
		if cond() {
			return true
		}
		pn.sim.Flush()
		return false
	}, limit, 5_000_000)
	if err != nil && !cond() {
		for i, ep := range pn.eps {
			for _, a := range ep.list {
				s := a.stats()
				pn.t.Logf("endpoint %d assoc %d: %v %+v", i, a.aid, a.state, s)
			}
			pn.t.Logf("endpoint %d events %v", i, pn.events[i])
		}
		pn.t.Fatalf("%s: did not happen (virtual time %v, network %v): %v", what, pn.now().Sub(start), pn.sim.Stats(), err)
	}
}

// accepted returns the association eps[0] accepted, nil if none yet.
func (pn *endpointPair) accepted() *association {
	for _, ev := range pn.events[0] {
		if a, ok := ev.(accepted); ok {
			return a.association()
		}
	}
	return nil
}

// connect makes eps[0] listen on SCTP port 7 and eps[1] connect to it,
// both with cfg, and runs the handshake: it returns the client (eps[1])
// and server (eps[0]) associations, both established.
func (pn *endpointPair) connect(cfg assocConfig) (client, server *association) {
	pn.t.Helper()
	if err := pn.eps[0].listen(7, cfg); err != nil {
		pn.t.Fatal(err)
	}
	client, err := pn.eps[1].connect(pn.now(), 0, pn.addrs[0], 7, cfg)
	if err != nil {
		pn.t.Fatal(err)
	}
	pn.runUntil("handshake", func() bool { return client.currentState() == stateEstablished && pn.accepted() != nil })
	server = pn.accepted()
	if server.currentState() != stateEstablished {
		pn.t.Fatalf("server state %v", server.currentState())
	}
	return client, server
}

func hasEvent(evs []Event, s AssocChangeState) bool {
	for _, ev := range evs {
		if ac, ok := ev.(AssocChange); ok && ac.State == s {
			return true
		}
	}
	return false
}

// ---- the property tests' application ----

const simServerPort = 5000 // SCTP port of the listener

// Addresses of the simulated hosts (UDP encapsulation port 9899).
var (
	simClientAddr = netip.MustParseAddrPort("192.0.2.1:9899")
	simServerAddr = netip.MustParseAddrPort("192.0.2.2:9899")
)

// simMsg is one message of a workload. PPID carries its index, so the
// receiver can identify even a 1-byte message; the payload is derived from
// the index.
type simMsg struct {
	stream    uint16
	unordered bool
	size      int
	// prPolicy and prValue: an RFC 7496 policy the message is sent with
	// (simPeer.abandonOK: the sender may abandon it).
	prPolicy PRPolicy
	prValue  uint32
}

func simPayload(b []byte, id uint32, size int) []byte {
	x := uint64(id)*0x9e3779b97f4a7c15 + 0x2545f4914f6cdd1d
	start := len(b)
	for len(b)-start < size {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b = binary.LittleEndian.AppendUint64(b, x)
	}
	return b[:start+size]
}

// simPeer is one side's application: it sends its workload and checks what
// it receives against the other side's workload.
type simPeer struct {
	name   string
	ep     *endpoint
	assoc  *association
	out    []simMsg // what we send
	in     []simMsg // what the peer sends us
	next   int      // next message of out to queue
	outBuf []byte   // payload of out[next], built once
	outID  int      // which message outBuf holds; -1 none
	gotten []bool   // per message of in: delivered
	ngot   int
	// per stream: the ordered messages of in, in sending order, and how
	// many of them arrived
	orderedIn   map[uint16][]uint32
	orderedNext map[uint16]int
	buf         []byte
	joined      []byte // pieces of a partially delivered message
	// lateAssocs: associations a late COOKIE ECHO started after ours
	// failed (RFC 9260 §5.1.5), aborted at once (app)
	lateAssocs map[AssocID]bool
	// events seen
	up, shutdownComp, lost int
	lostErr                error
	// lostAfterPeerClosed: our association was lost (ABORT) after the peer
	// had completed its graceful shutdown, see simScenario.strict.
	lostAfterPeerClosed bool
	other               *simPeer
	failure             error // first violation
	closedAt            time.Time
	// allowFailure: an association failure is a valid outcome; SendFailed
	// events are then recorded in failed (by message index) instead of
	// being violations (simScenario.allowFailure).
	allowFailure bool
	failed       map[uint32]SendFailed
	// readPerEvent > 0 makes a slow reader: at most that many messages
	// read per event of this side (with all the pieces of a partial
	// delivery available then).
	readPerEvent int
	// resetEvery > 0: after every resetEvery-th message sent, reset the
	// stream of that message (RFC 6525; outgoing, every third incoming);
	// resetsDone counts the resets performed (StreamReset events without
	// DENIED or FAILED).
	resetEvery, resetsDone int
	// resetAssocToo: every fourth reset is an SSN/TSN reset; assocResets
	// counts those performed (AssocReset without DENIED or FAILED).
	resetAssocToo bool
	assocResets   int
	// abandonOK: our messages carry PR-SCTP policies (simMsg.prPolicy), so
	// the stack may abandon them (RFC 3758, RFC 7496): each is then
	// delivered exactly once or reported in a SendFailed event with
	// ErrMessageAbandoned (recorded in failed); one reported as never
	// sent (Unsent) must not be delivered; one reported after some of it
	// was sent (SCTP_DATA_SENT: it may or may not have reached the peer's
	// user) may have been delivered, counted in abandonedDelivered.
	abandonOK          bool
	abandonedDelivered int
	// pathEvents are the PeerAddrChange events seen.
	pathEvents []PeerAddrChange
}

func newSimPeer(name string, ep *endpoint, out, in []simMsg) *simPeer {
	p := &simPeer{name: name, ep: ep, out: out, in: in, gotten: make([]bool, len(in)), outID: -1,
		orderedIn: map[uint16][]uint32{}, orderedNext: map[uint16]int{}}
	for i, m := range in {
		if !m.unordered {
			p.orderedIn[m.stream] = append(p.orderedIn[m.stream], uint32(i))
		}
	}
	return p
}

func (p *simPeer) fail(format string, args ...any) {
	if p.failure == nil {
		p.failure = fmt.Errorf("%s: %s", p.name, fmt.Sprintf(format, args...))
	}
}

func (p *simPeer) done() bool {
	return p.next == len(p.out) && p.ngot+p.abandonedMissing() == len(p.in)
}

// abandonedMissing counts the messages of in the peer reported abandoned
// and we did not receive.
func (p *simPeer) abandonedMissing() int {
	n := 0
	if p.other == nil || !p.other.abandonOK {
		return 0
	}
	for id := range p.other.failed {
		if int(id) < len(p.gotten) && !p.gotten[id] {
			n++
		}
	}
	return n
}

// app is called after every event of this side.
func (p *simPeer) app(now time.Time) {
	for {
		ev, ok := p.ep.pollEvent()
		if !ok {
			break
		}
		if p.lateAssocs[ev.Assoc()] {
			continue // the association below: aborted, not ours
		}
		switch ev := ev.(type) {
		case accepted:
			if p.assoc != nil && p.lost == 0 {
				p.fail("second association accepted while the first is up: %v", ev)
				break
			}
			if p.assoc != nil {
				// RFC 9260 §5.1.5: our association failed and was
				// deleted, its ABORT lost; a COOKIE ECHO the peer still
				// retransmits (it never got our COOKIE ACK) finds no TCB,
				// and its cookie, still valid, starts a new association.
				// This app serves one association per run: it takes what
				// the new one has delivered and aborts it, so the peer
				// reports the rest of its messages failed.
				na := ev.association()
				for {
					m, ok := na.readMessage()
					if !ok {
						break
					}
					if !m.partial && !m.aborted {
						p.check(m)
					}
				}
				if p.lateAssocs == nil {
					p.lateAssocs = map[AssocID]bool{}
				}
				p.lateAssocs[ev.ID] = true
				na.abort(now, "one association per run")
				break
			}
			p.assoc = ev.association()
		case AssocChange:
			switch ev.State {
			case CommUp:
				p.up++
			case ShutdownComp:
				p.shutdownComp++
				p.closedAt = now
			default:
				p.lost++
				p.lostErr = fmt.Errorf("%v: %w", ev, ev.Err)
				p.closedAt = now
				p.lostAfterPeerClosed = p.other != nil && p.other.shutdownComp > 0
			}
		case SendFailed:
			if !p.allowFailure && !(p.abandonOK && errors.Is(ev.Err, ErrMessageAbandoned)) {
				p.fail("send failed: %v", ev)
				break
			}
			if _, dup := p.failed[ev.PPID]; dup {
				p.fail("message %d reported failed twice", ev.PPID)
			}
			if int(ev.PPID) >= p.next || (len(ev.Data) > 0 && int(ev.PPID) < len(p.out) && len(ev.Data) != p.out[ev.PPID].size) {
				p.fail("SendFailed for message %d that was not sent as such: %v", ev.PPID, ev)
			}
			if p.failed == nil {
				p.failed = map[uint32]SendFailed{}
			}
			p.failed[ev.PPID] = ev
		case PeerAddrChange:
			p.pathEvents = append(p.pathEvents, ev) // multi-path tests (simnet_multipath_test.go)
		case AssocReset:
			switch {
			case ev.Flags&SCTP_ASSOC_RESET_DENIED != 0:
				p.fail("SSN/TSN reset denied although enabled: %v", ev)
			case ev.Flags&SCTP_ASSOC_RESET_FAILED == 0:
				p.assocResets++
			}
		case StreamReset:
			switch {
			case ev.Flags&SCTP_STREAM_RESET_DENIED != 0:
				p.fail("stream reset denied although enabled: %v", ev)
			case ev.Flags&SCTP_STREAM_RESET_FAILED == 0:
				p.resetsDone++
			}
		}
	}
	a := p.assoc
	if a == nil {
		return
	}
	for reads := 0; p.readPerEvent == 0 || reads < p.readPerEvent; reads++ {
		m, ok := a.readMessage()
		if !ok {
			break
		}
		if m.aborted {
			if !p.allowFailure && (p.other == nil || !p.other.abandonOK) {
				p.fail("partial delivery of stream %d SSN %d aborted", m.stream, m.ssn)
			}
			p.joined = p.joined[:0]
			if !m.unordered {
				// The aborted message was its stream's next: it will not
				// come (its sender reports it, the final check), and the
				// complete messages behind it may (endPartialOnClose).
				// Expecting it still, seed 230457 (association failed
				// at 20 % loss) read the next one as out of order.
				if k := p.orderedNext[m.stream]; k < len(p.orderedIn[m.stream]) {
					p.orderedNext[m.stream] = k + 1
				}
			}
			continue
		}
		// A message larger than the free receive window comes in pieces
		// (partial delivery); join them as the runtime endpoint does.
		// With I-DATA complete messages of other streams may come between
		// the pieces (m.piece tells them apart).
		if m.partial || len(p.joined) > 0 && m.piece {
			p.joined = append(p.joined, m.data...)
			if m.partial {
				// A piece is not a message: the slow reader reads up
				// to readPerEvent messages, however many pieces the
				// partial delivery cuts them into. Counted per piece,
				// a 216 KB message in 500-byte pieces took 400 events
				// to read, the window stayed closed and the peer's
				// SHUTDOWN timed out (seed 101800).
				reads--
				continue
			}
			m.data = p.joined
			p.joined = p.joined[:0]
		}
		p.check(m)
	}
	for p.next < len(p.out) && a.currentState() == stateEstablished {
		m := p.out[p.next]
		if p.outID != p.next {
			p.outBuf = simPayload(p.outBuf[:0], uint32(p.next), m.size)
			p.outID = p.next
		}
		err := a.send(now, outMessage{stream: m.stream, ppid: uint32(p.next), unordered: m.unordered, data: p.outBuf, prPolicy: m.prPolicy, prValue: m.prValue})
		if errors.Is(err, errSendBufferFull) {
			break
		}
		if err != nil {
			p.fail("send message %d: %v", p.next, err)
			break
		}
		p.next++
		if p.resetEvery > 0 && p.next%p.resetEvery == 0 {
			flags := SCTP_STREAM_RESET_OUTGOING
			if (p.next/p.resetEvery)%3 == 2 {
				flags = SCTP_STREAM_RESET_INCOMING
			}
			// A full request queue is fine (ErrInvalidArgument): skip.
			var err error
			if p.resetAssocToo && (p.next/p.resetEvery)%4 == 3 {
				err = a.resetAssoc(now)
			} else {
				err = a.resetStreams(now, flags, []uint16{m.stream})
			}
			if err != nil && !errors.Is(err, ErrInvalidArgument) {
				p.fail("reset stream %d: %v", m.stream, err)
			}
		}
	}
}

func (p *simPeer) check(m inMessage) {
	id := m.ppid
	if int(id) >= len(p.in) {
		p.fail("message with unknown id %d", id)
		return
	}
	want := p.in[id]
	if p.gotten[id] {
		p.fail("message %d delivered twice", id)
		return
	}
	p.gotten[id] = true
	p.ngot++
	if m.stream != want.stream || m.unordered != want.unordered || len(m.data) != want.size {
		p.fail("message %d: got stream %d unordered %v len %d, want %d %v %d", id, m.stream, m.unordered, len(m.data), want.stream, want.unordered, want.size)
		return
	}
	p.buf = simPayload(p.buf[:0], id, want.size)
	if !bytes.Equal(m.data, p.buf) {
		p.fail("message %d (%d bytes): payload corrupted", id, want.size)
		return
	}
	if !want.unordered {
		k := p.orderedNext[m.stream]
		list := p.orderedIn[m.stream]
		if exp := list[k]; exp != id {
			// Messages the sender abandoned are skipped (RFC 3758 §3.6);
			// that they were reported is checked at the end (done,
			// simScenario.abandonOutcome). Going back is a violation.
			j := k + 1
			for j < len(list) && list[j] != id {
				j++
			}
			if p.other == nil || !p.other.abandonOK || j == len(list) {
				p.fail("stream %d: ordered message %d delivered before %d", m.stream, id, exp)
				return
			}
			k = j
		}
		p.orderedNext[m.stream] = k + 1
	}
}

// simWorkload draws n messages on up to streams streams, sizes 1 B–256 KiB
// skewed towards small ones.
func simWorkload(r *rand.Rand, n int, streams int, maxSize int) []simMsg {
	ms := make([]simMsg, n)
	for i := range ms {
		var size int
		switch x := r.IntN(100); {
		case x < 50:
			size = 1 + r.IntN(1500)
		case x < 85:
			size = 1 + r.IntN(16<<10)
		default:
			size = 1 + r.IntN(maxSize)
		}
		ms[i] = simMsg{stream: uint16(r.IntN(streams)), unordered: r.IntN(4) == 0, size: size}
	}
	return ms
}

type simScenario struct {
	sim            *simnet.Sim
	client, server *simPeer
	// strict demands SHUTDOWN_COMP on both sides. Otherwise the server may
	// instead end with COMM_LOST from an ABORT that arrives after the
	// client completed the shutdown: a packet of the server delayed or
	// duplicated past the client's SHUTDOWN COMPLETE reaches a client
	// without TCB, which answers with ABORT (RFC 9260 §8.4 rule 8), and
	// the server, still in SHUTDOWN-ACK-SENT, accepts it (§9.1). All data
	// was acknowledged by then (§9.2), so nothing is lost.
	strict bool
	// benignAborts counts such endings.
	benignAborts int
	// serverCloses makes the server, not the client, start the shutdown.
	serverCloses bool
	// early starts the shutdown as soon as both sides have queued all
	// their messages, with data still in flight both ways (SHUTDOWN-PENDING
	// and SHUTDOWN-RECEIVED with outstanding data, RFC 9260 §9.2);
	// otherwise once everything has been delivered.
	early bool
	// allowFailure accepts an association failure (retransmission limits
	// reached, T5-shutdown-guard, the peer's ABORT) as an outcome: then
	// every message a side queued must have been delivered exactly once
	// or reported in a SendFailed event (not both unless the report says
	// it was sent), none silently lost, and both ends must reach CLOSED.
	allowFailure bool
	// failedOutcome: the run ended in an association failure (allowFailure).
	failedOutcome bool
}

// newSimScenario builds two endpoints on a Sim: the server listens, the
// client connects. Both run the given workloads.
func newSimScenario(t testing.TB, seed uint64, link simnet.LinkConfig, cfg assocConfig, c2s, s2c []simMsg) *simScenario {
	sim := simnet.NewSim(seed)
	sim.SetDefaultLink(link)
	cep := newEndpoint(endpointConfig{rand: simRand(seed*2 + 1)})
	sep := newEndpoint(endpointConfig{rand: simRand(seed*2 + 2)})
	if err := sep.listen(simServerPort, cfg); err != nil {
		t.Fatal(err)
	}
	client := newSimPeer("client", cep, c2s, s2c)
	server := newSimPeer("server", sep, s2c, c2s)
	client.other, server.other = server, client
	if err := sim.AddNode(simClientAddr, &simEndpoint{t: t, ep: cep, app: client.app}); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddNode(simServerAddr, &simEndpoint{t: t, ep: sep, app: server.app}); err != nil {
		t.Fatal(err)
	}
	a, err := cep.connect(sim.Now(), 0, simServerAddr, simServerPort, cfg)
	if err != nil {
		t.Fatal(err)
	}
	client.assoc = a
	return &simScenario{sim: sim, client: client, server: server, strict: true}
}

// run drives the scenario: transfer both workloads, then the client shuts
// down gracefully; it returns an error describing the first violation.
func (s *simScenario) run(maxVirtual time.Duration, maxEvents int) error {
	c, sv := s.client, s.server
	failed := func() bool { return c.failure != nil || sv.failure != nil }
	closed := func(p *simPeer) bool { return p.assoc != nil && p.assoc.currentState() == stateClosed }
	ready := func() bool {
		if s.early {
			// Everything queued (the peer's SHUTDOWN stops new sends),
			// not necessarily delivered.
			return c.up == 1 && sv.up == 1 && c.next == len(c.out) && sv.next == len(sv.out)
		}
		return c.done() && sv.done()
	}
	err := s.sim.Run(func() bool {
		return failed() || ready() || closed(c) || closed(sv)
	}, maxVirtual, maxEvents)
	if err2 := s.verdict(err, "transfer"); err2 != nil {
		return err2
	}
	if !ready() {
		if s.allowFailure {
			return s.failureOutcome(maxVirtual, maxEvents)
		}
		return fmt.Errorf("association closed during transfer: client %d/%d sent %d/%d received (%v), server %d/%d sent %d/%d received (%v)",
			c.next, len(c.out), c.ngot, len(c.in), c.lostErr, sv.next, len(sv.out), sv.ngot, len(sv.in), sv.lostErr)
	}
	initiator, responder := c, sv
	if s.serverCloses {
		initiator, responder = sv, c
	}
	initiator.assoc.shutdown(s.sim.Now())
	s.sim.Flush()
	err = s.sim.Run(func() bool { return failed() || (closed(c) && closed(sv)) }, maxVirtual, maxEvents)
	if err2 := s.verdict(err, "shutdown"); err2 != nil {
		return err2
	}
	if !s.strict && responder.lost == 1 && responder.shutdownComp == 0 && responder.lostAfterPeerClosed && errors.Is(responder.lostErr, ErrAborted) {
		s.benignAborts++
		responder.lost, responder.shutdownComp = 0, 1
	}
	if s.allowFailure && (c.lost != 0 || sv.lost != 0) {
		return s.failureOutcome(maxVirtual, maxEvents)
	}
	// A slow reader reads only when its side has an event; after
	// SHUTDOWN_COMPLETE no more come, yet what the stack received and
	// acknowledged stays readable (as a kernel socket's receive queue does
	// after the peer closed): the reader reads the rest now, as a real
	// application reads to EOF. Without this, messages the stack held were
	// counted missing (seeds 216 and 760 of 800).
	for _, p := range []*simPeer{c, sv} {
		p.readPerEvent = 0
		p.app(s.sim.Now())
	}
	if err := s.verdict(nil, "shutdown"); err != nil {
		return err
	}
	for _, p := range []*simPeer{c, sv} {
		if err := p.abandonOutcome(); err != nil {
			return err
		}
		if p.ngot+p.abandonedMissing() != len(p.in) {
			return fmt.Errorf("%s: graceful shutdown completed with %d of %d messages received (%d abandoned)", p.name, p.ngot, len(p.in), p.abandonedMissing())
		}
		if p.up != 1 || p.shutdownComp != 1 || p.lost != 0 {
			return fmt.Errorf("%s: %d COMM_UP, %d SHUTDOWN_COMP, %d other closes (%v); want 1, 1, 0", p.name, p.up, p.shutdownComp, p.lost, p.lostErr)
		}
		if n := p.ep.associations(); n != 0 {
			return fmt.Errorf("%s: %d associations left after shutdown", p.name, n)
		}
	}
	return nil
}

// abandonOutcome checks the messages of in the peer reported abandoned
// (simPeer.abandonOK): none reported never sent yet delivered; those
// reported after being sent and delivered anyway are counted.
func (p *simPeer) abandonOutcome() error {
	q := p.other
	if q == nil || !q.abandonOK {
		return nil
	}
	for id, rep := range q.failed {
		if !errors.Is(rep.Err, ErrMessageAbandoned) || int(id) >= len(p.gotten) || !p.gotten[id] {
			continue
		}
		if rep.Unsent {
			return fmt.Errorf("%s: message %d delivered but reported abandoned unsent: %v", q.name, id, rep)
		}
		q.abandonedDelivered++
	}
	return nil
}

// failureOutcome checks a run that ended in an association failure: both
// ends reach CLOSED (bounded), and every message each side queued was
// delivered exactly once or reported failed, none silently lost.
func (s *simScenario) failureOutcome(maxVirtual time.Duration, maxEvents int) error {
	c, sv := s.client, s.server
	s.failedOutcome = true
	closed := func(p *simPeer) bool { return p.assoc == nil || p.assoc.currentState() == stateClosed }
	err := s.sim.Run(func() bool { return c.failure != nil || sv.failure != nil || (closed(c) && closed(sv)) }, maxVirtual, maxEvents)
	if err2 := s.verdict(err, "failure"); err2 != nil {
		return err2
	}
	if !closed(c) || !closed(sv) {
		return fmt.Errorf("after an association failure: client %v, server %v, want both CLOSED", c.assoc.currentState(), sv.assoc.currentState())
	}
	// What a side's stack received and acknowledged stays readable after
	// the failure (as a kernel socket's receive queue does): a slow reader
	// reads the rest now. Such a message was delivered, not lost; its
	// sender rightly does not report it (RFC 9260 §6.2: SACKed data is the
	// receiver's).
	for _, p := range []*simPeer{c, sv} {
		p.readPerEvent = 0
		p.app(s.sim.Now())
	}
	for _, p := range []*simPeer{c, sv} {
		q := p.other
		for id := 0; id < p.next; id++ {
			delivered := q.gotten[id]
			rep, reported := p.failed[uint32(id)]
			switch {
			case !delivered && !reported:
				return fmt.Errorf("%s: message %d neither delivered nor reported failed (silently lost); %s lost: %v", p.name, id, p.name, p.lostErr)
			case delivered && reported && rep.Unsent:
				return fmt.Errorf("%s: message %d delivered but reported never sent: %v", p.name, id, rep)
			}
		}
		if n := p.ep.associations(); n != 0 {
			return fmt.Errorf("%s: %d associations left after the failure", p.name, n)
		}
	}
	return nil
}

func (s *simScenario) verdict(runErr error, phase string) error {
	c, sv := s.client, s.server
	if c.failure != nil {
		return c.failure
	}
	if sv.failure != nil {
		return sv.failure
	}
	if runErr != nil {
		st := func(p *simPeer) string {
			if p.assoc == nil {
				return "no association"
			}
			as := p.assoc.stats()
			return fmt.Sprintf("%v (sent %d/%d, received %d/%d, lost=%v; cwnd=%d peerRwnd=%d flight=%d rto=%v T3=%d fast=%d)",
				p.assoc.currentState(), p.next, len(p.out), p.ngot, len(p.in), p.lostErr, as.Cwnd, as.PeerRwnd, as.FlightSize, as.RTO, as.T3Retransmits, as.FastRetransmits)
		}
		return fmt.Errorf("%s: %w; client %s; server %s; network %v", phase, runErr, st(c), st(sv), s.sim.Stats())
	}
	return nil
}

// TestSimPeerCheckerDetectsViolations shows that the property test's
// receiver-side checks can fail: duplicates, reordering within a stream,
// corruption, wrong stream and unknown messages are all reported.
func TestSimPeerCheckerDetectsViolations(t *testing.T) {
	in := []simMsg{{stream: 1, size: 10}, {stream: 1, size: 20}, {stream: 2, size: 5, unordered: true}}
	msg := func(id uint32) inMessage {
		m := in[id]
		return inMessage{stream: m.stream, ppid: id, unordered: m.unordered, data: simPayload(nil, id, m.size)}
	}
	cases := []struct {
		name string
		feed func(p *simPeer)
		ok   bool
	}{
		{"in order", func(p *simPeer) { p.check(msg(0)); p.check(msg(1)); p.check(msg(2)) }, true},
		{"unordered first", func(p *simPeer) { p.check(msg(2)); p.check(msg(0)); p.check(msg(1)) }, true},
		{"duplicate", func(p *simPeer) { p.check(msg(0)); p.check(msg(0)) }, false},
		{"reordered", func(p *simPeer) { p.check(msg(1)); p.check(msg(0)) }, false},
		{"corrupt", func(p *simPeer) { m := msg(0); m.data[3] ^= 1; p.check(m) }, false},
		{"truncated", func(p *simPeer) { m := msg(1); m.data = m.data[:19]; p.check(m) }, false},
		{"wrong stream", func(p *simPeer) { m := msg(0); m.stream = 2; p.check(m) }, false},
		{"unknown", func(p *simPeer) { m := msg(0); m.ppid = 7; p.check(m) }, false},
	}
	for _, c := range cases {
		p := newSimPeer("test", nil, nil, in)
		c.feed(p)
		if (p.failure == nil) != c.ok {
			t.Errorf("%s: failure = %v, want ok=%v", c.name, p.failure, c.ok)
		}
	}
}
