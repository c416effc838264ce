package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/usctp/sctp"
)

// The head-of-line benchmark (issue 13): latency of 100-byte messages on
// stream 2 while 4 MiB messages flow on stream 1 of the same association,
// under each stream scheduler (RFC 8260 §3). With first come first served
// a small message waits behind every large message queued before it; with
// round robin over DATA it waits for the rest of the large message being
// sent (RFC 9260 §6.9: a message's fragments take consecutive TSNs); with
// I-DATA it waits at most about one chunk (RFC 8260 §2).
//
//	go run . -hol -t 5s -rounds 3
//	go run . -hol -hol-variants fcfs,rr,rr+idata
var (
	holMode     = flag.Bool("hol", false, "run the head-of-line benchmark (small messages on stream 2 behind large ones on stream 1) instead of the loopback table")
	holVariants = flag.String("hol-variants", "fcfs,rr,fb", "hol: comma-separated variants SCHEDULER[+idata] (fcfs, rr, rr_pkt, prio, fb, wfq)")
	holBig      = flag.Int("hol-big", 4<<20, "hol: size of the stream 1 messages")
	holSmall    = flag.Int("hol-small", 100, "hol: size of the stream 2 messages (at least 8)")
	holEvery    = flag.Duration("hol-every", 10*time.Millisecond, "hol: interval between stream 2 messages")
	holRcvBuf   = flag.Int("hol-rcvbuf", 0, "hol: receive buffer of both ends (0: twice -hol-big, so a large message is reassembled whole); smaller means partial delivery and a smaller window in flight")
)

// holVariant is one configuration of the row: a scheduler and whether
// user message interleaving (I-DATA, RFC 8260) is used.
type holVariant struct {
	sched sctp.StreamScheduler
	idata bool
}

func (v holVariant) String() string {
	s := v.sched.String()
	if v.idata {
		s += "+idata"
	} else {
		s += " (DATA)"
	}
	return s
}

func parseHolVariants(s string) ([]holVariant, error) {
	var out []holVariant
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, idata := strings.CutSuffix(f, "+idata")
		k, err := sctp.ParseStreamScheduler(name)
		if err != nil {
			return nil, err
		}
		out = append(out, holVariant{sched: k, idata: idata})
	}
	if len(out) == 0 {
		return nil, errors.New("no variant")
	}
	return out, nil
}

// enableIData turns on user message interleaving (I-DATA, RFC 8260) on
// the sockets before they associate (Config.Interleave: fragment
// interleave level 2 and SCTP_INTERLEAVING_SUPPORTED).
func enableIData(c *sctp.Config) error {
	c.Interleave = true
	return nil
}

// holResult is one measured run.
type holResult struct {
	lat      []time.Duration // per small message: send call to read
	bigBytes int64           // stream 1 bytes received
	elapsed  time.Duration
	err      error
	note     string
}

// holPair sets up two stacks on free UDP ports of 127.0.0.1 and one
// association whose buffers hold large messages whole: the send buffer
// takes two large messages plus room for the small ones, so a small
// message never waits for buffer space (only for the scheduler), and the
// receive window takes a large message whole (no partial delivery).
func holPair(v holVariant, big int) (client, server *sctp.Conn, closeFn func(), err error) {
	lo := netip.MustParseAddrPort("127.0.0.1:0")
	maxMsg := max(big, 256<<10)
	srvStack, err := sctp.NewStack(sctp.StackConfig{Network: "udp4", LocalAddr: lo, MaxMessageSize: maxMsg})
	if err != nil {
		return nil, nil, nil, err
	}
	cliStack, err := sctp.NewStack(sctp.StackConfig{Network: "udp4", LocalAddr: lo, MaxMessageSize: maxMsg,
		RemoteUDPPort: srvStack.LocalUDPAddr().Port()})
	if err != nil {
		srvStack.Close()
		return nil, nil, nil, err
	}
	stop := func() {
		cliStack.Close()
		srvStack.Close()
	}
	rcvBuf := *holRcvBuf
	if rcvBuf <= 0 {
		rcvBuf = 2 * maxMsg
	}
	c := &sctp.Config{SndBuf: 2*(big+4096) + 1<<20, RcvBuf: rcvBuf,
		InitMsg: sctp.InitMsg{NumOstreams: 4, MaxInstreams: 4}}
	if v.idata {
		if err := enableIData(c); err != nil {
			stop()
			return nil, nil, nil, err
		}
	}
	client, server, err = listenDial(srvStack, cliStack, c)
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	if err := client.Socket().SetStreamScheduler(0, v.sched); err != nil {
		client.Close()
		server.Close()
		stop()
		return nil, nil, nil, err
	}
	return client, server, func() {
		client.Close()
		server.Close()
		stop()
	}, nil
}

// holRun measures one variant for dur: one writer keeps stream 1 busy with
// large messages, another sends a small message on stream 2 every
// interval carrying its send time; the reader records each small
// message's latency (both ends are in this process: one clock).
func holRun(v holVariant, dur time.Duration) holResult {
	big, small := *holBig, max(*holSmall, 8)
	client, server, closeFn, err := holPair(v, big)
	if err != nil {
		return holResult{err: err}
	}
	defer closeFn()
	base := time.Now()
	var res holResult
	var bigBytes atomic.Int64
	rdone := make(chan struct{})
	var lat []time.Duration
	var rerr error
	go func() {
		defer close(rdone)
		buf := make([]byte, big+1)
		for {
			n, info, err := server.ReadMsg(buf)
			if err != nil {
				rerr = err
				return
			}
			switch info.Stream {
			case 1:
				bigBytes.Add(int64(n))
			case 2:
				if n >= 8 {
					sent := time.Duration(binary.BigEndian.Uint64(buf[:8]))
					lat = append(lat, time.Since(base)-sent)
				}
			}
		}
	}()
	deadline := time.Now().Add(dur)
	_ = client.SetWriteDeadline(deadline)
	var wg sync.WaitGroup
	var bigErr, smallErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		msg := make([]byte, big)
		for time.Now().Before(deadline) {
			if _, err := client.WriteMsg(msg, &sctp.SndInfo{Stream: 1, PPID: 1}); err != nil {
				if !isTimeout(err) {
					bigErr = err
				}
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		msg := make([]byte, small)
		t := time.NewTicker(*holEvery)
		defer t.Stop()
		// Let stream 1 fill the send queue first.
		time.Sleep(min(dur/10, 200*time.Millisecond))
		for now := range t.C {
			if now.After(deadline) {
				return
			}
			binary.BigEndian.PutUint64(msg, uint64(time.Since(base)))
			if _, err := client.WriteMsg(msg, &sctp.SndInfo{Stream: 2, PPID: 2}); err != nil {
				if !isTimeout(err) {
					smallErr = err
				}
				return
			}
		}
	}()
	start := time.Now()
	wg.Wait()
	// Every small message sent is read before the measurement ends:
	// wait until the receiver has taken all queued data (bounded).
	_ = client.SetWriteDeadline(time.Time{})
	_ = client.CloseWrite()
	_ = server.SetReadDeadline(time.Now().Add(30 * time.Second))
	<-rdone
	res.elapsed = time.Since(start)
	res.lat = lat
	res.bigBytes = bigBytes.Load()
	res.note = retransmitNote(client, server)
	for _, e := range []error{bigErr, smallErr} {
		if e != nil {
			res.note += " write error: " + e.Error()
		}
	}
	if rerr != nil && !isEOF(rerr) {
		res.note += " read: " + rerr.Error()
	}
	return res
}

func isEOF(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "EOF") || errors.Is(err, sctp.ErrClosed))
}

// runHOL runs the head-of-line table: variants interleaved per round.
func runHOL(dur time.Duration, rounds int) int {
	vs, err := parseHolVariants(*holVariants)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sctpbench: -hol-variants: %v\n", err)
		return 2
	}
	host, _ := os.Hostname()
	fmt.Printf("# sctpbench -hol %s\n\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("machine: %s, %s\n\n", host, machineInfo())
	res := make([][]holResult, len(vs))
	for r := range rounds {
		for i, v := range vs {
			fmt.Fprintf(os.Stderr, "round %d %v ... ", r+1, v)
			out := holRun(v, dur)
			if out.err != nil {
				fmt.Fprintf(os.Stderr, "error: %v\n", out.err)
			} else {
				p50, p99, mx := latPercentiles(out.lat)
				fmt.Fprintf(os.Stderr, "%d small: p50 %.1f ms p99 %.1f ms max %.1f ms; stream 1 %.0f MB/s %s\n",
					len(out.lat), p50, p99, mx, float64(out.bigBytes)/out.elapsed.Seconds()/1e6, out.note)
			}
			res[i] = append(res[i], out)
		}
	}
	rcv := "2 × the large message"
	if *holRcvBuf > 0 {
		rcv = fmt.Sprint(*holRcvBuf, " B")
	}
	fmt.Printf("## %d B messages on stream 2 every %v while %d B messages flow on stream 1, receive buffer %s, %v per run, %d rounds\n\n",
		max(*holSmall, 8), *holEvery, *holBig, rcv, dur, rounds)
	fmt.Println("| variant | small msgs | p50 latency ms | p99 latency ms | max latency ms | stream 1 MB/s | p50 vs first row | note |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	var ref float64
	for i, v := range vs {
		var n int
		var p50s, p99s, maxs, mbs []float64
		var notes, errs []string
		for ri, r := range res[i] {
			if r.err != nil {
				errs = append(errs, r.err.Error())
				continue
			}
			a, b, c := latPercentiles(r.lat)
			n += len(r.lat)
			p50s, p99s, maxs = append(p50s, a), append(p99s, b), append(maxs, c)
			mbs = append(mbs, float64(r.bigBytes)/r.elapsed.Seconds()/1e6)
			if r.note != "" {
				notes = append(notes, fmt.Sprintf("r%d:%s", ri+1, r.note))
			}
		}
		if len(p50s) == 0 {
			fmt.Printf("| %v | n/a | | | | | | %s |\n", v, strings.Join(uniq(errs), "; "))
			continue
		}
		p50 := summarize(p50s)
		ratio := "–"
		if i == 0 {
			ref = p50.med
		} else if p50.med > 0 {
			ratio = fmt.Sprintf("%.3g× lower", ref/p50.med)
		}
		fmt.Printf("| %v | %d | %s | %s | %s | %s | %s | %s |\n", v, n, p50, summarize(p99s), summarize(maxs), summarize(mbs), ratio, strings.Join(notes, "; "))
	}
	fmt.Println()
	return 0
}

// latPercentiles returns p50, p99 and the maximum in milliseconds.
func latPercentiles(d []time.Duration) (p50, p99, mx float64) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	return ms(s[len(s)/2]), ms(s[int(0.99*float64(len(s)-1))]), ms(s[len(s)-1])
}
