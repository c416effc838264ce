package sctp

// association is one SCTP association's TCB (RFC 9260 §2.6, §14), sans-IO:
// its state machine (§4), the walk over an inbound packet's chunks with the
// verification tag rules (§8.5) and unknown-chunk action bits (§3.2),
// routing to the handshake, data, path and shutdown parts
// (association_*.go, streams.go, retransmit.go), bundling of outbound
// packets (§6.10) and its timers. The sans-IO endpoint (endpoint.go) owns
// it: the runtime calls the endpoint's handleDatagram and handleTimeout
// with the current time, arms one timer at its deadline, and drains
// appendDatagram (one SCTP packet per call, CRC finalized) and pollEvent.
// Addresses handed out are unmapped (IPv4, not ::ffff:a.b.c.d).

import (
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/usctp/sctp/chunk"
)

// protoState is the engine's association state (RFC 9260 §4); the API
// reports it as an AssocState (assocStateOf).
type protoState uint8

// Association states (RFC 9260 §4).
const (
	stateClosed protoState = iota
	stateCookieWait
	stateCookieEchoed
	stateEstablished
	stateShutdownPending
	stateShutdownSent
	stateShutdownReceived
	stateShutdownAckSent
)

func (s protoState) String() string {
	switch s {
	case stateClosed:
		return "CLOSED"
	case stateCookieWait:
		return "COOKIE-WAIT"
	case stateCookieEchoed:
		return "COOKIE-ECHOED"
	case stateEstablished:
		return "ESTABLISHED"
	case stateShutdownPending:
		return "SHUTDOWN-PENDING"
	case stateShutdownSent:
		return "SHUTDOWN-SENT"
	case stateShutdownReceived:
		return "SHUTDOWN-RECEIVED"
	case stateShutdownAckSent:
		return "SHUTDOWN-ACK-SENT"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Bounds on what one association queues (hostile input never grows
// memory without bound).
const (
	maxPeerAddrs            = 16 // peer address parameters kept per association
	maxPendingControl       = 64 // queued special packets per association
	maxUnrecognizedReported = 512
	sackPiggybackRoom       = 16 + 8*4 // SACK header and up to 8 gap blocks
)

// outPacket is a queued packet whose header differs from the normal
// bundle to the primary path (INIT with tag 0, T-bit replies, packets to
// another path, replies to a datagram's source).
type outPacket struct {
	to               netip.AddrPort
	src              netip.Addr // our source address (invalid: the OS chooses)
	srcPort, dstPort uint16
	vtag             uint32
	chunks           []byte
}

// timer is one retransmission timer: a deadline and a retransmit count.
type timer struct {
	at    time.Time
	count int
	rto   time.Duration
}

func (t *timer) stop()                                { t.at = time.Time{}; t.count = 0 }
func (t *timer) running() bool                        { return !t.at.IsZero() }
func (t *timer) expired(now time.Time) bool           { return t.running() && !now.Before(t.at) }
func (t *timer) start(now time.Time, d time.Duration) { t.at = now.Add(d); t.rto = d }

// association is one SCTP association (the TCB of RFC 9260 §14), sans-IO:
// every method takes now, nothing reads the clock, and output is pulled
// with appendPacket.
type association struct {
	ep  *endpoint
	cfg assocConfig // the one config (association_config.go); data and paths point into it
	log *leveledLog // the endpoint's, scope sctp-engine (logging.go)

	logSnap logSnapshot // what logData last reported

	tr assocTrack // activity tracking by the endpoint

	aid                 AssocID
	state               protoState
	localPort, peerPort uint16
	localTag, peerTag   uint32
	localInitialTSN     uint32
	peerInitialTSN      uint32
	peerRwnd            uint32
	outStreams          uint16 // negotiated
	inStreams           uint16
	peerPRSCTP          bool // both sides support FORWARD TSN
	peerReconfig        bool // the peer announced RE-CONFIG (RFC 6525)
	idata               bool // I-DATA negotiated: both sides announced it (RFC 8260 §2.2)
	peerAdaptation      uint32
	hasPeerAdaptation   bool

	paths *pathSet // peer addresses, heartbeats (association_paths.go)

	// RFC 4895 AUTH and RFC 5061 ASCONF (association_auth.go,
	// association_asconf.go): auth is nil unless both sides offered AUTH.
	auth         *authState
	authLocalVec []byte // our key vector, between INIT and INIT ACK
	peerAsconf   bool   // the peer does ASCONF (and AUTH)
	asc          asconfState

	local localAddrs // our side of the paths (association_laddrs.go)

	data *dataState

	// handshake
	initChunk       []byte // our INIT chunk, for T1-init retransmission and §5.2.1
	cookieEcho      []byte // COOKIE ECHO (+ bundled ERROR), for T1-cookie
	t1              timer
	stalePreserve   time.Duration // Cookie Preservative to add on the next INIT
	staleRetries    int           // Stale Cookie errors received (§5.2.6)
	t2              timer         // T2-shutdown (SHUTDOWN or SHUTDOWN ACK)
	t5              time.Time
	wasBusy         bool // data was outstanding (for SenderDry)
	pendingSack     bool // a SACK must go out with the next bundle
	pendingShutdown bool // SHUTDOWN to bundle (DATA in SHUTDOWN-SENT)

	ctrl    []byte      // control chunks for the next bundle to the primary path
	pending []outPacket // special packets, sent before the bundle

	pmtu pmtuCarry // packet size before an ICMP Packet Too Big (association_paths.go)

	closeErr error
	counters AssocStats
	scratch  []byte
	dataC    chunk.Data
	sackC    chunk.Sack
	fwdC     chunk.ForwardTSN
	idataC   chunk.IData       // RFC 8260 (association_idata.go)
	ifwdC    chunk.IForwardTSN // RFC 8260 §2.3
}

func newAssociation(ep *endpoint, cfg assocConfig, localPort, peerPort uint16) *association {
	a := &association{
		ep:        ep,
		cfg:       cfg,
		log:       ep.log,
		localPort: localPort,
		peerPort:  peerPort,
	}
	a.tr.hidx = -1
	ep.nextID++
	a.aid = ep.nextID
	return a
}

// id returns the association's identifier.
func (a *association) id() AssocID { return a.aid }

// currentState returns the association's RFC 9260 §4 state.
func (a *association) currentState() protoState { return a.state }

// err returns why the association closed (nil while open or after a
// graceful shutdown).
func (a *association) err() error { return a.closeErr }

// dest returns where packets go: the current data path (RFC 9260 §6.4)
// with its remote UDP encapsulation port.
func (a *association) dest() netip.AddrPort { return a.paths.path(a.paths.current()).addr }

// pathIdx finds the path of peer IP addr (the UDP port is not part of a
// path's identity: RFC 6951 §5.4 keeps one port per address).
func (a *association) pathIdx(addr netip.Addr) (int, bool) { return a.paths.find(addr) }

// addPath adds a peer address with the given UDP port unless present or
// unusable; it reports whether the address is (now) a path.
func (a *association) addPath(now time.Time, addr netip.Addr, udpPort uint16, confirmed bool) bool {
	addr = addr.Unmap()
	if _, ok := a.pathIdx(addr); ok {
		return true
	}
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsMulticast() {
		return false
	}
	_, ok := a.paths.add(now, netip.AddrPortFrom(addr, udpPort), confirmed)
	return ok
}

func (a *association) emit(ev Event) { a.ep.emit(ev) }

// rto returns the current retransmission timeout of the primary path.
func (a *association) rto() time.Duration {
	if a.data != nil {
		if r := a.data.stats().rto; r > 0 {
			return r
		}
	}
	return a.cfg.rto.initial
}

// backoff is the duration of a control chunk's timer after it expired
// (RFC 9260 §6.3.3 E2; rtoBounds.backedOff).
func (a *association) backoff(d time.Duration) time.Duration { return a.cfg.rto.backedOff(d) }

// retransmitOnExpiry is the expiry of T1 or T2 (RFC 9260 §6.3.3 E2, E3
// for the control chunk the timer guards): past limit expiries in a row it
// reports false and the caller ends the association; otherwise it counts a
// retransmission in *retransmits, resends and restarts t with its RTO
// doubled, keeping the count (t stops if it guards nothing in this state).
func (a *association) retransmitOnExpiry(now time.Time, t *timer, limit int, retransmits *uint64) bool {
	count := t.count + 1
	if count > limit {
		return false
	}
	*retransmits++
	d := a.backoff(t.rto)
	if !a.resend(t) {
		t.stop()
		return true
	}
	t.start(now, d)
	t.count = count
	return true
}

// resend queues again the chunk timer t guards in the current state:
// T1-init the INIT, T1-cookie the COOKIE ECHO (RFC 9260 §5.1 C),
// T2-shutdown the SHUTDOWN or the SHUTDOWN ACK (§9.2). It reports false
// when t guards nothing in this state.
func (a *association) resend(t *timer) bool {
	switch {
	case t == &a.t1 && a.state == stateCookieWait:
		a.sendInitChunk()
	case t == &a.t1 && a.state == stateCookieEchoed:
		a.sendCookieEcho()
	case t == &a.t2 && a.state == stateShutdownSent:
		a.pendingShutdown = false
		a.queueShutdown()
	case t == &a.t2 && a.state == stateShutdownAckSent:
		a.queueShutdownAck()
	default:
		return false
	}
	return true
}

// queueSpecial queues a packet with its own header; bounded so hostile
// input cannot grow it.
func (a *association) queueSpecial(to netip.AddrPort, vtag uint32, chunks []byte) {
	if len(a.pending) >= maxPendingControl {
		return
	}
	a.pending = append(a.pending, outPacket{to: to, srcPort: a.localPort, dstPort: a.peerPort, vtag: vtag, chunks: chunks})
}

// queueCtrl appends control chunks to the next bundle to the primary.
func (a *association) queueCtrl(c chunk.Chunk) {
	if len(a.ctrl) > 4*a.cfg.mtu {
		return
	}
	a.ctrl = c.AppendTo(a.ctrl)
}

// send queues a user message (RFC 9260 §10.1 SEND).
func (a *association) send(now time.Time, m outMessage) error {
	a.ep.poke(a) // user operation: may queue output, move the deadline
	switch a.state {
	case stateEstablished:
	case stateClosed:
		if a.closeErr != nil {
			return joinErr(ErrClosed, a.closeErr)
		}
		return ErrClosed
	case stateCookieWait, stateCookieEchoed:
		return ErrNotEstablished
	default:
		return ErrShuttingDown
	}
	if err := a.data.enqueue(now, m); err != nil {
		return err
	}
	a.wasBusy = true
	return nil
}

// readMessage returns the next deliverable user message, or a piece of
// one under partial delivery (inMessage.partial; the runtime joins the
// pieces). When the data path aborts a partial delivery (the sender
// abandoned the message, RFC 3758) the aborted marker is returned so the
// runtime drops the pieces it holds, and a PartialDelivery event is
// emitted (RFC 6458 §6.1.7 SCTP_PARTIAL_DELIVERY_ABORTED).
func (a *association) readMessage() (inMessage, bool) {
	a.ep.poke(a) // reading may reopen the receive window (a SACK to send)
	if a.data == nil {
		return inMessage{}, false
	}
	m, ok := a.data.readMessage()
	if ok && m.aborted {
		a.emit(PartialDelivery{ID: a.aid, Stream: m.stream, Seq: uint32(m.ssn)})
	}
	return m, ok
}

// abort aborts the association (RFC 9260 §9.1) with a User-Initiated
// Abort cause (12) carrying reason.
func (a *association) abort(now time.Time, reason string) {
	a.ep.poke(a) // user operation: may queue output, move the deadline
	switch a.state {
	case stateClosed:
		return
	case stateCookieWait:
		// No peer tag yet: nothing can be sent (RFC 9260 §9.1 allows
		// deleting the TCB).
		a.close(now, CantStartAssoc, ErrAborted, nil)
		return
	}
	// The reason is cut to fit the packet (a cause cannot exceed 65,535
	// bytes either).
	if len(reason) > a.cfg.mtu-64-8 {
		reason = reason[:a.cfg.mtu-64-8]
	}
	causes := chunk.AppendCause(nil, chunk.CauseUserInitiatedAbort, []byte(reason))
	ab := chunk.Abort{Causes: causes}
	a.logAbort("sent", causes)
	a.queueSpecial(a.dest(), a.peerTag, ab.AppendTo(nil))
	a.close(now, CommLost, ErrAborted, nil)
}

// close moves to CLOSED and emits the association change event. The
// endpoint reaps CLOSED associations (after sending their queued packets).
func (a *association) close(now time.Time, kind AssocChangeState, err error, causes []byte) {
	if a.state == stateClosed {
		return
	}
	a.log.Debugf("assoc %d: %v -> CLOSED (%v, %v)", a.aid, a.state, kind, err)
	if h := stateHook.Load(); h != nil {
		(*h)(a, a.state, stateClosed)
	}
	if a.data != nil && a.data.rc.tsnDefer {
		// RFC 6525 §5.1.4: our SSN/TSN reset ends unanswered; the data
		// parked for it was acknowledged, so the reader gets it, in the
		// numbering it shows (§5.2.4: the peer performs only once we
		// have acknowledged all of its data, so what is parked is old
		// unless a "Performed" response was lost).
		a.data.releaseTSNFragsAtClose()
	}
	a.state = stateClosed
	a.closeErr = err
	a.t1.stop()
	a.t2.stop()
	a.t5 = time.Time{}
	a.ctrl = a.ctrl[:0]
	a.pendingSack = false
	a.pendingShutdown = false
	var c []byte
	if len(causes) > 0 {
		c = append([]byte(nil), causes...)
	}
	a.emit(AssocChange{ID: a.aid, State: kind, OutStreams: a.outStreams, InStreams: a.inStreams, Err: err, Causes: c})
	// RFC 6458 §6.1.11: what was never delivered comes back in SEND_FAILED
	// events right after the association change (the Linux order:
	// COMM_LOST, then SEND_FAILED as the TCB is freed; usrsctp reports
	// them first). The runtime retires the handle after both.
	failErr := err
	if failErr == nil {
		failErr = ErrClosed
	}
	a.failOutbound(failErr)
	if a.data != nil {
		a.data.endPartialOnClose()
	}
	a.ep.markClosed(a)
}

func (a *association) setState(s protoState) {
	if a.state != s {
		a.log.Debugf("assoc %d: %v -> %v", a.aid, a.state, s)
		if h := stateHook.Load(); h != nil {
			(*h)(a, a.state, s)
		}
	}
	a.state = s
}

// stateHook, when set (tests only: FuzzEndpointScript checks every
// transition against RFC 9260 §4), sees every state transition of every
// endpoint; nil in use.
var stateHook atomic.Pointer[func(a *association, from, to protoState)]

// stats returns a snapshot of the association's counters.
func (a *association) stats() AssocStats {
	s := a.counters
	s.State = assocStateOf(a.state)
	s.OutStreams = a.outStreams
	s.InStreams = a.inStreams
	s.IData = a.idata
	s.PeerAddresses = a.paths.len()
	if a.data != nil {
		fillDataStats(&s, a.data.stats())
	}
	return s
}

// deadline returns the earliest timer of the association; zero if none.
func (a *association) deadline() time.Time {
	var d time.Time
	min := func(t time.Time) {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	if a.state == stateClosed {
		return d
	}
	min(a.t1.at)
	min(a.t2.at)
	min(a.t5)
	min(a.reconfDeadline())
	min(a.asconfDeadline())
	if a.data != nil {
		min(a.data.deadline())
	}
	if a.hbEnabled() {
		min(a.paths.deadline())
		min(a.pmtudDeadline())
	}
	return d
}

// handleTimeout runs every expired timer.
func (a *association) handleTimeout(now time.Time) {
	if a.state == stateClosed {
		return
	}
	if a.t1.expired(now) {
		a.t1Expired(now)
	}
	if a.state == stateClosed {
		return
	}
	if a.t2.expired(now) {
		a.t2Expired(now)
	}
	if a.state == stateClosed {
		return
	}
	if !a.t5.IsZero() && !now.Before(a.t5) {
		a.t5Expired(now)
		return
	}
	if a.data != nil && !a.data.deadline().IsZero() && !now.Before(a.data.deadline()) {
		if a.data.handleTimeout(now) {
			// RFC 9260 §8.1: Association.Max.Retrans exceeded.
			a.fail(now)
			return
		}
		if a.strikeT3(now) {
			a.reportPathChanges()
		}
		a.logData("timer")
		a.afterData(now)
	}
	if a.reconfTimer(now) {
		return
	}
	if a.asconfTimer(now) {
		return
	}
	if a.hbEnabled() {
		a.heartbeatTimers(now)
		a.pmtudTimers(now)
	}
}

// fail closes the association after the peer became unreachable (RFC
// 9260 §8.1), with an ABORT to the peer as a courtesy.
func (a *association) fail(now time.Time) {
	if a.state == stateClosed {
		return
	}
	if a.peerTag != 0 {
		ab := chunk.Abort{}
		a.logAbort("sent (peer unreachable: Association.Max.Retrans exceeded)", nil)
		a.queueSpecial(a.dest(), a.peerTag, ab.AppendTo(nil))
	}
	a.close(now, CommLost, ErrAssociationFailed, nil)
}

// dataAllowed reports whether DATA may be sent in the current state.
func (a *association) dataAllowed() bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownReceived:
		return a.data != nil
	}
	return false
}

// appendPacket appends the next packet to send (common header, chunks,
// CRC32c) to b. Queued special packets go first; then one bundle to the
// primary path: control chunks, a SACK if due, then DATA up to the MTU.
func (a *association) appendPacket(now time.Time, b []byte) ([]byte, netip.AddrPort, bool) {
	if len(a.pending) > 0 {
		p := a.pending[0]
		copy(a.pending, a.pending[1:])
		a.pending[len(a.pending)-1] = outPacket{}
		a.pending = a.pending[:len(a.pending)-1]
		start := len(b)
		b = appendCommonHeader(b, commonHeader{SrcPort: p.srcPort, DstPort: p.dstPort, VerificationTag: p.vtag})
		b = append(b, p.chunks...)
		finalizePacket(b[start:])
		a.counters.PacketsOut++
		a.counters.ChunksOut += uint64(countChunks(p.chunks))
		return b, p.to, true
	}
	if a.state == stateClosed || a.peerTag == 0 {
		return b, netip.AddrPort{}, false
	}
	a.reconfPoll(now) // a reset waiting for its streams' messages to be cut
	cur, rtxOnly := a.packetPath(now)
	start := len(b)
	b = appendCommonHeader(b, commonHeader{SrcPort: a.localPort, DstPort: a.peerPort, VerificationTag: a.peerTag})
	hdrEnd := len(b)
	limit := start + a.packetLimit()
	authOff := -1
	if a.auth != nil && !a.auth.peerReq.empty() {
		// RFC 4895 §6.2: chunks the peer wants authenticated follow an
		// AUTH chunk; room for it is taken now and given back below when
		// no such chunk made it into the bundle.
		b, authOff = a.auth.appendAuth(b, a.cfg.authKeys.active)
		hdrEnd = len(b)
	}
	if len(a.ctrl) > 0 {
		n := a.ctrlFit(limit - len(b))
		b = append(b, a.ctrl[:n]...)
		a.ctrl = a.ctrl[:copy(a.ctrl, a.ctrl[n:])]
		if len(a.ctrl) == 0 {
			a.pendingShutdown = false
		}
	}
	if a.data != nil && (a.pendingSack || a.data.sackDue(now)) && limit-len(b) >= 16 {
		if a.state != stateCookieEchoed && a.state != stateCookieWait {
			b = a.data.appendSackRoom(b, limit-len(b))
			a.pendingSack = false
			a.counters.SacksOut++
		}
	}
	if rtxOnly && a.dataAllowed() && len(a.ctrl) == 0 {
		b = a.data.appendRetransmissionsTo(now, cur, b, limit-len(b))
	} else if a.dataAllowed() && len(a.ctrl) == 0 && cur == a.paths.current() {
		// A delayed SACK that is pending but not yet due rides along
		// with outgoing DATA (RFC 9260 §6.2 piggybacking); §6.10 wants it
		// ahead of the DATA, so the DATA is moved behind it.
		piggy := a.data.sackDue(now.Add(a.cfg.sackDelay))
		reserve := 0
		if piggy {
			reserve = sackPiggybackRoom
		}
		if room := limit - len(b) - reserve; room > 16 {
			n := len(b)
			b = a.data.appendData(now, b, room)
			if len(b) > n {
				a.paths.noteDataSent(cur, now)
				if piggy {
					a.scratch = append(a.scratch[:0], b[n:]...)
					b = a.data.appendSackRoom(b[:n], limit-n-len(a.scratch))
					b = append(b, a.scratch...)
					a.counters.SacksOut++
				}
			}
		}
	}
	if len(b) == hdrEnd {
		return b[:start], netip.AddrPort{}, false
	}
	if authOff >= 0 {
		b = a.finishBundleAuth(b, authOff, hdrEnd)
	}
	finalizePacket(b[start:])
	a.counters.PacketsOut++
	a.counters.ChunksOut += uint64(countChunks(b[start+commonHeaderLen:]))
	return b, a.paths.path(cur).addr, true
}

// countChunks counts the chunks of a well-formed chunk sequence we built.
func countChunks(b []byte) int {
	n := 0
	for off := 0; off+4 <= len(b); n++ {
		l := int(b[off+2])<<8 | int(b[off+3])
		if l < 4 {
			break
		}
		off += (l + 3) &^ 3
	}
	return n
}

// ctrlFit returns how many leading bytes of a.ctrl (whole chunks) fit in
// room; at least the first chunk, which a bundle then carries alone.
func (a *association) ctrlFit(room int) int {
	n := 0
	for n < len(a.ctrl) {
		l := int(a.ctrl[n+2])<<8 | int(a.ctrl[n+3])
		l = (l + 3) &^ 3
		if n+l > len(a.ctrl) {
			panic("BUG: malformed queued control chunk")
		}
		if n > 0 && n+l > room {
			break
		}
		n += l
	}
	return n
}

// handlePacket processes one received packet whose common header has been
// parsed and whose peer address belongs to this association.
func (a *association) handlePacket(now time.Time, from netip.AddrPort, h commonHeader, chunks []byte) {
	if a.state == stateClosed {
		return
	}
	it := chunk.NewIter(chunks)
	if !it.Next() {
		a.counters.DroppedBadChunk++
		return
	}
	first := it.Chunk()
	addr := from.Addr().Unmap()
	switch first.Type {
	case chunk.TypeInit:
		// RFC 9260 §8.5.1 A: the vtag of a packet with INIT is 0 and the
		// INIT is alone in it.
		if h.VerificationTag != 0 {
			a.counters.DroppedBadVtag++
			return
		}
		a.counters.PacketsIn++
		a.counters.ChunksIn++
		a.handleInit(now, from, first)
		return
	case chunk.TypeCookieEcho:
		// RFC 9260 §8.5.1 D: the tag is checked against the cookie's.
		a.counters.PacketsIn++
		if !a.handleCookieEchoExisting(now, from, h, first) {
			return
		}
		a.learnPort(addr, from.Port())
		a.handleChunks(now, from, h, &it)
		return
	case chunk.TypeAbort, chunk.TypeShutdownComplete:
		// §8.5.1 B, C: checked per chunk below.
	case chunk.TypeShutdownAck:
		if a.state == stateCookieWait || a.state == stateCookieEchoed {
			// §8.5.1 E: treat as out of the blue (§8.4 rule 5).
			a.ep.ootbShutdownComplete(from, h)
			return
		}
		fallthrough
	default:
		// §8.5: every other packet carries our tag.
		if h.VerificationTag != a.localTag {
			a.counters.DroppedBadVtag++
			return
		}
	}
	a.counters.PacketsIn++
	if h.VerificationTag == a.localTag {
		// RFC 6951 §5.4: learn the UDP port only from tag-verified
		// packets that do not carry INIT.
		a.learnPort(addr, from.Port())
	}
	a.processChunk(now, from, h, first, &it)
}

// handleUnlisted handles a packet carrying our tag from a source address
// the peer never listed. An INIT ACK in COOKIE-WAIT may come from any of
// the peer's addresses (RFC 9260 §5.1): the source joins the paths. Any
// other such packet is dropped silently: answering it as out of the blue
// would reflect our tag with the T bit and abort the association.
func (a *association) handleUnlisted(now time.Time, from netip.AddrPort, h commonHeader, chunks []byte) {
	it := chunk.NewIter(chunks)
	if a.state != stateCookieWait || !it.Next() || it.Chunk().Type != chunk.TypeInitAck {
		a.counters.DroppedWrongState++
		return
	}
	addr := from.Addr()
	if !a.addPath(now, addr, from.Port(), true) {
		a.counters.DroppedWrongState++
		return
	}
	a.ep.register(a, addr)
	a.handlePacket(now, from, h, chunks)
}

// learnPort records the UDP source port of a verified packet as the
// path's remote encapsulation port (RFC 6951 §5.4).
func (a *association) learnPort(addr netip.Addr, port uint16) {
	if i, ok := a.pathIdx(addr); ok && port != 0 {
		a.paths.setUDPPort(i, port)
	}
}

// handleChunks processes the remaining chunks of it.
func (a *association) handleChunks(now time.Time, from netip.AddrPort, h commonHeader, it *chunk.Iter) {
	if it.Next() {
		a.processChunk(now, from, h, it.Chunk(), it)
		return
	}
	a.endOfPacket(now, false)
}

// processChunk processes c and then the rest of it.
func (a *association) processChunk(now time.Time, from netip.AddrPort, h commonHeader, c chunk.Raw, it *chunk.Iter) {
	sawData := false
	authed := false // a valid AUTH came before this chunk (RFC 4895 §6.3)
	for {
		a.counters.ChunksIn++
		stop := false
		if a.auth != nil && !authed && a.auth.localReq.has(c.Type) {
			// RFC 4895 §6.3: a chunk we asked to be authenticated and
			// that is not after a valid AUTH is silently discarded.
			a.counters.DroppedUnauthenticated++
			if !it.Next() {
				break
			}
			c = it.Chunk()
			continue
		}
		switch c.Type {
		case chunk.TypeData:
			if !sawData {
				a.paths.noteDataFrom(from.Addr()) // §6.4: its SACK goes there
			}
			sawData = true
			if a.idata {
				// RFC 8260 §2.1: DATA where I-DATA was negotiated.
				a.dataKindViolation(now, "DATA chunk on an association using I-DATA (RFC 8260 §2.1)")
				stop = true
			} else {
				stop = a.handleData(now, c)
			}
		case chunk.TypeIData:
			if a.cfg.idata || a.idata {
				sawData = true
				stop = a.handleIData(now, c)
			} else {
				stop = a.unknownChunk(c) // not announced (RFC 8260 §2.2)
			}
		case chunk.TypeIForwardTSN:
			switch {
			case a.idata && a.peerPRSCTP && a.cfg.prSCTP:
				stop = a.handleIForwardTSN(now, c)
				sawData = true
			case a.cfg.idata && a.cfg.prSCTP:
				// RFC 8260 §2.3: I-FORWARD TSN without I-DATA negotiated.
				a.dataKindViolation(now, "I-FORWARD-TSN chunk on an association not using I-DATA (RFC 8260 §2.3)")
				stop = true
			default:
				stop = a.unknownChunk(c)
			}
		case chunk.TypeSack:
			stop = a.handleSack(now, c)
		case chunk.TypeHeartbeat:
			a.handleHeartbeat(now, from, c)
		case chunk.TypeHeartbeatAck:
			a.handleHeartbeatAck(now, from, c)
		case chunk.TypeAbort:
			a.handleAbort(now, h, c)
			stop = true
		case chunk.TypeShutdown:
			stop = a.handleShutdown(now, c)
		case chunk.TypeShutdownAck:
			a.handleShutdownAck(now, c)
			stop = true
		case chunk.TypeShutdownComplete:
			a.handleShutdownComplete(now, h, c)
			stop = true
		case chunk.TypeError:
			stop = a.handleError(now, c)
		case chunk.TypeCookieAck:
			a.handleCookieAck(now, c)
		case chunk.TypeInitAck:
			// INIT ACK must be alone in its packet; handled and done.
			a.handleInitAck(now, from, c)
			stop = true
		case chunk.TypeInit, chunk.TypeCookieEcho:
			// Bundled after other chunks: not allowed (RFC 9260 §6.10).
			a.counters.DroppedBadChunk++
			stop = true
		case chunk.TypeReconfig:
			if a.cfg.reconfig {
				stop = a.handleReconfig(now, c)
			} else {
				stop = a.unknownChunk(c)
			}
		case chunk.TypeAuth:
			if a.auth != nil {
				authed = a.handleAuth(now, c, it.Rest())
				stop = !authed
			} else {
				stop = a.unknownChunk(c)
			}
		case chunk.TypeAsconf:
			if a.peerAsconf {
				stop = a.handleAsconf(now, from, c)
			} else {
				stop = a.unknownChunk(c)
			}
		case chunk.TypeAsconfAck:
			if a.peerAsconf {
				stop = a.handleAsconfAck(now, c)
			} else {
				stop = a.unknownChunk(c)
			}
		case chunk.TypeForwardTSN:
			if a.idata && a.peerPRSCTP && a.cfg.prSCTP {
				// RFC 8260 §2.3: FORWARD TSN where I-FORWARD TSN is used.
				a.dataKindViolation(now, "FORWARD-TSN chunk on an association using I-DATA (RFC 8260 §2.3)")
				stop = true
			} else if a.peerPRSCTP && a.cfg.prSCTP {
				stop = a.handleForwardTSN(now, c)
				sawData = true
			} else {
				stop = a.unknownChunk(c)
			}
		default:
			stop = a.unknownChunk(c)
		}
		if stop || a.state == stateClosed || !it.Next() {
			break
		}
		c = it.Chunk()
	}
	if it.Err() != nil {
		a.counters.DroppedBadChunk++
	}
	a.endOfPacket(now, sawData)
}

// endOfPacket runs after all chunks of a packet were processed.
func (a *association) endOfPacket(now time.Time, sawData bool) {
	if a.state == stateClosed {
		return
	}
	a.asconfAfterPacket()
	if sawData && a.data != nil {
		a.data.endOfPacket(now)
		if a.state == stateShutdownSent {
			// RFC 9260 §9.2: answer DATA in SHUTDOWN-SENT with SHUTDOWN
			// (plus the SACK) and restart T2-shutdown.
			a.pendingSack = true
			a.queueShutdown()
			a.t2.start(now, a.t2.rto)
		}
	}
	a.afterData(now)
}

// unknownChunk applies the action bits of an unrecognized chunk type (RFC
// 9260 §3.2) and reports whether processing stops.
func (a *association) unknownChunk(c chunk.Raw) bool {
	act := chunk.ActionOf(c.Type)
	if act == chunk.ActionStopReport || act == chunk.ActionSkipReport {
		if a.state != stateCookieWait {
			// Unrecognized Chunk Type (cause 6) carries the whole chunk.
			raw := chunk.Unknown{Raw: c}
			whole := raw.AppendTo(a.scratch[:0])
			a.scratch = whole[:0]
			if len(whole) <= a.cfg.mtu-64 {
				e := chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseUnrecognizedChunk, whole)}
				a.queueCtrl(&e)
			}
		}
	}
	if act == chunk.ActionStop || act == chunk.ActionStopReport {
		a.counters.DroppedUnknownChunk++
		return true
	}
	return false
}

// handleData processes one DATA chunk (RFC 9260 §6.2).
func (a *association) handleData(now time.Time, c chunk.Raw) bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownSent:
	default:
		// SHUTDOWN-RECEIVED and later: the peer sends no new data.
		a.counters.DroppedWrongState++
		return false
	}
	if err := a.dataC.Decode(c); err != nil {
		if len(c.Value) <= 12 {
			// RFC 9260 §6.2: a DATA chunk with no user data → ABORT
			// with cause "No User Data" (9) carrying the TSN.
			a.abortNoUserData(now, c)
			return true
		}
		a.counters.DroppedBadChunk++
		return true
	}
	a.counters.DataChunksIn++
	return a.afterDataChunk(now, c, a.data.handleData(now, &a.dataC), a.dataC.Stream)
}

// afterDataChunk acts on the data path's verdict on a DATA or I-DATA chunk
// of stream; it reports true when the association was aborted.
func (a *association) afterDataChunk(now time.Time, c chunk.Raw, v dataVerdict, stream uint16) bool {
	switch v {
	case dataInvalidStream:
		// RFC 9260 §6.4: ERROR cause 1 (stream id + reserved); the TSN
		// is acknowledged by the data path.
		var info [4]byte
		info[0] = byte(stream >> 8)
		info[1] = byte(stream)
		e := chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseInvalidStream, info[:])}
		a.queueCtrl(&e)
		a.pendingSack = true
	case dataNoUserData:
		a.abortNoUserData(now, c)
		return true
	}
	return false
}

func (a *association) abortNoUserData(now time.Time, c chunk.Raw) {
	var tsn [4]byte
	if len(c.Value) >= 4 {
		copy(tsn[:], c.Value[:4])
	}
	a.sendAbort(now, chunk.AppendCause(nil, chunk.CauseNoUserData, tsn[:]), ErrAborted)
}

// sendAbort sends ABORT with causes to the peer and closes (COMM_LOST).
func (a *association) sendAbort(now time.Time, causes []byte, err error) {
	ab := chunk.Abort{Causes: causes}
	a.logAbort("sent", causes)
	a.queueSpecial(a.dest(), a.peerTag, ab.AppendTo(nil))
	a.close(now, CommLost, err, nil)
}

// handleSack processes a SACK (RFC 9260 §6.2.1).
func (a *association) handleSack(now time.Time, c chunk.Raw) bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownSent, stateShutdownReceived:
	default:
		a.counters.DroppedWrongState++
		return false
	}
	if err := a.sackC.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return true
	}
	a.counters.SacksIn++
	if err := a.data.handleSack(now, &a.sackC); err != nil {
		if errors.Is(err, errCumAckBeyondSent) {
			// RFC 9260 §6.2.1: cum ack beyond anything sent → ABORT with
			// Protocol Violation (13).
			a.sendAbort(now, chunk.AppendCause(nil, chunk.CauseProtocolViolation, []byte("cumulative TSN ack beyond max TSN sent")), ErrAborted)
			return true
		}
		a.counters.DroppedBadChunk++
		return false
	}
	// §8.1: the association error counter is reset by the data path
	// when the SACK acknowledges new data.
	a.logData("SACK")
	a.ackedPaths(now)
	a.pmtudDataAcked(a.paths.current())
	a.reportPathChanges()
	return false
}

func (a *association) handleForwardTSN(now time.Time, c chunk.Raw) bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownSent:
	default:
		return false
	}
	if err := a.fwdC.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return true
	}
	a.data.handleForwardTSN(now, &a.fwdC)
	return false
}

// failOutbound reports every user message the association will never
// deliver as a SendFailed event with err (RFC 6458 §6.1.11): PR-SCTP
// abandonments not yet reported first, then, from dataState.drainSend,
// the messages in flight (Unsent false: SCTP_DATA_SENT) and the queued
// ones (Unsent true if no fragment was ever sent: SCTP_DATA_UNSENT). Each
// event carries the message bytes without a copy (drainSend hands its
// buffers over). Bounded: at most one event per message the send buffer
// held.
func (a *association) failOutbound(err error) {
	if a.data == nil {
		return
	}
	a.popAbandonedEvents()
	a.data.drainHeld(func(m outMessage, sent bool) {
		a.emit(SendFailed{ID: a.aid, Stream: m.stream, PPID: m.ppid, Context: m.context, Unsent: true, Data: m.data, Err: err})
	})
	a.data.drainSend(func(m outMessage, sent bool) {
		a.emit(SendFailed{ID: a.aid, Stream: m.stream, PPID: m.ppid, Context: m.context, Unsent: !sent, Data: m.data, Err: err})
	})
}

// popAbandonedEvents reports the messages PR-SCTP gave up (RFC 3758).
func (a *association) popAbandonedEvents() {
	for range 1 << 16 {
		m, ok := a.data.popAbandoned()
		if !ok {
			break
		}
		a.emit(SendFailed{ID: a.aid, Stream: m.stream, PPID: m.ppid, Context: m.context, Data: m.data, Unsent: m.unsent, Err: ErrMessageAbandoned})
	}
}

// afterData runs the state transitions that depend on the data path
// becoming idle (RFC 9260 §9.2) and the SenderDry notification.
func (a *association) afterData(now time.Time) {
	if a.data == nil {
		return
	}
	a.popAbandonedEvents()
	a.reconfAfterData(now)
	idle := a.data.idle()
	if idle && a.wasBusy && a.state == stateEstablished {
		a.wasBusy = false
		a.emit(SenderDry{ID: a.aid})
	}
	if !idle {
		return
	}
	switch a.state {
	case stateShutdownPending:
		a.startShutdown(now)
	case stateShutdownReceived:
		a.sendShutdownAck(now)
	}
}

// handleError processes an ERROR chunk (RFC 9260 §3.3.10): Stale Cookie
// in COOKIE-ECHOED restarts the handshake (§5.2.6); other causes are
// reported to the user.
func (a *association) handleError(now time.Time, c chunk.Raw) bool {
	var e chunk.Error
	if err := e.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return true
	}
	it := chunk.NewCauseIter(e.Causes)
	for it.Next() {
		cause := it.Cause()
		if cause.Code == chunk.CauseStaleCookie && a.state == stateCookieEchoed {
			a.handleStaleCookie(now, cause.Info)
			return true
		}
		a.emit(RemoteError{ID: a.aid, Code: cause.Code, Info: append([]byte(nil), cause.Info...)})
	}
	return false
}

// handleAbort processes ABORT (RFC 9260 §9.1) after the §8.5.1 B check.
func (a *association) handleAbort(now time.Time, h commonHeader, c chunk.Raw) {
	var ab chunk.Abort
	if err := ab.Decode(c); !a.tBitOK(h, err, ab.T) {
		return
	}
	kind := CommLost
	if a.state == stateCookieWait || a.state == stateCookieEchoed {
		kind = CantStartAssoc
	}
	a.logAbort("received", ab.Causes)
	a.close(now, kind, ErrAborted, ab.Causes)
}

// tBitOK checks an ABORT or SHUTDOWN COMPLETE whose Decode returned err
// and whose T bit is t, and counts it when it is dropped: it must decode,
// and its packet's tag must pass RFC 9260 §8.5.1 B/C: T=0 carries our tag,
// T=1 the peer's (which must be known).
func (a *association) tBitOK(h commonHeader, err error, t bool) bool {
	if err != nil {
		a.counters.DroppedBadChunk++
		return false
	}
	ok := h.VerificationTag == a.localTag
	if t {
		ok = a.peerTag != 0 && h.VerificationTag == a.peerTag
	}
	if !ok {
		a.counters.DroppedBadVtag++
	}
	return ok
}
