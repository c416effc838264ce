package sctp

import (
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/usctp/sctp/chunk"
)

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
		if a.currentState() != StateEstablished {
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

// TestPartialDeliveryAbortedEvent: when the sender abandons (PR-SCTP) a
// message whose partial delivery started, the association emits a
// PartialDelivery event (RFC 6458 §6.1.7 SCTP_PARTIAL_DELIVERY_ABORTED)
// along with the aborted marker for the runtime.
func TestPartialDeliveryAbortedEvent(t *testing.T) {
	pn := newBackToBack(t)
	_, server := pn.connect(assocConfig{outStreams: 2, maxInStreams: 2, mtu: 1200, rwnd: 4300, prSCTP: true})
	pn.events = [2][]Event{}
	// Fragments of one message on stream 1 fill the 4300-byte window;
	// the rest never comes.
	d := server.data
	tsn := d.cumTSNAck() + 1
	frag := make([]byte, 1000)
	for i := range 4 {
		c := chunk.Data{TSN: tsn + uint32(i), Stream: 1, SSN: 0, PPID: 5, Beginning: i == 0, UserData: frag}
		if v := d.handleData(pn.now(), &c); v != dataOK {
			t.Fatalf("fragment %d: %v", i, v)
		}
	}
	d.endOfPacket(pn.now())
	pieces := 0
	for {
		m, ok := server.readMessage()
		if !ok {
			break
		}
		if !m.partial {
			t.Fatalf("want pieces of a partial delivery, got %+v", m)
		}
		pieces++
	}
	if pieces == 0 {
		t.Fatal("no partial delivery started")
	}
	d.handleForwardTSN(pn.now(), &chunk.ForwardTSN{NewCumTSN: tsn + 5, Streams: []chunk.ForwardTSNStream{{Stream: 1, SSN: 0}}})
	m, ok := server.readMessage()
	if !ok || !m.aborted {
		t.Fatalf("want the aborted marker, got %+v %v", m, ok)
	}
	var pd []PartialDelivery
	for {
		ev, ok := pn.eps[0].pollEvent()
		if !ok {
			break
		}
		if e, ok := ev.(PartialDelivery); ok {
			pd = append(pd, e)
		}
	}
	if len(pd) != 1 || pd[0].ID != server.id() || pd[0].Stream != 1 || pd[0].Seq != 0 {
		t.Fatalf("PartialDelivery events %+v, want one for stream 1 SSN 0", pd)
	}
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
		return a.data.pool.freeBytes + cap(a.data.snd.chunks.buf)*int(unsafe.Sizeof(outChunk{}))
	}
	if held(client) == 0 || held(server) == 0 {
		t.Fatalf("setup: no pooled buffers after the burst (client %d, server %d)", held(client), held(server))
	}
	start := pn.now()
	pn.runUntil("idle heartbeat period", func() bool { return pn.now().Sub(start) > 20*time.Second })
	if c, s := held(client), held(server); c != 0 || s != 0 {
		t.Fatalf("idle associations still hold %d (client) and %d (server) bytes of buffers", c, s)
	}
	if client.currentState() != StateEstablished || server.currentState() != StateEstablished {
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
