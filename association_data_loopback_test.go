package sctp

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

var dataLoopbackSeeds = flag.Int("data.seeds", 40, "seeds for TestDataLoopbackLossy")

// lbLink is a tiny lossy one-way pipe for the loopback test: seeded random
// drop, duplication and delay jitter (which reorders).
type lbLink struct {
	rng    *rand.Rand
	loss   float64
	dup    float64
	delay  time.Duration
	jitter time.Duration
	q      []lbPacket
	seq    int
	sent   int
}

type lbPacket struct {
	at  time.Time
	seq int
	b   []byte
}

func (l *lbLink) send(now time.Time, b []byte) {
	l.sent++
	if l.rng.Float64() < l.loss {
		return
	}
	n := 1
	if l.rng.Float64() < l.dup {
		n = 2
	}
	for range n {
		at := now.Add(l.delay + time.Duration(l.rng.Int64N(int64(l.jitter)+1)))
		l.seq++
		l.q = append(l.q, lbPacket{at: at, seq: l.seq, b: append([]byte(nil), b...)})
	}
}

// next returns the index of the earliest packet, or -1.
func (l *lbLink) next() int {
	best := -1
	for i, p := range l.q {
		if best < 0 || p.at.Before(l.q[best].at) || p.at.Equal(l.q[best].at) && p.seq < l.q[best].seq {
			best = i
		}
	}
	return best
}

func (l *lbLink) pop(i int) lbPacket {
	p := l.q[i]
	l.q = append(l.q[:i], l.q[i+1:]...)
	return p
}

// lbPeer is one side: a dataState, a generator of messages to send, and a
// checker of what arrives.
type lbPeer struct {
	t    testing.TB
	name string
	pr   bool
	d    *dataState
	out  *lbLink
	buf  []byte

	toSend    []lbMsg // generated, not yet enqueued
	scratch   []byte  // content of toSend[0]
	scratchID uint32

	// receive checking (of messages the other side sent)
	expect       map[uint32]lbMsg // by id, not yet delivered
	nextOrdered  [][]uint32       // per stream: ids of ordered messages in send order
	delivered    int
	deliverBytes int
	abandoned    map[uint32]bool // shared: ids any sender gave up (PR-SCTP)
	skipped      []uint32        // ordered ids passed over by a later delivery
	pdActive     bool            // a partial delivery is running
	pdID         uint32
	pdBuf        []byte
	pdAborted    []uint32
	pieces       int

	data chunk.Data
	sack chunk.Sack
	fwd  chunk.ForwardTSN
}

type lbMsg struct {
	id        uint32
	stream    uint16
	unordered bool
	size      int
	ttl       time.Duration
}

func lbContent(b []byte, id uint32) {
	for i := range b {
		b[i] = byte(id*31 + uint32(i)*7 + uint32(i>>8))
	}
}

func (p *lbPeer) flush(now time.Time) {
	for i := 0; i < 100000; i++ {
		b := p.buf[:0]
		room := p.d.cfg.mtu - commonHeaderLenData
		if p.d.sackDue(now) {
			b = p.d.appendSack(b)
		}
		b = p.d.appendData(now, b, room-len(b))
		if len(b) == 0 {
			return
		}
		if len(b) > room {
			p.t.Fatalf("%s: packet of %d bytes exceeds room %d", p.name, len(b), room)
		}
		p.buf = b
		p.out.send(now, b)
	}
	p.t.Fatalf("%s: flush never ran dry", p.name)
}

func (p *lbPeer) receive(now time.Time, b []byte) {
	it := chunk.NewIter(b)
	for it.Next() {
		r := it.Chunk()
		switch r.Type {
		case chunk.TypeData:
			if err := p.data.Decode(r); err != nil {
				p.t.Fatalf("%s: %v", p.name, err)
			}
			if v := p.d.handleData(now, &p.data); v != dataOK && v != dataDuplicate && v != dataDropped {
				p.t.Fatalf("%s: handleData verdict %v", p.name, v)
			}
		case chunk.TypeSack:
			if err := p.sack.Decode(r); err != nil {
				p.t.Fatalf("%s: %v", p.name, err)
			}
			if err := p.d.handleSack(now, &p.sack); err != nil {
				p.t.Fatalf("%s: handleSack: %v", p.name, err)
			}
		case chunk.TypeForwardTSN:
			if err := p.fwd.Decode(r); err != nil {
				p.t.Fatalf("%s: %v", p.name, err)
			}
			p.d.handleForwardTSN(now, &p.fwd)
		default:
			p.t.Fatalf("%s: unexpected chunk %d", p.name, r.Type)
		}
	}
	if err := it.Err(); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
	p.d.endOfPacket(now)
}

func (p *lbPeer) enqueueSome(now time.Time) {
	for len(p.toSend) > 0 {
		m := p.toSend[0]
		if p.scratchID != m.id {
			if cap(p.scratch) < m.size {
				p.scratch = make([]byte, m.size)
			}
			p.scratch = p.scratch[:m.size]
			lbContent(p.scratch, m.id)
			p.scratchID = m.id
		}
		data := p.scratch
		err := p.d.enqueue(now, outMessage{stream: m.stream, ppid: m.id, unordered: m.unordered, data: data, ttl: m.ttl, context: m.id})
		if errors.Is(err, errSendBufferFull) {
			return
		}
		if err != nil {
			p.t.Fatalf("%s: enqueue: %v", p.name, err)
		}
		p.toSend = p.toSend[1:]
	}
}

// readAll reads and checks every deliverable message: exactly once, right
// content, ordered messages in order per stream.
func (p *lbPeer) readAll() {
	want := make([]byte, 0, 1024)
	for {
		m, ok := p.d.readMessage()
		if !ok {
			return
		}
		if p.pdActive && m.ppid != p.pdID {
			p.t.Fatalf("%s: message %d delivered during the partial delivery of %d", p.name, m.ppid, p.pdID)
		}
		if m.aborted {
			if !p.pdActive {
				p.t.Fatalf("%s: partial delivery abort without a partial delivery", p.name)
			}
			p.pdActive = false
			p.pdBuf = p.pdBuf[:0]
			p.pdAborted = append(p.pdAborted, m.ppid)
			continue
		}
		if m.partial || p.pdActive {
			p.pdBuf = append(p.pdBuf, m.data...)
			p.pdID = m.ppid
			p.pdActive = m.partial
			p.pieces++
			if m.partial {
				continue
			}
			m.data = p.pdBuf
			p.pdBuf = p.pdBuf[:0:0]
		}
		exp, ok := p.expect[m.ppid]
		if !ok {
			p.t.Fatalf("%s: message id %d delivered twice or never sent", p.name, m.ppid)
		}
		delete(p.expect, m.ppid)
		if m.stream != exp.stream || m.unordered != exp.unordered || len(m.data) != exp.size {
			p.t.Fatalf("%s: message %d: stream %d unordered %v size %d, want %+v", p.name, m.ppid, m.stream, m.unordered, len(m.data), exp)
		}
		if cap(want) < exp.size {
			want = make([]byte, 0, exp.size)
		}
		w := want[:exp.size]
		lbContent(w, exp.id)
		if string(w) != string(m.data) {
			p.t.Fatalf("%s: message %d content corrupted", p.name, m.ppid)
		}
		if !exp.unordered {
			q := p.nextOrdered[exp.stream]
			k := 0
			for k < len(q) && q[k] != exp.id && p.pr {
				k++ // PR-SCTP: earlier messages may have been abandoned
			}
			if k == len(q) || q[k] != exp.id {
				p.t.Fatalf("%s: stream %d: message %d delivered out of order (next expected %v)", p.name, exp.stream, exp.id, q[:min(len(q), 1)])
			}
			p.skipped = append(p.skipped, q[:k]...)
			p.nextOrdered[exp.stream] = q[k+1:]
		}
		p.delivered++
		p.deliverBytes += exp.size
	}
}

// allArrived reports that every message sent to p was delivered or (with
// PR-SCTP) abandoned by its sender.
func (p *lbPeer) allArrived() bool {
	for id := range p.expect {
		if !p.abandoned[id] {
			return false
		}
	}
	return true
}

type lbParams struct {
	loss, dup       float64
	msgs            int
	maxTotal        int
	localRwnd       uint32
	mtu             int
	unorderedChance float64
	ttlChance       float64 // PR-SCTP: share of messages with a lifetime
}

func runLoopback(t testing.TB, seed uint64, prm lbParams) (virtual time.Duration, packets int) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	abandoned := map[uint32]bool{}
	mk := func(name string, local, peer uint32, link *lbLink) *lbPeer {
		cfg := testDataConfig()
		cfg.localInitialTSN, cfg.peerInitialTSN = local, peer
		cfg.mtu = prm.mtu
		cfg.rwnd = prm.localRwnd
		cfg.peerRwnd = prm.localRwnd
		cfg.rto.min = 100 * time.Millisecond
		cfg.rto.initial = 300 * time.Millisecond
		cfg.maxRetrans = 40
		cfg.sndBuf = 600 << 10
		cfg.forwardTSN = prm.ttlChance > 0
		return &lbPeer{t: t, name: name, d: newTestDataState(cfg, dataT0), out: link, pr: cfg.forwardTSN,
			expect: map[uint32]lbMsg{}, nextOrdered: make([][]uint32, cfg.inStreams), abandoned: abandoned}
	}
	newLink := func() *lbLink {
		return &lbLink{rng: rand.New(rand.NewPCG(rng.Uint64(), 1)), loss: prm.loss, dup: prm.dup,
			delay: 10 * time.Millisecond, jitter: 30 * time.Millisecond}
	}
	// Both sides start from TSNs near the 32-bit wrap sometimes.
	tsnA, tsnB := rng.Uint32(), rng.Uint32()
	if rng.IntN(4) == 0 {
		tsnA = 0xFFFFFFFF - uint32(rng.IntN(50))
	}
	a := mk("A", tsnA, tsnB, newLink())
	b := mk("B", tsnB, tsnA, newLink())
	// Generate traffic: mostly A→B, some B→A.
	id := uint32(1)
	total := 0
	for i := 0; i < prm.msgs && total < prm.maxTotal; i++ {
		var size int
		switch r := rng.Float64(); {
		case r < 0.6:
			size = 1 + rng.IntN(1500)
		case r < 0.9:
			size = 1 + rng.IntN(16<<10)
		default:
			size = 1 + rng.IntN(256<<10)
		}
		total += size
		m := lbMsg{id: id, stream: uint16(rng.IntN(16)), unordered: rng.Float64() < prm.unorderedChance, size: size}
		if rng.Float64() < prm.ttlChance {
			m.ttl = time.Duration(50+rng.IntN(2000)) * time.Millisecond
		}
		id++
		from, to := a, b
		if rng.IntN(5) == 0 {
			from, to = b, a
		}
		from.toSend = append(from.toSend, m)
		to.expect[m.id] = m
		if !m.unordered {
			to.nextOrdered[m.stream] = append(to.nextOrdered[m.stream], m.id)
		}
	}
	now := dataT0
	peers := [2]*lbPeer{a, b}
	for step := 0; ; step++ {
		if step > 2_000_000 || now.Sub(dataT0) > 24*time.Hour {
			t.Fatalf("seed %d: no progress: step %d, virtual %v, A delivered %d (left %d), B delivered %d (left %d); A %+v; B %+v",
				seed, step, now.Sub(dataT0), a.delivered, len(a.expect), b.delivered, len(b.expect), a.d.stats(), b.d.stats())
		}
		for _, p := range peers {
			p.enqueueSome(now)
			p.flush(now)
		}
		for _, p := range peers {
			p.readAll()
			for {
				m, ok := p.d.popAbandoned()
				if !ok {
					break
				}
				if abandoned[m.context] {
					t.Fatalf("seed %d: %s: message %d reported abandoned twice", seed, p.name, m.context)
				}
				abandoned[m.context] = true
			}
		}
		if a.allArrived() && b.allArrived() && len(a.toSend) == 0 && len(b.toSend) == 0 &&
			a.d.idle() && b.d.idle() {
			break
		}
		// Advance virtual time to the next event.
		next := time.Time{}
		for _, p := range peers {
			next = earliest(next, p.d.deadline())
			if i := p.out.next(); i >= 0 {
				next = earliest(next, p.out.q[i].at)
			}
		}
		if next.IsZero() {
			t.Fatalf("seed %d: stalled with nothing scheduled: A left %d, B left %d; A %+v; B %+v",
				seed, len(a.expect), len(b.expect), a.d.stats(), b.d.stats())
		}
		if next.After(now) {
			now = next
		}
		for k, p := range peers {
			other := peers[1-k]
			for {
				i := p.out.next()
				if i < 0 || p.out.q[i].at.After(now) {
					break
				}
				other.receive(now, p.out.pop(i).b)
			}
		}
		for k, p := range peers {
			if dl := p.d.deadline(); !dl.IsZero() && !now.Before(dl) {
				if p.d.handleTimeout(now) {
					t.Fatalf("seed %d: %s: association failed (Max.Retrans) %+v; other side %+v", seed, p.name, p.d.stats(), peers[1-k].d.stats())
				}
			}
		}
	}
	for _, p := range peers {
		if st := p.d.stats(); st.bufferedBytes != 0 || st.flight != 0 || st.queuedBytes != 0 {
			t.Fatalf("seed %d: %s: leftover state %+v", seed, p.name, st)
		}
		if p.pdActive {
			t.Fatalf("seed %d: %s: partial delivery of %d never finished", seed, p.name, p.pdID)
		}
		for _, id := range append(p.skipped, p.pdAborted...) {
			if !abandoned[id] {
				t.Fatalf("seed %d: %s: ordered message %d skipped but never abandoned", seed, p.name, id)
			}
		}
	}
	return now.Sub(dataT0), a.out.sent + b.out.sent
}

func TestDataLoopbackLossy(t *testing.T) {
	seeds := *dataLoopbackSeeds
	if testing.Short() {
		seeds = min(seeds, 10)
	}
	for seed := range uint64(seeds) {
		prm := lbParams{
			loss:            []float64{0, 0.02, 0.1, 0.2, 0.3}[seed%5],
			dup:             0.05,
			msgs:            40,
			maxTotal:        512 << 10,
			localRwnd:       []uint32{1 << 20, 256 << 10, 128 << 10, 64 << 10}[seed/5%4],
			mtu:             []int{1200, 1452, 576}[seed%3],
			unorderedChance: 0.3,
		}
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runLoopback(t, seed, prm)
		})
	}
}

// TestDataLoopbackPRSCTP runs the loopback with timed-reliability messages:
// every message is delivered at most once, or abandoned and reported; an
// ordered message is only skipped when its sender abandoned it.
func TestDataLoopbackPRSCTP(t *testing.T) {
	seeds := *dataLoopbackSeeds / 2
	if testing.Short() {
		seeds = min(seeds, 5)
	}
	for seed := range uint64(seeds) {
		prm := lbParams{
			loss:            []float64{0.05, 0.2, 0.3}[seed%3],
			dup:             0.05,
			msgs:            40,
			maxTotal:        512 << 10,
			localRwnd:       []uint32{1 << 20, 128 << 10}[seed/3%2],
			mtu:             1200,
			unorderedChance: 0.3,
			ttlChance:       0.5,
		}
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runLoopback(t, 1000+seed, prm)
		})
	}
}
