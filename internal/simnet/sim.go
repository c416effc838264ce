package simnet

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"time"
)

// Node is a sans-IO participant of a Sim, for example a sans-IO SCTP endpoint.
//
// HandleDatagram must not retain b after it returns. AppendDatagram appends
// the next datagram to send to b and returns it with its destination; ok ==
// false means nothing to send now. Deadline returns the earliest time at which
// the node wants HandleTimeout, or the zero time for none.
type Node interface {
	HandleDatagram(now time.Time, from netip.AddrPort, b []byte)
	HandleTimeout(now time.Time)
	Deadline() time.Time
	AppendDatagram(now time.Time, b []byte) (pkt []byte, to netip.AddrPort, ok bool)
}

// Errors returned by Sim.Run. They are wrapped with the virtual time and event
// count at which Run stopped; test them with errors.Is.
var (
	ErrMaxTime   = errors.New("simnet: virtual time limit reached")
	ErrMaxEvents = errors.New("simnet: event limit reached")
	ErrIdle      = errors.New("simnet: idle (no datagram in flight, no deadline) before the condition held")
)

// Epoch is the virtual time at which every Sim starts (the same instant at
// which testing/synctest bubbles start).
var Epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

type eventKind uint8

const (
	evDeliver eventKind = iota
	evFunc
)

type event struct {
	at   int64  // virtual ns since Epoch
	seq  uint64 // insertion order breaks ties: deterministic
	kind eventKind
	from netip.AddrPort
	to   netip.AddrPort
	buf  []byte
	link *linkState
	fn   func()
}

type simNode struct {
	addr     netip.AddrPort
	n        Node
	deadline int64 // cached Deadline(), noDeadline if none
}

const noDeadline = int64(1<<63 - 1)

// Sim is a discrete-event network simulator with virtual time. It delivers
// datagrams between Nodes through the impairment model of LinkConfig, calls
// HandleTimeout when a node's deadline passes, and polls AppendDatagram after
// every event until the node has nothing more to send. It runs entirely in
// the calling goroutine and is deterministic for a given seed: nodes are
// visited in the order they were added, and events at the same virtual time
// run in the order they were scheduled, deliveries before timeouts.
//
// A Sim caches each node's Deadline and polls a node's output only after an
// event for that node. Code that changes a node from outside an event (a test
// sending a message between Run calls) must call Flush (or Kick) afterwards.
type Sim struct {
	f      fabric
	now    int64
	seq    uint64
	events []event
	nodes  []simNode
	byAddr map[netip.AddrPort]int32
	nev    uint64 // events processed
	free   [17][][]byte
	out    []byte // scratch buffer handed to AppendDatagram
}

// NewSim returns an empty simulation at virtual time Epoch whose randomness
// derives from seed.
func NewSim(seed uint64) *Sim {
	return &Sim{
		f:      newFabric(seed),
		byAddr: make(map[netip.AddrPort]int32),
		out:    make([]byte, 0, MaxDatagram),
	}
}

// AddNode attaches n at addr. Datagrams sent to addr are delivered to n, and
// datagrams n sends come from addr.
func (s *Sim) AddNode(addr netip.AddrPort, n Node) error {
	if !addr.IsValid() {
		return fmt.Errorf("simnet: invalid node address %v", addr)
	}
	if _, dup := s.byAddr[addr]; dup {
		return fmt.Errorf("simnet: address %v already in use", addr)
	}
	s.byAddr[addr] = int32(len(s.nodes))
	s.nodes = append(s.nodes, simNode{addr: addr, n: n, deadline: noDeadline})
	s.refresh(len(s.nodes) - 1)
	return nil
}

// Now is the current virtual time.
func (s *Sim) Now() time.Time { return Epoch.Add(time.Duration(s.now)) }

// Elapsed is the virtual time since Epoch.
func (s *Sim) Elapsed() time.Duration { return time.Duration(s.now) }

// Events is the number of events processed so far.
func (s *Sim) Events() uint64 { return s.nev }

// SetDefaultLink sets the configuration of links without their own.
func (s *Sim) SetDefaultLink(cfg LinkConfig) { s.f.def = cfg }

// SetLink gives the directional link from → to its own configuration.
func (s *Sim) SetLink(from, to netip.AddrPort, cfg LinkConfig) { s.f.setLink(from, to, cfg) }

// ClearLink makes from → to use the default configuration again.
func (s *Sim) ClearLink(from, to netip.AddrPort) { s.f.clearLink(from, to) }

// SetPartition cuts (on) or restores the directional link from → to.
// Datagrams already in flight are still delivered.
func (s *Sim) SetPartition(from, to netip.AddrPort, on bool) { s.f.setPartition(from, to, on) }

// SetMaxInFlight bounds the bytes in flight over the whole simulation;
// datagrams beyond it are dropped (DropQueue).
func (s *Sim) SetMaxInFlight(bytes int64) { s.f.maxInFlight = bytes }

// SetTap installs fn (nil removes it) to observe every datagram.
func (s *Sim) SetTap(fn TapFunc) { s.f.tap = fn }

// SetFilter installs fn (nil removes it) to drop chosen datagrams.
func (s *Sim) SetFilter(fn FilterFunc) { s.f.filter = fn }

// Stats returns the totals over all links.
func (s *Sim) Stats() Stats { return s.f.total }

// LinkStats returns the statistics of from → to, kept only for links with
// their own state (SetLink, SetPartition, or a default bandwidth cap).
func (s *Sim) LinkStats(from, to netip.AddrPort) Stats { return s.f.linkStats(from, to) }

// At schedules fn at virtual time Epoch+t (now, if that is in the past); use
// it to script link changes. fn runs between events and may call any Sim
// method except Run.
func (s *Sim) At(t time.Duration, fn func()) {
	s.push(event{at: max(int64(t), s.now), kind: evFunc, fn: fn})
}

// After schedules fn d after the current virtual time.
func (s *Sim) After(d time.Duration, fn func()) { s.At(time.Duration(s.now)+d, fn) }

// Inject sends b from → to through the link model as if a node at from had
// sent it; from need not be a node. b is copied.
func (s *Sim) Inject(from, to netip.AddrPort, b []byte) {
	s.send(from, to, b)
}

// Kick polls node i (in AddNode order) for output and refreshes its deadline.
func (s *Sim) Kick(i int) {
	s.poll(i)
	s.refresh(i)
}

// Flush polls every node for output and refreshes every cached deadline.
func (s *Sim) Flush() {
	for i := range s.nodes {
		s.Kick(i)
	}
}

// Run processes events until until() reports true (checked before the first
// event and after every event), and returns nil then. It returns an error
// wrapping ErrMaxTime when the next event lies more than maxVirtualTime past
// the virtual time at which Run was called (the clock stops at that limit),
// ErrMaxEvents after maxEvents events, and ErrIdle when nothing is left to do.
// A nil until runs until idle and returns nil then. Run starts with Flush.
func (s *Sim) Run(until func() bool, maxVirtualTime time.Duration, maxEvents int) error {
	limit := s.now + int64(maxVirtualTime)
	if maxVirtualTime < 0 || limit < s.now {
		limit = noDeadline
	}
	s.Flush()
	for n := 0; ; n++ {
		if until != nil && until() {
			return nil
		}
		if n >= maxEvents {
			return fmt.Errorf("%w: %d events, virtual time %v", ErrMaxEvents, n, s.Elapsed())
		}
		next, ti := s.next()
		if next == noDeadline {
			if until == nil {
				return nil
			}
			return fmt.Errorf("%w: %d events, virtual time %v", ErrIdle, n, s.Elapsed())
		}
		if next > limit {
			s.now = max(s.now, limit)
			return fmt.Errorf("%w: %d events, virtual time %v", ErrMaxTime, n, s.Elapsed())
		}
		s.now = max(s.now, next)
		s.nev++
		if ti < 0 {
			s.step(s.pop())
			continue
		}
		nd := &s.nodes[ti]
		nd.n.HandleTimeout(s.Now())
		s.poll(ti)
		s.refresh(ti)
	}
}

// next returns the virtual time of the next event and, if it is a node's
// deadline, the node's index (else -1); noDeadline when idle. At equal
// times deliveries and scheduled functions come before timeouts.
func (s *Sim) next() (next int64, node int) {
	next, node = noDeadline, -1
	if len(s.events) > 0 {
		next = s.events[0].at
	}
	for i := range s.nodes {
		if d := s.nodes[i].deadline; d < next {
			next, node = d, i
		}
	}
	return next, node
}

// Next returns the virtual time of the next event Run would process (a
// delivery, a scheduled function or a node's deadline), or the zero time
// when nothing is pending. Node deadlines are those cached at the nodes'
// last event (see Flush). A Run until Next is after Now settles every
// exchange at the current instant without advancing the clock.
func (s *Sim) Next() time.Time {
	next, _ := s.next()
	if next == noDeadline {
		return time.Time{}
	}
	return Epoch.Add(time.Duration(next))
}

func (s *Sim) step(ev event) {
	switch ev.kind {
	case evFunc:
		ev.fn()
	case evDeliver:
		i, ok := s.byAddr[ev.to]
		if !ok {
			s.f.droppedLate(ev.link, len(ev.buf), DropNoRoute)
			s.tap(TapDrop, ev.from, ev.to, ev.buf)
			s.release(ev.buf)
			return
		}
		s.f.delivered(ev.link, len(ev.buf))
		s.tap(TapDeliver, ev.from, ev.to, ev.buf)
		s.nodes[i].n.HandleDatagram(s.Now(), ev.from, ev.buf)
		s.release(ev.buf)
		s.poll(int(i))
		s.refresh(int(i))
	}
}

func (s *Sim) tap(dir TapDir, from, to netip.AddrPort, b []byte) {
	if s.f.tap != nil {
		s.f.tap(s.Now(), dir, from, to, b)
	}
}

// poll drains node i's output. The node's datagrams are bounded per event by
// what the node itself bounds; a node that never returns ok == false would
// loop forever, which is a bug in the node.
func (s *Sim) poll(i int) {
	nd := &s.nodes[i]
	for {
		pkt, to, ok := nd.n.AppendDatagram(s.Now(), s.out[:0])
		if !ok {
			return
		}
		s.send(nd.addr, to, pkt)
	}
}

func (s *Sim) refresh(i int) {
	nd := &s.nodes[i]
	d := nd.n.Deadline()
	if d.IsZero() {
		nd.deadline = noDeadline
		return
	}
	nd.deadline = int64(d.Sub(Epoch))
}

func (s *Sim) send(from, to netip.AddrPort, pkt []byte) {
	s.tap(TapSend, from, to, pkt)
	if len(pkt) > MaxDatagram {
		s.f.total.Sent++
		s.f.total.Dropped[DropMTU]++
		s.tap(TapDrop, from, to, pkt)
		return
	}
	if s.f.filtered(from, to, pkt) {
		s.tap(TapDrop, from, to, pkt)
		return
	}
	delays, n, _, l := s.f.plan(s.now, from, to, len(pkt))
	if n == 0 {
		s.tap(TapDrop, from, to, pkt)
		return
	}
	for c := 0; c < n; c++ {
		buf := append(s.alloc(len(pkt)), pkt...)
		s.push(event{at: s.now + delays[c], kind: evDeliver, from: from, to: to, buf: buf, link: l})
	}
}

// alloc returns an empty pooled buffer with room for n bytes.
func (s *Sim) alloc(n int) []byte {
	c := sizeClass(n)
	if fl := s.free[c]; len(fl) > 0 {
		b := fl[len(fl)-1]
		s.free[c] = fl[:len(fl)-1]
		return b[:0]
	}
	return make([]byte, 0, 1<<(c+6))
}

func (s *Sim) release(b []byte) {
	if cap(b) < 64 {
		return
	}
	c := bits.Len(uint(cap(b))) - 7 // cap is 1<<(c+6)
	if c < 0 || c >= len(s.free) || cap(b) != 1<<(c+6) {
		return
	}
	s.free[c] = append(s.free[c], b)
}

// sizeClass is the smallest c with 1<<(c+6) >= n (64 B .. 4 MiB).
func sizeClass(n int) int {
	if n <= 64 {
		return 0
	}
	return bits.Len(uint(n-1)) - 6
}

// Event heap: a binary min-heap on (at, seq), kept by hand to avoid the
// interface boxing of container/heap.

func (s *Sim) less(i, j int) bool {
	a, b := &s.events[i], &s.events[j]
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

func (s *Sim) push(ev event) {
	ev.seq = s.seq
	s.seq++
	s.events = append(s.events, ev)
	i := len(s.events) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s.events[i], s.events[p] = s.events[p], s.events[i]
		i = p
	}
}

func (s *Sim) pop() event {
	h := s.events
	ev := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = event{}
	s.events = h[:last]
	h = s.events
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return ev
}

// LinkStep is one change of a scripted link trace (see Sim.Script).
type LinkStep struct {
	At       time.Duration  // virtual time since Epoch at which the step applies
	From, To netip.AddrPort // the directional link; both zero: the default link
	Config   LinkConfig     // the link's configuration from At on
	// Partitioned cuts the link from At on (ignored for the default link).
	Partitioned bool
}

// Script schedules a link trace: each step replaces its link's configuration
// and partition state at its time.
func (s *Sim) Script(steps []LinkStep) {
	for _, st := range steps {
		st := st
		s.At(st.At, func() {
			if !st.From.IsValid() && !st.To.IsValid() {
				s.SetDefaultLink(st.Config)
				return
			}
			s.SetLink(st.From, st.To, st.Config)
			s.SetPartition(st.From, st.To, st.Partitioned)
		})
	}
}
