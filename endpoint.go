package sctp

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/pion/logging"
	"github.com/usctp/sctp/chunk"
)

// endpointConfig configures an endpoint.
type endpointConfig struct {
	// rand is the source of verification tags, initial TSNs and cookie
	// secrets; nil means crypto/rand. Tests inject a seeded source.
	rand io.Reader
	// loggerFactory is optional; nil means pion/logging's default.
	loggerFactory logging.LoggerFactory
	// maxReplies bounds the queue of stateless replies (INIT ACK, OOTB
	// ABORT, ...); extra replies are dropped. Default 256.
	maxReplies int
	// cookieRotation is how often the cookie secret rotates; the previous
	// secret stays valid for one more period. Default 1 hour, as usrsctp:
	// a COOKIE ECHO may be retransmitted for Max.Init.Retransmits × RTO.Max
	// (8 minutes with the defaults) and must still open so that §5.2.4
	// case D can answer it when the COOKIE ACK was lost; staleness is
	// judged by the cookie's own lifetime, not by the key.
	cookieRotation time.Duration
	// noOOTBAbort suppresses the ABORT of RFC 9260 §8.4 rule 8 (like
	// usrsctp's blackhole sysctl); SHUTDOWN COMPLETE (rule 5) still goes.
	noOOTBAbort bool
	// shard, shards: this endpoint is shard `shard` of `shards` sharing
	// one UDP port (runtime_shard.go). Its verification tags and
	// ephemeral SCTP ports are ≡ shard (mod shards), so the kernel's
	// socket steering (by tag) and the group's connect (by port) find it.
	// shards ≤ 1: not sharded.
	shard, shards uint32
}

// assocKey finds an association from a packet: our SCTP port, the peer's
// SCTP port and one of the peer's addresses.
type assocKey struct {
	localPort, peerPort uint16
	addr                netip.Addr
}

// endpoint is the sans-IO endpoint of one UDP socket: it owns the
// associations, demultiplexes datagrams to them, answers INITs of
// listening ports statelessly (RFC 9260 §5.1.3) and out-of-the-blue
// packets (§8.4), and hands out datagrams to send.
type endpoint struct {
	cfg    endpointConfig
	log    *leveledLog // scope sctp-engine (logging.go)
	rand   io.Reader
	sealer *cookieSealer

	nextRotate time.Time
	listeners  map[uint16]assocConfig
	assocs     map[assocKey]*association
	byID       map[AssocID]*association
	byTag      map[uint32]*association // by our verification tag
	ports      map[uint16]int          // associations per local SCTP port (dropOOTB)
	list       []*association
	last       *association // association of the last datagram (for appendSackDue)
	// Activity tracking (endpoint_active.go): per-pass work is
	// O(active associations).
	touched []*association
	active  []*association
	arr     int // round robin over active
	dlDirty []*association
	dlHeap  []*association
	expired []*association
	closed  []*association
	nextID  AssocID

	replies  []outPacket // ring of stateless replies, buffers reused
	repHead  int
	repCount int

	events        []Event
	evHead        int
	info          initInfo // scratch for INIT parameters
	counters      endpointStats
	scratch       []byte
	params        []byte
	sealed        []byte
	auth          endpointAuth // RANDOM source and scratch (association_auth.go)
	rbuf          [4]byte
	reapedBadVtag uint64         // DroppedBadVtag of the associations reaped so far
	acceptRoom    map[uint16]int // per listening port, set by the runtime (endpoint_accept.go)

	// Local multihoming (association_laddrs.go): rxLocal is the local
	// address the datagram being handled was sent to (invalid: unknown),
	// txLocal the source of the datagram appendDatagram or appendSackDue
	// last returned (invalid: the OS chooses), txFrom the association
	// appendActive last took it from.
	rxLocal netip.Addr
	txLocal netip.Addr
	txFrom  *association
}

func newEndpoint(cfg endpointConfig) *endpoint {
	if cfg.rand == nil {
		cfg.rand = rand.Reader
	}
	if cfg.loggerFactory == nil {
		cfg.loggerFactory = logging.NewDefaultLoggerFactory()
	}
	if cfg.maxReplies <= 0 {
		cfg.maxReplies = 256
	}
	if cfg.cookieRotation <= 0 {
		cfg.cookieRotation = time.Hour
	}
	e := &endpoint{
		cfg:       cfg,
		log:       newLeveledLog(cfg.loggerFactory, logScopeEngine),
		rand:      cfg.rand,
		listeners: make(map[uint16]assocConfig),
		assocs:    make(map[assocKey]*association),
		byID:      make(map[AssocID]*association),
		byTag:     make(map[uint32]*association),
		ports:     make(map[uint16]int),
		replies:   make([]outPacket, cfg.maxReplies),
	}
	e.sealer = newCookieSealer(cfg.rand)
	return e
}

// randomUint32 returns 32 random bits from the configured source.
func (e *endpoint) randomUint32() uint32 {
	if _, err := io.ReadFull(e.rand, e.rbuf[:]); err != nil {
		panic("BUG: random source failed: " + err.Error())
	}
	return binary.BigEndian.Uint32(e.rbuf[:])
}

// randomTag returns a non-zero verification tag (RFC 9260 §5.3.1).
func (e *endpoint) randomTag() uint32 {
	for {
		t := e.randomUint32()
		if n := e.cfg.shards; n > 1 {
			if t-t%n > ^uint32(0)-e.cfg.shard {
				continue // the class's member would wrap around
			}
			t = t - t%n + e.cfg.shard // still uniform over the class
		}
		if t != 0 {
			return t
		}
	}
}

// maxQueuedEvents bounds the event queue against a peer that floods
// ERROR chunks while the user does not poll: beyond it, RemoteError
// events are dropped (state changes never are).
const maxQueuedEvents = 4096

func (e *endpoint) emit(ev Event) {
	if _, ok := ev.(RemoteError); ok && len(e.events)-e.evHead >= maxQueuedEvents {
		e.counters.EventsDropped++
		return
	}
	e.events = append(e.events, ev)
}

// pollEvent returns the next queued event.
func (e *endpoint) pollEvent() (Event, bool) {
	if e.evHead >= len(e.events) {
		e.events = e.events[:0]
		e.evHead = 0
		return nil, false
	}
	ev := e.events[e.evHead]
	e.events[e.evHead] = nil
	e.evHead++
	return ev, true
}

// association returns the open association with the given id, or nil.
func (e *endpoint) association(id AssocID) *association { return e.byID[id] }

// associations returns the number of associations the endpoint holds.
func (e *endpoint) associations() int { return len(e.list) }

// droppedBadVtag counts the packets every association so far discarded for
// a wrong verification tag (RFC 9260 §8.5), reaped ones included.
func (e *endpoint) droppedBadVtag() uint64 {
	n := e.reapedBadVtag
	for _, a := range e.list {
		n += a.counters.DroppedBadVtag
	}
	return n
}

// stats returns the endpoint's counters.
func (e *endpoint) stats() endpointStats { return e.counters }

// listen accepts INITs to the SCTP port port with the given association
// settings.
func (e *endpoint) listen(port uint16, cfg assocConfig) error {
	if port == 0 {
		return fmt.Errorf("%w: listen on SCTP port 0", ErrInvalidArgument)
	}
	if _, ok := e.listeners[port]; ok {
		return fmt.Errorf("%w: SCTP port %d", ErrPortInUse, port)
	}
	e.listeners[port] = cfg.withDefaults()
	return nil
}

// closeAll aborts every association (ABORT with a User-Initiated Abort
// cause carrying reason, RFC 9260 §9.1) and stops listening: the endpoint
// is shutting down. The ABORTs are still handed out by appendDatagram.
func (e *endpoint) closeAll(now time.Time, reason string) {
	clear(e.listeners)
	for _, a := range e.list {
		a.abort(now, reason)
	}
	e.reap()
}

// unlisten stops accepting INITs to port; existing associations stay.
func (e *endpoint) unlisten(port uint16) { delete(e.listeners, port) }

// connect starts an association to remote (peer IP and remote UDP
// encapsulation port) and SCTP port remoteSCTPPort by sending INIT (RFC
// 9260 §5.1 A). localPort 0 picks an ephemeral port.
func (e *endpoint) connect(now time.Time, localPort uint16, remote netip.AddrPort, remoteSCTPPort uint16, cfg assocConfig) (*association, error) {
	return e.connectx(now, localPort, remote, nil, remoteSCTPPort, cfg)
}

// connectx is connect to a peer known by several addresses (RFC 6458
// §9.9): remote first, then more (at remote's UDP port). Every given
// address is a CONFIRMED path from the start (RFC 9260 §5.4: addresses the
// upper layer gave) and the INIT's retransmissions go to each in turn
// (association_laddrs.go initDest).
func (e *endpoint) connectx(now time.Time, localPort uint16, remote netip.AddrPort, more []netip.Addr, remoteSCTPPort uint16, cfg assocConfig) (*association, error) {
	for _, m := range more {
		if m = m.Unmap(); !m.IsValid() || m.IsUnspecified() || m.IsMulticast() {
			return nil, fmt.Errorf("%w: connect to %v SCTP port %d", ErrInvalidArgument, m, remoteSCTPPort)
		}
		if localPort != 0 && e.assocs[assocKey{localPort, remoteSCTPPort, m}] != nil {
			return nil, fmt.Errorf("%w: association %d->%v:%d exists", ErrPortInUse, localPort, m, remoteSCTPPort)
		}
	}
	addr := remote.Addr().Unmap()
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsMulticast() || remote.Port() == 0 || remoteSCTPPort == 0 {
		return nil, fmt.Errorf("%w: connect to %v SCTP port %d", ErrInvalidArgument, remote, remoteSCTPPort)
	}
	if localPort == 0 {
		var ok bool
		if localPort, ok = e.ephemeralPort(addr, remoteSCTPPort); !ok {
			return nil, fmt.Errorf("%w: no free ephemeral SCTP port", ErrPortInUse)
		}
	} else if e.assocs[assocKey{localPort, remoteSCTPPort, addr}] != nil {
		return nil, fmt.Errorf("%w: association %d->%v:%d exists", ErrPortInUse, localPort, addr, remoteSCTPPort)
	}
	e.maybeRotate(now)
	a := newAssociation(e, cfg.withDefaults(), localPort, remoteSCTPPort)
	a.localTag = e.randomTag()
	a.localInitialTSN = e.randomUint32()
	a.paths = newPathSet(&a.cfg, e.rand, netip.AddrPortFrom(addr, remote.Port()))
	for _, m := range more {
		a.addPath(now, m, remote.Port(), true)
	}
	e.add(a)
	a.startInit(now)
	a.t1.start(now, a.cfg.rto.initial)
	return a, nil
}

// ephemeralPort picks a free local SCTP port in 49152–65535.
func (e *endpoint) ephemeralPort(addr netip.Addr, peerPort uint16) (uint16, bool) {
	const lo, n = 49152, 65536 - 49152
	start := int(e.randomUint32() % n)
	for i := 0; i < n; i++ {
		p := uint16(lo + (start+i)%n)
		if k := e.cfg.shards; k > 1 && uint32(p)%k != e.cfg.shard {
			continue // another shard's port (runtime_shard.go)
		}
		if _, ok := e.listeners[p]; ok {
			continue
		}
		if e.assocs[assocKey{p, peerPort, addr}] == nil {
			return p, true
		}
	}
	return 0, false
}

// add registers a new association under all its peer addresses.
func (e *endpoint) add(a *association) {
	e.byID[a.aid] = a
	if _, ok := e.byTag[a.localTag]; !ok {
		e.byTag[a.localTag] = a
	}
	e.list = append(e.list, a)
	e.ports[a.localPort]++
	e.touch(a)
	for i := range a.paths.len() {
		e.register(a, a.paths.path(i).addr.Addr())
	}
	e.counters.AssociationsTotal++
}

// register makes packets from addr (with the association's ports) reach
// a, unless another association already owns that key.
func (e *endpoint) register(a *association, addr netip.Addr) {
	k := assocKey{a.localPort, a.peerPort, addr}
	if _, ok := e.assocs[k]; !ok {
		e.assocs[k] = a
	}
}

// unregister undoes register for addr (RFC 5061 Delete IP Address).
func (e *endpoint) unregister(a *association, addr netip.Addr) {
	k := assocKey{a.localPort, a.peerPort, addr}
	if e.assocs[k] == a {
		delete(e.assocs, k)
	}
}

// retag re-indexes a under its new verification tag (restart, §5.2.4 A).
func (e *endpoint) retag(a *association, tag uint32) {
	if e.byTag[a.localTag] == a {
		delete(e.byTag, a.localTag)
	}
	if _, ok := e.byTag[tag]; !ok {
		e.byTag[tag] = a
	}
}

// markClosed schedules a CLOSED association for removal.
func (e *endpoint) markClosed(a *association) { e.closed = append(e.closed, a) }

// reap removes CLOSED associations, moving their last queued packets
// (ABORT, SHUTDOWN COMPLETE) to the reply queue.
func (e *endpoint) reap() {
	for _, a := range e.closed {
		for _, p := range a.pending {
			e.queueReplyFrom(a.sourceFor(p.to.Addr()), p.to, p.srcPort, p.dstPort, p.vtag, p.chunks)
		}
		a.pending = nil
		for i := range a.paths.len() {
			k := assocKey{a.localPort, a.peerPort, a.paths.path(i).addr.Addr()}
			if e.assocs[k] == a {
				delete(e.assocs, k)
			}
		}
		if e.byID[a.aid] == a {
			delete(e.byID, a.aid)
			if e.ports[a.localPort]--; e.ports[a.localPort] <= 0 {
				delete(e.ports, a.localPort)
			}
		}
		e.forget(a)
		e.reapedBadVtag += a.counters.DroppedBadVtag
		if e.byTag[a.localTag] == a {
			delete(e.byTag, a.localTag)
		}
		for i, x := range e.list {
			if x == a {
				e.list = append(e.list[:i], e.list[i+1:]...)
				break
			}
		}
	}
	clear(e.closed)
	e.closed = e.closed[:0]
}

func (e *endpoint) maybeRotate(now time.Time) {
	if e.nextRotate.IsZero() {
		e.nextRotate = now.Add(e.cfg.cookieRotation)
		return
	}
	if !now.Before(e.nextRotate) {
		e.sealer.rotate(e.rand)
		e.nextRotate = now.Add(e.cfg.cookieRotation)
	}
}

// replyScratch returns a reusable buffer to build a reply in; queueReply
// copies it.
func (e *endpoint) replyScratch() []byte { return e.scratch[:0] }

// queueReply queues a packet that is not part of an association's normal
// output; bounded, reusing buffers. It leaves from the local address the
// datagram being handled was sent to.
func (e *endpoint) queueReply(to netip.AddrPort, srcPort, dstPort uint16, vtag uint32, chunks []byte) {
	e.queueReplyFrom(e.rxLocal, to, srcPort, dstPort, vtag, chunks)
}

// queueReplyFrom is queueReply from local address src (invalid: the OS
// chooses).
func (e *endpoint) queueReplyFrom(src netip.Addr, to netip.AddrPort, srcPort, dstPort uint16, vtag uint32, chunks []byte) {
	if cap(chunks) > cap(e.scratch) {
		e.scratch = chunks[:0]
	}
	if e.repCount == len(e.replies) {
		e.counters.RepliesDropped++
		return
	}
	slot := &e.replies[(e.repHead+e.repCount)%len(e.replies)]
	slot.to, slot.src, slot.srcPort, slot.dstPort, slot.vtag = to, src, srcPort, dstPort, vtag
	slot.chunks = append(slot.chunks[:0], chunks...)
	e.repCount++
}

// handleDatagramAt is handleDatagram for a datagram sent to our local
// address local (invalid: unknown, the socket does not say).
func (e *endpoint) handleDatagramAt(now time.Time, local netip.Addr, from netip.AddrPort, b []byte) {
	e.rxLocal = local.Unmap()
	e.handleDatagram(now, from, b)
	e.rxLocal = netip.Addr{}
}

// lastSource returns the source address of the datagram appendDatagram or
// appendSackDue last returned (invalid: the OS chooses).
func (e *endpoint) lastSource() netip.Addr { return e.txLocal }

// handleDatagram processes one received UDP datagram: from is the peer's
// IP address and UDP source port, b the SCTP packet.
func (e *endpoint) handleDatagram(now time.Time, from netip.AddrPort, b []byte) {
	e.counters.DatagramsIn++
	e.maybeRotate(now)
	h, chunks, err := parsePacket(b)
	switch err {
	case nil:
	case errPacketTooShort:
		e.counters.DroppedShort++
		e.logDrop(from, len(b), err)
		return
	case errBadChecksum:
		e.counters.DroppedBadChecksum++
		e.logDrop(from, len(b), err)
		return
	default:
		e.counters.DroppedMalformed++
		e.logDrop(from, len(b), err)
		return
	}
	if err := validateBundling(h, chunks); err != nil {
		e.counters.DroppedMalformed++
		e.logDrop(from, len(b), err)
		return
	}
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	addr := from.Addr()
	// RFC 9260 §8.4 rule 1: only unicast peers.
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsMulticast() || addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || from.Port() == 0 {
		e.dropOOTB(h.DstPort)
		return
	}
	e.last = nil
	if a := e.assocs[assocKey{h.DstPort, h.SrcPort, addr}]; a != nil {
		e.touch(a)
		a.handlePacket(now, from, h, chunks)
		e.last = a
	} else if a := e.byTag[h.VerificationTag]; a != nil && h.VerificationTag != 0 && a.localPort == h.DstPort && a.peerPort == h.SrcPort {
		// Our tag from an address the peer did not list.
		e.touch(a)
		a.handleUnlisted(now, from, h, chunks)
	} else {
		e.handleNoAssoc(now, from, h, chunks)
	}
	e.reap()
}

// appendDatagram appends the next datagram to send (one whole SCTP
// packet with its CRC32c) to b and returns it with its destination
// (peer IP and remote UDP encapsulation port). ok is false when nothing
// is to be sent.
func (e *endpoint) appendDatagram(now time.Time, b []byte) (pkt []byte, to netip.AddrPort, ok bool) {
	e.reap()
	if e.repCount > 0 {
		p := &e.replies[e.repHead]
		e.repHead = (e.repHead + 1) % len(e.replies)
		e.repCount--
		start := len(b)
		b = appendCommonHeader(b, commonHeader{SrcPort: p.srcPort, DstPort: p.dstPort, VerificationTag: p.vtag})
		b = append(b, p.chunks...)
		finalizePacket(b[start:])
		e.txLocal = p.src
		return b, p.to, true
	}
	e.txFrom = nil
	pkt, to, ok = e.appendActive(now, b)
	e.txLocal = netip.Addr{}
	if ok && e.txFrom != nil {
		e.txLocal = e.txFrom.sourceFor(to.Addr())
	}
	return pkt, to, ok
}

// appendSackDue is appendDatagram restricted to the association that
// handled the last datagram, and only while it owes an immediate SACK.
// A runtime that handles a batch of datagrams before it flushes calls it
// after each datagram, so the receiver still acknowledges at least every
// second DATA packet (RFC 9260 §6.2) instead of once per batch — the
// sender's cwnd grows per SACK in slow start (§7.2.1). It costs O(1) per
// datagram (no scan over all associations).
func (e *endpoint) appendSackDue(now time.Time, b []byte) (pkt []byte, to netip.AddrPort, ok bool) {
	a := e.last
	if a == nil || a.state == stateClosed || a.data == nil || !(a.pendingSack || a.data.sackDue(now)) {
		return b, netip.AddrPort{}, false
	}
	pkt, to, ok = a.appendPacket(now, b)
	if ok {
		e.txLocal = a.sourceFor(to.Addr())
	}
	return pkt, to, ok
}

// handleInitListen answers an INIT without association statelessly (RFC
// 9260 §5.1.3): INIT ACK with a sealed State Cookie, nothing allocated.
func (e *endpoint) handleInitListen(now time.Time, from netip.AddrPort, h commonHeader, raw chunk.Raw) {
	if h.VerificationTag != 0 {
		// §8.5.1 A.
		e.dropOOTB(h.DstPort)
		return
	}
	var c chunk.Init
	verdict := decodeInit(raw, &c, false)
	switch verdict {
	case initMalformed, initTagZero:
		// §3.3.2: Initiate Tag 0 → silently discard.
		e.dropOOTB(h.DstPort)
		return
	}
	cfg, ok := e.listeners[h.DstPort]
	if ok && !cfg.servesLocal(e.rxLocal) {
		// The listener is bound to other local addresses: to this one
		// the port is closed (as bind(2) to an address would have it).
		ok = false
	}
	if !ok {
		// §8.4 rule 3: the INIT cannot be processed: ABORT with the
		// Initiate Tag as vtag, T=0.
		e.dropOOTB(h.DstPort)
		e.logOOTB(from, h, nil, "an INIT to a port without listener: answered with ABORT unless OOTB ABORTs are off (rule 3)")
		if !e.cfg.noOOTBAbort {
			ab := chunk.Abort{}
			e.queueReply(from, h.DstPort, h.SrcPort, c.InitiateTag, ab.AppendTo(e.replyScratch()))
			e.counters.OOTBReplies++
		}
		return
	}
	if verdict == initBadFields {
		e.abortInvalidInit(from, h.DstPort, h.SrcPort, c.InitiateTag)
		return
	}
	in := &e.info
	cfg.parseInitParams(in, c.Params, false)
	for i := 0; i < in.naddrs; i++ {
		// An INIT from a new source that lists an address of an existing
		// association belongs to it (§5.2.2; it then answers cause 11).
		if a := e.assocs[assocKey{h.DstPort, h.SrcPort, in.addrs[i]}]; a != nil {
			e.touch(a)
			a.handleInit(now, from, raw)
			return
		}
	}
	if verdict == initHostName {
		e.abortHostName(from, h.DstPort, h.SrcPort, c.InitiateTag, in.hostName)
		return
	}
	e.sendInitAck(now, from, &c, in, &cfg, initAckSpec{
		localTag:  e.randomTag(),
		localTSN:  e.randomUint32(),
		localPort: h.DstPort,
		peerPort:  h.SrcPort,
	})
}

// initAckSpec is what an INIT ACK says about us.
type initAckSpec struct {
	localTag, localTSN  uint32
	tieLocal, tiePeer   uint32
	localPort, peerPort uint16
}

// sendInitAck builds and queues an INIT ACK answering init, to the
// datagram's source (RFC 9260 §5.1.3, RFC 6951 §5.4).
func (e *endpoint) sendInitAck(now time.Time, from netip.AddrPort, init *chunk.Init, in *initInfo, cfg *assocConfig, spec initAckSpec) {
	ck := stateCookie{
		created:         now,
		lifetime:        cookieLifetime(cfg.cookieLifetime, in.preservative, cfg.cookieLifetime),
		localTag:        spec.localTag,
		peerTag:         init.InitiateTag,
		localInitialTSN: spec.localTSN,
		peerInitialTSN:  init.InitialTSN,
		peerRwnd:        init.ARwnd,
		outStreams:      min(cfg.outStreams, init.InStreams),
		inStreams:       min(cfg.maxInStreams, init.OutStreams),
		localPort:       spec.localPort,
		peerPort:        spec.peerPort,
		peerUDPPort:     from.Port(),
		tieLocalTag:     spec.tieLocal,
		tiePeerTag:      spec.tiePeer,
		adaptation:      in.adaptation,
	}
	if in.forwardTSN {
		ck.peerExt |= extForwardTSN
	}
	if in.reconfig {
		ck.peerExt |= extReconfig
	}
	if in.idata {
		ck.peerExt |= extIData // RFC 8260 §2.2: both listed I-DATA (parseInitParams checks ours)
	}
	if in.hasAdapt {
		ck.peerExt |= extAdaptation
	}
	var authVec []byte
	if cfg.auth {
		// RFC 4895 §6.1: our RANDOM, CHUNKS, HMAC-ALGO; both key vectors
		// ride in the cookie when the peer offered AUTH too.
		authVec = e.localAuthVector(cfg)
		if in.auth.ok() {
			e.auth.peerVec = in.auth.appendVector(e.auth.peerVec[:0])
			if ck.setAuth(authVec, e.auth.peerVec) && in.asconf {
				ck.peerExt |= extAsconf
			}
		}
	}
	// peerAddrs[0] is the INIT's source; then the listed addresses.
	ck.addPeerAddr(from.Addr())
	for i := 0; i < in.naddrs; i++ {
		ck.addPeerAddr(in.addrs[i])
	}
	e.sealed = e.sealer.seal(e.sealed[:0], &ck)
	params := chunk.AppendParam(e.params[:0], chunk.ParamStateCookie, e.sealed)
	params = cfg.appendInitParams(params, 0)
	params = appendAuthInitParams(params, authVec)
	// Parameters reported by action bits 01/11 go back as Unrecognized
	// Parameter parameters (RFC 9260 §3.2.1), as many as fit the packet
	// size (endpoint_cookie.go).
	params = e.appendUnrecognizedReports(params, in.unrecognized, cfg.mtu)
	e.params = params
	ack := chunk.InitAck{
		InitiateTag: spec.localTag,
		ARwnd:       cfg.rwnd,
		OutStreams:  cfg.outStreams,
		InStreams:   cfg.maxInStreams,
		InitialTSN:  spec.localTSN,
		Params:      params,
	}
	e.queueReply(from, spec.localPort, spec.peerPort, init.InitiateTag, ack.AppendTo(e.replyScratch()))
	e.counters.InitAcksSent++
}

// abortInvalidInit answers an INIT with OS 0, MIS 0 or a_rwnd < 1500:
// ABORT with Invalid Mandatory Parameter (7), vtag = its Initiate Tag
// (RFC 9260 §3.3.2).
func (e *endpoint) abortInvalidInit(from netip.AddrPort, localPort, peerPort uint16, initTag uint32) {
	ab := chunk.Abort{Causes: chunk.AppendCause(nil, chunk.CauseInvalidMandatoryParam, nil)}
	e.queueReply(from, localPort, peerPort, initTag, ab.AppendTo(e.replyScratch()))
}

// abortHostName refuses an INIT with a Host Name Address: ABORT with
// Unresolvable Address (5) (RFC 9260 §5.1.2).
func (e *endpoint) abortHostName(from netip.AddrPort, localPort, peerPort uint16, initTag uint32, param []byte) {
	ab := chunk.Abort{Causes: chunk.AppendCause(nil, chunk.CauseUnresolvableAddr, boundedHostName(param))}
	e.queueReply(from, localPort, peerPort, initTag, ab.AppendTo(e.replyScratch()))
}

// handleCookieEchoListen handles a COOKIE ECHO without association (RFC
// 9260 §5.1.5): only a cookie we sealed, fresh, with matching tag and
// ports creates the association; the rest of the packet then goes to it.
func (e *endpoint) handleCookieEchoListen(now time.Time, from netip.AddrPort, h commonHeader, raw chunk.Raw, it *chunk.Iter) {
	var ce chunk.CookieEcho
	if err := ce.Decode(raw); err != nil {
		e.counters.DroppedMalformed++
		return
	}
	var c stateCookie
	if err := e.sealer.open(ce.Cookie, &c); err != nil {
		e.counters.CookiesRejected++
		e.logCookie(from, h, "it does not authenticate (forged, corrupted, or sealed before a restart)")
		return
	}
	if h.VerificationTag != c.localTag || c.localPort != h.DstPort || c.peerPort != h.SrcPort {
		e.counters.CookiesRejected++
		e.logCookie(from, h, "its tag or ports do not match the packet's")
		return
	}
	cfg, ok := e.listeners[h.DstPort]
	if !ok || !cfg.servesLocal(e.rxLocal) {
		e.counters.CookiesRejected++
		e.logCookie(from, h, "the port stopped listening")
		return
	}
	if stale, by := c.stale(now); stale {
		e.logStaleCookie(from, h, by)
		e.sendStaleCookie(from, h, c.peerTag, by)
		return
	}
	if !e.acceptRoomFor(h.DstPort) {
		// Accept queue full: discard before any state exists; the peer's
		// T1-cookie retransmits (endpoint_accept.go).
		e.counters.CookieEchoDeferred++
		return
	}
	e.takeAcceptRoom(h.DstPort)
	a := newAssociation(e, cfg, h.DstPort, h.SrcPort)
	a.localTag = c.localTag
	a.localInitialTSN = c.localInitialTSN
	// RFC 6951 §5.4: the port the INIT / COOKIE ECHO came from applies to
	// all the peer's addresses; the source is the primary.
	a.paths = newPathSet(&a.cfg, e.rand, from)
	for _, x := range c.addrs() {
		a.addPath(now, x, from.Port(), false)
	}
	a.adoptCookie(now, &c)
	a.noteSetup(e.rxLocal, from.Addr())
	a.handshakeRTT(now, true, c.created)
	e.add(a)
	e.emit(accepted{ID: a.aid, LocalPort: a.localPort, Peer: from, PeerPort: a.peerPort, assoc: a})
	a.established(now, CommUp)
	a.queueCtrl(&chunk.CookieAck{})
	a.counters.PacketsIn++
	a.counters.ChunksIn++
	a.handleChunks(now, from, h, it)
}

// sendStaleCookie answers a stale cookie with ERROR cause 3 carrying the
// staleness in microseconds (RFC 9260 §5.1.5 step 3, §3.3.10.3).
func (e *endpoint) sendStaleCookie(from netip.AddrPort, h commonHeader, peerTag uint32, by time.Duration) {
	e.counters.StaleCookies++
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], stalenessMicros(by))
	ec := chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseStaleCookie, v[:])}
	e.queueReply(from, h.DstPort, h.SrcPort, peerTag, ec.AppendTo(e.replyScratch()))
}
