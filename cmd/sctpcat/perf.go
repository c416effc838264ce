package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	sctp "github.com/usctp/sctp"
)

const perfUsage = `usage: sctpcat perf [flags] [HOST:PORT]

Measures throughput (or, with -pingpong, round-trip latency). Without an
address both ends run in this process over real UDP on 127.0.0.1 with free
ports. With an address it sends to a discard server (sctpcat listen -mode
discard, usrsctp tsctp or discard_server; an echo server for -pingpong).
Prints a progress line every second and a summary at the end.

flags:
`

type perfFlags struct {
	setupFlags
	udp       uint
	dur       time.Duration
	length    int
	unordered bool
	pingpong  bool
	pcap      string
	pr        prFlag
	sched     schedFlag
}

// perfRun is the state of one perf run.
type perfRun struct {
	e     *env
	f     *perfFlags
	c     *sctp.Conn
	local bool // both ends in this process

	sent, sentBytes atomic.Int64 // messages handed to the stack
	rcvd, rcvdBytes atomic.Int64 // messages received (local mode: by the server)
	abandoned       atomic.Int64 // messages abandoned by PR-SCTP (-prsctp), at the last snapshot
	abandonedUnsent atomic.Int64 // of those, abandoned before any of them was sent
	lastRcvd        atomic.Int64 // unix nanos of the last message received
	rtts            []time.Duration
	stats           sctp.AssocStats // last snapshot of the sender's association
}

func cmdPerf(e *env, args []string) error {
	var f perfFlags
	fs := flag.NewFlagSet("perf", flag.ContinueOnError)
	fs.DurationVar(&f.dur, "t", 5*time.Second, "test `duration`")
	fs.IntVar(&f.length, "l", 1200, "message `length` in bytes")
	fs.UintVar(&f.streams, "streams", 10, "streams to send on (round robin)")
	fs.BoolVar(&f.unordered, "unordered", false, "send messages unordered")
	fs.Var(&f.pr, "prsctp", prUsage)
	addSchedFlag(fs, &f.sched)
	fs.BoolVar(&f.idata, "idata", false, idataUsage)
	fs.BoolVar(&f.pingpong, "pingpong", false, "1-byte round trips: measure latency instead of throughput")
	fs.UintVar(&f.udp, "udp", 0, "local UDP encapsulation `port` of the sender (0: any free port)")
	fs.UintVar(&f.remoteUDP, "remote-udp", sctp.DefaultUDPPort, "remote UDP encapsulation `port` (with an address)")
	fs.StringVar(&f.pcap, "pcap", "", "write every packet the sender sends and receives to `file` (pcap)")
	fs.UintVar(&f.initRetries, "init-retries", 8, "INIT retransmissions before giving up (Max.Init.Retransmits)")
	fs.DurationVar(&f.rtoMax, "rto-max", 0, "cap of the retransmission timeout (0: 60s)")
	fs.DurationVar(&f.maxBackoff, "max-backoff", 0, maxBackoffUsage)
	pos, err := parseFlags(fs, args, perfUsage, e)
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	switch {
	case len(pos) > 1:
		return usageErr("perf: want at most one HOST:PORT, got %d arguments (see sctpcat perf -h)", len(pos))
	case f.dur <= 0:
		return usageErr("-t %v: want a positive duration", f.dur)
	case f.length < 1 || f.length > 256<<10:
		return usageErr("-l %d: want 1..262144", f.length)
	case f.udp > 65535:
		return usageErr("-udp %d: want a UDP port 0..65535", f.udp)
	}
	if f.pingpong {
		f.length = 1
	}
	sig := watchSignals()
	defer sig.stop()

	r := &perfRun{e: e, f: &f}
	cliNet, cliAddr := "udp", netip.AddrPortFrom(netip.Addr{}, uint16(f.udp))
	var addr string
	var serverDone chan error
	if len(pos) == 1 {
		var udp uint16
		if addr, udp, err = peerAddr(pos[0]); err != nil {
			return err
		}
		if err := f.takeUDP(fs, udp); err != nil {
			return err
		}
	} else {
		r.local = true
		lo := netip.AddrFrom4([4]byte{127, 0, 0, 1})
		cliNet, cliAddr = "udp4", netip.AddrPortFrom(lo, uint16(f.udp))
		srv, err := openStack("udp4", netip.AddrPortFrom(lo, 0), "", "-udp")
		if err != nil {
			return err
		}
		defer srv.Close()
		l, err := sctp.Listen("sctp4", "127.0.0.1:5001", &sctp.Config{Stack: srv.Stack,
			InitMsg: sctp.InitMsg{NumOstreams: uint16(f.streams), MaxInstreams: uint16(f.streams)}, Interleave: f.idata})
		if err != nil {
			return fmt.Errorf("perf server: %w", err)
		}
		defer l.Close()
		addr, f.remoteUDP = "127.0.0.1:5001", uint(srv.LocalUDPAddr().Port())
		serverDone = make(chan error, 1)
		go func() { serverDone <- r.serve(l) }()
	}
	cli, err := openStack(cliNet, cliAddr, f.pcap, "-udp")
	if err != nil {
		return err
	}
	defer cli.Close()
	if r.c, err = dial(cli, addr, &f.setupFlags, sig); err != nil {
		return err
	}
	defer r.c.Close()
	if err := f.sched.apply(r.c.Socket().Socket); err != nil {
		return err
	}
	r.header(addr)
	if f.pingpong {
		err = r.pingpong(sig)
	} else {
		err = r.throughput(sig, serverDone)
	}
	if err != nil {
		return err
	}
	if fired(sig.first) {
		return fmt.Errorf("%w: perf run cut short", errInterrupted)
	}
	return nil
}

func (r *perfRun) header(addr string) {
	order := "ordered"
	if r.f.unordered {
		order = "unordered"
	}
	where := "to " + addr
	if r.local {
		where = "over UDP on 127.0.0.1, both ends in this process"
	}
	what := fmt.Sprintf("%d-byte messages on %d streams, %s", r.f.length, r.f.streams, order)
	if r.f.sched.set {
		what += ", scheduler " + r.f.sched.String()
	}
	if r.f.pingpong {
		what = "1-byte round trips"
	}
	fmt.Fprintf(r.e.stdout, "sctpcat perf %s: %s, %v (assoc %d, local %v)\n", where, what, r.f.dur, r.c.AssocID(), r.c.LocalAddr())
}

// serve is the local server: it counts (throughput) or echoes (pingpong)
// the messages of the one association, until it has ended.
func (r *perfRun) serve(l *sctp.Listener) error {
	c, err := l.AcceptSCTP()
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 256<<10)
	for {
		n, info, err := c.ReadMsg(buf)
		if err == io.EOF {
			return endErr(c.EndReason())
		}
		if err != nil {
			return err
		}
		r.rcvd.Add(1)
		r.rcvdBytes.Add(int64(n))
		r.lastRcvd.Store(time.Now().UnixNano())
		if r.f.pingpong {
			if _, err := c.WriteMsg(buf[:n], &sctp.SndInfo{Stream: info.Stream, Flags: info.Flags & sctp.MSG_UNORDERED}); err != nil {
				return err
			}
		}
	}
}

// drain reads (and discards) what the peer sends until the association
// has ended; it is how the sender sees SHUTDOWN COMPLETE.
func drain(c *sctp.Conn) chan error {
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 256<<10)
		for {
			if _, _, err := c.ReadMsg(buf); err != nil {
				if err == io.EOF {
					err = endErr(c.EndReason())
				}
				done <- err
				return
			}
		}
	}()
	return done
}

// shutdown shuts the association down gracefully and waits for its end,
// reading what the peer still sends; a second signal aborts it.
func (r *perfRun) shutdown(sig *signals) error {
	done := drain(r.c)
	if err := r.c.CloseWrite(); err != nil {
		return r.failed(err)
	}
	select {
	case err := <-done:
		return err
	case <-sig.second:
		return abortInterrupted(r.c)
	}
}

func (r *perfRun) throughput(sig *signals, serverDone chan error) error {
	ctx, cancel := context.WithTimeout(context.Background(), r.f.dur)
	defer cancel()
	sig.cancelOnFirst(ctx, cancel)
	// The writes take no context: the run's end (or a signal) ends a
	// blocked Write with a past write deadline instead, so that a Write
	// waiting for buffer space may read its own SACKs (the library's
	// write lease needs a send without a deadline or cancellable context).
	stopWatch := context.AfterFunc(ctx, func() { r.c.SetWriteDeadline(time.Unix(1, 0)) })
	defer stopWatch()
	sendErr := make(chan error, 1)
	start := time.Now()
	go func() {
		msg := make([]byte, r.f.length)
		for i := range msg {
			msg[i] = byte('a' + i%26)
		}
		si := &sctp.SndInfo{}
		if r.f.unordered {
			si.Flags = sctp.MSG_UNORDERED
		}
		r.f.pr.apply(si)
		for i := 0; ; i++ {
			si.Stream = uint16(i % int(r.f.streams))
			if _, err := r.c.WriteMsg(msg, si); err != nil {
				if ctx.Err() != nil {
					err = nil
				}
				sendErr <- err
				return
			}
			r.sent.Add(1)
			r.sentBytes.Add(int64(len(msg)))
		}
	}()
	r.progress(ctx, start)
	if err := <-sendErr; err != nil {
		return r.failed(err)
	}
	r.c.SetWriteDeadline(time.Time{}) // set when the run ended

	// Graceful shutdown: everything queued is delivered and acknowledged
	// before SHUTDOWN COMPLETE (RFC 9260 §9.2).
	r.snapshot()
	if err := r.shutdown(sig); err != nil {
		return err
	}
	abandoned := r.abandoned.Load()
	end := time.Now()
	if serverDone != nil {
		if err := <-serverDone; err != nil {
			return fmt.Errorf("perf server: %w", err)
		}
		end = time.Unix(0, r.lastRcvd.Load())
		if r.f.pr.info.Policy != sctp.SCTP_PR_SCTP_NONE {
			// PR-SCTP: what was not received must have been abandoned, and
			// what was abandoned unsent cannot have arrived. A message
			// abandoned after it was sent may still have reached the
			// peer (RFC 3758 §3.5: its chunks were in flight), so
			// received + abandoned may exceed sent.
			rcvd, sent := r.rcvd.Load(), r.sent.Load()
			if rcvd+abandoned < sent || rcvd > sent-r.abandonedUnsent.Load() {
				return fmt.Errorf("partially reliable transfer broken: sent %d messages, received %d, abandoned %d",
					r.sent.Load(), r.rcvd.Load(), abandoned)
			}
		} else if r.rcvd.Load() != r.sent.Load() || r.rcvdBytes.Load() != r.sentBytes.Load() {
			return fmt.Errorf("reliable transfer broken: sent %d messages (%d bytes), received %d (%d bytes)",
				r.sent.Load(), r.sentBytes.Load(), r.rcvd.Load(), r.rcvdBytes.Load())
		}
	}
	r.summary(start, end)
	return nil
}

// progress prints a line every second until ctx ends.
func (r *perfRun) progress(ctx context.Context, start time.Time) {
	fmt.Fprintf(r.e.stdout, "%7s %12s %11s %10s %9s %5s\n", "time", "MB/s", "msgs/s", "cwnd", "srtt", "rtx")
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last, lastMsgs, lastBytes := start, int64(0), int64(0)
	line := func() {
		now := time.Now() // not the tick's time: the goroutine may run late
		msgs, bytes := r.sent.Load(), r.sentBytes.Load()
		if r.local || r.f.pingpong {
			msgs, bytes = r.rcvd.Load(), r.rcvdBytes.Load()
		}
		dt := now.Sub(last).Seconds()
		r.snapshot()
		s := r.stats
		fmt.Fprintf(r.e.stdout, "%6.1fs %12.2f %11.0f %10d %9s %5d\n", now.Sub(start).Seconds(),
			float64(bytes-lastBytes)/dt/1e6, float64(msgs-lastMsgs)/dt, s.Cwnd, durText(s.SRTT), s.T3Retransmits+s.FastRetransmits)
		last, lastMsgs, lastBytes = now, msgs, bytes
	}
	for {
		select {
		case <-ctx.Done():
			if time.Since(last) > 200*time.Millisecond {
				line() // the last, partial interval
			}
			return
		case <-t.C:
			line()
		}
	}
}

func (r *perfRun) snapshot() {
	if s, err := r.c.Stats(); err == nil && s.State != sctp.SCTP_CLOSED {
		r.stats = s
	}
	if st, err := r.c.Socket().PRAssocStatus(0, sctp.SCTP_PR_SCTP_ALL); err == nil {
		r.abandoned.Store(int64(st.AbandonedUnsent + st.AbandonedSent))
		r.abandonedUnsent.Store(int64(st.AbandonedUnsent))
	}
}

// failed maps an error of the running association to its end reason.
func (r *perfRun) failed(err error) error {
	if reason := endErr(r.c.EndReason()); reason != nil {
		return reason
	}
	return err
}

func (r *perfRun) summary(start, end time.Time) {
	s := r.stats
	d := end.Sub(start).Seconds()
	w := r.e.stdout
	fmt.Fprintf(w, "summary:\n")
	row := func(k, format string, args ...any) {
		fmt.Fprintf(w, "  %-18s "+format+"\n", append([]any{k}, args...)...)
	}
	until := "SHUTDOWN COMPLETE, every message acknowledged"
	if r.local {
		until = "the last message was received"
	}
	row("duration", "%.2f s (-t %v, until %s)", d, r.f.dur, until)
	row("messages sent", "%d × %d bytes", r.sent.Load(), r.f.length)
	if r.f.pr.info.Policy != sctp.SCTP_PR_SCTP_NONE {
		row("abandoned", "%d (-prsctp %v)", r.abandoned.Load(), &r.f.pr)
	}
	if r.local {
		row("messages received", "%d (%s)", r.rcvd.Load(), sizeText(float64(r.rcvdBytes.Load())))
	}
	row("throughput", "%s", rateText(float64(r.sentBytes.Load())/d))
	row("message rate", "%.0f msgs/s", float64(r.sent.Load())/d)
	row("srtt / rto", "%s / %s", durText(s.SRTT), durText(s.RTO))
	row("cwnd / ssthresh", "%d / %d bytes", s.Cwnd, s.Ssthresh)
	row("retransmissions", "%d (T3-rtx %d, fast %d)", s.T3Retransmits+s.FastRetransmits, s.T3Retransmits, s.FastRetransmits)
	row("packets out / in", "%d / %d (DATA chunks %d, SACKs in %d)", s.PacketsOut, s.PacketsIn, s.DataChunksOut, s.SacksIn)
}

func (r *perfRun) pingpong(sig *signals) error {
	ctx, cancel := context.WithTimeout(context.Background(), r.f.dur)
	defer cancel()
	sig.cancelOnFirst(ctx, cancel)
	fmt.Fprintf(r.e.stdout, "%7s %12s %10s %9s %5s\n", "time", "round trips/s", "avg rtt", "srtt", "rtx")
	start := time.Now()
	tick, lastN, lastSum := start.Add(time.Second), 0, time.Duration(0)
	var sum time.Duration
	ping, buf := []byte{'p'}, make([]byte, 256<<10)
	for ctx.Err() == nil {
		t0 := time.Now()
		if _, err := r.c.WriteMsgContext(ctx, ping, nil); err != nil {
			if ctx.Err() != nil {
				break
			}
			return r.failed(err)
		}
		if _, _, err := r.c.ReadMsgContext(ctx, buf); err != nil {
			if ctx.Err() != nil {
				break
			}
			if err == io.EOF {
				err = errors.New("peer ended the association during the ping-pong (is it an echo server?)")
			}
			return r.failed(err)
		}
		rtt := time.Since(t0)
		r.rtts = append(r.rtts, rtt)
		r.sent.Add(1)
		sum += rtt
		if now := time.Now(); !now.Before(tick) {
			r.snapshot()
			n := len(r.rtts) - lastN
			fmt.Fprintf(r.e.stdout, "%6.1fs %12.0f %10s %9s %5d\n", now.Sub(start).Seconds(), float64(n)/now.Sub(tick.Add(-time.Second)).Seconds(),
				durText((sum-lastSum)/time.Duration(max(n, 1))), durText(r.stats.SRTT), r.stats.T3Retransmits+r.stats.FastRetransmits)
			tick, lastN, lastSum = tick.Add(time.Second), len(r.rtts), sum
		}
	}
	r.snapshot()
	d := time.Since(start)
	if err := r.shutdown(sig); err != nil {
		return err
	}
	if len(r.rtts) == 0 {
		return errors.New("no round trip completed")
	}
	sorted := slices.Clone(r.rtts)
	slices.Sort(sorted)
	pct := func(p float64) time.Duration { return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))] }
	w := r.e.stdout
	row := func(k, format string, args ...any) {
		fmt.Fprintf(w, "  %-18s "+format+"\n", append([]any{k}, args...)...)
	}
	fmt.Fprintf(w, "summary:\n")
	row("duration", "%.2f s", d.Seconds())
	row("round trips", "%d (%.0f/s)", len(sorted), float64(len(sorted))/d.Seconds())
	row("rtt min / avg", "%s / %s", durText(sorted[0]), durText(sum/time.Duration(len(sorted))))
	row("rtt p50 / p99", "%s / %s", durText(pct(0.5)), durText(pct(0.99)))
	row("rtt max", "%s", durText(sorted[len(sorted)-1]))
	row("srtt (SCTP)", "%s", durText(r.stats.SRTT))
	row("retransmissions", "%d (T3-rtx %d, fast %d)", r.stats.T3Retransmits+r.stats.FastRetransmits, r.stats.T3Retransmits, r.stats.FastRetransmits)
	return nil
}

// durText prints a duration with 3 significant digits in a fixed unit.
func durText(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0fµs", float64(d)/1e3)
}
