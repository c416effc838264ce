package sctp

import (
	"bytes"
	"encoding/binary"
	"flag"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"
)

var (
	lossySeeds = flag.Int("core.seeds", 8, "seeds for TestLossyTwoEndpoints")
	lossySeed  = flag.Int("core.seed", 0, "run only this seed of TestLossyTwoEndpoints")
)

// flight is a datagram in the air of lossyNet.
type flight struct {
	at   time.Time
	seq  int
	to   int
	from netip.AddrPort
	pkt  []byte
}

// lossyNet connects two endpointCores through a network that drops,
// duplicates, delays and reorders datagrams, in virtual time.
type lossyNet struct {
	t      *testing.T
	r      *rand.Rand
	now    time.Time
	eps    [2]*endpoint
	addrs  [2]netip.AddrPort
	air    []flight
	seq    int
	loss   float64
	events [2][]Event
	buf    []byte
}

func (ln *lossyNet) send() {
	for i, ep := range ln.eps {
		for k := 0; k < 10000; k++ {
			pkt, to, ok := ep.appendDatagram(ln.now, ln.buf[:0])
			if !ok {
				break
			}
			if to != ln.addrs[1-i] {
				ln.t.Fatalf("sent to %v", to)
			}
			copies := 1
			if ln.r.Float64() < ln.loss {
				copies = 0
			} else if ln.r.Float64() < 0.05 {
				copies = 2
			}
			for c := 0; c < copies; c++ {
				delay := 5*time.Millisecond + time.Duration(ln.r.IntN(int(20*time.Millisecond)))
				ln.seq++
				ln.air = append(ln.air, flight{at: ln.now.Add(delay), seq: ln.seq, to: 1 - i, from: ln.addrs[i], pkt: append([]byte(nil), pkt...)})
			}
		}
		for {
			ev, ok := ep.pollEvent()
			if !ok {
				break
			}
			ln.events[i] = append(ln.events[i], ev)
		}
	}
}

// step advances to the next arrival or timer.
func (ln *lossyNet) step() bool {
	ln.send()
	next := time.Time{}
	for _, f := range ln.air {
		if next.IsZero() || f.at.Before(next) {
			next = f.at
		}
	}
	for _, ep := range ln.eps {
		if d := ep.deadline(); !d.IsZero() && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	if next.IsZero() {
		return false
	}
	if next.After(ln.now) {
		ln.now = next
	}
	slices.SortFunc(ln.air, func(a, b flight) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	n := 0
	for n < len(ln.air) && !ln.air[n].at.After(ln.now) {
		f := ln.air[n]
		ln.eps[f.to].handleDatagram(ln.now, f.from, f.pkt)
		n++
	}
	ln.air = ln.air[n:]
	for _, ep := range ln.eps {
		if d := ep.deadline(); !d.IsZero() && !ln.now.Before(d) {
			ep.handleTimeout(ln.now)
		}
	}
	return true
}

func (ln *lossyNet) runUntil(what string, limit time.Duration, cond func() bool) {
	ln.t.Helper()
	start := ln.now
	for i := 0; i < 2000000 && !cond(); i++ {
		if !ln.step() || ln.now.Sub(start) > limit {
			break
		}
	}
	if !cond() {
		for i, ep := range ln.eps {
			for _, a := range ep.list {
				ln.t.Logf("endpoint %d assoc %d: %v %+v data %+v", i, a.aid, a.state, a.stats(), a.data.stats())
			}
			ln.t.Logf("endpoint %d events %v", i, ln.events[i])
		}
		ln.t.Fatalf("%s: not reached after %v virtual (loss %.2f)", what, ln.now.Sub(start), ln.loss)
	}
}

func TestLossyTwoEndpoints(t *testing.T) {
	n := *lossySeeds
	if testing.Short() {
		n = 4
	}
	first := 1
	if *lossySeed != 0 {
		first, n = *lossySeed, *lossySeed
	}
	for seed := first; seed <= n; seed++ {
		t.Run("", func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("seed %d", seed)
				}
			}()
			testLossySeed(t, uint64(seed))
		})
	}
}

func testLossySeed(t *testing.T, seed uint64) {
	var cs [32]byte
	binary.LittleEndian.PutUint64(cs[:], seed)
	r := rand.New(rand.NewChaCha8(cs))
	ln := &lossyNet{
		t: t, r: r, now: testEpoch,
		eps:   [2]*endpoint{newTestEndpoint(t, seed*2), newTestEndpoint(t, seed*2+1)},
		addrs: [2]netip.AddrPort{netip.MustParseAddrPort("10.1.0.1:9899"), netip.MustParseAddrPort("10.1.0.2:9899")},
		loss:  r.Float64() * 0.3,
	}
	// Loss up to 30% each way: raise the retransmission limits so that
	// giving up (a legitimate outcome at the RFC defaults, e.g. 11 lost
	// SHUTDOWN COMPLETEs in a row) is practically impossible. Measured
	// with the RFC 9260 §16 defaults (one §8.1 error counter for T3-rtx
	// and heartbeats): the 8 default seeds pass, but seeds 70 and 263 of
	// 300 (25-30% loss) end in a correct association failure.
	cfg := assocConfig{outStreams: 4, maxInStreams: 4, mtu: 1200, prSCTP: seed%2 == 0, maxInitRetrans: 30, maxRetrans: 30}
	ln.eps[0].listen(7, cfg)
	client, err := ln.eps[1].connect(ln.now, 0, ln.addrs[0], 7, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var server *association
	ln.runUntil("handshake", 2*time.Hour, func() bool {
		for _, ev := range ln.events[0] {
			if a, ok := ev.(accepted); ok {
				server = a.association()
			}
		}
		return server != nil && client.currentState() == stateEstablished
	})

	type msg struct {
		stream    uint16
		unordered bool
		data      []byte
	}
	var sent []msg
	for i := 0; i < 40; i++ {
		size := 4 + r.IntN(20000) // the first 4 bytes are the message number
		m := msg{stream: uint16(r.IntN(4)), unordered: r.IntN(4) == 0, data: make([]byte, size)}
		for j := range m.data {
			m.data[j] = byte(r.Uint32())
		}
		binary.BigEndian.PutUint32(m.data, uint32(i))
		sent = append(sent, m)
	}
	next := 0
	var got []inMessage
	ln.runUntil("transfer", 3*time.Hour, func() bool {
		for next < len(sent) {
			m := sent[next]
			if err := client.send(ln.now, outMessage{stream: m.stream, unordered: m.unordered, data: m.data}); err != nil {
				break
			}
			next++
		}
		for {
			m, ok := server.readMessage()
			if !ok {
				break
			}
			m.data = append([]byte(nil), m.data...)
			got = append(got, m)
		}
		return len(got) >= len(sent) && client.data.idle()
	})
	if len(got) != len(sent) {
		t.Fatalf("delivered %d of %d", len(got), len(sent))
	}
	seen := map[uint32]bool{}
	lastOrdered := map[uint16]int{}
	for _, m := range got {
		id := binary.BigEndian.Uint32(m.data)
		if int(id) >= len(sent) || seen[id] {
			t.Fatalf("message %d duplicated or unknown", id)
		}
		seen[id] = true
		want := sent[id]
		if !bytes.Equal(m.data, want.data) || m.stream != want.stream {
			t.Fatalf("message %d corrupted", id)
		}
		if !want.unordered {
			if prev, ok := lastOrdered[m.stream]; ok && int(id) < prev {
				t.Fatalf("stream %d: ordered message %d after %d", m.stream, id, prev)
			}
			lastOrdered[m.stream] = int(id)
		}
	}
	if seed%3 == 0 {
		server.shutdown(ln.now)
	} else {
		client.shutdown(ln.now)
	}
	ln.runUntil("shutdown", 2*time.Hour, func() bool {
		return client.currentState() == stateClosed && server.currentState() == stateClosed
	})
	ln.send() // collect the last events
	for i := range ln.eps {
		if !hasEvent(ln.events[i], ShutdownComp) {
			t.Logf("client %+v\nserver %+v\nep0 %+v\nep1 %+v", client.stats(), server.stats(), ln.eps[0].stats(), ln.eps[1].stats())
			t.Fatalf("endpoint %d: no SHUTDOWN_COMP: %v", i, ln.events[i])
		}
		if ln.eps[i].associations() != 0 {
			t.Fatalf("endpoint %d: associations left", i)
		}
	}
}
