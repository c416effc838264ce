package sctp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

func testTwoEndpoints(t *testing.T, drop func(i int, pkt []byte) bool) {
	pn := newBackToBack(t)
	pn.drop = drop
	client, server := pn.connect(assocConfig{outStreams: 8, maxInStreams: 8, mtu: 1200})

	// Messages both ways, several streams, some larger than the MTU.
	var sent [2][][]byte
	for i := 0; i < 30; i++ {
		size := 1 + (i*977)%5000
		msg := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		copy(msg, fmt.Sprintf("#%d", i))
		from := []*association{client, server}[i%2]
		if err := from.send(pn.now(), outMessage{stream: uint16(i % 8), ppid: uint32(i), data: msg}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		sent[i%2] = append(sent[i%2], msg)
	}
	var got [2][][]byte // got[0]: read by the server (sent by the client)
	pn.runUntil("delivery", func() bool {
		for i, a := range []*association{server, client} {
			for {
				m, ok := a.readMessage()
				if !ok {
					break
				}
				got[i] = append(got[i], append([]byte(nil), m.data...))
			}
		}
		return len(got[0]) == len(sent[0]) && len(got[1]) == len(sent[1])
	})
	for dir := 0; dir < 2; dir++ {
		want := map[string]int{}
		for _, m := range sent[dir] {
			want[string(m)]++
		}
		for _, m := range got[dir] {
			want[string(m)]--
		}
		for m, n := range want {
			if n != 0 {
				t.Fatalf("direction %d: message %.10q delivered %d times too few", dir, m, n)
			}
		}
	}

	if drop != nil {
		cs, ss := client.stats(), server.stats()
		if cs.T3Retransmits+cs.FastRetransmits+cs.T1Retransmits+ss.T3Retransmits+ss.FastRetransmits == 0 {
			t.Fatalf("no retransmissions despite loss: %+v / %+v", cs, ss)
		}
		t.Logf("client %+v", cs)
	}
	client.shutdown(pn.now())
	pn.runUntil("shutdown", func() bool { return client.currentState() == stateClosed && server.currentState() == stateClosed })
	pn.flush()
	if !hasEvent(pn.events[0], ShutdownComp) || !hasEvent(pn.events[1], ShutdownComp) {
		t.Fatalf("missing SHUTDOWN_COMP events: %v / %v", pn.events[0], pn.events[1])
	}
	if pn.eps[0].associations() != 0 || pn.eps[1].associations() != 0 {
		t.Fatalf("associations left: %d %d", pn.eps[0].associations(), pn.eps[1].associations())
	}
	if !pn.eps[0].deadline().IsZero() || !pn.eps[1].deadline().IsZero() {
		t.Fatalf("timers left armed")
	}
}

func TestTwoEndpointsBackToBack(t *testing.T) {
	testTwoEndpoints(t, nil)
}

func TestTwoEndpointsWithLoss(t *testing.T) {
	// Drop every 7th datagram, whatever it carries.
	testTwoEndpoints(t, func(i int, _ []byte) bool { return i%7 == 3 })
}

func TestTwoEndpointsSimultaneousOpen(t *testing.T) {
	pn := newBackToBack(t)
	cfg := assocConfig{outStreams: 2, maxInStreams: 2}
	a, err := pn.eps[0].connect(pn.now(), 5001, pn.addrs[1], 5002, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pn.eps[1].connect(pn.now(), 5002, pn.addrs[0], 5001, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pn.runUntil("both established", func() bool { return a.currentState() == stateEstablished && b.currentState() == stateEstablished })
	if a.localTag != b.peerTag || b.localTag != a.peerTag {
		t.Fatalf("tags disagree: a %#x/%#x b %#x/%#x", a.localTag, a.peerTag, b.localTag, b.peerTag)
	}
	if err := a.send(pn.now(), outMessage{data: []byte("hi")}); err != nil {
		t.Fatal(err)
	}
	pn.runUntil("message", func() bool {
		m, ok := b.readMessage()
		return ok && string(m.data) == "hi"
	})
	a.shutdown(pn.now())
	pn.runUntil("closed", func() bool { return a.currentState() == stateClosed && b.currentState() == stateClosed })
}

func TestConnectErrors(t *testing.T) {
	ep := newTestEndpoint(t, 3)
	cfg := assocConfig{}
	if _, err := ep.connect(testEpoch, 1, netip.AddrPort{}, 7, cfg); err == nil {
		t.Error("connect to invalid address succeeded")
	}
	if _, err := ep.connect(testEpoch, 1, netip.MustParseAddrPort("192.0.2.1:0"), 7, cfg); err == nil {
		t.Error("connect with UDP port 0 succeeded")
	}
	remote := netip.MustParseAddrPort("192.0.2.1:9899")
	if _, err := ep.connect(testEpoch, 1, remote, 7, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := ep.connect(testEpoch, 1, remote, 7, cfg); err == nil {
		t.Error("duplicate association accepted")
	}
	a, err := ep.connect(testEpoch, 0, remote, 7, cfg)
	if err != nil || a.localPort < 49152 {
		t.Fatalf("ephemeral connect: %v port %d", err, a.localPort)
	}
	if err := ep.listen(0, cfg); err == nil {
		t.Error("listen on port 0 succeeded")
	}
	if err := ep.listen(9, cfg); err != nil {
		t.Fatal(err)
	}
	if err := ep.listen(9, cfg); err == nil {
		t.Error("double listen succeeded")
	}
	if ep.association(a.id()) != a {
		t.Error("association lookup by id failed")
	}
}

func TestEndpointCloseAll(t *testing.T) {
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	tp.ep.closeAll(tp.now, "endpoint closed")
	tp.collect()
	c := wantCause(t, tp.wantAbort().Causes, chunk.CauseUserInitiatedAbort)
	if string(c.Info) != "endpoint closed" {
		t.Fatalf("cause info %q", c.Info)
	}
	tp.wantEvent(AssocChange{State: CommLost})
	if tp.ep.associations() != 0 {
		t.Fatal("associations left")
	}
	// No listener any more: a new INIT gets an ABORT.
	tp.peerTag++
	tp.write(0, tp.peerInit(nil))
	tp.wantPacket(tp.peerTag, chunk.TypeAbort)
}

// Hot-path micro-benchmarks live with the code they measure:
// chunk/alloc_test.go (BenchmarkDataDecodeEncode, BenchmarkSack16Gaps),
// packet_test.go BenchmarkParsePacket1452, crc32c_test.go, the send path
// per message in association_data_alloc_test.go BenchmarkDataSendSack, SACK
// processing with many gap blocks in retransmit_test.go
// BenchmarkSackManyGaps, out-of-order reassembly in streams_test.go
// BenchmarkReassemblyReversed, the receive path per packet through the
// endpoint and both ends together here. Every benchmark reports allocs/op;
// the steady state target is 0.

// BenchmarkTwoEndpointsTransfer moves 1 KiB messages between two
// endpoints back to back; reports allocations per message.
func BenchmarkTwoEndpointsTransfer(b *testing.B) {
	pn := newBackToBack(b)
	client, server := pn.connect(assocConfig{outStreams: 4, maxInStreams: 4, mtu: 1452, sndBuf: 4 << 20, rwnd: 4 << 20})
	pn.discard = true
	msg := make([]byte, 1024)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for {
			err := client.send(pn.now(), outMessage{stream: uint16(i % 4), data: msg})
			if err == nil {
				break
			}
			if !errors.Is(err, errSendBufferFull) {
				b.Fatalf("message %d: %v", i, err)
			}
			if !pn.pump() {
				b.Fatalf("message %d: send buffer full and nothing left to run", i)
			}
			for {
				if _, ok := server.readMessage(); !ok {
					break
				}
			}
		}
	}
	pn.pump()
}

// BenchmarkEndpointRecvData is the receive path per packet: one DATA packet
// (a 1200-byte message, CRC32c already computed) through
// endpoint.handleDatagram — checksum, demultiplexing, verification tag,
// TSN tracking — then readMessage, and the SACK the server sends (built and
// checksummed by appendDatagram) for every second packet. Packets are
// prepared 1,024 at a time with the timer stopped.
func BenchmarkEndpointRecvData(b *testing.B) {
	for _, size := range []int{1200, 100} {
		b.Run(byteSize(size), func(b *testing.B) {
			cfg := assocConfig{outStreams: 1, maxInStreams: 1, mtu: 1452, rwnd: 4 << 20, sndBuf: 4 << 20, hbDisabled: true}
			p := newBackToBack(b)
			client, server := p.connect(cfg)
			msg := payload(size, 3)
			if err := client.send(p.now(), outMessage{data: msg}); err != nil {
				b.Fatal(err)
			}
			first, _, ok := p.eps[1].appendDatagram(p.now(), nil)
			if !ok {
				b.Fatal("client sent nothing")
			}
			h, chunks, err := parsePacket(first)
			if err != nil {
				b.Fatal(err)
			}
			var d0 chunk.Data
			for it := chunk.NewIter(chunks); it.Next(); {
				if r := it.Chunk(); r.Type == chunk.TypeData {
					if err := d0.Decode(r); err != nil {
						b.Fatal(err)
					}
				}
			}
			if len(d0.UserData) != size {
				b.Fatalf("first packet has no %d-byte DATA chunk", size)
			}
			const batch = 1024
			pkts := make([][]byte, batch)
			for i := range pkts {
				pkts[i] = make([]byte, 0, 2048)
			}
			next := 0
			build := func() {
				for i := range pkts {
					c := chunk.Data{TSN: d0.TSN + uint32(next), Stream: d0.Stream, SSN: d0.SSN + uint16(next),
						PPID: d0.PPID, Beginning: true, Ending: true, UserData: msg}
					pk := appendCommonHeader(pkts[i][:0], h)
					pk = c.AppendTo(pk)
					finalizePacket(pk)
					pkts[i] = pk
					next++
				}
			}
			out := make([]byte, 0, 2048)
			sacks := 0
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%batch == 0 {
					b.StopTimer()
					build()
					b.StartTimer()
				}
				p.eps[0].handleDatagram(p.now(), p.addrs[1], pkts[i%batch])
				m, ok := server.readMessage()
				if !ok || len(m.data) != size {
					b.Fatalf("packet %d: message not delivered (%v, %d bytes)", i, ok, len(m.data))
				}
				for {
					pkt, _, ok := p.eps[0].appendDatagram(p.now(), out[:0])
					if !ok {
						break
					}
					sacks++
					out = pkt
				}
				for {
					if _, ok := p.eps[0].pollEvent(); !ok {
						break
					}
				}
			}
			b.StopTimer()
			if b.N >= 2 && sacks == 0 {
				b.Fatal("the server never sent a SACK")
			}
			b.ReportMetric(float64(sacks)/float64(b.N), "SACKs/pkt")
		})
	}
}

func TestListenerAllocatesNothingBeforeCookie(t *testing.T) {
	tp := newTestPeer(t)
	tp.listen(testAssocConfig())
	n := 10000
	if testing.Short() {
		n = 2000
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < n; i++ {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		from := netip.AddrPortFrom(ip, uint16(1024+i%60000))
		tp.peerTag = uint32(i + 1)
		tp.ep.handleDatagram(tp.now, from, tp.packet(0, tp.peerInit(nil)))
		// Drain the INIT ACK now and then, as a runtime would.
		if i%64 == 0 {
			tp.drainQuietly()
		}
	}
	tp.drainQuietly()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := tp.ep.associations(); got != 0 {
		t.Fatalf("%d associations after %d INITs, want 0", got, n)
	}
	if len(tp.ep.assocs) != 0 || len(tp.ep.byID) != 0 {
		t.Fatalf("association maps not empty")
	}
	if got := tp.ep.stats().InitAcksSent; got != uint64(n) {
		t.Fatalf("InitAcksSent %d, want %d", got, n)
	}
	if growth := int64(after.HeapInuse) - int64(before.HeapInuse); growth > 1<<20 {
		t.Fatalf("heap grew by %d bytes over %d INITs", growth, n)
	}
}

func TestInitWithoutListenerGetsAbort(t *testing.T) {
	tp := newTestPeer(t)
	tp.write(0, tp.peerInit(nil))
	if tp.wantAbort().T {
		t.Errorf("T bit set; §8.4 rule 3 says T=0 with the Initiate Tag")
	}
}

func TestInitZeroStreamsAbortCause7(t *testing.T) {
	for _, tc := range []struct {
		name    string
		os, mis uint16
		rwnd    uint32
	}{
		{"OS=0", 0, 8, 100000},
		{"MIS=0", 8, 0, 100000},
		{"a_rwnd<1500", 8, 8, 1499},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTestPeer(t)
			tp.listen(testAssocConfig())
			init := tp.peerInit(nil)
			init.OutStreams, init.InStreams, init.ARwnd = tc.os, tc.mis, tc.rwnd
			tp.write(0, init)
			ab := tp.wantAbort()
			if ab.T {
				t.Errorf("ABORT has T bit; vtag is the Initiate Tag")
			}
			wantCause(t, ab.Causes, chunk.CauseInvalidMandatoryParam)
			if tp.ep.associations() != 0 {
				t.Fatalf("association created")
			}
		})
	}
	// An existing association is not changed (RFC 9260 §3.3.2).
	tp := newTestPeer(t)
	tp.acceptHandshake(testAssocConfig())
	init := tp.peerInit(nil)
	init.InitiateTag = 0x5555
	init.OutStreams = 0
	tp.write(0, init)
	tp.wantPacket(0x5555, chunk.TypeAbort)
	tp.wantState(stateEstablished)
}

func TestStaleCookieError(t *testing.T) {
	tp := newTestPeer(t)
	tp.listen(testAssocConfig())
	ack := tp.initAndGetCookie(nil)
	tp.now = tp.now.Add(60*time.Second + 1500*time.Millisecond)
	tp.write(ack.InitiateTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	p := tp.wantPacket(tp.peerTag, chunk.TypeError)
	c := wantCause(t, decodeAs(t, p.chunks[0], &chunk.Error{}).Causes, chunk.CauseStaleCookie)
	if len(c.Info) != 4 || binary.BigEndian.Uint32(c.Info) != 1500000 {
		t.Fatalf("staleness %x, want 1500000 µs", c.Info)
	}
	if tp.ep.associations() != 0 {
		t.Fatal("stale cookie created an association")
	}
}

func TestCookiePreservativeExtendsLifetime(t *testing.T) {
	tp := newTestPeer(t)
	tp.listen(testAssocConfig())
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], 5000) // 5 s
	ack := tp.initAndGetCookie(chunk.AppendParam(nil, chunk.ParamCookiePreservative, v[:]))
	tp.now = tp.now.Add(63 * time.Second)
	tp.write(ack.InitiateTag, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	tp.wantPacket(tp.peerTag, chunk.TypeCookieAck)
}

func TestForgedCookieDiscarded(t *testing.T) {
	tp := newTestPeer(t)
	tp.listen(testAssocConfig())
	ack := tp.initAndGetCookie(nil)
	ck := cookieOf(t, ack)
	ck[len(ck)/2] ^= 1
	tp.write(ack.InitiateTag, &chunk.CookieEcho{Cookie: ck})
	tp.wantIdle()
	// Right cookie, wrong vtag (§8.5.1 D).
	tp.write(ack.InitiateTag+1, &chunk.CookieEcho{Cookie: cookieOf(t, ack)})
	tp.wantIdle()
	if tp.ep.associations() != 0 || tp.ep.stats().CookiesRejected != 2 {
		t.Fatalf("associations %d, rejected %d", tp.ep.associations(), tp.ep.stats().CookiesRejected)
	}
}
