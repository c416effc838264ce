package sctp

import (
	"fmt"
	"net/netip"
	"time"
)

// The one configuration of an association: assocConfig, its RFC 9260 §16
// defaults, the socket option values it is built from, and the methods
// through which the runtime reads and changes the settings and state of a
// live association. The data path (dataState) and the path set (pathSet)
// hold a pointer to their association's assocConfig and read it live:
// there is no copy to keep in sync. What the handshake negotiated (initial
// TSNs, stream counts, the peer's window, PR-SCTP) is state, kept by
// dataState (negotiated), not configuration.

// Defaults and bounds of the settings.
const (
	assocDefaultRTOInitial = 1 * time.Second // RFC 9260 §16 RTO.Initial
	// RTO.Min: RFC 9260 §16 recommends 1 s (RFC 9260 §16 values are
	// RECOMMENDED, not required); usctp's default is 200 ms, like Linux
	// TCP's and like real-time stacks that make it configurable (WebRTC's
	// dcsctp). On a path of a few ms RTT, 1 s floors every T3-rtx at
	// hundreds of round trips: the lossy-path benchmark (bench/README.md,
	// issue 11) measures the difference. RTO.Min 1 s, the RFC value, is one
	// option away: SCTP_RTOINFO / Config.RTO{Min: rfc9260RTOMin}.
	assocDefaultRTOMin         = 200 * time.Millisecond
	rfc9260RTOMin              = 1 * time.Second        // RFC 9260 §16 RTO.Min
	assocDefaultRTOMax         = 60 * time.Second       // RFC 9260 §16 RTO.Max
	assocDefaultMaxInitRetrans = 8                      // RFC 9260 §16 Max.Init.Retransmits
	assocDefaultMaxRetrans     = 10                     // RFC 9260 §16 Association.Max.Retrans
	assocDefaultPathMaxRetrans = 5                      // RFC 9260 §16 Path.Max.Retrans
	assocDefaultCookieLifetime = 60 * time.Second       // RFC 9260 §16 Valid.Cookie.Life
	assocDefaultHBInterval     = 30 * time.Second       // RFC 9260 §16 HB.interval
	assocDefaultSackDelay      = 200 * time.Millisecond // RFC 9260 §16 SACK.Delay
	maxSackDelay               = 500 * time.Millisecond // RFC 9260 §6.2: SACK.Delay MUST NOT exceed 500 ms

	// assocDefaultPFThreshold is the RFC 7829 PF threshold (PFMR) new
	// associations get. RFC 9260 alone moves DATA off a dead primary only
	// once Path.Max.Retrans (5) T3-rtx expiries have passed, each RTO
	// doubled: 1+2+4+8+16+32 s ≈ a minute from RTO.Initial, and at least
	// 0.2·63 ≈ 13 s from usctp's RTO.Min. With PFMR 0 the first T3-rtx
	// expiry (one RTO: 0.2–1 s) makes the primary potentially failed and
	// DATA, retransmissions included, flows to the alternate at once
	// (RFC 7829 §5.1); the primary is probed by a HEARTBEAT per RTO and
	// takes the traffic back as soon as one is answered (no permanent
	// switchover, RFC 7829 §6 left off). Linux and FreeBSD default to
	// the same quick failover. The cost: one spurious T3-rtx on a
	// healthy primary moves data for a round trip (the heartbeat answer
	// moves it back). Path.Max.Retrans and Association.Max.Retrans stay
	// RFC 9260's, so an association fails no sooner than RFC 9260 says.
	// Measured (TestSimFailoverTimes, virtual time, 20 ms RTT): first
	// DATA on the alternate 0.22 s after the primary failed, 256 KiB
	// flowing there after 0.74 s; RFC 9260 alone (PF off) 14 s.
	assocDefaultPFThreshold = 0

	// Implementation choices (RFC 9260 leaves them to the user: RFC 6458
	// §8.1.3 SCTP_INITMSG, §8.1.6 SO_RCVBUF, §8.1.7 SO_SNDBUF).
	assocDefaultStreams    = 16          // OS asked for, MIS accepted (RFC 9260 §5.1.1)
	assocDefaultRwnd       = 1024 * 1024 // >= assocDefaultMaxMessage: no partial delivery for ordinary messages
	assocDefaultSndBuf     = 1024 * 1024
	assocDefaultMaxMessage = 256 * 1024
	minRwnd                = 1500 // RFC 9260 §3.3.2: a_rwnd at least 1500

	// Packet size. The SCTP packet rides in UDP (RFC 6951 §5); the IP
	// header counted is IPv6's (40), the larger, plus UDP's (8).
	encapOverhead      = 40 + 8
	defaultLinkMTU     = 1500
	assocDefaultMTU    = defaultLinkMTU - encapOverhead           // max SCTP packet bytes
	minMTU             = 508                                      // smallest SCTP packet size accepted
	maxMTU             = 65535 - encapOverhead                    // with the IPv6 and UDP headers it fits 65,535 bytes
	dataPacketOverhead = commonHeaderLenData + dataChunkHeaderLen // common header (§3.1) + DATA chunk header (§3.3.1)
)

// rtoBounds are the RTO parameters of RFC 9260 §6.3.1 (RTO.Initial,
// RTO.Min, RTO.Max; defaults in §16): part of assocConfig.
type rtoBounds struct {
	initial, min, max time.Duration
	// maxBackoff, when set, bounds the exponential backoff of the
	// retransmission timers (backedOff) below RTO.Max. Zero: RTO.Max
	// alone, as RFC 9260 §6.3.3 E2 and §6.3.1 C7 have it.
	maxBackoff time.Duration
}

// backedOff is RFC 9260 §6.3.3 E2 for a timer of duration d that expired:
// d doubled, at most RTO.Max (C7, the bound E2 allows). maxBackoff, an
// option beyond RFC 9260 (C7 wants any bound at least RTO.Max), bounds
// the doubling lower, as WebRTC bounds dcsctp's
// (max_timer_backoff_duration, 3 s in WebRTC's data channels): with the
// default RTO.Max of 60 s, a path that loses a retransmission or its SACK
// eight times in a row waits 0.4 + 0.8 + … + 51.2 s, about 100 s, before
// the ninth try (a simnet seed at 20 % loss each way; bench/README.md,
// 2026-12-07). The backoff still never lowers d: a computed RTO above
// maxBackoff stays as it is.
func (b *rtoBounds) backedOff(d time.Duration) time.Duration {
	n := 2 * d
	if n > b.max || n <= 0 {
		n = b.max
	}
	if b.maxBackoff > 0 && n > b.maxBackoff {
		n = max(b.maxBackoff, d)
	}
	return n
}

// clamp applies RFC 9260 §6.3.1 C6, C7: an RTO is never below RTO.Min nor
// above RTO.Max.
func (b *rtoBounds) clamp(d time.Duration) time.Duration {
	if d < b.min {
		d = b.min
	}
	if d > b.max {
		d = b.max
	}
	return d
}

// assocConfig holds the settings of an association: the only settings
// struct it has. listen and connect take it with zero fields standing for
// the defaults (withDefaults); the association keeps it defaulted, and its
// data path and path set read it through a pointer.
type assocConfig struct {
	outStreams     uint16 // OS we ask for
	maxInStreams   uint16 // MIS we accept
	rwnd           uint32 // a_rwnd we advertise (>= 1500): our receive buffer
	sndBuf         int    // send buffer bytes (queued and in flight)
	maxMessage     int    // largest user message
	mtu            int    // max SCTP packet bytes (path MTU - IP - UDP)
	rto            rtoBounds
	maxInitRetrans int // Max.Init.Retransmits
	maxRetrans     int // Association.Max.Retrans
	pathMaxRetrans int // Path.Max.Retrans
	// pfThreshold is RFC 7829's PFMR (SCTP_PEER_ADDR_THLDS
	// spt_pathpfthld): a destination whose error counter exceeds it is
	// potentially failed and DATA moves to an alternate. Default 0 (the
	// zero value): PF at the first T3-rtx expiry or unanswered HEARTBEAT
	// (assocDefaultPFThreshold). At or above pathMaxRetrans PF is off.
	pfThreshold    int
	cookieLifetime time.Duration
	hbInterval     time.Duration // HB.interval
	// hbDisabled turns periodic HEARTBEATs to confirmed idle paths off
	// (RFC 9260 §8.3 "MAY ... disable"); probing unconfirmed paths (§5.4)
	// still happens.
	hbDisabled bool
	sackDelay  time.Duration // SACK.Delay (RFC 9260 §6.2)
	// prSCTP advertises and accepts PR-SCTP (RFC 3758). When false a
	// peer's Forward-TSN-Supported parameter is reported unrecognized.
	prSCTP bool
	// adaptation, when adaptationSet, is sent as an Adaptation Layer
	// Indication (RFC 5061 §4.2.5).
	adaptation    uint32
	adaptationSet bool
	// reconfig announces and accepts RE-CONFIG (RFC 6525); streamReset
	// holds the SCTP_ENABLE_STREAM_RESET flags: which requests of the
	// peer are performed (RFC 6525 §6.3.2; default none, all denied).
	reconfig    bool
	streamReset uint32
	// pmtud runs RFC 8899 PLPMTUD on every path (association_pmtud.go):
	// packets start at BASE_PLPMTU and grow as probes confirm larger
	// sizes, up to pmtuCeiling (IP bytes; 0: 1500). Off, mtu is fixed.
	pmtud         bool
	pmtuCeiling   int
	pmtuMaxPacket int // SCTP_MAXSEG's limit on PLPMTUD's packet size (0: none)
	// auth announces and accepts RFC 4895 AUTH and, with it, RFC 5061
	// ASCONF (which requires AUTH, RFC 5061 §4.2.7); authChunks are the
	// chunk types the user requires authenticated beyond ASCONF and
	// ASCONF-ACK (SCTP_AUTH_CHUNK); authKeys the endpoint-pair shared keys
	// (SCTP_AUTH_KEY, association_auth.go).
	auth       bool
	authChunks chunkSet
	authKeys   authKeyring
	// pdPoint is SCTP_PARTIAL_DELIVERY_POINT (RFC 6458 §8.1.21): the
	// size of the parts a message handed out in pieces is delivered in;
	// 0 = joinLimit.
	pdPoint int
	// laddrs are the socket's specific bound local addresses (Bind,
	// Bindx; empty: the wildcard): sources of the paths, listed in INIT /
	// INIT ACK when two or more (association_laddrs.go).
	laddrs []netip.Addr
	// sched is the stream scheduler (RFC 8260 §3, association_sched.go).
	sched StreamScheduler
	// idata announces and accepts I-DATA (RFC 8260 §2.2; with prSCTP
	// also I-FORWARD TSN, §2.3): RFC 6458 SCTP_FRAGMENT_INTERLEAVE 2 plus
	// SCTP_INTERLEAVING_SUPPORTED (RFC 8260 §4.3.1).
	idata bool
}

// withDefaults fills unset (zero) fields with the defaults above and
// brings the others within their bounds.
func (c assocConfig) withDefaults() assocConfig {
	if c.outStreams == 0 {
		c.outStreams = assocDefaultStreams
	}
	if c.maxInStreams == 0 {
		c.maxInStreams = assocDefaultStreams
	}
	if c.rwnd < minRwnd {
		if c.rwnd == 0 {
			c.rwnd = assocDefaultRwnd
		} else {
			c.rwnd = minRwnd
		}
	}
	setDefault(&c.sndBuf, assocDefaultSndBuf)
	setDefault(&c.maxMessage, assocDefaultMaxMessage)
	setDefault(&c.mtu, assocDefaultMTU)
	c.mtu = min(max(c.mtu, minMTU), maxMTU)
	setDefault(&c.rto.initial, assocDefaultRTOInitial)
	setDefault(&c.rto.min, assocDefaultRTOMin)
	setDefault(&c.rto.max, assocDefaultRTOMax)
	if c.rto.max < c.rto.min {
		c.rto.max = c.rto.min
	}
	setDefault(&c.maxInitRetrans, assocDefaultMaxInitRetrans)
	setDefault(&c.maxRetrans, assocDefaultMaxRetrans)
	setDefault(&c.pathMaxRetrans, assocDefaultPathMaxRetrans)
	if c.pfThreshold < 0 {
		c.pfThreshold = assocDefaultPFThreshold
	}
	setDefault(&c.cookieLifetime, assocDefaultCookieLifetime)
	setDefault(&c.hbInterval, assocDefaultHBInterval)
	setDefault(&c.sackDelay, assocDefaultSackDelay)
	c.sackDelay = min(c.sackDelay, maxSackDelay)
	return c
}

// setDefault sets *p to d when *p is zero or negative (an unset option).
func setDefault[T int | time.Duration](p *T, d T) {
	if *p <= 0 {
		*p = d
	}
}

// fragmentationPoint is the largest DATA payload in one packet: the SCTP
// packet size less the common header and the DATA chunk header (RFC 9260
// §3.1, §3.3.1), rounded down to a multiple of 4 so that a full fragment
// needs no padding. The data path cuts messages at exactly this size.
func (c assocConfig) fragmentationPoint() int { return (c.mtu - dataPacketOverhead) &^ 3 }

// pathMTU is the IP path MTU the SCTP packet size corresponds to.
func (c assocConfig) pathMTU() int { return c.mtu + encapOverhead }

// Building a config from the socket options (RFC 6458 §8) for new
// associations. Every setter takes the option's value as the user set it:
// zero leaves the default.

// setInitParams applies SCTP_INITMSG (RFC 6458 §8.1.3): the outbound
// streams asked for, the inbound streams accepted, Max.Init.Retransmits.
func (c *assocConfig) setInitParams(outStreams, maxInStreams uint16, maxInitRetrans int) {
	c.outStreams, c.maxInStreams, c.maxInitRetrans = outStreams, maxInStreams, maxInitRetrans
}

// setRTOParams applies SCTP_RTOINFO (RFC 6458 §8.1.1).
func (c *assocConfig) setRTOParams(b rtoBounds) { c.rto = b }

// setAssocParams applies SCTP_ASSOCINFO (RFC 6458 §8.1.2):
// Association.Max.Retrans and Valid.Cookie.Life.
func (c *assocConfig) setAssocParams(maxRetrans int, cookieLifetime time.Duration) {
	c.maxRetrans, c.cookieLifetime = maxRetrans, cookieLifetime
}

// setPathDefaults applies SCTP_PEER_ADDR_PARAMS (RFC 6458 §8.1.12):
// HB.interval, Path.Max.Retrans, SACK.Delay and heartbeats off.
func (c *assocConfig) setPathDefaults(hbInterval time.Duration, pathMaxRetrans int, sackDelay time.Duration, hbDisabled bool) {
	c.hbInterval, c.pathMaxRetrans, c.sackDelay, c.hbDisabled = hbInterval, pathMaxRetrans, sackDelay, hbDisabled
}

// setBuffers applies SO_SNDBUF and SO_RCVBUF (RFC 6458 §8.1.7, §8.1.6):
// the send buffer and the a_rwnd advertised (RFC 9260 §6.2).
func (c *assocConfig) setBuffers(sndBuf, rcvBuf int) {
	c.sndBuf = sndBuf
	c.rwnd = 0
	if rcvBuf > 0 {
		c.rwnd = uint32(min(rcvBuf, 1<<31-1))
	}
}

// setMaxMessage sets the largest user message.
func (c *assocConfig) setMaxMessage(n int) { c.maxMessage = n }

// setPacketSize sets the SCTP packet size from the link MTU (0: 1500), the
// SCTP_MAXSEG limit on DATA payload per packet (RFC 6458 §8.1.16; 0: none)
// and a fixed path MTU (SCTP_PEER_ADDR_PARAMS spp_pathmtu; 0: none). This
// is the one place the packet size is derived.
func (c *assocConfig) setPacketSize(linkMTU, maxseg, pathMTU int) {
	if linkMTU == 0 {
		linkMTU = defaultLinkMTU
	}
	c.mtu = linkMTU - encapOverhead
	c.pmtuMaxPacket = 0
	if maxseg > 0 {
		c.mtu = min(c.mtu, maxseg+dataPacketOverhead)
		c.pmtuMaxPacket = maxseg + dataPacketOverhead // PLPMTUD sizes stay within SCTP_MAXSEG too
	}
	if pathMTU > 0 {
		c.mtu = min(c.mtu, pathMTU-encapOverhead)
	}
}

// setPMTUD turns RFC 8899 PLPMTUD on or off and sets its ceiling, the
// largest path MTU probed (IP bytes; 0: 1500). SCTP_PEER_ADDR_PARAMS
// SPP_PMTUD_DISABLE with spp_pathmtu (RFC 6458 §8.1.12) is a fixed MTU:
// setPacketSize.
func (c *assocConfig) setPMTUD(on bool, ceiling int) { c.pmtud, c.pmtuCeiling = on, ceiling }

// setPRSCTP turns PR-SCTP (RFC 3758) support on or off.
func (c *assocConfig) setPRSCTP(on bool) { c.prSCTP = on }

// setIData enables I-DATA (and I-FORWARD TSN) for new associations (RFC
// 8260 §2.2: used only when both sides announce it).
func (c *assocConfig) setIData(on bool) { c.idata = on }

// setReconfig turns RFC 6525 support on or off and sets the
// SCTP_ENABLE_STREAM_RESET flags.
func (c *assocConfig) setReconfig(on bool, flags uint32) {
	c.reconfig, c.streamReset = on, flags&sctpEnableStreamResetAllFlags
}

// setAdaptation sets the Adaptation Layer Indication (RFC 5061 §4.2.5)
// sent in INIT / INIT ACK; set false sends none.
func (c *assocConfig) setAdaptation(ind uint32, set bool) {
	c.adaptation, c.adaptationSet = ind, set
}

// Reading a config: what an association set up with it uses.

// initParams returns the outbound streams asked for, the inbound streams
// accepted and Max.Init.Retransmits.
func (c assocConfig) initParams() (outStreams, maxInStreams uint16, maxInitRetrans int) {
	return c.outStreams, c.maxInStreams, c.maxInitRetrans
}

// rtoParams returns RTO.Initial, RTO.Min, RTO.Max and the backoff bound.
func (c assocConfig) rtoParams() rtoBounds { return c.rto }

// assocParams returns Association.Max.Retrans and Valid.Cookie.Life.
func (c assocConfig) assocParams() (maxRetrans int, cookieLifetime time.Duration) {
	return c.maxRetrans, c.cookieLifetime
}

// pathParams is the per-association path settings SCTP_PEER_ADDR_PARAMS
// reports (RFC 6458 §8.1.12): the engine keeps them per association, for
// every path.
type pathParams struct {
	hbInterval     time.Duration
	pathMaxRetrans int
	sackDelay      time.Duration
	hbDisabled     bool
	pathMTU        int // IP path MTU of the SCTP packet size
	pmtud          bool
}

// pathParams returns the path settings.
func (c assocConfig) pathParams() pathParams {
	return pathParams{hbInterval: c.hbInterval, pathMaxRetrans: c.pathMaxRetrans, sackDelay: c.sackDelay,
		hbDisabled: c.hbDisabled, pathMTU: c.pathMTU(), pmtud: c.pmtud}
}

// receiveWindow returns the a_rwnd advertised (RFC 9260 §6.2).
func (c assocConfig) receiveWindow() uint32 { return c.rwnd }

// sendBuffer returns the send buffer size.
func (c assocConfig) sendBuffer() int { return c.sndBuf }

// The methods below are the engine's side of the seam between the runtime
// and a live association (runtime_seam.go calls them on the
// association's loop goroutine): they read or change settings and state
// and return plain values.

// ports returns the association's local and peer SCTP ports.
func (a *association) ports() (local, peer uint16) { return a.localPort, a.peerPort }

// setRTOBounds changes RTO.Initial, RTO.Min, RTO.Max and the backoff
// bound; the current RTOs of the data path and of every path are clamped
// to the new bounds (RFC 9260 §6.3.1 C6, C7).
func (a *association) setRTOBounds(b rtoBounds) {
	a.cfg.rto = b
	if a.data != nil {
		a.data.clampRTOs()
	}
	if ps := a.paths; ps != nil {
		for i := range ps.len() {
			ps.setRTO(i, ps.path(i).rto)
		}
	}
}

// rtoParams returns the association's RTO.Initial, RTO.Min, RTO.Max and
// backoff bound.
func (a *association) rtoParams() rtoBounds { return a.cfg.rtoParams() }

// setMaxRetrans changes Association.Max.Retrans (RFC 9260 §8.1), used by
// both the T3-rtx and the heartbeat error counting.
func (a *association) setMaxRetrans(n int) { a.cfg.maxRetrans = n }

// maxRetrans returns Association.Max.Retrans.
func (a *association) maxRetrans() int { return a.cfg.maxRetrans }

// setHeartbeatInterval changes HB.interval; it takes effect from each
// path's next heartbeat (RFC 9260 §8.3).
func (a *association) setHeartbeatInterval(d time.Duration) { a.cfg.hbInterval = d }

// setPathMaxRetrans changes Path.Max.Retrans of every path (RFC 9260 §8.2).
func (a *association) setPathMaxRetrans(n int) { a.cfg.pathMaxRetrans = n }

// setSackDelay changes SACK.Delay, at most 500 ms (RFC 9260 §6.2).
func (a *association) setSackDelay(d time.Duration) { a.cfg.sackDelay = min(d, maxSackDelay) }

// setHeartbeatsEnabled turns periodic HEARTBEATs to confirmed idle paths
// on or off (RFC 9260 §8.3).
func (a *association) setHeartbeatsEnabled(on bool) { a.cfg.hbDisabled = !on }

// pathParams returns the association's path settings.
func (a *association) pathParams() pathParams { return a.cfg.pathParams() }

// fragmentationPoint is the largest DATA payload in one packet of the
// association; maxseg (SCTP_MAXSEG set since the association began), if
// set, lowers it.
func (a *association) fragmentationPoint(maxseg int) int {
	fp := a.cfg.fragmentationPoint()
	if a.idata {
		fp -= idataChunkHeaderLen - dataChunkHeaderLen // RFC 8260 §2.1: 4 more header bytes
	}
	if maxseg > 0 && maxseg < fp {
		fp = maxseg
	}
	return fp
}

// packetSize returns the SCTP packet size (the association's MTU).
func (a *association) packetSize() int { return a.cfg.mtu }

// joinLimit bounds a message joined from partial-delivery pieces: the
// larger of the maximum message size and the receive window (a message up
// to the window can arrive whole anyway).
func (a *association) joinLimit() int { return max(a.cfg.maxMessage, int(a.cfg.rwnd)) }

// partialDeliveryPoint is the size at which a message handed out in
// pieces is passed to the reader in parts (RFC 6458 §8.1.21): the
// SCTP_PARTIAL_DELIVERY_POINT set, at most joinLimit.
func (a *association) partialDeliveryPoint() int {
	l := a.joinLimit()
	if p := a.cfg.pdPoint; p > 0 && p < l {
		return p
	}
	return l
}

// setPartialDeliveryPoint sets SCTP_PARTIAL_DELIVERY_POINT (0: joinLimit).
func (a *association) setPartialDeliveryPoint(n int) { a.cfg.pdPoint = n }

// sendLimits is what the runtime's fast send path checks a message
// against without asking the association.
type sendLimits struct {
	established bool   // ESTABLISHED with a data path: sends are accepted
	outStreams  uint16 // negotiated outbound streams
	maxMessage  int
	sndBuf      int
	queued      int  // bytes queued and not yet acknowledged, overhead included
	prsctp      bool // PR-SCTP negotiated: RFC 7496 policies are accepted
	// backlog: messages wait unsent behind DATA in flight, so a SACK or
	// a timer will run the association again; a message added meanwhile
	// could not leave before them anyway.
	backlog bool
}

// sendLimits returns the association's current send limits.
func (a *association) sendLimits() sendLimits {
	if a.state != stateEstablished || a.data == nil {
		return sendLimits{}
	}
	return sendLimits{established: true, outStreams: a.data.outStreams, maxMessage: a.cfg.maxMessage,
		sndBuf: a.cfg.sndBuf, queued: a.data.snd.queued, prsctp: a.data.forwardTSN,
		backlog: a.data.snd.flight > 0 && a.data.snd.pending.len() > 0}
}

// outstanding returns the DATA chunks sent and not cumulatively
// acknowledged and the messages queued and not yet cut into chunks
// (SCTP_STATUS sstat_unackdata, sstat_penddata).
func (a *association) outstanding() (unacked, pending int) {
	if a.data == nil {
		return 0, 0
	}
	return a.data.snd.chunks.len(), a.data.snd.pending.len()
}

// pathInfo is one path of the association, as SCTP_GET_PEER_ADDR_INFO
// reports it (RFC 6458 §8.2.2).
type pathInfo struct {
	addr      netip.AddrPort // peer IP + the association's peer SCTP port
	udpPort   uint16         // the path's remote UDP encapsulation port (RFC 6951 §5.4)
	confirmed bool
	active    bool
	pf        bool // potentially failed (RFC 7829 §5.1)
	srtt, rto time.Duration
	cwnd      uint32
	mtu       int // SCTP packet size
	pmtud     pmtudInfo
}

// pmtudInfo is a path's PLPMTUD state and probe counts (RFC 8899).
type pmtudInfo struct {
	state                     plpmtudState
	probes, acked, blackHoles uint64
}

// pathInfos appends every path of the association to out, the primary first.
func (a *association) pathInfos(out []pathInfo) []pathInfo {
	ps := a.paths
	if ps == nil {
		return out
	}
	st := a.stats()
	add := func(i int) {
		p := ps.path(i)
		info := pathInfo{
			addr: netip.AddrPortFrom(p.addr.Addr(), a.peerPort), udpPort: p.addr.Port(),
			confirmed: p.confirmed, active: p.active, pf: ps.pf(i), srtt: p.srtt, rto: p.rto, cwnd: st.Cwnd, mtu: a.cfg.mtu,
		}
		if a.data != nil {
			// Per destination (RFC 9260 §6.3, §7.2): the data path's
			// estimator and cwnd for this path, once DATA or a HEARTBEAT
			// ACK gave it state.
			if srtt, rto, cwnd, _, ok := a.data.destStats(i); ok {
				info.cwnd = uint32(cwnd)
				if srtt > 0 {
					info.srtt, info.rto = srtt, rto
				}
			}
		}
		if p.pmtud.state != pmtudDisabled {
			// RFC 8899: this path's own PLPMTU (the association's packet
			// size is the smallest of them, RFC 9260 §6.9).
			info.mtu = p.pmtud.plpmtu
			info.pmtud = pmtudInfo{state: p.pmtud.state, probes: p.pmtud.probesSent, acked: p.pmtud.probesAcked, blackHoles: p.pmtud.blackHoles}
		}
		if i == ps.primary && info.srtt == 0 {
			info.srtt = st.SRTT // measured on DATA (the primary carries it)
		}
		out = append(out, info)
	}
	add(ps.primary)
	for i := range ps.len() {
		if i != ps.primary {
			add(i)
		}
	}
	return out
}

// peerAddrs appends the peer's addresses (IP and SCTP port), in the order
// they became paths, to out.
func (a *association) peerAddrs(out []netip.AddrPort) []netip.AddrPort {
	if a.paths == nil {
		return out
	}
	for i := range a.paths.len() {
		out = append(out, netip.AddrPortFrom(a.paths.path(i).addr.Addr(), a.peerPort))
	}
	return out
}

// setPrimaryPath makes the path to ip the primary (RFC 9260 §6.4, user
// request); the path must be confirmed (§5.4). Errors wrap
// ErrInvalidArgument.
func (a *association) setPrimaryPath(ip netip.Addr) error {
	i, found := 0, false
	if a.paths != nil {
		i, found = a.paths.find(ip)
	}
	switch {
	case !found:
		return fmt.Errorf("%w: %v is not a peer address", ErrInvalidArgument, ip)
	case !a.paths.setPrimary(i):
		return fmt.Errorf("%w: %v is not confirmed yet (RFC 9260 §5.4)", ErrInvalidArgument, ip)
	}
	return nil
}

// pathUDPPort returns the remote UDP encapsulation port of the path to ip
// (zero ip: the primary path); ok is false when there is no such path.
func (a *association) pathUDPPort(ip netip.Addr) (port uint16, ok bool) {
	ps := a.paths
	if ps == nil {
		return 0, false
	}
	i := ps.primary
	if ip.IsValid() {
		if i, ok = ps.find(ip); !ok {
			return 0, false
		}
	}
	return ps.path(i).addr.Port(), true
}

// setPathUDPPort sets the remote UDP encapsulation port of the path to ip
// (zero ip: every path), RFC 6951 §5.4 per-destination port.
func (a *association) setPathUDPPort(ip netip.Addr, port uint16) {
	ps := a.paths
	if ps == nil {
		return
	}
	for i := range ps.len() {
		if !ip.IsValid() || ps.path(i).addr.Addr() == ip {
			ps.setUDPPort(i, port)
		}
	}
}
