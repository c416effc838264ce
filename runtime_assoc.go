package sctp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// One association is held by three objects, one per layer, each pointing
// to the one below:
//
//	association (engine, association.go)   its protocol state; sans-IO,
//	    ↑ assocHandle.a                       touched by the loop only
//	assocHandle (runtime, this file)       the loop's side: the queue of
//	    ↑ assocEntry.a                        deliveries, pending sends, the
//	                                          fast send path's view
//	assocEntry (socket, socket_api.go)     the socket's side: its owner
//	                                          (Peeloff moves it), state from
//	                                          events, autoclose, the pump
//
// Socket and Conn reach an association only through its entry, the entry
// only through the handle's methods, and the handle's methods reach the
// association only as the endpoint's owner (runtime_owner.go).
//
// A message has one form per direction below the API. Out: the socket
// layer turns (data, SndInfo) into the engine's outMessage once
// (SndInfo.message); the handle's pending queue and the loop hand that same
// value to association.send. In: the loop turns the engine's inMessage
// into a delivery once (runner.drain), and the handle's queue and the
// socket's receive queue both hold deliveries; the entry's pump moves them
// from one to the other as they are (it only turns an AssocChange's causes
// into an *AbortError, assocEntry.track). The pump stays a goroutine
// because it is where the socket's receive buffer pushes back: it blocks
// while the socket queue is full, so the handle's queue fills, the loop
// stops draining the association and the peer's window closes (RFC 9260
// §6.2); the loop itself must never block on a reader. It also fixes the
// order in which a one-to-many socket's associations interleave, applies
// the socket's event subscriptions and read shutdown, and follows the
// entry to a peeled-off socket.

// delivery is one item of an association's input, in arrival order:
// either a notification (ev non-nil; msg nil, info zero) or a complete user
// message with its metadata. It is the one inbound form above the engine:
// the handle's queue (below) and the socket's receive queue
// (socket_queue.go) hold it alike, so the pump between them moves it
// unchanged. The runtime fills every field but off.
type delivery struct {
	from  netip.AddrPort // the peer: primary IP (unmapped) + SCTP port
	assoc AssocID
	// msg is the message; it belongs to the receiver. Handing it back
	// with rec.recycle once copied out lets the runner reuse the buffer.
	msg  []byte
	info SndRcvInfo   // the message's metadata (zero for a notification)
	ev   Event        // non-nil: a notification
	off  int          // bytes of msg already returned by partial SCTPRecv reads
	rec  *assocHandle // where msg can be recycled once copied out (nil: keep)
	// partial: msg is a part of a larger message and more parts follow
	// (partial delivery, RFC 6458 §8.1.21): read without MSG_EOR.
	partial bool
}

// size is what d counts against a queue's byte limit: a message by its
// length not yet read, a notification by eventSize.
func (d *delivery) size() int {
	if d.ev != nil {
		return eventSize(d.ev)
	}
	return len(d.msg) - d.off
}

// assocHandle is the user handle of one association. It is safe for concurrent
// use: every operation is executed by the runner's loop goroutine, and
// blocking calls wait on the handle's notification channels.
type assocHandle struct {
	r         *runner
	a         *association // used by the loop goroutine only
	id        AssocID
	peer      netip.AddrPort // peer IP + remote UDP encapsulation port at setup
	localPort uint16
	peerPort  uint16

	// wantWritable: a sender found the send buffer full (on the fast
	// path, or the engine said so on the synchronous one) and waits for
	// writable (guarded by mu).
	wantWritable bool
	tok          leaseToken // what a send holding the read lease waits for (runtime_lease.go)

	// Loop-owned.
	released   bool
	evDropped  uint64 // droppable events discarded: queue over its byte limit
	dirty      bool   // in r.dirty
	progressed bool   // the association handled a datagram or timeout this pass
	wantDrain  bool   // in r.drainReq (guarded by r.opsMu)
	// A message the association hands out in pieces (partial delivery,
	// inMessage.partial) is joined here and delivered whole.
	joining   bool
	retireErr error       // why it closed, while waiting in runner.retiring
	final     *AssocStats // the counters when the association ended (statusStats after the end)
	joinHdr   delivery    // the joined message's metadata
	join      []byte

	mu     sync.Mutex
	q      []delivery
	head   int
	bytes  int
	closed bool  // the association reached CLOSED; q holds its last items
	err    error // why it closed
	up     bool  // CommUp or Restart seen

	// Asynchronous send path (guarded by mu). While sfast is set (the
	// association is established; published by the loop with its
	// negotiated limits and send-buffer use), trySend copies a message
	// that passes the checks below into pend and returns at once; the loop
	// moves pend into the association in order (runner.sendPending).
	// sEng + pendBytes never exceeds sBuf, and the engine's use only
	// shrinks between two publications, so the engine accepts every
	// pending message unless the association left ESTABLISHED meanwhile
	// (then the message is reported by a SendFailed event).
	sfast     bool
	sOut      uint16       // negotiated outbound streams
	sMax      int          // largest message
	sBuf      int          // send buffer bytes
	sEng      int          // bytes the engine's send buffer held when published
	sPR       bool         // PR-SCTP negotiated (fastPolicy)
	sBacklog  atomic.Bool  // the engine holds unsent messages behind DATA in flight (sendLimits.backlog); written under mu
	pend      []outMessage // data: pooled copies (runner.msgs)
	pendSpare []outMessage
	pendBytes int // charge of pend: data + sendMsgOverhead per message

	// sink takes a message straight into the socket's receive queue while
	// the pump waits on an empty q (nextSink; guarded by mu).
	sink func([]delivery) int

	readable chan struct{} // 1-slot: q may be non-empty or closed
	writable chan struct{} // 1-slot: send buffer may have room
	upCh     chan struct{} // closed at CommUp
	gone     chan struct{} // closed when the association is CLOSED
	upOnce   sync.Once
}

func (r *runner) newHandle(a *association, peer netip.AddrPort, localPort, peerPort uint16) *assocHandle {
	h := &assocHandle{
		r: r, a: a, id: a.id(), peer: peer, localPort: localPort, peerPort: peerPort,
		readable: make(chan struct{}, 1),
		writable: make(chan struct{}, 1),
		upCh:     make(chan struct{}),
		gone:     make(chan struct{}),
	}
	r.handles[h.id] = h
	return h
}

// push appends an item (called by the loop). size counts against the
// queue's byte limit.
func (h *assocHandle) push(d delivery, size int) {
	if ac, ok := d.ev.(AssocChange); ok && (ac.State == CommUp || ac.State == Restart) {
		h.upOnce.Do(func() { close(h.upCh) })
	}
	h.mu.Lock()
	h.pushLocked(d, size)
	h.mu.Unlock()
	signal(h.readable)
}

// pushLocked appends d stamped with the association it belongs to (h.mu
// held).
func (h *assocHandle) pushLocked(d delivery, size int) {
	if h.head > 0 && h.head == len(h.q) {
		clear(h.q)
		h.q = h.q[:0]
		h.head = 0
	}
	h.stamp(&d)
	h.q = append(h.q, d)
	h.bytes += size
}

// stamp sets the association a delivery belongs to.
func (h *assocHandle) stamp(d *delivery) {
	d.from, d.assoc = h.peerSCTPAddr(), h.id
	if d.ev == nil {
		d.info.AssocID = h.id
	}
}

// message returns the delivery of m without its data (loop only): the
// metadata of the message, ready for a buffer from the runner's pool.
func (h *assocHandle) message(m *inMessage) delivery {
	d := delivery{rec: h, info: SndRcvInfo{Stream: m.stream, SSN: m.ssn, PPID: m.ppid, TSN: m.tsn}}
	if m.unordered {
		d.info.Flags = MSG_UNORDERED
	}
	return d
}

// pushEvent queues an event (called by the loop), charged eventSize bytes
// against the queue's byte limit (RecvQueueBytes). An event that is not
// essential (see essentialEvent) and does not fit is discarded and counted:
// a peer flooding ERROR chunks while the user does not read cannot grow
// the queue without bound (hostile input stays bounded). Essential events always queue.
func (h *assocHandle) pushEvent(ev Event, limit int) bool {
	size := eventSize(ev)
	if !essentialEvent(ev) {
		h.mu.Lock()
		full := h.head < len(h.q) && h.bytes+size > limit
		h.mu.Unlock()
		if full {
			h.evDropped++
			return false
		}
	}
	if directEvent(ev) {
		h.pushDirect(delivery{ev: ev}, size) // runtime_direct.go
		return true
	}
	h.push(delivery{ev: ev}, size)
	return true
}

// eventSize is what a queued event counts against a receive queue's byte
// limit: a fixed overhead plus the bytes it references.
func eventSize(ev Event) int {
	n := 64
	switch e := ev.(type) {
	case RemoteError:
		n += len(e.Info)
	case AssocChange:
		n += len(e.Causes)
	case SendFailed:
		n += len(e.Data)
	}
	return n
}

// essentialEvent reports whether ev must never be dropped: association
// state changes (AssocChange, including the final one; Accepted; the
// peer's SHUTDOWN) and SendFailed, which hands the user back its own
// unsent data and is bounded by the send buffer. The rest (RemoteError,
// PeerAddrChange, SenderDry, ...) can be triggered by the peer at will
// and is dropped when the queue is full.
func essentialEvent(ev Event) bool {
	switch ev.(type) {
	case AssocChange, accepted, ShutdownEvent, SendFailed:
		return true
	}
	return false
}

func (h *assocHandle) queued() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bytes
}

// assocID returns the association's identifier.
func (h *assocHandle) assocID() AssocID { return h.id }

// localSCTPPort returns our SCTP port.
func (h *assocHandle) localSCTPPort() uint16 { return h.localPort }

// peerSCTPPort returns the peer's SCTP port.
func (h *assocHandle) peerSCTPPort() uint16 { return h.peerPort }

// peerAddr returns the peer's primary IP address with the remote UDP
// encapsulation port used when the association was set up.
func (h *assocHandle) peerAddr() netip.AddrPort { return h.peer }

// runner returns the runner that owns the association.
func (h *assocHandle) runner() *runner { return h.r }

// ended is closed when the association has reached CLOSED (after a graceful
// shutdown, an abort, a failure, or runner.close). Items already queued
// can still be read with next.
func (h *assocHandle) ended() <-chan struct{} { return h.gone }

// endErr returns why the association closed: nil while open, ErrClosed after
// a graceful shutdown, else the failure (ErrAborted, ErrAssociationFailed,
// errEndpointClosed, ...).
func (h *assocHandle) endErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// waitEstablished blocks until the handshake completed (nil), the
// association failed to start or closed (its error), or ctx ends.
func (h *assocHandle) waitEstablished(ctx context.Context) error {
	select {
	case <-h.upCh:
		return nil
	default:
	}
	h.r.lease.needReader() // the handshake's packets (runtime_lease.go)
	select {
	case <-h.upCh:
		return nil
	case <-h.gone:
		select {
		case <-h.upCh:
			return nil
		default:
		}
		if err := h.endErr(); err != nil && !errors.Is(err, ErrClosed) {
			return err
		}
		return fmt.Errorf("%w: association did not start", ErrClosed)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// next returns the next item (message or event) in order, blocking until
// one arrives or ctx ends. After the association closed and every item was
// returned it fails with an error matching io.EOF and endErr().
func (h *assocHandle) next(ctx context.Context) (delivery, error) { return h.nextSink(ctx, nil) }

// nextSink is next for the one consumer that can take messages directly
// (the socket's pump): while it waits on an empty queue, sink is parked
// in the handle and the runner hands a new message to sink instead of
// queueing it (pushMsgs, runtime_direct.go). Taking an item unparks it,
// so a message never overtakes one queued before it.
func (h *assocHandle) nextSink(ctx context.Context, sink func([]delivery) int) (delivery, error) {
	for {
		h.mu.Lock()
		if h.head < len(h.q) {
			h.sink = nil
			d := h.q[h.head]
			h.q[h.head] = delivery{}
			h.head++
			wasFull := h.bytes >= h.r.cfg.RecvQueueBytes
			h.bytes -= d.size()
			more := h.head < len(h.q)
			closed := h.closed
			h.mu.Unlock()
			if more {
				signal(h.readable)
			}
			if wasFull && !closed {
				// Room again: let the loop move more messages out
				// of the association (and reopen its window).
				h.r.requestDrain(h)
			}
			return d, nil
		}
		if h.closed {
			h.sink = nil
			err := h.err
			h.mu.Unlock()
			return delivery{}, &endOfAssocError{err}
		}
		h.sink = sink
		h.mu.Unlock()
		select {
		case <-h.readable:
		case <-ctx.Done():
			h.mu.Lock()
			h.sink = nil
			h.mu.Unlock()
			return delivery{}, ctx.Err()
		}
	}
}

// endOfAssocError is returned by next after the last item: it matches
// io.EOF and the association's close reason.
type endOfAssocError struct{ err error }

func (e *endOfAssocError) Error() string {
	if e.err == nil {
		return "sctp: association closed"
	}
	return e.err.Error()
}

func (e *endOfAssocError) Is(target error) bool { return target == io.EOF }
func (e *endOfAssocError) Unwrap() error        { return e.err }

// recv returns the next message, copying it into buf; events are skipped
// (use next to see them). If buf is too small the message is truncated and
// the error is io.ErrShortBuffer with n = len(buf).
func (h *assocHandle) recv(ctx context.Context, buf []byte) (int, delivery, error) {
	for {
		d, err := h.next(ctx)
		if err != nil {
			return 0, d, err
		}
		if d.ev != nil {
			continue
		}
		n := copy(buf, d.msg)
		full := len(d.msg)
		h.recycle(d.msg)
		d.msg = nil
		if n < full {
			return n, d, io.ErrShortBuffer
		}
		return n, d, nil
	}
}

// recycle hands a delivery's msg back for reuse; b must not be used
// afterwards.
func (h *assocHandle) recycle(b []byte) { h.r.msgs.Put(b) }

// trySend queues a message without blocking; errSendBufferFull when the send
// buffer is full. m.data is copied.
func (h *assocHandle) trySend(m outMessage) error {
	switch h.trySendFast(m) {
	case fastQueued:
		return nil
	case fastFull:
		return errSendBufferFull
	}
	o := h.r.getOp()
	o.kind, o.h, o.msg = opSend, h, m
	err := h.r.submit(o)
	if err == nil {
		err = o.err
	}
	h.r.putOp(o)
	if errors.Is(err, errSendBufferFull) {
		return errSendBufferFull // the bare sentinel: callers compare with ==
	}
	return err
}

// send is sendUntil with ctx alone.
func (h *assocHandle) send(ctx context.Context, m outMessage) error {
	return h.sendUntil(ctx, m, nil, nil, nil)
}

// sendUntil queues a message, blocking while the send buffer is full until
// there is room, the association closes, ctx ends, closing closes
// (errSendClosed) or deadline closes (errSendDeadline). The last two are
// the socket's channels, waited on directly so that a blocked send needs
// no helper goroutine (no allocation per blocked message); nil channels
// never fire. data is copied. Other errors: ErrNotEstablished,
// ErrShuttingDown, ErrClosed/ErrAborted (wrapped with the reason),
// ErrInvalidArgument-like engine errors (message too large, invalid
// stream), errEndpointClosed, ctx.Err().
func (h *assocHandle) sendUntil(ctx context.Context, m outMessage, closing, deadline <-chan struct{}, leaseOK func() bool) error {
	for {
		err := h.trySend(m)
		if err != errSendBufferFull {
			return err
		}
		if leaseOK != nil && ctx.Done() == nil && leaseOK() && h.r.leaseWrite(h, closing, leaseOK) {
			// It read a batch of SACKs itself (runtime_lease.go), or
			// was woken: try again, unless the socket is closing.
			if isClosed(closing) {
				return errSendClosed
			}
			continue
		}
		h.r.lease.needReader() // SACKs free the buffer (runtime_lease.go)
		select {
		case <-h.writable:
		case <-h.gone:
		case <-ctx.Done():
			return ctx.Err()
		case <-closing:
			return errSendClosed
		case <-deadline:
			return errSendDeadline
		}
	}
}

// errSendClosed and errSendDeadline: assocHandle.send returned because
// its closing or deadline channel closed.
var (
	errSendClosed   = errors.New("send: socket closing")
	errSendDeadline = errors.New("send: deadline")
)

// pendMax bounds the messages pending in one handle: enough for several
// full write batches per loop wake-up, few enough that their pooled
// buffers are recycled instead of allocated (the runner's pool keeps
// msgPoolIdle bytes of idle buffers). A sender beyond it takes the
// synchronous path, which first moves the pending messages into the
// association.
const pendMax = 128

// pendMaxMessage is the largest message the fast path takes. A larger one
// fills dozens of packets by itself, so the synchronous path batches it as
// well, and the extra copy into the handle measurably cost throughput
// (BenchmarkRuntimeTransfer/64KiB: about 600 MB/s synchronous, 500 MB/s
// through the pending queue).
const pendMaxMessage = 16 << 10

// trySendFast queues m, with a copy of its data, in the handle's pending
// queue when the
// association is established, the message passes the checks the engine
// would make (non-empty, not over the maximum message size, a negotiated
// stream) and it fits the send buffer with everything already queued.
// Otherwise it reports false and trySend takes the synchronous path,
// which reports the error (or errSendBufferFull) exactly as the engine does.
func (h *assocHandle) trySendFast(m outMessage) fastResult {
	n := len(m.data)
	h.mu.Lock()
	if !h.sfast || n == 0 || n > h.sMax || n > pendMaxMessage || m.stream >= h.sOut || len(h.pend) >= pendMax ||
		!fastPolicy(&m, h.sPR) {
		h.mu.Unlock()
		return fastNo
	}
	if queued := h.sEng + h.pendBytes; queued+n+sendMsgOverhead > h.sBuf {
		if queued == 0 {
			// The engine takes one message larger than the buffer
			// when nothing is queued: its verdict, on the slow path.
			h.mu.Unlock()
			return fastNo
		}
		// Full, with data queued whose SACKs will free room: wait for
		// writable (afterEvent) without a round trip to the owner.
		h.wantWritable = true
		h.mu.Unlock()
		return fastFull
	}
	b := h.r.msgs.Get(n)
	copy(b, m.data)
	m.data = b
	first := len(h.pend) == 0
	idle := h.sEng == 0
	h.pend = append(h.pend, m)
	h.pendBytes += n + sendMsgOverhead
	if first && h.sBacklog.Load() {
		// The engine has messages waiting behind DATA in flight: this
		// one cannot leave before the next SACK (or timer) lets them go,
		// and the pass that handles it takes the pending messages too
		// (passLocked). No wake-up of the loop goroutine: in a bulk
		// transfer that wake-up, a thread hand-off per batch on another
		// core, cost more than the protocol work (bench/README.md,
		// "The write lease"). Queued under h.mu, so the
		// pass that publishes the end of the backlog sees the request.
		h.r.queueSend(h)
		h.mu.Unlock()
		h.r.own.lazy.Add(1)
		return fastQueued
	}
	h.mu.Unlock()
	if first {
		// A non-empty queue already has a request in flight (or the loop
		// is taking it right now and will see this message too).
		if idle {
			// Nothing queued or in flight: the message leaves from this
			// goroutine if the owner is free (latency path,
			// runtime_owner.go). With data in flight it waits for the
			// loop, which moves many messages per pass into full
			// write batches.
			h.r.sendNow(h)
		} else {
			h.r.requestSend(h)
		}
	}
	return fastQueued
}

// fastResult is trySendFast's verdict.
type fastResult uint8

const (
	fastNo     fastResult = iota // not for the fast path: the synchronous path decides
	fastQueued                   // queued in the handle
	fastFull                     // the send buffer is full: wait for writable
)

// fastPolicy reports whether m's PR-SCTP policy is one the engine
// accepts without fail or eviction (RTX, TTL > 0 with PR-SCTP
// negotiated); the others take the synchronous path, which reports the
// engine's verdict (ErrNotSupported, ErrInvalidArgument) or evicts lower
// priorities (SCTP_PR_SCTP_PRIO).
func fastPolicy(m *outMessage, prsctp bool) bool {
	switch m.prPolicy {
	case SCTP_PR_SCTP_NONE:
		return true
	case SCTP_PR_SCTP_RTX:
		return prsctp && m.ttl == 0
	case SCTP_PR_SCTP_TTL:
		return prsctp && m.ttl == 0 && m.prValue > 0
	}
	return false
}

// takeWritable takes a pending wake-up for blocked senders, or reports
// that the association is gone (leaseWrite: stop reading, try again).
func (h *assocHandle) takeWritable() bool {
	select {
	case <-h.writable:
		return true
	case <-h.gone:
		return true
	default:
		return false
	}
}

// wakeWriters signals blocked senders: parked on writable, or reading the
// UDP socket under the read lease.
func (h *assocHandle) wakeWriters() {
	signal(h.writable)
	h.r.lease.kick(&h.tok)
	h.r.lease.wokeWriter(h)
}

// writableDue reports whether a sender waits for send buffer space
// (loop only; the association made progress), and clears the mark.
func (h *assocHandle) writableDue() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	due := h.wantWritable
	h.wantWritable = false
	return due
}

// publishLocked refreshes the fast send path's view of the association
// (loop only, h.mu held).
func (h *assocHandle) publishLocked() {
	if h.closed || h.a == nil || h.r.handles[h.id] != h {
		h.sfast = false
		return
	}
	l := h.a.sendLimits()
	if !l.established {
		h.sfast = false
		return
	}
	h.sfast = true
	h.sOut, h.sMax, h.sBuf, h.sEng = l.outStreams, l.maxMessage, l.sndBuf, l.queued
	h.sPR = l.prsctp
	h.sBacklog.Store(l.backlog)
}

func (h *assocHandle) publish() {
	h.mu.Lock()
	h.publishLocked()
	h.mu.Unlock()
}

// failPendingLocked turns the messages still pending in the handle into
// SendFailed events (never transmitted: Unsent) queued for the reader, as
// the engine reports the unsent data of a closing association (h.mu held).
func (h *assocHandle) failPendingLocked(err error) {
	for i := range h.pend {
		m := &h.pend[i]
		ev := unsentFailure(h.id, m, err)
		h.pushLocked(delivery{ev: ev}, eventSize(ev))
		h.pend[i] = outMessage{}
	}
	h.pend = h.pend[:0]
	h.pendBytes = 0
}

// unsentFailure is the SendFailed event that hands a pending message the
// association never took back to the user (never transmitted: Unsent).
func unsentFailure(id AssocID, m *outMessage, err error) SendFailed {
	return SendFailed{ID: id, Stream: m.stream, PPID: m.ppid, Context: m.context, Unsent: true, Data: m.data, Err: err}
}

func (h *assocHandle) sendOnLoop(now time.Time, m outMessage) error {
	h.r.sendPending(now, h)
	if h.a == nil || h.r.handles[h.id] != h {
		return h.closedErr()
	}
	err := h.a.send(now, m)
	h.mu.Lock()
	if errors.Is(err, errSendBufferFull) {
		h.wantWritable = true
	}
	h.publishLocked()
	h.mu.Unlock()
	return err
}

// shutdown starts a graceful shutdown (RFC 9260 §9.2): queued data is
// still delivered, then SHUTDOWN is exchanged. It does not wait; Done is
// closed when the association is CLOSED.
func (h *assocHandle) shutdown() error {
	// publish at once: a send right after Shutdown returns must not take
	// the fast path (RFC 9260 §9.2: no new data once shutdown began).
	return h.do(func(a *association, now time.Time) { a.shutdown(now); h.publish() })
}

// abort aborts the association (RFC 9260 §9.1) with a User-Initiated abort
// cause carrying reason.
func (h *assocHandle) abort(reason string) error {
	return h.do(func(a *association, now time.Time) { a.abort(now, reason) })
}

// release tells the runner nobody will read this association any more:
// undelivered and future messages are discarded (events still queue).
func (h *assocHandle) release() error {
	err := h.r.do(func(time.Time) {
		h.released = true
		h.r.markDirty(h)
	})
	h.mu.Lock()
	for i := h.head; i < len(h.q); i++ {
		if h.q[i].msg != nil {
			h.bytes -= len(h.q[i].msg)
			h.q[i].msg = nil
		}
	}
	h.mu.Unlock()
	return err
}

// stats returns the association's counters.
func (h *assocHandle) stats() (AssocStats, error) {
	var s AssocStats
	err := h.do(func(a *association, now time.Time) {
		s = a.stats()
		s.EventsDropped = h.evDropped
	})
	return s, err
}

// do runs fn on the loop goroutine with the live association; ErrClosed
// (wrapped with the reason) if it is gone. The socket API uses it for
// options that touch association state.
func (h *assocHandle) do(fn func(a *association, now time.Time)) error {
	var closed bool
	err := h.r.do(func(now time.Time) {
		if h.r.handles[h.id] != h || h.a == nil {
			closed = true
			return
		}
		h.r.sendPending(now, h)
		if h.r.handles[h.id] != h || h.a == nil {
			closed = true
			return
		}
		h.r.markDirty(h)
		h.r.core.poke(h.a) // fn may change state without a user operation (options)
		fn(h.a, now)
	})
	if err != nil {
		return err
	}
	if closed {
		return h.closedErr()
	}
	return nil
}

// closedErr is the error of operations on a closed association: ErrClosed,
// wrapping the reason it closed.
func (h *assocHandle) closedErr() error {
	if e := h.endErr(); e != nil && !errors.Is(e, ErrClosed) {
		return joinErr(ErrClosed, e)
	}
	return ErrClosed
}
