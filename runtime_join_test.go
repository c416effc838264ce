package sctp

import (
	"bytes"
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

// TestEndpointPartialDeliveryInParts: a message beyond what the receiver
// joins (max(max message, window)) is handed to the reader in parts, each
// at most that size, every part but the last marked partial (RFC 6458
// §8.1.21 partial delivery; no MSG_EOR), instead of aborting; the
// association stays up and the next message comes whole.
func TestEndpointPartialDeliveryInParts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, a, b := simPair(t, 12, simnet.LinkConfig{Delay: 5 * time.Millisecond})
		ctx := testCtx(t, time.Hour)
		const limit = 32 << 10
		if err := b.listen(9, assocConfig{rwnd: 16 << 10, maxMessage: limit}, 4); err != nil {
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
		big := epPayload(1, 100<<10)
		if err := h.send(ctx, outMessage{data: big, ppid: 7}); err != nil {
			t.Fatal(err)
		}
		if err := h.send(ctx, outMessage{data: []byte("next"), ppid: 8}); err != nil {
			t.Fatal(err)
		}
		var joined []byte
		parts := 0
		for {
			d, err := nextMessage(ctx, srv)
			if err != nil {
				t.Fatal(err)
			}
			if d.info.PPID != 7 || len(d.msg) > limit || len(d.msg) == 0 {
				t.Fatalf("part %d: ppid %d, %d bytes (limit %d)", parts, d.info.PPID, len(d.msg), limit)
			}
			joined = append(joined, d.msg...)
			parts++
			if !d.partial {
				break
			}
		}
		if parts < 4 || !bytes.Equal(joined, big) {
			t.Fatalf("%d parts, %d bytes joined, equal %v; want at least 4 parts making the message", parts, len(joined), bytes.Equal(joined, big))
		}
		d, err := nextMessage(ctx, srv)
		if err != nil || d.partial || string(d.msg) != "next" {
			t.Fatalf("next message %q partial %v: %v", d.msg, d.partial, err)
		}
		if st, err := srv.stats(); err != nil || st.State != SCTP_ESTABLISHED {
			t.Fatalf("server association %v, %v", st.State, err)
		}
		h.abort("done")
	})
}
