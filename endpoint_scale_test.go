package sctp

import (
	"bytes"
	"flag"
	"runtime"
	"testing"
	"time"
)

// Scale tests (issue 7): many associations on one endpoint, back to back
// without sockets. They report numbers with t.Logf and assert correctness
// (every association established, every message delivered intact), never
// speed or memory. -sctp.scale runs the heavy variants.
var flagScale = flag.Bool("sctp.scale", false, "run the heavy variants of the scale tests (10,000 idle associations even with -race; 500 messages per active association)")

// TestScaleIdleAssociations establishes 10,000 associations (2,000 with
// -race or -short) from one client
// endpoint to one listening endpoint and reports the server's heap per idle
// association (runtime.ReadMemStats after dropping the client side).
func TestScaleIdleAssociations(t *testing.T) {
	// The race build, which is ~5× slower, uses 2,000 unless -sctp.scale
	// asks for the full 10,000.
	n := 10000
	if (simRaceEnabled || testing.Short()) && !*flagScale {
		n = 2000
	}
	cfg := assocConfig{}
	pn := newBackToBack(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, servers := connectMany(t, pn, n, cfg)
	setup := time.Since(start)
	if got := len(pn.eps[0].assocs); got != n {
		t.Fatalf("server endpoint holds %d associations, want %d", got, n)
	}
	// Only the server side stays reachable for the measurement.
	pn.eps[1], pn.sim, pn.events = nil, nil, [2][]Event{}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
	t.Logf("%d idle associations: setup %v (%.1f µs per handshake, both ends), server heap %.0f B per association (target ≤ 10240)",
		n, setup.Round(time.Millisecond), float64(setup.Microseconds())/float64(n), per)
	if simRaceEnabled {
		t.Logf("note: built with -race; allocation sizes differ from a normal build")
	}
	runtime.KeepAlive(servers)
	runtime.KeepAlive(pn.eps[0])
}

// TestScaleActiveAssociations runs 1,000 associations that each send
// messages of 1,200 bytes to the listening endpoint at the same time, and
// reports the aggregate goodput of the engine (both endpoints on one
// goroutine, so this is the engine's CPU cost, not a network figure).
func TestScaleActiveAssociations(t *testing.T) {
	const n, size = 1000, 1200
	perAssoc := 20
	if *flagScale {
		perAssoc = 500
	}
	if testing.Short() {
		perAssoc = 5
	}
	cfg := assocConfig{outStreams: 1, maxInStreams: 1, mtu: 1452, rwnd: 256 << 10, sndBuf: 256 << 10}
	pn := newBackToBack(t)
	clients, servers := connectMany(t, pn, n, cfg)
	// Each message carries its association's index and sequence number.
	msg := make([]byte, size)
	mark := func(b []byte, a, k int) {
		b[0], b[1], b[2], b[3] = byte(a>>8), byte(a), byte(k>>8), byte(k)
	}
	// The client index of each server association, from the first message.
	owner := make(map[*association]int, n)
	next := make([]int, n) // next sequence number expected per client
	sent := make([]int, n)
	delivered, total := 0, n*perAssoc
	start := time.Now()
	for round := 0; delivered < total; round++ {
		if round > 1_000_000 || pn.sim.Elapsed() > time.Hour {
			t.Fatalf("stuck: %d of %d messages delivered after %d rounds, %v virtual", delivered, total, round, pn.sim.Elapsed())
		}
		for i, c := range clients {
			for sent[i] < perAssoc {
				mark(msg, i, sent[i])
				if c.send(pn.now(), outMessage{data: msg}) != nil {
					break // send buffer full: later
				}
				sent[i]++
			}
		}
		if !pn.pump() {
			t.Fatalf("nothing in flight, no timer, with %d of %d messages delivered", delivered, total)
		}
		got := 0
		for _, s := range servers {
			for {
				m, ok := s.readMessage()
				if !ok {
					break
				}
				if len(m.data) != size {
					t.Fatalf("message of %d bytes, want %d", len(m.data), size)
				}
				a, k := int(m.data[0])<<8|int(m.data[1]), int(m.data[2])<<8|int(m.data[3])
				if o, ok := owner[s]; !ok {
					if a >= n {
						t.Fatalf("message from unknown client %d", a)
					}
					owner[s] = a
				} else if o != a {
					t.Fatalf("server association of client %d got a message of client %d", o, a)
				}
				if k != next[a] {
					t.Fatalf("client %d: message %d delivered, want %d (order)", a, k, next[a])
				}
				mark(msg, a, k)
				if !bytes.Equal(m.data[4:], msg[4:]) {
					t.Fatalf("client %d message %d: payload corrupted", a, k)
				}
				next[a]++
				got++
			}
		}
		delivered += got
	}
	el := time.Since(start)
	for i, k := range next {
		if k != perAssoc {
			t.Fatalf("client %d: %d messages delivered, want %d", i, k, perAssoc)
		}
	}
	mb := float64(total*size) / 1e6
	t.Logf("%d active associations × %d messages of %d B: %.1f MB in %v = %.1f MB/s, %.0f msgs/s aggregate (engine only, one goroutine, both ends); virtual time %v",
		n, perAssoc, size, mb, el.Round(time.Millisecond), mb/el.Seconds(), float64(total)/el.Seconds(), pn.sim.Elapsed())
}

// connectMany makes eps[0] of pn listen on SCTP port 7 and connects n
// associations from eps[1] to it, all with cfg: the client and the server
// associations, all established, each listed once.
func connectMany(t *testing.T, pn *endpointPair, n int, cfg assocConfig) (clients, servers []*association) {
	t.Helper()
	if err := pn.eps[0].listen(7, cfg); err != nil {
		t.Fatal(err)
	}
	clients = make([]*association, 0, n)
	collectAccepted := func() {
		pn.flush()
		for _, ev := range pn.events[0] {
			if a, ok := ev.(accepted); ok {
				servers = append(servers, a.association())
			}
		}
		pn.events = [2][]Event{}
	}
	for i := 0; i < n; i++ {
		c, err := pn.eps[1].connect(pn.now(), 0, pn.addrs[0], 7, cfg)
		if err != nil {
			t.Fatalf("connect %d: %v", i, err)
		}
		clients = append(clients, c)
		if i%64 == 63 {
			collectAccepted()
		}
	}
	collectAccepted()
	if len(servers) != n {
		t.Fatalf("%d associations accepted, want %d", len(servers), n)
	}
	for i, c := range clients {
		if c.currentState() != stateEstablished {
			t.Fatalf("client association %d in state %v", i, c.currentState())
		}
	}
	seen := make(map[AssocID]bool, n)
	for i, s := range servers {
		if s.currentState() != stateEstablished {
			t.Fatalf("server association %d in state %v", i, s.currentState())
		}
		if seen[s.id()] {
			t.Fatalf("association id %v accepted twice", s.id())
		}
		seen[s.id()] = true
	}
	return clients, servers
}
