package sctp

import (
	"net/netip"
	"time"
)

// Activity tracking: instead of visiting every association on every
// pass, the endpoint keeps
//
//   - touched: associations that handled a datagram or timeout (or were
//     created) since the runtime last took the list (takeTouched);
//   - active: associations that may have a packet to send; appendDatagram
//     visits only these and drops one once it has nothing to send;
//   - dlDirty + dlHeap: a min-heap of association deadlines, recomputed
//     only for associations whose state may have changed.
//
// An association's output and deadline only change when one of its state
// methods runs: on input and timeouts (the endpoint marks those) or on a
// user operation (send, shutdown, abort, readMessage, ...), whose entry
// point in association.go marks the association itself with poke. Code
// that changes association state any other way (an option setter writing
// fields) must call poke.

// assocTrack is the per-association bookkeeping of activity tracking.
type assocTrack struct {
	touched bool      // in ep.touched
	active  bool      // in ep.active
	dlDirty bool      // in ep.dlDirty
	reaped  bool      // removed from the endpoint
	hidx    int       // index in ep.dlHeap, -1 if absent
	hdl     time.Time // deadline as stored in the heap
}

// touch records that a handled input or a timeout, or was created.
func (e *endpoint) touch(a *association) {
	if !a.tr.touched {
		a.tr.touched = true
		e.touched = append(e.touched, a)
	}
	e.poke(a)
}

// poke records that a's state may have changed (a user operation ran on
// it): it may have output and its deadline may have moved.
func (e *endpoint) poke(a *association) {
	if a.tr.reaped {
		return
	}
	if !a.tr.active {
		a.tr.active = true
		e.active = append(e.active, a)
	}
	if !a.tr.dlDirty {
		a.tr.dlDirty = true
		e.dlDirty = append(e.dlDirty, a)
	}
}

// takeTouched calls fn for every association touched since the last call
// (each once, closed ones included) and empties the list.
func (e *endpoint) takeTouched(fn func(a *association)) {
	for i, a := range e.touched {
		a.tr.touched = false
		e.touched[i] = nil
		fn(a)
	}
	e.touched = e.touched[:0]
}

// forget drops a reaped association from the tracking structures.
func (e *endpoint) forget(a *association) {
	a.tr.reaped = true
	if a.tr.hidx >= 0 {
		e.heapRemove(a.tr.hidx)
	}
	if a.tr.active {
		a.tr.active = false
		for i, x := range e.active {
			if x == a {
				last := len(e.active) - 1
				e.active[i] = e.active[last]
				e.active[last] = nil
				e.active = e.active[:last]
				break
			}
		}
	}
}

// refreshDeadlines re-reads the deadline of every association marked
// dirty into the heap.
func (e *endpoint) refreshDeadlines() {
	for i, a := range e.dlDirty {
		e.dlDirty[i] = nil
		a.tr.dlDirty = false
		if a.tr.reaped {
			continue
		}
		d := a.deadline()
		switch {
		case d.IsZero():
			if a.tr.hidx >= 0 {
				e.heapRemove(a.tr.hidx)
			}
		case a.tr.hidx >= 0:
			a.tr.hdl = d
			e.heapFix(a.tr.hidx)
		default:
			a.tr.hdl = d
			a.tr.hidx = len(e.dlHeap)
			e.dlHeap = append(e.dlHeap, a)
			e.heapUp(a.tr.hidx)
		}
	}
	e.dlDirty = e.dlDirty[:0]
}

// deadline returns the earliest deadline over all associations; zero if
// none. O(dirty · log n).
func (e *endpoint) deadline() time.Time {
	e.refreshDeadlines()
	if len(e.dlHeap) == 0 {
		return time.Time{}
	}
	return e.dlHeap[0].tr.hdl
}

// handleTimeout runs the expired timers: only associations whose
// deadline has passed are visited.
func (e *endpoint) handleTimeout(now time.Time) {
	e.refreshDeadlines()
	exp := e.expired[:0]
	for len(e.dlHeap) > 0 && !now.Before(e.dlHeap[0].tr.hdl) {
		a := e.dlHeap[0]
		e.heapRemove(0)
		exp = append(exp, a)
	}
	for i, a := range exp {
		exp[i] = nil
		if a.tr.reaped {
			continue
		}
		e.touch(a) // also re-queues its deadline
		a.handleTimeout(now)
	}
	e.expired = exp[:0]
	e.reap()
}

// appendActive is the association part of appendDatagram: round robin
// over the active associations only.
func (e *endpoint) appendActive(now time.Time, b []byte) (pkt []byte, to netip.AddrPort, ok bool) {
	for len(e.active) > 0 {
		i := e.arr % len(e.active)
		a := e.active[i]
		if pkt, to, ok := a.appendPacket(now, b); ok {
			e.arr = i + 1
			e.txFrom = a
			if !a.tr.dlDirty { // sending may start timers
				a.tr.dlDirty = true
				e.dlDirty = append(e.dlDirty, a)
			}
			return pkt, to, true
		}
		a.tr.active = false
		last := len(e.active) - 1
		e.active[i] = e.active[last]
		e.active[last] = nil
		e.active = e.active[:last]
	}
	return b, netip.AddrPort{}, false
}

// Min-heap of associations by tr.hdl.

func (e *endpoint) heapLess(i, j int) bool {
	return e.dlHeap[i].tr.hdl.Before(e.dlHeap[j].tr.hdl)
}

func (e *endpoint) heapSwap(i, j int) {
	h := e.dlHeap
	h[i], h[j] = h[j], h[i]
	h[i].tr.hidx = i
	h[j].tr.hidx = j
}

func (e *endpoint) heapUp(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !e.heapLess(i, p) {
			return
		}
		e.heapSwap(i, p)
		i = p
	}
}

func (e *endpoint) heapDown(i int) bool {
	n := len(e.dlHeap)
	start := i
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && e.heapLess(r, l) {
			m = r
		}
		if !e.heapLess(m, i) {
			break
		}
		e.heapSwap(i, m)
		i = m
	}
	return i > start
}

func (e *endpoint) heapFix(i int) {
	if !e.heapDown(i) {
		e.heapUp(i)
	}
}

func (e *endpoint) heapRemove(i int) {
	last := len(e.dlHeap) - 1
	a := e.dlHeap[i]
	if i != last {
		e.heapSwap(i, last)
	}
	e.dlHeap[last] = nil
	e.dlHeap = e.dlHeap[:last]
	a.tr.hidx = -1
	if i != last {
		e.heapFix(i)
	}
}
