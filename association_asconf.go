package sctp

// RFC 5061 ASCONF: adding and deleting the addresses of a live association
// and asking the peer to change its primary. Our requests: one ASCONF
// outstanding at a time, queued requests bundled into the next one,
// retransmitted on T-4 RTO (§5.1). The peer's: processed in serial number
// order, each parameter answered in the ASCONF-ACK (§5.2), the ASCONF-ACK
// kept to answer a retransmission. Both chunks travel only after an AUTH
// chunk (RFC 5061 §4.2.7, RFC 4895): received unauthenticated they are
// dropped by the packet walk (association.go), sent they always carry one.

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

// Bounds (hostile input, and a user queueing faster than the peer answers).
const (
	maxAsconfQueued = 32 // our requests waiting or in flight
	maxAsconfParams = 64 // parameters of one received ASCONF processed
)

// asconfReq is one request of ours: Add IP, Delete IP or Set Primary.
type asconfReq struct {
	kind chunk.ParamType
	addr netip.Addr
	corr uint32
}

// asconfState is the ASCONF state of an association.
type asconfState struct {
	serial     uint32 // serial number of our next (or outstanding) ASCONF (§5.1: our initial TSN first)
	serialSet  bool
	inflight   []asconfReq // the requests of the outstanding ASCONF
	chunk      []byte      // the outstanding ASCONF chunk, for T-4 retransmission
	queue      []asconfReq // waiting for the outstanding one to be answered
	t4         timer
	nextCorr   uint32
	peerSerial uint32 // serial of the last ASCONF of the peer processed (§5.2: its initial TSN - 1 first)
	peerSet    bool
	lastAck    []byte     // the ASCONF-ACK answering peerSerial (§5.2: resent for a retransmission)
	pendPrim   netip.Addr // Set Primary of the peer for a path not yet confirmed
	resp       []byte     // scratch for response parameters
}

// queueAuthenticated queues chunks (whole chunks) in a packet of their own
// to to, after an AUTH chunk when the association has AUTH (RFC 4895
// §6.2: the AUTH first, the HMAC over it and what follows).
func (a *association) queueAuthenticated(to netip.AddrPort, chunks []byte) {
	if a.auth == nil {
		a.queueSpecial(to, a.peerTag, append([]byte(nil), chunks...))
		return
	}
	b, off := a.auth.appendAuth(make([]byte, 0, a.auth.authLen()+len(chunks)), a.cfg.authKeys.active)
	b = append(b, chunks...)
	if !a.auth.signAuth(&a.cfg.authKeys, b[off:]) {
		// The active key is gone (cannot happen: deleting it is refused).
		a.counters.DroppedWrongState++
		return
	}
	a.queueSpecial(to, a.peerTag, b)
}

// requestAsconf queues an address change for the peer (RFC 5061 §5.1): Add
// IP Address, Delete IP Address of one of our addresses, or Set Primary
// Address (ask the peer to use our addr as its primary).
func (a *association) requestAsconf(now time.Time, kind chunk.ParamType, addr netip.Addr) error {
	a.ep.poke(a)
	switch a.state {
	case stateEstablished:
	case stateCookieWait, stateCookieEchoed:
		return ErrNotEstablished
	case stateClosed:
		return ErrClosed
	default:
		return ErrShuttingDown
	}
	if !a.peerAsconf {
		if a.cfg.auth && a.auth == nil {
			return fmt.Errorf("%w: the peer does not do AUTH (RFC 4895), which ASCONF requires (RFC 5061 §4.2.7)", ErrNotSupported)
		}
		if !a.cfg.auth {
			return fmt.Errorf("%w: address changes need ASCONF with AUTH, which is off for this association (SetAuthEnabled before connecting)", ErrNotSupported)
		}
		return fmt.Errorf("%w: the peer does not do ASCONF (RFC 5061)", ErrNotSupported)
	}
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsMulticast() {
		return invalidArg("address change for %v: want a unicast address", addr)
	}
	if len(a.asc.queue)+len(a.asc.inflight) >= maxAsconfQueued {
		return ErrAddrChangeBusy
	}
	a.asc.nextCorr++
	a.asc.queue = append(a.asc.queue, asconfReq{kind: kind, addr: addr, corr: a.asc.nextCorr})
	a.sendNextAsconf(now)
	return nil
}

// sendNextAsconf sends the queued requests in one ASCONF unless one is
// outstanding (§5.1 A1: at most one ASCONF in flight).
func (a *association) sendNextAsconf(now time.Time) {
	if len(a.asc.inflight) > 0 || len(a.asc.queue) == 0 {
		return
	}
	if !a.asc.serialSet {
		a.asc.serial, a.asc.serialSet = a.localInitialTSN, true
	}
	// The Address Parameter names a sender address for the peer's lookup
	// (§4.1.1); over UDP encapsulation the local address is the UDP
	// socket's, so the wildcard of the peer's family says "the packet's
	// source".
	var src netip.Addr
	if a.dest().Addr().Is4() {
		src = netip.IPv4Unspecified()
	} else {
		src = netip.IPv6Unspecified()
	}
	var params []byte
	room := a.cfg.mtu - commonHeaderLen - chunk.AuthHeaderLen - authMaxHMACLen - chunk.HeaderLen - 4 - 20
	n := 0
	for n < len(a.asc.queue) {
		r := a.asc.queue[n]
		var p []byte
		switch r.kind {
		case chunk.ParamAddIPAddr:
			p = (&chunk.AddIPAddrParam{CorrelationID: r.corr, Addr: r.addr}).AppendTo(nil)
		case chunk.ParamDeleteIPAddr:
			p = (&chunk.DeleteIPAddrParam{CorrelationID: r.corr, Addr: r.addr}).AppendTo(nil)
		default:
			p = (&chunk.SetPrimaryAddrParam{CorrelationID: r.corr, Addr: r.addr}).AppendTo(nil)
		}
		if n > 0 && len(params)+len(p) > room {
			break
		}
		params = append(params, p...)
		n++
	}
	a.asc.inflight = append(a.asc.inflight[:0], a.asc.queue[:n]...)
	a.asc.queue = a.asc.queue[:copy(a.asc.queue, a.asc.queue[n:])]
	c := chunk.Asconf{Serial: a.asc.serial, Addr: src, Params: params}
	a.asc.chunk = c.AppendTo(a.asc.chunk[:0])
	a.queueAuthenticated(a.dest(), a.asc.chunk)
	a.asc.t4.stop()
	a.asc.t4.start(now, a.rto())
}

// asconfDeadline is T-4 RTO (zero when no ASCONF is outstanding).
func (a *association) asconfDeadline() time.Time { return a.asc.t4.at }

// asconfTimer handles T-4 RTO expiry (§5.1 C1–C4): count the error against
// the association and the destination, back the timer off, retransmit the
// same ASCONF (to an alternate destination when there is one). Past
// Association.Max.Retrans the association fails. It reports whether the
// association closed.
func (a *association) asconfTimer(now time.Time) bool {
	if !a.asc.t4.expired(now) {
		return false
	}
	count := a.asc.t4.count + 1
	if count > a.cfg.maxRetrans {
		a.fail(now)
		return true
	}
	cur := a.paths.current()
	a.paths.strike(cur, now)
	a.reportPathChanges()
	d := a.backoff(a.asc.t4.rto)
	a.queueAuthenticated(a.paths.path(a.paths.alternate(cur)).addr, a.asc.chunk)
	a.asc.t4.start(now, d)
	a.asc.t4.count = count
	return false
}

// handleAsconfAck processes the peer's answer to our ASCONF (§5.3). It
// reports whether processing of the packet stops.
func (a *association) handleAsconfAck(now time.Time, c chunk.Raw) bool {
	var ack chunk.AsconfAck
	if err := ack.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return true
	}
	if len(a.asc.inflight) == 0 || ack.Serial != a.asc.serial {
		if !a.asc.serialSet || !serialNewer(a.asc.serial, ack.Serial) {
			// §5.3: an ASCONF-ACK for an ASCONF never sent ends the
			// association (cause "Association Aborted due to Illegal
			// ASCONF-ACK").
			a.sendAbort(now, chunk.AppendCause(nil, chunk.CauseIllegalAsconfAck, nil), ErrAborted)
			return true
		}
		a.counters.DroppedWrongState++ // a late duplicate
		return false
	}
	a.asc.t4.stop()
	it := chunk.NewParamIter(ack.Params)
	for it.Next() {
		p := it.Param()
		if p.Type != chunk.ParamErrorCauseIndication {
			continue
		}
		var ec chunk.ErrorCauseIndicationParam
		if ec.Decode(p) != nil {
			continue
		}
		// §5.3: a request answered with an error was not performed; the
		// user hears of it as a RemoteError.
		ci := chunk.NewCauseIter(ec.Causes)
		for ci.Next() {
			cause := ci.Cause()
			a.emit(RemoteError{ID: a.aid, Code: cause.Code, Info: append([]byte(nil), cause.Info...)})
		}
	}
	a.asc.inflight = a.asc.inflight[:0]
	a.asc.serial++
	a.sendNextAsconf(now)
	return false
}

// serialNewer reports whether serial a is after b (serial number
// arithmetic, RFC 1982, as for TSNs).
func serialNewer(a, b uint32) bool { return int32(a-b) > 0 }

// handleAsconf processes the peer's ASCONF (§5.2) received from from and
// answers it with an ASCONF-ACK to from. It reports whether processing of
// the packet stops.
func (a *association) handleAsconf(now time.Time, from netip.AddrPort, c chunk.Raw) bool {
	switch a.state {
	case stateEstablished, stateShutdownPending, stateShutdownSent, stateShutdownReceived:
	default:
		a.counters.DroppedWrongState++
		return false
	}
	var ac chunk.Asconf
	if err := ac.Decode(c); err != nil {
		a.counters.DroppedBadChunk++
		return true
	}
	if !a.asc.peerSet {
		a.asc.peerSerial, a.asc.peerSet = a.peerInitialTSN-1, true
	}
	switch {
	case ac.Serial == a.asc.peerSerial+1:
	case ac.Serial == a.asc.peerSerial && len(a.asc.lastAck) > 0:
		// §5.2 V2: a retransmission; the same answer again, nothing
		// performed twice.
		a.queueAuthenticated(from, a.asc.lastAck)
		return false
	default:
		// §5.2 V3: neither the next nor the last: silently discarded.
		a.counters.DroppedWrongState++
		return false
	}
	src := from.Addr().Unmap()
	resp := a.asc.resp[:0]
	it := chunk.NewParamIter(ac.Params)
	for n := 0; n < maxAsconfParams && it.Next(); n++ {
		p := it.Param()
		var corr uint32
		if len(p.Value) >= 4 {
			corr = binary.BigEndian.Uint32(p.Value)
		}
		var cause chunk.CauseCode
		var info []byte
		stop := false
		switch p.Type {
		case chunk.ParamAddIPAddr:
			var x chunk.AddIPAddrParam
			if x.Decode(p) != nil {
				continue
			}
			cause = a.peerAddIP(now, x.Addr, src, from.Port())
		case chunk.ParamDeleteIPAddr:
			var x chunk.DeleteIPAddrParam
			if x.Decode(p) != nil {
				continue
			}
			cause = a.peerDeleteIP(x.Addr, src)
		case chunk.ParamSetPrimaryAddr:
			var x chunk.SetPrimaryAddrParam
			if x.Decode(p) != nil {
				continue
			}
			cause = a.peerSetPrimary(x.Addr, src)
			if cause == chunk.CauseUnresolvableAddr {
				info = addrParamOf(x.Addr)
			}
		case chunk.ParamAdaptationLayer, chunk.ParamSupportedExtensions:
			continue // accepted, nothing to do here (RFC 5061 §4.2.6)
		default:
			// §5.2: an unrecognized parameter follows its action bits
			// (RFC 9260 §3.2.1), a report going back as an Error Cause
			// Indication with cause "Unrecognized Parameters".
			act := p.Type.Action()
			if act == chunk.ActionStopReport || act == chunk.ActionSkipReport {
				cause, info = chunk.CauseUnrecognizedParams, chunk.AppendParam(nil, p.Type, p.Value)
			}
			stop = act == chunk.ActionStop || act == chunk.ActionStopReport
			if cause == 0 {
				if stop {
					break
				}
				continue
			}
		}
		if len(resp) > a.cfg.mtu-commonHeaderLen-authMaxHMACLen-64 {
			break // answers bounded by one packet
		}
		if cause == 0 {
			resp = (&chunk.SuccessIndicationParam{CorrelationID: corr}).AppendTo(resp)
		} else {
			resp = (&chunk.ErrorCauseIndicationParam{CorrelationID: corr, Causes: chunk.AppendCause(nil, cause, info)}).AppendTo(resp)
		}
		if stop {
			break
		}
	}
	a.asc.resp = resp
	a.asc.peerSerial = ac.Serial
	ack := chunk.AsconfAck{Serial: ac.Serial, Params: resp}
	a.asc.lastAck = ack.AppendTo(a.asc.lastAck[:0])
	a.queueAuthenticated(from, a.asc.lastAck)
	a.reportPathChanges()
	return false
}

// addrParamOf is the IPv4/IPv6 Address parameter of addr.
func addrParamOf(addr netip.Addr) []byte {
	if addr.Is4() {
		v := addr.As4()
		return chunk.AppendParam(nil, chunk.ParamIPv4Addr, v[:])
	}
	v := addr.As16()
	return chunk.AppendParam(nil, chunk.ParamIPv6Addr, v[:])
}

// peerAddIP performs an Add IP Address of the peer (§5.2, §4.2.1): the
// wildcard means the packet's source; the address joins as an unconfirmed
// path (probed by HEARTBEAT, RFC 9260 §5.4) reachable through udpPort. It
// returns 0 on success or the error cause.
func (a *association) peerAddIP(now time.Time, addr, src netip.Addr, udpPort uint16) chunk.CauseCode {
	addr = addr.Unmap()
	if addr.IsUnspecified() {
		addr = src
	}
	if _, ok := a.pathIdx(addr); ok {
		return 0 // already a path: nothing to do, success
	}
	if addr.IsMulticast() || addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || addr.Is4() != src.Is4() && !a.peerFamilyOK(addr) {
		return chunk.CauseUnresolvableAddr
	}
	if !a.addPath(now, addr, udpPort, false) {
		return chunk.CauseResourceShortage // the path set is full (§5.2)
	}
	a.ep.register(a, addr)
	a.emit(PeerAddrChange{ID: a.aid, Addr: netip.AddrPortFrom(addr, udpPort), State: AddrAdded, Port: a.peerPort})
	return 0
}

// peerFamilyOK reports whether an address of the other family than the
// ASCONF's source may be added: only if the association already has a path
// of that family.
func (a *association) peerFamilyOK(addr netip.Addr) bool {
	for i := range a.paths.len() {
		if a.paths.path(i).addr.Addr().Is4() == addr.Is4() {
			return true
		}
	}
	return false
}

// peerDeleteIP performs a Delete IP Address of the peer (§5.2, §4.2.2):
// never the last address nor the ASCONF's source; the wildcard deletes
// every address but the source. The primary, if deleted, becomes the
// source's path.
func (a *association) peerDeleteIP(addr, src netip.Addr) chunk.CauseCode {
	addr = addr.Unmap()
	_, srcKnown := a.pathIdx(src)
	if addr.IsUnspecified() {
		if !srcKnown {
			return chunk.CauseDeleteSourceAddr
		}
		for i := a.paths.len() - 1; i >= 0; i-- {
			if p := a.paths.path(i).addr.Addr(); p != src {
				a.removePeerPath(p, src)
			}
		}
		return 0
	}
	if addr == src {
		return chunk.CauseDeleteSourceAddr
	}
	if _, ok := a.pathIdx(addr); !ok {
		return 0 // not a path: nothing to delete, success
	}
	if a.paths.len() <= 1 {
		return chunk.CauseDeleteLastAddr
	}
	a.removePeerPath(addr, src)
	return 0
}

// removePeerPath removes the path to addr; the primary moves to src's path
// (or any other) when it was addr.
func (a *association) removePeerPath(addr, src netip.Addr) {
	idx, ok := a.pathIdx(addr)
	if !ok {
		return
	}
	np, ok := a.pathIdx(src)
	if !ok || np == idx {
		np = (idx + 1) % a.paths.len()
	}
	port := a.paths.path(idx).addr.Port()
	if !a.paths.remove(idx, np) {
		return
	}
	if a.data != nil {
		a.data.removeDest(idx, np) // per-destination state follows (association_data.go)
	}
	a.ep.unregister(a, addr)
	if a.asc.pendPrim == addr {
		a.asc.pendPrim = netip.Addr{}
	}
	a.emit(PeerAddrChange{ID: a.aid, Addr: netip.AddrPortFrom(addr, port), State: AddrRemoved, Port: a.peerPort})
}

// peerSetPrimary performs a Set Primary Address of the peer (§5.2,
// §4.2.4): the path becomes our primary, at once if confirmed, else once a
// HEARTBEAT ACK confirms it (asconfAfterPacket).
func (a *association) peerSetPrimary(addr, src netip.Addr) chunk.CauseCode {
	addr = addr.Unmap()
	if addr.IsUnspecified() {
		addr = src
	}
	idx, ok := a.pathIdx(addr)
	if !ok {
		return chunk.CauseUnresolvableAddr
	}
	if !a.paths.setPrimary(idx) {
		a.asc.pendPrim = addr
		return 0
	}
	a.asc.pendPrim = netip.Addr{}
	a.emit(PeerAddrChange{ID: a.aid, Addr: a.paths.path(idx).addr, State: AddrMadePrimary, Port: a.peerPort})
	return 0
}

// asconfAfterPacket applies a pending Set Primary once its path is
// confirmed. One check per packet when nothing is pending.
func (a *association) asconfAfterPacket() {
	if !a.asc.pendPrim.IsValid() {
		return
	}
	if idx, ok := a.pathIdx(a.asc.pendPrim); ok && a.paths.setPrimary(idx) {
		a.asc.pendPrim = netip.Addr{}
		a.emit(PeerAddrChange{ID: a.aid, Addr: a.paths.path(idx).addr, State: AddrMadePrimary, Port: a.peerPort})
	}
}
