package sctp

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/internal/simnet"
)

// Property tests of two endpoints on simnet.Sim: random workloads over
// impaired links, checked by simPeer (simnet_test.go).

var (
	flagSeeds = flag.Int("sctp.seeds", 200, "number of seeds for TestSimPropertySeeds")
	flagSeed  = flag.Uint64("sctp.seed", 0, "replay one seed of TestSimPropertySeeds (0: run -sctp.seeds seeds)")
	flagFirst = flag.Uint64("sctp.firstseed", 1, "first of the -sctp.seeds seeds of TestSimPropertySeeds (to go on past seeds already run)")
	flagPcap  = flag.String("sctp.pcap", "", "with -sctp.seed: write the replayed run as a pcap file of sent datagrams, or of delivered ones with SCTP_PCAP_DELIVER=1 (tshark -r F -d udp.port==9899,sctp)")
)

// simSeedCase is one property-test case.
type simSeedCase struct {
	link     simnet.LinkConfig
	c2s, s2c []simMsg
	cfg      assocConfig
	mode     simShutdownMode
	// slowReader: both applications read one message (or piece) per
	// event, with a small receive window: flow control, zero windows and
	// partial delivery under loss.
	slowReader bool
	// bursts: loss bursts (the default link at 90% loss for 0.2–3 s),
	// on top of the link's random loss.
	bursts []simnet.LinkStep
	// multipath: the two-subnet network of simnet_multipath_test.go, with
	// cuts: random failures and recoveries of one path at a time.
	multipath bool
	cuts      []simPathCut
	// blackout: the link drops everything, both ways and for good, once
	// the client has queued its first message: the association must fail
	// (RFC 9260 §8.1) and every message be delivered once or reported.
	// Without it the failure path ran only when a random seed happened to
	// fail (one or two of 200), which a change of timing anywhere could
	// take away.
	blackout bool
}

// simSeedParams derives one property-test case from seed. The
// retransmission limits are RFC 9260's (§16) for every seed: at high loss
// an association may fail, which is a valid outcome (simScenario.
// allowFailure) as long as nothing is lost silently.
func simSeedParams(seed uint64) simSeedCase {
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
	cfg := assocConfig{outStreams: 16, maxInStreams: 16, mtu: link.MTU}
	maxSize := 256 << 10
	if r.IntN(2) == 0 {
		maxSize = 32 << 10
	}
	c2s := simWorkload(r, 10+r.IntN(40), streams, maxSize)
	s2c := simWorkload(r, r.IntN(20), streams, maxSize)
	// Early shutdowns at any loss: at 20–30% the initiator's
	// T5-shutdown-guard (RFC 9260 §9.2) may end a long drain with an
	// ABORT, an association failure the checks accept.
	mode := simShutdownMode{serverCloses: r.IntN(2) == 0, early: r.IntN(2) == 0}
	c := simSeedCase{link: link, c2s: c2s, s2c: s2c, cfg: cfg, mode: mode}
	if r.IntN(4) == 0 {
		c.slowReader = true
		c.cfg.rwnd = []uint32{minRwnd, 4 << 10, 16 << 10, 64 << 10}[r.IntN(4)]
	}
	if r.IntN(4) == 0 {
		burst := link
		burst.Loss = 0.9
		at := time.Duration(0)
		for n := 1 + r.IntN(4); n > 0; n-- {
			at += time.Duration(100+r.IntN(5000)) * time.Millisecond
			d := time.Duration(200+r.IntN(2800)) * time.Millisecond
			c.bursts = append(c.bursts, simnet.LinkStep{At: at, Config: burst}, simnet.LinkStep{At: at + d, Config: link})
			at += d
		}
	}
	// Every third seed: two paths (issue 14), one of them failing and
	// recovering at random while the transfer runs (drawn last, so the
	// other parameters of every seed stay what they were).
	if seed%3 == 0 {
		c.multipath = true
		at := time.Duration(0)
		for n := r.IntN(5); n > 0; n-- {
			at += time.Duration(50+r.IntN(4000)) * time.Millisecond
			d := time.Duration(100+r.IntN(6000)) * time.Millisecond
			c.cuts = append(c.cuts, simPathCut{subnet: r.IntN(2), from: at, to: at + d})
			at += d
		}
	}
	// Every 40th seed, single-path: a blackout (no draw, so the other
	// parameters stay what they were).
	c.blackout = seed%40 == 20 && !c.multipath
	// Every seventh seed bounds the timers' backoff (RTOInfo.MaxBackoff,
	// 1–3 s; no draw): the rules hold with it too.
	if seed%7 == 4 {
		c.cfg.rto.maxBackoff = time.Duration(1+seed%3) * time.Second
	}
	return c
}

// simPathCut fails one subnet (0: the primary's) both ways from from to
// to (virtual time).
type simPathCut struct {
	subnet   int
	from, to time.Duration
}

// mustSucceed: a case whose failure would be a bug, not bad luck: below
// 10% random loss without bursts the RFC defaults give up only after 9
// lost rounds in a row (< 1e-6).
func (c simSeedCase) mustSucceed() bool {
	// With a bounded backoff (RTOInfo.MaxBackoff) the timeouts of a cut of
	// a few seconds can add up to Association.Max.Retrans: seed 12807 (1 s
	// bound, the primary cut for 5.6 s while the client still waited in
	// COOKIE-ECHOED) failed after 8.7 s, as the option's doc says it may.
	if c.cfg.rto.maxBackoff > 0 && len(c.cuts) > 0 {
		return false
	}
	return c.link.Loss < 0.1 && len(c.bursts) == 0 && !c.blackout
}

type simShutdownMode struct{ serverCloses, early bool }

var flagAssocReset = flag.Bool("sctp.assocreset", true, "TestSimPropertySeeds: add RFC 6525 SSN/TSN resets on every fourth seed (-sctp.assocreset=false leaves them out)")

func runSimSeed(t testing.TB, seed uint64) (*simScenario, error) {
	sc := simSeedParams(seed)
	link, c2s, s2c, cfg, mode := sc.link, sc.c2s, sc.s2c, sc.cfg, sc.mode
	// Every other seed resets streams while the messages flow (RFC 6525):
	// delivery must stay exactly once and in order per stream.
	resets := seed%2 == 0
	if resets {
		cfg.setReconfig(true, SCTP_ENABLE_RESET_STREAM_REQ|SCTP_ENABLE_RESET_ASSOC_REQ)
	}
	// RFC 8260: every third seed uses I-DATA (with I-FORWARD TSN); every
	// fifth sends messages with PR-SCTP policies (RFC 3758 timed, RFC 7496
	// limited retransmissions), which the sender may abandon: each message
	// is then delivered exactly once or reported abandoned (simPeer.
	// abandonOK). The variants combine with each other and with the stream
	// resets of even seeds. They draw from their own generator, so the
	// other parameters of a seed stay what they were.
	idata, abandon := seed%3 == 1, seed%5 == 3
	if idata {
		cfg.setPRSCTP(true)
		cfg.setIData(true)
	}
	if abandon {
		cfg.setPRSCTP(true)
		r := rand.New(rand.NewPCG(seed, 0xab4d))
		c2s, s2c = slices.Clone(c2s), slices.Clone(s2c)
		for _, ms := range [][]simMsg{c2s, s2c} {
			for i := range ms {
				switch r.IntN(6) {
				case 0:
					ms[i].prPolicy, ms[i].prValue = SCTP_PR_SCTP_RTX, uint32(r.IntN(3))
				case 1:
					ms[i].prPolicy, ms[i].prValue = SCTP_PR_SCTP_TTL, uint32(50+r.IntN(2000))
				}
			}
		}
	}
	var s *simScenario
	if sc.multipath {
		s = newSimScenarioMultipath(t, seed, link, cfg, c2s, s2c)
		for _, c := range sc.cuts {
			s.sim.At(c.from, func() {
				// Each side learns the other's second address only once
				// established (mpAddPaths) and uses it once confirmed
				// (mpKnowsBoth): a cut of the primary before that leaves
				// one path, whose T3-rtx and RE-CONFIG expiries (RFC
				// 6525 §5.1.1 counts these too) may reach
				// Association.Max.Retrans; seed 22896 of 40000, the
				// client still in COOKIE-ECHOED through cuts of 4.4, 3
				// and 4.8 s, failed the server's association at 13 s.
				// A failure is then a valid outcome.
				if c.subnet == 0 && !(mpKnowsBoth(s.client.assoc) && mpKnowsBoth(s.server.assoc)) {
					s.allowFailure = true
					s.client.allowFailure, s.server.allowFailure = true, true
				}
				mpCut(s.sim, c.subnet, true)
			})
			s.sim.At(c.to, func() { mpCut(s.sim, c.subnet, false) })
		}
	} else {
		s = newSimScenario(t, seed, link, cfg, c2s, s2c)
	}
	s.client.abandonOK, s.server.abandonOK = abandon, abandon
	if resets {
		s.client.resetEvery, s.server.resetEvery = 5, 3
		// With -sctp.assocreset, SSN/TSN resets too, from both sides, on
		// every fourth seed (on by default since every seed of 3000
		// passes; issue 13): the side whose SSN/TSN
		// request is outstanding parks the peer's data until the answer
		// (association_reconfig.go) and the peer performs only once all
		// its data is acknowledged (RFC 6525 §5.2.4), so the parked data
		// cannot drain the window: the next in-sequence chunk is accepted
		// beyond it up to tsnParkLimit (tsnResetNeeds), past that the
		// association fails after Association.Max.Retrans "In progress"
		// answers. All 1500 seeds pass with it (12 s). Fixed: 1408 (a
		// peer's deferred stream reset ran while fragments were parked,
		// performDeferred), 248 (a FORWARD TSN skipped past parked
		// complete messages, parkForward), 1108 at 95d2bb9 (a parked
		// FORWARD TSN of the peer's new numbering was applied before the
		// reset and lost, releaseTSNFrags), 544 and 1112 (the peer's
		// backlog of old data, 62 KB and 58 KB, beyond four 1,500-byte
		// and 4 KiB windows; tsnParkFloor).
		s.client.resetAssocToo = *flagAssocReset && seed%4 == 0
		s.server.resetAssocToo = *flagAssocReset && seed%4 == 0
	}
	s.strict = false
	s.serverCloses, s.early = mode.serverCloses, mode.early
	s.allowFailure = !sc.mustSucceed()
	s.client.allowFailure, s.server.allowFailure = s.allowFailure, s.allowFailure
	if sc.slowReader {
		s.client.readPerEvent, s.server.readPerEvent = 1, 1
	}
	if len(sc.bursts) > 0 {
		s.sim.Script(sc.bursts)
	}
	if sc.blackout {
		// Polled each virtual millisecond: the link is cut both ways
		// once the client's association is up and has queued a message
		// (a partition, which the loss bursts' link steps leave alone).
		var poll func()
		poll = func() {
			if s.client.up == 1 && s.client.next > 0 {
				s.sim.SetPartition(simClientAddr, simServerAddr, true)
				s.sim.SetPartition(simServerAddr, simClientAddr, true)
				return
			}
			s.sim.After(time.Millisecond, poll)
		}
		s.sim.After(time.Millisecond, poll)
	}
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
		err = fmt.Errorf("seed %d (link %+v, %d+%d messages, shutdown %+v, slow reader %v rwnd %d, %d loss bursts, multipath %v cuts %v): %w",
			seed, link, len(c2s), len(s2c), mode, sc.slowReader, cfg.rwnd, len(sc.bursts)/2, sc.multipath, sc.cuts, err)
	}
	return s, err
}

// TestSimPropertySeeds runs random workloads over random impaired links
// (random and bursty loss, slow readers with small windows, early
// shutdowns): every message is delivered exactly once and intact, ordered
// messages in order per stream, and both ends reach CLOSED through a
// graceful shutdown; or, on lossy links, the association fails and every
// message is then delivered once or reported in SEND_FAILED, never lost
// silently (simScenario.failureOutcome).
// Replay one seed with -sctp.seed=S; run more with -sctp.seeds=N (from
// -sctp.firstseed=F on): seeds 1–320,000 pass (2026-12-07; two processes
// of 160,000 seeds, 16 minutes each). Seeds beyond the default 200 found
// the bugs whose seeds the comments of staleOrderedSkip, oldNumbering,
// forwardPoint, parkedForward, releaseTSNFragsAtClose, holeNeeds,
// reconfTimer, the zero window rule (retransmit.go) and the duplicate
// COOKIE ECHO (association_handshake.go) name.
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
			seeds = append(seeds, *flagFirst+uint64(i))
		}
	}
	start := time.Now()
	var virt time.Duration
	var events uint64
	failures, benign, failedOutcomes, resets, assocResets := 0, 0, 0, 0, 0
	idataSeeds, abandoned, abandonedDelivered := 0, 0, 0
	multipath, pathDown, pathUp := 0, 0, 0 // seeds on two paths; PF/unreachable and available events
	blackouts, lateAssocs := 0, 0
	for _, seed := range seeds {
		s, err := runSimSeed(t, seed)
		sc := simSeedParams(seed)
		if sc.blackout {
			blackouts++
		}
		if sc.multipath {
			multipath++
			for _, ev := range append(s.client.pathEvents, s.server.pathEvents...) {
				switch ev.State {
				case AddrPotentiallyFailed, AddrUnreachable:
					pathDown++
				case AddrAvailable:
					pathUp++
				}
			}
		}
		if s.client.assoc != nil && s.client.assoc.idata {
			idataSeeds++
		}
		for _, p := range []*simPeer{s.client, s.server} {
			for _, rep := range p.failed {
				if errors.Is(rep.Err, ErrMessageAbandoned) {
					abandoned++
				}
			}
			abandonedDelivered += p.abandonedDelivered
		}
		lateAssocs += len(s.server.lateAssocs) + len(s.client.lateAssocs)
		resets += s.client.resetsDone + s.server.resetsDone
		assocResets += s.client.assocResets + s.server.assocResets
		virt += s.sim.Elapsed()
		benign += s.benignAborts
		if s.failedOutcome {
			failedOutcomes++
		}
		events += s.sim.Events()
		if err != nil {
			failures++
			t.Errorf("FAILED: %v\n\treplay: go test -run 'TestSimPropertySeeds$' -sctp.seed=%d", err, seed)
			if failures >= 5 {
				t.Fatal("stopping after 5 failing seeds")
			}
		}
	}
	t.Logf("%d seeds: %v real, %v virtual, %d events; %d shutdowns ended by a benign late ABORT; %d ended in an association failure (every message delivered or reported); %d stream resets and %d SSN/TSN resets performed; %d seeds used I-DATA; %d messages abandoned by PR-SCTP (%d of them, reported as sent, had reached the peer's user anyway)",
		len(seeds), time.Since(start).Round(time.Millisecond), virt.Round(time.Second), events, benign, failedOutcomes, resets, assocResets, idataSeeds, abandoned, abandonedDelivered)
	t.Logf("%d seeds on two paths with random path failures: %d paths reported down (PF or unreachable), %d back up", multipath, pathDown, pathUp)
	if lateAssocs > 0 {
		t.Logf("%d late COOKIE ECHOes started a second association after the first failed (RFC 9260 §5.1.5; the app aborted it)", lateAssocs)
	}
	if len(seeds) >= 100 && (pathDown == 0 || pathUp == 0) {
		t.Errorf("no path failed (%d) or recovered (%d) in %d multi-path seeds: failover is not exercised", pathDown, pathUp, multipath)
	}
	if len(seeds) >= 20 && failedOutcomes < blackouts {
		t.Errorf("%d seeds ended in an association failure, fewer than the %d with a blackout: the failure path is not exercised", failedOutcomes, blackouts)
	}
	if len(seeds) > 1 && resets == 0 {
		t.Error("no stream reset was performed in any seed")
	}
	if len(seeds) >= 15 && (idataSeeds == 0 || abandoned == 0) {
		t.Errorf("%d seeds used I-DATA, %d messages were abandoned: a variant is not exercised", idataSeeds, abandoned)
	}
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
