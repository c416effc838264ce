package sctp

import (
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// sendSackCycle is one steady-state sender round: enqueue a message, send
// its chunks, and process the SACK that acknowledges them.
type sendSackCycle struct {
	d    *dataState
	now  time.Time
	msg  []byte
	pkt  []byte
	sack chunk.Sack
}

func newSendSackCycle(msgSize int) *sendSackCycle {
	cfg := testDataConfig()
	c := &sendSackCycle{d: newTestDataState(cfg, dataT0), now: dataT0, msg: payload(msgSize, 3), pkt: make([]byte, 0, 2048)}
	return c
}

func (c *sendSackCycle) run(tb testing.TB) {
	c.now = c.now.Add(time.Millisecond)
	if err := c.d.enqueue(c.now, outMessage{stream: 2, ppid: 7, data: c.msg}); err != nil {
		tb.Fatal(err)
	}
	for round := 0; !c.d.idle(); round++ {
		if round > 1000 {
			tb.Fatalf("not idle after %d rounds: %+v", round, c.d.stats())
		}
		for i := 0; i < 1000; i++ {
			c.pkt = c.d.appendData(c.now, c.pkt[:0], packetRoom(c.d))
			if len(c.pkt) == 0 {
				break
			}
		}
		c.sack.CumTSNAck = c.d.snd.nextTSN - 1
		c.sack.ARwnd = 1 << 20
		if err := c.d.handleSack(c.now, &c.sack); err != nil {
			tb.Fatal(err)
		}
	}
}

// recvCycle is one steady-state receiver round: a message arrives in one or
// more DATA chunks, a SACK is built, and the message is read.
type recvCycle struct {
	d    *dataState
	now  time.Time
	tsn  uint32
	ssn  uint16
	frag []byte
	n    int // fragments per message
	c    chunk.Data
	pkt  []byte
}

func newRecvCycle(fragments int) *recvCycle {
	cfg := testDataConfig()
	return &recvCycle{d: newTestDataState(cfg, dataT0), now: dataT0, tsn: cfg.peerInitialTSN,
		frag: payload(1100, 5), n: fragments, pkt: make([]byte, 0, 2048)}
}

func (r *recvCycle) run(tb testing.TB) {
	r.now = r.now.Add(time.Millisecond)
	for i := 0; i < r.n; i++ {
		r.c = chunk.Data{TSN: r.tsn, Stream: 1, SSN: r.ssn, PPID: 9, Beginning: i == 0, Ending: i == r.n-1, UserData: r.frag}
		r.tsn++
		if v := r.d.handleData(r.now, &r.c); v != dataOK {
			tb.Fatalf("verdict %v", v)
		}
		r.d.endOfPacket(r.now)
		if r.d.sackDue(r.now) {
			r.pkt = r.d.appendSack(r.pkt[:0])
		}
	}
	r.ssn++
	m, ok := r.d.readMessage()
	if !ok || len(m.data) != r.n*len(r.frag) {
		tb.Fatalf("message not delivered: %v %d", ok, len(m.data))
	}
	r.pkt = r.d.appendSack(r.pkt[:0])
}

func TestDataPathSteadyStateAllocs(t *testing.T) {
	for _, size := range []int{100, 1100, 5000, 64 << 10} {
		c := newSendSackCycle(size)
		for range 50 {
			c.run(t) // warm up pools and rings
		}
		if a := testing.AllocsPerRun(200, func() { c.run(t) }); a != 0 {
			t.Errorf("send+SACK cycle of %d-byte messages: %v allocs/op, want 0", size, a)
		}
	}
	for _, frags := range []int{1, 4, 40} {
		r := newRecvCycle(frags)
		for range 50 {
			r.run(t)
		}
		if a := testing.AllocsPerRun(200, func() { r.run(t) }); a != 0 {
			t.Errorf("receive+deliver cycle of %d fragments: %v allocs/op, want 0", frags, a)
		}
	}
}

func BenchmarkDataSendSack(b *testing.B) {
	for _, size := range []int{100, 1100, 64 << 10} {
		b.Run(byteSize(size), func(b *testing.B) {
			c := newSendSackCycle(size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				c.run(b)
			}
		})
	}
}

func BenchmarkDataRecvDeliver(b *testing.B) {
	for _, frags := range []int{1, 40} {
		b.Run(byteSize(frags*1100), func(b *testing.B) {
			r := newRecvCycle(frags)
			b.SetBytes(int64(frags * 1100))
			b.ReportAllocs()
			for b.Loop() {
				r.run(b)
			}
		})
	}
}

func BenchmarkDataLoopback(b *testing.B) {
	prm := lbParams{loss: 0.02, dup: 0.01, msgs: 40, maxTotal: 1 << 20, localRwnd: 1 << 20, mtu: 1200, unorderedChance: 0.3}
	b.ReportAllocs()
	seed := uint64(0)
	for b.Loop() {
		runLoopback(b, seed, prm)
		seed++
	}
}

func byteSize(n int) string {
	switch {
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + "KiB"
	default:
		return itoa(n) + "B"
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
