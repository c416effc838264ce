package sctp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
)

var (
	flagSeeds = flag.Int("sctp.seeds", 200, "number of seeds for TestSimPropertySeeds")
	flagSeed  = flag.Uint64("sctp.seed", 0, "replay one seed of TestSimPropertySeeds (0: run -sctp.seeds seeds)")
	flagPcap  = flag.String("sctp.pcap", "", "with -sctp.seed: write the replayed run as a pcap file of sent datagrams, or of delivered ones with SCTP_PCAP_DELIVER=1 (tshark -r F -d udp.port==9899,sctp)")
)

// Addresses of the simulated hosts (UDP encapsulation port 9899).
var (
	simClientAddr = netip.MustParseAddrPort("192.0.2.1:9899")
	simServerAddr = netip.MustParseAddrPort("192.0.2.2:9899")
)

const simServerPort = 5000 // SCTP port of the listener

// simMsg is one message of a workload. PPID carries its index, so the
// receiver can identify even a 1-byte message; the payload is derived from
// the index.
type simMsg struct {
	stream    uint16
	unordered bool
	size      int
}

func simPayload(b []byte, id uint32, size int) []byte {
	x := uint64(id)*0x9e3779b97f4a7c15 + 0x2545f4914f6cdd1d
	start := len(b)
	for len(b)-start < size {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b = binary.LittleEndian.AppendUint64(b, x)
	}
	return b[:start+size]
}

// simPeer is one side's application: it sends its workload and checks what
// it receives against the other side's workload.
type simPeer struct {
	name   string
	ep     *endpoint
	assoc  *association
	out    []simMsg // what we send
	in     []simMsg // what the peer sends us
	next   int      // next message of out to queue
	outBuf []byte   // payload of out[next], built once
	outID  int      // which message outBuf holds; -1 none
	gotten []bool   // per message of in: delivered
	ngot   int
	// per stream: the ordered messages of in, in sending order, and how
	// many of them arrived
	orderedIn   map[uint16][]uint32
	orderedNext map[uint16]int
	buf         []byte
	joined      []byte // pieces of a partially delivered message
	// events seen
	up, shutdownComp, lost int
	lostErr                error
	// lostAfterPeerClosed: our association was lost (ABORT) after the peer
	// had completed its graceful shutdown, see simScenario.strict.
	lostAfterPeerClosed bool
	other               *simPeer
	failure             error // first violation
	closedAt            time.Time
}

func newSimPeer(name string, ep *endpoint, out, in []simMsg) *simPeer {
	p := &simPeer{name: name, ep: ep, out: out, in: in, gotten: make([]bool, len(in)), outID: -1,
		orderedIn: map[uint16][]uint32{}, orderedNext: map[uint16]int{}}
	for i, m := range in {
		if !m.unordered {
			p.orderedIn[m.stream] = append(p.orderedIn[m.stream], uint32(i))
		}
	}
	return p
}

func (p *simPeer) fail(format string, args ...any) {
	if p.failure == nil {
		p.failure = fmt.Errorf("%s: %s", p.name, fmt.Sprintf(format, args...))
	}
}

func (p *simPeer) done() bool { return p.next == len(p.out) && p.ngot == len(p.in) }

// app is called after every event of this side.
func (p *simPeer) app(now time.Time) {
	for {
		ev, ok := p.ep.pollEvent()
		if !ok {
			break
		}
		switch ev := ev.(type) {
		case Accepted:
			if p.assoc != nil {
				p.fail("second association accepted: %v", ev)
			}
			p.assoc = ev.association()
		case AssocChange:
			switch ev.State {
			case CommUp:
				p.up++
			case ShutdownComp:
				p.shutdownComp++
				p.closedAt = now
			default:
				p.lost++
				p.lostErr = fmt.Errorf("%v: %w", ev, ev.Err)
				p.closedAt = now
				p.lostAfterPeerClosed = p.other != nil && p.other.shutdownComp > 0
			}
		case SendFailed:
			p.fail("send failed: %v", ev)
		}
	}
	a := p.assoc
	if a == nil {
		return
	}
	for {
		m, ok := a.readMessage()
		if !ok {
			break
		}
		if m.aborted {
			p.fail("partial delivery of stream %d SSN %d aborted", m.stream, m.ssn)
			p.joined = p.joined[:0]
			continue
		}
		// A message larger than the free receive window comes in pieces
		// (partial delivery); join them as the runtime endpoint does.
		if m.partial || len(p.joined) > 0 {
			p.joined = append(p.joined, m.data...)
			if m.partial {
				continue
			}
			m.data = p.joined
			p.joined = p.joined[:0]
		}
		p.check(m)
	}
	for p.next < len(p.out) && a.currentState() == StateEstablished {
		m := p.out[p.next]
		if p.outID != p.next {
			p.outBuf = simPayload(p.outBuf[:0], uint32(p.next), m.size)
			p.outID = p.next
		}
		err := a.send(now, outMessage{stream: m.stream, ppid: uint32(p.next), unordered: m.unordered, data: p.outBuf})
		if errors.Is(err, errSendBufferFull) {
			break
		}
		if err != nil {
			p.fail("send message %d: %v", p.next, err)
			break
		}
		p.next++
	}
}

func (p *simPeer) check(m inMessage) {
	id := m.ppid
	if int(id) >= len(p.in) {
		p.fail("message with unknown id %d", id)
		return
	}
	want := p.in[id]
	if p.gotten[id] {
		p.fail("message %d delivered twice", id)
		return
	}
	p.gotten[id] = true
	p.ngot++
	if m.stream != want.stream || m.unordered != want.unordered || len(m.data) != want.size {
		p.fail("message %d: got stream %d unordered %v len %d, want %d %v %d", id, m.stream, m.unordered, len(m.data), want.stream, want.unordered, want.size)
		return
	}
	p.buf = simPayload(p.buf[:0], id, want.size)
	if !bytes.Equal(m.data, p.buf) {
		p.fail("message %d (%d bytes): payload corrupted", id, want.size)
		return
	}
	if !want.unordered {
		k := p.orderedNext[m.stream]
		if exp := p.orderedIn[m.stream][k]; exp != id {
			p.fail("stream %d: ordered message %d delivered before %d", m.stream, id, exp)
		}
		p.orderedNext[m.stream] = k + 1
	}
}

// simWorkload draws n messages on up to streams streams, sizes 1 B–256 KiB
// skewed towards small ones.
func simWorkload(r *rand.Rand, n int, streams int, maxSize int) []simMsg {
	ms := make([]simMsg, n)
	for i := range ms {
		var size int
		switch x := r.IntN(100); {
		case x < 50:
			size = 1 + r.IntN(1500)
		case x < 85:
			size = 1 + r.IntN(16<<10)
		default:
			size = 1 + r.IntN(maxSize)
		}
		ms[i] = simMsg{stream: uint16(r.IntN(streams)), unordered: r.IntN(4) == 0, size: size}
	}
	return ms
}

type simScenario struct {
	sim            *simnet.Sim
	client, server *simPeer
	// strict demands SHUTDOWN_COMP on both sides. Otherwise the server may
	// instead end with COMM_LOST from an ABORT that arrives after the
	// client completed the shutdown: a packet of the server delayed or
	// duplicated past the client's SHUTDOWN COMPLETE reaches a client
	// without TCB, which answers with ABORT (RFC 9260 §8.4 rule 8), and
	// the server, still in SHUTDOWN-ACK-SENT, accepts it (§9.1). All data
	// was acknowledged by then (§9.2), so nothing is lost.
	strict bool
	// benignAborts counts such endings.
	benignAborts int
	// serverCloses makes the server, not the client, start the shutdown.
	serverCloses bool
	// early starts the shutdown as soon as both sides have queued all
	// their messages, with data still in flight both ways (SHUTDOWN-PENDING
	// and SHUTDOWN-RECEIVED with outstanding data, RFC 9260 §9.2);
	// otherwise once everything has been delivered.
	early bool
}

// newSimScenario builds two endpoints on a Sim: the server listens, the
// client connects. Both run the given workloads.
func newSimScenario(t testing.TB, seed uint64, link simnet.LinkConfig, cfg assocConfig, c2s, s2c []simMsg) *simScenario {
	sim := simnet.NewSim(seed)
	sim.SetDefaultLink(link)
	cep := newEndpointCore(endpointConfig{rand: simRand(seed*2 + 1)})
	sep := newEndpointCore(endpointConfig{rand: simRand(seed*2 + 2)})
	if err := sep.listen(simServerPort, cfg); err != nil {
		t.Fatal(err)
	}
	client := newSimPeer("client", cep, c2s, s2c)
	server := newSimPeer("server", sep, s2c, c2s)
	client.other, server.other = server, client
	if err := sim.AddNode(simClientAddr, &simEndpoint{t: t, ep: cep, app: client.app}); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddNode(simServerAddr, &simEndpoint{t: t, ep: sep, app: server.app}); err != nil {
		t.Fatal(err)
	}
	a, err := cep.connect(sim.Now(), 0, simServerAddr, simServerPort, cfg)
	if err != nil {
		t.Fatal(err)
	}
	client.assoc = a
	return &simScenario{sim: sim, client: client, server: server, strict: true}
}

// run drives the scenario: transfer both workloads, then the client shuts
// down gracefully; it returns an error describing the first violation.
func (s *simScenario) run(maxVirtual time.Duration, maxEvents int) error {
	c, sv := s.client, s.server
	failed := func() bool { return c.failure != nil || sv.failure != nil }
	closed := func(p *simPeer) bool { return p.assoc != nil && p.assoc.currentState() == StateClosed }
	ready := func() bool {
		if s.early {
			// Everything queued (the peer's SHUTDOWN stops new sends),
			// not necessarily delivered.
			return c.up == 1 && sv.up == 1 && c.next == len(c.out) && sv.next == len(sv.out)
		}
		return c.done() && sv.done()
	}
	err := s.sim.Run(func() bool {
		return failed() || ready() || closed(c) || closed(sv)
	}, maxVirtual, maxEvents)
	if err2 := s.verdict(err, "transfer"); err2 != nil {
		return err2
	}
	if !ready() {
		return fmt.Errorf("association closed during transfer: client %d/%d sent %d/%d received (%v), server %d/%d sent %d/%d received (%v)",
			c.next, len(c.out), c.ngot, len(c.in), c.lostErr, sv.next, len(sv.out), sv.ngot, len(sv.in), sv.lostErr)
	}
	initiator, responder := c, sv
	if s.serverCloses {
		initiator, responder = sv, c
	}
	initiator.assoc.shutdown(s.sim.Now())
	s.sim.Flush()
	err = s.sim.Run(func() bool { return failed() || (closed(c) && closed(sv)) }, maxVirtual, maxEvents)
	if err2 := s.verdict(err, "shutdown"); err2 != nil {
		return err2
	}
	if !s.strict && responder.lost == 1 && responder.shutdownComp == 0 && responder.lostAfterPeerClosed && errors.Is(responder.lostErr, ErrAborted) {
		s.benignAborts++
		responder.lost, responder.shutdownComp = 0, 1
	}
	for _, p := range []*simPeer{c, sv} {
		if p.ngot != len(p.in) {
			return fmt.Errorf("%s: graceful shutdown completed with %d of %d messages received", p.name, p.ngot, len(p.in))
		}
		if p.up != 1 || p.shutdownComp != 1 || p.lost != 0 {
			return fmt.Errorf("%s: %d COMM_UP, %d SHUTDOWN_COMP, %d other closes (%v); want 1, 1, 0", p.name, p.up, p.shutdownComp, p.lost, p.lostErr)
		}
		if n := p.ep.associations(); n != 0 {
			return fmt.Errorf("%s: %d associations left after shutdown", p.name, n)
		}
	}
	return nil
}

func (s *simScenario) verdict(runErr error, phase string) error {
	c, sv := s.client, s.server
	if c.failure != nil {
		return c.failure
	}
	if sv.failure != nil {
		return sv.failure
	}
	if runErr != nil {
		st := func(p *simPeer) string {
			if p.assoc == nil {
				return "no association"
			}
			as := p.assoc.stats()
			return fmt.Sprintf("%v (sent %d/%d, received %d/%d, lost=%v; cwnd=%d peerRwnd=%d flight=%d rto=%v T3=%d fast=%d)",
				p.assoc.currentState(), p.next, len(p.out), p.ngot, len(p.in), p.lostErr, as.Cwnd, as.PeerRwnd, as.FlightSize, as.RTO, as.T3Retransmits, as.FastRetransmits)
		}
		return fmt.Errorf("%s: %w; client %s; server %s; network %v", phase, runErr, st(c), st(sv), s.sim.Stats())
	}
	return nil
}

// simSeedParams derives one property-test case from seed.
func simSeedParams(seed uint64) (simnet.LinkConfig, []simMsg, []simMsg, assocConfig, simShutdownMode) {
	r := rand.New(rand.NewPCG(seed, 0x5c7e))
	link := simnet.LinkConfig{
		Loss:      r.Float64() * 0.30,
		Delay:     time.Duration(1+r.IntN(50)) * time.Millisecond,
		Jitter:    time.Duration(r.IntN(20)) * time.Millisecond,
		Reorder:   r.Float64() * 0.1,
		Duplicate: r.Float64() * 0.05,
		// The engine's MTU; a larger packet would be a bug: it is
		// dropped and shows up in Stats.
		MTU: []int{assocDefaultMTU, 1200, 548}[r.IntN(3)],
	}
	if r.IntN(4) == 0 {
		link.Bandwidth = int64(1+r.IntN(20)) << 20
		link.QueueBytes = 64<<10 + r.IntN(256<<10)
	}
	streams := 1 + r.IntN(16)
	cfg := assocConfig{
		outStreams: 16, maxInStreams: 16,
		// The receive window is the default (1 MiB, above the largest
		// message); TestSimMessageLargerThanRwnd covers smaller windows.
		mtu: link.MTU,
		// With up to 30% loss each way a handshake or retransmission
		// round fails with probability up to 51%; raise the failure
		// thresholds so that an unlucky but correct run does not give up.
		// (Measured: with the defaults for every seed, seed 115 — 29.6%
		// loss — fails the association, correctly, after 11 errors.)
		maxInitRetrans: 30,
		maxRetrans:     30,
		pathMaxRetrans: 30,
	}
	if link.Loss < 0.1 {
		// Below 10% loss the RFC 9260 §16 defaults (8, 10, 5) are
		// ample: give up only after 9 lost rounds (< 1e-6).
		cfg.maxInitRetrans, cfg.maxRetrans, cfg.pathMaxRetrans = 0, 0, 0
	}
	maxSize := 256 << 10
	if r.IntN(2) == 0 {
		maxSize = 32 << 10
	}
	c2s := simWorkload(r, 10+r.IntN(40), streams, maxSize)
	s2c := simWorkload(r, r.IntN(20), streams, maxSize)
	// An early shutdown leaves the responder draining its data under the
	// initiator's T5-shutdown-guard (5 × RTO.Max = 300 s, RFC 9260 §9.2),
	// which legitimately aborts a drain that takes longer. At 20–30% loss
	// moving megabytes can take that long (RTO backoff), so early
	// shutdowns are drawn only on links with less loss.
	mode := simShutdownMode{serverCloses: r.IntN(2) == 0, early: r.IntN(2) == 0 && link.Loss < 0.15}
	return link, c2s, s2c, cfg, mode
}

type simShutdownMode struct{ serverCloses, early bool }

func runSimSeed(t testing.TB, seed uint64) (*simScenario, error) {
	link, c2s, s2c, cfg, mode := simSeedParams(seed)
	s := newSimScenario(t, seed, link, cfg, c2s, s2c)
	s.strict = false
	s.serverCloses, s.early = mode.serverCloses, mode.early
	if *flagPcap != "" && *flagSeed == seed {
		f, err := os.Create(*flagPcap)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		defer w.Flush()
		dir := simnet.TapSend
		if os.Getenv("SCTP_PCAP_DELIVER") != "" {
			dir = simnet.TapDeliver
		}
		pw, err := simnet.NewPcapWriter(w, dir)
		if err != nil {
			t.Fatal(err)
		}
		s.sim.SetTap(pw.Tap)
	}
	err := s.run(24*time.Hour, 5_000_000)
	if err == nil {
		if d := s.sim.Stats().Dropped[simnet.DropMTU]; d != 0 {
			err = fmt.Errorf("%d datagrams exceeded the path MTU %d", d, link.MTU)
		}
	}
	if err != nil {
		err = fmt.Errorf("seed %d (link %+v, %d+%d messages, shutdown %+v): %w", seed, link, len(c2s), len(s2c), mode, err)
	}
	return s, err
}

// TestSimPropertySeeds runs random workloads over random impaired links:
// every message is delivered exactly once and intact, ordered messages in
// order per stream, and both ends reach CLOSED through a graceful shutdown.
// Replay one seed with -sctp.seed=S; run more with -sctp.seeds=N.
func TestSimPropertySeeds(t *testing.T) {
	seeds := []uint64{}
	if *flagSeed != 0 {
		seeds = append(seeds, *flagSeed)
	} else {
		n := *flagSeeds
		if testing.Short() {
			n = min(n, 20)
		}
		for i := range n {
			seeds = append(seeds, uint64(i+1))
		}
	}
	start := time.Now()
	var virt time.Duration
	var events uint64
	failures, benign := 0, 0
	for _, seed := range seeds {
		s, err := runSimSeed(t, seed)
		virt += s.sim.Elapsed()
		benign += s.benignAborts
		events += s.sim.Events()
		if err != nil {
			failures++
			t.Errorf("FAILED: %v\n\treplay: go test -run 'TestSimPropertySeeds$' -sctp.seed=%d", err, seed)
			if failures >= 5 {
				t.Fatal("stopping after 5 failing seeds")
			}
		}
	}
	t.Logf("%d seeds: %v real, %v virtual, %d events; %d shutdowns ended by a benign late ABORT", len(seeds), time.Since(start).Round(time.Millisecond), virt.Round(time.Second), events, benign)
}

// TestSimDeterministic checks that one seed replays to the same trace.
func TestSimDeterministic(t *testing.T) {
	trace := func() (simnet.Stats, time.Duration, uint64) {
		s, err := runSimSeed(t, 7)
		if err != nil {
			t.Fatal(err)
		}
		return s.sim.Stats(), s.sim.Elapsed(), s.sim.Events()
	}
	s1, v1, e1 := trace()
	s2, v2, e2 := trace()
	if s1 != s2 || v1 != v2 || e1 != e2 {
		t.Fatalf("seed 7 not reproducible: %v %v %d vs %v %v %d", s1, v1, e1, s2, v2, e2)
	}
}

// TestSim100MB moves 100 MB from client to server over a 20 ms RTT path and
// shuts down cleanly.
func TestSim100MB(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB transfer skipped in -short mode")
	}
	total := 100 << 20
	if simRaceEnabled {
		// The race detector slows the engine ~10x (100 MB: ~10 s of CPU);
		// move 20 MB instead to keep the package well under a minute.
		total = 20 << 20
		t.Logf("race detector on: moving %d MB instead of 100 MB", total>>20)
	}
	const msgSize = 64 << 10
	msgs := make([]simMsg, total/msgSize)
	for i := range msgs {
		msgs[i] = simMsg{stream: uint16(i % 4), size: msgSize}
	}
	s := newSimScenario(t, 1, simnet.LinkConfig{Delay: 10 * time.Millisecond, MTU: assocDefaultMTU}, assocConfig{}, msgs, nil)
	start := time.Now()
	if err := s.run(time.Hour, 50_000_000); err != nil {
		t.Fatal(err)
	}
	real := time.Since(start)
	st := s.sim.Stats()
	cs := s.client.assoc.stats()
	t.Logf("%d MB in %v virtual (%.1f MB/s), %v real; %d datagrams, %d events; client stats %+v",
		total>>20, s.sim.Elapsed().Round(time.Millisecond), float64(total)/1e6/s.sim.Elapsed().Seconds(), real.Round(time.Millisecond), st.Sent, s.sim.Events(), cs)
	if st.DeliveredBytes < uint64(total) {
		t.Fatalf("only %d bytes crossed the network", st.DeliveredBytes)
	}
}

// TestHostileInitFlood sends 100,000 INITs (and 10,000 forged COOKIE ECHOs) from
// random addresses and ports to a listening endpoint: no association may be
// allocated and the heap must not grow (RFC 9260 §5.1.3: the listener is
// stateless until a valid COOKIE ECHO).
func TestHostileInitFlood(t *testing.T) {
	const n = 100_000
	sim := simnet.NewSim(1)
	ep := newEndpointCore(endpointConfig{rand: simRand(99)})
	if err := ep.listen(simServerPort, assocConfig{}); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddNode(simServerAddr, &simEndpoint{t: t, ep: ep}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var pkt []byte
	cookieBuf := make([]byte, 256)
	flood := func(count int) {
		for i := 0; i < count; i++ {
			var from netip.AddrPort
			if r.IntN(2) == 0 {
				from = netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(1 + r.IntN(223)), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}), uint16(1+r.IntN(65535)))
			} else {
				var a [16]byte
				a[0] = 0x20
				for j := 1; j < 16; j++ {
					a[j] = byte(r.Uint32())
				}
				from = netip.AddrPortFrom(netip.AddrFrom16(a), uint16(1+r.IntN(65535)))
			}
			srcPort := uint16(1 + r.IntN(65535))
			pkt = AppendCommonHeader(pkt[:0], CommonHeader{SrcPort: srcPort, DstPort: simServerPort})
			init := chunk.Init{InitiateTag: r.Uint32() | 1, ARwnd: 65536, OutStreams: 10, InStreams: 10, InitialTSN: r.Uint32()}
			pkt = init.AppendTo(pkt)
			FinalizePacket(pkt)
			sim.Inject(from, simServerAddr, pkt)
			if i%10 == 9 {
				// Also a forged COOKIE ECHO with a random cookie and tag.
				pkt = AppendCommonHeader(pkt[:0], CommonHeader{SrcPort: srcPort, DstPort: simServerPort, VerificationTag: r.Uint32()})
				cookie := cookieBuf[:16+r.IntN(200)]
				for j := range cookie {
					cookie[j] = byte(r.Uint32())
				}
				pkt = (&chunk.CookieEcho{Cookie: cookie}).AppendTo(pkt)
				FinalizePacket(pkt)
				sim.Inject(from, simServerAddr, pkt)
			}
		}
		if err := sim.Run(nil, time.Hour, 10*count+100); err != nil {
			t.Fatal(err)
		}
	}
	const batch = 1000
	flood(batch) // warm up buffers and maps
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for sent := batch; sent < n; sent += batch {
		flood(batch)
		if a := ep.associations(); a != 0 {
			t.Fatalf("%d associations after %d hostile packets", a, sent+batch)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	es := ep.stats()
	t.Logf("heap growth %d bytes; endpoint stats %+v; network %v", growth, es, sim.Stats())
	if ep.associations() != 0 || len(ep.byID) != 0 || len(ep.assocs) != 0 {
		t.Fatalf("associations allocated: %d", ep.associations())
	}
	if es.InitAcksSent != n {
		t.Fatalf("%d INIT ACKs for %d INITs: the flood was not processed", es.InitAcksSent, n)
	}
	if es.CookiesRejected != n/10 {
		t.Fatalf("%d of %d forged cookies rejected", es.CookiesRejected, n/10)
	}
	if growth > 256<<10 {
		t.Fatalf("heap grew by %d bytes during the flood", growth)
	}
}

// TestSimMessageLargerThanRwnd sends messages larger than the receiver's
// a_rwnd (128 KiB here; the default is 1 MiB) but within the default
// maximum message size (256 KiB) over a perfect link. Without partial
// delivery the receiver buffers fragments it cannot deliver, its window
// closes, and the association stalls forever (zero-window probes only);
// with it the pieces come out and the peer joins them.
func TestSimMessageLargerThanRwnd(t *testing.T) {
	msgs := []simMsg{{size: 200 << 10}, {size: 256 << 10, stream: 1}, {size: 10}}
	s := newSimScenario(t, 1, simnet.LinkConfig{Delay: 10 * time.Millisecond}, assocConfig{rwnd: 128 << 10}, msgs, nil)
	if err := s.run(time.Hour, 1_000_000); err != nil {
		t.Fatal(err)
	}
	if st := s.server.assoc.data.stats(); st.partialDeliveries == 0 {
		t.Fatalf("no partial delivery with messages larger than the window: %+v", st)
	}
}

// TestSimShutdownSurvivesLostShutdownComplete loses the client's SHUTDOWN
// COMPLETE and the server's SHUTDOWN ACK retransmissions for 40 s. The
// server, in SHUTDOWN-ACK-SENT, must keep retransmitting SHUTDOWN ACK until
// the client (now without a TCB) answers with SHUTDOWN COMPLETE, T bit set
// (RFC 9260 §8.4 rule 5), and end with SHUTDOWN_COMP. If it sends a
// HEARTBEAT meanwhile, the TCB-less client answers with ABORT (§8.4 rule 8)
// and a graceful shutdown ends as COMM_LOST. usrsctp stops heartbeats when
// a shutdown starts (sctp_stop_timers_for_shutdown). (Found by an earlier
// parameterisation of TestSimPropertySeeds; fixed in core.)
func TestSimShutdownSurvivesLostShutdownComplete(t *testing.T) {
	msgs := []simMsg{{size: 1000}}
	s := newSimScenario(t, 1, simnet.LinkConfig{Delay: 10 * time.Millisecond}, assocConfig{}, msgs, msgs)
	var cutUntil time.Time
	s.sim.SetFilter(func(from, to netip.AddrPort, pkt []byte) bool {
		if from == simClientAddr && simHasChunk(pkt, chunk.TypeShutdownComplete) && cutUntil.IsZero() {
			cutUntil = s.sim.Now().Add(40 * time.Second)
			return true
		}
		return !cutUntil.IsZero() && s.sim.Now().Before(cutUntil) && from == simServerAddr && simHasChunk(pkt, chunk.TypeShutdownAck)
	})
	if err := s.run(time.Hour, 1_000_000); err != nil {
		t.Fatal(err)
	}
	if cutUntil.IsZero() {
		t.Fatal("no SHUTDOWN COMPLETE was sent")
	}
}

// TestSimLostCookieAckThenLongCookieEchoLoss loses the server's COOKIE ACK
// (bundled with DATA) and then every retransmitted COOKIE ECHO for 250 s.
// The server is ESTABLISHED and keeps sending DATA and HEARTBEATs with the
// client's tag; the client, in COOKIE-ECHOED, drops the DATA (as Linux
// does). When a COOKIE ECHO finally arrives the server must still be able
// to open it and answer with COOKIE ACK (RFC 9260 §5.2.4 case D). With the
// cookie secret rotating every 2 minutes it could not (the client gave up
// with CANT_STR_ASSOC while the server stayed ESTABLISHED); the secret now
// lives an hour, longer than a COOKIE ECHO can be retransmitted.
// Found by an earlier parameterisation of TestSimPropertySeeds (2 of 2000
// seeds at 25% loss).
func TestSimLostCookieAckThenLongCookieEchoLoss(t *testing.T) {
	msgs := []simMsg{{size: 1000}, {size: 3000}}
	cfg := assocConfig{maxInitRetrans: 30, maxRetrans: 30}
	s := newSimScenario(t, 1, simnet.LinkConfig{Delay: 10 * time.Millisecond}, cfg, msgs, msgs)
	var cutUntil time.Time
	s.sim.SetFilter(func(from, to netip.AddrPort, pkt []byte) bool {
		if from == simServerAddr && simHasChunk(pkt, chunk.TypeCookieAck) && cutUntil.IsZero() {
			cutUntil = s.sim.Now().Add(250 * time.Second)
			return true
		}
		return s.sim.Now().Before(cutUntil) && from == simClientAddr && simHasChunk(pkt, chunk.TypeCookieEcho)
	})
	if err := s.run(time.Hour, 1_000_000); err != nil {
		t.Fatal(err)
	}
}

// TestSimPeerCheckerDetectsViolations shows that the property test's
// receiver-side checks can fail: duplicates, reordering within a stream,
// corruption, wrong stream and unknown messages are all reported.
func TestSimPeerCheckerDetectsViolations(t *testing.T) {
	in := []simMsg{{stream: 1, size: 10}, {stream: 1, size: 20}, {stream: 2, size: 5, unordered: true}}
	msg := func(id uint32) inMessage {
		m := in[id]
		return inMessage{stream: m.stream, ppid: id, unordered: m.unordered, data: simPayload(nil, id, m.size)}
	}
	cases := []struct {
		name string
		feed func(p *simPeer)
		ok   bool
	}{
		{"in order", func(p *simPeer) { p.check(msg(0)); p.check(msg(1)); p.check(msg(2)) }, true},
		{"unordered first", func(p *simPeer) { p.check(msg(2)); p.check(msg(0)); p.check(msg(1)) }, true},
		{"duplicate", func(p *simPeer) { p.check(msg(0)); p.check(msg(0)) }, false},
		{"reordered", func(p *simPeer) { p.check(msg(1)); p.check(msg(0)) }, false},
		{"corrupt", func(p *simPeer) { m := msg(0); m.data[3] ^= 1; p.check(m) }, false},
		{"truncated", func(p *simPeer) { m := msg(1); m.data = m.data[:19]; p.check(m) }, false},
		{"wrong stream", func(p *simPeer) { m := msg(0); m.stream = 2; p.check(m) }, false},
		{"unknown", func(p *simPeer) { m := msg(0); m.ppid = 7; p.check(m) }, false},
	}
	for _, c := range cases {
		p := newSimPeer("test", nil, nil, in)
		c.feed(p)
		if (p.failure == nil) != c.ok {
			t.Errorf("%s: failure = %v, want ok=%v", c.name, p.failure, c.ok)
		}
	}
}
