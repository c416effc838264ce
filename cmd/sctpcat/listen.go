package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	sctp "github.com/usctp/sctp"
)

const listenUsage = `usage: sctpcat listen [flags] [HOST[,HOST...]:]PORT

Serves SCTP port PORT over UDP encapsulation, on every local address
unless HOST is given. Several HOSTs (IP addresses, IPv6 in brackets)
make the endpoint multihomed: bound to each (bind + bindx), listed in
its INIT ACK, one path per address pair (-v shows path changes). -mode print writes each message to stdout, echo
sends it back on the same stream with the same PPID, discard drops it.

flags:
`

type listenFlags struct {
	udp     uint
	mode    string
	streams uint
	count   int
	verbose bool
	pcap    string
	sched   schedFlag
	idata   bool
}

func cmdListen(e *env, args []string) error {
	var f listenFlags
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	fs.UintVar(&f.udp, "udp", sctp.DefaultUDPPort, "local UDP encapsulation `port` (0: any free port)")
	fs.StringVar(&f.mode, "mode", "print", "what to do with messages: print, echo or discard")
	fs.UintVar(&f.streams, "streams", 10, "outbound and inbound streams accepted")
	fs.IntVar(&f.count, "count", 0, "exit 0 after `N` associations have ended (0: run until interrupted)")
	fs.BoolVar(&f.verbose, "v", false, "verbose: one line per association event on stderr")
	fs.StringVar(&f.pcap, "pcap", "", "write every packet sent and received to `file` (pcap)")
	addSchedFlag(fs, &f.sched)
	fs.BoolVar(&f.idata, "idata", false, idataUsage)
	pos, err := parseFlags(fs, args, listenUsage, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("listen: want exactly one [HOST:]PORT, got %d arguments (see sctpcat listen -h)", len(pos))
	}
	hosts, port, err := listenAddrs(pos[0])
	if err != nil {
		return err
	}
	var host netip.Addr
	if len(hosts) > 0 {
		host = hosts[0]
	}
	switch {
	case f.mode != "print" && f.mode != "echo" && f.mode != "discard":
		return usageErr("-mode %q: want print, echo or discard", f.mode)
	case f.udp > 65535:
		return usageErr("-udp %d: want a UDP port 0..65535", f.udp)
	case f.streams == 0 || f.streams > 65535:
		return usageErr("-streams %d: want 1..65535", f.streams)
	case f.count < 0:
		return usageErr("-count %d: want N ≥ 0", f.count)
	}

	udpHost := host
	if len(hosts) > 1 {
		udpHost = netip.Addr{} // several local addresses: one wildcard UDP socket
	}
	st, err := openStack("udp", netip.AddrPortFrom(udpHost, uint16(f.udp)), f.pcap, "-udp")
	if err != nil {
		return err
	}
	defer st.Close()
	sig := watchSignals()
	defer sig.stop()

	network, laddr := "sctp", netip.AddrPortFrom(host, port).String()
	if !host.IsValid() {
		laddr = ":" + strconv.Itoa(int(port))
	} else if host.Is4() && allIPv4(hosts) {
		network = "sctp4"
	}
	var more []netip.Addr
	if len(hosts) > 1 {
		more = hosts[1:]
	}
	l, err := sctp.Listen(network, laddr, &sctp.Config{Stack: st.Stack, BindAddrs: more,
		InitMsg: sctp.InitMsg{NumOstreams: uint16(f.streams), MaxInstreams: uint16(f.streams)}, Interleave: f.idata})
	if err != nil {
		return fmt.Errorf("listen on SCTP port %d: %w", port, err)
	}
	defer l.Close()
	ev := sctp.EventSubscribe{DataIO: true, Association: true, Shutdown: true, SendFailure: true,
		PeerError: true, Address: f.verbose, StreamReset: f.verbose, StreamChange: f.verbose}
	if err := l.Socket().SetEvents(ev); err != nil {
		return err
	}
	// Accept the peer's stream resets and added streams (RFC 6525), as a
	// WebRTC peer closing a data channel needs; the library's default
	// follows RFC 6458 stacks and denies them.
	if err := l.Socket().SetEnableStreamReset(0, sctp.SCTP_ENABLE_RESET_STREAM_REQ|sctp.SCTP_ENABLE_CHANGE_ASSOC_REQ); err != nil {
		return err
	}
	if err := f.sched.apply(l.Socket().Socket); err != nil {
		return err
	}
	where := "every address"
	if host.IsValid() {
		where = joinAddrs(hosts)
	}
	fmt.Fprintf(e.stderr, "sctpcat: listening on SCTP port %d, %s, UDP port %d (mode %s)\n",
		port, where, st.LocalUDPAddr().Port(), f.mode)

	srv := &server{e: e, f: &f, conns: make(map[*sctp.Conn]bool), ended: make(chan struct{}, 16)}
	accepted := make(chan *sctp.Conn)
	acceptErr := make(chan error, 1)
	go func() {
		for {
			c, err := l.AcceptContext(context.Background())
			if err != nil {
				acceptErr <- err
				return
			}
			accepted <- c
		}
	}()
	ended := 0
	for {
		select {
		case c := <-accepted:
			srv.start(c)
		case <-srv.ended:
			ended++
			if f.count > 0 && ended >= f.count {
				l.Close()
				return srv.stop(sig)
			}
		case err := <-acceptErr:
			return fmt.Errorf("accept: %w", err)
		case <-sig.first:
			l.Close()
			if err := srv.stop(sig); err != nil {
				return err
			}
			return fmt.Errorf("%w: associations shut down gracefully", errInterrupted)
		}
	}
}

// listenAddrs parses [HOST[,HOST...]:]PORT; each HOST an IP literal.
func listenAddrs(s string) ([]netip.Addr, uint16, error) {
	if !strings.Contains(s, ",") {
		h, p, err := listenAddr(s)
		if err != nil || !h.IsValid() {
			return nil, p, err
		}
		return []netip.Addr{h}, p, nil
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.LastIndexByte(s, ']') > i {
		return nil, 0, usageErr("address %q: want HOST,HOST,...:PORT (IPv6 as [::1])", s)
	}
	hosts, err := parseIPList(s[:i])
	if err != nil {
		return nil, 0, err
	}
	_, p, err := listenAddr(s[i:])
	return hosts, p, err
}

func allIPv4(l []netip.Addr) bool {
	for _, a := range l {
		if !a.Is4() {
			return false
		}
	}
	return true
}

func joinAddrs(l []netip.Addr) string {
	s := make([]string, len(l))
	for i, a := range l {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

// listenAddr parses [HOST:]PORT; HOST is an IP literal or empty.
func listenAddr(s string) (netip.Addr, uint16, error) {
	hostPort := s
	if !strings.Contains(s, ":") {
		hostPort = ":" + s
	}
	i := strings.LastIndexByte(hostPort, ':')
	host, ps := strings.TrimSuffix(strings.TrimPrefix(hostPort[:i], "["), "]"), hostPort[i+1:]
	p, err := strconv.ParseUint(ps, 10, 16)
	switch {
	case ps == "" || err != nil && strings.Trim(ps, "0123456789") != "":
		return netip.Addr{}, 0, usageErr("address %q: SCTP port %q is not a number (want [HOST:]PORT)", s, ps)
	case err != nil || p == 0:
		return netip.Addr{}, 0, usageErr("address %q: want [HOST:]PORT with an SCTP port 1..65535", s)
	}
	if host == "" {
		return netip.Addr{}, uint16(p), nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, 0, usageErr("address %q: HOST must be an IP address (IPv6 as [::1]:PORT)", s)
	}
	return ip.Unmap(), uint16(p), nil
}

// server runs the accepted associations of listen.
type server struct {
	e     *env
	f     *listenFlags
	mu    sync.Mutex // guards conns and stdout/stderr writes
	conns map[*sctp.Conn]bool
	wg    sync.WaitGroup
	ended chan struct{}
}

func (s *server) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.e.stderr, "sctpcat: "+format+"\n", args...)
}

func (s *server) start(c *sctp.Conn) {
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	s.wg.Add(1)
	go s.serve(c)
}

// serve handles one association until it has ended.
func (s *server) serve(c *sctp.Conn) {
	defer s.wg.Done()
	id := c.AssocID()
	if s.f.verbose {
		s.logf("assoc %d: accepted from %v%s", id, c.RemoteAddr(), idataNote(c))
	}
	var msgs, bytes int64
	err := recvLoop(c, func(r *sctp.Received) error {
		msgs++
		bytes += int64(len(r.Msg))
		switch s.f.mode {
		case "print":
			if s.f.verbose {
				s.logf("%s", msgText(id, r))
			}
			s.mu.Lock()
			err := writeMsg(s.e.stdout, r)
			s.mu.Unlock()
			return err
		case "echo":
			si := &sctp.SndInfo{Stream: r.Info.Stream, PPID: r.Info.PPID, Flags: r.Info.Flags & sctp.MSG_UNORDERED}
			if _, err := c.WriteMsg(r.Msg, si); err != nil && s.f.verbose {
				s.logf("assoc %d: echo of %d bytes not sent: %s", id, len(r.Msg), describe(err))
			}
		}
		return nil
	}, func(ev sctp.Event) {
		if s.f.verbose {
			s.logf("%s", eventText(ev))
		}
	})
	reason := c.EndReason()
	switch {
	case err != nil && !errors.Is(err, sctp.ErrClosed):
		s.logf("assoc %d: %s", id, describe(err))
	case s.f.verbose:
		s.logf("assoc %d: ended (%s), %s, %s received", id, endText(reason), plural(msgs, "message"), plural(bytes, "byte"))
	case endErr(reason) != nil:
		s.logf("assoc %d from %v: %s", id, c.RemoteAddr(), describe(reason))
	}
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.ended <- struct{}{}
}

// stop shuts every association down gracefully and waits for them (a
// second signal, or 10 s, aborts the rest).
func (s *server) stop(sig *signals) error {
	s.mu.Lock()
	for c := range s.conns {
		c.CloseWrite()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	go func() { // serve goroutines must not block on ended
		for {
			select {
			case <-s.ended:
			case <-done:
				return
			}
		}
	}()
	select {
	case <-done:
		return nil
	case <-sig.second:
	case <-time.After(10 * time.Second):
	}
	s.mu.Lock()
	for c := range s.conns {
		abort(c)
	}
	s.mu.Unlock()
	return fmt.Errorf("%w: associations aborted", errInterrupted)
}
