package sctp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// TestConnectxRotatesInit: an association set up with Connectx's several
// peer addresses sends its INIT to the first and each retransmission to
// the next (RFC 9260 §5.1, RFC 6458 §9.9), so one dead address does not
// stop the setup; every given address is a confirmed path at once (§5.4).
func TestConnectxRotatesInit(t *testing.T) {
	ep := newEndpoint(endpointConfig{rand: simRand(7), loggerFactory: quietLogger()})
	now := time.Unix(1000, 0)
	first := netip.MustParseAddrPort("127.0.0.3:9899")
	more := []netip.Addr{netip.MustParseAddr("127.0.0.4"), netip.MustParseAddr("::1")}
	a, err := ep.connectx(now, 0, first, more, 5000, assocConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if a.paths.len() != 3 {
		t.Fatalf("%d paths, want 3", a.paths.len())
	}
	for i := range a.paths.len() {
		if !a.paths.path(i).confirmed {
			t.Fatalf("path %v unconfirmed: the user gave it", a.paths.path(i).addr)
		}
	}
	want := []netip.Addr{first.Addr(), more[0], more[1], first.Addr()}
	buf := make([]byte, 0, 2048)
	for i, w := range want {
		pkt, to, ok := ep.appendDatagram(now, buf[:0])
		if !ok {
			t.Fatalf("INIT %d not sent", i)
		}
		if to.Addr() != w || to.Port() != 9899 {
			t.Fatalf("INIT %d to %v, want %v", i, to, w)
		}
		if pkt[12] != byte(chunk.TypeInit) {
			t.Fatalf("packet %d is chunk type %d, not INIT", i, pkt[12])
		}
		if _, _, again := ep.appendDatagram(now, buf[:0]); again {
			t.Fatalf("two packets after INIT %d", i)
		}
		now = ep.deadline()
		ep.handleTimeout(now)
	}
}

// TestInitListsBoundAddrs: INIT lists our addresses when two or more
// specific ones are bound, and nothing for one address or the wildcard
// (RFC 6951 §5.7); the packet's source is the bound address nearest the
// peer.
func TestInitListsBoundAddrs(t *testing.T) {
	l1, l2 := netip.MustParseAddr("172.31.1.1"), netip.MustParseAddr("172.31.2.1")
	for _, tc := range []struct {
		laddrs []netip.Addr
		peer   string
		list   bool
		src    netip.Addr
	}{
		{nil, "172.31.2.2", false, netip.Addr{}},
		{[]netip.Addr{l2}, "172.31.1.2", false, l2},
		{[]netip.Addr{l1, l2}, "172.31.2.2", true, l2},
		{[]netip.Addr{l1, l2}, "172.31.1.2", true, l1},
		{[]netip.Addr{l1, l2}, "::1", true, netip.Addr{}},
	} {
		ep := newEndpoint(endpointConfig{rand: simRand(8), loggerFactory: quietLogger()})
		now := time.Unix(1000, 0)
		peer := netip.AddrPortFrom(netip.MustParseAddr(tc.peer), 9899)
		if _, err := ep.connect(now, 0, peer, 5000, assocConfig{laddrs: tc.laddrs}); err != nil {
			t.Fatal(err)
		}
		pkt, _, ok := ep.appendDatagram(now, nil)
		if !ok {
			t.Fatal("no INIT")
		}
		if got := ep.lastSource(); got != tc.src {
			t.Errorf("%v to %v: source %v, want %v", tc.laddrs, tc.peer, got, tc.src)
		}
		var init chunk.Init
		it := chunk.NewIter(pkt[12:])
		if !it.Next() || init.Decode(it.Chunk()) != nil {
			t.Fatal("INIT does not decode")
		}
		var listed []netip.Addr
		pit := chunk.NewParamIter(init.Params)
		for pit.Next() {
			if p := pit.Param(); p.Type == chunk.ParamIPv4Addr {
				listed = append(listed, netip.AddrFrom4([4]byte(p.Value)))
			}
		}
		wantN := 0
		if tc.list {
			wantN = len(tc.laddrs)
		}
		if len(listed) != wantN {
			t.Errorf("%v: INIT lists %v", tc.laddrs, listed)
		}
	}
}
