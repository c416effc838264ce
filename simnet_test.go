package sctp

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
)

// This file is the one virtual network of the sans-IO tests: a sans-IO
// endpoint as a simnet.Sim node (simEndpoint), and two of them on one Sim
// (endpointPair) with helpers to run until a condition holds, bounded in
// virtual time and events, and to drop chosen datagrams.

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
	_, chunks, err := ParsePacket(pkt)
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
	pn.sim.Run(pn.advanced, time.Hour, 1)
	return true
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
		if a, ok := ev.(Accepted); ok {
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
	pn.runUntil("handshake", func() bool { return client.currentState() == StateEstablished && pn.accepted() != nil })
	server = pn.accepted()
	if server.currentState() != StateEstablished {
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
