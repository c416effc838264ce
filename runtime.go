package sctp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/logging"
	"github.com/usctp/sctp/internal/bufpool"
	"github.com/usctp/sctp/udpencap"
)

// This file is the runtime around the sans-IO endpoint: one owner
// goroutine per runner runs the loop (the engine is sans-IO: it never reads
// the clock or starts goroutines; the runtime arms ONE timer to the core's
// earliest deadline).
//
//	reader goroutine ──batches──▶ loop ◀── ops (mutex queue + 1-slot wake)
//	                               │ ▲
//	                    WriteBatch ▼ └── time.Timer (core.deadline())
//
// The reader reads the socket into pooled batches. Whoever holds the owner
// lock (runtime_owner.go: the reader for a small batch, a sender on an
// idle association, or the loop goroutine) is the only goroutine touching
// the endpoint and its associations; the assocHandles enqueue operations
// and wait on per-association notification channels.

// msgPoolIdle bounds the idle bytes of the runner's message pool: room for
// 256 pending messages of the largest fast-path size (pendMaxMessage, 16
// KiB) twice over. Large received messages cannot crowd the small ones
// out: the pool drops idle large buffers first (internal/bufpool).
const msgPoolIdle = 8 << 20

// runnerConfig configures a runner. The zero value is usable.
type runnerConfig struct {
	// Rand is the source of verification tags, TSNs and cookie secrets;
	// nil means crypto/rand. Tests inject a seeded source.
	Rand io.Reader
	// LoggerFactory is optional; nil means pion/logging's default.
	LoggerFactory logging.LoggerFactory
	// NoOOTBAbort suppresses ABORTs for out-of-the-blue packets (RFC 9260
	// §8.4 rule 8), like usrsctp's blackhole sysctl.
	NoOOTBAbort bool
	// MaxDatagram is the receive buffer per datagram (default 9216: an
	// SCTP packet over a 1500-byte path is at most 1472 bytes, jumbo
	// frames 9000). Larger datagrams are dropped and counted in
	// Socket.Truncated. A peer that sizes packets by a loopback MTU (Linux
	// kernel SCTP on lo) needs up to udpencap.MaxDatagram, the maximum.
	MaxDatagram int
	// BatchSize is how many datagrams one read or write moves (default 32).
	BatchSize int
	// RecvQueueBytes bounds, per association, the bytes of delivered but
	// unread messages the runtime holds; beyond it messages stay in the
	// association and its receive window closes (default 256 KiB).
	RecvQueueBytes int
	// UDPOptions are passed to udpencap.Listen by newRunner.
	UDPOptions []udpencap.Option
	// Capture, if set, receives a pcap capture of every datagram read and
	// written (captureConn); newRunner wraps the socket with it.
	Capture io.Writer
	// icmp receives the socket's ICMP reports (runtime_icmp.go); newRunner
	// sets it.
	icmp *icmpInbox
	// shard, shards: the runner is one shard of a group sharing a UDP
	// port (runtime_shard.go); endpointConfig.shard.
	shard, shards uint32
}

func (c *runnerConfig) defaults() {
	if c.MaxDatagram <= 0 {
		c.MaxDatagram = 9216
	}
	if c.MaxDatagram > udpencap.MaxDatagram {
		c.MaxDatagram = udpencap.MaxDatagram
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 32
	}
	if c.RecvQueueBytes <= 0 {
		c.RecvQueueBytes = 256 << 10
	}
}

// runnerCounters are the counters the loop keeps beside the endpoint's.
type runnerCounters struct {
	eventsDropped uint64 // events over a handle's RecvQueueBytes
	writeErrors   uint64 // datagrams the socket refused
}

// runner runs an SCTP endpoint (the sans-IO endpoint, core) on one UDP
// socket (RFC 6951 §5.1: one local encapsulation port for every
// association). It is safe for concurrent use.
type runner struct {
	pc   packetConn
	cfg  runnerConfig
	core *endpoint  // owned by the holder of own.mu
	own  ownerState // the owner lock (runtime_owner.go)
	// lease lets a user goroutine about to wait in a receive read the
	// UDP socket itself (runtime_lease.go).
	lease readLease
	// threadWait: a read waits in the kernel on the calling goroutine's
	// thread, outside the netpoller (udpencap.Conn.WaitsInThread).
	threadWait bool

	// Operations from user goroutines.
	opsMu    sync.Mutex
	ops      []*op
	opsSpare []*op
	opFree   []*op
	opsDone  bool // the loop has exited; no more ops run
	// drainReq lists handles whose reader made room in a full queue
	// (assocHandle.next): the loop drains them on its next pass.
	drainReq   []*assocHandle
	drainSpare []*assocHandle
	// sendReq lists handles whose pending send queue became non-empty
	// (assocHandle.trySendFast): the loop moves their messages into the
	// associations before it runs the ops queued with them.
	sendReq   []*assocHandle
	sendSpare []*assocHandle
	wake      chan struct{}

	rx      chan *rxBatch
	rxFree  chan *rxBatch
	readErr chan error

	closing   chan struct{}
	closeOnce sync.Once
	done      chan struct{} // loop exited
	readDone  chan struct{} // reader exited

	lmu       sync.Mutex
	listeners map[uint16]*acceptQueue
	// acceptTaken: some Accept took associations off a queue; the loop
	// gives the engine the room back (endpoint_accept.go).
	acceptTaken atomic.Bool

	// Loop-owned state.
	handles  map[AssocID]*assocHandle
	timer    *time.Timer
	tx       []udpencap.Message
	txBufs   [][]byte
	txN      int            // datagrams of tx prepared but not yet written
	msgs     bufpool.Shared // received and pending message copies, handed between goroutines
	freed    [][]byte       // sendPending's buffers for msgs, given back under one lock (owner only: own.mu)
	dq       []delivery     // drain's batch of messages for one handle (owner only)
	one      [1]delivery    // pushDirect's one-notification batch (owner only)
	retiring []*assocHandle // terminal AssocChange dispatched; retired after the event queue
	counters runnerCounters // counters kept by the loop
	// dirty lists the handles afterEvent must visit: their association
	// handled a datagram or timeout, an operation ran on them, or their
	// reader made room. Per-pass work is O(active associations), not
	// O(all associations).
	dirty  []*assocHandle
	visits uint64 // handles visited by afterEvent (tests: O(active) per pass)

	readErrors atomic.Uint64 // counted by the reader goroutine

	icmp *icmpInbox  // ICMP reports from the socket (runtime_icmp.go); nil: none
	log  *leveledLog // scope sctp-runtime (logging.go)
}

type rxBatch struct {
	ms []udpencap.Message
	n  int
}

// newRunner opens a UDP socket with udpencap.Listen(network, laddr) and
// starts a runner on it. network is "udp" (dual-stack where possible),
// "udp4" or "udp6"; port 0 lets the OS choose.
func newRunner(network string, laddr netip.AddrPort, cfg runnerConfig) (*runner, error) {
	cfg.icmp = newICMPInbox()
	opts := append(cfg.UDPOptions[:len(cfg.UDPOptions):len(cfg.UDPOptions)], udpencap.WithICMPHandler(cfg.icmp.push))
	c, err := udpencap.Listen(network, laddr, opts...)
	if err != nil {
		return nil, err
	}
	var pc packetConn = c
	if cfg.Capture != nil {
		if pc, err = newCaptureConn(c, cfg.Capture); err != nil {
			c.Close()
			return nil, err
		}
	}
	return newRunnerOn(pc, cfg), nil
}

// newRunnerOn starts a runner on pc, which it owns from then on (Close
// closes it).
func newRunnerOn(pc packetConn, cfg runnerConfig) *runner {
	cfg.defaults()
	r := &runner{
		pc:  pc,
		cfg: cfg,
		core: newEndpoint(endpointConfig{
			rand:          cfg.Rand,
			loggerFactory: cfg.LoggerFactory,
			noOOTBAbort:   cfg.NoOOTBAbort,
			shard:         cfg.shard,
			shards:        cfg.shards,
		}),
		wake:      make(chan struct{}, 1),
		rx:        make(chan *rxBatch, 4),
		rxFree:    make(chan *rxBatch, 4),
		readErr:   make(chan error, 1),
		closing:   make(chan struct{}),
		done:      make(chan struct{}),
		readDone:  make(chan struct{}),
		listeners: make(map[uint16]*acceptQueue),
		handles:   make(map[AssocID]*assocHandle),
		tx:        make([]udpencap.Message, cfg.BatchSize),
		txBufs:    make([][]byte, cfg.BatchSize),
		log:       newLeveledLog(cfg.LoggerFactory, logScopeRuntime),
	}
	r.msgs.SetLimit(msgPoolIdle)
	for i := 0; i < cap(r.rxFree); i++ {
		b := &rxBatch{ms: make([]udpencap.Message, cfg.BatchSize)}
		for j := range b.ms {
			b.ms[j].Buf = make([]byte, cfg.MaxDatagram)
		}
		r.rxFree <- b
	}
	for i := range r.txBufs {
		r.txBufs[i] = make([]byte, 0, 2048)
	}
	r.timer = time.NewTimer(time.Hour)
	r.timer.Stop()
	r.lease.init(pc)
	if tw, ok := socketOf(pc).(interface{ WaitsInThread() bool }); ok {
		r.threadWait = tw.WaitsInThread()
	}
	if r.icmp = cfg.icmp; r.icmp != nil {
		r.icmp.wake = r.wake
		r.icmp.log = r.log
	}
	go r.reader()
	go r.loop()
	return r
}

// localAddr returns the UDP address the runner is bound to; its port is
// the remote encapsulation port peers must use.
func (r *runner) localAddr() netip.AddrPort { return r.pc.LocalAddr() }

// close aborts every association (sending ABORT), closes the socket and
// waits for the runner's goroutines to exit. Use assocHandle.shutdown first for
// a graceful close. A second close returns errEndpointClosed.
func (r *runner) close() error {
	err := errEndpointClosed
	r.closeOnce.Do(func() {
		close(r.closing)
		err = nil
	})
	<-r.done
	<-r.readDone
	return err
}

// ---- reader goroutine ----

func (r *runner) reader() {
	defer close(r.readDone)
	consecutive := 0
	lease := r.lease.ds != nil // runtime_lease.go
	yield := false
	for {
		var b *rxBatch
		select {
		case b = <-r.rxFree:
		case <-r.done:
			return
		}
		if lease {
			if !r.readerAcquire(yield) {
				return
			}
			r.lease.clearKick()
		}
		n, err := r.pc.ReadBatch(b.ms)
		yield = false
		if lease && err != nil {
			r.lease.role.Unlock()
			if isTimeout(err) {
				// A kick meant for a user goroutine that had just
				// left ReadBatch: read again.
				r.lease.kicked.Store(true)
				r.rxFree <- b
				continue
			}
		}
		if err != nil {
			select {
			case <-r.closing:
				return
			default:
			}
			r.rxFree <- b
			r.readErrors.Add(1)
			if isClosedErr(err) || consecutive > 100 {
				select {
				case r.readErr <- err:
				default:
				}
				return
			}
			consecutive++
			continue
		}
		consecutive = 0
		b.n = n
		// With the lease, the role is held until the batch is handled,
		// so batches are handled in the order they were read.
		ok := r.takeBatch(b) // runtime_owner.go
		if lease {
			r.lease.role.Unlock()
			yield = r.readerYield()
		}
		if !ok {
			return
		}
		if r.threadWait {
			// The goroutines this batch made runnable (the loop, receives)
			// sit in this P's run queue; a thread about to wait in the
			// kernel keeps its P (udpencap, WaitsInThread), so they would
			// wait for another thread to steal them. Let them run first:
			// BenchmarkManyAssociations at GOMAXPROCS=2 lost a third of
			// its round trips without this (bench/README.md, "Waiting in
			// the caller's thread").
			runtime.Gosched()
		}
	}
}

func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF)
}

// ---- operations ----

type opKind uint8

const (
	opFunc opKind = iota
	opSend
)

// op is one user request executed by the loop. ops are pooled so the send
// path does not allocate.
type op struct {
	kind opKind
	h    *assocHandle
	msg  outMessage // opSend
	fn   func(now time.Time)
	err  error
	dead bool // the runner closed before the op ran
	done chan struct{}
}

// getOp and putOp keep a per-runner free list of ops (not a global
// sync.Pool: each op owns a channel, and channels must stay with the
// runner that made them, e.g. inside one testing/synctest bubble).
func (r *runner) getOp() *op {
	r.opsMu.Lock()
	if n := len(r.opFree); n > 0 {
		o := r.opFree[n-1]
		r.opFree[n-1] = nil
		r.opFree = r.opFree[:n-1]
		r.opsMu.Unlock()
		return o
	}
	r.opsMu.Unlock()
	return &op{done: make(chan struct{}, 1)}
}

func (r *runner) putOp(o *op) {
	*o = op{done: o.done}
	r.opsMu.Lock()
	if len(r.opFree) < 64 {
		r.opFree = append(r.opFree, o)
	}
	r.opsMu.Unlock()
}

// submit queues o for the loop and waits until it ran. It returns
// errEndpointClosed if the loop is gone.
func (r *runner) submit(o *op) error {
	r.opsMu.Lock()
	if r.opsDone {
		r.opsMu.Unlock()
		return errEndpointClosed
	}
	r.ops = append(r.ops, o)
	r.opsMu.Unlock()
	r.runOpsInline() // or wakes the loop (runtime_owner.go)
	<-o.done
	if o.dead {
		o.dead = false
		return errEndpointClosed
	}
	return nil
}

// do runs fn on the loop goroutine with the current time and waits for it.
// fn may use the core and associations freely; it must not block.
func (r *runner) do(fn func(now time.Time)) error {
	o := r.getOp()
	o.kind, o.fn = opFunc, fn
	err := r.submit(o)
	r.putOp(o)
	return err
}

// requestSend asks the loop to move h's pending messages into its
// association (any goroutine).
func (r *runner) requestSend(h *assocHandle) {
	r.queueSend(h)
	signal(r.wake)
}

// queueSend queues h's send request for the next pass, whoever runs it,
// without waking the loop goroutine (trySendFast with a backlog).
func (r *runner) queueSend(h *assocHandle) {
	r.opsMu.Lock()
	if !r.opsDone {
		r.sendReq = append(r.sendReq, h)
	}
	r.opsMu.Unlock()
}

// runSends moves the pending messages of every handle with a send
// request into its association (owner only).
func (r *runner) runSends(now time.Time) {
	r.opsMu.Lock()
	sends := r.sendReq
	r.sendReq = r.sendSpare[:0]
	r.opsMu.Unlock()
	for i, h := range sends {
		r.sendPending(now, h)
		sends[i] = nil
	}
	r.sendSpare = sends[:0]
}

// sendsNeedWake reports whether a queued send request has no backlog to
// carry it (its association's backlog ended after it was queued): then
// no SACK or timer of that association is sure to come, and the loop
// goroutine must take it.
func (r *runner) sendsNeedWake() bool {
	r.opsMu.Lock()
	defer r.opsMu.Unlock()
	for _, h := range r.sendReq {
		if !h.sBacklog.Load() {
			return true
		}
	}
	return false
}

// sendPending hands h's pending messages to its association in order
// (loop only). A message the association refuses (it left ESTABLISHED
// after the message was accepted) is reported by a SendFailed event with
// the association's error, like the engine reports its unsent data.
func (r *runner) sendPending(now time.Time, h *assocHandle) {
	if h.a != nil && h.a.currentState() == stateClosed && r.handles[h.id] == h {
		// Closed in this pass: its terminal AssocChange is not
		// dispatched yet. The handle's retirement reports the pending
		// messages after it (failPendingLocked), in the order a reader
		// expects.
		return
	}
	h.mu.Lock()
	if len(h.pend) == 0 {
		h.mu.Unlock()
		return
	}
	batch := h.pend
	h.pend = h.pendSpare[:0]
	h.pendSpare = nil
	h.mu.Unlock()
	live := h.a != nil && r.handles[h.id] == h
	charge := 0
	for i := range batch {
		m := &batch[i]
		charge += len(m.data) + sendMsgOverhead
		var err error
		if live {
			err = h.a.send(now, *m)
		} else {
			err = h.closedErr()
		}
		if err != nil {
			ev := unsentFailure(h.id, m, err)
			h.push(delivery{ev: ev}, eventSize(ev))
		} else {
			r.freed = append(r.freed, m.data) // the association copied it
		}
		batch[i] = outMessage{}
	}
	// Design rule 5 (no lock per message): one pool lock for the batch.
	r.msgs.PutAll(r.freed)
	clear(r.freed)
	r.freed = r.freed[:0]
	h.mu.Lock()
	h.pendBytes -= charge
	h.publishLocked()
	if h.pendSpare == nil {
		h.pendSpare = batch[:0]
	}
	h.mu.Unlock()
	if live {
		r.markDirty(h)
	}
}

func (r *runner) runOps(now time.Time) {
	if r.acceptTaken.Swap(false) {
		r.returnAcceptRoom()
	}
	// Messages accepted asynchronously go first: an op the same user
	// goroutine queued after them must see them (Shutdown, Stats, a
	// synchronous send).
	r.runSends(now)
	r.opsMu.Lock()
	ops := r.ops
	r.ops = r.opsSpare[:0]
	r.opsMu.Unlock()
	for _, o := range ops {
		switch o.kind {
		case opFunc:
			o.fn(now)
		case opSend:
			o.err = o.h.sendOnLoop(now, o.msg)
		}
		o.done <- struct{}{}
	}
	clear(ops)
	r.opsSpare = ops[:0]
}

// ---- the loop ----

// The loop goroutine and the owner lock are in runtime_owner.go.

func (r *runner) handleBatch(b *rxBatch) {
	now := time.Now()
	c := r.core
	for i := 0; i < b.n; i++ {
		m := &b.ms[i]
		r.logPacket("in", m.Addr, m.Buf[:m.N])
		c.handleDatagramAt(now, m.Local, m.Addr, m.Buf[:m.N])
		r.pullSacks(now)
	}
	b.n = 0
	r.rxFree <- b
}

// afterEvent delivers events and messages to the handles, flushes output
// and wakes blocked senders. It runs after every loop event.
func (r *runner) afterEvent(now time.Time) {
	r.dispatchEvents(now)
	// Send buffer space is only freed by SACKs and timeouts (abandoned
	// PR-SCTP messages): wake blocked senders of the associations that
	// handled those, not after their own retries (which would spin).
	r.core.takeTouched(func(a *association) {
		if h := r.handles[a.id()]; h != nil && h.a == a {
			h.progressed = true
			r.markDirty(h)
		}
	})
	r.opsMu.Lock()
	req := r.drainReq
	r.drainReq = r.drainSpare[:0]
	for _, h := range req {
		h.wantDrain = false
	}
	r.opsMu.Unlock()
	for _, h := range req {
		r.markDirty(h)
	}
	clear(req)
	r.drainSpare = req[:0]
	dirty := r.dirty
	for i, h := range dirty {
		dirty[i] = nil
		h.dirty = false
		progressed := h.progressed
		h.progressed = false
		if r.handles[h.id] != h {
			continue // retired
		}
		r.visits++
		r.drain(now, h, false)
		h.publish()
		if progressed && h.writableDue() {
			h.wakeWriters()
		}
	}
	r.dirty = dirty[:0]
	r.flush(now)
	// Aborts queued while dispatching (backlog full) produce events too.
	for {
		ev, ok := r.core.pollEvent()
		if !ok {
			break
		}
		r.dispatch(now, ev)
		r.flush(now)
	}
	r.retirePending()
}

func (r *runner) dispatch(now time.Time, ev Event) {
	if acc, ok := ev.(accepted); ok {
		a := acc.association()
		if a == nil {
			return
		}
		h := r.newHandle(a, acc.Peer, acc.LocalPort, acc.PeerPort)
		r.lmu.Lock()
		q := r.listeners[acc.LocalPort]
		r.lmu.Unlock()
		if q == nil || !q.push(h) {
			// No Accept can ever take it: refuse the association.
			h.pushEvent(ev, r.cfg.RecvQueueBytes)
			a.abort(now, errBacklogFull.Error())
			return
		}
		h.pushEvent(ev, r.cfg.RecvQueueBytes)
		return
	}
	h := r.handles[ev.Assoc()]
	if h == nil {
		return
	}
	h.publish() // state changes (CommUp, SHUTDOWN received, ...) gate the fast send path
	if ac, ok := ev.(AssocChange); ok && (ac.State == CommLost || ac.State == ShutdownComp || ac.State == CantStartAssoc) {
		// Terminal: everything received before it is delivered first;
		// an unfinished partially delivered message never will be.
		r.drain(now, h, true)
		r.dropJoin(h)
		h.pushEvent(ev, r.cfg.RecvQueueBytes)
		err := ac.Err
		if err == nil {
			err = ErrClosed
		}
		// The SendFailed events of the messages it never delivered follow
		// the AssocChange (RFC 6458 §6.1.11; the Linux order): the handle
		// is retired once the queued events are dispatched.
		h.retireErr = err
		if h.a != nil {
			// What Stats reports from now on: the counters as they ended,
			// not zeros (a transfer's retransmissions are read after its
			// SHUTDOWN COMPLETE).
			st := h.a.stats()
			h.final = &st
		}
		r.retiring = append(r.retiring, h)
		return
	}
	if !h.pushEvent(ev, r.cfg.RecvQueueBytes) {
		r.counters.eventsDropped++
	}
}

// markDirty makes the next afterEvent pass visit h (loop only).
func (r *runner) markDirty(h *assocHandle) {
	if !h.dirty {
		h.dirty = true
		r.dirty = append(r.dirty, h)
	}
}

// requestDrain asks the loop to drain h on its next pass (any goroutine).
func (r *runner) requestDrain(h *assocHandle) {
	r.opsMu.Lock()
	if !h.wantDrain {
		h.wantDrain = true
		r.drainReq = append(r.drainReq, h)
	}
	r.opsMu.Unlock()
	signal(r.wake)
}

// dispatchEvents hands every event the engine has queued to its handle,
// then retires the handles whose association ended.
func (r *runner) dispatchEvents(now time.Time) {
	for {
		ev, ok := r.core.pollEvent()
		if !ok {
			break
		}
		r.dispatch(now, ev)
	}
	r.retirePending()
}

// retirePending retires the handles whose terminal AssocChange was
// dispatched, after the events that followed it.
func (r *runner) retirePending() {
	for i, h := range r.retiring {
		r.retire(h, h.retireErr)
		r.retiring[i] = nil
	}
	r.retiring = r.retiring[:0]
}

// retire forgets a handle whose association reached CLOSED.
func (r *runner) retire(h *assocHandle, err error) {
	delete(r.handles, h.id)
	h.mu.Lock()
	h.sfast = false
	h.failPendingLocked(err)
	h.closed = true
	h.err = err
	h.mu.Unlock()
	close(h.gone)
	signal(h.readable)
	h.wakeWriters()
}

// drain moves deliverable messages from the association to the handle's
// queue while the queue is under its byte limit (all of them if force).
// Reading a message frees receive window in the association (RFC 9260
// §6.2), so the bound here is what makes flow control reach the peer.
//
// The user API delivers whole messages: the pieces of a message the
// association hands out under partial delivery (one larger than its free
// receive window) are joined into one delivery, bounded by
// joinLimit; an aborted partial delivery (PR-SCTP, reported by the
// association as a PartialDelivery event) drops the pieces.
func (r *runner) drain(now time.Time, h *assocHandle, force bool) {
	if h.a == nil {
		return
	}
	// Whole messages are handed on in batches (pushMsgs: one lock and one
	// wake-up per batch); anything else queued goes after the batch
	// before it, in order. The handle's byte count, which bounds the
	// loop, is read once per batch (queued): the consumer only lowers it
	// meanwhile, so the bound holds.
	defer r.flushDrain(h)
	queued := h.queued()
	for {
		if !force && !h.released && queued >= r.cfg.RecvQueueBytes {
			if len(r.dq) == 0 {
				return
			}
			// The batch may go straight to the socket (direct
			// delivery) and leave the handle's queue empty: hand it on
			// and look again.
			r.flushDrain(h)
			queued = h.queued()
			continue
		}
		m, ok := h.a.readMessage()
		if !ok {
			return
		}
		if h.released || m.aborted {
			r.flushDrain(h)
			queued = h.queued()
			r.dropJoin(h)
			continue
		}
		if m.partial || h.joining && m.piece {
			r.flushDrain(h)
			if !r.joinPiece(now, h, m) {
				return
			}
			if m.partial {
				continue
			}
			d := h.joinHdr
			d.msg, h.join, h.joining, h.joinHdr = h.join, nil, false, delivery{}
			h.push(d, len(d.msg))
			queued = h.queued()
			continue
		}
		d := h.message(&m)
		d.msg = r.msgs.Get(len(m.data))
		copy(d.msg, m.data)
		r.dq = append(r.dq, d)
		queued += len(d.msg)
		if len(r.dq) == drainBatch {
			r.flushDrain(h)
			queued = h.queued()
		}
	}
}

// drainBatch bounds drain's batch: enough to take the lock once per
// received datagram batch, small enough that a reader starts on the first
// messages early.
const drainBatch = 64

// flushDrain hands drain's batch to h (pushMsgs).
func (r *runner) flushDrain(h *assocHandle) {
	if len(r.dq) == 0 {
		return
	}
	h.pushMsgs(r.dq)
	clear(r.dq)
	r.dq = r.dq[:0]
}

// joinPiece appends one piece to the handle's message being joined. A
// message that grows beyond the partial delivery point (joinLimit, or the
// socket's SCTP_PARTIAL_DELIVERY_POINT) is handed to the reader in parts
// (RFC 6458 §8.1.21): what is joined so far goes out without MSG_EOR and
// joining starts afresh; the last part ends the message.
func (r *runner) joinPiece(now time.Time, h *assocHandle, m inMessage) bool {
	_ = now
	if !h.joining {
		h.joining = true
		h.joinHdr = h.message(&m)
		h.join = r.msgs.Get(len(m.data))[:0]
	}
	if limit := h.a.partialDeliveryPoint(); len(h.join) > 0 && len(h.join)+len(m.data) > limit {
		d := h.joinHdr
		d.msg, d.partial = h.join, true
		h.push(d, len(d.msg))
		h.join = r.msgs.Get(len(m.data))[:0]
	}
	h.join = append(h.join, m.data...)
	return true
}

// dropJoin discards a partly joined message.
func (r *runner) dropJoin(h *assocHandle) {
	if h.joining {
		r.msgs.Put(h.join)
		h.join, h.joining = nil, false
	}
}

// pullSacks moves the SACK the last datagram's association owes (RFC
// 9260 §6.2: at least every second DATA packet) into the write batch, so a
// batch of received DATA is acknowledged as often as if each packet had
// been handled alone; the batch goes out with the next flush (or at once
// when full).
func (r *runner) pullSacks(now time.Time) {
	for range 4 {
		if r.txN == len(r.tx) {
			if !r.writeTx(r.txN) {
				return
			}
		}
		pkt, to, ok := r.core.appendSackDue(now, r.txBufs[r.txN][:0])
		if !ok {
			return
		}
		if cap(pkt) > cap(r.txBufs[r.txN]) {
			r.txBufs[r.txN] = pkt[:0] // keep the grown buffer
		}
		r.tx[r.txN] = udpencap.Message{Buf: pkt, Addr: to, Local: r.core.lastSource()}
		r.txN++
	}
}

// flush writes every datagram the core has ready, in batches.
func (r *runner) flush(now time.Time) {
	for {
		k := r.txN
		for k < len(r.tx) {
			pkt, to, ok := r.core.appendDatagram(now, r.txBufs[k][:0])
			if !ok {
				break
			}
			if cap(pkt) > cap(r.txBufs[k]) {
				r.txBufs[k] = pkt[:0] // keep the grown buffer
			}
			r.tx[k] = udpencap.Message{Buf: pkt, Addr: to, Local: r.core.lastSource()}
			k++
		}
		if k == 0 {
			return
		}
		if !r.writeTx(k) {
			return
		}
		if k < len(r.tx) {
			return
		}
	}
}

// writeTx writes the first k datagrams of tx and empties it; false when
// the socket is closed.
func (r *runner) writeTx(k int) bool {
	ms := r.tx[:k]
	r.logPackets(ms)
	r.txN = 0
	for len(ms) > 0 {
		n, err := r.pc.WriteBatch(ms)
		if err == nil {
			break
		}
		if isClosedErr(err) {
			r.counters.writeErrors += uint64(len(ms) - n)
			return false
		}
		// Skip the datagram the socket refused (UDP is lossy anyway;
		// SCTP retransmits) and send the rest.
		r.counters.writeErrors++
		if n+1 >= len(ms) {
			break
		}
		ms = ms[n+1:]
	}
	return true
}

// finish runs when the loop exits: abort associations, send the ABORTs,
// close the socket, fail pending and future operations.
func (r *runner) finish(fatal error) {
	now := time.Now()
	r.core.closeAll(now, "endpoint closed")
	r.dispatchEvents(now)
	r.flush(now)
	reason := errEndpointClosed
	if fatal != nil {
		reason = joinErr(errEndpointClosed, fatal)
	}
	for _, h := range r.handles {
		r.retire(h, reason)
	}
	r.opsMu.Lock()
	r.opsDone = true
	ops := r.ops
	r.ops = nil
	r.opsMu.Unlock()
	for _, o := range ops {
		o.dead = true
		o.done <- struct{}{}
	}
	r.lmu.Lock()
	for _, q := range r.listeners {
		q.close()
	}
	r.lmu.Unlock()
	r.timer.Stop()
	r.pc.Close()
	close(r.done)
}

// ---- listening and connecting ----

// acceptQueue holds accepted associations of one listening port until
// Accept takes them.
type acceptQueue struct {
	mu      sync.Mutex
	q       []*assocHandle
	backlog int
	closed  bool
	ready   chan struct{}
	// notify, if set, is signalled with ready: the accept of a shard
	// group waits on one channel for all its shards (runtime_shard.go).
	notify chan struct{}
	// taken counts associations Accept took since the loop last gave
	// their room back to the engine.
	taken atomic.Int32
}

// returnAcceptRoom gives the engine back the accept-queue room Accept
// freed (loop only): COOKIE ECHOs discarded while the queue was full get
// in on their retransmission (endpoint_accept.go).
func (r *runner) returnAcceptRoom() {
	r.lmu.Lock()
	defer r.lmu.Unlock()
	for port, q := range r.listeners {
		if n := q.taken.Swap(0); n > 0 {
			r.core.addAcceptRoom(port, int(n))
		}
	}
}

func (q *acceptQueue) push(h *assocHandle) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.q) >= q.backlog {
		return false
	}
	q.q = append(q.q, h)
	signal(q.ready)
	if q.notify != nil {
		signal(q.notify)
	}
	return true
}

func (q *acceptQueue) close() []*assocHandle {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	rest := q.q
	q.q = nil
	signal(q.ready)
	if q.notify != nil {
		signal(q.notify)
	}
	return rest
}

// defaultBacklog bounds a listener's accept queue when the application
// sets none. A full queue pushes back (the COOKIE ECHO is discarded and
// retransmitted by the peer, endpoint_accept.go) rather than refusing, so
// the bound only decides how long a burst waits, not whether it gets in:
// 1,024 takes a burst of 1,000 simultaneous connects in one round trip
// (TestListenBurst1000), and bounds what associations not yet accepted
// hold to 1,024 x (about 10 KB of state plus what the peer sent into the
// receive window). Linux's somaxconn default is 4,096 since 5.4.
const defaultBacklog = 1024

// listenDefaults accepts associations to SCTP port with default settings; backlog
// bounds the accept queue (0 means defaultBacklog).
func (r *runner) listenDefaults(port uint16, backlog int) error {
	return r.listen(port, assocConfig{}, backlog)
}

// listen accepts INITs to port with the association settings cfg. Calling
// it again for a listening port updates cfg and backlog.
func (r *runner) listen(port uint16, cfg assocConfig, backlog int) error {
	if backlog <= 0 {
		backlog = defaultBacklog
	}
	var err error
	if derr := r.do(func(time.Time) {
		r.lmu.Lock()
		q := r.listeners[port]
		r.lmu.Unlock()
		if q != nil {
			r.core.unlisten(port)
		}
		if err = r.core.listen(port, cfg); err != nil {
			return
		}
		if q == nil {
			q = &acceptQueue{ready: make(chan struct{}, 1)}
			r.lmu.Lock()
			r.listeners[port] = q
			r.lmu.Unlock()
		}
		q.mu.Lock()
		q.backlog = backlog
		q.taken.Store(0)
		r.core.setAcceptRoom(port, max(backlog-len(q.q), 0))
		q.mu.Unlock()
	}); derr != nil {
		return derr
	}
	return err
}

// unlisten stops accepting INITs to port; associations still waiting in
// the accept queue are shut down gracefully. Established associations
// already accepted are not affected.
func (r *runner) unlisten(port uint16) error {
	return r.do(func(now time.Time) {
		r.core.unlisten(port)
		r.core.setAcceptRoom(port, -1)
		r.lmu.Lock()
		q := r.listeners[port]
		delete(r.listeners, port)
		r.lmu.Unlock()
		if q == nil {
			return
		}
		for _, h := range q.close() {
			if h.a != nil {
				h.a.shutdown(now)
			}
		}
	})
}

// accept returns the next association accepted on a listening port (its
// CommUp is the first item its Next returns after the accepted event).
func (r *runner) accept(ctx context.Context, port uint16) (*assocHandle, error) {
	r.lmu.Lock()
	q := r.listeners[port]
	r.lmu.Unlock()
	if q == nil {
		return nil, fmt.Errorf("%w: SCTP port %d", ErrNotListening, port)
	}
	for {
		q.mu.Lock()
		if len(q.q) > 0 {
			h := q.q[0]
			q.q[0] = nil
			q.q = q.q[1:]
			if len(q.q) > 0 {
				signal(q.ready)
			}
			q.taken.Add(1)
			q.mu.Unlock()
			r.acceptTaken.Store(true)
			signal(r.wake)
			return h, nil
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			select {
			case <-r.done:
				return nil, errEndpointClosed
			default:
			}
			return nil, fmt.Errorf("%w: SCTP port %d", ErrNotListening, port)
		}
		select {
		case <-q.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-r.done:
			return nil, errEndpointClosed
		}
	}
}

// connectWait starts an association from an ephemeral SCTP port to SCTP port
// sctpPort at remote (peer IP and its UDP encapsulation port) with default
// settings, and waits until it is established (or failed, or ctx ends).
func (r *runner) connectWait(ctx context.Context, remote netip.AddrPort, sctpPort uint16) (*assocHandle, error) {
	h, err := r.connect(0, remote, sctpPort, assocConfig{})
	if err != nil {
		return nil, err
	}
	if err := h.waitEstablished(ctx); err != nil {
		h.abort("connect failed")
		return nil, err
	}
	return h, nil
}

// connect sends INIT (RFC 9260 §5.1 A) from SCTP port localPort (0 =
// ephemeral) to remote (peer IP + remote UDP encapsulation port) and SCTP
// port sctpPort, and returns at once with the handle; its Next yields
// AssocChange CommUp (or CantStartAssoc) when the handshake ends.
func (r *runner) connect(localPort uint16, remote netip.AddrPort, sctpPort uint16, cfg assocConfig) (*assocHandle, error) {
	return r.connectx(localPort, remote, nil, sctpPort, cfg)
}

// connectx is connect to a peer known by several addresses: remote first,
// then more, at remote's UDP port (RFC 6458 §9.9).
func (r *runner) connectx(localPort uint16, remote netip.AddrPort, more []netip.Addr, sctpPort uint16, cfg assocConfig) (*assocHandle, error) {
	var h *assocHandle
	var err error
	if derr := r.do(func(now time.Time) {
		var a *association
		a, err = r.core.connectx(now, localPort, remote, more, sctpPort, cfg)
		if err != nil {
			return
		}
		lp, _ := a.ports()
		h = r.newHandle(a, netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port()), lp, sctpPort)
	}); derr != nil {
		return nil, derr
	}
	return h, err
}

// stats returns the counters of the runner and of its endpoint.
func (r *runner) stats() (StackStats, error) {
	var s StackStats
	err := r.do(func(time.Time) {
		c := r.core.stats()
		s = StackStats{
			DatagramsIn:         c.DatagramsIn,
			DroppedShort:        c.DroppedShort,
			DroppedBadChecksum:  c.DroppedBadChecksum,
			DroppedMalformed:    c.DroppedMalformed,
			DroppedUnknownPort:  c.DroppedUnknownPort,
			DroppedOOTB:         c.DroppedOOTB,
			DroppedBadVtag:      r.core.droppedBadVtag(),
			OOTBReplies:         c.OOTBReplies,
			InitAcksSent:        c.InitAcksSent,
			CookiesRejected:     c.CookiesRejected,
			StaleCookies:        c.StaleCookies,
			RepliesDropped:      c.RepliesDropped,
			EventsDropped:       r.counters.eventsDropped,
			RemoteErrorsDropped: c.EventsDropped,
			WriteErrors:         r.counters.writeErrors,
			Associations:        r.core.associations(),
			AssociationsTotal:   c.AssociationsTotal,
			ICMPIn:              c.ICMPIn,
			ICMPIgnored:         c.ICMPIgnored,
		}
		s.CookiesDeferred = c.CookieEchoDeferred
		s.UnrecognizedNotReported = c.UnrecognizedNotReported
	})
	s.ReadErrors = r.readErrors.Load()
	if c, ok := socketOf(r.pc).(*udpencap.Conn); ok {
		s.Socket = c.Stats()
	}
	return s, err
}

// signal wakes whoever waits on the capacity-one channel ch, without
// blocking: a pending wake-up is enough.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
