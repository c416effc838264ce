package sctp

import (
	"fmt"
	"testing"
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
	d := newDataState(testDataConfig(), dataT0)
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
	d := newDataState(testDataConfig(), dataT0)
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
	d := newDataState(testDataConfig(), dataT0)
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
