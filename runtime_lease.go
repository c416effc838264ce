package sctp

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// The read lease (issue 16, latency path, second step; runtime_owner.go is
// the first). The UDP socket is read by whoever holds lease.role: the
// reader goroutine by default, or a user goroutine that is about to wait
// in a receive (Conn.Read, SCTPRecv, SCTPRecvInto) on an empty queue. Such
// a goroutine reads the socket itself and handles the batch exactly as
// the reader goroutine would (takeBatch: inline under own.mu, or handed
// to the loop); when its own message arrives it returns it without any
// goroutine hand-off. In a request/response exchange the netpoller then
// wakes the goroutine that wants the data, as it does for a plain UDP
// socket, instead of waking the reader goroutine, which wakes the user
// (each wake of a parked goroutine while a P is idle also wakes an OS
// thread: runtime.ready → wakep). bench/README.md (issue 16, read lease)
// has the before/after numbers.
//
//	reader goroutine ──holds role──▶ ReadBatch ─▶ takeBatch ─▶ (yield?) ─┐
//	      ▲                                                            │
//	      └── lease.wake (users parked), lease.timer (leaseIdle) ◀─────┘
//	user in Read, queue empty ──TryLock role──▶ ReadBatch ─▶ handle in place ─▶ re-check its queue
//	                          └─(taken)──▶ want = its queue; park as before
//	user in Write, buffer full ──TryLock role──▶ ReadBatch (SACKs) ─▶ handle in place ─▶ send again
//	                           └─(taken)──▶ wantW = its association; park on writable
//
// The write side (leaseWrite) is the same idea for a bulk sender: with a
// full send buffer it reads the SACKs itself, and the pass it runs moves
// its pending messages into the association (queueSend: no wake-up of the
// loop goroutine while a backlog carries them). Writer, reader and loop
// goroutines on two cores used to hand each SACK's work around; now one
// goroutine writes, reads and sends. The reader goroutine yields the role
// to a send it woke (wokeWriter), as it does to a receive.
//
// The reader goroutine gives the role up after a batch only when a user
// that found it taken (want) now has something to read, i.e. will be back
// in a moment (so on an idle association the first receive parks as
// before, and the lease starts with the first reply); it then sleeps until lease.wake or lease.timer. A user
// releasing the role wakes the reader goroutine at once when other users
// are parked on their queues, else arms lease.timer: if no receive takes
// the role again within leaseIdle, the reader goroutine reads again
// (someone must read for blocked writers, connects and timers' peers).
//
// A user parked in ReadBatch is woken by a past read deadline on the UDP
// socket (kick) whenever something else would have woken it on its
// queue: an item pushed by another goroutine (the loop, a pump), Close,
// Shutdown, a read deadline set meanwhile. Receives with a deadline or a
// cancellable context do not take the lease (they park as before). The
// lease needs a socket that can be interrupted (SetReadDeadline: the
// udpencap socket), one runner per stack (no shards), and is switched off
// for good after a read error seen by a user goroutine.

// leaseIdle is how long the role may stay free after a user released it
// before the reader goroutine reads again. A ping-pong's user is back
// within tens of microseconds; anything slower falls back to the reader
// goroutine, costing at most this much delay for packets that arrive
// while nobody reads.
//
// The price of the safety net is its firing: while a user keeps taking
// the role, the timer still expires once per leaseIdle and wakes the
// reader goroutine, which costs this VM one or two thread wake-ups each
// time. At 200 µs that was a wake-up every four round trips of a
// ping-pong and 7 % of its CPU (bench/README.md, "The lease timer").
// 5 ms bounds the delay only for packets nobody is reading for (the data
// a reading user waits for is read by that user): SACKs and heartbeats of
// an association whose user went away, which the RFC already lets wait
// far longer (RFC 9260 §6.2: SACK.Delay 200 ms; RTO.Min here 200 ms). A
// goroutine about to wait for such packets (a blocked send, a handshake,
// a shutdown) wakes the reader at once (needReader), and a release while
// other receives are parked hands the role over at once (release).
const leaseIdle = 5 * time.Millisecond

// leaseIdleNow is leaseIdle, unless a test made the hand-back slow to be
// deterministic (slowLeaseHandBack).
var leaseIdleNow = func() *atomic.Int64 {
	var v atomic.Int64
	v.Store(int64(leaseIdle))
	return &v
}()

// readDeadliner is a socket whose blocked ReadBatch a past read deadline
// interrupts (udpencap.Conn).
type readDeadliner interface {
	SetReadDeadline(t time.Time) error
}

type readLease struct {
	ds   readDeadliner // nil: no lease
	off  atomic.Bool   // switched off after a user saw a read error
	role sync.Mutex    // held by the goroutine in pc.ReadBatch and while it handles the batch
	// want is the queue of a user that found the role taken and parked;
	// wantW the association of a send that did.
	want  atomic.Pointer[recvQueue]
	wantW atomic.Pointer[assocHandle]
	// woken: wantW's send was woken (wokeWriter): it is about to write,
	// then wait for SACKs again, so the reader goroutine leaves it the role.
	woken atomic.Bool
	// waiting is what the user goroutine blocked in ReadBatch waits for:
	// its receive queue's token, or its association's (a blocked send).
	waiting atomic.Pointer[leaseToken]
	// kicked: a past read deadline may be set; reset it before reading.
	kicked atomic.Bool
	// parked counts user goroutines parked on their queues.
	parked atomic.Int32
	wake   chan struct{} // the reader goroutine takes the role at once
	timer  *time.Timer   // the reader goroutine's safety net (leaseIdle)
	// released is when a user last gave the role up (monotonic ns since
	// epoch); armed: the timer is pending. A release only records the
	// time and arms the timer when it is not pending already; the reader
	// goroutine, woken by it, re-arms it for the rest of leaseIdle after
	// a later release (armIdle, idleLeft). Resetting the timer on every
	// release cost a thread wake-up per round trip: a timer moved while
	// no thread sits in the netpoller makes the runtime start one
	// (wakeNetPoller → wakep).
	released atomic.Int64
	armed    atomic.Bool
	epoch    time.Time

	userReads, writeReads, yields, kicks atomic.Uint64 // counters (tests): batches read by receives, by sends
	// testHookWait, when set (tests, before the goroutines that read),
	// runs in leaseBatch just before the wait is published.
	testHookWait func()
}

func (l *readLease) init(pc packetConn) {
	if ds, ok := socketOf(pc).(readDeadliner); ok {
		l.ds = ds
	}
	l.wake = make(chan struct{}, 1)
	l.epoch = time.Now()
	l.timer = time.NewTimer(time.Hour)
	l.timer.Stop()
}

func (l *readLease) enabled() bool { return l.ds != nil && !l.off.Load() }

// readLease returns the runner's read lease for a socket's queue, nil
// when its UDP socket cannot be interrupted (no lease).
func (r *runner) readLease() *readLease {
	if r.lease.ds == nil {
		return nil
	}
	return &r.lease
}

// park counts a receive parked on its queue (d = 1) or woken (d = −1).
func (l *readLease) park(d int32) { l.parked.Add(d) }

// clearKick removes a past read deadline a kick may have left.
func (l *readLease) clearKick() {
	if l.kicked.Swap(false) {
		_ = l.ds.SetReadDeadline(time.Time{})
	}
}

// leaseToken names what a user goroutine holding the lease waits for (a
// receive queue, or an association's send buffer space), so that only the
// events that concern it interrupt its read.
type leaseToken struct{ _ byte }

// kick interrupts the user goroutine blocked in ReadBatch on behalf of t,
// if there is one: t has something for it, or it must return.
func (l *readLease) kick(t *leaseToken) {
	if l == nil || l.ds == nil || t == nil || l.waiting.Load() != t {
		return
	}
	l.kicked.Store(true)
	l.kicks.Add(1)
	_ = l.ds.SetReadDeadline(time.Unix(1, 0))
}

// kickAny interrupts whichever user goroutine is blocked in ReadBatch (a
// socket closing: its blocked sends must return).
func (l *readLease) kickAny() {
	if l == nil || l.ds == nil {
		return
	}
	if t := l.waiting.Load(); t != nil {
		l.kick(t)
	}
}

// release gives the role up (user side): the reader goroutine reads at
// once when other users wait on their queues, else after leaseIdle unless
// a receive takes the role first.
func (l *readLease) release() {
	l.role.Unlock()
	if l.parked.Load() > 0 {
		signal(l.wake)
		return
	}
	l.armIdle()
}

// releaseIdle gives the role up (a send's side): the reader goroutine
// reads again after leaseIdle unless a send or receive takes the role
// first.
func (l *readLease) releaseIdle() {
	l.role.Unlock()
	l.armIdle()
}

// armIdle starts leaseIdle from now: the reader goroutine takes the role
// when nobody took it within leaseIdle of the last release.
func (l *readLease) armIdle() {
	l.released.Store(int64(time.Since(l.epoch)))
	if l.armed.CompareAndSwap(false, true) {
		l.timer.Reset(time.Duration(leaseIdleNow.Load()))
	}
}

// idleLeft is, after the timer fired, how much of leaseIdle since the
// last release is left (> 0: the reader goroutine waits on; the timer is
// re-armed for it).
func (l *readLease) idleLeft() time.Duration {
	l.armed.Store(false)
	left := time.Duration(leaseIdleNow.Load()) - (time.Since(l.epoch) - time.Duration(l.released.Load()))
	if left > 0 && l.armed.CompareAndSwap(false, true) {
		l.timer.Reset(left)
	}
	return left
}

// needReader is a goroutine about to wait for something only incoming
// packets bring (send buffer space, a handshake): when nobody holds the
// role, the reader goroutine reads at once rather than after leaseIdle.
// A nil lease does nothing.
func (l *readLease) needReader() {
	if l == nil || l.ds == nil {
		return
	}
	if l.role.TryLock() {
		l.role.Unlock()
		signal(l.wake)
	}
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// readerAcquire is the reader goroutine taking the role before a read; it
// sleeps while a user holds it (yield: give a returning user the first
// chance). False when the runner is done.
func (r *runner) readerAcquire(yield bool) bool {
	l := &r.lease
	if yield {
		l.armIdle()
	} else if l.role.TryLock() {
		return true
	}
	for {
		select {
		case <-l.wake:
		case <-l.timer.C:
			if l.idleLeft() > 0 {
				continue // released again meanwhile: its user is likely back soon
			}
		case <-r.done:
			return false
		}
		if l.role.TryLock() {
			l.timer.Stop()
			l.armed.Store(false)
			return true
		}
	}
}

// readerYield reports, after the reader goroutine handled a batch, whether
// it should leave the role to the user that asked for it: that user's
// queue is no longer empty, so it is about to return and read again.
func (r *runner) readerYield() bool {
	l := &r.lease
	if l.woken.Swap(false) {
		// A send waiting for buffer space got it: it writes, then
		// reads the SACKs itself (leaseWrite).
		l.yields.Add(1)
		return true
	}
	q := l.want.Load()
	if q == nil || q.len() == 0 {
		return false
	}
	l.want.CompareAndSwap(q, nil)
	l.yields.Add(1)
	return true
}

// leaseRead is a receive about to park on q (closing: its socket's). It
// reads and handles one batch from the UDP socket on the calling goroutine
// when the role is free, and reports true: the caller looks at its queue
// again. False: park as before.
//
// seen is q.wakeCount() from before the caller looked at its queue and
// socket: a wake-up since then (a message, the association's end,
// Shutdown, a deadline) ends the read at once, for its kick may have come
// before this receive published its wait and so reached nobody.
func (r *runner) leaseRead(q *recvQueue, closing chan struct{}, seen uint64) bool {
	l := &r.lease
	if !l.enabled() {
		return false
	}
	if l.parked.Load() > 0 {
		// Other receives wait on their queues: the reader goroutine,
		// which reads for all of them, keeps the socket (with many
		// associations each receive taking the lease would hand it
		// back and forth; BenchmarkManyAssociations).
		return false
	}
	if !l.role.TryLock() {
		l.want.Store(q)
		return false
	}
	l.want.CompareAndSwap(q, nil)
	return r.leaseBatch(&q.tok, func() bool { return q.wokenSince(seen) || q.len() > 0 }, closing, &l.userReads, l.release)
}

// wokeWriter notes that h's blocked sends were woken; when one of them
// asked for the role (wantW), the reader goroutine yields it after its
// batch (readerYield).
func (l *readLease) wokeWriter(h *assocHandle) {
	if l.ds != nil && l.wantW.Load() == h && l.wantW.CompareAndSwap(h, nil) {
		l.woken.Store(true)
	}
}

// leaseWrite is a send about to wait for send buffer space on h (closing:
// its socket's): as leaseRead, it reads and handles one batch (the SACKs
// that free the space) on the calling goroutine when the role is free.
// In a bulk transfer the sender then runs alone — write until the buffer
// is full, read the SACKs, write again — with no goroutine hand-off per
// SACK (bench/README.md, "The write lease"). True: try the send again.
//
// Unlike a receive it takes the role also while other receives are parked
// (sctpcat connect keeps one parked for the peer's end): it is back for
// the next batch within microseconds, and the batches it handles deliver
// their messages too. So it gives the role back with the idle timer, not
// a wake-up of the reader goroutine (releaseIdle).
//
// leaseOK is the caller's test for taking the lease (no write deadline):
// a deadline set after it passed and before this send published its wait
// kicked nobody, so the send looks again before it reads.
func (r *runner) leaseWrite(h *assocHandle, closing <-chan struct{}, leaseOK func() bool) bool {
	l := &r.lease
	if !l.enabled() {
		return false
	}
	if !l.role.TryLock() {
		l.wantW.Store(h)
		return false
	}
	l.wantW.CompareAndSwap(h, nil)
	return r.leaseBatch(&h.tok, func() bool { return !leaseOK() || h.takeWritable() }, closing, &l.writeReads, l.releaseIdle)
}

// leaseBatch reads and handles one batch for a user goroutine holding the
// role, waiting for t; ready reports that t's wait is over already; reads
// counts the batches read; release gives the role back.
func (r *runner) leaseBatch(t *leaseToken, ready func() bool, closing <-chan struct{}, reads *atomic.Uint64, release func()) bool {
	l := &r.lease
	var b *rxBatch
	select {
	case b = <-r.rxFree:
	default:
		release()
		return false
	}
	l.clearKick()
	if l.testHookWait != nil {
		l.testHookWait()
	}
	l.waiting.Store(t)
	// After waiting is published, a producer either sees it (and kicks)
	// or made ready true before this check.
	if ready() || isClosed(closing) {
		l.waiting.Store(nil)
		r.rxFree <- b
		release()
		return true
	}
	n, err := r.pc.ReadBatch(b.ms)
	l.waiting.Store(nil)
	if err != nil {
		r.rxFree <- b
		if isTimeout(err) {
			l.kicked.Store(true)
			release()
			return true
		}
		// Closed or failing: the reader goroutine sees the error itself
		// and ends the runner as before; users park from now on.
		l.off.Store(true)
		l.role.Unlock()
		signal(l.wake)
		return true
	}
	b.n = n
	reads.Add(1)
	r.takeBatchMax(b, len(b.ms))
	release()
	// No runtime.Gosched here as the reader goroutine does before it
	// waits in the kernel again (runner.threadWait): this goroutine
	// returns to its caller, which looks at its queue or buffer and runs
	// on. Yielding when its wait was not over yet cost a bulk sender
	// (which reads SACKs here) about 15 % at 64 KiB, yielding always a
	// ping-pong 28 % more CPU (bench/README.md, "Waiting in the caller's
	// thread").
	return true
}
