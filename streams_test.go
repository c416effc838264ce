package sctp

import (
	"fmt"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

func readAll(t *testing.T, d *dataState) []string {
	t.Helper()
	var out []string
	for i := 0; i < 1000; i++ {
		m, ok := d.readMessage()
		if !ok {
			return out
		}
		u := ""
		if m.unordered {
			u = "u"
		}
		out = append(out, fmt.Sprintf("%d/%d%s:%s", m.stream, m.ssn, u, m.data))
	}
	t.Fatal("readMessage never ran dry")
	return nil
}

func eqStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReassemblyOrderedPerStreamNoHOL(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	// Stream 1: message SSN 0 in three fragments (TSN 5000–5002), SSN 1
	// whole (5003). Stream 2: SSN 0 whole (5004), SSN 1 in two fragments
	// (5005–5006). Arrival: everything but TSN 5001.
	recvPacket(t, d, dataT0,
		fragIn(5000, 1, 0, true, false, false, "he"),
		fragIn(5002, 1, 0, false, true, false, "lo"),
		dataIn(5003, 1, 1, "second"),
		fragIn(5006, 2, 1, false, true, false, "ld"),
		dataIn(5004, 2, 0, "s2first"),
		fragIn(5005, 2, 1, true, false, false, "wor"),
	)
	// Stream 2 is complete and delivered although stream 1 is blocked by
	// the missing fragment: no head-of-line blocking across streams.
	got := readAll(t, d)
	if want := []string{"2/0:s2first", "2/1:world"}; !eqStrings(got, want) {
		t.Fatalf("before the hole filled: %q, want %q", got, want)
	}
	// Stream 1 waits: SSN 1 complete but SSN 0 is not.
	recvPacket(t, d, dataT0, fragIn(5001, 1, 0, false, false, false, "l"))
	got = readAll(t, d)
	if want := []string{"1/0:hello", "1/1:second"}; !eqStrings(got, want) {
		t.Fatalf("after the hole filled: %q, want %q", got, want)
	}
	if st := d.stats(); st.bufferedBytes != 0 {
		t.Fatalf("buffered %d after reading everything", st.bufferedBytes)
	}
}

func TestReassemblyOutOfOrderSSN(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	// SSN 2, 1 arrive before SSN 0 on the same stream.
	recvPacket(t, d, dataT0, dataIn(5002, 4, 2, "c"), dataIn(5001, 4, 1, "b"))
	if got := readAll(t, d); len(got) != 0 {
		t.Fatalf("delivered %q out of order", got)
	}
	recvPacket(t, d, dataT0, dataIn(5000, 4, 0, "a"))
	if got, want := readAll(t, d), []string{"4/0:a", "4/1:b", "4/2:c"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// A stale SSN (already delivered) with a new TSN is acked, not delivered.
	recvPacket(t, d, dataT0, dataIn(5003, 4, 1, "stale"))
	if got := readAll(t, d); len(got) != 0 {
		t.Fatalf("stale SSN delivered: %q", got)
	}
	if d.cumTSNAck() != 5003 || d.stats().bufferedBytes != 0 {
		t.Fatalf("cum=%d buffered=%d", d.cumTSNAck(), d.stats().bufferedBytes)
	}
}

func TestUnorderedDelivery(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	// Ordered SSN 0 on stream 5 is missing; unordered messages on the same
	// stream are delivered as soon as they are complete.
	recvPacket(t, d, dataT0,
		dataIn(5001, 5, 1, "ordered-1"),
		fragIn(5004, 5, 0, false, true, true, "ment"),
		fragIn(5002, 5, 0, true, false, true, "frag"),
		fragIn(5006, 5, 0, true, true, true, "single"),
	)
	if got, want := readAll(t, d), []string{"5/0u:single"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	recvPacket(t, d, dataT0, fragIn(5003, 5, 0, false, false, true, "-"))
	if got, want := readAll(t, d), []string{"5/0u:frag-ment"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	recvPacket(t, d, dataT0, dataIn(5000, 5, 0, "ordered-0"))
	if got, want := readAll(t, d), []string{"5/0:ordered-0", "5/1:ordered-1"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Fragments of a broken sequence (B after B, stream mismatch) never
	// complete a message.
	recvPacket(t, d, dataT0,
		fragIn(5007, 5, 0, true, false, true, "x"),
		fragIn(5008, 6, 0, false, true, true, "y"),
		fragIn(5009, 5, 0, true, false, true, "p"),
		fragIn(5010, 5, 0, true, true, true, "q"),
	)
	if got, want := readAll(t, d), []string{"5/0u:q"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPartialDeliveryLargeMessage(t *testing.T) {
	cfg := testDataConfig()
	cfg.rwnd = 10000
	d := newTestDataState(cfg, dataT0)
	frag := payload(1000, 3)
	// A complete message on stream 1 is read first; then a 30 KB message
	// on stream 0 (three times the window) arrives in order.
	recvPacket(t, d, dataT0, dataIn(5000, 1, 0, "small"))
	if got := readAll(t, d); len(got) != 1 {
		t.Fatalf("got %q", got)
	}
	var joined []byte
	pieces := 0
	tsn := uint32(5001)
	for i := 0; i < 30; {
		c := fragIn(tsn, 0, 0, i == 0, i == 29, false, string(frag))
		v := d.handleData(dataT0, c)
		d.endOfPacket(dataT0)
		if st := d.stats(); st.bufferedBytes > int(cfg.rwnd) {
			t.Fatalf("buffered %d beyond the window", st.bufferedBytes)
		}
		if v == dataOK {
			i++
			tsn++
		} else if v != dataDropped {
			t.Fatalf("verdict %v", v)
		}
		for {
			m, ok := d.readMessage()
			if !ok {
				break
			}
			if m.stream != 0 || m.aborted {
				t.Fatalf("unexpected %+v", m)
			}
			pieces++
			joined = append(joined, m.data...)
			if !m.partial && i != 30 {
				t.Fatalf("last piece flagged at fragment %d", i)
			}
		}
	}
	if len(joined) != 30000 || pieces < 2 {
		t.Fatalf("reassembled %d bytes in %d pieces", len(joined), pieces)
	}
	for k := 0; k < 30; k++ {
		if string(joined[k*1000:(k+1)*1000]) != string(frag) {
			t.Fatalf("piece content wrong at %d", k)
		}
	}
	if st := d.stats(); st.partialDeliveries != 1 || st.messagesDelivered != 2 || st.bufferedBytes != 0 {
		t.Fatalf("stats %+v", st)
	}
	// The stream continues with SSN 1.
	recvPacket(t, d, dataT0, dataIn(tsn, 0, 1, "next"))
	if got, want := readAll(t, d), []string{"0/1:next"}; !eqStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPartialDeliveryBlocksOthersAndAborts(t *testing.T) {
	cfg := testDataConfig()
	cfg.rwnd = 4300
	d := newTestDataState(cfg, dataT0)
	frag := string(payload(1000, 1))
	// Stream 0 SSN 0: fragments 5000–5003 fill the window; the rest of the
	// message never comes.
	recvPacket(t, d, dataT0,
		fragIn(5000, 0, 0, true, false, false, frag),
		fragIn(5001, 0, 0, false, false, false, frag),
		fragIn(5002, 0, 0, false, false, false, frag),
		fragIn(5003, 0, 0, false, false, false, frag),
	)
	got := 0
	for {
		m, ok := d.readMessage()
		if !ok {
			break
		}
		if !m.partial || m.stream != 0 {
			t.Fatalf("piece %+v", m)
		}
		got += len(m.data)
	}
	if got != 4000 {
		t.Fatalf("pieces carried %d bytes, want 4000", got)
	}
	// A complete message on stream 3 is held back during the partial
	// delivery (RFC 6458 fragment interleave level 0).
	recvPacket(t, d, dataT0, dataIn(5010, 3, 0, "other"))
	if _, ok := d.readMessage(); ok {
		t.Fatal("other message delivered during partial delivery")
	}
	// The sender abandons the big message (PR-SCTP).
	d.handleForwardTSN(dataT0, &chunk.ForwardTSN{NewCumTSN: 5009, Streams: []chunk.ForwardTSNStream{{Stream: 0, SSN: 0}}})
	m, ok := d.readMessage()
	if !ok || !m.aborted || m.stream != 0 || m.data != nil {
		t.Fatalf("abort notice %+v %v", m, ok)
	}
	if got, want := readAll(t, d), []string{"3/0:other"}; !eqStrings(got, want) {
		t.Fatalf("after abort: %q, want %q", got, want)
	}
	recvPacket(t, d, dataT0, dataIn(5011, 0, 1, "s0"))
	if got, want := readAll(t, d), []string{"0/1:s0"}; !eqStrings(got, want) {
		t.Fatalf("stream 0 after abort: %q, want %q", got, want)
	}
	if st := d.stats(); st.bufferedBytes != 0 {
		t.Fatalf("buffered %d", st.bufferedBytes)
	}
}

// BenchmarkReassemblyReversed delivers a 40-fragment message with its
// fragments arriving in reverse TSN order (39 gaps then one fill), builds
// the SACKs a receiver would send, and reads the message.
func BenchmarkReassemblyReversed(b *testing.B) {
	const frags = 40
	cfg := testDataConfig()
	d := newTestDataState(cfg, dataT0)
	frag := payload(1100, 5)
	tsn, ssn := cfg.peerInitialTSN, uint16(0)
	var c chunk.Data
	pkt := make([]byte, 0, 2048)
	now := dataT0
	b.SetBytes(frags * 1100)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		for i := frags - 1; i >= 0; i-- {
			c = chunk.Data{TSN: tsn + uint32(i), Stream: 1, SSN: ssn, PPID: 9, Beginning: i == 0, Ending: i == frags-1, UserData: frag}
			if v := d.handleData(now, &c); v != dataOK {
				b.Fatalf("fragment %d: verdict %v", i, v)
			}
			d.endOfPacket(now)
			if d.sackDue(now) {
				pkt = d.appendSack(pkt[:0])
			}
		}
		tsn += frags
		ssn++
		m, ok := d.readMessage()
		if !ok || len(m.data) != frags*len(frag) {
			b.Fatalf("message not delivered: %v, %d bytes", ok, len(m.data))
		}
		pkt = d.appendSack(pkt[:0])
	}
}
