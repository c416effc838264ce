package sctp

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
)

// A peer floods ERROR chunks (325 empty causes each) at an association
// whose application never reads: the handle's queue of events stays within
// RecvQueueBytes, the excess is dropped and counted, and the association
// still delivers data once the application reads.
func TestEndpointErrorFloodBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := simnet.New(11)
		n.SetDefaultLink(simnet.LinkConfig{Delay: time.Millisecond})
		mk := func(addr string, cfg runnerConfig) *runner { return simRunner(t, n, addr, cfg) }
		const limit = 16 << 10
		attacker := mk("10.0.0.1:9899", runnerConfig{})
		victim := mk("10.0.0.2:9899", runnerConfig{RecvQueueBytes: limit})
		ctx := testCtx(t, time.Hour)
		h := listenConnect(t, ctx, attacker, victim, 9)
		var causes []byte
		for range 325 {
			causes = chunk.AppendCause(causes, chunk.CauseInvalidStream, nil)
		}
		const chunks = 60 // 19,500 RemoteError events
		for range chunks {
			if err := h.do(func(a *association, now time.Time) { a.queueCtrl(&chunk.Error{Causes: causes}) }); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
		}
		time.Sleep(100 * time.Millisecond) // virtual: let the last packets land
		synctest.Wait()

		var items, queued int
		var id AssocID
		if err := victim.do(func(time.Time) {
			for _, vh := range victim.handles {
				id = vh.id
				vh.mu.Lock()
				items, queued = len(vh.q)-vh.head, vh.bytes
				vh.mu.Unlock()
			}
		}); err != nil {
			t.Fatal(err)
		}
		if id == 0 {
			t.Fatal("victim has no association")
		}
		if queued > limit+64 || items > limit/64+2 {
			t.Fatalf("unread queue holds %d items, %d bytes; want <= %d bytes", items, queued, limit)
		}
		st, err := victim.stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.EventsDropped == 0 {
			t.Fatalf("no events dropped after %d RemoteErrors into a %d-byte queue", chunks*325, limit)
		}

		t.Logf("queued %d items %d bytes, dropped %d", items, queued, st.EventsDropped)
		// The association still works: data sent now arrives once the
		// application reads (after the accepted/CommUp and queued events).
		msg := []byte("still alive")
		if err := h.send(ctx, outMessage{data: msg, ppid: 7}); err != nil {
			t.Fatal(err)
		}
		srv, err := victim.accept(ctx, 9)
		if err != nil {
			t.Fatal(err)
		}
		var sawUp bool
		events := 0
		for {
			d, err := srv.next(ctx)
			if err != nil {
				t.Fatalf("Next after %d events: %v", events, err)
			}
			if d.ev != nil {
				if ac, ok := d.ev.(AssocChange); ok && ac.State == CommUp {
					sawUp = true
				}
				events++
				continue
			}
			if !bytes.Equal(d.msg, msg) || d.info.PPID != 7 {
				t.Fatalf("got %q ppid %d", d.msg, d.info.PPID)
			}
			break
		}
		if !sawUp {
			t.Fatal("CommUp was dropped")
		}
		as, err := srv.stats()
		if err != nil {
			t.Fatal(err)
		}
		if as.EventsDropped != st.EventsDropped {
			t.Fatalf("association counts %d dropped events, endpoint %d", as.EventsDropped, st.EventsDropped)
		}
	})
}

// The socket API's receive queue charges non-essential notifications
// against its limit; state changes are accepted beyond it.
func TestRecvQueueEventsBounded(t *testing.T) {
	q := newRecvQueue(1024)
	pushed := 0
	for range 1000 {
		if q.tryPush(delivery{ev: RemoteError{ID: 1, Code: 1, Info: make([]byte, 10)}}) {
			pushed++
		}
	}
	if pushed == 0 || pushed > 1024/74+1 {
		t.Fatalf("%d RemoteErrors accepted into a 1024-byte queue", pushed)
	}
	if q.tryPush(delivery{ev: PeerAddrChange{ID: 1}}) {
		t.Fatal("PeerAddrChange accepted into a full queue")
	}
	if !q.tryPush(delivery{ev: AssocChange{ID: 1, State: CommLost}}) {
		t.Fatal("CommLost refused by a full queue")
	}
	if !q.tryPush(delivery{ev: SendFailed{ID: 1, Data: make([]byte, 100)}}) {
		t.Fatal("SendFailed refused by a full queue")
	}
	if q.len() != pushed+2 {
		t.Fatalf("queue holds %d items, want %d", q.len(), pushed+2)
	}
}
