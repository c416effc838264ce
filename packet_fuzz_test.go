package sctp

import (
	"bytes"
	"errors"
	"testing"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/fuzz"
)

// packetSentinels are the errors of parsePacket and validateBundling
// beside package chunk's.
var packetSentinels = []error{
	errPacketTooShort, errBadChecksum, errZeroPort, errNoChunks,
	errNotAlone, errInitVTag, errZeroVTag,
}

// checkPacketErr fails unless err is a packet error or a chunk error
// (fuzz.CheckChunkErr).
func checkPacketErr(t *testing.T, what string, err error) {
	t.Helper()
	for _, s := range packetSentinels {
		if errors.Is(err, s) {
			return
		}
	}
	fuzz.CheckChunkErr(t, what, err)
}

// FuzzParsePacket: arbitrary bytes as an SCTP packet. parsePacket and
// validateBundling never panic and fail with typed errors. The input is
// then given a correct CRC32c so the fuzzer reaches the chunks: every chunk
// is checked with fuzz.CheckChunk (as FuzzChunk checks it), and header + re-encoded chunks parse again.
func FuzzParsePacket(f *testing.F) {
	golden, err := fuzz.GoldenPackets("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, g := range golden {
		f.Add(g.Payload)
	}
	for _, c := range fuzz.SyntheticChunks() {
		b := appendCommonHeader(nil, commonHeader{SrcPort: 1, DstPort: 2, VerificationTag: 3})
		b = c.AppendTo(b)
		finalizePacket(b)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, err := parsePacket(data); err != nil {
			checkPacketErr(t, "parsePacket", err)
		}
		if len(data) < commonHeaderLen {
			return
		}
		pkt := bytes.Clone(data)
		finalizePacket(pkt)
		h, chunks, err := parsePacket(pkt)
		if err != nil {
			checkPacketErr(t, "parsePacket with a good CRC", err)
			if errors.Is(err, errBadChecksum) {
				t.Fatalf("parsePacket rejects the CRC32c finalizePacket wrote")
			}
			return
		}
		if !bytes.Equal(chunks, pkt[commonHeaderLen:]) {
			t.Fatalf("parsePacket chunks are not pkt[12:]")
		}
		if err := validateBundling(h, chunks); err != nil {
			checkPacketErr(t, "validateBundling", err)
		}
		out := appendCommonHeader(nil, h)
		it := chunk.NewIter(chunks)
		allDecode := true
		for it.Next() {
			enc := fuzz.CheckChunk(t, it.Chunk())
			if enc == nil {
				allDecode = false
				continue
			}
			out = append(out, enc...)
		}
		if err := it.Err(); err != nil {
			fuzz.CheckChunkErr(t, "Iter", err)
			return
		}
		if !allDecode {
			return
		}
		finalizePacket(out)
		h2, chunks2, err := parsePacket(out)
		if err != nil {
			t.Fatalf("re-encoded packet does not parse: %v", err)
		}
		if h2.SrcPort != h.SrcPort || h2.DstPort != h.DstPort || h2.VerificationTag != h.VerificationTag {
			t.Fatalf("re-encoded header %+v, want %+v", h2, h)
		}
		it2 := chunk.NewIter(chunks2)
		for it2.Next() {
		}
		if it2.Err() != nil {
			t.Fatalf("re-encoded packet's chunks do not iterate: %v", it2.Err())
		}
	})
}
