package sctp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/pion/logging"
	"github.com/usctp/sctp/chunk"
	"github.com/usctp/sctp/udpencap"
)

// This file is the logging of every layer: one pion/logging scope per
// layer, levels looked up once, and the helpers that format what a person
// debugging a link needs. A call site is one line, a call of a helper
// whose body is only the level check (it inlines) around the slow part,
//
//	a.logAbort("sent", causes) // if a.log.debug { a.logAbortSlow(...) }
//
// so a disabled level costs one predictable branch: no call, no
// formatting, no boxing of arguments, no allocation (TestLogOffNoAlloc,
// BenchmarkConnLogLevels).
//
// Levels: debug is what changes the fate of a link — association state,
// retransmissions (T3-rtx, fast), RTO changes, cwnd reductions, path
// state, ICMP errors, dropped datagrams and why (checksum, malformed,
// out of the blue, cookies), ABORTs sent and received with their causes.
// trace adds one line per SCTP packet in and out (a chunk summary) and
// cwnd growth.

// Log scopes, one per layer (PION_LOG_DEBUG=sctp-engine,sctp-runtime or
// PION_LOG_TRACE=all).
const (
	logScopeEngine  = "sctp-engine"  // the sans-IO endpoint and associations
	logScopeRuntime = "sctp-runtime" // the UDP socket and the loop: packets in and out, ICMP
	logScopeAPI     = "sctp-api"     // stacks and sockets: bind, listen, connect
)

// leveledLog is a logger of one scope with its debug and trace levels
// looked up when it was created (pion/logging has no level getter: a
// probe line tells, see newLeveledLog). Call sites test debug or trace
// before calling Debugf or Tracef.
type leveledLog struct {
	logging.LeveledLogger
	debug, trace bool
}

// levelProbe is formatted only by a logger whose level is enabled: its
// String records that, and is the line such a logger prints.
type levelProbe struct {
	on   *bool
	text string
}

func (p levelProbe) String() string {
	*p.on = true
	return p.text
}

// newLeveledLog returns the logger of scope from f (nil: pion/logging's
// default factory, configured by PION_LOG_* environment variables). Its
// levels are fixed from then on: a logger whose level changes later is
// not followed.
func newLeveledLog(f logging.LoggerFactory, scope string) *leveledLog {
	if f == nil {
		f = logging.NewDefaultLoggerFactory()
	}
	l := &leveledLog{LeveledLogger: f.NewLogger(scope)}
	l.Tracef("%v", levelProbe{&l.trace, "trace logging on: every packet in and out (levels are read when the Stack starts)"})
	if !l.trace {
		l.Debugf("%v", levelProbe{&l.debug, "debug logging on (levels are read when the Stack starts)"})
	}
	l.debug = l.debug || l.trace
	return l
}

// discardLog is a logger with every level off (tests, zero values).
var discardLog = &leveledLog{LeveledLogger: logging.NewDefaultLeveledLoggerForScope("", logging.LogLevelDisabled, nil)}

// ---- engine ----

// logSnapshot is what the association last logged of its data path, so
// logData reports changes only.
type logSnapshot struct {
	valid          bool
	t3, fast       uint64
	rto            time.Duration
	cwnd, ssthresh int
}

// logData logs (debug) what changed in the data path since the last call;
// see logDataSlow. It inlines to the level check.
func (a *association) logData(why string) {
	if a.log.debug {
		a.logDataSlow(why)
	}
}

// logDataSlow logs what changed in the data path since the last call:
// T3-rtx expiries (RFC 9260 §6.3.3), fast retransmits (§7.2.4), the RTO
// (§6.3.1) and cwnd/ssthresh (§7.2; growth at trace only). why is what
// ran ("SACK", "timer").
//
//go:noinline
func (a *association) logDataSlow(why string) {
	if a.data == nil {
		return
	}
	st := a.data.stats()
	p := &a.logSnap
	if !p.valid {
		// First call: the counters start at 0, RTO and cwnd at their
		// values now (their initial values, RFC 9260 §6.3.1 C1, §7.2.1,
		// unless a first event already moved them).
		*p = logSnapshot{valid: true, rto: st.rto, cwnd: st.cwnd, ssthresh: st.ssthresh}
	}
	switch {
	case st.t3Expiries != p.t3:
		a.log.Debugf("assoc %d: T3-rtx expired (%d so far, error count %d of %d): outstanding DATA marked for retransmission, RTO %v→%v, cwnd %d→%d, ssthresh %d→%d (RFC 9260 §6.3.3, §7.2.3)",
			a.aid, st.t3Expiries, st.errorCount, a.cfg.maxRetrans, p.rto, st.rto, p.cwnd, st.cwnd, p.ssthresh, st.ssthresh)
	case st.fastRetransmits != p.fast:
		a.log.Debugf("assoc %d: fast retransmit of %d chunk(s) after 3 missing reports (cwnd %d→%d, ssthresh %d→%d; RFC 9260 §7.2.4)",
			a.aid, st.fastRetransmits-p.fast, p.cwnd, st.cwnd, p.ssthresh, st.ssthresh)
	case st.cwnd < p.cwnd || st.ssthresh != p.ssthresh:
		a.log.Debugf("assoc %d: cwnd %d→%d, ssthresh %d→%d on %s (RFC 9260 §7.2)", a.aid, p.cwnd, st.cwnd, p.ssthresh, st.ssthresh, why)
	case st.cwnd != p.cwnd && a.log.trace:
		a.log.Tracef("assoc %d: cwnd %d→%d on %s", a.aid, p.cwnd, st.cwnd, why)
	}
	if st.rto != p.rto && st.t3Expiries == p.t3 {
		a.log.Debugf("assoc %d: RTO %v→%v (SRTT %v, RTTVAR %v; RFC 9260 §6.3.1)", a.aid, p.rto, st.rto, st.srtt, st.rttvar)
	}
	*p = logSnapshot{valid: true, t3: st.t3Expiries, fast: st.fastRetransmits, rto: st.rto, cwnd: st.cwnd, ssthresh: st.ssthresh}
}

// logPath logs (debug) a path state change (RFC 9260 §8.2, §8.3).
func (a *association) logPath(addr netip.AddrPort, st PeerAddrState) {
	if a.log.debug {
		a.logPathSlow(addr, st)
	}
}

//go:noinline
func (a *association) logPathSlow(addr netip.AddrPort, st PeerAddrState) {
	a.log.Debugf("assoc %d: path %v is now %v (RFC 9260 §8.2)", a.aid, &Addr{AddrPort: netip.AddrPortFrom(addr.Addr(), a.peerPort), UDPPort: addr.Port()}, st)
}

// logAbort logs (debug) an ABORT sent or received with its causes (RFC
// 9260 §9.1, §3.3.10).
func (a *association) logAbort(dir string, causes []byte) {
	if a.log.debug {
		a.logAbortSlow(dir, causes)
	}
}

//go:noinline
func (a *association) logAbortSlow(dir string, causes []byte) {
	a.log.Debugf("assoc %d: ABORT %s in state %v: %s", a.aid, dir, a.state, causesSummary(causes))
}

// causesSummary describes the error causes of an ABORT or ERROR chunk.
func causesSummary(b []byte) string {
	if len(b) == 0 {
		return "no cause"
	}
	var sb strings.Builder
	it := chunk.NewCauseIter(b)
	for n := 0; it.Next() && n < 4; n++ {
		c := it.Cause()
		if n > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "cause %d (%v)", uint16(c.Code), c.Code)
		if c.Code == chunk.CauseUserInitiatedAbort || c.Code == chunk.CauseProtocolViolation {
			fmt.Fprintf(&sb, " %q", printable(c.Info))
		}
	}
	if it.Err() != nil {
		sb.WriteString(" (malformed causes)")
	}
	return sb.String()
}

// logDrop logs (debug) a datagram the endpoint dropped before any
// association saw it: too short, bad checksum (RFC 9260 §6.8), malformed.
func (e *endpoint) logDrop(from netip.AddrPort, n int, why error) {
	if e.log.debug {
		e.logDropSlow(from, n, why)
	}
}

//go:noinline
func (e *endpoint) logDropSlow(from netip.AddrPort, n int, why error) {
	e.log.Debugf("dropped a %d-byte datagram from %v: %s", n, from, trimPrefix(why.Error()))
}

// logOOTB logs (debug) an out-of-the-blue packet (RFC 9260 §8.4) and
// what the endpoint does with it (what; "" works it out from chunks).
// chunks nil stands for a lone INIT.
func (e *endpoint) logOOTB(from netip.AddrPort, h commonHeader, chunks []byte, what string) {
	if e.log.debug {
		e.logOOTBSlow(from, h, chunks, what)
	}
}

//go:noinline
func (e *endpoint) logOOTBSlow(from netip.AddrPort, h commonHeader, chunks []byte, what string) {
	if what == "" {
		what = e.ootbVerdict(chunks)
	}
	summary := "INIT"
	if chunks != nil {
		summary = chunkSummary(chunks, 4)
	}
	port := "has no listener or association"
	if _, ok := e.listeners[h.DstPort]; ok || e.ports[h.DstPort] != 0 {
		port = "has no association from this peer and port"
	}
	e.log.Debugf("out-of-the-blue packet from %v, SCTP port %d→%d (vtag %#x; %s): SCTP port %d %s; %s (RFC 9260 §8.4)",
		from, h.SrcPort, h.DstPort, h.VerificationTag, summary, h.DstPort, port, what)
}

// ootbVerdict is what handleOOTB does with a packet (for logOOTB; it
// mirrors the rules there).
func (e *endpoint) ootbVerdict(chunks []byte) string {
	it := chunk.NewIter(chunks)
	shutdownAck := false
	for it.Next() {
		c := it.Chunk()
		switch c.Type {
		case chunk.TypeAbort, chunk.TypeShutdownComplete, chunk.TypeCookieAck:
			return "discarded (rules 2, 6, 7)"
		case chunk.TypeShutdownAck:
			shutdownAck = true
		}
	}
	switch {
	case it.Err() != nil:
		return "discarded (malformed)"
	case shutdownAck:
		return "answered with SHUTDOWN COMPLETE (rule 5)"
	case e.cfg.noOOTBAbort:
		return "discarded (OOTB ABORTs are off)"
	}
	return "answered with ABORT unless it is a stale-cookie ERROR (rules 7, 8)"
}

// logCookie logs (debug) a COOKIE ECHO that does not set up an
// association (RFC 9260 §5.1.5).
func (e *endpoint) logCookie(from netip.AddrPort, h commonHeader, why string) {
	if e.log.debug {
		e.logCookieSlow(from, h, why)
	}
}

// logStaleCookie logs (debug) a stale State Cookie (RFC 9260 §5.1.5 step 3).
func (e *endpoint) logStaleCookie(from netip.AddrPort, h commonHeader, by time.Duration) {
	if e.log.debug {
		e.logStaleCookieSlow(from, h, by)
	}
}

//go:noinline
func (e *endpoint) logStaleCookieSlow(from netip.AddrPort, h commonHeader, by time.Duration) {
	e.logCookieSlow(from, h, fmt.Sprintf("stale by %v: answered with ERROR Stale Cookie (the handshake took longer than the cookie lifetime, AssocParams.CookieLife)", by))
}

//go:noinline
func (e *endpoint) logCookieSlow(from netip.AddrPort, h commonHeader, why string) {
	e.log.Debugf("COOKIE ECHO from %v to SCTP port %d rejected: %s (RFC 9260 §5.1.5)", from, h.DstPort, why)
}

// ---- runtime ----

// logPacket logs (trace) one SCTP packet in or out with a summary of its
// chunks.
func (r *runner) logPacket(dir string, peer netip.AddrPort, b []byte) {
	if r.log.trace {
		r.logPacketSlow(dir, peer, b)
	}
}

//go:noinline
func (r *runner) logPacketSlow(dir string, peer netip.AddrPort, b []byte) {
	if len(b) < 12 {
		r.log.Tracef("%s %v: %d bytes, shorter than an SCTP common header", dir, peer, len(b))
		return
	}
	src, dst := binary.BigEndian.Uint16(b[0:]), binary.BigEndian.Uint16(b[2:])
	r.log.Tracef("%s %v: SCTP port %d→%d vtag %#x, %d bytes: %s", dir, peer, src, dst, binary.BigEndian.Uint32(b[4:]), len(b), chunkSummary(b[12:], 16))
}

// logPackets logs (trace) the datagrams of a batch about to be written.
func (r *runner) logPackets(ms []udpencap.Message) {
	if r.log.trace {
		for i := range ms {
			r.logPacketSlow("out", ms[i].Addr, ms[i].Buf)
		}
	}
}

// logICMP logs (debug) an ICMP error received for a datagram the stack
// sent (udpencap.ICMPError: Linux IP_RECVERR / IPV6_RECVERR).
func logICMP(l *leveledLog, e udpencap.ICMPError) {
	if l != nil && l.debug {
		logICMPSlow(l, e)
	}
}

//go:noinline
func logICMPSlow(l *leveledLog, e udpencap.ICMPError) {
	what := fmt.Sprintf("type %d code %d", e.Type, e.Code)
	switch {
	case e.PortUnreachable:
		what = "port unreachable: nothing listens on that UDP port (wrong remote UDP port?)"
	case e.FragNeeded:
		what = fmt.Sprintf("packet too big, next-hop MTU %d", e.MTU)
	}
	from := ""
	if e.From.IsValid() {
		from = " from " + e.From.String()
	}
	l.Debugf("ICMP error%s for a datagram to %v: %s", from, e.To, what)
}

// chunkSummary describes the chunks of a packet, at most max of them:
// "DATA(tsn 5, stream 0, ssn 1, 100 B, BE) SACK(cum 4, a_rwnd 65536, 0 gaps, 0 dups)".
func chunkSummary(b []byte, max int) string {
	var sb strings.Builder
	it := chunk.NewIter(b)
	n := 0
	for it.Next() {
		if n == max {
			sb.WriteString(" …")
			break
		}
		if n > 0 {
			sb.WriteByte(' ')
		}
		n++
		c := it.Chunk()
		sb.WriteString(c.Type.String())
		v := c.Value
		switch c.Type {
		case chunk.TypeData:
			if len(v) >= 12 {
				fl := ""
				if c.Flags&0x04 != 0 {
					fl += "U"
				}
				if c.Flags&0x02 != 0 {
					fl += "B"
				}
				if c.Flags&0x01 != 0 {
					fl += "E"
				}
				fmt.Fprintf(&sb, "(tsn %d, stream %d, ssn %d, ppid %d, %d B, %s)", binary.BigEndian.Uint32(v), binary.BigEndian.Uint16(v[4:]),
					binary.BigEndian.Uint16(v[6:]), binary.BigEndian.Uint32(v[8:]), len(v)-12, fl)
			}
		case chunk.TypeSack:
			if len(v) >= 12 {
				fmt.Fprintf(&sb, "(cum %d, a_rwnd %d, %d gaps, %d dups)", binary.BigEndian.Uint32(v), binary.BigEndian.Uint32(v[4:]),
					binary.BigEndian.Uint16(v[8:]), binary.BigEndian.Uint16(v[10:]))
			}
		case chunk.TypeInit, chunk.TypeInitAck:
			if len(v) >= 16 {
				fmt.Fprintf(&sb, "(tag %#x, a_rwnd %d, os %d, mis %d, tsn %d)", binary.BigEndian.Uint32(v), binary.BigEndian.Uint32(v[4:]),
					binary.BigEndian.Uint16(v[8:]), binary.BigEndian.Uint16(v[10:]), binary.BigEndian.Uint32(v[12:]))
			}
		case chunk.TypeAbort, chunk.TypeError:
			fmt.Fprintf(&sb, "(%s)", causesSummary(v))
		case chunk.TypeShutdown, chunk.TypeForwardTSN:
			if len(v) >= 4 {
				fmt.Fprintf(&sb, "(cum %d)", binary.BigEndian.Uint32(v))
			}
		}
	}
	if it.Err() != nil {
		sb.WriteString(" (malformed)")
	}
	if n == 0 && it.Err() == nil {
		return "no chunks"
	}
	return sb.String()
}
