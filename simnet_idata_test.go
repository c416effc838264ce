package sctp

import (
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
)

// TestSimIDataLargeDoesNotBlockSmall: at the receiver, a large message on
// stream 1 under partial delivery (larger than the receive window) does
// not hold back a small message on stream 2 with I-DATA (RFC 8260 §2.1,
// RFC 6458 §8.1.20 level 2); with DATA it waits until the large message
// ends. The large message's last fragment is lost once, so the small
// message (sent after it) arrives while the large one is still incomplete.
func TestSimIDataLargeDoesNotBlockSmall(t *testing.T) {
	run := func(t *testing.T, idata bool) (small, large time.Duration) {
		pn := newEndpointPair(t, 3, simnet.LinkConfig{Delay: 10 * time.Millisecond})
		cfg := assocConfig{outStreams: 4, maxInStreams: 4, rwnd: 8 << 10, hbDisabled: true}
		cfg.setPRSCTP(true)
		cfg.setIData(idata)
		client, server := pn.connect(cfg)
		if client.idata != idata || server.idata != idata {
			t.Fatalf("I-DATA negotiated %v/%v, want %v", client.idata, server.idata, idata)
		}
		size := 40 * client.data.maxFragment() // the last fragment fills its packet alone
		dropped := false
		pn.drop = func(_ int, pkt []byte) bool {
			_, chunks, err := parsePacket(pkt)
			if err != nil || dropped {
				return false
			}
			it := chunk.NewIter(chunks)
			for it.Next() {
				c := it.Chunk()
				if (c.Type == chunk.TypeData || c.Type == chunk.TypeIData) && c.Flags&chunk.FlagEnding != 0 &&
					len(c.Value) > 6 && c.Value[4] == 0 && c.Value[5] == 1 {
					dropped = true
					return true
				}
			}
			return false
		}
		start := pn.now()
		if err := client.send(start, outMessage{stream: 1, ppid: 1, data: make([]byte, size)}); err != nil {
			t.Fatal(err)
		}
		if err := client.send(start, outMessage{stream: 2, ppid: 2, data: []byte("small")}); err != nil {
			t.Fatal(err)
		}
		small, large = readSmallAndLarge(pn, server, start)
		if !dropped {
			t.Fatal("the large message's last fragment was never seen")
		}
		if server.data.st.partialDeliveries == 0 {
			t.Fatal("the large message was not partially delivered")
		}
		return small, large
	}
	small, large := run(t, true)
	t.Logf("I-DATA: small message read after %v, large message completed after %v", small, large)
	if small >= large {
		t.Fatalf("I-DATA: the small message on stream 2 waited for the large message on stream 1 (%v >= %v)", small, large)
	}
	small, large = run(t, false)
	t.Logf("DATA:   small message read after %v, large message completed after %v", small, large)
	if small < large {
		t.Fatalf("DATA: the small message passed the partial delivery (%v < %v): the test no longer shows the difference", small, large)
	}
}

// TestSimIDataSchedulerInterleavesSend: the sender side of RFC 8260 §3
// end to end. A large message is queued on stream 1, then a small one on
// stream 2. With I-DATA negotiated and round robin, the scheduler switches
// streams after a chunk, so the small message is read long before the
// large one completes; with DATA and round robin it must wait for the
// large message's last fragment (its fragments need consecutive TSNs).
func TestSimIDataSchedulerInterleavesSend(t *testing.T) {
	run := func(t *testing.T, idata bool) (small, large time.Duration) {
		pn := newEndpointPair(t, 5, simnet.LinkConfig{Delay: 10 * time.Millisecond})
		cfg := assocConfig{outStreams: 4, maxInStreams: 4, hbDisabled: true, sched: SCTP_SS_RR}
		cfg.setIData(idata)
		client, server := pn.connect(cfg)
		if client.idata != idata || client.data.snd.interleave != idata {
			t.Fatalf("I-DATA %v, interleave %v, want %v", client.idata, client.data.snd.interleave, idata)
		}
		start := pn.now()
		if err := client.send(start, outMessage{stream: 1, ppid: 1, data: make([]byte, 150*client.data.maxFragment())}); err != nil {
			t.Fatal(err)
		}
		if err := client.send(start, outMessage{stream: 2, ppid: 2, data: []byte("small")}); err != nil {
			t.Fatal(err)
		}
		small, large = readSmallAndLarge(pn, server, start)
		return small, large
	}
	small, large := run(t, true)
	t.Logf("I-DATA+RR: small message read after %v, large message after %v", small, large)
	if small*4 > large {
		t.Fatalf("I-DATA+RR: the small message waited for most of the large one (%v of %v)", small, large)
	}
	small, large = run(t, false)
	t.Logf("DATA+RR:   small message read after %v, large message after %v", small, large)
	if small < large {
		t.Fatalf("DATA+RR: the small message overtook a started DATA message (%v < %v)", small, large)
	}
}

// readSmallAndLarge runs the network until server has read the small
// message of stream 2 and the whole large message of stream 1, and returns
// how long after start each was read.
func readSmallAndLarge(pn *endpointPair, server *association, start time.Time) (small, large time.Duration) {
	got := 0
	pn.runUntil("both messages read", func() bool {
		for {
			m, ok := server.readMessage()
			if !ok {
				break
			}
			switch {
			case m.stream == 2:
				small = pn.now().Sub(start)
			case m.stream == 1 && !m.partial:
				large = pn.now().Sub(start)
			}
			if !m.partial {
				got++
			}
		}
		return got == 2
	})
	return small, large
}
