// Command sctpbench measures usctp side by side with raw UDP, pion/sctp and
// usrsctp on the loopback interface and prints a Markdown table.
//
// Rounds are interleaved (A B C A B C ...) so that slow drifts of the
// machine hit every system alike; the table reports the median and the
// min–max range of each system, and the ratio usctp/peer computed within
// each round.
//
//	go run . -t 10s -rounds 3
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// result is one measured run of one system in one scenario.
type result struct {
	bytes   int64         // user bytes delivered to the receiver
	msgs    int64         // messages delivered
	elapsed time.Duration // wall time of the transfer
	cpu     time.Duration // user+sys CPU of both peers
	rtts    []time.Duration
	err     error
	note    string
}

func (r result) mbps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.bytes) / r.elapsed.Seconds() / 1e6
}

func (r result) cpuPerGB() float64 {
	if r.bytes == 0 {
		return 0
	}
	return r.cpu.Seconds() / (float64(r.bytes) / 1e9)
}

// received counts what the receiver of a throughput scenario read.
type received struct{ bytes, msgs atomic.Int64 }

// readAll calls read, which returns one message a call, into a buffer of
// bufLen bytes until it fails, counting bytes and messages.
func (r *received) readAll(read func([]byte) (int, error), bufLen int) {
	buf := make([]byte, bufLen)
	for {
		n, err := read(buf)
		if err != nil {
			return
		}
		r.bytes.Add(int64(n))
		r.msgs.Add(1)
	}
}

// result is the result of a transfer that took elapsed and cpu.
func (r *received) result(elapsed, cpu time.Duration) result {
	return result{bytes: r.bytes.Load(), msgs: r.msgs.Load(), elapsed: elapsed, cpu: cpu}
}

// scenario describes one measurement.
type scenario struct {
	name     string
	size     int // message size; 1 for ping-pong
	pingpong bool
	dur      time.Duration
}

// system is one stack under test.
type system struct {
	name string
	// run measures s; it returns an error result when the system is not
	// available on this machine.
	run func(s scenario) result
	// throughputOnly: no ping-pong implementation; pingpongOnly: no
	// throughput one.
	throughputOnly, pingpongOnly bool
}

func main() {
	dur := flag.Duration("t", 10*time.Second, "duration of each throughput run")
	rounds := flag.Int("rounds", 3, "interleaved rounds per scenario")
	only := flag.String("systems", "", "comma-separated subset of systems to run (default all)")
	sizes := flag.String("sizes", "1200,65536", "message sizes for the throughput scenarios")
	pp := flag.Bool("pingpong", true, "run the 1-byte ping-pong scenario")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (profile one system with -systems)")
	handshakes := flag.String("handshakes", "", "only measure handshakes per second into one listener, for these comma-separated dialer concurrencies (e.g. 1,8,64); -t and -rounds apply")
	flag.Parse()
	if *lossyMode { // the lossy-path benchmark (lossy.go)
		os.Exit(runLossy())
	}
	if *holMode { // the head-of-line / stream scheduler benchmark (hol.go)
		os.Exit(runHOL(*dur, *rounds))
	}
	if *handshakes != "" {
		var concs []int
		for _, f := range strings.Split(*handshakes, ",") {
			var n int
			if _, err := fmt.Sscan(f, &n); err != nil || n <= 0 {
				fmt.Fprintf(os.Stderr, "sctpbench: bad concurrency %q\n", f)
				os.Exit(2)
			}
			concs = append(concs, n)
		}
		host, _ := os.Hostname()
		fmt.Printf("# sctpbench -handshakes %s\n\n", time.Now().UTC().Format(time.RFC3339))
		fmt.Printf("machine: %s, %s\n\n", host, machineInfo())
		runHandshakeTable(*dur, *rounds, concs)
		return
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sctpbench: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "sctpbench: %v\n", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}

	var systems []system
	for _, s := range allSystems() {
		if *only == "" || contains(strings.Split(*only, ","), s.name) {
			systems = append(systems, s)
		}
	}
	var scenarios []scenario
	for _, f := range strings.Split(*sizes, ",") {
		if strings.TrimSpace(f) == "" {
			continue // -sizes "": ping-pong only
		}
		var n int
		if _, err := fmt.Sscan(f, &n); err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "sctpbench: bad size %q\n", f)
			os.Exit(2)
		}
		scenarios = append(scenarios, scenario{name: fmt.Sprintf("throughput %d B", n), size: n, dur: *dur})
	}
	if *pp {
		scenarios = append(scenarios, scenario{name: "ping-pong 1 B", size: 1, pingpong: true, dur: *dur})
	}

	host, _ := os.Hostname()
	fmt.Printf("# sctpbench %s\n\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("machine: %s, %s\n\n", host, machineInfo())
	for _, sc := range scenarios {
		res := make(map[string][]result)
		for r := 0; r < *rounds; r++ {
			for _, s := range systems {
				if sc.pingpong && s.throughputOnly || !sc.pingpong && s.pingpongOnly {
					continue
				}
				fmt.Fprintf(os.Stderr, "round %d %s %s ... ", r+1, sc.name, s.name)
				out := s.run(sc)
				if out.err != nil {
					fmt.Fprintf(os.Stderr, "error: %v\n", out.err)
				} else {
					fmt.Fprintf(os.Stderr, "%.1f MB/s %d msgs %.2f CPU s %s\n", out.mbps(), out.msgs, out.cpu.Seconds(), out.note)
				}
				res[s.name] = append(res[s.name], out)
			}
		}
		printTable(sc, systems, res)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

// stat is median and range of a series.
type stat struct{ med, lo, hi float64 }

func summarize(v []float64) stat {
	if len(v) == 0 {
		return stat{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{m, s[0], s[len(s)-1]}
}

func (s stat) String() string {
	return fmt.Sprintf("%.1f (%.1f–%.1f)", s.med, s.lo, s.hi)
}

func printTable(sc scenario, systems []system, res map[string][]result) {
	fmt.Printf("## %s, %s per run\n\n", sc.name, sc.dur)
	usctp := res["usctp"]
	if sc.pingpong {
		fmt.Println("| system | round trips/s | p50 RTT µs | p99 RTT µs | CPU µs per RT | usctp/system RT/s | note |")
		fmt.Println("|---|---|---|---|---|---|---|")
	} else {
		fmt.Println("| system | MB/s | msgs/s | CPU s/GB | usctp/system MB/s | note |")
		fmt.Println("|---|---|---|---|---|---|")
	}
	for _, s := range systems {
		rs, ok := res[s.name]
		if !ok {
			continue
		}
		var errs []string
		var mb, mps, cpg, rate, p50, p99, cpuRT, ratio []float64
		note := ""
		for i, r := range rs {
			if r.err != nil {
				errs = append(errs, r.err.Error())
				continue
			}
			if r.note != "" {
				if note != "" {
					note += "; "
				}
				note += fmt.Sprintf("r%d: %s", i+1, r.note)
			}
			mb = append(mb, r.mbps())
			mps = append(mps, float64(r.msgs)/r.elapsed.Seconds())
			cpg = append(cpg, r.cpuPerGB())
			if sc.pingpong {
				rt := float64(len(r.rtts)) / r.elapsed.Seconds()
				rate = append(rate, rt)
				a, b := percentiles(r.rtts)
				p50 = append(p50, a)
				p99 = append(p99, b)
				if len(r.rtts) > 0 {
					cpuRT = append(cpuRT, r.cpu.Seconds()/float64(len(r.rtts))*1e6)
				}
			}
			// Ratio within the same round.
			if i < len(usctp) && usctp[i].err == nil {
				if sc.pingpong {
					if len(r.rtts) > 0 {
						ratio = append(ratio, float64(len(usctp[i].rtts))/usctp[i].elapsed.Seconds()/(float64(len(r.rtts))/r.elapsed.Seconds()))
					}
				} else if r.mbps() > 0 {
					ratio = append(ratio, usctp[i].mbps()/r.mbps())
				}
			}
		}
		if len(mb) == 0 {
			fmt.Printf("| %s | n/a | | | | %s |\n", s.name, strings.Join(uniq(errs), "; "))
			continue
		}
		rs2 := "–"
		if len(ratio) > 0 && s.name != "usctp" {
			r := summarize(ratio)
			rs2 = fmt.Sprintf("%.2f (%.2f–%.2f)", r.med, r.lo, r.hi)
		}
		if sc.pingpong {
			fmt.Printf("| %s | %s | %.0f | %.0f | %.1f | %s | %s |\n", s.name, summarize(rate), summarize(p50).med, summarize(p99).med, summarize(cpuRT).med, rs2, note)
		} else {
			fmt.Printf("| %s | %s | %.0f | %.1f | %s | %s |\n", s.name, summarize(mb), summarize(mps).med, summarize(cpg).med, rs2, note)
		}
	}
	fmt.Println()
}

func uniq(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func percentiles(d []time.Duration) (p50, p99 float64) {
	if len(d) == 0 {
		return 0, 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))].Microseconds()) }
	return at(0.50), at(0.99)
}
