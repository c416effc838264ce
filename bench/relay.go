package main

import (
	"container/heap"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"time"
)

// impair describes what the relay does to the datagrams of one direction.
type impair struct {
	loss    float64       // probability a datagram is dropped
	dup     float64       // probability a datagram is delivered twice
	reorder float64       // probability a datagram is held back (delivered after later ones)
	delay   time.Duration // one-way delay of every datagram
	jitter  time.Duration // uniform extra delay in [0, jitter)
	hold    time.Duration // extra delay of a held-back datagram
}

// relay is a UDP relay on 127.0.0.1 between one client and one server,
// with seeded loss, delay, jitter, reordering and duplication per
// direction. It also watches the SCTP packets it carries (plain SCTP in
// UDP: RFC 6951 encapsulation for usctp and usrsctp, pion's raw SCTP over
// UDP) to measure what every system does alike: the DATA chunks the sender
// transmits (first transmissions and retransmissions by TSN), and the
// cumulative TSN ack of the SACKs that reach the sender, from which come
// the completion time and the longest stall.
type relay struct {
	front *net.UDPConn // the client sends here
	back  *net.UDPConn // connected to the server
	srv   *net.UDPAddr

	mu      sync.Mutex
	client  *net.UDPAddr
	c2s     *lane
	s2c     *lane
	closed  bool
	watch   watch
	doneCh  chan struct{}
	doneSet bool
	wg      sync.WaitGroup
}

// watch is what the relay learned from the packets.
type watch struct {
	want        int64 // user bytes that make the transfer complete
	firstData   time.Time
	seen        map[uint32]bool
	haveTSN     bool
	highestTSN  uint32
	uniqueBytes int64
	dataSent    int64 // DATA chunks sent by the client (all transmissions)
	rtx         int64 // DATA chunks whose TSN was sent before
	haveCum     bool
	cum         uint32
	lastAdvance time.Time
	maxStall    time.Duration
	done        time.Time
	dropped     [2]int64

	// Turnaround: how long each end takes to answer, as the relay sees it
	// (the datagram's write to the end, to the read of its answer). The
	// server's: a DATA chunk delivered, to the first SACK that acknowledges
	// it as the highest TSN it acknowledges. The client's: a SACK that
	// advanced its view delivered, to the next first transmission read from
	// it. Both include the kernel's wake-up of the end's reader and the
	// relay's read of the answer.
	deliveredAt   map[uint32]time.Time // DATA TSN → last delivery to the server
	highestAcked  uint32
	haveAcked     bool
	srvTurn       []time.Duration
	sackAdvanced  bool      // the datagram being delivered to the client acks more
	sackDelivered time.Time // last SACK delivered to the client that acked more
	cliTurn       []time.Duration
}

// newRelay starts a relay towards srv (the server's UDP address); clients
// send to r.frontAddr(). want is the number of user bytes of the transfer.
func newRelay(srv *net.UDPAddr, back *net.UDPConn, c2s, s2c impair, seed uint64, want int64) (*relay, error) {
	front, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	if back == nil {
		back, err = net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, srv)
		if err != nil {
			front.Close()
			return nil, err
		}
	}
	_ = front.SetReadBuffer(4 << 20)
	_ = back.SetReadBuffer(4 << 20)
	_ = front.SetWriteBuffer(4 << 20)
	_ = back.SetWriteBuffer(4 << 20)
	r := &relay{front: front, back: back, srv: srv, doneCh: make(chan struct{})}
	r.watch.want = want
	r.watch.seen = make(map[uint32]bool)
	r.watch.deliveredAt = make(map[uint32]time.Time)
	r.c2s = newLane(c2s, rand.New(rand.NewPCG(seed, 1)), func(b []byte) {
		if back.RemoteAddr() != nil {
			_, _ = back.Write(b)
		} else {
			_, _ = back.WriteToUDP(b, r.srv)
		}
		r.deliveredToServer(time.Now(), b)
	}, nil)
	r.s2c = newLane(s2c, rand.New(rand.NewPCG(seed, 2)), func(b []byte) {
		r.mu.Lock()
		c := r.client
		r.mu.Unlock()
		if c != nil {
			_, _ = front.WriteToUDP(b, c)
			r.deliveredToClient(time.Now())
		}
	}, r.sawToClient)
	r.wg.Add(4)
	go r.c2s.run(&r.wg)
	go r.s2c.run(&r.wg)
	go r.pump(front, true)
	go r.pump(back, false)
	return r, nil
}

func (r *relay) frontAddr() *net.UDPAddr { return r.front.LocalAddr().(*net.UDPAddr) }

// pump reads one side and hands datagrams to the lane of their direction.
func (r *relay) pump(c *net.UDPConn, fromClient bool) {
	defer r.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := c.ReadFromUDP(buf)
		if err != nil {
			return
		}
		b := append([]byte(nil), buf[:n]...)
		// The delay counts from this read, not from the kernel's receive
		// timestamp: the kernel stamps a GSO burst with one time, so due
		// times from it deliver the burst back to back, as no link
		// would; the reads space it by a few microseconds, a stand-in for
		// serialization. (Tried: SO_TIMESTAMPNS; usctp's transfers then
		// drew ~20 % more fast retransmissions; bench/README.md, "The
		// relay's clock".)
		now := time.Now()
		if fromClient {
			r.mu.Lock()
			if r.client == nil || !r.client.IP.Equal(from.IP) || r.client.Port != from.Port {
				r.client = from
			}
			r.sawFromClient(now, b)
			r.mu.Unlock()
			r.c2s.submit(now, b)
		} else {
			r.sawFromServer(now, b)
			r.s2c.submit(now, b)
		}
	}
}

// sawFromClient counts the DATA chunks the client sent (before the loss
// decision: these are the sender's transmissions). Called with r.mu held.
func (r *relay) sawFromClient(now time.Time, b []byte) {
	w := &r.watch
	forEachChunk(b, func(typ byte, c []byte) {
		hdr := 16 // DATA (RFC 9260 §3.3.1)
		if typ == 64 {
			hdr = 20 // I-DATA (RFC 8260 §2.1): pion sends these
		}
		if (typ != 0 && typ != 64) || len(c) < hdr {
			return
		}
		tsn := binary.BigEndian.Uint32(c[4:])
		w.dataSent++
		if w.firstData.IsZero() {
			w.firstData = now
			w.lastAdvance = now
		}
		if w.seen[tsn] {
			w.rtx++
			return
		}
		w.seen[tsn] = true
		if !w.sackDelivered.IsZero() {
			w.cliTurn = append(w.cliTurn, now.Sub(w.sackDelivered))
			w.sackDelivered = time.Time{}
		}
		w.uniqueBytes += int64(int(binary.BigEndian.Uint16(c[2:])) - hdr)
		if !w.haveTSN || int32(tsn-w.highestTSN) > 0 {
			w.highestTSN, w.haveTSN = tsn, true
		}
	})
}

// sawToClient follows the cumulative TSN ack of the SACKs delivered to the
// client (after loss and delay: what the sender learns, when it learns
// it).
func (r *relay) sawToClient(now time.Time, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := &r.watch
	forEachChunk(b, func(typ byte, c []byte) {
		if typ != 3 || len(c) < 16 || w.firstData.IsZero() { // SACK (§3.3.4)
			return
		}
		cum := binary.BigEndian.Uint32(c[4:])
		if w.haveCum && int32(cum-w.cum) <= 0 {
			return
		}
		w.sackAdvanced = true
		if st := now.Sub(w.lastAdvance); st > w.maxStall {
			w.maxStall = st
		}
		w.cum, w.haveCum, w.lastAdvance = cum, true, now
		if !r.doneSet && w.uniqueBytes >= w.want && w.haveTSN && int32(cum-w.highestTSN) >= 0 {
			w.done = now
			r.doneSet = true
			close(r.doneCh)
		}
	})
}

// deliveredToClient notes the delivery of a SACK that acked more.
func (r *relay) deliveredToClient(now time.Time) {
	r.mu.Lock()
	if r.watch.sackAdvanced {
		r.watch.sackDelivered, r.watch.sackAdvanced = now, false
	}
	r.mu.Unlock()
}

// deliveredToServer notes when each DATA chunk reached the server.
func (r *relay) deliveredToServer(now time.Time, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	forEachChunk(b, func(typ byte, c []byte) {
		if (typ == 0 && len(c) >= 16) || (typ == 64 && len(c) >= 20) {
			r.watch.deliveredAt[binary.BigEndian.Uint32(c[4:])] = now
		}
	})
}

// sawFromServer measures the server's turnaround on each SACK that raises
// the highest TSN acknowledged (cumulatively or in a gap block, RFC 9260
// §3.3.4).
func (r *relay) sawFromServer(now time.Time, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := &r.watch
	forEachChunk(b, func(typ byte, c []byte) {
		if typ != 3 || len(c) < 16 {
			return
		}
		cum := binary.BigEndian.Uint32(c[4:])
		top := cum
		gaps := int(binary.BigEndian.Uint16(c[12:]))
		for i := 0; i < gaps && 16+4*i+4 <= len(c); i++ {
			if e := cum + uint32(binary.BigEndian.Uint16(c[16+4*i+2:])); int32(e-top) > 0 {
				top = e
			}
		}
		if w.haveAcked && int32(top-w.highestAcked) <= 0 {
			return
		}
		w.highestAcked, w.haveAcked = top, true
		if at, ok := w.deliveredAt[top]; ok {
			w.srvTurn = append(w.srvTurn, now.Sub(at))
		}
	})
}

// snapshot returns what was learned so far; a run that did not finish
// counts the time since the last advance as a stall too.
func (r *relay) snapshot(now time.Time) watch {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.watch
	w.seen, w.deliveredAt = nil, nil
	w.srvTurn, w.cliTurn = slices.Clone(w.srvTurn), slices.Clone(w.cliTurn)
	if w.done.IsZero() && !w.lastAdvance.IsZero() {
		if st := now.Sub(w.lastAdvance); st > w.maxStall {
			w.maxStall = st
		}
	}
	w.dropped = [2]int64{r.c2s.dropped(), r.s2c.dropped()}
	return w
}

func (r *relay) close() {
	r.front.Close()
	r.back.Close()
	r.c2s.close()
	r.s2c.close()
	r.wg.Wait()
}

// forEachChunk walks the chunks of an SCTP packet (12-byte common header,
// then chunks padded to 4 bytes), stopping at anything malformed.
func forEachChunk(b []byte, fn func(typ byte, c []byte)) {
	if len(b) < 12 {
		return
	}
	b = b[12:]
	for len(b) >= 4 {
		l := int(binary.BigEndian.Uint16(b[2:]))
		if l < 4 || l > len(b) {
			return
		}
		fn(b[0], b[:l])
		l = (l + 3) &^ 3
		if l > len(b) {
			return
		}
		b = b[l:]
	}
}

// lane delays, drops, duplicates and reorders the datagrams of one
// direction and delivers them in due-time order.
type lane struct {
	imp     impair
	rng     *rand.Rand
	deliver func([]byte)
	observe func(time.Time, []byte)

	mu    sync.Mutex
	q     dueHeap
	seq   uint64
	clock laneClock
	drops int64
	shut  bool
	late  []time.Duration // delivery time minus due time, per datagram
}

func newLane(imp impair, rng *rand.Rand, deliver func([]byte), observe func(time.Time, []byte)) *lane {
	return &lane{imp: imp, rng: rng, deliver: deliver, observe: observe, clock: newLaneClock()}
}

func (l *lane) submit(now time.Time, b []byte) {
	l.mu.Lock()
	if l.rng.Float64() < l.imp.loss {
		l.drops++
		l.mu.Unlock()
		return
	}
	copies := 1
	if l.rng.Float64() < l.imp.dup {
		copies = 2
	}
	for i := 0; i < copies; i++ {
		d := l.imp.delay
		if l.imp.jitter > 0 {
			d += time.Duration(l.rng.Int64N(int64(l.imp.jitter)))
		}
		if l.rng.Float64() < l.imp.reorder {
			d += l.imp.hold
		}
		l.seq++
		heap.Push(&l.q, due{at: now.Add(d), seq: l.seq, b: b})
		if l.q[0].seq == l.seq && !l.shut {
			l.clock.arm(l.q[0].at.Sub(now)) // the new datagram is due first
		}
	}
	l.mu.Unlock()
}

func (l *lane) dropped() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.drops
}

func (l *lane) close() {
	l.mu.Lock()
	if !l.shut {
		l.shut = true
		l.clock.close()
	}
	l.mu.Unlock()
}

// lateness returns how late the lane delivered its datagrams against their
// due times (delay, jitter and hold included), in delivery order.
func (l *lane) lateness() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.late)
}

func (l *lane) run(wg *sync.WaitGroup) {
	defer wg.Done()
	var out [][]byte
	for {
		l.mu.Lock()
		if l.shut {
			l.mu.Unlock()
			return
		}
		now := time.Now()
		out = out[:0]
		for len(l.q) > 0 && !l.q[0].at.After(now) {
			d := heap.Pop(&l.q).(due)
			l.late = append(l.late, now.Sub(d.at))
			out = append(out, d.b)
		}
		if len(out) == 0 && len(l.q) > 0 {
			l.clock.arm(l.q[0].at.Sub(now))
		}
		l.mu.Unlock()
		for _, b := range out {
			if l.observe != nil {
				l.observe(now, b)
			}
			l.deliver(b)
		}
		if len(out) > 0 {
			continue // look again: more may have come due meanwhile
		}
		if !l.clock.wait() {
			return
		}
	}
}

type due struct {
	at  time.Time
	seq uint64
	b   []byte
}

type dueHeap []due

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h dueHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)   { *h = append(*h, x.(due)) }
func (h *dueHeap) Pop() any {
	old := *h
	n := len(old)
	x := old[n-1]
	*h = old[:n-1]
	return x
}
