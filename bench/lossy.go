package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pion/logging"
	pion "github.com/pion/sctp"

	"github.com/usctp/sctp"
)

// The lossy-path benchmark (issue 11): N messages through the relay of
// relay.go, for usctp, usrsctp (tsctp, debug output off) and pion/sctp,
// interleaved per seed (loss level, seed, then every system), the same
// seeds for every system.
//
//	go run . -lossy -loss 0,1,5,10,20 -seeds 1,2,3
var (
	lossyMode    = flag.Bool("lossy", false, "run the lossy-path benchmark instead of the loopback table")
	lossyLevels  = flag.String("loss", "0,1,5,10,20", "lossy: loss percentages (each way)")
	lossySeeds   = flag.String("seeds", "1,2,3", "lossy: relay seeds")
	lossySystems = flag.String("lossy-systems", "usctp,usrsctp,pion", "lossy: systems")
	lossyMsgs    = flag.Int("n", 5000, "lossy: messages per run")
	lossySize    = flag.Int("l", 1200, "lossy: message size")
	lossyDelay   = flag.Duration("delay", 2*time.Millisecond, "lossy: one-way delay")
	lossyJitter  = flag.Duration("jitter", 0, "lossy: uniform extra delay in [0, jitter)")
	lossyReorder = flag.Float64("reorder", 5, "lossy: percentage of datagrams held back")
	lossyHold    = flag.Duration("hold", 6*time.Millisecond, "lossy: extra delay of a held-back datagram")
	lossyDup     = flag.Float64("dup", 1, "lossy: percentage of datagrams duplicated")
	lossyLimit   = flag.Duration("limit", 120*time.Second, "lossy: give a run up after this long")
	lossyTrace   = flag.Duration("trace", 0, "lossy: print usctp's sender state (cwnd, flight, RTO, T3) to stderr at this interval")
	lossyRTOMin  = flag.Duration("rtomin", 0, "lossy: usctp RTO.Min (0: the library default)")
	lossyBackoff = flag.Duration("max-backoff", 0, "lossy: usctp RTOInfo.MaxBackoff, in-process and sctpcat -max-backoff (0: the library default, RFC 9260's doubling)")
	lossyRaw     = flag.String("raw", "", "lossy: also write one line per run to this file")
)

// lossyRun is one measured transfer.
type lossyRun struct {
	system       string
	loss         float64
	seed         uint64
	done         bool
	elapsed      time.Duration // first DATA to the SACK that acks the last TSN
	bytes        int64
	rtx          int64 // retransmitted DATA chunks seen by the relay
	fast, t3     uint64
	maxStall     time.Duration
	err          error
	droppedC2S   int64
	droppedS2C   int64
	dataChunksTx int64
	// relay lateness (delivery minus due time) over both directions, µs
	lateP50, lateP99     float64
	srvTurn50, cliTurn50 float64 // µs
}

func (r lossyRun) goodput() float64 {
	if !r.done || r.elapsed <= 0 {
		return 0
	}
	return float64(r.bytes) / r.elapsed.Seconds() / 1e6
}

func runLossy() int {
	levels, err := parseFloats(*lossyLevels)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sctpbench: -loss:", err)
		return 2
	}
	var seeds []uint64
	for _, f := range strings.Split(*lossySeeds, ",") {
		s, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sctpbench: -seeds:", err)
			return 2
		}
		seeds = append(seeds, s)
	}
	systems := strings.Split(*lossySystems, ",")
	var raw *os.File
	if *lossyRaw != "" {
		if raw, err = os.Create(*lossyRaw); err != nil {
			fmt.Fprintln(os.Stderr, "sctpbench:", err)
			return 1
		}
		defer raw.Close()
	}
	host, _ := os.Hostname()
	fmt.Printf("# sctpbench -lossy %s\n\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("machine: %s, %s\n\n", host, machineInfo())
	fmt.Printf("%d messages of %d B; relay each way: %v delay, jitter %v, %.3g %% held back by %v, %.3g %% duplicated, loss as listed; seeds %s; limit %v; relay clock %s\n\n",
		*lossyMsgs, *lossySize, *lossyDelay, *lossyJitter, *lossyReorder, *lossyHold, *lossyDup, *lossySeeds, *lossyLimit, *relayClockFlag)
	if *lossyRTOMin > 0 || *lossyBackoff > 0 {
		fmt.Printf("usctp: RTO.Min %v, MaxBackoff %v (0: the library default)\n\n", *lossyRTOMin, *lossyBackoff)
	}
	all := map[float64]map[string][]lossyRun{}
	for _, loss := range levels {
		all[loss] = map[string][]lossyRun{}
		for _, seed := range seeds {
			for _, sys := range systems {
				r := runLossyOne(strings.TrimSpace(sys), loss, seed)
				all[loss][r.system] = append(all[loss][r.system], r)
				line := fmt.Sprintf("loss %g%% seed %d %-8s done=%v t=%.2fs goodput=%.2fMB/s rtx=%d (fast %d, t3 %d) stall=%.2fs drops c2s=%d s2c=%d relay-late p50=%.0fµs p99=%.0fµs turnaround p50 server=%.0fµs client=%.0fµs",
					loss, seed, r.system, r.done, r.elapsed.Seconds(), r.goodput(), r.rtx, r.fast, r.t3, r.maxStall.Seconds(), r.droppedC2S, r.droppedS2C,
					r.lateP50, r.lateP99, r.srvTurn50, r.cliTurn50)
				if r.err != nil {
					line += " err=" + r.err.Error()
				}
				fmt.Fprintln(os.Stderr, line)
				if raw != nil {
					fmt.Fprintln(raw, line)
				}
			}
		}
	}
	fmt.Println("| loss | system | done | completion s, median (min–max) | goodput MB/s, median (min–max) | rtx chunks (relay), median | usctp fast / T3 rtx, median | longest stall s, median (max) |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, loss := range levels {
		for _, sys := range systems {
			rs := all[loss][strings.TrimSpace(sys)]
			if len(rs) == 0 {
				continue
			}
			var t, g, st, rtx, fast, t3 []float64
			done := 0
			for _, r := range rs {
				if r.done {
					done++
					t = append(t, r.elapsed.Seconds())
				} else {
					t = append(t, inf)
				}
				g = append(g, r.goodput())
				st = append(st, r.maxStall.Seconds())
				rtx = append(rtx, float64(r.rtx))
				fast = append(fast, float64(r.fast))
				t3 = append(t3, float64(r.t3))
			}
			ft := "–"
			if rs[0].system == "usctp" || rs[0].system == "usctp-sctpcat" {
				ft = fmt.Sprintf("%.0f / %.0f", median(fast), median(t3))
			}
			fmt.Printf("| %g %% | %s | %d/%d | %s (%s–%s) | %.2f (%.2f–%.2f) | %.0f | %s | %.2f (%.2f) |\n",
				loss, rs[0].system, done, len(rs), secs(median(t)), secs(minf(t)), secs(maxf(t)),
				median(g), minf(g), maxf(g), median(rtx), ft, median(st), maxf(st))
		}
	}
	fmt.Println()
	fmt.Println("not finished within the limit: ∞ (its stall counts up to the limit).")
	return 0
}

var inf = 1e18

func secs(v float64) string {
	if v >= inf {
		return "∞"
	}
	return fmt.Sprintf("%.2f", v)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	a, b := s[len(s)/2-1], s[len(s)/2]
	if a >= inf || b >= inf {
		return max(a, b)
	}
	return (a + b) / 2
}

func minf(v []float64) float64 {
	m := inf
	for _, x := range v {
		m = min(m, x)
	}
	return m
}

func maxf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func lossyImpair(loss float64) impair {
	return impair{
		loss:    loss / 100,
		dup:     *lossyDup / 100,
		reorder: *lossyReorder / 100,
		delay:   *lossyDelay,
		jitter:  *lossyJitter,
		hold:    *lossyHold,
	}
}

func runLossyOne(sys string, loss float64, seed uint64) lossyRun {
	r := lossyRun{system: sys, loss: loss, seed: seed}
	want := int64(*lossyMsgs) * int64(*lossySize)
	var err error
	switch sys {
	case "usctp":
		err = lossyUsctp(&r, loss, seed, want)
	case "usrsctp":
		err = lossyUsrsctp(&r, loss, seed, want)
	case "pion":
		err = lossyPion(&r, loss, seed, want)
	case "usctp-sctpcat":
		err = lossySctpcat(&r, loss, seed, want)
	default:
		err = fmt.Errorf("unknown lossy system %q", sys)
	}
	r.err = err
	return r
}

// finish waits for the relay to see the transfer complete (or the limit)
// and fills r from what it saw.
func finish(r *lossyRun, rl *relay, start time.Time) {
	select {
	case <-rl.doneCh:
	case <-time.After(*lossyLimit):
	}
	w := rl.snapshot(time.Now())
	r.done = !w.done.IsZero()
	if r.done {
		r.elapsed = w.done.Sub(w.firstData)
	} else {
		r.elapsed = time.Since(start)
	}
	r.bytes = w.uniqueBytes
	r.rtx = w.rtx
	r.maxStall = w.maxStall
	r.droppedC2S, r.droppedS2C = w.dropped[0], w.dropped[1]
	r.dataChunksTx = w.dataSent
	r.lateP50, r.lateP99 = percentiles(append(rl.c2s.lateness(), rl.s2c.lateness()...))
	r.srvTurn50, _ = percentiles(w.srvTurn)
	r.cliTurn50, _ = percentiles(w.cliTurn)
}

func lossyUsctp(r *lossyRun, loss float64, seed uint64, want int64) error {
	lo := netip.MustParseAddrPort("127.0.0.1:0")
	srvStack, err := sctp.NewStack(sctp.StackConfig{Network: "udp4", LocalAddr: lo})
	if err != nil {
		return err
	}
	defer srvStack.Close()
	sp := srvStack.LocalUDPAddr()
	rl, err := newRelay(net.UDPAddrFromAddrPort(sp), nil, lossyImpair(loss), lossyImpair(loss), seed, want)
	if err != nil {
		return err
	}
	defer rl.close()
	cliStack, err := sctp.NewStack(sctp.StackConfig{Network: "udp4", LocalAddr: lo, RemoteUDPPort: uint16(rl.frontAddr().Port)})
	if err != nil {
		return err
	}
	defer cliStack.Close()
	cfg := &sctp.Config{Stack: srvStack}
	if *lossyRTOMin > 0 {
		cfg.RTO = sctp.RTOInfo{Min: *lossyRTOMin}
	}
	cfg.RTO.MaxBackoff = *lossyBackoff
	ln, err := sctp.Listen("sctp4", "127.0.0.1:0", cfg)
	if err != nil {
		return err
	}
	defer ln.Close()
	acc := make(chan *sctp.Conn, 1)
	go func() {
		c, err := ln.AcceptSCTP()
		if err != nil {
			close(acc)
			return
		}
		acc <- c
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cc := *cfg
	cc.Stack = cliStack
	client, err := sctp.Dial(ctx, "sctp4", ln.Addr().(*sctp.Addr).AddrPort.String(), &cc)
	if err != nil {
		return err
	}
	defer client.Close()
	server, ok := <-acc
	if !ok {
		return errors.New("accept failed")
	}
	defer server.Close()
	go func() {
		buf := make([]byte, 64<<10)
		for {
			if _, err := server.Read(buf); err != nil {
				return
			}
		}
	}()
	stopTrace := make(chan struct{})
	if *lossyTrace > 0 {
		go traceUsctp(client, *lossyTrace, stopTrace, fmt.Sprintf("loss %g seed %d", loss, seed))
	}
	start := time.Now()
	_ = client.SetWriteDeadline(start.Add(*lossyLimit))
	go func() {
		payload := make([]byte, *lossySize)
		for i := 0; i < *lossyMsgs; i++ {
			if _, err := client.Write(payload); err != nil {
				return
			}
		}
	}()
	finish(r, rl, start)
	close(stopTrace)
	if st, err := client.Stats(); err == nil {
		r.fast, r.t3 = st.FastRetransmits, st.T3Retransmits
	}
	return nil
}

// traceUsctp prints the sender's state every interval: the diagnosis of
// bench/README.md comes from these lines.
func traceUsctp(c *sctp.Conn, every time.Duration, stop chan struct{}, tag string) {
	t := time.NewTicker(every)
	defer t.Stop()
	start := time.Now()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		st, err := c.Stats()
		if err != nil {
			return
		}
		fmt.Fprintf(os.Stderr, "trace %s t=%6.2fs cwnd=%6d ssthresh=%6d flight=%6d srtt=%v rto=%v fast=%d t3rtx=%d sacks=%d recoveries=%d undone=%d spurious=%d tlp=%d\n",
			tag, time.Since(start).Seconds(), st.Cwnd, st.Ssthresh, st.FlightSize, st.SRTT, st.RTO, st.FastRetransmits, st.T3Retransmits, st.SacksIn,
			st.FastRecoveries, st.RecoveriesUndone, st.SpuriousRetransmits, st.TLPProbes)
	}
}

func lossyPion(r *lossyRun, loss float64, seed uint64, want int64) error {
	back, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	srvConn, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, back.LocalAddr().(*net.UDPAddr))
	if err != nil {
		back.Close()
		return err
	}
	defer srvConn.Close()
	_ = srvConn.SetReadBuffer(4 << 20)
	rl, err := newRelay(srvConn.LocalAddr().(*net.UDPAddr), back, lossyImpair(loss), lossyImpair(loss), seed, want)
	if err != nil {
		back.Close()
		return err
	}
	defer rl.close()
	cliConn, err := net.DialUDP("udp4", nil, rl.frontAddr())
	if err != nil {
		return err
	}
	defer cliConn.Close()
	_ = cliConn.SetReadBuffer(4 << 20)
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	var server *pion.Association
	srvErr := make(chan error, 1)
	go func() {
		var e error
		server, e = pion.ServerWithOptions(pion.WithNetConn(srvConn), pion.WithLoggerFactory(lf))
		srvErr <- e
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := pion.ClientContext(ctx, pion.WithNetConn(cliConn), pion.WithLoggerFactory(lf))
	if err != nil {
		return err
	}
	defer client.Close()
	if err := <-srvErr; err != nil {
		return err
	}
	defer server.Close()
	go func() {
		ss, err := server.AcceptStream()
		if err != nil {
			return
		}
		buf := make([]byte, 64<<10)
		for {
			if _, err := ss.Read(buf); err != nil {
				return
			}
		}
	}()
	cs, err := client.OpenStream(0, pion.PayloadTypeWebRTCBinary)
	if err != nil {
		return err
	}
	const maxBuffered = 1 << 20
	cs.SetBufferedAmountLowThreshold(maxBuffered / 2)
	low := make(chan struct{}, 1)
	cs.OnBufferedAmountLow(func() {
		select {
		case low <- struct{}{}:
		default:
		}
	})
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		payload := make([]byte, *lossySize)
		for i := 0; i < *lossyMsgs; {
			if cs.BufferedAmount() > maxBuffered {
				select {
				case <-low:
				case <-stop:
					return
				case <-time.After(time.Second):
				}
				continue
			}
			if _, err := cs.Write(payload); err != nil {
				return
			}
			i++
		}
	}()
	finish(r, rl, start)
	return nil
}

func lossyUsrsctp(r *lossyRun, loss float64, seed uint64, want int64) error {
	if _, err := os.Stat(tsctpPath); err != nil {
		return errors.New("tsctp not installed (apt-get install libusrsctp-examples)")
	}
	if quietLib == "" {
		if err := buildQuietShim(); err != nil {
			return err
		}
	}
	sp, cp, err := freeUDPPorts()
	if err != nil {
		return err
	}
	sctpPort := 5001 + sp%1000
	env := append(os.Environ(), "LD_PRELOAD="+quietLib)
	tmp, err := os.MkdirTemp("", "tsctp")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	srvOut, _ := os.Create(filepath.Join(tmp, "srv.log"))
	defer srvOut.Close()
	srv := exec.Command(tsctpPath, "-E", strconv.Itoa(sp), "-p", strconv.Itoa(sctpPort))
	srv.Env, srv.Stdout, srv.Stderr = env, srvOut, srvOut
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
	}()
	rl, err := newRelay(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sp}, nil, lossyImpair(loss), lossyImpair(loss), seed, want)
	if err != nil {
		return err
	}
	defer rl.close()
	time.Sleep(300 * time.Millisecond) // tsctp has no readiness signal
	cliOut, _ := os.Create(filepath.Join(tmp, "cli.log"))
	defer cliOut.Close()
	cli := exec.Command(tsctpPath, "-E", strconv.Itoa(cp), "-U", strconv.Itoa(rl.frontAddr().Port), "-p", strconv.Itoa(sctpPort),
		"-n", strconv.Itoa(*lossyMsgs), "-l", strconv.Itoa(*lossySize), "127.0.0.1")
	cli.Env, cli.Stdout, cli.Stderr = env, cliOut, cliOut
	if err := cli.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cli.Process.Kill()
		_ = cli.Wait()
	}()
	finish(r, rl, time.Now())
	return nil
}
