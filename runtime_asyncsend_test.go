package sctp

import (
	"bytes"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/usctp/sctp/internal/simnet"
)

// asyncPair sets up an established association over the in-memory network
// and returns the client and server handles.
func asyncPair(t *testing.T) (n *simnet.Network, a *runner, h, srv *assocHandle) {
	t.Helper()
	n, a, b := simPair(t, 7, simnet.LinkConfig{Delay: time.Millisecond})
	ctx := testCtx(t, time.Minute)
	h, srv = listenConnectAccept(t, ctx, a, b, 9)
	return n, a, h, srv
}

// Sends return before the loop ran them, yet the API errors stay
// synchronous and the messages arrive whole and in order.
func TestAsyncSendOrderAndErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, _, h, srv := asyncPair(t)
		ctx := testCtx(t, time.Minute)
		h.mu.Lock()
		fast, out, maxMsg := h.sfast, h.sOut, h.sMax
		h.mu.Unlock()
		if !fast || out == 0 || maxMsg == 0 {
			t.Fatalf("fast send path not published after CommUp: fast=%v out=%d max=%d", fast, out, maxMsg)
		}
		if err := h.trySend(outMessage{}); !errors.Is(err, ErrEmptyMessage) {
			t.Errorf("empty message: %v, want ErrEmptyMessage", err)
		}
		if err := h.trySend(outMessage{data: []byte("x"), stream: out}); !errors.Is(err, ErrInvalidStream) {
			t.Errorf("stream %d of %d: %v, want ErrInvalidStream", out, out, err)
		}
		if err := h.trySend(outMessage{data: make([]byte, maxMsg+1)}); !errors.Is(err, ErrMessageTooLarge) {
			t.Errorf("message of %d bytes: %v, want ErrMessageTooLarge", maxMsg+1, err)
		}
		const n = 200
		for i := range n {
			if err := h.send(ctx, outMessage{data: epPayload(i, 1200), stream: uint16(i % 2), ppid: uint32(i)}); err != nil {
				t.Fatalf("Send %d: %v", i, err)
			}
		}
		next := [2]int{0, 1}
		for got := 0; got < n; {
			d, err := nextMessage(ctx, srv)
			if err != nil {
				t.Fatalf("Next after %d messages: %v", got, err)
			}
			want := next[d.info.Stream]
			if int(d.info.PPID) != want || !bytes.Equal(d.msg, epPayload(want, 1200)) {
				t.Fatalf("stream %d: got message ppid %d, want %d (in order, intact)", d.info.Stream, d.info.PPID, want)
			}
			next[d.info.Stream] += 2
			got++
			srv.recycle(d.msg)
		}
		if err := h.abort("done"); err != nil {
			t.Fatal(err)
		}
		<-h.ended()
		if err := h.trySend(outMessage{data: []byte("x")}); !errors.Is(err, ErrClosed) {
			t.Errorf("send after abort: %v, want ErrClosed", err)
		}
	})
}

// Messages still pending in the handle when the association aborts are
// reported by SendFailed events (unsent, with their data, after the
// terminal AssocChange), and blocked senders wake up.
func TestAsyncSendPendingFailedOnAbort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, h, _ := asyncPair(t)
		ctx := testCtx(t, time.Minute)
		msgs := [][]byte{[]byte("first pending"), []byte("second pending")}
		var sendErrs []error
		// On the loop: accept two messages asynchronously (the loop
		// cannot move them before this op returns), then abort.
		if err := a.do(func(now time.Time) {
			for i, m := range msgs {
				sendErrs = append(sendErrs, h.trySend(outMessage{data: m, stream: 1, ppid: uint32(50 + i), context: uint32(i)}))
			}
			h.a.abort(now, "test")
		}); err != nil {
			t.Fatal(err)
		}
		for i, err := range sendErrs {
			if err != nil {
				t.Fatalf("trySend %d: %v", i, err)
			}
		}
		var fails []SendFailed
		terminal := false
		err := eachDelivery(ctx, h, func(d delivery) {
			switch ev := d.ev.(type) {
			case AssocChange:
				if ev.State == CommLost {
					terminal = true
				}
			case SendFailed:
				if !terminal {
					t.Errorf("SendFailed before the terminal AssocChange")
				}
				fails = append(fails, ev)
			}
		})
		if !errors.Is(err, ErrAborted) {
			t.Fatalf("end: %v, want ErrAborted", err)
		}
		if len(fails) != len(msgs) {
			t.Fatalf("got %d SendFailed events, want %d: %v", len(fails), len(msgs), fails)
		}
		for i, f := range fails {
			if !bytes.Equal(f.Data, msgs[i]) || f.PPID != uint32(50+i) || f.Context != uint32(i) || !f.Unsent || !errors.Is(f.Err, ErrAborted) {
				t.Errorf("SendFailed %d = %+v, want data %q ppid %d unsent, ErrAborted", i, f, msgs[i], 50+i)
			}
		}
		h.mu.Lock()
		pend, fast := len(h.pend), h.sfast
		h.mu.Unlock()
		if pend != 0 || fast {
			t.Errorf("after close: %d messages pending, fast path %v", pend, fast)
		}
	})
}

// A sender blocked on a full send buffer is woken when the association
// closes and gets the close error.
func TestAsyncSendBlockedSenderWokenByAbort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, _, h, _ := asyncPair(t)
		ctx := testCtx(t, time.Minute)
		net.SetLink(h.peerAddr(), h.runner().localAddr(), simnet.LinkConfig{Loss: 1})
		done := make(chan error, 1)
		go func() {
			for i := 0; ; i++ {
				if err := h.send(ctx, outMessage{data: epPayload(i, 1200)}); err != nil {
					done <- err
					return
				}
			}
		}()
		synctest.Wait() // the sender is blocked: buffer full, nothing acked
		select {
		case err := <-done:
			t.Fatalf("sender stopped before the abort: %v", err)
		default:
		}
		if err := h.abort("stop"); err != nil {
			t.Fatal(err)
		}
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Fatalf("blocked Send returned %v, want ErrClosed", err)
		}
	})
}

// Messages accepted asynchronously before a graceful Shutdown are still
// delivered: the loop moves them into the association before the op runs.
func TestAsyncSendThenShutdownDelivers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, _, h, srv := asyncPair(t)
		ctx := testCtx(t, time.Minute)
		const n = 100
		for i := range n {
			if err := h.send(ctx, outMessage{data: epPayload(i, 1200), ppid: uint32(i)}); err != nil {
				t.Fatalf("Send %d: %v", i, err)
			}
		}
		if err := h.shutdown(); err != nil {
			t.Fatal(err)
		}
		if err := h.trySend(outMessage{data: []byte("late")}); !errors.Is(err, ErrShuttingDown) && !errors.Is(err, ErrClosed) {
			t.Errorf("send after Shutdown: %v, want ErrShuttingDown", err)
		}
		got := 0
		err := eachDelivery(ctx, srv, func(d delivery) {
			if sf, ok := d.ev.(SendFailed); ok {
				t.Fatalf("unexpected %v", sf)
			}
			if d.ev != nil {
				return
			}
			if int(d.info.PPID) != got || !bytes.Equal(d.msg, epPayload(got, 1200)) {
				t.Fatalf("message %d: got ppid %d", got, d.info.PPID)
			}
			got++
		})
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("server end: %v, want ErrClosed (graceful)", err)
		}
		if got != n {
			t.Fatalf("server got %d messages, want %d", got, n)
		}
		<-h.ended()
		eachDelivery(ctx, h, func(d delivery) {
			if sf, ok := d.ev.(SendFailed); ok {
				t.Fatalf("client reported %v", sf)
			}
		})
	})
}

// TestAsyncSendBacklogRidesOnPasses: in a bulk transfer the sender's
// messages queue behind a backlog without waking the loop goroutine
// (queueSend); the passes the SACKs bring move them on, and every message
// arrives once, intact and in order, the last one included.
func TestAsyncSendBacklogRidesOnPasses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, h, srv := asyncPair(t)
		ctx := testCtx(t, time.Minute)
		const n = 3000
		errc := make(chan error, 1)
		go func() {
			for i := range n {
				if err := h.send(ctx, outMessage{data: epPayload(i, 1200), ppid: uint32(i)}); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		for i := range n {
			d, err := nextMessage(ctx, srv)
			if err != nil {
				t.Fatalf("Next after %d messages: %v", i, err)
			}
			if int(d.info.PPID) != i || !bytes.Equal(d.msg, epPayload(i, 1200)) {
				t.Fatalf("message %d: got ppid %d (in order, intact?)", i, d.info.PPID)
			}
			srv.recycle(d.msg)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if a.own.lazy.Load() == 0 {
			t.Fatal("no send request rode on a pass (queueSend never used)")
		}
	})
}
