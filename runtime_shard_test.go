package sctp

import (
	"bytes"
	"context"
	"net/netip"
	"testing"
	"time"
)

// newTestShardGroup opens a group of n shards on 127.0.0.1, closed at the
// end of the test.
func newTestShardGroup(t testing.TB, n int) *shardGroup {
	t.Helper()
	if !reusePortSteering {
		t.Skip("no SO_REUSEPORT steering on this system: a shard group has one shard")
	}
	g, err := newShardGroup("udp4", netip.MustParseAddrPort("127.0.0.1:0"), n, runnerConfig{})
	if err != nil {
		t.Fatalf("newShardGroup: %v", err)
	}
	t.Cleanup(func() { g.close() })
	if len(g.rs) != n {
		t.Fatalf("%d shards, want %d", len(g.rs), n)
	}
	for _, r := range g.rs[1:] {
		if r.localAddr() != g.localAddr() {
			t.Fatalf("shard on %v, group on %v: one UDP port for all", r.localAddr(), g.localAddr())
		}
	}
	return g
}

// shardOf returns the index of the shard that owns h and h's local
// verification tag.
func shardOf(t *testing.T, g *shardGroup, h *assocHandle) (int, uint32) {
	t.Helper()
	var tag uint32
	if err := h.do(func(a *association, _ time.Time) { tag = a.localTag }); err != nil {
		t.Fatal(err)
	}
	for i, r := range g.rs {
		if h.r == r {
			return i, tag
		}
	}
	t.Fatal("handle of no shard")
	return -1, 0
}

// exchange sends one message each way on a and b and checks both arrive.
func exchange(t *testing.T, ctx context.Context, a, b *assocHandle, i int) {
	t.Helper()
	for _, p := range [][2]*assocHandle{{a, b}, {b, a}} {
		want := epPayload(i, 100+i)
		if err := p[0].send(ctx, outMessage{data: want}); err != nil {
			t.Fatalf("association %d: send: %v", i, err)
		}
		d, err := nextMessage(ctx, p[1])
		if err != nil || !bytes.Equal(d.msg, want) {
			t.Fatalf("association %d: got %q, %v; want the message sent", i, d.msg, err)
		}
	}
}

// A shard group shares one UDP port; the kernel steers every packet to
// the shard that owns its association (by verification tag; INIT by
// source SCTP port), for associations accepted and connected alike, and
// no packet is mis-steered (nothing out of the blue, no bad tag).
func TestShardGroupSteering(t *testing.T) {
	const n = 2
	g := newTestShardGroup(t, n)
	c := newUDPEndpoint(t, "udp4", "127.0.0.1")
	ctx := testCtx(t, time.Minute)
	if err := g.listen(9, assocConfig{}, 0); err != nil {
		t.Fatal(err)
	}
	// Accepted: INITs from source ports 50000..50007 land on shard
	// port mod 2, four each, and each association lives there.
	perShard := make([]int, n)
	for i := range 8 {
		port := uint16(50000 + i)
		h, err := c.connect(port, g.localAddr(), 9, assocConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.waitEstablished(ctx); err != nil {
			t.Fatalf("connect from port %d: %v", port, err)
		}
		srv, err := g.accept(ctx, 9)
		if err != nil {
			t.Fatal(err)
		}
		if srv.peerSCTPPort() != port {
			t.Fatalf("accepted the association from port %d, want %d (one at a time)", srv.peerSCTPPort(), port)
		}
		k, tag := shardOf(t, g, srv)
		if k != int(port)%n || tag%n != uint32(k) {
			t.Fatalf("association from port %d: shard %d with tag %#x; want shard %d and tag ≡ shard (mod %d)", port, k, tag, int(port)%n, n)
		}
		perShard[k]++
		exchange(t, ctx, h, srv, i)
	}
	if perShard[0] != 4 || perShard[1] != 4 {
		t.Fatalf("accepted per shard %v, want [4 4]", perShard)
	}
	// Connected from the group (ephemeral ports, round robin over the
	// shards): the replies find the shard that sent the INIT.
	if err := c.listenDefaults(10, 16); err != nil {
		t.Fatal(err)
	}
	seen := make([]bool, n)
	for i := range 4 {
		h, err := g.connect(0, c.localAddr(), 10, assocConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.waitEstablished(ctx); err != nil {
			t.Fatalf("connect from the group: %v", err)
		}
		srv, err := c.accept(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		k, tag := shardOf(t, g, h)
		if tag%n != uint32(k) || int(h.localSCTPPort())%n != k {
			t.Fatalf("connected on shard %d with tag %#x port %d: want both ≡ shard (mod %d)", k, tag, h.localSCTPPort(), n)
		}
		seen[k] = true
		exchange(t, ctx, h, srv, 100+i)
	}
	if !seen[0] || !seen[1] {
		t.Fatalf("connects used shards %v, want both", seen)
	}
	st, err := g.stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Associations != 12 || st.DroppedOOTB != 0 || st.DroppedBadVtag != 0 || st.DroppedUnknownPort != 0 || st.CookiesRejected != 0 {
		t.Fatalf("group stats: %d associations (want 12), OOTB %d, bad tag %d, unknown port %d, cookies rejected %d (want 0)",
			st.Associations, st.DroppedOOTB, st.DroppedBadVtag, st.DroppedUnknownPort, st.CookiesRejected)
	}
	if err := g.unlisten(9); err != nil {
		t.Fatal(err)
	}
	if _, err := g.accept(ctx, 9); err == nil {
		t.Fatal("accept after unlisten succeeded")
	}
}
