package sctp

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/usctp/sctp/internal/simnet"
)

// The latency path (runtime_owner.go): a message sent on an idle
// association is moved into the association and written by the sending
// goroutine itself; with data in flight it waits for the loop (which
// batches). A small batch read from the socket is handled by the reader
// goroutine itself. In a synctest bubble every goroutine is idle after
// synctest.Wait, so the owner is free and the outcome is deterministic.
func TestLatencyPathSendFromCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := simPair(t, 11, simnet.LinkConfig{Delay: time.Millisecond})
		ctx := testCtx(t, time.Minute)
		h, srv := listenConnectAccept(t, ctx, a, b, 9)
		synctest.Wait()
		tx0, rx0 := a.own.inlineTx.Load(), b.own.inlineRx.Load()

		// Idle association, free owner: the caller runs the pass. The
		// datagram is in flight when trySend returns (no goroutine ran in
		// between: the bubble's clock has not moved and nothing waited).
		if err := h.trySend(outMessage{data: []byte("ping"), ppid: 1}); err != nil {
			t.Fatal(err)
		}
		if got := a.own.inlineTx.Load() - tx0; got != 1 {
			t.Fatalf("inline sends after a send on an idle association = %d, want 1", got)
		}
		h.mu.Lock()
		inFlight := h.sEng
		h.mu.Unlock()
		if inFlight == 0 {
			t.Fatal("after the inline pass the handle does not see the message in the association (sEng 0)")
		}
		// Data in flight: the next message goes through the loop.
		if err := h.trySend(outMessage{data: []byte("pong"), ppid: 2}); err != nil {
			t.Fatal(err)
		}
		if got := a.own.inlineTx.Load() - tx0; got != 1 {
			t.Fatalf("inline sends after a send with data in flight = %d, want still 1", got)
		}
		for i, want := range []string{"ping", "pong"} {
			d, err := nextMessage(ctx, srv)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(d.msg, []byte(want)) || d.info.PPID != uint32(i+1) {
				t.Fatalf("message %d = %q ppid %d, want %q ppid %d (in order)", i, d.msg, d.info.PPID, want, i+1)
			}
			srv.recycle(d.msg)
		}
		// The receiver's reader goroutine handled the one-datagram
		// batches itself: nothing was handed to its loop goroutine.
		if b.own.inlineRx.Load() == rx0 {
			t.Error("the receiving reader handled no batch itself")
		}
		if n := b.own.handoff.Load(); n != 0 {
			t.Errorf("batches handed to the loop and not handled: %d", n)
		}
	})
}

// A message drained while the socket's pump waits on an empty queue goes
// straight into the socket's receive queue (runtime_direct.go), in order
// with the ones that went through the pump, with no allocation.
func TestLatencyPathDirectDelivery(t *testing.T) {
	ln, cfg := listenConn(t)
	c, s := dialConn(t, ln, cfg)
	srvRT := s.s.stack.rt
	d0 := srvRT.own.direct.Load()
	buf := make([]byte, 64)
	const n = 50
	for i := range n {
		// One message at a time: the server's pump is parked while the
		// message arrives (it has nothing else to move), so it goes
		// direct unless a socket lock happened to be held at that
		// instant (TryLock), which nothing here holds for long.
		msg := epPayload(i, 20)
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		k, err := s.Read(buf)
		if err != nil || !bytes.Equal(buf[:k], msg) {
			t.Fatalf("Read %d = %q, %v; want %q", i, buf[:k], err, msg)
		}
		if _, err := s.Write(msg); err != nil {
			t.Fatal(err)
		}
		if k, err := c.Read(buf); err != nil || !bytes.Equal(buf[:k], msg) {
			t.Fatalf("echo %d = %q, %v; want %q", i, buf[:k], err, msg)
		}
	}
	// Each message is preceded by the server's SenderDry (its previous
	// reply was acknowledged), which must not force the message onto the
	// pump's queue: both go direct. A TryLock may fail now and then;
	// half is a bound no working direct path misses.
	if got := srvRT.own.direct.Load() - d0; got < n/2 {
		t.Fatalf("%d of %d messages (and their SenderDry events) were delivered directly, want at least %d", got, n, n/2)
	}
	// A burst larger than the socket queue's one-item fast path still
	// arrives whole and in order (direct and pumped deliveries mixed).
	const burst = 300
	done := make(chan error, 1)
	go func() {
		for i := range burst {
			if _, err := c.Write(epPayload(i, 900)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	big := make([]byte, 1000)
	for i := range burst {
		k, err := s.Read(big)
		if err != nil || !bytes.Equal(big[:k], epPayload(i, 900)) {
			t.Fatalf("burst message %d: %d bytes, %v (want in order, intact)", i, k, err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
