package sctp

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/usctp/sctp/internal/simnet"
)

// Issue 11: loss recovery must finish in bounded time. The property test
// (endpoint_sim_test.go) checks that every message arrives; this variant
// bounds *when*, in virtual time, so a regression to T3-rtx-driven
// recovery fails a test instead of only a benchmark.
//
// The link: 10 % loss each way, 10 ms one-way delay (RTT 20 ms), 5 % of
// datagrams held back by up to 20 ms (reordered), 1 % duplicated, 1 MB
// in 1,200-byte messages, default association config.
//
// The bounds, derived from the diagnosis in bench/README.md: with loss
// repaired by SACK-driven recovery (RFC 9260 §7.2.4, RACK RFC 8985 §6.2)
// the sender is Reno-limited, about MSS/RTT · 1.22/√p ≈ 1,200 B / 20 ms ·
// 3.9 ≈ 230 kB/s at p = 0.1, so 1 MB takes ≈ 4.5 s (5 s for the median of
// the seeds); an unlucky seed adds a T3-rtx or two at RTO.Min = 200 ms with
// backoff (200 + 400 + 800 ms), hence 8 s for every seed. The longest stall
// of the cumulative TSN ack: issue 11's target is 3 s at ≤ 10 % loss; 2 s
// here, one backoff step of margin below it.
//
// Measured (seeds 1–16, virtual time): now 3.4–5.3 s, median 3.7 s,
// longest stall 1.43 s (seed 1, a T3 backoff chain). Before the fix (the
// legacy switch of runLossBound: RTO.Min 1 s, no RACK/TLP — lost
// retransmissions waited for T3-rtx, backing off to 2, 4, 8 s with cwnd
// back at one MTU) the same seeds took 6.4–25.3 s, median 10.8 s, with
// stalls of 3 s in 9 seeds and 6–12 s in 3: every bound below fails.
const (
	lossBoundMedian = 5 * time.Second
	lossBoundTotal  = 8 * time.Second
	lossBoundStall  = 2 * time.Second
)

func TestSimLossRecoveryBounded(t *testing.T) {
	n := uint64(16)
	if testing.Short() {
		n = 8
	}
	var took []time.Duration
	for seed := uint64(1); seed <= n; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			d, stall := runLossBound(t, seed, false)
			took = append(took, d)
			t.Logf("1 MB over 10%% loss, RTT 20 ms: %v virtual, longest stall %v", d, stall)
			if d > lossBoundTotal {
				t.Errorf("transfer took %v of virtual time, want at most %v", d, lossBoundTotal)
			}
			if stall > lossBoundStall {
				t.Errorf("cumulative TSN ack stalled for %v, want at most %v", stall, lossBoundStall)
			}
		})
	}
	slices.Sort(took)
	if med := took[len(took)/2]; med > lossBoundMedian {
		t.Errorf("median transfer time %v over %d seeds, want at most %v", med, n, lossBoundMedian)
	}
}

// runLossBound moves 1 MB and returns the virtual time of the transfer
// (until the server received every message) and the longest time the
// client's cumulative TSN ack point did not advance. legacy turns RACK-TLP
// off and sets RTO.Min to the RFC 9260 §16 value (the behaviour before
// issue 11), for the comparison quoted above.
func runLossBound(t *testing.T, seed uint64, legacy bool) (took, longestStall time.Duration) {
	const total, size = 1 << 20, 1200
	msgs := make([]simMsg, total/size)
	for i := range msgs {
		msgs[i] = simMsg{size: size}
	}
	link := simnet.LinkConfig{Loss: 0.10, Delay: 10 * time.Millisecond, Reorder: 0.05, ReorderDelay: 20 * time.Millisecond, Duplicate: 0.01, MTU: assocDefaultMTU}
	cfg := assocConfig{}
	if legacy {
		cfg.rto.min = rfc9260RTOMin
	}
	s := newSimScenario(t, seed, link, cfg, msgs, nil)
	var start, last time.Time
	var cum uint32
	started := false
	watch := func() {
		a := s.client.assoc
		if a == nil || a.data == nil {
			return
		}
		now := s.sim.Now()
		if legacy {
			a.data.snd.noRACK, a.data.snd.legacy = true, true
		}
		if !started {
			if a.data.snd.chunks.len() == 0 {
				return
			}
			started, start, last, cum = true, now, now, a.data.snd.cumAck
			return
		}
		if c := a.data.snd.cumAck; c != cum {
			longestStall = max(longestStall, now.Sub(last))
			cum, last = c, now
		}
	}
	err := s.sim.Run(func() bool {
		watch()
		return s.client.failure != nil || s.server.failure != nil || s.server.done()
	}, time.Hour, 20_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if !s.server.done() {
		t.Fatalf("server got %d of %d messages (client %v, server %v)", s.server.ngot, len(msgs), s.client.failure, s.server.failure)
	}
	took = s.sim.Now().Sub(start)
	longestStall = max(longestStall, s.sim.Now().Sub(last))
	// The rest of the property test: clean shutdown, nothing lost or
	// duplicated (run returns at once for the transfer already done).
	if err := s.run(time.Hour, 20_000_000); err != nil {
		t.Fatal(err)
	}
	return took, longestStall
}

// TestSimLossBoundCatchesLegacyRecovery shows the bound above can fail:
// the recovery before issue 11 (RTO.Min 1 s, no RACK-TLP) misses it on the
// same link and seeds.
func TestSimLossBoundCatchesLegacyRecovery(t *testing.T) {
	var took []time.Duration
	worstStall := time.Duration(0)
	for seed := uint64(1); seed <= 8; seed++ {
		d, stall := runLossBound(t, seed, true)
		took = append(took, d)
		worstStall = max(worstStall, stall)
	}
	slices.Sort(took)
	if med := took[len(took)/2]; med <= lossBoundMedian || worstStall <= lossBoundStall {
		t.Errorf("legacy recovery: median %v, worst stall %v: within the bounds (%v, %v) that should catch it", med, worstStall, lossBoundMedian, lossBoundStall)
	}
}

// BenchmarkSimLossRecovery moves 6 MB (5,000 messages of 1,200 B) over the
// lossy-path benchmark's link in simnet — 2 ms one-way delay, 5 % held back
// 6 ms (ReorderFixed, as the relay does), 1 % duplicated, loss as named each way — and reports the
// virtual time of the transfer (median of seeds 1–3) and the client's T3-rtx
// expiries, for the recovery now and for the legacy one (RFC 9260 rules
// alone: RACK-TLP off, RTO.Min 1 s). Virtual time: independent of the
// machine's load (bench/README.md, lossy section).
//
//	go test -run XXX -bench SimLossRecovery -benchtime 1x .
func BenchmarkSimLossRecovery(b *testing.B) {
	for _, legacy := range []bool{false, true} {
		for _, loss := range []float64{0, 0.01, 0.05, 0.10, 0.20} {
			name := fmt.Sprintf("recovery=%s/loss=%g%%", map[bool]string{false: "now", true: "legacy"}[legacy], loss*100)
			b.Run(name, func(b *testing.B) {
				for range b.N {
					var took []time.Duration
					t3 := 0
					for seed := uint64(1); seed <= 3; seed++ {
						d, n := simTransfer(b, seed, loss, legacy)
						took = append(took, d)
						t3 += n
					}
					slices.Sort(took)
					b.ReportMetric(took[1].Seconds(), "virtual-s")
					b.ReportMetric(took[2].Seconds(), "virtual-s-max")
					b.ReportMetric(float64(t3)/3, "t3/run")
				}
			})
		}
	}
}

// simTransfer moves 6 MB over the benchmark link and returns the virtual
// time until the server has everything and the client's T3-rtx expiries.
func simTransfer(tb testing.TB, seed uint64, loss float64, legacy bool) (time.Duration, int) {
	msgs := make([]simMsg, 5000)
	for i := range msgs {
		msgs[i] = simMsg{size: 1200}
	}
	link := simnet.LinkConfig{Loss: loss, Delay: 2 * time.Millisecond, Reorder: 0.05, ReorderDelay: 6 * time.Millisecond, ReorderFixed: true, Duplicate: 0.01, MTU: assocDefaultMTU}
	cfg := assocConfig{}
	if legacy {
		cfg.rto.min = rfc9260RTOMin
	}
	s := newSimScenario(tb, seed, link, cfg, msgs, nil)
	start := s.sim.Now()
	err := s.sim.Run(func() bool {
		if a := s.client.assoc; legacy && a != nil && a.data != nil {
			a.data.snd.noRACK, a.data.snd.legacy = true, true
		}
		return s.client.failure != nil || s.server.failure != nil || s.server.done()
	}, 24*time.Hour, 200_000_000)
	if err != nil || !s.server.done() {
		tb.Fatalf("seed %d loss %g: %v (client %v, server %v)", seed, loss, err, s.client.failure, s.server.failure)
	}
	return s.sim.Now().Sub(start), int(s.client.assoc.data.stats().t3Expiries)
}
