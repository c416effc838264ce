package sctp

import (
	"fmt"
	"net/netip"
	"time"
)

// Socket options (RFC 6458 §8; pysctp's get_X / set_X pairs and
// properties). Association-level getters take an association id: 0 on a
// one-to-one socket means its association; on a one-to-many socket 0
// means the socket's defaults for new associations (RFC 6458 §7:
// SCTP_FUTURE_ASSOC). Setters treat zero fields as "leave unchanged", as
// the kernel does. The defaults reported are what the engine would use
// (engineDefaultsLocked); live values come from the association through
// the runtime (runtime_seam.go).

// engineDefaultsLocked is the configuration an association set up now
// would use, defaults filled in (s.mu held).
func (s *Socket) engineDefaultsLocked() assocConfig { return s.assocConfigLocked().withDefaults() }

// InitMsg returns the INIT parameters used for new associations
// (SCTP_INITMSG; pysctp initparams), defaults filled in (16 streams each
// way, 8 attempts, MaxInitTimeo = RTO.Max).
func (s *Socket) InitMsg() InitMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.opts.initMsg
	c := s.engineDefaultsLocked()
	out, in, attempts := c.initParams()
	m.NumOstreams, m.MaxInstreams, m.MaxAttempts = out, in, uint16(attempts)
	if m.MaxInitTimeo == 0 {
		m.MaxInitTimeo = c.rtoParams().max
	}
	return m
}

// SetInitMsg sets the INIT parameters for associations set up after the
// call. Zero fields are left unchanged.
func (s *Socket) SetInitMsg(m InitMsg) error {
	if m.MaxInitTimeo < 0 {
		return invalidArg("negative MaxInitTimeo")
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	o := &s.opts.initMsg
	if m.NumOstreams != 0 {
		o.NumOstreams = m.NumOstreams
	}
	if m.MaxInstreams != 0 {
		o.MaxInstreams = m.MaxInstreams
	}
	if m.MaxAttempts != 0 {
		o.MaxAttempts = m.MaxAttempts
	}
	if m.MaxInitTimeo != 0 {
		o.MaxInitTimeo = m.MaxInitTimeo // reported back only; see InitMsg
	}
	return s.relistenLocked()
}

// RTOInfo returns the RTO bounds of association id (0: the defaults).
func (s *Socket) RTOInfo(id AssocID) (RTOInfo, error) {
	s.mu.Lock()
	if id == 0 && (s.style == UDP_STYLE || s.assoc == nil) {
		defer s.mu.Unlock()
		return s.rtoDefaultsLocked(), nil
	}
	s.mu.Unlock()
	e, err := s.entry(id)
	if err != nil {
		return RTOInfo{}, err
	}
	return e.a.rtoInfo(), nil
}

func (s *Socket) rtoDefaultsLocked() RTOInfo {
	return rtoInfoOf(s.engineDefaultsLocked().rtoParams())
}

// SetRTOInfo sets RTO bounds (SCTP_RTOINFO). With id 0 it sets the
// defaults for new associations (and, on a one-to-one socket, its
// association's too); zero fields are left unchanged; Min must not
// exceed Max, nor a set MaxBackoff.
func (s *Socket) SetRTOInfo(id AssocID, r RTOInfo) error {
	if r.Initial < 0 || r.Min < 0 || r.Max < 0 || r.MaxBackoff < 0 {
		return invalidArg("negative RTO value in %+v (0: the default)", r)
	}
	s.mu.Lock()
	n := s.rtoDefaultsLocked()
	if r.Initial != 0 {
		n.Initial = r.Initial
	}
	if r.Min != 0 {
		n.Min = r.Min
	}
	if r.Max != 0 {
		n.Max = r.Max
	}
	if r.MaxBackoff != 0 {
		n.MaxBackoff = r.MaxBackoff
	}
	if n.Min > n.Max {
		s.mu.Unlock()
		return invalidArg("RTO min %v above max %v", n.Min, n.Max)
	}
	if n.MaxBackoff != 0 && n.MaxBackoff < n.Min {
		s.mu.Unlock()
		return invalidArg("RTO MaxBackoff %v below Min %v: give at least Min (Max or more keeps RFC 9260's doubling)", n.MaxBackoff, n.Min)
	}
	if id == 0 {
		s.opts.rto = n
		if err := s.relistenLocked(); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	s.mu.Unlock()
	if id == 0 && s.style == UDP_STYLE {
		return nil
	}
	e, err := s.entry(id)
	if err != nil {
		if id == 0 {
			return nil // unconnected one-to-one socket: defaults only
		}
		return err
	}
	return e.a.setRTOInfo(n)
}

// AssocParams returns association parameters (SCTP_ASSOCINFO; pysctp
// assocparams).
func (s *Socket) AssocParams(id AssocID) (AssocParams, error) {
	s.mu.Lock()
	c := s.engineDefaultsLocked()
	maxRxt, cookieLife := c.assocParams()
	p := AssocParams{AssocMaxRxt: uint16(maxRxt), CookieLife: cookieLife, LocalRwnd: c.receiveWindow()}
	s.mu.Unlock()
	if id == 0 && s.style == UDP_STYLE {
		return p, nil
	}
	e, err := s.entry(id)
	if err != nil {
		if id == 0 {
			return p, nil
		}
		return AssocParams{}, err
	}
	st := e.a.statusStats()
	p.NumberPeerDestinations = uint16(st.PeerAddresses)
	p.PeerRwnd = st.PeerRwnd
	p.AssocMaxRxt = uint16(st.MaxRxt)
	return p, nil
}

// MaxCookieLife is the largest cookie lifetime SetAssocParams accepts
// (RFC 9260 §5.1.3 Valid.Cookie.Life, default 60 s). A State Cookie is
// sealed with a secret that rotates every hour, the previous one staying
// valid one more period (endpointConfig.cookieRotation in endpoint.go); a lifetime well
// below that keeps every cookie's staleness judged by its own lifetime
// (§5.1.5 step 3) and bounds how long a captured cookie can be replayed.
const MaxCookieLife = 30 * time.Minute

// SetAssocParams sets Association.Max.Retrans and the cookie lifetime
// (SCTP_ASSOCINFO). With id 0 they become the defaults for new
// associations (on a connected one-to-one socket its association's
// Association.Max.Retrans changes too); with an association id,
// Association.Max.Retrans of that association changes. Read-only fields
// and zero fields are ignored. A CookieLife above MaxCookieLife is
// rejected (ErrInvalidArgument), not clamped.
func (s *Socket) SetAssocParams(id AssocID, p AssocParams) error {
	if p.CookieLife < 0 {
		return invalidArg("negative CookieLife %v (0: the default)", p.CookieLife)
	}
	if p.CookieLife > MaxCookieLife {
		return invalidArg("CookieLife %v above %v", p.CookieLife, MaxCookieLife)
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	if id == 0 {
		if p.AssocMaxRxt != 0 {
			s.opts.maxRxt = p.AssocMaxRxt
		}
		if p.CookieLife != 0 {
			s.opts.cookieLife = p.CookieLife
		}
		if err := s.relistenLocked(); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	live := id != 0 || (s.style == TCP_STYLE && s.assoc != nil)
	s.mu.Unlock()
	if !live || p.AssocMaxRxt == 0 {
		return nil
	}
	e, err := s.entry(id)
	if err != nil {
		return err
	}
	return e.a.setAssocMaxRxt(int(p.AssocMaxRxt))
}

// PaddrParams returns the path parameters of association id (0: the
// defaults) for peer address addr (zero: the association).
func (s *Socket) PaddrParams(id AssocID, addr netip.AddrPort) (PaddrParams, error) {
	s.mu.Lock()
	p := s.opts.paddr // PathMTU and Flags as set (0: none)
	def := paddrParamsOf(s.engineDefaultsLocked().pathParams())
	s.mu.Unlock()
	p.HBInterval, p.PathMaxRxt, p.SackDelay = def.HBInterval, def.PathMaxRxt, def.SackDelay
	if p.Flags == 0 {
		p.Flags = def.Flags
	}
	p.Addr = addr
	if id != 0 || s.style == TCP_STYLE {
		e, err := s.entry(id)
		if err != nil && id != 0 {
			return PaddrParams{}, err
		}
		if e != nil && addr.IsValid() {
			if err := e.checkPeer(addr); err != nil {
				return PaddrParams{}, err
			}
		}
		if e != nil {
			lp, err := e.a.paddrParams()
			if err != nil {
				return PaddrParams{}, err
			}
			lp.Addr = addr
			return lp, nil
		}
	}
	return p, nil
}

// SetPaddrParams sets heartbeat interval, Path.Max.Retrans, SACK delay,
// fixed path MTU and the heartbeat flags (SCTP_PEER_ADDR_PARAMS). With
// id 0 they become the defaults for new associations (and, on a connected
// one-to-one socket, apply to its association); with an association id
// they apply to that live association. The engine keeps these values per
// association, so a given p.Addr must be a peer address but the change
// applies to all paths; PathMTU applies to new associations only. Zero
// fields are unchanged.
func (s *Socket) SetPaddrParams(id AssocID, p PaddrParams) error {
	if p.HBInterval < 0 || p.SackDelay < 0 {
		return invalidArg("negative HBInterval %v or SackDelay %v (0: the default)", p.HBInterval, p.SackDelay)
	}
	if p.SackDelay > 500*time.Millisecond {
		return invalidArg("SackDelay %v above 500 ms (RFC 9260 §6.2)", p.SackDelay)
	}
	if p.PathMTU != 0 && p.PathMTU < 576 {
		return invalidArg("PathMTU %d below 576", p.PathMTU)
	}
	if p.Flags&SPP_HB_ENABLE != 0 && p.Flags&SPP_HB_DISABLE != 0 {
		return invalidArg("both SPP_HB_ENABLE and SPP_HB_DISABLE")
	}
	if p.Flags&SPP_PMTUD_ENABLE != 0 && p.Flags&SPP_PMTUD_DISABLE != 0 {
		return invalidArg("both SPP_PMTUD_ENABLE and SPP_PMTUD_DISABLE")
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	e, err := s.optionEntryLocked(id, p.Addr)
	if err != nil {
		return err
	}
	if e != nil {
		if err := e.a.setPaddrParams(p); err != nil {
			return err
		}
		if id != 0 {
			return nil
		}
	}
	o := &s.opts.paddr
	if p.HBInterval != 0 {
		o.HBInterval = p.HBInterval
	}
	if p.PathMaxRxt != 0 {
		o.PathMaxRxt = p.PathMaxRxt
	}
	if p.PathMTU != 0 {
		o.PathMTU = p.PathMTU
	}
	if p.SackDelay != 0 {
		o.SackDelay = p.SackDelay
	}
	if p.Flags != 0 {
		o.Flags = p.Flags
	}
	return s.relistenLocked()
}

// PaddrInfo returns the state of the path to peer address addr of
// association id (SCTP_GET_PEER_ADDR_INFO; pysctp paddrinfo).
func (s *Socket) PaddrInfo(id AssocID, addr netip.AddrPort) (PaddrInfo, error) {
	e, err := s.entry(id)
	if err != nil {
		return PaddrInfo{}, err
	}
	for _, p := range e.a.paths() {
		if p.Addr.Addr().Unmap() == addr.Addr().Unmap() && (addr.Port() == 0 || p.Addr.Port() == addr.Port()) {
			p.Addr = s.reportAddr(p.Addr)
			return p, nil
		}
	}
	return PaddrInfo{}, fmt.Errorf("%w: %v is not a peer address of association %d", ErrInvalidArgument, addr, e.id)
}

// Status returns the status of association id (SCTP_STATUS; pysctp
// status).
func (s *Socket) Status(id AssocID) (Status, error) {
	e, err := s.entry(id)
	if err != nil {
		return Status{}, err
	}
	st := e.a.statusStats()
	out := Status{
		AssocID:            e.id,
		State:              st.State,
		Rwnd:               st.PeerRwnd,
		UnackData:          st.UnackData,
		PendData:           st.PendData,
		InStreams:          st.InStreams,
		OutStreams:         st.OutStreams,
		FragmentationPoint: uint32(e.a.fragmentationPoint(0)),
		IData:              st.IData,
	}
	if ps := e.a.paths(); len(ps) > 0 {
		out.Primary = ps[0]
		out.Primary.Addr = s.reportAddr(out.Primary.Addr)
	}
	return out, nil
}

// Nodelay reports SCTP_NODELAY. usctp never holds user messages back to
// bundle them (no Nagle-like delay): it always reports true.
func (s *Socket) Nodelay() bool { return true }

// SetNodelay sets SCTP_NODELAY. true is what usctp always does; false
// (delay small messages) is not implemented and returns ErrNotSupported.
func (s *Socket) SetNodelay(on bool) error {
	if !on {
		return fmt.Errorf("%w: Nagle-like delaying (SCTP_NODELAY false)", ErrNotSupported)
	}
	return nil
}

// Maxseg returns SCTP_MAXSEG as set with SetMaxseg: the limit on the DATA
// payload per packet of new associations, 0 when none is set (the path
// MTU alone limits it then). The payload size in effect for an
// association is Status(id).FragmentationPoint (1424 bytes over the
// default 1500-byte path MTU).
func (s *Socket) Maxseg() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.maxseg
}

// SetMaxseg limits the DATA payload per packet of new associations
// (larger messages are fragmented at this size); 0 removes the limit.
func (s *Socket) SetMaxseg(n int) error {
	if n < 0 || (n > 0 && n < 64) {
		return invalidArg("maxseg %d (0 or at least 64)", n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.maxseg = n
	return s.relistenLocked()
}

// Autoclose returns the idle time after which a one-to-many socket
// closes an association (SCTP_AUTOCLOSE; 0 = never).
func (s *Socket) Autoclose() (time.Duration, error) {
	if s.style != UDP_STYLE {
		return 0, fmt.Errorf("%w: autoclose on a one-to-one socket", ErrWrongStyle)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.autoclose, nil
}

// SetAutoclose sets the idle time after which a one-to-many socket shuts
// an association down gracefully (RFC 6458 §8.1.8). One-to-many only
// (pysctp's property bypassed that check, its bug B29).
func (s *Socket) SetAutoclose(d time.Duration) error {
	if s.style != UDP_STYLE {
		return fmt.Errorf("%w: autoclose on a one-to-one socket", ErrWrongStyle)
	}
	if d < 0 {
		return invalidArg("negative autoclose %v (0: off)", d)
	}
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.opts.autoclose = d
	if d > 0 && !s.autoclosing {
		s.autoclosing = true
		now := time.Now().UnixNano()
		for _, e := range s.assocs {
			e.lastActive.Store(now)
		}
		s.autoOn.Store(true)
		go s.autocloseLoop()
	}
	return nil
}

// autocloseLoop shuts down, gracefully, every association of a one-to-many
// socket that sent and received no user message for the autoclose time
// (RFC 6458 §8.1.8). It runs while autoclose is set.
func (s *Socket) autocloseLoop() {
	for {
		s.mu.Lock()
		d := s.opts.autoclose
		if d <= 0 || s.closed {
			s.autoclosing = false
			s.autoOn.Store(false)
			s.mu.Unlock()
			return
		}
		now := time.Now().UnixNano()
		var idle []*assocEntry
		for _, e := range s.assocs {
			if now-e.lastActive.Load() >= int64(d) && e.autoclosed.CompareAndSwap(false, true) {
				idle = append(idle, e)
			}
		}
		s.mu.Unlock()
		for _, e := range idle {
			e.a.shutdown()
		}
		period := min(max(d/4, 5*time.Millisecond), time.Second)
		t := time.NewTimer(period)
		select {
		case <-t.C:
		case <-s.closing:
			t.Stop()
		}
	}
}

// DisableFragments reports SCTP_DISABLE_FRAGMENTS.
func (s *Socket) DisableFragments() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.disableFrag
}

// SetDisableFragments makes sends of messages larger than the
// fragmentation point fail with ErrMessageTooLarge instead of being
// fragmented (SCTP_DISABLE_FRAGMENTS).
func (s *Socket) SetDisableFragments(on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.disableFrag = on
	return nil
}

// Adaptation returns the Adaptation Layer Indication sent in INIT / INIT
// ACK (SCTP_ADAPTATION_LAYER), and whether one is set.
func (s *Socket) Adaptation() (uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.adaptation, s.opts.adaptationSet
}

// SetAdaptation sets the Adaptation Layer Indication (RFC 5061 §4.2.6,
// host byte order) for new associations. Unlike pysctp it is not used as
// the default PPID; set that with SetDefaultSendParams.
func (s *Socket) SetAdaptation(ind uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.adaptation, s.opts.adaptationSet = ind, true
	return s.relistenLocked()
}

// MappedV4 reports SCTP_I_WANT_MAPPED_V4_ADDR.
func (s *Socket) MappedV4() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.mappedV4
}

// SetMappedV4 makes an AF_INET6 socket report IPv4 peers as IPv4-mapped
// IPv6 addresses (::ffff:a.b.c.d) in Received.From, GetPaddrs, GetLaddrs,
// Accept and notifications. Off, addresses are reported as they are.
func (s *Socket) SetMappedV4(on bool) error {
	if on && s.family != AF_INET6 {
		return invalidArg("mapped v4 addresses on an AF_INET socket (use an AF_INET6 socket)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.mappedV4 = on
	return nil
}

// DefaultSendParams returns the parameters SCTPSend uses when given nil
// (SCTP_DEFAULT_SEND_PARAM; pysctp's ttl and streamid defaults).
func (s *Socket) DefaultSendParams() SndInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.defSend
}

// SetDefaultSendParams sets the parameters SCTPSend and Conn.Write use
// when none are given: stream, PPID, flags, TTL (any duration; pysctp
// capped it at 255 ms, bug B15), context and, one-to-many, destination.
func (s *Socket) SetDefaultSendParams(si SndInfo) error {
	if si.Flags&^validSendFlags != 0 || si.Flags&(MSG_ABORT|MSG_EOF) != 0 {
		return invalidArg("default send flags %v (want MSG_UNORDERED)", si.Flags)
	}
	if si.TTL < 0 {
		return invalidArg("negative TTL %v (0: reliable)", si.TTL)
	}
	if err := validPRInfo(PRInfo{Policy: si.PRPolicy, Value: si.PRValue}); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.defSend = si
	return nil
}

// SetPrimary makes addr the primary path of association id
// (SCTP_PRIMARY_ADDR, RFC 6458 §8.1.9).
func (s *Socket) SetPrimary(id AssocID, addr netip.AddrPort) error {
	e, err := s.entry(id)
	if err != nil {
		return err
	}
	if err := e.checkPeer(addr); err != nil {
		return err
	}
	return e.a.setPrimary(addr.Addr().Unmap())
}

// SndBuf returns the send buffer size of new associations (SO_SNDBUF):
// the bytes of user messages queued or in flight before SCTPSend blocks.
func (s *Socket) SndBuf() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.engineDefaultsLocked().sendBuffer()
}

// SetSndBuf sets the send buffer size for new associations; unlike Linux
// the value is used as given (no doubling).
func (s *Socket) SetSndBuf(n int) error {
	if n <= 0 {
		return invalidArg("send buffer %d (want at least 1 byte)", n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.sndBuf = n
	return s.relistenLocked()
}

// RcvBuf returns the receive buffer size (SO_RCVBUF): the socket's
// receive queue limit and the a_rwnd advertised by new associations.
func (s *Socket) RcvBuf() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.rcvBuf
}

// SetRcvBuf sets the receive buffer size (at least 1500 bytes,
// RFC 9260 §3.3.2 minimum a_rwnd); used as given, no doubling.
func (s *Socket) SetRcvBuf(n int) error {
	if n < 1500 {
		return invalidArg("receive buffer %d (minimum 1500)", n)
	}
	s.mu.Lock()
	s.opts.rcvBuf = n
	err := s.relistenLocked()
	s.mu.Unlock()
	s.rq.setLimit(n)
	return err
}

// RemoteUDPEncapsPort returns the remote UDP encapsulation port
// (SCTP_REMOTE_UDP_ENCAPS_PORT, RFC 6951 §5.4 and RFC 8899 era API): with
// id 0 the socket's default for new associations, otherwise the port of
// the path to addr (zero addr: the primary path) of association id.
func (s *Socket) RemoteUDPEncapsPort(id AssocID, addr netip.AddrPort) (uint16, error) {
	if id == 0 && (s.style == UDP_STYLE || !addr.IsValid()) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.style == TCP_STYLE && s.assoc != nil {
			return s.assoc.a.remoteUDPPort(netip.Addr{}), nil
		}
		return s.opts.remoteUDPPort, nil
	}
	e, err := s.entry(id)
	if err != nil {
		return 0, err
	}
	if addr.IsValid() {
		if err := e.checkPeer(addr); err != nil {
			return 0, err
		}
	}
	return e.a.remoteUDPPort(addr.Addr().Unmap()), nil
}

// SetRemoteUDPEncapsPort sets the remote UDP encapsulation port: with id 0
// the default for associations this socket sets up later (a client's
// INIT goes there); otherwise for the path to addr (zero addr: every path)
// of association id. Port 0 restores the stack default.
func (s *Socket) SetRemoteUDPEncapsPort(id AssocID, addr netip.AddrPort, port uint16) error {
	if port == 0 {
		port = s.stack.cfg.RemoteUDPPort
	}
	if id == 0 {
		s.mu.Lock()
		s.opts.remoteUDPPort = port
		connected := s.style == TCP_STYLE && s.assoc != nil
		s.mu.Unlock()
		if !connected {
			return nil
		}
	}
	e, err := s.entry(id)
	if err != nil {
		return err
	}
	if addr.IsValid() {
		if err := e.checkPeer(addr); err != nil {
			return err
		}
	}
	return e.a.setRemoteUDPPort(addr.Addr().Unmap(), port)
}

// Events returns the socket's event subscription (SCTP_EVENTS; pysctp
// events).
func (s *Socket) Events() EventSubscribe {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.events
}

// SetEvents replaces the socket's event subscription. Notifications of a
// category are delivered from the moment it is subscribed; those that
// occurred before are not (as with the kernel).
func (s *Socket) SetEvents(ev EventSubscribe) error {
	if err := s.lockOpen(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.opts.events = ev
	return nil
}

// checkPeer returns an ErrInvalidArgument error naming addr unless it is
// one of e's peer addresses (hasPeer).
func (e *assocEntry) checkPeer(addr netip.AddrPort) error {
	if !e.hasPeer(addr) {
		return fmt.Errorf("%w: %v is not a peer address of association %d", ErrInvalidArgument, addr, e.id)
	}
	return nil
}

// optionEntryLocked returns the association a per-association option
// setter with id acts on (s.mu held): association id, or with id 0 the
// connected association of a one-to-one socket; nil with id 0 when there
// is none (the setter then changes the socket's defaults only). A valid
// addr must be one of its peer addresses.
func (s *Socket) optionEntryLocked(id AssocID, addr netip.AddrPort) (*assocEntry, error) {
	if id == 0 && (s.style == UDP_STYLE || s.assoc == nil) {
		return nil, nil
	}
	e := s.assoc
	if id != 0 || s.style == UDP_STYLE {
		e = s.assocs[id]
	}
	if e == nil {
		return nil, fmt.Errorf("%w: association %d is not one of this socket's (it may have ended)", ErrNotConnected, id)
	}
	if addr.IsValid() {
		if err := e.checkPeer(addr); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *assocEntry) hasPeer(addr netip.AddrPort) bool {
	for _, p := range e.a.peerAddrs() {
		if p.Addr().Unmap() == addr.Addr().Unmap() && (addr.Port() == 0 || p.Port() == addr.Port()) {
			return true
		}
	}
	return false
}

// wants reports whether the subscription includes event ev.
func (e EventSubscribe) wants(ev Event) bool {
	switch ev.(type) {
	case AssocChange:
		return e.Association
	case PeerAddrChange:
		return e.Address
	case SendFailed:
		return e.SendFailure
	case RemoteError:
		return e.PeerError
	case ShutdownEvent:
		return e.Shutdown
	case PartialDelivery:
		return e.PartialDelivery
	case AdaptationIndication:
		return e.AdaptationLayer
	case SenderDry:
		return e.SenderDry
	case StreamReset:
		return e.StreamReset
	case AssocReset:
		return e.AssocReset
	case StreamChange:
		return e.StreamChange
	case AuthKeyEvent:
		return e.Authentication
	}
	return false
}
