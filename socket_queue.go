package sctp

import (
	"sync"
	"sync/atomic"
)

// recvQueue is a socket's receive queue: a FIFO of deliveries (the items
// of runtime_assoc.go, as the pumps take them from the handles) bounded in
// bytes (the receive buffer, SO_RCVBUF). Producers (the per-association
// pumps) wait on space() while it is full, which leaves messages in the
// association and so closes the peer's window (RFC 9260 §6.2 a_rwnd):
// flow control reaches the peer. A single item larger than the limit is
// still accepted when the queue is empty, so no message is ever stuck.
//
// Consumers wait on ready(), producers on space(); both are
// capacity-one notification channels re-armed while the condition holds,
// so any number of goroutines may wait.
type recvQueue struct {
	mu    sync.Mutex
	items []delivery // items[head:] are queued
	head  int
	bytes int
	limit int
	rd    chan struct{} // signalled when items are available
	sp    chan struct{} // signalled when space is available
	// lease is the runner whose read lease a receive on this queue may
	// hold (runtime_lease.go): a push or wake-up kicks the holder out of
	// the UDP read. nil: none.
	lease *readLease
	tok   leaseToken // what a receive holding the lease waits for
	// wakes counts wakeReader calls. A receive notes it before it looks
	// at the queue and its socket's state; under the read lease it then
	// stops waiting when the count moved (wokenSince), since a wake-up
	// made between its look and its wait kicks nobody (runtime_lease.go).
	wakes atomic.Uint64
}

// wakeCount is the number of wake-ups so far (see wakes).
func (q *recvQueue) wakeCount() uint64 { return q.wakes.Load() }

// wokenSince reports whether the queue was woken since wakeCount gave n.
func (q *recvQueue) wokenSince(n uint64) bool { return q.wakes.Load() != n }

// wakeReader signals a receive waiting on the queue: parked on ready(),
// or blocked reading the UDP socket under the read lease.
func (q *recvQueue) wakeReader() {
	q.wakes.Add(1) // before the kick: a receive not yet waiting sees it
	signal(q.rd)
	if q.lease != nil {
		q.lease.kick(&q.tok)
	}
}

func newRecvQueue(limit int) *recvQueue {
	return &recvQueue{limit: limit, rd: make(chan struct{}, 1), sp: make(chan struct{}, 1)}
}

// ready returns the channel signalled when an item may be available.
func (q *recvQueue) ready() <-chan struct{} { return q.rd }

// space returns the channel signalled when room may be available.
func (q *recvQueue) space() <-chan struct{} { return q.sp }

// setLimit changes the byte limit (SO_RCVBUF).
func (q *recvQueue) setLimit(n int) {
	q.mu.Lock()
	q.limit = n
	q.mu.Unlock()
	signal(q.sp)
}

// tryPush appends it unless the queue is full; it reports whether it did.
// Messages and notifications both count against the limit; only essential
// notifications (state changes, SendFailed: essentialEvent) are accepted
// beyond it, so a peer flooding ERROR chunks cannot grow the queue without
// bound — the pump blocks instead and the excess is dropped upstream.
func (q *recvQueue) tryPush(it delivery) bool { return q.push(it, false) }

// tryPushAll is tryPush for the items of its, from the front, under one
// lock and with one wake-up; it returns how many it took.
func (q *recvQueue) tryPushAll(its []delivery) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := 0
	for k < len(its) && q.appendLocked(&its[k], false) {
		k++
	}
	if k > 0 {
		q.pushed()
	}
	return k
}

// push appends it; force accepts it beyond the limit (Peeloff moving
// items that were already accepted by another queue).
func (q *recvQueue) push(it delivery, force bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.appendLocked(&it, force) {
		return false
	}
	q.pushed()
	return true
}

// appendLocked appends it unless the queue holds something and it would
// go over the limit (droppable items only; force: never) (q.mu held).
func (q *recvQueue) appendLocked(it *delivery, force bool) bool {
	n := len(q.items) - q.head
	if !force && (it.ev == nil || !essentialEvent(it.ev)) && n > 0 && q.bytes+it.size() > q.limit {
		return false
	}
	if q.head > 0 && q.head == len(q.items) {
		q.items = q.items[:0]
		q.head = 0
	}
	q.items = append(q.items, *it)
	q.bytes += it.size()
	return true
}

// pushed wakes a reader after items were appended, and passes the
// wake-up on to another waiting producer while there is room (q.mu held).
func (q *recvQueue) pushed() {
	q.wakeReader()
	if q.bytes < q.limit {
		signal(q.sp)
	}
}

// pop removes and returns the first item (ok false when empty). If it is a
// message longer than maxlen (maxlen >= 0), only its next maxlen bytes are
// returned, the rest stays at the front, and eor is false; otherwise eor
// is true (for notifications too).
func (q *recvQueue) pop(maxlen int) (delivery, bool, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		return delivery{}, false, false
	}
	it := &q.items[q.head]
	if it.ev == nil && maxlen >= 0 && len(it.msg)-it.off > maxlen {
		// Partial read: return maxlen bytes and keep the rest queued
		// (RFC 6458 §3.1.4: MSG_EOR only on the last piece).
		part := *it
		part.msg = it.msg[it.off : it.off+maxlen]
		it.off += maxlen
		it.rec = nil // part.msg aliases the buffer: never recycle it
		q.bytes -= maxlen
		signal(q.sp)
		signal(q.rd)
		return part, false, true
	}
	out := *it
	out.msg = it.msg[it.off:]
	q.bytes -= it.size()
	q.items[q.head] = delivery{}
	q.head++
	if q.head < len(q.items) {
		signal(q.rd)
	}
	signal(q.sp)
	return out, !out.partial, true // a part of a partial delivery: no MSG_EOR
}

// popInto copies the first item's next bytes into buf and removes them
// (SCTPRecvInto). For a message it returns the item (msg nil: the bytes
// are in buf[:n]) and eor: true when the message ended, false when it was
// longer than buf and the rest stays at the front (RFC 6458 §3.1.4: MSG_EOR
// only on the last piece). A finished message's buffer goes back to the
// runner's pool, so a steady stream of messages allocates nothing. For a
// notification n is 0 and eor true. ok is false when the queue is empty.
func (q *recvQueue) popInto(buf []byte) (d delivery, n int, eor, ok bool) {
	q.mu.Lock()
	if q.head == len(q.items) {
		q.mu.Unlock()
		return delivery{}, 0, false, false
	}
	it := &q.items[q.head]
	if it.ev == nil && len(it.msg)-it.off > len(buf) {
		// A piece: copied under the lock, the rest stays queued.
		n = copy(buf, it.msg[it.off:])
		it.off += n
		q.bytes -= n
		d = *it
		d.msg = nil
		signal(q.sp)
		signal(q.rd)
		q.mu.Unlock()
		return d, n, false, true
	}
	d = *it
	full, rec := d.msg, d.rec
	var rest []byte
	if d.ev == nil {
		rest = full[d.off:]
	}
	d.msg, d.rec = nil, nil
	q.bytes -= it.size()
	q.items[q.head] = delivery{}
	q.head++
	if q.head < len(q.items) {
		signal(q.rd)
	}
	signal(q.sp)
	q.mu.Unlock()
	// The whole (rest of the) message fits: copied outside the lock, so
	// the pump filling the queue does not wait for the copy (the item is
	// no longer queued; it is ours).
	n = copy(buf, rest)
	if rec != nil && full != nil {
		rec.recycle(full) // copied out: the runner reuses the buffer
	}
	return d, n, true, true
}

// frontLen returns the remaining length of the first item's message, and
// whether the first item is a data message; ok is false when empty.
func (q *recvQueue) frontLen() (n int, isData, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		return 0, false, false
	}
	it := &q.items[q.head]
	return len(it.msg) - it.off, it.ev == nil, true
}

// take removes and returns every queued item of association id, in order
// (used by Peeloff to move them to the new socket).
func (q *recvQueue) take(id AssocID) []delivery {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []delivery
	keep := q.items[:q.head]
	for _, it := range q.items[q.head:] {
		if it.assoc == id {
			out = append(out, it)
			q.bytes -= it.size()
		} else {
			keep = append(keep, it)
		}
	}
	for i := len(keep); i < len(q.items); i++ {
		q.items[i] = delivery{}
	}
	q.items = keep
	if len(out) > 0 {
		signal(q.sp)
	}
	return out
}

// len returns the number of queued items.
func (q *recvQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}
