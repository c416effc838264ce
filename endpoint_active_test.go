package sctp

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/usctp/sctp/internal/simnet"
)

// scanDeadline is the earliest deadline over all associations by a full
// scan (what the tracked heap must agree with).
func scanDeadline(e *endpoint) time.Time {
	var d time.Time
	for _, a := range e.list {
		if t := a.deadline(); !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	return d
}

// With many idle associations and one busy one, the loop's per-pass work
// is proportional to the active associations: afterEvent visits few
// handles and appendDatagram few associations, while the tracked deadline
// always equals the full scan's and the idle associations keep their
// heartbeats going.
func TestEndpointIdleAssociationsNotVisited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := simPair(t, 21, simnet.LinkConfig{Delay: time.Millisecond})
		ctx := testCtx(t, time.Hour)
		const idle = 200
		if err := b.listenDefaults(7, idle+1); err != nil {
			t.Fatal(err)
		}
		var idles []*assocHandle
		for range idle {
			h, _ := connectAccept(t, ctx, a, b, 7)
			idles = append(idles, h)
		}
		h, srv := connectAccept(t, ctx, a, b, 7)
		synctest.Wait()
		check := func(e *runner) {
			t.Helper()
			if err := e.do(func(time.Time) {
				if got, want := e.core.deadline(), scanDeadline(e.core); !got.Equal(want) {
					t.Errorf("tracked deadline %v, full scan %v", got, want)
				}
			}); err != nil {
				t.Fatal(err)
			}
		}
		check(a)
		check(b)
		var va0, vb0 uint64
		a.do(func(time.Time) { va0 = a.visits })
		b.do(func(time.Time) { vb0 = b.visits })
		const msgs = 100
		for i := range msgs {
			m := epPayload(i, 300)
			if err := h.send(ctx, outMessage{data: m}); err != nil {
				t.Fatal(err)
			}
			d, err := nextMessage(ctx, srv)
			if err != nil || !bytes.Equal(d.msg, m) {
				t.Fatalf("message %d: %v", i, err)
			}
			if i%10 == 0 {
				check(a)
				check(b)
			}
		}
		var va, vb uint64
		a.do(func(time.Time) { va = a.visits - va0 })
		b.do(func(time.Time) { vb = b.visits - vb0 })
		t.Logf("visits %d / %d (start %d / %d)", va, vb, va0, vb0)
		// A full walk would visit idle+1 handles per pass, several passes
		// per message.
		if va > 20*msgs || vb > 20*msgs {
			t.Fatalf("afterEvent visited %d / %d handles for %d messages among %d idle associations", va, vb, msgs, idle)
		}
		// Idle associations stay alive over heartbeat periods (their
		// timers still fire) and still work.
		time.Sleep(3 * time.Minute)
		check(a)
		check(b)
		st, err := idles[idle/2].stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.HeartbeatsOut == 0 || st.State != SCTP_ESTABLISHED {
			t.Fatalf("idle association: %d heartbeats, state %v", st.HeartbeatsOut, st.State)
		}
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := idles[idle/2].send(sctx, outMessage{data: []byte("late")}); err != nil {
			t.Fatal(err)
		}
		bs, _ := b.stats()
		if bs.Associations != idle+1 {
			t.Fatalf("server holds %d associations", bs.Associations)
		}
	})
}
