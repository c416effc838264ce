package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	sctp "github.com/usctp/sctp"
)

const connectUsage = `usage: sctpcat connect [flags] HOST[,HOST...]:PORT

Connects to SCTP port PORT at HOST over UDP encapsulation. Each stdin line
(newline included) is one message; received messages go to stdout. At end
of input it waits -linger for replies still due, shuts down gracefully and
exits 0 once SHUTDOWN COMPLETE is done. With -n COUNT it sends COUNT
messages of -l bytes instead (tsctp style) and prints the throughput.
An empty HOST is the local host; HOST:PORT/udp:N (the form -v prints)
also sets the remote UDP port to N. Several HOSTs (IP addresses, IPv6 in
brackets) name a multihomed peer: the association has a path to each
(connectx); -bind makes this end multihomed too (-v shows path changes).

flags:
`

type connectFlags struct {
	setupFlags
	udp       uint
	stream    uint
	ppid      uint
	unordered bool
	pcap      string
	verbose   bool
	count     int
	length    int
	linger    time.Duration
	pr        prFlag
	sched     schedFlag
}

func cmdConnect(e *env, args []string) error {
	var f connectFlags
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	fs.UintVar(&f.udp, "udp", 0, "local UDP encapsulation `port` (0: any free port)")
	fs.UintVar(&f.remoteUDP, "remote-udp", sctp.DefaultUDPPort, "remote UDP encapsulation `port`")
	fs.UintVar(&f.stream, "stream", 0, "outbound `stream` of the messages")
	fs.UintVar(&f.ppid, "ppid", 0, "payload protocol identifier of the messages")
	fs.BoolVar(&f.unordered, "unordered", false, "send messages unordered")
	fs.Var(&f.pr, "prsctp", prUsage)
	addSchedFlag(fs, &f.sched)
	fs.BoolVar(&f.idata, "idata", false, idataUsage)
	fs.UintVar(&f.streams, "streams", 10, "outbound and inbound streams requested")
	fs.StringVar(&f.pcap, "pcap", "", "write every packet sent and received to `file` (pcap)")
	fs.BoolVar(&f.verbose, "v", false, "verbose: one line per association event on stderr")
	fs.IntVar(&f.count, "n", 0, "send `COUNT` messages of -l bytes instead of stdin lines")
	fs.IntVar(&f.length, "l", 1024, "message `length` for -n")
	fs.StringVar(&f.bind, "bind", "", "local IP `addresses` to bind, comma-separated (bind + bindx: a multihomed client)")
	fs.DurationVar(&f.linger, "linger", 200*time.Millisecond, "after end of input, wait until nothing arrived for this long (at least 3 SRTT) before shutting down")
	fs.UintVar(&f.initRetries, "init-retries", 8, "INIT retransmissions before giving up (Max.Init.Retransmits)")
	fs.DurationVar(&f.rtoMax, "rto-max", 0, "cap of the retransmission timeout (0: 60s); bounds the time to give up")
	fs.DurationVar(&f.maxBackoff, "max-backoff", 0, maxBackoffUsage)
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "give up the association setup after this long (0: only -init-retries and -rto-max, RFC 9260's limits of about 4 minutes)")
	pos, err := parseFlags(fs, args, connectUsage, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("connect: want exactly one HOST:PORT, got %d arguments (see sctpcat connect -h)", len(pos))
	}
	first, more, err := splitPeerList(pos[0])
	if err != nil {
		return err
	}
	addr, udp, err := peerAddr(first)
	if err != nil {
		return err
	}
	f.peerAddrs = more
	if f.bind != "" {
		if f.bindAddrs, err = parseIPList(f.bind); err != nil {
			return usageErr("-bind: %v", err)
		}
	}
	if err := f.takeUDP(fs, udp); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	switch {
	case f.udp > 65535:
		return usageErr("-udp %d: want a UDP port 0..65535", f.udp)
	case f.stream >= f.streams:
		return usageErr("-stream %d: must be below -streams %d", f.stream, f.streams)
	case f.ppid > 1<<32-1:
		return usageErr("-ppid %d: want 0..4294967295", f.ppid)
	case f.linger < 0:
		return usageErr("-linger %v: want a duration ≥ 0 (0: do not wait)", f.linger)
	case f.count < 0 || f.length < 1 || f.length > 256<<10:
		return usageErr("-n %d -l %d: want COUNT ≥ 0 and 1 ≤ LEN ≤ 262144", f.count, f.length)
	}

	st, err := openStack("udp", netip.AddrPortFrom(netip.Addr{}, uint16(f.udp)), f.pcap, "-udp")
	if err != nil {
		return err
	}
	defer st.Close()
	sig := watchSignals()
	defer sig.stop()

	if f.verbose {
		f.progress = func(format string, args ...any) { fmt.Fprintf(e.stderr, "sctpcat: "+format+"\n", args...) }
	}
	c, err := dial(st, addr, &f.setupFlags, sig)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := f.sched.apply(c.Socket().Socket); err != nil {
		return err
	}
	ev := sctp.EventSubscribe{DataIO: true, Association: true, Shutdown: true, SendFailure: true, PeerError: true, Address: f.verbose}
	if err := c.Socket().SetEvents(ev); err != nil {
		return err
	}
	s := &session{e: e, c: c, f: &f, sig: sig, done: make(chan struct{})}
	if f.verbose {
		s.logf("connected to %s (assoc %d, local %v%s)", c.RemoteAddr(), c.AssocID(), c.LocalAddr(), idataNote(c))
	}
	go s.receive()
	if f.count > 0 {
		return s.perfSend()
	}
	return s.lines()
}

// session is one connect run.
type session struct {
	e   *env
	c   *sctp.Conn
	f   *connectFlags
	sig *signals

	outMu  sync.Mutex
	lastIn atomic.Int64 // unix nanos of the last message received
	msgsIn atomic.Int64
	done   chan struct{} // receive ended
	rerr   error         // receive error (set before done is closed)
}

func (s *session) logf(format string, args ...any) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	fmt.Fprintf(s.e.stderr, "sctpcat: "+format+"\n", args...)
}

// receive prints (or, with -n, counts) messages until the association
// has ended.
func (s *session) receive() {
	defer close(s.done)
	s.rerr = recvLoop(s.c, func(r *sctp.Received) error {
		s.lastIn.Store(time.Now().UnixNano())
		s.msgsIn.Add(1)
		if s.f.count > 0 {
			return nil
		}
		if s.f.verbose {
			s.logf("%s", msgText(s.c.AssocID(), r))
		}
		s.outMu.Lock()
		defer s.outMu.Unlock()
		return writeMsg(s.e.stdout, r)
	}, func(ev sctp.Event) {
		if s.f.verbose {
			s.logf("%s", eventText(ev))
		}
	})
}

func (s *session) sndInfo() *sctp.SndInfo {
	si := &sctp.SndInfo{Stream: uint16(s.f.stream), PPID: uint32(s.f.ppid)}
	if s.f.unordered {
		si.Flags = sctp.MSG_UNORDERED
	}
	s.f.pr.apply(si)
	return si
}

// lines sends stdin lines until end of input, then shuts down.
func (s *session) lines() error {
	in := make(chan []byte)
	inErr := make(chan error, 1)
	go func() {
		br := bufio.NewReaderSize(s.e.stdin, 64<<10)
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				select {
				case in <- line:
				case <-s.done:
					return
				}
			}
			if err != nil {
				if err == io.EOF {
					err = nil
				}
				inErr <- err
				return
			}
		}
	}()
	defer s.sig.interruptWritesOnFirst(s.c)()
	si := s.sndInfo()
	for {
		select {
		case line := <-in:
			if _, err := s.c.WriteMsg(line, si); err != nil {
				return s.sendFailed(err)
			}
			continue
		case err := <-inErr:
			if err != nil {
				s.logf("reading stdin: %v; shutting down", err)
			}
			s.linger()
		case <-s.done: // the peer ended the association first
		case <-s.sig.first:
		}
		break
	}
	return s.shutdown()
}

// linger waits until no message arrived for max(-linger, 3 SRTT), so that
// replies to the last lines are read before the SHUTDOWN (after which the
// peer may not send, RFC 9260 §9.2).
func (s *session) linger() {
	if s.f.linger <= 0 {
		return
	}
	quiet := s.f.linger
	if st, err := s.c.Stats(); err == nil && 3*st.SRTT > quiet {
		quiet = 3 * st.SRTT
	}
	since := time.Now()
	t := time.NewTimer(quiet)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.done:
			return
		case <-s.sig.first:
			return
		}
		last := time.Unix(0, s.lastIn.Load())
		if last.Before(since) {
			last = since
		}
		wait := time.Until(last.Add(quiet))
		if wait <= 0 {
			return
		}
		t.Reset(wait)
	}
}

// shutdown shuts the association down gracefully and waits for it to end
// (a second signal aborts it).
func (s *session) shutdown() error {
	if err := s.c.CloseWrite(); err != nil && !fired(s.done) {
		s.logf("shutdown: %v", describe(err))
	}
	select {
	case <-s.done:
	case <-s.sig.second:
		return abortInterrupted(s.c)
	}
	reason := s.c.EndReason()
	if s.f.verbose && endErr(reason) == nil {
		s.logf("assoc %d: %s", s.c.AssocID(), endText(reason)) // an error is printed once, as the exit line
	}
	if err := endErr(reason); err != nil {
		return err
	}
	if s.rerr != nil {
		return s.rerr
	}
	if fired(s.sig.first) {
		return fmt.Errorf("%w: association shut down gracefully", errInterrupted)
	}
	return nil
}

// sendFailed maps a send error: a signal, the association gone (its
// reason), or a bad send.
func (s *session) sendFailed(err error) error {
	if fired(s.sig.first) {
		s.c.SetWriteDeadline(time.Time{}) // set by the signal to end the Write
		return s.shutdown()
	}
	if errors.Is(err, sctp.ErrInvalidStream) {
		return fmt.Errorf("-stream %d: not below the number of outbound streams the peer accepted (%w)", s.f.stream, err)
	}
	select {
	case <-s.done:
		if r := endErr(s.c.EndReason()); r != nil {
			return r
		}
	case <-time.After(time.Second):
	}
	return fmt.Errorf("send: %w", err)
}

// perfSend sends -n messages of -l bytes, shuts down and prints the
// throughput (measured until SHUTDOWN COMPLETE: everything acknowledged).
func (s *session) perfSend() error {
	defer s.sig.interruptWritesOnFirst(s.c)()
	msg := make([]byte, s.f.length)
	for i := range msg {
		msg[i] = 'b'
	}
	si := s.sndInfo()
	start := time.Now()
	var sent atomic.Int64
	progDone := make(chan struct{})
	tick := time.NewTicker(time.Second)
	go func() {
		s.progress(tick.C, progDone, start, &sent)
	}()
	defer func() { tick.Stop(); close(progDone) }()
	for i := 0; i < s.f.count; i++ {
		if _, err := s.c.WriteMsg(msg, si); err != nil {
			return s.sendFailed(err)
		}
		sent.Add(int64(s.f.length))
	}
	if err := s.shutdown(); err != nil {
		return err
	}
	d := time.Since(start)
	// A last progress line with the counts at the end, the rate over the
	// whole transfer: the ticker's last line was up to a second earlier,
	// and a transfer shorter than a second had none.
	if st, err := s.c.Stats(); err == nil {
		s.logf("%s", progressLine(d, int64(s.f.count)*int64(s.f.length), d, st))
	}
	bytes := float64(s.f.count) * float64(s.f.length)
	fmt.Fprintf(s.e.stdout, "sent %s of %d bytes (%s) in %.3f s: %s, %.0f msgs/s\n",
		plural(int64(s.f.count), "message"), s.f.length, sizeText(bytes), d.Seconds(), rateText(bytes/d.Seconds()), float64(s.f.count)/d.Seconds())
	return nil
}

func sizeText(b float64) string { return fmt.Sprintf("%.2f MB", b/1e6) }

func rateText(bps float64) string {
	return fmt.Sprintf("%.2f MB/s (%.1f Mbit/s)", bps/1e6, bps*8/1e6)
}

// progress prints one line per tick to stderr while -n runs (issue 11): the
// rate of bytes handed to the stack in the last interval, retransmissions
// so far (fast: RFC 9260 §7.2.4 and RACK; T3-rtx timeouts), cwnd and
// SRTT, so a stall shows as it happens (the rate drops, T3 climbs).
func (s *session) progress(tick <-chan time.Time, done <-chan struct{}, start time.Time, sent *atomic.Int64) {
	last, lastBytes := start, int64(0)
	for {
		select {
		case <-done:
			return
		case <-tick:
		}
		now := time.Now()
		bytes := sent.Load()
		st, err := s.c.Stats()
		if err != nil {
			return
		}
		s.logf("%s", progressLine(now.Sub(start), bytes-lastBytes, now.Sub(last), st))
		last, lastBytes = now, bytes
	}
}

// progressLine formats one progress line of connect -n.
func progressLine(elapsed time.Duration, bytes int64, dt time.Duration, st sctp.AssocStats) string {
	rate := 0.0
	if dt > 0 {
		rate = float64(bytes) / dt.Seconds() / 1e6
	}
	return fmt.Sprintf("%6.1fs %8.2f MB/s  rtx %d (fast %d, T3 %d)  cwnd %d  srtt %v",
		elapsed.Seconds(), rate, st.FastRetransmits+st.T3Retransmits, st.FastRetransmits, st.T3Retransmits, st.Cwnd, st.SRTT.Round(10*time.Microsecond))
}
