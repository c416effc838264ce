package sctp

import (
	"testing"

	"github.com/usctp/sctp/chunk"
)

// TestForwardTSNWorkBounded: a FORWARD TSN listing one stream hundreds of
// times scans that stream's buffered fragments once (at the highest SSN
// listed), and entries behind the stream's next SSN scan nothing (RFC 3758
// §3.6; hostile input must not cost entries × fragments).
func TestForwardTSNWorkBounded(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	const nfrags = 3000
	// TSN 5000 and 5001 (stream 0 SSN 0 and 1) are missing: SSN 2..3001
	// stay buffered, also after SSN 0 is skipped.
	for i := 0; i < nfrags; i++ {
		if v := d.handleData(dataT0, dataIn(5002+uint32(i), 0, uint16(2+i), "x")); v != dataOK {
			t.Fatalf("fragment %d: verdict %v", i, v)
		}
	}
	d.endOfPacket(dataT0)
	if got := readAll(t, d); len(got) != 0 {
		t.Fatalf("delivered %d before FORWARD TSN", len(got))
	}
	entries := make([]chunk.ForwardTSNStream, 360)
	for i := range entries {
		entries[i] = chunk.ForwardTSNStream{Stream: 0, SSN: 0}
	}
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5000, Streams: entries})
	if d.fwdScanned > nfrags {
		t.Fatalf("scanned %d fragments for %d entries on one stream with %d buffered, want ≤ %d", d.fwdScanned, len(entries), nfrags, nfrags)
	}
	if _, ok := d.readMessage(); ok {
		t.Fatal("delivered past the missing SSN 1")
	}
	// SSN 1 arrives: everything is delivered.
	recvPacket(t, d, dataT0, dataIn(5001, 0, 1, "x"))
	n := 0
	for ; n <= nfrags+1; n++ {
		if _, ok := d.readMessage(); !ok {
			break
		}
	}
	if n != nfrags+1 || d.cumTSNAck() != 5001+nfrags {
		t.Fatalf("delivered %d, cum %d", n, d.cumTSNAck())
	}
	// Entries behind the next SSN scan nothing.
	scanned := d.fwdScanned
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5001 + nfrags, Streams: entries})
	if d.fwdScanned != scanned {
		t.Fatalf("stale entries scanned %d fragments", d.fwdScanned-scanned)
	}
	// Several SSNs for one stream: the highest wins, in any order.
	recvPacket(t, d, dataT0,
		fragIn(5000+nfrags+2, 1, 2, true, false, false, "p2"),
		dataIn(5000+nfrags+4, 1, 3, "s3"),
	)
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5001 + nfrags + 3, Streams: []chunk.ForwardTSNStream{
		{Stream: 1, SSN: 0}, {Stream: 1, SSN: 2}, {Stream: 1, SSN: 1},
	}})
	if got, want := readAll(t, d), []string{"1/3:s3"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if d.stats().bufferedBytes != 0 {
		t.Fatalf("buffered %d", d.stats().bufferedBytes)
	}
}
