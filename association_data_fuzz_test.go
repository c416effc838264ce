package sctp

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

// checkDataInvariants verifies the internal bookkeeping of d.
func checkDataInvariants(t testing.TB, d *dataState) {
	t.Helper()
	s := &d.snd
	if got, want := s.chunks.len(), int(s.nextTSN-s.cumAck-1); got != want {
		t.Fatalf("ring holds %d chunks, TSN span is %d", got, want)
	}
	flight, rtx := 0, 0
	for i := 0; i < s.chunks.len(); i++ {
		ch := s.chunks.at(i)
		if ch.tsn != s.cumAck+1+uint32(i) {
			t.Fatalf("chunk %d has TSN %d, want %d", i, ch.tsn, s.cumAck+1+uint32(i))
		}
		if ch.inFlight {
			flight += d.booked(ch.n)
		}
		if ch.rtx {
			rtx++
		}
		if ch.inFlight && (ch.acked || ch.abandoned || ch.rtx) {
			t.Fatalf("chunk %d in flight and acked/abandoned/marked: %+v", i, *ch)
		}
	}
	if flight != s.flight || rtx != s.rtxCount {
		t.Fatalf("flight %d (counted %d), rtxCount %d (counted %d)", s.flight, flight, s.rtxCount, rtx)
	}
	r := &d.rcv
	held := 0 // the lent buffer is no longer counted
	for i := range r.streams {
		for _, f := range r.streams[i].frags {
			held += len(f.buf)
		}
	}
	for _, f := range r.unordered {
		held += len(f.buf)
	}
	for i := 0; i < r.ready.len(); i++ {
		held += len(r.ready.at(i).data)
	}
	for i := 0; i < r.pdReady.len(); i++ {
		held += len(r.pdReady.at(i).data)
	}
	if held != r.buffered {
		t.Fatalf("buffered %d, held %d", r.buffered, held)
	}
	items := r.ready.len() + r.pdReady.len() + len(r.unordered)
	for i := range r.streams {
		items += len(r.streams[i].frags)
	}
	if items != r.items {
		t.Fatalf("items %d, counted %d", r.items, items)
	}
	if limit := int(d.cfg.rwnd) + int(d.cfg.rwnd/2) + 65536; r.buffered > limit {
		t.Fatalf("buffered %d beyond bound %d", r.buffered, limit)
	}
	tr := &r.tracker
	prev := tr.cum + 1
	for i, rg := range tr.ranges {
		if !tsnGT(rg.start, prev) || tsnLT(rg.end, rg.start) {
			t.Fatalf("range %d %v not above %d: %v", i, rg, prev, tr.ranges)
		}
		prev = rg.end + 1
	}
	if len(tr.ranges) > maxGapRanges || len(tr.dups) > maxDupTSNs {
		t.Fatalf("tracker unbounded: %d ranges, %d dups", len(tr.ranges), len(tr.dups))
	}
}

// driveDataState interprets b as a sequence of hostile or odd operations
// on two dataStates joined by a loss-free but reorderable queue. Nothing
// may panic and the invariants must hold after every step.
func driveDataState(t testing.TB, b []byte) {
	cfg := testDataConfig()
	cfg.rwnd = 8000
	cfg.mtu = 600
	cfg.negotiated.inStreams, cfg.negotiated.outStreams = 4, 4
	cfg.forwardTSN = true
	d := newTestDataState(cfg, dataT0)
	now := dataT0
	next := func() byte {
		if len(b) == 0 {
			return 0
		}
		v := b[0]
		b = b[1:]
		return v
	}
	next16 := func() uint16 { return uint16(next())<<8 | uint16(next()) }
	var (
		dc   chunk.Data
		sc   chunk.Sack
		fc   chunk.ForwardTSN
		pkt  []byte
		data = payload(2000, 9)
	)
	for steps := 0; len(b) > 0 && steps < 2000; steps++ {
		switch next() % 9 {
		case 0, 1: // DATA near the cumulative TSN
			fl := next()
			dc = chunk.Data{
				TSN:       d.rcv.tracker.cum + uint32(int8(next())),
				Stream:    uint16(next() % 6),
				SSN:       uint16(next() % 8),
				Unordered: fl&1 != 0,
				Beginning: fl&2 != 0,
				Ending:    fl&4 != 0,
				Immediate: fl&8 != 0,
				UserData:  data[:int(next16())%len(data)],
			}
			d.handleData(now, &dc)
			if fl&16 != 0 {
				d.endOfPacket(now)
			}
		case 2: // SACK, possibly bogus
			sc.CumTSNAck = d.snd.cumAck + uint32(int8(next()))
			sc.ARwnd = uint32(next16()) * 16
			sc.Gaps = sc.Gaps[:0]
			for n := next() % 5; n > 0; n-- {
				sc.Gaps = append(sc.Gaps, chunk.GapBlock{Start: uint16(next() % 40), End: uint16(next() % 40)})
			}
			sc.DupTSNs = sc.DupTSNs[:0]
			_ = d.handleSack(now, &sc)
		case 3: // FORWARD TSN
			fc.NewCumTSN = d.rcv.tracker.cum + uint32(int8(next()))
			fc.Streams = fc.Streams[:0]
			for n := next() % 3; n > 0; n-- {
				fc.Streams = append(fc.Streams, chunk.ForwardTSNStream{Stream: uint16(next() % 6), SSN: uint16(next() % 8)})
			}
			d.handleForwardTSN(now, &fc)
		case 4: // time passes
			now = now.Add(time.Duration(next()) * 20 * time.Millisecond)
			if dl := d.deadline(); !dl.IsZero() && !now.Before(dl) {
				d.handleTimeout(now)
			}
		case 5: // user sends
			n := 1 + int(next16())%len(data)
			var ttl time.Duration
			if fl := next(); fl&1 != 0 {
				ttl = time.Duration(fl) * 10 * time.Millisecond
			}
			_ = d.enqueue(now, outMessage{stream: uint16(next() % 5), unordered: next()&1 != 0, data: data[:n], ttl: ttl})
		case 6: // packets go out
			room := int(next()) * 4
			pkt = pkt[:0]
			if d.sackDue(now) {
				pkt = d.appendSack(pkt)
			}
			pkt = d.appendData(now, pkt, room)
		case 7: // user reads
			for n := next() % 4; n > 0; n-- {
				d.readMessage()
			}
		case 8:
			d.popAbandoned()
			d.rttSample(now, time.Duration(int8(next()))*time.Millisecond)
		}
		checkDataInvariants(t, d)
	}
}

func TestDataHostileRandomInput(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	for seed := range uint64(n) {
		rng := rand.New(rand.NewPCG(seed, 77))
		b := make([]byte, 3000)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		driveDataState(t, b)
	}
}

func FuzzDataState(f *testing.F) {
	f.Add([]byte{5, 0, 100, 0, 1, 0, 6, 255, 2, 0, 1, 1, 2})
	f.Add([]byte{0, 6, 1, 0, 0, 50, 0, 0, 7, 8, 0, 3, 0, 2, 0, 0, 5, 4, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		driveDataState(t, b)
	})
}
