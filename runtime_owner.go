package sctp

import (
	"sync"
	"sync/atomic"
	"time"
)

// The latency path (issue 16): the endpoint is owned by whichever
// goroutine holds runner.own.mu, not by one fixed goroutine.
//
//	reader ──(batch of ≤ inlineBatchMax, loop caught up)──▶ runs the pass itself
//	       └─(bigger batch, or batches still queued)──▶ rx ──▶ loop goroutine
//	caller ──(send on an idle association, owner free)──▶ runs the pass itself
//	       ├─(messages wait behind DATA in flight)──▶ pending queue; the next pass takes it
//	       └─(otherwise)──▶ pending queue + wake ──▶ loop goroutine
//	loop goroutine: the timer, ops that found the owner busy, ICMP, close
//
// The engine stays sans-IO and single-owner: every touch of the core, the
// handles' loop-owned fields and the write batch happens under own.mu, so
// at any instant one goroutine is the owner; which goroutine that is does
// not matter to the engine. A "pass" (passLocked) is what the loop did
// after each event: deliver events and messages to the handles, flush the
// write batch, re-arm the ONE timer to the core's earliest deadline.
//
// The read lease (runtime_lease.go) removes the last hand-off on the
// receive side: a receive that would park reads the socket itself.
//
// What it saves per message (1-byte ping-pong, Conn): the receive side
// went reader → loop → per-association pump → reader of the Conn (three
// goroutine hand-offs); now the reader goroutine runs the pass and, when
// the pump is parked on an empty queue, pushes the message straight into
// the socket's receive queue (entryDirect), waking the user: one hand-off.
// The send side went caller → loop (one hand-off, then the loop's write);
// on an idle association the caller now writes the datagram itself.
//
// Lock order: own.mu is taken blocking only by the reader and loop
// goroutines while they hold no other lock; user goroutines only TryLock
// it (they may hold a socket's mu, e.g. Listen calling runner.listen), so
// no cycle can form. Under own.mu the pass takes handle, queue and pool
// locks as the loop always did; the direct delivery takes the entry's and
// socket's locks with TryLock only and falls back to the pump.

// inlineBatchMax is the largest read batch the reader handles itself. A
// full batch means the socket is busy (bulk transfer): the reader hands it
// to the loop goroutine and reads the next one meanwhile, so reading and
// protocol work overlap on two cores as before.
const inlineBatchMax = 8

// ownerState is the owner lock of a runner and what only its holder uses.
type ownerState struct {
	mu   sync.Mutex
	dead bool // finish ran: nobody may run a pass any more
	// armedAt is the deadline the timer is armed for (zero: stopped); a
	// pass re-arms the timer only when the core's deadline moved.
	armedAt time.Time
	// handoff counts batches the reader queued on rx that the loop
	// goroutine has not handled yet; the reader handles a batch itself only
	// when it is zero, so datagrams are processed in the order read.
	handoff atomic.Int32
	// inline counts passes run by a reader or a caller instead of the
	// loop goroutine (tests: the latency path is taken).
	inlineRx, inlineTx atomic.Uint64
	// direct counts messages handed straight to a parked pump's socket
	// queue (runtime_direct.go).
	direct atomic.Uint64
	// lazy counts send requests queued without waking the loop goroutine
	// (trySendFast with a backlog).
	lazy atomic.Uint64
}

// passLocked finishes an event (own.mu held): deliveries, output, and the
// one timer armed to the core's earliest deadline.
func (r *runner) passLocked(now time.Time) {
	// Send requests queued without a wake-up (queueSend) ride on
	// whatever pass comes next: typically the reader's, on a SACK.
	r.runSends(now)
	r.afterEvent(now)
	if r.sendsNeedWake() {
		// Queued while this pass ran, before the publish that ended the
		// backlog: the loop goroutine takes it.
		signal(r.wake)
	}
	d := r.core.deadline()
	if d.IsZero() {
		if !r.own.armedAt.IsZero() {
			r.timer.Stop()
			r.own.armedAt = time.Time{}
		}
		return
	}
	if !d.Equal(r.own.armedAt) {
		r.timer.Reset(d.Sub(now))
		r.own.armedAt = d
	}
}

// takeBatch hands a batch the reader read to the protocol: handled right
// here when it is small and nothing read earlier waits for the loop
// goroutine, else queued for the loop. False when the runner is done.
func (r *runner) takeBatch(b *rxBatch) bool { return r.takeBatchMax(b, inlineBatchMax) }

// takeBatchMax is takeBatch with the largest batch handled in place.
// A user goroutine reading under the lease (runtime_lease.go) handles any
// batch itself: it would only wait meanwhile, and handing the batch to the
// loop goroutine is the hand-off the lease exists to avoid.
func (r *runner) takeBatchMax(b *rxBatch, max int) bool {
	if b.n <= max && r.own.handoff.Load() == 0 {
		r.own.mu.Lock()
		if r.own.dead {
			r.own.mu.Unlock()
			return false
		}
		r.handleBatch(b)
		r.passLocked(time.Now())
		r.own.mu.Unlock()
		r.own.inlineRx.Add(1)
		return true
	}
	r.own.handoff.Add(1)
	select {
	case r.rx <- b:
		return true
	case <-r.done:
		return false
	}
}

// runOpsInline runs the queued operations on the calling goroutine when
// the owner is free (submit: the op then completes before submit waits).
func (r *runner) runOpsInline() {
	if !r.own.mu.TryLock() {
		signal(r.wake)
		return
	}
	if r.own.dead {
		r.own.mu.Unlock()
		signal(r.wake)
		return
	}
	now := time.Now()
	r.runOps(now)
	r.passLocked(now)
	r.own.mu.Unlock()
}

// sendNow moves h's pending messages into its association and writes
// what it can send from the calling goroutine when the owner is free;
// otherwise the loop goroutine does it (requestSend).
func (r *runner) sendNow(h *assocHandle) {
	if r.own.mu.TryLock() {
		if !r.own.dead {
			now := time.Now()
			r.sendPending(now, h)
			r.passLocked(now)
			r.own.mu.Unlock()
			r.own.inlineTx.Add(1)
			return
		}
		r.own.mu.Unlock()
	}
	r.requestSend(h)
}

// loop is the owner of last resort: it runs what found the owner busy
// (batches on rx, operations and send requests after a wake), the timer
// and the close.
func (r *runner) loop() {
	var fatal error
	defer func() {
		r.own.mu.Lock()
		r.finish(fatal)
		r.own.dead = true
		r.own.mu.Unlock()
	}()
	r.own.mu.Lock()
	r.passLocked(time.Now())
	r.own.mu.Unlock()
	for {
		select {
		case b := <-r.rx:
			r.own.mu.Lock()
			r.handleBatch(b)
			r.own.handoff.Add(-1)
			// Take what else is already waiting, bounded, before the
			// replies are flushed (more bundling, bigger write batches).
			for i := 0; i < 3; i++ {
				select {
				case b := <-r.rx:
					r.handleBatch(b)
					r.own.handoff.Add(-1)
					continue
				default:
				}
				break
			}
			r.passLocked(time.Now())
			r.own.mu.Unlock()
		case <-r.wake:
			r.own.mu.Lock()
			now := time.Now()
			r.drainICMP(now)
			r.runOps(now)
			r.passLocked(now)
			r.own.mu.Unlock()
		case <-r.timer.C:
			r.own.mu.Lock()
			r.own.armedAt = time.Time{}
			now := time.Now()
			r.core.handleTimeout(now)
			r.passLocked(now)
			r.own.mu.Unlock()
		case err := <-r.readErr:
			fatal = err
			return
		case <-r.closing:
			return
		}
	}
}
