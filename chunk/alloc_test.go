package chunk

import (
	"math/rand/v2"
	"testing"
)

// fullDataChunk returns the DATA chunk of a full-size packet: 1440 bytes
// of chunk after the 12-byte common header make a 1452-byte SCTP packet
// (the usual 1500-byte MTU less IPv6 40 and UDP 8).
func fullDataChunk() *Data {
	payload := make([]byte, 1452-12-DataHeaderLen)
	for i := range payload {
		payload[i] = byte(i)
	}
	return &Data{Beginning: true, Ending: true, TSN: 1, Stream: 2, SSN: 3, PPID: 51, UserData: payload}
}

func sack16() *Sack {
	s := &Sack{CumTSNAck: 1000, ARwnd: 1 << 20}
	for i := 0; i < 16; i++ {
		s.Gaps = append(s.Gaps, GapBlock{Start: uint16(2 + 4*i), End: uint16(3 + 4*i)})
	}
	s.DupTSNs = []uint32{998, 999}
	return s
}

func TestZeroAllocs(t *testing.T) {
	d := fullDataChunk()
	s := sack16()
	buf := make([]byte, 0, 2048)
	dataBytes := d.AppendTo(nil)
	sackBytes := s.AppendTo(nil)
	var dd Data
	var ss Sack
	initc := &Init{InitiateTag: 1, OutStreams: 1, InStreams: 1, Params: params(&ECNCapableParam{}, &ForwardTSNSupportedParam{})}
	// Warm the reused slices once.
	it := NewIter(sackBytes)
	it.Next()
	if err := ss.Decode(it.Chunk()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    func()
	}{
		{"Data encode", func() { buf = d.AppendTo(buf[:0]) }},
		{"Data decode", func() {
			it := NewIter(dataBytes)
			for it.Next() {
				if err := dd.Decode(it.Chunk()); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"Sack encode", func() { buf = s.AppendTo(buf[:0]) }},
		{"Sack decode", func() {
			it := NewIter(sackBytes)
			for it.Next() {
				if err := ss.Decode(it.Chunk()); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"Init round trip", func() {
			b := initc.AppendTo(buf[:0])
			it := NewIter(b)
			var in Init
			for it.Next() {
				if err := in.Decode(it.Chunk()); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"Heartbeat round trip", func() {
			b := (&Heartbeat{Info: dataBytes[:40]}).AppendTo(buf[:0])
			it := NewIter(b)
			var hb Heartbeat
			for it.Next() {
				if err := hb.Decode(it.Chunk()); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, c := range cases {
		if n := testing.AllocsPerRun(100, c.f); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", c.name, n)
		}
	}
}

// TestNeverPanics mutates valid chunks at random (seeded, bounded) and
// feeds them to the iterator, every chunk decoder and the parameter and
// cause walkers: errors are fine, panics are not. The fuzz/ targets go
// further; this keeps the property in the ordinary test run.
func TestNeverPanics(t *testing.T) {
	var seeds [][]byte
	for _, c := range allChunks() {
		seeds = append(seeds, c.in.AppendTo(nil))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	typedParams := []func() TypedParam{
		func() TypedParam { return new(AddrParam) }, func() TypedParam { return new(SupportedAddrTypesParam) },
		func() TypedParam { return new(RequestedHMACParam) }, func() TypedParam { return new(AddIPAddrParam) },
		func() TypedParam { return new(ErrorCauseIndicationParam) }, func() TypedParam { return new(OutSSNResetReqParam) },
		func() TypedParam { return new(ReconfigRespParam) }, func() TypedParam { return new(SupportedExtensionsParam) },
	}
	typedCauses := []func() TypedCause{
		func() TypedCause { return new(MissingParamCause) }, func() TypedCause { return new(UnresolvableAddrCause) },
		func() TypedCause { return new(UnrecognizedParamsCause) }, func() TypedCause { return new(RestartNewAddrsCause) },
		func() TypedCause { return new(RestartNewEncapPortCause) }, func() TypedCause { return new(UnsupportedHMACCause) },
	}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := 0; i < n; i++ {
		b := append([]byte(nil), seeds[rng.IntN(len(seeds))]...)
		for m := rng.IntN(4) + 1; m > 0; m-- {
			switch rng.IntN(4) {
			case 0:
				b[rng.IntN(len(b))] = byte(rng.Uint32())
			case 1:
				b = b[:rng.IntN(len(b)+1)]
			case 2:
				if len(b) >= 4 {
					b[2], b[3] = byte(rng.IntN(2)), byte(rng.Uint32())
				}
			case 3:
				b = append(b, seeds[rng.IntN(len(seeds))]...)
			}
			if len(b) == 0 {
				break
			}
		}
		it := NewIter(b)
		for it.Next() {
			r := it.Chunk()
			for _, mk := range decoders {
				c := mk()
				r2 := r
				r2.Type = c.ChunkType()
				if c.Decode(r2) == nil {
					_ = c.AppendTo(nil)
				}
			}
			pi := NewParamIter(r.Value)
			for pi.Next() {
				p := pi.Param()
				for _, mk := range typedParams {
					tp := mk()
					p2 := p
					p2.Type = tp.ParamType()
					if tp.Decode(p2) == nil {
						_ = tp.AppendTo(nil)
					}
				}
			}
			ci := NewCauseIter(r.Value)
			for ci.Next() {
				c := ci.Cause()
				for _, mk := range typedCauses {
					tc := mk()
					c2 := c
					c2.Code = tc.CauseCode()
					if tc.Decode(c2) == nil {
						_ = tc.AppendTo(nil)
					}
				}
			}
		}
	}
}

func BenchmarkDataDecodeEncode(b *testing.B) {
	d := fullDataChunk()
	pkt := d.AppendTo(nil)
	out := make([]byte, 0, 2048)
	var dd Data
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		it := NewIter(pkt)
		for it.Next() {
			if err := dd.Decode(it.Chunk()); err != nil {
				b.Fatal(err)
			}
		}
		out = dd.AppendTo(out[:0])
	}
}

func BenchmarkSack16Gaps(b *testing.B) {
	pkt := sack16().AppendTo(nil)
	out := make([]byte, 0, 256)
	var s Sack
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		it := NewIter(pkt)
		for it.Next() {
			if err := s.Decode(it.Chunk()); err != nil {
				b.Fatal(err)
			}
		}
		out = s.AppendTo(out[:0])
	}
}

func BenchmarkInitDecode(b *testing.B) {
	for _, c := range allChunks() {
		if c.name == "INIT" {
			pkt := c.in.AppendTo(nil)
			var in Init
			b.ReportAllocs()
			for b.Loop() {
				it := NewIter(pkt)
				for it.Next() {
					if err := in.Decode(it.Chunk()); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	}
}
