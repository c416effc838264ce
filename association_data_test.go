package sctp

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"
	"unsafe"

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

// mustSack has d process sackOf(cum, rwnd, gaps...) at now, failing the
// test on an error.
func mustSack(t testing.TB, d *dataState, now time.Time, cum, rwnd uint32, gaps ...chunk.GapBlock) {
	t.Helper()
	if err := d.handleSack(now, sackOf(cum, rwnd, gaps...)); err != nil {
		t.Fatal(err)
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

// TestIdleAssociationMemory: an established, idle association costs at
// most ~10 KB of heap on each side with the default configuration (1 MiB
// receive window, 256 KiB max message): nothing proportional to the window
// or the send buffer is allocated eagerly.
func TestIdleAssociationMemory(t *testing.T) {
	const n = 200
	pn := newBackToBack(t)
	if err := pn.eps[0].listen(7, assocConfig{}); err != nil {
		t.Fatal(err)
	}
	// Warm up maps and buffers of the endpoints with one association.
	if _, err := pn.eps[1].connect(pn.now(), 0, pn.addrs[0], 7, assocConfig{}); err != nil {
		t.Fatal(err)
	}
	pn.flush()
	pn.events = [2][]Event{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	clients := make([]*association, 0, n)
	for range n {
		a, err := pn.eps[1].connect(pn.now(), 0, pn.addrs[0], 7, assocConfig{})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, a)
		pn.flush()
		pn.events = [2][]Event{}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for _, a := range clients {
		if a.currentState() != stateEstablished {
			t.Fatalf("association %d: %v", a.id(), a.currentState())
		}
	}
	if got := pn.eps[0].associations(); got != n+1 {
		t.Fatalf("server holds %d associations, want %d", got, n+1)
	}
	if cw := clients[0].data.stats().localRwnd; cw < assocDefaultMaxMessage {
		t.Fatalf("default receive window %d below the maximum message size %d", cw, assocDefaultMaxMessage)
	}
	per := (int64(after.HeapInuse) - int64(before.HeapInuse)) / (2 * n)
	t.Logf("%d bytes of heap per idle association", per)
	if per > 10<<10 {
		t.Fatalf("%d bytes of heap per idle association, want <= 10 KiB", per)
	}
	runtime.KeepAlive(clients)
}

// TestIdleAssociationTrimsBuffers: after a 1 MiB burst each way, an
// association idle for a heartbeat period releases the buffers it kept for
// reuse and is back to its small idle footprint.
func TestIdleAssociationTrimsBuffers(t *testing.T) {
	pn := newBackToBack(t)
	client, server := pn.connect(assocConfig{hbInterval: 5 * time.Second})
	msg := make([]byte, 64<<10)
	sent := 0
	read := 0
	pn.runUntil("transfer", func() bool {
		for sent < 16 && client.send(pn.now(), outMessage{data: msg}) == nil {
			sent++
		}
		for {
			if _, ok := server.readMessage(); !ok {
				break
			}
			read++
		}
		return read == 16 && client.data.idle()
	})
	held := func(a *association) int {
		return a.data.pool.IdleBytes() + cap(a.data.snd.chunks.buf)*int(unsafe.Sizeof(outChunk{}))
	}
	if held(client) == 0 || held(server) == 0 {
		t.Fatalf("setup: no pooled buffers after the burst (client %d, server %d)", held(client), held(server))
	}
	start := pn.now()
	pn.runUntil("idle heartbeat period", func() bool { return pn.now().Sub(start) > 20*time.Second })
	if c, s := held(client), held(server); c != 0 || s != 0 {
		t.Fatalf("idle associations still hold %d (client) and %d (server) bytes of buffers", c, s)
	}
	if client.currentState() != stateEstablished || server.currentState() != stateEstablished {
		t.Fatal("association lost while idle")
	}
	// Still works afterwards.
	if err := client.send(pn.now(), outMessage{data: []byte("again")}); err != nil {
		t.Fatal(err)
	}
	pn.runUntil("delivery after trim", func() bool {
		m, ok := server.readMessage()
		return ok && string(m.data) == "again"
	})
}
