package sctp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/usctp/sctp/chunk"
)

func buildPacket(h commonHeader, cs ...chunk.Chunk) []byte {
	b := appendCommonHeader(nil, h)
	for _, c := range cs {
		b = c.AppendTo(b)
	}
	finalizePacket(b)
	return b
}

func TestPacketRoundTrip(t *testing.T) {
	h := commonHeader{SrcPort: 5000, DstPort: 5001, VerificationTag: 0xdeadbeef}
	d := &chunk.Data{Beginning: true, Ending: true, TSN: 1, Stream: 0, PPID: 51, UserData: []byte("ping")}
	pkt := buildPacket(h, &chunk.Sack{CumTSNAck: 9, ARwnd: 100}, d)
	// The checksum field holds CRC32c over the packet with the field zeroed,
	// little-endian (RFC 9260 Appendix B), computed independently here.
	cp := append([]byte(nil), pkt...)
	copy(cp[8:12], []byte{0, 0, 0, 0})
	if got, want := binary.LittleEndian.Uint32(pkt[8:]), bitwiseCRC32c(cp); got != want {
		t.Fatalf("checksum field %#08x want %#08x", got, want)
	}
	gh, chunks, err := parsePacket(pkt)
	if err != nil {
		t.Fatal(err)
	}
	h.Checksum = bitwiseCRC32c(cp)
	if gh != h {
		t.Fatalf("header %+v want %+v", gh, h)
	}
	if !bytes.Equal(chunks, pkt[commonHeaderLen:]) || &chunks[0] != &pkt[commonHeaderLen] {
		t.Fatal("chunks are not the packet's bytes")
	}
	if err := validateBundling(gh, chunks); err != nil {
		t.Fatal(err)
	}
	it := chunk.NewIter(chunks)
	var n int
	for it.Next() {
		n++
	}
	if n != 2 || it.Err() != nil {
		t.Fatalf("%d chunks, %v", n, it.Err())
	}
	// Re-encoding the header gives the same bytes.
	again := appendCommonHeader(nil, gh)
	again = append(again, chunks...)
	finalizePacket(again)
	if !bytes.Equal(again, pkt) {
		t.Fatal("re-encoded packet differs")
	}
}

func TestParsePacketErrors(t *testing.T) {
	good := buildPacket(commonHeader{SrcPort: 1, DstPort: 2, VerificationTag: 3}, &chunk.CookieAck{})
	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x01
		return b
	}
	zeroPort := buildPacket(commonHeader{SrcPort: 0, DstPort: 2, VerificationTag: 3}, &chunk.CookieAck{})
	cases := []struct {
		name string
		in   []byte
		err  error
	}{
		{"empty", nil, errPacketTooShort},
		{"11 bytes", good[:11], errPacketTooShort},
		{"flipped port", flip(0), errBadChecksum},
		{"flipped tag", flip(5), errBadChecksum},
		{"flipped checksum", flip(9), errBadChecksum},
		{"flipped chunk", flip(13), errBadChecksum},
		{"truncated", good[:len(good)-1], errBadChecksum},
		{"zero port", zeroPort, errZeroPort},
	}
	for _, c := range cases {
		if _, _, err := parsePacket(c.in); !errors.Is(err, c.err) {
			t.Errorf("%s: got %v want %v", c.name, err, c.err)
		}
	}
	// On a bad checksum the header is still filled in (RFC 9653 receivers
	// check for a zero checksum).
	zero := append([]byte(nil), good...)
	copy(zero[8:12], []byte{0, 0, 0, 0})
	h0, _, err := parsePacket(zero)
	if !errors.Is(err, errBadChecksum) || h0.Checksum != 0 || h0.VerificationTag != 3 || h0.SrcPort != 1 {
		t.Fatalf("zero checksum: %+v %v", h0, err)
	}
	// A header-only packet parses (no chunks); validateBundling refuses it.
	hdr := appendCommonHeader(nil, commonHeader{SrcPort: 1, DstPort: 2, VerificationTag: 3})
	finalizePacket(hdr)
	h, chunks, err := parsePacket(hdr)
	if err != nil || len(chunks) != 0 {
		t.Fatalf("header-only: %v %d", err, len(chunks))
	}
	if err := validateBundling(h, chunks); !errors.Is(err, errNoChunks) {
		t.Fatalf("header-only bundling: %v", err)
	}
}

func TestValidateBundling(t *testing.T) {
	initc := &chunk.Init{InitiateTag: 1, ARwnd: 1500, OutStreams: 1, InStreams: 1, InitialTSN: 1}
	initAck := &chunk.InitAck{InitiateTag: 1, ARwnd: 1500, OutStreams: 1, InStreams: 1, InitialTSN: 1,
		Params: chunk.AppendParam(nil, chunk.ParamStateCookie, []byte("c"))}
	data := &chunk.Data{TSN: 1, UserData: []byte("x")}
	cases := []struct {
		name string
		vtag uint32
		cs   []chunk.Chunk
		err  error
	}{
		{"INIT alone", 0, []chunk.Chunk{initc}, nil},
		{"INIT with vtag", 5, []chunk.Chunk{initc}, errInitVTag},
		{"INIT + DATA", 0, []chunk.Chunk{initc, data}, errNotAlone},
		{"DATA + INIT", 7, []chunk.Chunk{data, initc}, errNotAlone},
		{"INIT ACK alone", 9, []chunk.Chunk{initAck}, nil},
		{"INIT ACK + COOKIE ACK", 9, []chunk.Chunk{initAck, &chunk.CookieAck{}}, errNotAlone},
		{"SHUTDOWN COMPLETE alone", 9, []chunk.Chunk{&chunk.ShutdownComplete{}}, nil},
		{"SHUTDOWN COMPLETE bundled", 9, []chunk.Chunk{&chunk.ShutdownAck{}, &chunk.ShutdownComplete{}}, errNotAlone},
		{"DATA vtag 0", 0, []chunk.Chunk{data}, errZeroVTag},
		{"INIT ACK vtag 0", 0, []chunk.Chunk{initAck}, errZeroVTag},
		{"COOKIE ECHO + DATA", 3, []chunk.Chunk{&chunk.CookieEcho{Cookie: []byte("c")}, data, data}, nil},
		{"ABORT T", 3, []chunk.Chunk{&chunk.Abort{T: true}}, nil},
		{"unknown chunk", 3, []chunk.Chunk{&chunk.Unknown{Raw: chunk.Raw{Type: 0xbf}}, data}, nil},
	}
	for _, c := range cases {
		pkt := buildPacket(commonHeader{SrcPort: 1, DstPort: 2, VerificationTag: c.vtag}, c.cs...)
		h, chunks, err := parsePacket(pkt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := validateBundling(h, chunks); !errors.Is(err, c.err) {
			t.Errorf("%s: got %v want %v", c.name, err, c.err)
		}
	}
	// Framing errors come from package chunk.
	bad := []byte{0, 0, 0, 40, 1, 2, 3, 4}
	err := validateBundling(commonHeader{VerificationTag: 1}, bad)
	var pe *chunk.ParseError
	if !errors.Is(err, chunk.ErrBadLength) || !errors.As(err, &pe) {
		t.Fatalf("framing error: %v", err)
	}
}

func TestParsePacketAllocs(t *testing.T) {
	pkt := buildPacket(commonHeader{SrcPort: 1, DstPort: 2, VerificationTag: 3},
		&chunk.Sack{CumTSNAck: 1}, &chunk.Data{TSN: 2, UserData: make([]byte, 1000)})
	var d chunk.Data
	n := testing.AllocsPerRun(100, func() {
		h, chunks, err := parsePacket(pkt)
		if err != nil {
			t.Fatal(err)
		}
		if err := validateBundling(h, chunks); err != nil {
			t.Fatal(err)
		}
		it := chunk.NewIter(chunks)
		for it.Next() {
			if r := it.Chunk(); r.Type == chunk.TypeData {
				if err := d.Decode(r); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	if n != 0 {
		t.Fatalf("%v allocs per parsePacket, want 0", n)
	}
	out := make([]byte, 0, 2048)
	n = testing.AllocsPerRun(100, func() {
		out = appendCommonHeader(out[:0], commonHeader{SrcPort: 1, DstPort: 2, VerificationTag: 3})
		out = d.AppendTo(out)
		finalizePacket(out)
	})
	if n != 0 {
		t.Fatalf("%v allocs per packet build, want 0", n)
	}
}

func TestFinalizePacketShortPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("finalizePacket on 4 bytes did not panic")
		}
	}()
	finalizePacket(make([]byte, 4))
}

func BenchmarkParsePacket1452(b *testing.B) {
	pkt := buildPacket(commonHeader{SrcPort: 1, DstPort: 2, VerificationTag: 3},
		&chunk.Data{TSN: 2, UserData: make([]byte, 1452-12-16)})
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		h, chunks, err := parsePacket(pkt)
		if err != nil {
			b.Fatal(err)
		}
		if err := validateBundling(h, chunks); err != nil {
			b.Fatal(err)
		}
	}
}
