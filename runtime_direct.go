package sctp

import "time"

// Direct delivery (issue 16, latency path; see runtime_owner.go): a
// message the runner drains from an association goes straight into the
// owning socket's receive queue, waking its reader, when the
// association's pump is parked on an empty handle queue. The pump stays
// what it was for everything else (events and their tracking, a full
// socket queue that must push back on the peer's window, RFC 9260 §6.2,
// Peeloff): anything direct delivery cannot take at once goes through
// the handle's queue and the pump, in order.

// pushMsgs queues the message deliveries ds in order (loop side, own.mu
// held), handing to the parked consumer's sink what it takes. The batch
// is one drain's worth of messages: one handle lock and one sink call
// (one socket-queue lock, one wake-up) for all of them, not one per
// message (design rule 5). ds is the caller's scratch; it is not kept.
func (h *assocHandle) pushMsgs(ds []delivery) {
	if len(ds) == 0 {
		return
	}
	h.mu.Lock()
	if sink := h.sink; sink != nil && h.head == len(h.q) && !h.closed {
		// The pump has moved every earlier item on and waits: nothing
		// queued can be overtaken. Only the owner produces items, and we
		// are it, so the queue stays empty while the lock is dropped.
		h.mu.Unlock()
		for i := range ds {
			h.stamp(&ds[i])
		}
		n := sink(ds)
		h.r.own.direct.Add(uint64(n))
		if n == len(ds) {
			return
		}
		ds = ds[n:]
		h.mu.Lock()
	}
	for i := range ds {
		h.pushLocked(ds[i], ds[i].size())
	}
	h.mu.Unlock()
	signal(h.readable)
}

// directEvent reports whether an event may take the direct path: every
// notification but the state changes the pump tracks (AssocChange: the
// entry's up/down state; accepted: runtime-internal). In a ping-pong the
// SACK that acknowledges our message makes the association SenderDry
// (RFC 6458 §6.1.9) just before the reply is drained; queueing that event
// would send the reply the slow way.
func directEvent(ev Event) bool {
	switch ev.(type) {
	case AssocChange, accepted:
		return false
	}
	return true
}

// pushDirect queues the notification d (charged size) or hands it to the
// parked consumer's sink (loop side, own.mu held).
func (h *assocHandle) pushDirect(d delivery, size int) {
	h.mu.Lock()
	if sink := h.sink; sink != nil && h.head == len(h.q) && !h.closed {
		h.mu.Unlock()
		h.stamp(&d)
		one := &h.r.one
		one[0] = d
		n := sink(one[:])
		one[0] = delivery{}
		if n == 1 {
			h.r.own.direct.Add(1)
			return
		}
		h.mu.Lock()
	}
	h.pushLocked(d, size)
	h.mu.Unlock()
	signal(h.readable)
}

// direct is the pump's sink: it does for a batch of messages, or one
// notification, what the pump does (read shutdown, event subscriptions,
// autoclose activity, push into the owner socket's queue), but with
// TryLock only, since it runs on the endpoint's owner, which must never
// wait on a socket lock (a user goroutine may hold one while it waits for
// the owner). It returns how many of ds, from the front, it took; the
// pump takes the rest, in order.
func (e *assocEntry) direct(ds []delivery) int {
	if !e.mu.TryLock() {
		return 0
	}
	s := e.owner
	if !s.mu.TryLock() {
		e.mu.Unlock()
		return 0
	}
	if s.rdShut {
		s.mu.Unlock()
		e.mu.Unlock()
		return 0 // the pump discards them
	}
	if len(ds) == 1 && ds[0].ev != nil && !s.opts.events.wants(ds[0].ev) {
		s.mu.Unlock()
		e.mu.Unlock()
		return 1 // not subscribed: discarded, as the pump does
	}
	s.mu.Unlock()
	n := s.rq.tryPushAll(ds)
	e.mu.Unlock()
	if n > 0 && ds[0].ev == nil && s.autoOn.Load() {
		e.lastActive.Store(time.Now().UnixNano())
	}
	return n
}
