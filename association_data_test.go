package sctp

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
)

var dataT0 = time.Unix(1_700_000_000, 0)

// dataTestConfig is what a data path test sets up: the association's
// config and what its handshake negotiated.
type dataTestConfig struct {
	assocConfig
	negotiated
}

func testDataConfig() dataTestConfig {
	return dataTestConfig{
		assocConfig: assocConfig{
			rwnd:       1 << 20,
			mtu:        1200,
			rto:        rtoBounds{initial: time.Second, min: time.Second, max: 60 * time.Second},
			maxRetrans: 10,
			maxMessage: 256 << 10,
			sndBuf:     4 << 20,
			sackDelay:  200 * time.Millisecond,
		},
		negotiated: negotiated{
			localInitialTSN: 1000,
			peerInitialTSN:  5000,
			outStreams:      16,
			inStreams:       16,
			peerRwnd:        1 << 20,
		},
	}
}

// newTestDataState returns a data path for c, its config used as given
// (as an association's defaulted one): tests set every field the data
// path reads, some below the association's bounds.
func newTestDataState(c dataTestConfig, now time.Time) *dataState {
	cfg := c.assocConfig
	return newDataState(&cfg, c.negotiated, now)
}

// sent is a decoded copy of what appendData/appendSack produced.
type sent struct {
	data  []chunk.Data
	sacks []chunk.Sack
	fwds  []chunk.ForwardTSN
}

func decodeSent(t testing.TB, b []byte) sent {
	t.Helper()
	var s sent
	it := chunk.NewIter(b)
	for it.Next() {
		r := it.Chunk()
		switch r.Type {
		case chunk.TypeData:
			var c chunk.Data
			if err := c.Decode(r); err != nil {
				t.Fatalf("decode DATA: %v", err)
			}
			c.UserData = bytes.Clone(c.UserData)
			s.data = append(s.data, c)
		case chunk.TypeSack:
			var c chunk.Sack
			if err := c.Decode(r); err != nil {
				t.Fatalf("decode SACK: %v", err)
			}
			s.sacks = append(s.sacks, c)
		case chunk.TypeForwardTSN:
			var c chunk.ForwardTSN
			if err := c.Decode(r); err != nil {
				t.Fatalf("decode FORWARD TSN: %v", err)
			}
			s.fwds = append(s.fwds, c)
		default:
			t.Fatalf("unexpected chunk type %d", r.Type)
		}
	}
	if err := it.Err(); err != nil {
		t.Fatalf("chunk iteration: %v", err)
	}
	return s
}

// packetRoom is the room the core gives appendData in an empty packet.
func packetRoom(d *dataState) int { return d.cfg.mtu - commonHeaderLenData }

// sendPacket runs appendData for one fresh packet and decodes it.
func sendPacket(t testing.TB, d *dataState, now time.Time) []chunk.Data {
	t.Helper()
	b := d.appendData(now, nil, packetRoom(d))
	if len(b) > packetRoom(d) {
		t.Fatalf("appendData wrote %d bytes into room %d", len(b), packetRoom(d))
	}
	return decodeSent(t, b).data
}

// sendAll sends packets until appendData has nothing more.
func sendAll(t testing.TB, d *dataState, now time.Time) []chunk.Data {
	t.Helper()
	var all []chunk.Data
	for i := 0; i < 10000; i++ {
		p := sendPacket(t, d, now)
		if len(p) == 0 {
			return all
		}
		all = append(all, p...)
	}
	t.Fatal("appendData never ran dry")
	return nil
}

func tsns(cs []chunk.Data) []uint32 {
	var out []uint32
	for _, c := range cs {
		out = append(out, c.TSN)
	}
	return out
}

func mustEnqueue(t testing.TB, d *dataState, now time.Time, m outMessage) {
	t.Helper()
	if err := d.enqueue(now, m); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func sackOf(cum uint32, rwnd uint32, gaps ...chunk.GapBlock) *chunk.Sack {
	return &chunk.Sack{CumTSNAck: cum, ARwnd: rwnd, Gaps: gaps}
}

func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func TestEnqueueErrors(t *testing.T) {
	cfg := testDataConfig()
	cfg.sndBuf = 300 << 10
	d := newTestDataState(cfg, dataT0)
	cases := []struct {
		m    outMessage
		want error
	}{
		{outMessage{stream: 0}, ErrEmptyMessage},
		{outMessage{stream: 0, data: make([]byte, 256<<10+1)}, ErrMessageTooLarge},
		{outMessage{stream: 16, data: []byte{1}}, ErrInvalidStream},
	}
	for _, c := range cases {
		if err := d.enqueue(dataT0, c.m); !errors.Is(err, c.want) {
			t.Errorf("enqueue(%d bytes, stream %d) = %v, want %v", len(c.m.data), c.m.stream, err, c.want)
		}
	}
	mustEnqueue(t, d, dataT0, outMessage{data: make([]byte, 256<<10)})
	if err := d.enqueue(dataT0, outMessage{data: make([]byte, 64<<10)}); !errors.Is(err, errSendBufferFull) {
		t.Errorf("enqueue beyond sndBuf = %v, want errSendBufferFull", err)
	}
	if err := d.enqueue(dataT0, outMessage{data: make([]byte, 40<<10)}); err != nil {
		t.Errorf("enqueue within sndBuf = %v", err)
	}
}

func TestEnqueueCopiesData(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	buf := []byte("hello")
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, ppid: 51, data: buf})
	copy(buf, "XXXXX")
	got := sendPacket(t, d, dataT0)
	if len(got) != 1 || string(got[0].UserData) != "hello" || got[0].PPID != 51 || got[0].Stream != 1 {
		t.Fatalf("sent %+v, want one DATA 'hello' ppid 51 stream 1", got)
	}
}

func TestFragmentationAndBundling(t *testing.T) {
	d := newTestDataState(testDataConfig(), dataT0)
	// Three small messages bundle into one packet.
	for i := range 3 {
		mustEnqueue(t, d, dataT0, outMessage{stream: uint16(i), data: payload(100, byte(i))})
	}
	p := sendPacket(t, d, dataT0)
	if len(p) != 3 {
		t.Fatalf("bundled %d chunks, want 3", len(p))
	}
	for i, c := range p {
		if c.TSN != 1000+uint32(i) || !c.Beginning || !c.Ending || c.Stream != uint16(i) || c.SSN != 0 {
			t.Errorf("chunk %d: %+v", i, c)
		}
	}
	// A 3000-byte message on stream 1 is cut into MTU-sized fragments.
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, data: payload(3000, 9)})
	frags := sendAll(t, d, dataT0)
	maxFrag := d.maxFragment()
	if len(frags) != 3 {
		t.Fatalf("%d fragments, want 3", len(frags))
	}
	var joined []byte
	for i, c := range frags {
		joined = append(joined, c.UserData...)
		if c.Beginning != (i == 0) || c.Ending != (i == 2) || c.SSN != 1 || c.TSN != 1003+uint32(i) {
			t.Errorf("fragment %d flags/SSN/TSN wrong: B=%v E=%v SSN=%d TSN=%d", i, c.Beginning, c.Ending, c.SSN, c.TSN)
		}
		if i < 2 && len(c.UserData) != maxFrag {
			t.Errorf("fragment %d has %d bytes, want %d", i, len(c.UserData), maxFrag)
		}
	}
	if !bytes.Equal(joined, payload(3000, 9)) {
		t.Error("fragments do not reassemble to the message")
	}
	// Unordered messages carry the U bit and consume no SSN.
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, unordered: true, data: []byte{1}})
	mustEnqueue(t, d, dataT0, outMessage{stream: 1, data: []byte{2}})
	p = sendAll(t, d, dataT0)
	if len(p) != 2 || !p[0].Unordered || p[1].Unordered || p[1].SSN != 2 {
		t.Fatalf("unordered/ordered pair wrong: %+v", p)
	}
}
