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

// pushMsg queues the message delivery d (loop side, own.mu held), or hands
// it to the parked consumer's sink.
func (h *assocHandle) pushMsg(d delivery) { h.pushDirect(d, len(d.msg)) }

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

// pushDirect queues d (charged size) or hands it to the parked consumer's
// sink (loop side, own.mu held).
func (h *assocHandle) pushDirect(d delivery, size int) {
	h.mu.Lock()
	if sink := h.sink; sink != nil && h.head == len(h.q) && !h.closed {
		// The pump has moved every earlier item on and waits: nothing
		// queued can be overtaken. Only the owner produces items, and we
		// are it, so the queue stays empty while the lock is dropped.
		h.mu.Unlock()
		d.from, d.assoc = h.peerSCTPAddr(), h.id
		if d.ev == nil {
			d.info.AssocID = h.id
		}
		if sink(d) {
			h.r.own.direct.Add(1)
			return
		}
		h.mu.Lock()
	}
	h.pushLocked(d, size)
	h.mu.Unlock()
	signal(h.readable)
}

// direct is the pump's sink: it does for one message or notification
// what the pump does (read shutdown, event subscriptions, autoclose
// activity, push into the owner socket's queue), but with TryLock only,
// since it runs on the endpoint's owner, which must never wait on a socket
// lock (a user goroutine may hold one while it waits for the owner).
// False: the pump takes the item.
func (e *assocEntry) direct(d delivery) bool {
	if !e.mu.TryLock() {
		return false
	}
	s := e.owner
	if !s.mu.TryLock() {
		e.mu.Unlock()
		return false
	}
	if s.rdShut {
		s.mu.Unlock()
		e.mu.Unlock()
		return false // the pump discards it
	}
	if d.ev != nil && !s.opts.events.wants(d.ev) {
		s.mu.Unlock()
		e.mu.Unlock()
		return true // not subscribed: discarded, as the pump does
	}
	s.mu.Unlock()
	ok := s.rq.tryPush(d)
	e.mu.Unlock()
	if ok && d.ev == nil && s.autoOn.Load() {
		e.lastActive.Store(time.Now().UnixNano())
	}
	return ok
}
