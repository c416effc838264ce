package sctp

import (
	"flag"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/fuzz"
	"github.com/usctp/sctp/internal/simnet"
)

// hostileTypes: every chunk type package chunk knows, and unknown ones
// with each of the four upper-bit actions (RFC 9260 §3.2).
var hostileTypes = append(slices.Clone(fuzz.ChunkTypes), 0x3F, 0x7F, 0xBF, 0xFF)

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

// TestHostileInitFlood sends 100,000 INITs (and 10,000 forged COOKIE ECHOs) from
// random addresses and ports to a listening endpoint: no association may be
// allocated and the heap must not grow (RFC 9260 §5.1.3: the listener is
// stateless until a valid COOKIE ECHO).
func TestHostileInitFlood(t *testing.T) {
	const n = 100_000
	sim := simnet.NewSim(1)
	ep := newEndpoint(endpointConfig{rand: simRand(99)})
	if err := ep.listen(simServerPort, assocConfig{}); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddNode(simServerAddr, &simEndpoint{t: t, ep: ep}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var pkt []byte
	cookieBuf := make([]byte, 256)
	flood := func(count int) {
		for i := 0; i < count; i++ {
			var from netip.AddrPort
			if r.IntN(2) == 0 {
				from = netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(1 + r.IntN(223)), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}), uint16(1+r.IntN(65535)))
			} else {
				var a [16]byte
				a[0] = 0x20
				for j := 1; j < 16; j++ {
					a[j] = byte(r.Uint32())
				}
				from = netip.AddrPortFrom(netip.AddrFrom16(a), uint16(1+r.IntN(65535)))
			}
			srcPort := uint16(1 + r.IntN(65535))
			pkt = appendCommonHeader(pkt[:0], commonHeader{SrcPort: srcPort, DstPort: simServerPort})
			init := chunk.Init{InitiateTag: r.Uint32() | 1, ARwnd: 65536, OutStreams: 10, InStreams: 10, InitialTSN: r.Uint32()}
			pkt = init.AppendTo(pkt)
			finalizePacket(pkt)
			sim.Inject(from, simServerAddr, pkt)
			if i%10 == 9 {
				// Also a forged COOKIE ECHO with a random cookie and tag.
				pkt = appendCommonHeader(pkt[:0], commonHeader{SrcPort: srcPort, DstPort: simServerPort, VerificationTag: r.Uint32()})
				cookie := cookieBuf[:16+r.IntN(200)]
				for j := range cookie {
					cookie[j] = byte(r.Uint32())
				}
				pkt = (&chunk.CookieEcho{Cookie: cookie}).AppendTo(pkt)
				finalizePacket(pkt)
				sim.Inject(from, simServerAddr, pkt)
			}
		}
		if err := sim.Run(nil, time.Hour, 10*count+100); err != nil {
			t.Fatal(err)
		}
	}
	const batch = 1000
	flood(batch) // warm up buffers and maps
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for sent := batch; sent < n; sent += batch {
		flood(batch)
		if a := ep.associations(); a != 0 {
			t.Fatalf("%d associations after %d hostile packets", a, sent+batch)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	es := ep.stats()
	t.Logf("heap growth %d bytes; endpoint stats %+v; network %v", growth, es, sim.Stats())
	if ep.associations() != 0 || len(ep.byID) != 0 || len(ep.assocs) != 0 {
		t.Fatalf("associations allocated: %d", ep.associations())
	}
	if es.InitAcksSent != n {
		t.Fatalf("%d INIT ACKs for %d INITs: the flood was not processed", es.InitAcksSent, n)
	}
	if es.CookiesRejected != n/10 {
		t.Fatalf("%d of %d forged cookies rejected", es.CookiesRejected, n/10)
	}
	if growth > 256<<10 {
		t.Fatalf("heap grew by %d bytes during the flood", growth)
	}
}
