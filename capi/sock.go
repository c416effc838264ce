package main

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"

	sctp "github.com/usctp/sctp"
)

// sock is one SCTP socket as the C ABI sees it: a handle, the library
// socket, a readiness descriptor and two one-item slots filled by pump
// goroutines.
//
// Readiness (select/poll on fileno): the exported library API has no
// "would a receive block?" query, so a pump goroutine receives the next
// item (SCTPRecvContext) and parks it in recvSlot until Python takes it;
// on a listening one-to-one socket a second pump accepts the next
// association into acceptSlot. The readiness descriptor is readable
// exactly while a slot is full or the socket is closed. Holding one item
// outside the library's receive queue keeps its flow control: the pump
// asks for the next item only once Python took this one.
type sock struct {
	h      int64
	s      *sctp.Socket
	tcp    bool
	family sctp.Family
	rd     *readyFD

	mu         sync.Mutex
	closed     bool
	recvSlot   *recvItem
	acceptSlot *acceptItem
	pumpCancel context.CancelFunc // stops the receive pump
	pumpDone   chan struct{}      // closed when the receive pump returned
	acceptStop context.CancelFunc
	avail      chan struct{} // cap 1: a slot was filled (wake waiting callers)
	taken      chan struct{} // cap 1: the receive slot was emptied
	aTaken     chan struct{} // cap 1: the accept slot was emptied
	closing    chan struct{} // closed by Close
	listenPort uint16        // the SCTP port it listens on (selfloop.go)
	selfMu     sync.Mutex    // serialises withSelfPort
}

// recvItem is one received item (or the sticky error that ends receiving)
// with the part of its message already returned.
type recvItem struct {
	r   *sctp.Received
	err error
	off int
}

type acceptItem struct {
	c    *sctp.SocketTCP
	peer netip.AddrPort
	err  error
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func newSock(s *sctp.Socket, family sctp.Family, tcp bool, seed *recvItem) (*sock, error) {
	rd, err := newReadyFD()
	if err != nil {
		return nil, err
	}
	k := &sock{s: s, tcp: tcp, family: family, rd: rd,
		avail: make(chan struct{}, 1), taken: make(chan struct{}, 1), aTaken: make(chan struct{}, 1),
		closing: make(chan struct{})}
	k.mu.Lock()
	k.recvSlot = seed
	k.updateReadyLocked()
	k.startPumpLocked()
	k.mu.Unlock()
	return k, nil
}

// updateReadyLocked makes the descriptor readable iff an item waits or
// the socket is closed (k.mu held).
func (k *sock) updateReadyLocked() {
	k.rd.set(k.closed || k.recvSlot != nil || k.acceptSlot != nil)
}

func (k *sock) startPumpLocked() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	k.pumpCancel, k.pumpDone = cancel, done
	go k.pump(ctx, done)
}

// pump moves items from the library socket into recvSlot, one at a time.
// It receives with SCTPRecvInto into one buffer of its own, reused for
// every message: the item's Msg aliases that buffer, which is safe because
// the pump reads the next item only once the slot was emptied, and the
// slot's bytes are copied out under k.mu (recvInto) before that.
func (k *sock) pump(ctx context.Context, done chan struct{}) {
	defer close(done)
	buf := make([]byte, pumpBuf)
	for {
		k.mu.Lock()
		full := k.recvSlot != nil
		k.mu.Unlock()
		if full {
			select {
			case <-k.taken:
				continue
			case <-ctx.Done():
				return
			}
		}
		var r *sctp.Received
		var err error
		r, buf, err = k.recvWhole(ctx, buf)
		if err != nil && ctx.Err() != nil {
			return // paused (Peeloff) or closed: nothing was taken
		}
		k.mu.Lock()
		if k.closed {
			k.mu.Unlock()
			return
		}
		k.recvSlot = &recvItem{r: r, err: err}
		k.updateReadyLocked()
		k.mu.Unlock()
		signal(k.avail)
		if err != nil {
			return // the error is sticky: every later receive returns it
		}
	}
}

// pumpBuf is the pump buffer's first size; it grows to the largest
// message received.
const pumpBuf = 4 << 10

// recvWhole receives the next item whole into buf (grown as needed, and
// returned): a message longer than buf is read in pieces after its first
// (RFC 6458 §3.1.4: the rest stays at the front of the socket's queue, so
// those reads do not wait and are not cut short by ctx, which would lose
// the piece already read).
func (k *sock) recvWhole(ctx context.Context, buf []byte) (*sctp.Received, []byte, error) {
	n, r, err := k.s.SCTPRecvIntoContext(ctx, buf)
	if err != nil {
		return nil, buf, err
	}
	for r.Flags&(sctp.MSG_EOR|sctp.MSG_NOTIFICATION) == 0 {
		if n == len(buf) {
			nb := make([]byte, 2*len(buf))
			copy(nb, buf[:n])
			buf = nb
		}
		m, more, err := k.s.SCTPRecvInto(buf[n:])
		if err != nil {
			return nil, buf, err
		}
		n += m
		r.Flags = more.Flags
	}
	if r.Notification == nil {
		r.Msg = buf[:n]
	}
	return &r, buf, nil
}

// startAcceptPump starts accepting associations of a listening one-to-one
// socket into acceptSlot.
func (k *sock) startAcceptPump() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.acceptStop != nil || k.closed {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	k.acceptStop = cancel
	go func() {
		for {
			c, peer, err := k.s.AcceptContext(ctx)
			if err != nil && ctx.Err() != nil {
				return
			}
			k.mu.Lock()
			if k.closed {
				k.mu.Unlock()
				if c != nil {
					c.Close()
				}
				return
			}
			k.acceptSlot = &acceptItem{c: c, peer: peer, err: err}
			k.updateReadyLocked()
			k.mu.Unlock()
			signal(k.avail)
			if err != nil {
				return
			}
			select {
			case <-k.aTaken:
			case <-ctx.Done():
				return
			}
		}
	}()
}

// deadline turns the Python timeout (milliseconds; <0 blocks, 0 does not
// wait) into a timer channel (nil = wait forever).
func deadline(ms int) (<-chan time.Time, func()) {
	if ms <= 0 {
		return nil, func() {}
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	return t.C, func() { t.Stop() }
}

var (
	errWouldBlock = errors.New("operation would block")
	errTimeout    = errors.New("timed out")
	errBadHandle  = errors.New("bad file descriptor (socket closed or unknown)")
)

// recv returns the next item, or its next maxlen bytes (EOR only on the
// last piece, as SCTPRecv does), in memory of its own.
func (k *sock) recv(maxlen, timeoutMs int) (*sctp.Received, error) {
	b := make([]byte, maxlen)
	n, r, err := k.recvInto(b, timeoutMs)
	if err == nil && r.Notification == nil {
		r.Msg = b[:n]
	}
	return r, err
}

// recvInto copies the next item's data, or its next len(dst) bytes (EOR
// only on the last piece), into dst while the slot is locked — the pump
// reuses the buffer behind the slot once it was emptied — and returns the
// count and the item (its Msg not to be used).
func (k *sock) recvInto(dst []byte, timeoutMs int) (int, *sctp.Received, error) {
	maxlen := len(dst)
	tc, stop := deadline(timeoutMs)
	defer stop()
	for {
		k.mu.Lock()
		if k.closed {
			k.mu.Unlock()
			return 0, nil, errBadHandle
		}
		if it := k.recvSlot; it != nil {
			if it.err != nil {
				k.mu.Unlock()
				return 0, nil, it.err
			}
			r := *it.r
			if r.Notification == nil && len(r.Msg)-it.off > maxlen {
				r.Msg = r.Msg[it.off : it.off+maxlen]
				r.Flags &^= sctp.MSG_EOR
				it.off += maxlen
			} else {
				if r.Notification == nil {
					r.Msg = r.Msg[it.off:]
				}
				k.recvSlot = nil
				k.updateReadyLocked()
				signal(k.taken)
			}
			n := copy(dst, r.Msg) // before the pump may reuse the buffer
			r.Msg = nil
			k.mu.Unlock()
			return n, &r, nil
		}
		k.mu.Unlock()
		if timeoutMs == 0 {
			return 0, nil, errWouldBlock
		}
		select {
		case <-k.avail:
		case <-k.closing:
			return 0, nil, errBadHandle
		case <-tc:
			return 0, nil, errTimeout
		}
	}
}

// accept returns the next accepted association.
func (k *sock) accept(timeoutMs int) (*acceptItem, error) {
	if !k.tcp {
		return nil, sctp.ErrWrongStyle
	}
	tc, stop := deadline(timeoutMs)
	defer stop()
	for {
		k.mu.Lock()
		if k.closed {
			k.mu.Unlock()
			return nil, errBadHandle
		}
		if k.acceptStop == nil {
			k.mu.Unlock()
			return nil, sctp.ErrNotListening
		}
		if it := k.acceptSlot; it != nil {
			if it.err != nil {
				k.mu.Unlock()
				return nil, it.err
			}
			k.acceptSlot = nil
			k.updateReadyLocked()
			k.mu.Unlock()
			signal(k.aTaken)
			return it, nil
		}
		k.mu.Unlock()
		if timeoutMs == 0 {
			return nil, errWouldBlock
		}
		select {
		case <-k.avail:
		case <-k.closing:
			return nil, errBadHandle
		case <-tc:
			return nil, errTimeout
		}
	}
}

// opCtx is a context for a blocking library call: cancelled by Close and
// by the timeout (0 or less: no timeout).
func (k *sock) opCtx(timeoutMs int) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	if timeoutMs > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), time.Duration(timeoutMs)*time.Millisecond)
	}
	go func() {
		select {
		case <-k.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// ctxErr maps the error of a library call made with opCtx.
func (k *sock) ctxErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	select {
	case <-k.closing:
		return errBadHandle
	default:
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errTimeout
	}
	return err
}

// peeloff branches association id off into a new socket. The receive
// pump is paused so that an item of that association it already took
// moves with the association.
func (k *sock) peeloff(id sctp.AssocID) (*sock, error) {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return nil, errBadHandle
	}
	cancel, done := k.pumpCancel, k.pumpDone
	k.mu.Unlock()
	cancel()
	<-done
	c, err := k.s.Peeloff(id)
	k.mu.Lock()
	defer k.mu.Unlock()
	var seed *recvItem
	if err == nil && k.recvSlot != nil && k.recvSlot.err == nil && itemAssoc(k.recvSlot.r) == id {
		seed, k.recvSlot = k.recvSlot, nil
		k.updateReadyLocked()
		// The item's Msg is in this socket's pump buffer, which the
		// restarted pump reuses: the new socket gets a copy.
		rr := *seed.r
		rr.Msg = append([]byte(nil), rr.Msg...)
		seed = &recvItem{r: &rr, off: seed.off}
	}
	if !k.closed {
		k.startPumpLocked()
	}
	if err != nil {
		return nil, err
	}
	n, err := newSock(c.Socket, k.family, true, seed)
	if err != nil {
		c.Close()
		return nil, err
	}
	return n, nil
}

func itemAssoc(r *sctp.Received) sctp.AssocID {
	if r.Notification != nil {
		return r.Notification.Assoc()
	}
	return r.Info.AssocID
}

// close closes the library socket and wakes every caller waiting on k.
func (k *sock) close() error {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return errBadHandle
	}
	k.closed = true
	close(k.closing)
	cancel, astop := k.pumpCancel, k.acceptStop
	var pending *sctp.SocketTCP
	if k.acceptSlot != nil {
		pending = k.acceptSlot.c
	}
	k.recvSlot, k.acceptSlot = nil, nil
	k.updateReadyLocked()
	lport := k.listenPort
	k.mu.Unlock()
	forgetListen(lport)
	cancel()
	if astop != nil {
		astop()
	}
	if pending != nil {
		pending.Close()
	}
	err := k.s.Close()
	k.rd.close()
	return err
}
