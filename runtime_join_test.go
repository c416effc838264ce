package sctp

import (
	"bytes"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/usctp/sctp/internal/simnet"
)

// TestEndpointJoinsPartialDelivery: messages larger than the receiver's
// window come out of the association in pieces (partial delivery); the
// runtime delivers each as one whole message (the user API never splits
// messages).
func TestEndpointJoinsPartialDelivery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := simPair(t, 11, simnet.LinkConfig{Delay: 5 * time.Millisecond})
		ctx := testCtx(t, time.Hour)
		if err := b.listen(9, assocConfig{rwnd: 16 << 10}, 4); err != nil {
			t.Fatal(err)
		}
		h, srv := connectAccept(t, ctx, a, b, 9)
		sizes := []int{100 << 10, 10, 60 << 10, 3000}
		for i, n := range sizes {
			if err := h.send(ctx, outMessage{data: epPayload(i, n), ppid: uint32(i)}); err != nil {
				t.Fatal(err)
			}
		}
		for i, n := range sizes {
			d, err := nextMessage(ctx, srv)
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if d.info.PPID != uint32(i) || !bytes.Equal(d.msg, epPayload(i, n)) {
				t.Fatalf("delivery %d: ppid %d, %d bytes; want message %d of %d bytes", i, d.info.PPID, len(d.msg), i, n)
			}
		}
		st, err := srv.stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.State != SCTP_ESTABLISHED {
			t.Fatalf("server association %v", st.State)
		}
		h.abort("done")
	})
}

// TestEndpointJoinBounded: a message beyond what the receiver accepts
// (max(max message, window)) cannot be delivered whole: the receiver aborts
// the association (Out of Resource) instead of buffering without bound.
func TestEndpointJoinBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := simPair(t, 12, simnet.LinkConfig{Delay: 5 * time.Millisecond})
		ctx := testCtx(t, time.Hour)
		if err := b.listen(9, assocConfig{rwnd: 16 << 10, maxMessage: 32 << 10}, 4); err != nil {
			t.Fatal(err)
		}
		h, err := a.connect(0, b.localAddr(), 9, assocConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.waitEstablished(ctx); err != nil {
			t.Fatal(err)
		}
		srv, err := b.accept(ctx, 9)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.send(ctx, outMessage{data: epPayload(1, 100<<10)}); err != nil {
			t.Fatal(err)
		}
		err = eachDelivery(ctx, srv, func(d delivery) {
			if d.ev == nil {
				t.Fatalf("oversized message delivered (%d bytes)", len(d.msg))
			}
		})
		if !errors.Is(err, ErrAborted) {
			t.Fatalf("receiver ended with %v, want ErrAborted", err)
		}
		<-h.ended()
		if !errors.Is(h.endErr(), ErrAborted) {
			t.Fatalf("sender ended with %v, want ErrAborted", h.endErr())
		}
	})
}
