package sctp

import (
	"flag"
	"math/rand/v2"
	"testing"

	"github.com/usctp/sctp/chunk"
)

var hostileTypes = []chunk.Type{
	chunk.TypeData, chunk.TypeInit, chunk.TypeInitAck, chunk.TypeSack, chunk.TypeHeartbeat,
	chunk.TypeHeartbeatAck, chunk.TypeAbort, chunk.TypeShutdown, chunk.TypeShutdownAck,
	chunk.TypeError, chunk.TypeCookieEcho, chunk.TypeCookieAck, chunk.TypeECNE, chunk.TypeCWR,
	chunk.TypeShutdownComplete, chunk.TypeAuth, chunk.TypeIData, chunk.TypeAsconfAck,
	chunk.TypeReconfig, chunk.TypePad, chunk.TypeForwardTSN, chunk.TypeAsconf, chunk.TypeIForwardTSN,
	0x3F, 0x7F, 0xBF, 0xFF,
}

// hostilePacket builds a packet of 1–4 random chunks with valid framing
// and CRC, mostly with the right verification tag.
func (tp *testPeer) hostilePacket(r *rand.Rand) []byte {
	var cs []chunk.Chunk
	for n := 1 + r.IntN(4); n > 0; n-- {
		v := make([]byte, r.IntN(48))
		for i := range v {
			v[i] = byte(r.Uint32())
		}
		// Plausible TSNs sometimes, so the data path sees real work.
		if len(v) >= 4 && r.IntN(2) == 0 {
			tsn := tp.peerTSN + uint32(r.IntN(8))
			v[0], v[1], v[2], v[3] = byte(tsn>>24), byte(tsn>>16), byte(tsn>>8), byte(tsn)
		}
		cs = append(cs, &chunk.Unknown{Raw: chunk.Raw{Type: hostileTypes[r.IntN(len(hostileTypes))], Flags: byte(r.Uint32()), Value: v}})
	}
	vtag := tp.epTag
	switch r.IntN(8) {
	case 0:
		vtag = 0
	case 1:
		vtag = tp.peerTag
	case 2:
		vtag = r.Uint32()
	}
	return tp.packet(vtag, cs...)
}

var hostileN = flag.Int("core.hostile", 10000, "packets for TestHostileChunksNoPanic")

func TestHostileChunksNoPanic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := *hostileN
	if testing.Short() {
		n = 2000
	}
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	for i := 0; i < n; i++ {
		tp.ep.handleDatagram(tp.now, tp.addr, tp.hostilePacket(r))
		if i%16 == 0 {
			tp.now = tp.now.Add(100 * 1e6)
			tp.ep.handleTimeout(tp.now)
		}
		if a := tp.assoc; a.state != stateClosed {
			if len(a.pending) > maxPendingControl || len(a.ctrl) > 4*a.cfg.mtu+64 {
				t.Fatalf("queues grew: pending %d ctrl %d", len(a.pending), len(a.ctrl))
			}
		}
		tp.drainQuietly()
		for {
			if _, ok := tp.ep.pollEvent(); !ok {
				break
			}
		}
		if tp.ep.associations() == 0 {
			// Aborted by some input: set up a fresh association.
			tp.assoc.ep.unlisten(tp.localPort)
			tp.peerTag++
			tp.acceptHandshake(testAssocConfig())
		}
		if tp.ep.associations() > 1 {
			t.Fatalf("hostile input created associations: %d", tp.ep.associations())
		}
	}
}

func FuzzEndpointCore(f *testing.F) {
	tp := newTestPeer(&testing.T{})
	f.Add(tp.packet(0, tp.peerInit(nil)))
	f.Add(tp.packet(1, &chunk.ShutdownAck{}))
	f.Add(tp.packet(1, &chunk.Heartbeat{Info: []byte("x")}, &chunk.Unknown{Raw: chunk.Raw{Type: 0x7F}}))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		tp := newTestPeer(t)
		tp.acceptHandshake(testAssocConfig())
		if len(pkt) >= commonHeaderLen {
			// Give the input a chance: right ports and tag, valid CRC.
			p := append([]byte(nil), pkt...)
			if p[0]&1 == 0 {
				copy(p, tp.packet(tp.epTag)[:8])
			}
			finalizePacket(p)
			tp.ep.handleDatagram(tp.now, tp.addr, p)
		}
		tp.ep.handleDatagram(tp.now, tp.addr, pkt)
		tp.now = tp.now.Add(time63s)
		tp.ep.handleTimeout(tp.now)
		tp.drainQuietly()
	})
}

const time63s = 63 * 1e9
