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
func (h *assocHandle) pushMsg(d delivery) {
	h.mu.Lock()
	if sink := h.sink; sink != nil && h.head == len(h.q) && !h.closed {
		// The pump has moved every earlier item on and waits: nothing
		// queued can be overtaken. Only the owner produces items, and we
		// are it, so the queue stays empty while the lock is dropped.
		h.mu.Unlock()
		d.from, d.assoc = h.peerSCTPAddr(), h.id
		d.info.AssocID = h.id
		if sink(d) {
			h.r.own.direct.Add(1)
			return
		}
		h.mu.Lock()
	}
	h.pushLocked(d, len(d.msg))
	h.mu.Unlock()
	signal(h.readable)
}

// direct is the pump's sink: it does for one message what the pump does
// (read shutdown check, autoclose activity, push into the owner socket's
// queue), but with TryLock only, since it runs on the endpoint's owner,
// which must never wait on a socket lock (a user goroutine may hold one
// while it waits for the owner). False: the pump takes the message.
func (e *assocEntry) direct(d delivery) bool {
	if !e.mu.TryLock() {
		return false
	}
	s := e.owner
	if !s.mu.TryLock() {
		e.mu.Unlock()
		return false
	}
	shut := s.rdShut
	s.mu.Unlock()
	ok := !shut && s.rq.tryPush(d)
	e.mu.Unlock()
	if ok && s.autoOn.Load() {
		e.lastActive.Store(time.Now().UnixNano())
	}
	return ok
}
