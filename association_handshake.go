package sctp

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"github.com/usctp/sctp/chunk"
)

// initInfo is what the association core takes from the parameters of an
// INIT or INIT ACK (RFC 9260 §3.3.2, §3.3.3). It lives in reused endpoint
// scratch space so a hostile INIT flood allocates nothing.
type initInfo struct {
	addrs        [maxPeerAddrs]netip.Addr
	naddrs       int
	moreAddrs    bool   // more address parameters than we keep
	cookie       []byte // State Cookie (INIT ACK)
	unrecognized []byte // parameters to report, each a whole TLV
	forwardTSN   bool   // Forward-TSN-Supported present and accepted
	adaptation   uint32
	hasAdapt     bool
	hostName     []byte // a Host Name Address parameter (whole TLV)
	preservative time.Duration
	peerUnrecFwd bool           // peer reported our Forward-TSN-Supported as unrecognized
	reconfig     bool           // RE-CONFIG listed in Supported Extensions (RFC 6525 §3)
	auth         peerAuthParams // RFC 4895 RANDOM, CHUNKS, HMAC-ALGO (association_auth.go)
	asconf       bool           // ASCONF and ASCONF-ACK listed in Supported Extensions (RFC 5061 §4.2.7)
	idata        bool           // I-DATA listed in Supported Extensions and enabled here (RFC 8260 §2.2)
}

func (in *initInfo) reset() {
	unrec := in.unrecognized[:0]
	*in = initInfo{unrecognized: unrec}
}

// parseInitParams walks the parameters of an INIT (ack=false) or INIT
// ACK and applies the action bits of unrecognized parameters (RFC 9260
// §3.2.1): 00 stop, 01 stop and report, 10 skip, 11 skip and report.
func (c *assocConfig) parseInitParams(in *initInfo, params []byte, ack bool) {
	in.reset()
	it := chunk.NewParamIter(params)
	for it.Next() {
		p := it.Param()
		switch p.Type {
		case chunk.ParamIPv4Addr, chunk.ParamIPv6Addr:
			var addr netip.Addr
			switch {
			case p.Type == chunk.ParamIPv4Addr && len(p.Value) == 4:
				addr = netip.AddrFrom4([4]byte(p.Value))
			case p.Type == chunk.ParamIPv6Addr && len(p.Value) == 16:
				addr = netip.AddrFrom16([16]byte(p.Value)).Unmap()
			default:
				continue
			}
			if in.naddrs < len(in.addrs) {
				in.addrs[in.naddrs] = addr
				in.naddrs++
			} else {
				in.moreAddrs = true
			}
			continue
		case chunk.ParamStateCookie:
			if ack {
				in.cookie = p.Value
				continue
			}
		case chunk.ParamCookiePreservative:
			if !ack && len(p.Value) == 4 {
				in.preservative = time.Duration(binary.BigEndian.Uint32(p.Value)) * time.Millisecond
				continue
			}
		case chunk.ParamHostName:
			in.hostName = chunk.AppendParam(in.hostName[:0], p.Type, p.Value)
			continue
		case chunk.ParamSupportedAddrTypes:
			continue
		case chunk.ParamSupportedExtensions:
			// RFC 5061 §4.2.7; RFC 6525 §3: RE-CONFIG is announced here.
			// PR-SCTP too, by peers that list FORWARD TSN here instead
			// of sending Forward-TSN-Supported (pion/sctp does).
			asconf, asconfAck := false, false
			for _, t := range p.Value {
				switch {
				case chunk.Type(t) == chunk.TypeReconfig && c.reconfig:
					in.reconfig = true
				case chunk.Type(t) == chunk.TypeForwardTSN && c.prSCTP:
					in.forwardTSN = true
				case chunk.Type(t) == chunk.TypeAsconf:
					asconf = true
				case chunk.Type(t) == chunk.TypeAsconfAck:
					asconfAck = true
				case chunk.Type(t) == chunk.TypeIData && c.idata:
					// RFC 8260 §2.2: I-DATA only when both list it.
					in.idata = true
				}
			}
			in.asconf = asconf && asconfAck && c.auth
			continue
		case chunk.ParamRandom, chunk.ParamChunkList, chunk.ParamRequestedHMAC:
			// RFC 4895 §3: kept (as views) to build the peer's key vector.
			if c.auth {
				switch p.Type {
				case chunk.ParamRandom:
					in.auth.set(&in.auth.random, p.Value)
				case chunk.ParamChunkList:
					in.auth.set(&in.auth.chunks, p.Value)
				default:
					in.auth.set(&in.auth.hmacs, p.Value)
				}
				continue
			}
		case chunk.ParamUnrecognized:
			if ack {
				// The peer reports one of our INIT parameters.
				if len(p.Value) >= 2 && chunk.ParamType(binary.BigEndian.Uint16(p.Value)) == chunk.ParamForwardTSNSupported {
					in.peerUnrecFwd = true
				}
				continue
			}
		case chunk.ParamForwardTSNSupported:
			if c.prSCTP {
				in.forwardTSN = true
				continue
			}
		case chunk.ParamAdaptationLayer:
			if len(p.Value) == 4 {
				in.adaptation = binary.BigEndian.Uint32(p.Value)
				in.hasAdapt = true
				continue
			}
		}
		// Unrecognized (or not acceptable here): RFC 9260 §3.2.1.
		act := p.Type.Action()
		if (act == chunk.ActionStopReport || act == chunk.ActionSkipReport) && len(in.unrecognized) < maxUnrecognizedReported {
			in.unrecognized = chunk.AppendParam(in.unrecognized, p.Type, p.Value)
		}
		if act == chunk.ActionStop || act == chunk.ActionStopReport {
			break
		}
	}
}

// appendInitParams appends our optional INIT / INIT ACK parameters. Our
// addresses are listed only when two or more specific ones are bound (RFC
// 6951 §5.7, association_laddrs.go); otherwise the peer uses the packet's
// source.
func (c *assocConfig) appendInitParams(b []byte, preservative time.Duration) []byte {
	b = c.appendAddrParams(b)
	if preservative > 0 {
		var v [4]byte
		binary.BigEndian.PutUint32(v[:], uint32(preservative/time.Millisecond))
		b = chunk.AppendParam(b, chunk.ParamCookiePreservative, v[:])
	}
	if c.prSCTP {
		b = chunk.AppendParam(b, chunk.ParamForwardTSNSupported, nil)
	}
	if c.reconfig || c.prSCTP || c.auth || c.idata {
		// RFC 6525 §3: RE-CONFIG support goes in Supported Extensions;
		// FORWARD TSN is listed there too (as usrsctp does) for peers
		// that look for it there rather than for Forward-TSN-Supported;
		// AUTH, ASCONF and ASCONF-ACK when AUTH is on (RFC 5061 §4.2.7); I-DATA and I-FORWARD TSN (RFC 8260 §2.2).
		var ext [7]byte // no allocation per INIT / INIT ACK
		n := 0
		if c.reconfig {
			ext[n] = byte(chunk.TypeReconfig)
			n++
		}
		if c.prSCTP {
			ext[n] = byte(chunk.TypeForwardTSN)
			n++
		}
		if c.auth {
			ext[n], ext[n+1], ext[n+2] = byte(chunk.TypeAuth), byte(chunk.TypeAsconf), byte(chunk.TypeAsconfAck)
			n += 3
		}
		n = c.appendIDataExt(ext[:], n)
		b = chunk.AppendParam(b, chunk.ParamSupportedExtensions, ext[:n])
	}
	if c.adaptationSet {
		var v [4]byte
		binary.BigEndian.PutUint32(v[:], c.adaptation)
		b = chunk.AppendParam(b, chunk.ParamAdaptationLayer, v[:])
	}
	return b
}

// initVerdict classifies a received INIT or INIT ACK.
type initVerdict uint8

const (
	initOK        initVerdict = iota
	initMalformed             // discard
	initTagZero               // Initiate Tag 0: discard (RFC 9260 §3.3.2)
	initBadFields             // OS 0, MIS 0 or a_rwnd < 1500: ABORT cause 7
	initHostName              // Host Name Address: ABORT cause 5 (§5.1.2)
	initNoCookie              // INIT ACK without State Cookie: ABORT cause 2 (§5.1 C)
)

// decodeInit decodes an INIT (or INIT ACK when ack) into c and classifies
// it. On initBadFields, initHostName and initNoCookie the fixed fields of
// c are valid.
func decodeInit(raw chunk.Raw, c *chunk.Init, ack bool) initVerdict {
	var err error
	if ack {
		err = (*chunk.InitAck)(c).Decode(raw)
	} else {
		err = c.Decode(raw)
	}
	if err != nil {
		v := raw.Value
		if len(v) < 16 {
			return initMalformed
		}
		c.InitiateTag = binary.BigEndian.Uint32(v)
		c.ARwnd = binary.BigEndian.Uint32(v[4:])
		c.OutStreams = binary.BigEndian.Uint16(v[8:])
		c.InStreams = binary.BigEndian.Uint16(v[10:])
		c.InitialTSN = binary.BigEndian.Uint32(v[12:])
		c.Params = v[16:]
		switch {
		case c.InitiateTag == 0:
			return initTagZero
		case c.OutStreams == 0 || c.InStreams == 0:
			return initBadFields
		case errors.Is(err, chunk.ErrHostNameAddr):
			return initHostName
		case ack && errors.Is(err, chunk.ErrMissingParam):
			// The State Cookie, the INIT ACK's one mandatory parameter,
			// is missing: the chunk is otherwise well formed.
			return initNoCookie
		}
		return initMalformed
	}
	if c.ARwnd < minRwnd {
		// usrsctp and Linux refuse a_rwnd < 1500 with cause 7.
		return initBadFields
	}
	return initOK
}

// startInit builds our INIT and sends it (RFC 9260 §5.1 A), entering
// COOKIE-WAIT with T1-init running.
func (a *association) startInit(now time.Time) {
	init := chunk.Init{
		InitiateTag: a.localTag,
		ARwnd:       a.cfg.rwnd,
		OutStreams:  a.cfg.outStreams,
		InStreams:   a.cfg.maxInStreams,
		InitialTSN:  a.localInitialTSN,
		Params:      a.cfg.appendInitParams(nil, a.stalePreserve),
	}
	if a.cfg.auth {
		// RFC 4895 §6.1: RANDOM, CHUNKS and HMAC-ALGO; our key vector is
		// kept until the INIT ACK brings the peer's.
		var random [authRandomLen]byte
		a.ep.authRandom(random[:])
		a.authLocalVec = a.cfg.appendLocalAuthVector(a.authLocalVec[:0], random[:])
		init.Params = appendAuthInitParams(init.Params, a.authLocalVec)
	}
	a.initChunk = init.AppendTo(a.initChunk[:0])
	a.setState(stateCookieWait)
	a.sendInitChunk()
}

func (a *association) sendInitChunk() {
	a.queueSpecial(a.initDest(), 0, append([]byte(nil), a.initChunk...))
}

// t1Expired handles T1-init / T1-cookie expiry (RFC 9260 §5.1 C, §6.3.3).
func (a *association) t1Expired(now time.Time) {
	if !a.retransmitOnExpiry(now, &a.t1, a.cfg.maxInitRetrans, &a.counters.T1Retransmits) {
		a.log.Debugf("assoc %d: %v: Max.Init.Retransmits exceeded", a.aid, a.state)
		a.close(now, CantStartAssoc, ErrAssociationFailed, nil)
	}
}

func (a *association) sendCookieEcho() {
	a.queueSpecial(a.dest(), a.peerTag, append([]byte(nil), a.cookieEcho...))
}

// handleInitAck processes INIT ACK (RFC 9260 §5.1 C); outside COOKIE-WAIT
// it is discarded (§5.2.3).
func (a *association) handleInitAck(now time.Time, from netip.AddrPort, raw chunk.Raw) {
	if a.state != stateCookieWait {
		a.counters.DroppedWrongState++
		return
	}
	var c chunk.InitAck
	ic := (*chunk.Init)(&c)
	switch decodeInit(raw, ic, true) {
	case initMalformed:
		a.counters.DroppedBadChunk++
		return
	case initTagZero:
		// RFC 9260 §3.3.3: Initiate Tag 0 → destroy the association; the
		// ABORT it MAY send says why (Invalid Mandatory Parameter, 7). With
		// no peer tag to put in it, it carries ours with the T bit
		// (§8.4 rule 3, §8.5.1 B: the peer's tag from its point of view).
		ab := chunk.Abort{T: true, Causes: chunk.AppendCause(nil, chunk.CauseInvalidMandatoryParam, nil)}
		a.queueSpecial(from, a.localTag, ab.AppendTo(nil))
		a.close(now, CantStartAssoc, ErrAborted, nil)
		return
	case initBadFields:
		// §3.3.3: ABORT with Invalid Mandatory Parameter (7).
		ab := chunk.Abort{Causes: chunk.AppendCause(nil, chunk.CauseInvalidMandatoryParam, nil)}
		a.queueSpecial(from, c.InitiateTag, ab.AppendTo(nil))
		a.close(now, CantStartAssoc, ErrAborted, nil)
		return
	case initHostName:
		// §5.1.2: a Host Name Address is refused (cause 5).
		a.cfg.parseInitParams(&a.ep.info, c.Params, true)
		ab := chunk.Abort{Causes: chunk.AppendCause(nil, chunk.CauseUnresolvableAddr, boundedHostName(a.ep.info.hostName))}
		a.queueSpecial(from, c.InitiateTag, ab.AppendTo(nil))
		a.close(now, CantStartAssoc, ErrAborted, nil)
		return
	}
	in := &a.ep.info
	a.cfg.parseInitParams(in, c.Params, true)
	if len(in.cookie) == 0 {
		// §5.1 C, §3.3.3: the State Cookie is mandatory → ABORT with
		// Missing Mandatory Parameter (2) naming it, and the TCB goes.
		// It is missing too when a parameter with action bits 00/01
		// before it stopped the walk (§3.2.1); the ABORT then also
		// reports that parameter (cause 8) when its bits say so.
		var v [8]byte
		binary.BigEndian.PutUint32(v[:4], 1)
		binary.BigEndian.PutUint16(v[4:], uint16(chunk.ParamStateCookie))
		causes := chunk.AppendCause(nil, chunk.CauseMissingParam, v[:6])
		if len(in.unrecognized) > 0 && len(causes)+4+len(in.unrecognized) <= a.cfg.mtu-commonHeaderLen-4 {
			causes = chunk.AppendCause(causes, chunk.CauseUnrecognizedParams, in.unrecognized)
		}
		ab := chunk.Abort{Causes: causes}
		a.queueSpecial(from, c.InitiateTag, ab.AppendTo(nil))
		a.close(now, CantStartAssoc, ErrAborted, nil)
		return
	}
	a.peerTag = c.InitiateTag
	a.peerInitialTSN = c.InitialTSN
	a.peerRwnd = c.ARwnd
	a.outStreams = min(a.cfg.outStreams, c.InStreams)
	a.inStreams = min(a.cfg.maxInStreams, c.OutStreams)
	a.peerPRSCTP = in.forwardTSN && !in.peerUnrecFwd
	a.peerReconfig = in.reconfig
	a.setupAuth(in)
	a.idata = in.idata
	// RFC 6951 §5.4: the port learned from the packet's source applies
	// to every address listed by the peer.
	a.learnPort(from.Addr().Unmap(), from.Port())
	a.noteSetup(a.ep.rxLocal, from.Addr())
	for i := 0; i < in.naddrs; i++ {
		if a.addPath(now, in.addrs[i], from.Port(), false) {
			a.ep.register(a, in.addrs[i])
		}
	}
	a.data = newDataState(&a.cfg, a.negotiatedParams(), now)
	a.peerAdaptation, a.hasPeerAdaptation = in.adaptation, in.hasAdapt
	// COOKIE ECHO, bundled with an ERROR cause 8 for reported parameters
	// (RFC 9260 §3.2.1).
	ce := chunk.CookieEcho{Cookie: in.cookie}
	a.cookieEcho = ce.AppendTo(a.cookieEcho[:0])
	// §3.2.2: the ERROR SHOULD ride with the COOKIE ECHO; when the two do
	// not fit one packet it is left out (it MAY only be sent alone after
	// the COOKIE ACK, and it is a courtesy).
	if len(in.unrecognized) > 0 && commonHeaderLen+len(a.cookieEcho)+8+len(in.unrecognized) <= a.cfg.mtu {
		e := chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseUnrecognizedParams, in.unrecognized)}
		a.cookieEcho = e.AppendTo(a.cookieEcho)
	}
	a.setState(stateCookieEchoed)
	a.sendCookieEcho()
	// T1-cookie: its own Max.Init.Retransmits budget (§5.1 C, §5.1.6).
	a.t1.stop()
	a.t1.start(now, a.cfg.rto.initial)
}

// negotiatedParams returns what the handshake settled for the data path.
func (a *association) negotiatedParams() negotiated {
	return negotiated{
		localInitialTSN: a.localInitialTSN,
		peerInitialTSN:  a.peerInitialTSN,
		outStreams:      a.outStreams,
		inStreams:       a.inStreams,
		peerRwnd:        a.peerRwnd,
		forwardTSN:      a.peerPRSCTP && a.cfg.prSCTP,
		idata:           a.idata,
		pathIPv6:        a.pathIPv6,
	}
}

// pathIPv6 reports whether path idx's peer address is IPv6 (not
// IPv4-mapped); a path not (yet) known counts as IPv4.
func (a *association) pathIPv6(idx int) bool {
	if a.paths == nil || idx >= a.paths.len() {
		return false
	}
	ad := a.paths.path(idx).addr.Addr()
	return ad.Is6() && !ad.Is4In6()
}

// handleCookieAck processes COOKIE ACK (RFC 9260 §5.1 E); a stray one is
// discarded (§5.2.5).
func (a *association) handleCookieAck(now time.Time, _ chunk.Raw) {
	if a.state != stateCookieEchoed {
		a.counters.DroppedWrongState++
		return
	}
	a.handshakeRTT(now, a.t1.running() && a.t1.count == 0, a.t1.at.Add(-a.t1.rto))
	a.established(now, CommUp)
}

// established enters ESTABLISHED, stops T1 and starts heartbeats.
func (a *association) established(now time.Time, kind AssocChangeState) {
	a.t1.stop()
	a.cookieEcho = nil
	a.initChunk = nil
	a.setState(stateEstablished)
	a.startHeartbeats(now)
	a.emit(AssocChange{ID: a.aid, State: kind, OutStreams: a.outStreams, InStreams: a.inStreams})
	if a.hasPeerAdaptation {
		a.emit(AdaptationIndication{ID: a.aid, Indication: a.peerAdaptation})
	}
}

// handleStaleCookie handles an ERROR Stale Cookie in COOKIE-ECHOED (RFC
// 9260 §5.2.6): back to COOKIE-WAIT with a new INIT carrying a Cookie
// Preservative twice the measured staleness. Repeated stale cookies end
// the attempt after Max.Init.Retransmits of them.
func (a *association) handleStaleCookie(now time.Time, info []byte) {
	stale := time.Millisecond
	if len(info) >= 4 {
		stale = time.Duration(binary.BigEndian.Uint32(info)) * time.Microsecond
	}
	a.staleRetries++
	if a.staleRetries > a.cfg.maxInitRetrans {
		a.close(now, CantStartAssoc, ErrAssociationFailed, nil)
		return
	}
	a.stalePreserve = max(2*stale, time.Millisecond)
	a.peerTag = 0
	a.data = nil
	a.startInit(now)
	a.t1.stop()
	a.t1.start(now, a.cfg.rto.initial)
}

// handleInit processes an INIT for an existing association: §5.2.1 in
// COOKIE-WAIT / COOKIE-ECHOED, §5.2.2 elsewhere, §9.2 in
// SHUTDOWN-ACK-SENT, and the RFC 6951 encapsulation port rule.
func (a *association) handleInit(now time.Time, from netip.AddrPort, raw chunk.Raw) {
	var c chunk.Init
	verdict := decodeInit(raw, &c, false)
	switch verdict {
	case initMalformed:
		a.counters.DroppedBadChunk++
		return
	case initTagZero:
		// RFC 9260 §3.3.2: silently discard.
		return
	}
	addr := from.Addr().Unmap()
	if i, ok := a.pathIdx(addr); ok && a.paths.path(i).addr.Port() != from.Port() {
		// draft-tuexen-tsvwg-sctp-udp-encaps-cons: never change the port
		// because of an INIT; ABORT with cause 14 (current, new port).
		var v [4]byte
		binary.BigEndian.PutUint16(v[:2], a.paths.path(i).addr.Port())
		binary.BigEndian.PutUint16(v[2:], from.Port())
		ab := chunk.Abort{Causes: chunk.AppendCause(nil, chunk.CauseRestartNewEncapPort, v[:])}
		a.ep.queueReply(from, a.localPort, a.peerPort, c.InitiateTag, ab.AppendTo(a.ep.replyScratch()))
		return
	}
	if verdict == initBadFields {
		// §3.3.2: ABORT (cause 7) with the Initiate Tag; the existing
		// association is not changed.
		a.ep.abortInvalidInit(from, a.localPort, a.peerPort, c.InitiateTag)
		return
	}
	if a.state == stateShutdownAckSent {
		// §9.2: discard the INIT and retransmit SHUTDOWN ACK.
		a.queueShutdownAck()
		a.t2.start(now, a.t2.rto)
		return
	}
	in := &a.ep.info
	a.cfg.parseInitParams(in, c.Params, false)
	if verdict == initHostName {
		a.ep.abortHostName(from, a.localPort, a.peerPort, c.InitiateTag, in.hostName)
		return
	}
	// §5.2.1 / §5.2.2: an INIT that brings addresses the association does
	// not know is answered with ABORT cause 11 (Restart of an Association
	// with New Addresses), sent to the INIT's Initiate Tag, so it reveals
	// none of our tags. In COOKIE-WAIT / COOKIE-ECHOED our answer would be
	// an INIT ACK carrying our current tag (§5.2.1), so the strict part
	// of the check applies there too: the INIT's source address must be
	// a known peer path. An INIT reaches us from an unknown source when it
	// merely lists one of our peer's addresses (the endpoint forwards it);
	// answering it with INIT ACK would hand our tag to an off-path host,
	// which could then forge ABORT or INIT ACK.
	//
	// Listed-but-new addresses are treated differently in the two cases.
	// During setup our path list holds only the address we connected to,
	// while usrsctp lists all its addresses (IPv4 and IPv6) in its INIT;
	// ABORTing on those would break every INIT collision with it. With a
	// known source the INIT ACK goes to an address of the peer we chose
	// ourselves (a spoofer of that source never sees it), so the tag stays
	// private, and §5.2.1 INIT ACK is the answer. After setup (§5.2.2, a
	// restart) every new address, listed or source, is refused.
	if a.state == stateCookieWait || a.state == stateCookieEchoed {
		if _, known := a.pathIdx(addr); !known {
			ab := chunk.Abort{Causes: chunk.AppendCause(nil, chunk.CauseRestartNewAddrs, a.newAddresses(addr, in))}
			a.ep.queueReply(from, a.localPort, a.peerPort, c.InitiateTag, ab.AppendTo(a.ep.replyScratch()))
			return
		}
	} else if newAddrs := a.newAddresses(addr, in); len(newAddrs) > 0 {
		ab := chunk.Abort{Causes: chunk.AppendCause(nil, chunk.CauseRestartNewAddrs, newAddrs)}
		a.ep.queueReply(from, a.localPort, a.peerPort, c.InitiateTag, ab.AppendTo(a.ep.replyScratch()))
		return
	}
	spec := initAckSpec{localPort: a.localPort, peerPort: a.peerPort}
	switch a.state {
	case stateCookieWait, stateCookieEchoed:
		// §5.2.1: same tag and parameters as our INIT.
		spec.localTag = a.localTag
		spec.localTSN = a.localInitialTSN
		if a.state == stateCookieEchoed {
			spec.tieLocal, spec.tiePeer = a.localTag, a.peerTag
		}
	default:
		// §5.2.2: a new tag, and our current tags as Tie-Tags (only
		// inside the sealed cookie).
		spec.localTag = a.ep.randomTag()
		spec.localTSN = a.ep.randomUint32()
		spec.tieLocal, spec.tiePeer = a.localTag, a.peerTag
	}
	a.ep.sendInitAck(now, from, &c, in, &a.cfg, spec)
}

// newAddresses returns, as address parameters, the addresses of an INIT
// that are not paths of the association (RFC 9260 §5.2.2). Only checked
// when the association knows the peer's address list.
func (a *association) newAddresses(src netip.Addr, in *initInfo) []byte {
	var b []byte
	check := func(x netip.Addr) {
		if _, ok := a.pathIdx(x); ok {
			return
		}
		if x.Is4() {
			v := x.As4()
			b = chunk.AppendParam(b, chunk.ParamIPv4Addr, v[:])
		} else {
			v := x.As16()
			b = chunk.AppendParam(b, chunk.ParamIPv6Addr, v[:])
		}
	}
	check(src)
	for i := 0; i < in.naddrs; i++ {
		check(in.addrs[i])
	}
	return b
}

// handleCookieEchoExisting handles COOKIE ECHO for an existing
// association (RFC 9260 §5.2.4, table 7). It reports whether the rest of
// the packet is to be processed.
func (a *association) handleCookieEchoExisting(now time.Time, from netip.AddrPort, h commonHeader, raw chunk.Raw) bool {
	var ce chunk.CookieEcho
	if err := ce.Decode(raw); err != nil {
		a.counters.DroppedBadChunk++
		return false
	}
	var c stateCookie
	if err := a.ep.sealer.open(ce.Cookie, &c); err != nil {
		a.ep.counters.CookiesRejected++
		return false
	}
	// §8.5.1 D and §5.1.5 step 2: the packet's tag is the cookie's tag,
	// and the ports match.
	if h.VerificationTag != c.localTag || c.localPort != h.DstPort || c.peerPort != h.SrcPort {
		a.ep.counters.CookiesRejected++
		a.counters.DroppedBadVtag++
		return false
	}
	lt, pt := c.localTag == a.localTag, c.peerTag == a.peerTag
	if stale, by := c.stale(now); stale && !(lt && pt) {
		// §5.2.4 step 3: a stale cookie whose tags do not both match is
		// answered with Stale Cookie; with both matching it is case D.
		a.ep.sendStaleCookie(from, h, c.peerTag, by)
		return false
	}
	switch {
	case !lt && !pt && c.tieLocalTag == a.localTag && c.tiePeerTag == a.peerTag && a.peerTag != 0:
		// Case A: the peer restarted.
		if a.state == stateShutdownAckSent {
			// §5.2.4 A: retransmit SHUTDOWN ACK with an ERROR "Cookie
			// Received While Shutting Down" (10).
			a.queueShutdownAck()
			e := chunk.Error{Causes: chunk.AppendCause(nil, chunk.CauseCookieWhileShuttingDown, nil)}
			a.queueCtrl(&e)
			return false
		}
		a.restartFromCookie(now, &c)
		a.queueCtrl(&chunk.CookieAck{})
		return true
	case lt && (!pt || a.peerTag == 0):
		// Case B: setup collision; ESTABLISHED with the cookie's peer
		// tag and parameters.
		if a.state != stateCookieWait && a.state != stateCookieEchoed && a.state != stateEstablished {
			return false
		}
		if a.state == stateEstablished && a.data != nil {
			// §5.2.4 B: already ESTABLISHED, only the peer's tag is
			// replaced; the data path (in flight, queued, reassembly)
			// is kept — recreating it would discard data in flight.
			a.peerTag = c.peerTag
			a.t1.stop()
		} else {
			a.adoptCookie(now, &c)
			a.established(now, CommUp)
		}
		a.queueCtrl(&chunk.CookieAck{})
		return true
	case !lt && pt && c.tieLocalTag == 0 && c.tiePeerTag == 0:
		// Case C: a late cookie; silently discarded.
		a.counters.DroppedWrongState++
		return false
	case lt && pt:
		// Case D: both tags match.
		if a.state == stateCookieWait || a.state == stateCookieEchoed {
			if a.data == nil {
				a.adoptCookie(now, &c)
			}
			a.established(now, CommUp)
		} else if a.data != nil {
			// A retransmitted COOKIE ECHO: our COOKIE ACK was lost and
			// the peer, still in COOKIE-ECHOED, has dropped what we sent
			// since (DATA, RE-CONFIG). Their timeouts are no sign of an
			// unreachable peer, which has just shown it is reachable: the
			// association error counter (RFC 9260 §8.1, consecutive
			// unanswered retransmissions) starts again, as a HEARTBEAT
			// ACK would have it. Counted on, three lost COOKIE ACKs at
			// 10 % loss, with a RE-CONFIG request counted beside each
			// T3-rtx (RFC 6525 §5.1.1), failed the association a few
			// seconds after the peer was up (property test seed
			// 136076).
			a.data.resetErrors()
		}
		a.queueCtrl(&chunk.CookieAck{})
		return true
	}
	a.counters.DroppedWrongState++
	return false
}

// adoptCookie takes the peer's parameters from a cookie (§5.2.4 A, B,
// D): its tag and what its INIT (ACK) offered. A new peer (no data path
// yet, or another tag or initial TSN) gets a fresh data path.
func (a *association) adoptCookie(now time.Time, c *stateCookie) {
	changed := a.data == nil || a.peerTag != c.peerTag || a.peerInitialTSN != c.peerInitialTSN
	a.peerTag = c.peerTag
	a.peerInitialTSN = c.peerInitialTSN
	a.peerRwnd = c.peerRwnd
	a.outStreams = c.outStreams
	a.inStreams = c.inStreams
	a.peerPRSCTP = c.peerExt.has(extForwardTSN)
	a.peerReconfig = c.peerExt.has(extReconfig)
	a.idata = c.peerExt.has(extIData) // negotiated when the INIT ACK was built
	a.peerAdaptation, a.hasPeerAdaptation = c.adaptation, c.peerExt.has(extAdaptation)
	a.adoptCookieAuth(c)
	if changed {
		a.data = newDataState(&a.cfg, a.negotiatedParams(), now)
	}
}

// restartFromCookie re-initialises the association after a peer restart
// (§5.2.4 A): new tags, new data state, RESTART notification.
func (a *association) restartFromCookie(now time.Time, c *stateCookie) {
	a.ep.retag(a, c.localTag)
	a.localTag = c.localTag
	a.localInitialTSN = c.localInitialTSN
	// The peer lost everything of the old association: what we had not
	// delivered is reported failed (RFC 6458 §6.1.11; usrsctp reports all
	// outbound data on restart too), and the data path starts afresh.
	a.failOutbound(ErrPeerRestarted)
	a.data = nil
	a.adoptCookie(now, c)
	a.t1.stop()
	a.t2.stop()
	a.t5 = time.Time{}
	a.ctrl = a.ctrl[:0]
	a.pending = a.pending[:0]
	a.pendingShutdown, a.pendingSack = false, false
	a.setState(stateEstablished)
	a.startHeartbeats(now)
	a.emit(AssocChange{ID: a.aid, State: Restart, OutStreams: a.outStreams, InStreams: a.inStreams})
}
