// Command usctp-peer is one usctp benchmark peer in its own process, so
// that sctpbench can measure usctp with the two peers in separate
// processes, as usrsctp's and pion's peers are (issue 16).
//
//	usctp-peer -role recv|pong -api conn|tcp|tcp-into|udp-into -udp N -addr 127.0.0.1:P
//	usctp-peer -role send|ping -api ... -udp 0 -remote-udp N -addr 127.0.0.1:P -t 5s -l 1200
//
// recv and pong print "READY" once listening; every role prints one line
// "RESULT bytes msgs seconds p50µs p99µs" when the association has ended.
package main

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"time"

	"github.com/usctp/sctp/bench/internal/peer"
)

func main() {
	role := flag.String("role", "recv", "recv | pong (servers), send | ping (clients)")
	var cfg peer.Config
	flag.StringVar(&cfg.API, "api", "conn", "conn | tcp | tcp-into | udp-into | udp-mmsg (recv, send) | udp (pong, ping)")
	flag.IntVar(&cfg.LocalUDP, "udp", 0, "local UDP port")
	flag.IntVar(&cfg.RemoteUDP, "remote-udp", 0, "the server's UDP port (clients)")
	addr := flag.String("addr", "127.0.0.1:5001", "the server's SCTP address")
	flag.DurationVar(&cfg.Dur, "t", 5*time.Second, "how long to send or ping")
	flag.IntVar(&cfg.Size, "l", 1200, "message size (send)")
	cpuprofile := flag.String("cpuprofile", "", "write this process's CPU profile to this file")
	tracefile := flag.String("trace", "", "write this process's execution trace (runtime/trace) to this file")
	flag.Parse()
	if *tracefile != "" {
		f, err := os.Create(*tracefile)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			fail(err)
		}
		defer trace.Stop()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	a, err := netip.ParseAddrPort(*addr)
	if err != nil {
		fail(err)
	}
	cfg.Addr = a
	var res peer.Result
	switch *role {
	case "recv", "pong":
		res, err = peer.Serve(cfg, *role == "pong", func() { fmt.Println("READY") })
	case "send":
		res, err = peer.Send(cfg)
	case "ping":
		res, err = peer.Ping(cfg)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fail(err)
	}
	p50, p99 := pct(res.RTTs)
	fmt.Printf("RESULT %d %d %.6f %d %d\n", res.Bytes, res.Msgs, res.Elapsed.Seconds(), p50, p99)
}

func pct(d []time.Duration) (p50, p99 int64) {
	if len(d) == 0 {
		return 0, 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(q float64) int64 { return d[int(q*float64(len(d)-1))].Microseconds() }
	return at(0.50), at(0.99)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "usctp-peer:", err)
	os.Exit(1)
}
