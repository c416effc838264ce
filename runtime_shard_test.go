package sctp

import (
	"bytes"
	"context"
	"errors"
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

// StackConfig.Shards: a sharded stack is used like any other (Listen,
// Dial, Conn), its associations spread over the shards, and Stats sums
// them.
func TestStackShards(t *testing.T) {
	if !reusePortSteering {
		t.Skip("no SO_REUSEPORT steering on this system")
	}
	srvSt, err := NewStack(StackConfig{Network: "udp4", LocalAddr: netip.MustParseAddrPort("127.0.0.1:0"), Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srvSt.Close()
	if len(srvSt.group.rs) != 2 {
		t.Fatalf("%d shards, want 2", len(srvSt.group.rs))
	}
	cliSt, err := NewStack(StackConfig{Network: "udp4", LocalAddr: netip.MustParseAddrPort("127.0.0.1:0"), RemoteUDPPort: srvSt.LocalUDPAddr().Port(), Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer cliSt.Close()
	ln, err := Listen("sctp4", "127.0.0.1:0", &Config{Stack: srvSt})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx := testCtx(t, time.Minute)
	const n = 16
	buf := make([]byte, 100)
	var perPort [2]int
	for i := range n {
		c, err := Dial(ctx, "sctp4", ln.Addr().(*Addr).AddrPort.String(), &Config{Stack: cliSt})
		if err != nil {
			t.Fatalf("Dial %d: %v", i, err)
		}
		defer c.Close()
		perPort[c.LocalAddr().(*Addr).Port()%2]++
		s, err := ln.AcceptContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		msg := epPayload(i, 50)
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if k, err := s.Read(buf); err != nil || !bytes.Equal(buf[:k], msg) {
			t.Fatalf("Read %d: %q, %v", i, buf[:k], err)
		}
		if _, err := s.Write(msg); err != nil {
			t.Fatal(err)
		}
		if k, err := c.Read(buf); err != nil || !bytes.Equal(buf[:k], msg) {
			t.Fatalf("echo %d: %q, %v", i, buf[:k], err)
		}
	}
	for _, st := range []*Stack{srvSt, cliSt} {
		total, err := st.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if total.Associations != n || total.DroppedOOTB != 0 || total.DroppedBadVtag != 0 {
			t.Fatalf("stats: %d associations (want %d), OOTB %d, bad tag %d", total.Associations, n, total.DroppedOOTB, total.DroppedBadVtag)
		}
		// A client association runs on the shard of its local SCTP port
		// (mod 2) and lands on the server shard of the same index (INITs
		// are steered by source port).
		for k, r := range st.group.rs {
			s, err := r.stats()
			if err != nil {
				t.Fatal(err)
			}
			if s.Associations != perPort[k] {
				t.Errorf("shard %d holds %d associations, want %d (client ports ≡ %d mod 2)", k, s.Associations, perPort[k], k)
			}
		}
	}
	if _, err := NewStack(StackConfig{Shards: 2, Capture: new(bytes.Buffer)}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Shards with Capture: %v, want ErrInvalidArgument", err)
	}
}
