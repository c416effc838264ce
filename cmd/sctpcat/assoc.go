package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	sctp "github.com/usctp/sctp"
)

// maxRecv bounds one received piece; larger messages come in pieces.
// recvBuf is the receive buffer's first size (grown up to maxRecv).
const (
	maxRecv = 1 << 20
	recvBuf = 64 << 10
)

// setupFlags are the association-setup flags of connect and perf.
type setupFlags struct {
	remoteUDP   uint
	streams     uint
	initRetries uint
	rtoMax      time.Duration
	// maxBackoff bounds the retransmission timers' backoff
	// (RTOInfo.MaxBackoff; 0: RFC 9260's doubling up to RTO.Max).
	maxBackoff time.Duration
	// timeout bounds the association setup (connect -timeout; 0: only
	// -init-retries and -rto-max, RFC 9260's limits, end it).
	timeout time.Duration
	// idata offers I-DATA (RFC 8260 user message interleaving, -idata).
	idata bool
	// bind lists the local addresses of -bind; bindAddrs are they
	// parsed, peerAddrs the peer's further addresses (a HOST list).
	bind      string
	bindAddrs []netip.Addr
	peerAddrs []netip.Addr
	// progress, if set, is told of each INIT (and COOKIE ECHO)
	// retransmission while dial waits (connect -v).
	progress func(format string, args ...any)
}

const maxBackoffUsage = "bound on the retransmission timers' doubling after a timeout, at least RTO.Min (200ms) (0: doubling up to -rto-max, RFC 9260; WebRTC uses 3s)"

func (f *setupFlags) config(st *stack) *sctp.Config {
	cfg := &sctp.Config{
		Stack:         st.Stack,
		RemoteUDPPort: uint16(f.remoteUDP),
		InitMsg: sctp.InitMsg{NumOstreams: uint16(f.streams), MaxInstreams: uint16(f.streams),
			MaxAttempts: uint16(f.initRetries)},
		Interleave: f.idata,
		PeerAddrs:  f.peerAddrs,
	}
	if len(f.bindAddrs) > 0 {
		cfg.LocalAddr = netip.AddrPortFrom(f.bindAddrs[0], 0)
		cfg.BindAddrs = f.bindAddrs[1:]
	}
	if f.rtoMax > 0 {
		// RTO.Initial and RTO.Min (1 s, RFC 9260 §15) may not exceed RTO.Max.
		lo := min(time.Second, f.rtoMax)
		cfg.RTO = sctp.RTOInfo{Initial: lo, Min: min(lo, 200*time.Millisecond), Max: f.rtoMax}
		cfg.InitMsg.MaxInitTimeo = f.rtoMax
	}
	cfg.RTO.MaxBackoff = f.maxBackoff
	return cfg
}

// takeUDP applies the N of an address written HOST:PORT/udp:N: N is the
// remote UDP port, unless -remote-udp names another (a usage error).
func (f *setupFlags) takeUDP(fs *flag.FlagSet, udp uint16) error {
	if udp == 0 {
		return nil
	}
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == "remote-udp" })
	if set && f.remoteUDP != uint(udp) {
		return usageErr("the address names UDP port %d but -remote-udp is %d; give one of them", udp, f.remoteUDP)
	}
	f.remoteUDP = uint(udp)
	return nil
}

func (f *setupFlags) check() error {
	switch {
	case f.remoteUDP == 0 || f.remoteUDP > 65535:
		return usageErr("-remote-udp %d: want a UDP port 1..65535", f.remoteUDP)
	case f.streams == 0 || f.streams > 65535:
		return usageErr("-streams %d: want 1..65535", f.streams)
	case f.initRetries == 0 || f.initRetries > 65535:
		return usageErr("-init-retries %d: want 1..65535", f.initRetries)
	case f.rtoMax < 0:
		return usageErr("-rto-max %v: want a positive duration", f.rtoMax)
	case f.maxBackoff < 0:
		return usageErr("-max-backoff %v: want a positive duration (0: RFC 9260's backoff)", f.maxBackoff)
	case f.timeout < 0:
		return usageErr("-timeout %v: want a positive duration (0: none)", f.timeout)
	}
	return nil
}

// dial sets up an association to addr, turning the failures into
// sctpcat's errors. A first signal cancels it (errInterrupted).
func dial(st *stack, addr string, f *setupFlags, sig *signals) (*sctp.Conn, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if f.timeout > 0 {
		// A context deadline always wins over the INIT retransmissions.
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	sig.cancelOnFirst(ctx, cancel)
	var w *setupWatch
	if f.progress != nil {
		w = watchSetup(st, addr, uint16(f.remoteUDP), f.progress)
	}
	c, err := sctp.Dial(ctx, "sctp", addr, f.config(st))
	inits := w.stop()
	if err == nil {
		return c, nil
	}
	var ne net.Error
	switch {
	case fired(sig.first):
		return nil, fmt.Errorf("%w while connecting to %s", errInterrupted, addr)
	case errors.Is(err, sctp.ErrPortUnreachable):
		// RFC 6951 §5.6: the kernel's ICMP port unreachable ended the
		// attempt at once.
		return nil, &unreachableError{peer: addr, udpPort: uint16(f.remoteUDP), icmp: true, byICMP: true}
	case errors.Is(err, context.DeadlineExceeded) && f.timeout > 0:
		ue := &unreachableError{peer: addr, udpPort: uint16(f.remoteUDP), timeout: f.timeout, inits: inits}
		if ap, perr := netip.ParseAddrPort(addr); perr == nil {
			ue.icmp = st.portUnreachable(netip.AddrPortFrom(ap.Addr(), uint16(f.remoteUDP)))
		}
		return nil, ue
	case errors.Is(err, sctp.ErrConnectFailed) && errors.As(err, &ne) && ne.Timeout():
		ue := &unreachableError{peer: addr, udpPort: uint16(f.remoteUDP), retries: int(f.initRetries)}
		if ap, perr := sctp.ParseAddr(addr); perr == nil && ap.Addr().IsValid() {
			ue.icmp = st.portUnreachable(netip.AddrPortFrom(ap.Addr(), uint16(f.remoteUDP)))
		}
		return nil, ue
	case errors.Is(err, sctp.ErrConnectFailed) && errors.Is(err, sctp.ErrAborted):
		var ae *sctp.AbortError
		why := "nothing listens on that SCTP port?"
		if errors.As(err, &ae) && len(ae.Causes) > 0 {
			why = causesText(ae.Causes)
		}
		return nil, fmt.Errorf("peer %s refused the association with ABORT (%s)", peerText(addr, uint16(f.remoteUDP)), why)
	}
	return nil, fmt.Errorf("connect to %s: %w", addr, err)
}

// peerAddr checks a HOST:PORT argument (an empty HOST is the local host;
// HOST:PORT/udp:N, as -v prints addresses, also names the peer's UDP
// port N, returned as udp).
func peerAddr(s string) (addr string, udp uint16, err error) {
	hp := s
	if i := strings.LastIndex(s, "/udp:"); i >= 0 {
		hp = s[:i]
		n, err := strconv.ParseUint(s[i+len("/udp:"):], 10, 16)
		if err != nil || n == 0 {
			return "", 0, usageErr("address %q: the UDP port after /udp: must be a number 1..65535", s)
		}
		udp = uint16(n)
	}
	_, port, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, usageErr("address %q: want HOST:PORT (IPv6 as [::1]:PORT)", s)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	switch {
	case err != nil && strings.Trim(port, "0123456789") != "" || port == "":
		return "", 0, usageErr("address %q: SCTP port %q is not a number", s, port)
	case err != nil || p == 0:
		return "", 0, usageErr("address %q: SCTP port must be 1..65535", s)
	}
	return s, udp, nil
}

// plural returns "1 message", "2 messages".
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.FormatInt(n, 10) + " " + word + "s"
}

// msgText is the -v line of a received message.
func msgText(id sctp.AssocID, r *sctp.Received) string {
	s := fmt.Sprintf("assoc %d: message of %s on stream %d, PPID %d", id, plural(int64(len(r.Msg)), "byte"), r.Info.Stream, r.Info.PPID)
	if r.Info.Flags&sctp.MSG_UNORDERED != 0 {
		s += ", unordered"
	}
	return s
}

// recvLoop reads the Conn's messages and notifications until the
// association has ended (nil) or reading failed. It reads with
// SCTPRecvInto into one buffer reused for every message (the library's
// allocation-free receive), so onMsg must not keep r.Msg after it
// returned. The buffer starts at recvBuf and grows, only for a message
// longer than it, up to maxRecv; a longer message comes in pieces.
func recvLoop(c *sctp.Conn, onMsg func(r *sctp.Received) error, onEvent func(ev sctp.Event)) error {
	sock := c.Socket()
	buf := make([]byte, recvBuf)
	var r sctp.Received // one for the loop: handing &r to onMsg allocates once
	for {
		n, got, err := sock.SCTPRecvInto(buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if got.Flags&sctp.MSG_NOTIFICATION != 0 {
			if onEvent != nil {
				onEvent(got.Notification)
			}
			continue
		}
		// The rest of a message longer than buf is at the front of
		// the queue (RFC 6458 §3.1.4): read it after the first part.
		for got.Flags&sctp.MSG_EOR == 0 && n < maxRecv {
			if n == len(buf) {
				nb := make([]byte, min(2*len(buf), maxRecv))
				copy(nb, buf[:n])
				buf = nb
			}
			m, more, err := sock.SCTPRecvInto(buf[n:])
			if err != nil {
				return err
			}
			n += m
			got.Flags = more.Flags
		}
		r = got
		r.Msg = buf[:n]
		if err := onMsg(&r); err != nil {
			return err
		}
	}
}

// eventText is the -v line of a notification.
func eventText(ev sctp.Event) string {
	switch ev := ev.(type) {
	case sctp.AssocChange:
		s := fmt.Sprintf("assoc %d: %v", ev.ID, ev.State)
		if ev.State == sctp.CommUp || ev.State == sctp.Restart {
			s += fmt.Sprintf(" (streams out=%d in=%d)", ev.OutStreams, ev.InStreams)
		}
		if ev.State == sctp.CommLost || ev.State == sctp.CantStartAssoc {
			return s // why it ended is printed once, at the end
		}
		if len(ev.Causes) > 0 {
			s += ": " + causesText(ev.Causes)
		} else if ev.Err != nil && !errors.Is(ev.Err, sctp.ErrClosed) {
			s += ": " + describe(ev.Err)
		}
		return s
	case sctp.RemoteError:
		return fmt.Sprintf("assoc %d: peer reported error cause %d (%s)", ev.ID, ev.Code, causeName(ev.Code))
	case sctp.SendFailed:
		return fmt.Sprintf("assoc %d: message of %d bytes on stream %d not delivered: %v", ev.ID, len(ev.Data), ev.Stream, ev.Err)
	}
	return ev.String()
}

// endText describes how an association ended, from Conn.EndReason.
func endText(reason error) string {
	if reason == nil || errors.Is(reason, sctp.ErrClosed) {
		return "shutdown complete"
	}
	return describe(reason)
}

// endErr is the command error for an association that ended with reason
// (nil after a graceful shutdown).
func endErr(reason error) error {
	if reason == nil || errors.Is(reason, sctp.ErrClosed) {
		return nil
	}
	return reason
}

// writeMsg writes one received message to w verbatim (a line sent
// without a final newline arrives without one).
func writeMsg(w io.Writer, r *sctp.Received) error {
	_, err := w.Write(r.Msg)
	return err
}
